"""Settings precedence: flags, a --profile profile, environment, the active profile, twilio-cli."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from trctl.config import (
    CREDENTIAL_SETTINGS,
    DEFAULT_TIMEOUT_SECONDS,
    ENV_VARS,
    ProfileFile,
    Settings,
    load_settings,
    mask,
    write_profile_file,
)
from trctl.errors import ConfigError, UsageError

SID_ENV = "AC" + "e" * 32
SID_PROFILE = "AC" + "b" * 32
SID_CLI = "AC" + "c" * 32
SID_FLAG = "AC" + "f" * 32
KEY_ENV = "SK" + "e" * 32
KEY_CLI = "SK" + "c" * 32


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """An environment whose config directories are empty temporary ones."""
    return {
        "HOME": str(tmp_path / "home"),
        "TRCTL_CONFIG_DIR": str(tmp_path / "trctl"),
        "TWILIO_CONFIG_DIR": str(tmp_path / "twilio-cli"),
    }


def write_profiles(env: dict[str, str], active: str | None, **profiles: dict[str, str]) -> Path:
    path = Path(env["TRCTL_CONFIG_DIR"]) / "config.json"
    write_profile_file(ProfileFile(path, active, dict(profiles)))
    return path


def write_twilio_cli(env: dict[str, str], data: dict) -> Path:
    path = Path(env["TWILIO_CONFIG_DIR"]) / "config.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data))
    return path


def cli_profile(sid: str = SID_CLI, key: str = KEY_CLI, secret: str = "cli-secret-1") -> dict:
    return {"accountSid": sid, "apiKey": key, "apiSecret": secret, "region": None}


def test_nothing_configured_gives_unset_values_and_the_default_timeout(env) -> None:
    settings = load_settings({}, env)
    assert settings.account_sid is None and settings.auth_token is None
    assert settings.source("account_sid") == "unset"
    assert settings.timeout == DEFAULT_TIMEOUT_SECONDS


def test_environment_values_name_their_variable(env) -> None:
    env.update(
        TWILIO_ACCOUNT_SID=SID_ENV,
        TWILIO_AUTH_TOKEN="env-token-1",
        TRCTL_WORKSPACE_SID="WS1",
        TRCTL_WORKFLOW_SID="WW1",
        TRCTL_API_URL="http://127.0.0.1:9",
        TRCTL_TIMEOUT="2.5",
    )
    settings = load_settings({}, env)
    assert settings.account_sid == SID_ENV
    assert settings.source("auth_token") == "env TWILIO_AUTH_TOKEN"
    assert settings.workspace == "WS1" and settings.source("workspace") == "env TRCTL_WORKSPACE_SID"
    assert settings.workflow == "WW1"
    assert settings.api_url == "http://127.0.0.1:9"
    assert settings.timeout == 2.5 and settings.source("timeout") == "env TRCTL_TIMEOUT"


def test_flags_beat_environment(env) -> None:
    env.update(TWILIO_ACCOUNT_SID=SID_ENV, TWILIO_AUTH_TOKEN="t0ken", TRCTL_API_URL="http://env")
    flags = {"api_url": "http://flag", "workspace": "Quickstart", "account_sid": SID_FLAG}
    settings = load_settings(flags, env)
    assert settings.api_url == "http://flag" and settings.source("api_url") == "flag --api-url"
    assert settings.workspace == "Quickstart"
    # --account-sid picks a (sub)account and keeps the environment's credentials
    assert (
        settings.account_sid == SID_FLAG and settings.source("account_sid") == "flag --account-sid"
    )
    assert settings.auth_token == "t0ken"


def test_environment_beats_the_active_profile(env) -> None:
    write_profiles(
        env, "dev", dev={"account_sid": SID_PROFILE, "auth_token": "p-token", "workspace": "WSp"}
    )
    env.update(TWILIO_ACCOUNT_SID=SID_ENV, TWILIO_AUTH_TOKEN="e-token")
    settings = load_settings({}, env)
    assert (settings.account_sid, settings.auth_token) == (SID_ENV, "e-token")
    # settings the environment does not give still come from the profile
    assert settings.workspace == "WSp"
    assert settings.source("workspace").startswith('profile "dev" (')
    assert settings.profile == "dev" and settings.source("profile").startswith("active in ")


def test_active_profile_is_used_when_the_environment_has_no_credentials(env) -> None:
    path = write_profiles(env, "dev", dev={"account_sid": SID_PROFILE, "auth_token": "p-token"})
    settings = load_settings({}, env)
    assert settings.account_sid == SID_PROFILE and settings.auth_token == "p-token"
    assert settings.source("auth_token") == f'profile "dev" ({path})'


def test_profile_path_is_shown_relative_to_home(env) -> None:
    env["TRCTL_CONFIG_DIR"] = str(Path(env["HOME"]) / ".config" / "trctl")
    write_profiles(env, "dev", dev={"account_sid": SID_PROFILE, "auth_token": "p-token"})
    settings = load_settings({}, env)
    assert settings.source("account_sid") == 'profile "dev" (~/.config/trctl/config.json)'


def test_xdg_config_home_locates_the_profile_file(env, tmp_path: Path) -> None:
    del env["TRCTL_CONFIG_DIR"]
    env["XDG_CONFIG_HOME"] = str(tmp_path / "xdg")
    write_profiles(
        {"TRCTL_CONFIG_DIR": str(tmp_path / "xdg" / "trctl")},
        "x",
        x={"account_sid": SID_PROFILE, "auth_token": "xdg-token"},
    )
    assert load_settings({}, env).auth_token == "xdg-token"


def test_explicit_profile_flag_beats_the_environment_like_twilio_cli_p(env) -> None:
    write_profiles(
        env,
        "dev",
        dev={"account_sid": SID_PROFILE, "auth_token": "dev-token"},
        prod={"account_sid": SID_CLI, "auth_token": "prod-token", "workspace": "WSprod"},
    )
    env.update(TWILIO_ACCOUNT_SID=SID_ENV, TWILIO_AUTH_TOKEN="e-token", TRCTL_WORKSPACE_SID="WSe")
    settings = load_settings({"profile": "prod"}, env)
    assert (settings.account_sid, settings.auth_token) == (SID_CLI, "prod-token")
    assert settings.workspace == "WSprod"
    assert settings.profile == "prod" and settings.source("profile") == "flag --profile"


def test_trctl_profile_env_selects_a_profile_below_the_environment(env) -> None:
    write_profiles(
        env,
        "dev",
        dev={"account_sid": SID_PROFILE, "auth_token": "dev-token"},
        prod={"account_sid": SID_CLI, "auth_token": "prod-token", "workspace": "WSprod"},
    )
    env["TRCTL_PROFILE"] = "prod"
    settings = load_settings({}, env)
    assert settings.auth_token == "prod-token" and settings.source("profile") == "env TRCTL_PROFILE"
    env.update(TWILIO_ACCOUNT_SID=SID_ENV, TWILIO_AUTH_TOKEN="e-token")
    assert load_settings({}, env).auth_token == "e-token"


def test_unknown_profile_is_a_config_error_listing_the_known_ones(env) -> None:
    write_profiles(env, None, dev={"account_sid": SID_PROFILE, "auth_token": "t0ken"})
    with pytest.raises(ConfigError) as failure:
        load_settings({"profile": "nope"}, env)
    assert "nope" in failure.value.one_line() and "dev" in failure.value.one_line()
    assert failure.value.exit_code == 3


def test_api_key_and_secret_win_over_the_auth_token_in_the_environment(env) -> None:
    env.update(
        TWILIO_ACCOUNT_SID=SID_ENV,
        TWILIO_AUTH_TOKEN="e-token",
        TWILIO_API_KEY=KEY_ENV,
        TWILIO_API_SECRET="e-secret",
    )
    settings = load_settings({}, env)
    assert settings.uses_api_key
    assert (settings.api_key, settings.api_secret) == (KEY_ENV, "e-secret")
    assert settings.auth_token == "e-token"  # still there for signature checks


def test_credentials_never_mix_across_sources(env) -> None:
    """An env token and a twilio-cli API key must not combine into a key-based login."""
    write_twilio_cli(env, {"profiles": {"default": cli_profile()}, "activeProject": "default"})
    env.update(TWILIO_ACCOUNT_SID=SID_ENV, TWILIO_AUTH_TOKEN="e-token")
    settings = load_settings({}, env)
    assert not settings.uses_api_key
    assert settings.api_key is None and settings.source("api_key") == "unset"
    assert (settings.account_sid, settings.auth_token) == (SID_ENV, "e-token")


def test_incomplete_environment_falls_through_to_a_complete_source(env) -> None:
    """TWILIO_AUTH_TOKEN alone (no SID) does not shadow a complete profile; it stays usable for
    signature checks beside the profile's API key."""
    write_twilio_cli(env, {"profiles": {"default": cli_profile()}, "activeProject": "default"})
    env["TWILIO_AUTH_TOKEN"] = "lonely-token"
    settings = load_settings({}, env)
    assert settings.uses_api_key and settings.account_sid == SID_CLI
    assert settings.auth_token == "lonely-token"
    assert settings.source("auth_token") == "env TWILIO_AUTH_TOKEN"


