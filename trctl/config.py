"""Effective settings and where each came from: flags, environment, trctl profile, twilio-cli."""

from __future__ import annotations

import json
import math
import os
import re
import stat
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from trctl.errors import ConfigError, UsageError

# setting name -> environment variable, in the order `trctl config show` lists them
ENV_VARS: dict[str, str] = {
    "account_sid": "TWILIO_ACCOUNT_SID",
    "auth_token": "TWILIO_AUTH_TOKEN",
    "api_key": "TWILIO_API_KEY",
    "api_secret": "TWILIO_API_SECRET",
    "workspace": "TRCTL_WORKSPACE_SID",
    "workflow": "TRCTL_WORKFLOW_SID",
    "api_url": "TRCTL_API_URL",
    "profile": "TRCTL_PROFILE",
    "timeout": "TRCTL_TIMEOUT",
}
SECRET_SETTINGS = frozenset({"auth_token", "api_secret"})
CREDENTIAL_SETTINGS = ("account_sid", "auth_token", "api_key", "api_secret")
# what a trctl profile may hold (everything but the profile name itself)
PROFILE_KEYS = tuple(name for name in ENV_VARS if name != "profile")
DEFAULT_TIMEOUT_SECONDS = 15.0
DEFAULT_PROFILE = "default"
CONFIG_FILE = "config.json"
FILE_VERSION = 1
PROFILE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
UNSET = "unset"


@dataclass(frozen=True)
class Setting:
    """One effective value and a human description of its source ("flag --api-url", ...)."""

    value: str | None
    source: str = UNSET


@dataclass(frozen=True)
class Settings:
    """Everything a command needs to reach TaskRouter; secrets never printed unmasked."""

    values: Mapping[str, Setting] = field(default_factory=dict)
    timeout: float = DEFAULT_TIMEOUT_SECONDS

    def get(self, name: str) -> str | None:
        setting = self.values.get(name)
        return setting.value if setting else None

    def source(self, name: str) -> str:
        setting = self.values.get(name)
        return setting.source if setting else UNSET

    @property
    def account_sid(self) -> str | None:
        return self.get("account_sid")

    @property
    def auth_token(self) -> str | None:
        return self.get("auth_token")

    @property
    def api_key(self) -> str | None:
        return self.get("api_key")

    @property
    def api_secret(self) -> str | None:
        return self.get("api_secret")

    @property
    def workspace(self) -> str | None:
        return self.get("workspace")

    @property
    def workflow(self) -> str | None:
        return self.get("workflow")

    @property
    def api_url(self) -> str | None:
        return self.get("api_url")

    @property
    def profile(self) -> str | None:
        return self.get("profile")

    @property
    def uses_api_key(self) -> bool:
        """REST calls authenticate with the API key and secret (they win over the auth token)."""
        return bool(self.api_key and self.api_secret)

    def secrets(self) -> list[str]:
        """Every secret value in effect, for redaction of output and logs."""
        return [v for name in sorted(SECRET_SETTINGS) if (v := self.get(name))]


def mask(value: str | None) -> str:
    """Show a secret as a fixed mask: never its length, a prefix or a suffix."""
    if not value:
        return "(unset)"
    return "*" * 8


# ---------------------------------------------------------------------------------------------
# Where the files live


def _home(env: Mapping[str, str]) -> Path:
    return Path(env["HOME"]) if env.get("HOME") else Path.home()


def config_dir(env: Mapping[str, str] | None = None) -> Path:
    """trctl's directory: TRCTL_CONFIG_DIR, else $XDG_CONFIG_HOME/trctl, else ~/.config/trctl."""
    env = os.environ if env is None else env
    if env.get("TRCTL_CONFIG_DIR"):
        return Path(env["TRCTL_CONFIG_DIR"])
    if env.get("XDG_CONFIG_HOME"):
        return Path(env["XDG_CONFIG_HOME"]) / "trctl"
    return _home(env) / ".config" / "trctl"


