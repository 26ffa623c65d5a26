"""trctl's own profile file: read, refused when others can read it, written atomically 0600."""

from __future__ import annotations

import json
import os
import stat
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from trctl.config.files import config_dir, parse_json_object
from trctl.config.names import (
    CONFIG_FILE,
    DEFAULT_PROFILE,
    FILE_VERSION,
    PROFILE_KEYS,
    PROFILE_NAME,
    SECRET_SETTINGS,
)
from trctl.errors import ConfigError, UsageError

# trctl's profile file: {"version": 1, "active": NAME, "profiles": {NAME: {key: value}}}


@dataclass
class ProfileFile:
    """The parsed trctl config file; `insecure` explains a too-open file (refused when used)."""

    path: Path
    active: str | None = None
    profiles: dict[str, dict[str, str]] = field(default_factory=dict)
    insecure: str | None = None

    def require_secure(self) -> None:
        if self.insecure:
            raise ConfigError(self.insecure, hint=f"run: chmod 600 {self.path}")

    def names(self) -> list[str]:
        return sorted(self.profiles)


def check_profile_name(name: str) -> str:
    if not PROFILE_NAME.match(name):
        raise UsageError(
            f"invalid profile name {name!r}",
            hint="use letters, digits, '.', '_' or '-', at most 64 characters",
        )
    return name


def _permission_problem(path: Path, st: os.stat_result) -> str | None:
    if hasattr(os, "getuid") and st.st_uid != os.getuid():
        return f"{path} belongs to another user (uid {st.st_uid}); refusing to use it"
    if st.st_mode & 0o077:
        mode = stat.S_IMODE(st.st_mode)
        return f"{path} is accessible by other users (mode {mode:04o}); refusing to use it"
    return None


def read_profile_file(env: Mapping[str, str]) -> ProfileFile:
    """Load trctl's config file (an empty one if it does not exist yet)."""
    path = config_dir(env) / CONFIG_FILE
    try:
        with open(path, encoding="utf-8") as handle:
            insecure = _permission_problem(path, os.fstat(handle.fileno()))
            text = handle.read()
    except FileNotFoundError:
        return ProfileFile(path)
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror or exc}") from exc
    data = parse_json_object(path, text)
    profiles = data.get("profiles", {})
    if not isinstance(profiles, dict) or not all(
        isinstance(p, dict) and all(isinstance(v, str) for v in p.values())
        for p in profiles.values()
    ):
        raise ConfigError(f"{path}: 'profiles' must map names to objects of strings")
    active = data.get("active")
    if active is not None and not isinstance(active, str):
        raise ConfigError(f"{path}: 'active' must be a profile name")
    cleaned = {
        name: {k: v for k, v in values.items() if k in PROFILE_KEYS and v}
        for name, values in profiles.items()
    }
    return ProfileFile(path, active, cleaned, insecure)


def write_profile_file(profile_file: ProfileFile) -> None:
    """Write atomically (temp file, fsync, os.replace) with mode 0600 in a 0700 directory."""
    path = profile_file.path
    directory = path.parent
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    if stat.S_IMODE(directory.stat().st_mode) != 0o700:  # an existing one is tightened too
        try:
            os.chmod(directory, 0o700)
        except OSError as exc:
            raise ConfigError(f"cannot make {directory} private: {exc.strerror or exc}") from exc
    body = {
        "version": FILE_VERSION,
        "active": profile_file.active,
        "profiles": {
            name: dict(sorted(v.items())) for name, v in sorted(profile_file.profiles.items())
        },
    }
    fd, temp_name = tempfile.mkstemp(prefix=".config.", suffix=".tmp", dir=directory)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(body, handle, indent=2)
            handle.write("\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp_name, path)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
    _fsync_directory(directory)
    profile_file.insecure = None


def _fsync_directory(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def save_to_profile(
    key: str,
    value: str,
    *,
    env: Mapping[str, str],
    profile: str | None = None,
) -> str:
    """Store a non-secret value (e.g. "workspace") in the named, TRCTL_PROFILE or active profile.

    Creates (and activates) the profile "default" when no profile is named or active.
    Returns the name of the profile written.
    """
    if key in SECRET_SETTINGS or key not in PROFILE_KEYS:
        allowed = ", ".join(k for k in PROFILE_KEYS if k not in SECRET_SETTINGS)
        raise UsageError(f"cannot store {key!r} in a profile this way", hint=f"one of: {allowed}")
    profile_file = read_profile_file(env)
    profile_file.require_secure()
    chosen = profile or env.get("TRCTL_PROFILE") or profile_file.active or DEFAULT_PROFILE
    name = check_profile_name(chosen)
    profile_file.profiles.setdefault(name, {})[key] = value
    if profile_file.active is None:
        profile_file.active = name
    write_profile_file(profile_file)
    return name