def test_twilio_cli_active_profile_is_the_last_resort(env) -> None:
    path = write_twilio_cli(
        env,
        {
            "profiles": {
                "first": cli_profile(SID_PROFILE, "SK" + "1" * 32, "first-secret"),
                "work": cli_profile(),
            },
            "activeProject": "work",
        },
    )
    settings = load_settings({}, env)
    assert (settings.account_sid, settings.api_key, settings.api_secret) == (
        SID_CLI,
        KEY_CLI,
        "cli-secret-1",
    )
    assert settings.source("api_secret") == f'twilio-cli profile "work" ({path})'


def test_twilio_cli_without_active_project_uses_its_first_profile(env) -> None:
    write_twilio_cli(
        env,
        {"profiles": {"a": cli_profile(SID_PROFILE), "b": cli_profile()}, "activeProject": None},
    )
    assert load_settings({}, env).account_sid == SID_PROFILE


def test_twilio_cli_default_location_is_under_home(env) -> None:
    del env["TWILIO_CONFIG_DIR"]
    path = Path(env["HOME"]) / ".twilio-cli" / "config.json"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"profiles": {"default": cli_profile()}}))
    settings = load_settings({}, env)
    assert (
        settings.source("account_sid") == 'twilio-cli profile "default" (~/.twilio-cli/config.json)'
    )


