"""trctl's own profile file: read, refused when others can read it, written atomically 0600."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from trctl.config.files import config_dir
from trctl.config.names import (
    CONFIG_FILE,
    DEFAULT_PROFILE,
    FILE_VERSION,
    PROFILE_KEYS,
    PROFILE_NAME,
    SECRET_SETTINGS,
)
from trctl.config.private_file import read_private_json, write_private_json
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


def read_profile_file(env: Mapping[str, str]) -> ProfileFile:
    """Load trctl's config file (an empty one if it does not exist yet)."""
    path = config_dir(env) / CONFIG_FILE
    data, insecure = read_private_json(path)
    if data is None:
        return ProfileFile(path)
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
    body = {
        "version": FILE_VERSION,
        "active": profile_file.active,
        "profiles": {
            name: dict(sorted(v.items())) for name, v in sorted(profile_file.profiles.items())
        },
    }
    write_private_json(profile_file.path, body)
    profile_file.insecure = None


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