def twilio_cli_config_path(env: Mapping[str, str] | None = None) -> Path:
    """twilio-cli's config file: $TWILIO_CONFIG_DIR/config.json, else ~/.twilio-cli/config.json."""
    env = os.environ if env is None else env
    directory = Path(env["TWILIO_CONFIG_DIR"]) if env.get("TWILIO_CONFIG_DIR") else None
    return (directory or _home(env) / ".twilio-cli") / CONFIG_FILE


def display_path(path: Path, env: Mapping[str, str] | None = None) -> str:
    """A path as the user would type it: the home directory shown as ~."""
    env = os.environ if env is None else env
    try:
        return "~/" + str(path.relative_to(_home(env)))
    except ValueError:
        return str(path)


# ---------------------------------------------------------------------------------------------
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


def read_profile_file(env: Mapping[str, str] | None = None) -> ProfileFile:
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
    data = _parse_json_object(path, text)
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


def _parse_json_object(path: Path, text: str) -> dict:
    try:
        data = json.loads(text) if text.strip() else {}
    except json.JSONDecodeError as exc:
        raise ConfigError(
            f"{path} is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
        ) from exc
    if not isinstance(data, dict):
        raise ConfigError(f"{path} must hold a JSON object")
    return data


def write_profile_file(profile_file: ProfileFile) -> None:
    """Write atomically (temp file, fsync, os.replace) with mode 0600 in a 0700 directory."""
    path = profile_file.path
    directory = path.parent
    if not directory.exists():
        directory.mkdir(mode=0o700, parents=True)
        os.chmod(directory, 0o700)
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
    profile: str | None = None,
    env: Mapping[str, str] | None = None,
) -> str:
    """Store a non-secret value (e.g. "workspace") in the named, TRCTL_PROFILE or active profile.

    Creates (and activates) the profile "default" when no profile is named or active.
    Returns the name of the profile written.
    """
    if key in SECRET_SETTINGS or key not in PROFILE_KEYS:
        allowed = ", ".join(k for k in PROFILE_KEYS if k not in SECRET_SETTINGS)
        raise UsageError(f"cannot store {key!r} in a profile this way", hint=f"one of: {allowed}")
    env = os.environ if env is None else env
    profile_file = read_profile_file(env)
    profile_file.require_secure()
    chosen = profile or env.get("TRCTL_PROFILE") or profile_file.active or DEFAULT_PROFILE
    name = check_profile_name(chosen)
    profile_file.profiles.setdefault(name, {})[key] = value
    if profile_file.active is None:
        profile_file.active = name
    write_profile_file(profile_file)
    return name


# ---------------------------------------------------------------------------------------------
# twilio-cli's config file (read-only): {"profiles": {ID: {accountSid, apiKey, apiSecret,
# region}}, "activeProject": ID, "projects": [legacy entries without secrets]}


@dataclass(frozen=True)
class TwilioCliProfile:
    """One twilio-cli profile as twilio-cli itself would pick it."""

    name: str
    account_sid: str | None
    api_key: str | None
    api_secret: str | None
    path: Path


def read_twilio_cli(
    env: Mapping[str, str] | None = None,
) -> tuple[str | None, list[TwilioCliProfile]]:
    """(active profile id, profiles) from twilio-cli's config.json; nothing if it is absent."""
    path = twilio_cli_config_path(env)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None, []
    except OSError as exc:
        raise ConfigError(f"cannot read twilio-cli's {path}: {exc.strerror or exc}") from exc
    data = _parse_json_object(path, text)
    found: list[TwilioCliProfile] = []
    for project in data.get("projects") or []:  # twilio-cli < 6 kept these secrets in a keychain
        if isinstance(project, dict) and isinstance(project.get("id"), str):
            found.append(_cli_profile(project["id"], project, path))
    profiles = data.get("profiles") or {}
    if isinstance(profiles, dict):
        for name, values in profiles.items():
            if isinstance(values, dict):
                found.append(_cli_profile(name, values, path))
    active = data.get("activeProject")
    return (active if isinstance(active, str) else None), found