def test_legacy_twilio_cli_projects_without_secrets_give_no_credentials(env) -> None:
    write_twilio_cli(
        env, {"projects": [{"id": "old", "accountSid": SID_CLI}], "activeProject": "old"}
    )
    settings = load_settings({}, env)
    assert settings.account_sid == SID_CLI
    assert settings.api_secret is None and settings.auth_token is None


def test_trctl_profile_beats_twilio_cli(env) -> None:
    write_twilio_cli(env, {"profiles": {"default": cli_profile()}})
    write_profiles(env, "dev", dev={"account_sid": SID_PROFILE, "auth_token": "p-token"})
    settings = load_settings({}, env)
    assert settings.account_sid == SID_PROFILE and not settings.uses_api_key


def test_profile_flag_may_name_a_twilio_cli_profile(env) -> None:
    write_twilio_cli(env, {"profiles": {"default": cli_profile(), "other": cli_profile(SID_ENV)}})
    settings = load_settings({"profile": "other"}, env)
    assert settings.account_sid == SID_ENV
    assert settings.source("account_sid").startswith('twilio-cli profile "other"')


def test_broken_twilio_cli_file_is_a_config_error_naming_it(env) -> None:
    path = write_twilio_cli(env, {})
    path.write_text("{not json")
    with pytest.raises(ConfigError) as failure:
        load_settings({}, env)
    assert str(path) in failure.value.one_line()


@pytest.mark.parametrize("value", ["0", "-5", "soon", "nan", "inf", ""])
def test_timeout_must_be_a_positive_number(env, value: str) -> None:
    env["TRCTL_TIMEOUT"] = value
    if value == "":
        assert load_settings({}, env).timeout == DEFAULT_TIMEOUT_SECONDS
        return
    with pytest.raises(ConfigError, match="TRCTL_TIMEOUT"):
        load_settings({}, env)


def test_secrets_lists_every_secret_and_mask_reveals_nothing(env) -> None:
    env.update(
        TWILIO_ACCOUNT_SID=SID_ENV,
        TWILIO_AUTH_TOKEN="token-abcdef",
        TWILIO_API_KEY=KEY_ENV,
        TWILIO_API_SECRET="secret-uvwxyz",
    )
    settings = load_settings({}, env)
    assert sorted(settings.secrets()) == ["secret-uvwxyz", "token-abcdef"]
    for secret in settings.secrets():
        shown = mask(secret)
        assert not set(shown) & set(secret)
        assert mask(secret[:3]) == shown  # the length is not revealed either
    assert mask(None) == "(unset)"


