"""load_settings: one effective value per setting from flags, env, trctl and twilio-cli profiles."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from trctl.config.files import display_path
from trctl.config.names import CREDENTIAL_SETTINGS, DEFAULT_TIMEOUT_SECONDS, ENV_VARS, UNSET
from trctl.config.profile_store import ProfileFile, read_profile_file
from trctl.config.settings import Setting, Settings
from trctl.config.twilio_cli import TwilioCliProfile, twilio_cli_profile
from trctl.errors import ConfigError, UsageError


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
    active = profile_file.active
    if active and (active in profile_file.profiles or twilio_cli_profile(env, active)):
        # a twilio-cli profile's name, when `trctl profiles use` chose one of twilio-cli's
        return active, f"active in {display_path(profile_file.path, env)}"
    return None, UNSET


def load_settings(flags: Mapping[str, str | None] | None, env: Mapping[str, str]) -> Settings:
    """Resolve settings, highest precedence first.

    flags; a profile named with --profile (as twilio-cli's -p, it beats the environment);
    environment; the TRCTL_PROFILE or active trctl profile; the active twilio-cli profile.
    Credentials (account SID, auth token, API key + secret) come as one bundle from the first
    layer that holds a usable set, so a token and a key from different places never mix.
    `env` holds the variables (the run Environment's; trctl.config never reads os.environ).
    """
    flags = flags or {}
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
    check_api_url(values["api_url"])
    return Settings(values, _timeout(values["timeout"]))


def is_api_url(url: str) -> bool:
    """An http(s) base URL with a host and no whitespace (what --api-url accepts)."""
    scheme, _, rest = url.partition("://")
    return scheme.lower() in ("http", "https") and bool(rest.strip("/")) and url.split() == [url]


def check_api_url(setting: Setting) -> None:
    """A UsageError for a bad --api-url (or profiles set --api-url), else a ConfigError."""
    url = setting.value
    if url is None or is_api_url(url):
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