def _cli_profile(name: str, values: Mapping[str, object], path: Path) -> TwilioCliProfile:
    def text(key: str) -> str | None:
        value = values.get(key)
        return (value.strip() or None) if isinstance(value, str) else None

    return TwilioCliProfile(name, text("accountSid"), text("apiKey"), text("apiSecret"), path)


def twilio_cli_profile(
    env: Mapping[str, str] | None = None, name: str | None = None
) -> TwilioCliProfile | None:
    """The named twilio-cli profile, or the one twilio-cli treats as active (like its config.js)."""
    active, profiles = read_twilio_cli(env)
    by_name = {p.name: p for p in profiles}
    if name is not None:
        return by_name.get(name)
    if active and active in by_name:
        return by_name[active]
    return profiles[0] if profiles else None


# ---------------------------------------------------------------------------------------------
# Resolution


@dataclass
class _Layer:
    """Values from one place, and how to describe that place."""

    source: str  # may name the setting: "env {var}", "flag --{flag}"
    values: dict[str, str]

    def setting(self, name: str) -> Setting:
        where = self.source.format(var=ENV_VARS.get(name, name), flag=name.replace("_", "-"))
        return Setting(self.values[name], where)

    def has_credentials(self) -> bool:
        v = self.values
        return bool(v.get("account_sid")) and bool(
            (v.get("api_key") and v.get("api_secret")) or v.get("auth_token")
        )


def _profile_layer(profile_file: ProfileFile, name: str, env: Mapping[str, str]) -> _Layer:
    profile_file.require_secure()
    where = f'profile "{name}" ({display_path(profile_file.path, env)})'
    return _Layer(where, dict(profile_file.profiles[name]))


def _cli_layer(profile: TwilioCliProfile, env: Mapping[str, str]) -> _Layer:
    values = {"account_sid": profile.account_sid, "api_key": profile.api_key}
    values["api_secret"] = profile.api_secret
    where = f'twilio-cli profile "{profile.name}" ({display_path(profile.path, env)})'
    return _Layer(where, {k: v for k, v in values.items() if v})


def _select_profile(
    flags: Mapping[str, str | None], env: Mapping[str, str], profile_file: ProfileFile
) -> tuple[str | None, str]:
    """(profile name, how it was chosen)."""
    if flags.get("profile"):
        return flags["profile"], "flag --profile"
    if env.get("TRCTL_PROFILE"):
        return env["TRCTL_PROFILE"], "env TRCTL_PROFILE"
    if profile_file.active and profile_file.active in profile_file.profiles:
        return profile_file.active, f"active in {display_path(profile_file.path, env)}"
    return None, UNSET