def test_trctl_profile_overlays_a_twilio_cli_profile_of_the_same_name(env) -> None:
    """`trctl workspaces use` on a twilio-cli profile stores only the workspace in trctl's file;
    the credentials keep coming from twilio-cli's profile of that name."""
    write_twilio_cli(env, {"profiles": {"work": cli_profile(), "other": cli_profile(SID_ENV)}})
    write_profiles(env, None, work={"workspace": "WSwork"})
    settings = load_settings({"profile": "work"}, env)
    assert settings.workspace == "WSwork" and settings.account_sid == SID_CLI
    assert settings.source("api_key").startswith('twilio-cli profile "work"')


@pytest.mark.parametrize("url", ["127.0.0.1:8080", "ftp://x", "http://", "http://a b"])
def test_api_url_must_be_http_or_https(env, url: str) -> None:
    with pytest.raises(UsageError, match="--api-url"):
        load_settings({"api_url": url}, env)
    env["TRCTL_API_URL"] = url
    with pytest.raises(ConfigError, match="TRCTL_API_URL"):
        load_settings({}, env)
    env["TRCTL_API_URL"] = "http://127.0.0.1:8080/"
    assert load_settings({}, env).api_url == "http://127.0.0.1:8080/"


# --- the whole ladder, setting by setting: flag > env > profile > twilio-cli --------------------

LADDER: dict[str, dict[str, str]] = {
    "workspace": {"flag": "WSflag", "env": "WSenv", "profile": "WSprofile"},
    "workflow": {"env": "WWenv", "profile": "WWprofile"},
    "api_url": {"flag": "http://flag", "env": "http://env", "profile": "http://profile"},
    "timeout": {"env": "2", "profile": "3"},
    "account_sid": {"flag": SID_FLAG, "env": SID_ENV, "profile": SID_PROFILE, "cli": SID_CLI},
    "auth_token": {"env": "env-token", "profile": "profile-token"},
    "api_key": {"env": KEY_ENV, "cli": KEY_CLI},
    "api_secret": {"env": "env-secret", "cli": "cli-secret-1"},
}
SOURCE_PREFIX = {"flag": "flag --", "env": "env ", "profile": 'profile "p" (', "cli": "twilio-cli"}
LAYERS = ("flag", "env", "profile", "cli")


BUNDLES = {
    "env": {"account_sid": SID_ENV, "auth_token": "env-token"},
    "profile": {"account_sid": SID_PROFILE, "auth_token": "profile-token"},
    "cli": {"account_sid": SID_CLI, "api_key": KEY_CLI, "api_secret": "cli-secret-1"},
}
ENV_KEY_BUNDLE = {"account_sid": SID_ENV, "api_key": KEY_ENV, "api_secret": "env-secret"}


def _layer_contents(name: str, layer: str) -> dict[str, str]:
    """What one layer holds: the setting, plus (for a credential) a usable bundle around it."""
    value = LADDER[name][layer]
    if name not in CREDENTIAL_SETTINGS or layer == "flag":
        return {name: value}
    key_based = layer == "env" and name in ("api_key", "api_secret")
    return {**(ENV_KEY_BUNDLE if key_based else BUNDLES[layer]), name: value}


def _ladder_settings(env: dict[str, str], name: str, present: tuple[str, ...]) -> Settings:
    contents = {layer: _layer_contents(name, layer) for layer in present}
    run_env = dict(env)
    run_env.update({ENV_VARS[k]: v for k, v in contents.get("env", {}).items()})
    if "profile" in contents:
        write_profiles(run_env, "p", p=contents["profile"])
    if "cli" in contents:
        cli = contents["cli"]
        profile = cli_profile(cli["account_sid"], cli["api_key"], cli["api_secret"])
        write_twilio_cli(run_env, {"activeProject": "cli", "profiles": {"cli": profile}})
    return load_settings(contents.get("flag", {}), run_env)


@pytest.mark.parametrize("name", list(LADDER))
def test_every_setting_comes_from_the_highest_layer_that_holds_it(env, name) -> None:
    holders = [layer for layer in LAYERS if layer in LADDER[name]]
    for top in range(len(holders)):
        present = tuple(holders[top:])
        for path in Path(env["TRCTL_CONFIG_DIR"]), Path(env["TWILIO_CONFIG_DIR"]):
            (path / "config.json").unlink(missing_ok=True)
        settings = _ladder_settings(env, name, present)
        expected = LADDER[name][present[0]]
        got = str(settings.timeout).removesuffix(".0") if name == "timeout" else settings.get(name)
        assert got == expected, (name, present, settings.values)
        assert settings.source(name).startswith(SOURCE_PREFIX[present[0]]), (name, present)