def load_settings(
    flags: Mapping[str, str | None] | None = None,
    env: Mapping[str, str] | None = None,
) -> Settings:
    """Resolve settings, highest precedence first.

    flags; a profile named with --profile (as twilio-cli's -p, it beats the environment);
    environment; the TRCTL_PROFILE or active trctl profile; the active twilio-cli profile.
    Credentials (account SID, auth token, API key + secret) come as one bundle from the first
    layer that holds a usable set, so a token and a key from different places never mix.
    """
    flags = flags or {}
    env = os.environ if env is None else env
    profile_file = read_profile_file(env)
    name, chosen_by = _select_profile(flags, env, profile_file)

    flag_layer = _Layer(
        "flag --{flag}", {k: v for k, v in flags.items() if v and k in ENV_VARS and k != "profile"}
    )
    env_layer = _Layer("env {var}", {k: env[v] for k, v in ENV_VARS.items() if env.get(v)})
    env_layer.values.pop("profile", None)
    profile_layer: _Layer | None = None
    cli_layer: _Layer | None = None
    if name is not None:
        if name in profile_file.profiles:
            profile_layer = _profile_layer(profile_file, name, env)
        if profile_layer is None or not profile_layer.has_credentials():
            # a twilio-cli profile of that name supplies what the trctl one lacks
            cli_profile = twilio_cli_profile(env, name)
            if cli_profile is not None:
                cli_layer = _cli_layer(cli_profile, env)
        if profile_layer is None and cli_layer is None:
            raise _unknown_profile(name, chosen_by, profile_file)

    if flags.get("profile"):
        layers = [flag_layer, *(x for x in (profile_layer, cli_layer) if x), env_layer]
    else:
        layers = [flag_layer, env_layer, *(x for x in (profile_layer, cli_layer) if x)]
    if cli_layer is None and not any(layer.has_credentials() for layer in layers):
        default_cli = twilio_cli_profile(env)
        if default_cli is not None:
            layers.append(_cli_layer(default_cli, env))

    values = _resolve(layers)
    values["profile"] = Setting(name, chosen_by) if name else Setting(None)
    _check_api_url(values["api_url"])
    return Settings(values, _timeout(values["timeout"]))


def _check_api_url(setting: Setting) -> None:
    url = setting.value
    if url is None:
        return
    scheme, _, rest = url.partition("://")
    if (
        scheme.lower() in ("http", "https")
        and rest.strip("/")
        and not any(c.isspace() for c in url)
    ):
        return
    error = UsageError if setting.source.startswith("flag") else ConfigError
    raise error(
        f"{setting.source}: API URL must look like http://HOST[:PORT] or https://HOST, got {url!r}"
    )


def _resolve(layers: list[_Layer]) -> dict[str, Setting]:
    values: dict[str, Setting] = {}
    for name in ENV_VARS:
        if name == "profile" or name in CREDENTIAL_SETTINGS:
            continue
        values[name] = next((x.setting(name) for x in layers if name in x.values), Setting(None))
    values.update(_credentials(layers))
    return values


def _credentials(layers: list[_Layer]) -> dict[str, Setting]:
    bundle = next((x for x in layers[1:] if x.has_credentials()), None)
    first = {
        name: next((x.setting(name) for x in layers if name in x.values), Setting(None))
        for name in CREDENTIAL_SETTINGS
    }
    if bundle is None:  # nothing usable anywhere: show what there is, make_client will explain
        return first
    chosen = {
        name: bundle.setting(name) if name in bundle.values else Setting(None)
        for name in CREDENTIAL_SETTINGS
    }
    flag_sid = layers[0].values.get("account_sid")
    if flag_sid:  # --account-sid picks a (sub)account, keeping the bundle's credentials
        chosen["account_sid"] = layers[0].setting("account_sid")
    key_based = bool(bundle.values.get("api_key") and bundle.values.get("api_secret"))
    if key_based and chosen["auth_token"].value is None:
        chosen["auth_token"] = first["auth_token"]  # for signature checks only; REST uses the key
    if not key_based:
        chosen["api_key"] = chosen["api_secret"] = Setting(None)
    return chosen


def _timeout(setting: Setting) -> float:
    if setting.value is None:
        return DEFAULT_TIMEOUT_SECONDS
    try:
        seconds = float(setting.value)
    except ValueError:
        seconds = math.nan
    if not (math.isfinite(seconds) and seconds > 0):
        raise ConfigError(
            f"{setting.source}: timeout must be a positive number of seconds, got {setting.value!r}"
        )
    return seconds


def _unknown_profile(name: str, chosen_by: str, profile_file: ProfileFile) -> ConfigError:
    known = ", ".join(profile_file.names()) or "none yet"
    return ConfigError(
        f'no trctl or twilio-cli profile named "{name}" ({chosen_by})',
        hint=f"trctl profiles: {known}; create one with `trctl profiles set {name}`",
    )
