"""trctl's profile file: modes 0600/0700, atomic writes, refusal when others can read it."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from trctl.config import (
    ProfileFile,
    config_dir,
    load_settings,
    read_profile_file,
    save_to_profile,
    twilio_cli_config_path,
    write_profile_file,
)
from trctl.errors import ConfigError, UsageError

SID = "AC" + "a" * 32


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {"HOME": str(tmp_path), "TRCTL_CONFIG_DIR": str(tmp_path / "cfg" / "trctl")}


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_default_locations(tmp_path: Path) -> None:
    home = {"HOME": str(tmp_path)}
    assert config_dir(home) == tmp_path / ".config" / "trctl"
    assert config_dir({**home, "XDG_CONFIG_HOME": "/x"}) == Path("/x/trctl")
    assert config_dir({**home, "TRCTL_CONFIG_DIR": "/t", "XDG_CONFIG_HOME": "/x"}) == Path("/t")
    assert twilio_cli_config_path(home) == tmp_path / ".twilio-cli" / "config.json"
    assert twilio_cli_config_path({**home, "TWILIO_CONFIG_DIR": "/c"}) == Path("/c/config.json")


def test_missing_file_reads_as_empty(env) -> None:
    profile_file = read_profile_file(env)
    assert profile_file.profiles == {} and profile_file.active is None


def test_write_creates_a_0700_directory_and_a_0600_file(env) -> None:
    path = config_dir(env) / "config.json"
    write_profile_file(ProfileFile(path, "dev", {"dev": {"account_sid": SID, "auth_token": "t"}}))
    assert mode(path.parent) == 0o700
    assert mode(path) == 0o600
    assert json.loads(path.read_text())["profiles"]["dev"]["auth_token"] == "t"
    assert [p.name for p in path.parent.iterdir()] == ["config.json"]  # no temp file left


def test_write_tightens_an_existing_open_directory_to_0700(env) -> None:
    path = config_dir(env) / "config.json"
    path.parent.mkdir(parents=True, mode=0o755)
    os.chmod(path.parent, 0o755)
    write_profile_file(ProfileFile(path, None, {"a": {"workspace": "WS1"}}))
    assert mode(path.parent) == 0o700 and mode(path) == 0o600


def test_write_is_0600_whatever_the_umask(env) -> None:
    old = os.umask(0)
    try:
        path = config_dir(env) / "config.json"
        write_profile_file(ProfileFile(path, None, {"a": {"workspace": "WS1"}}))
    finally:
        os.umask(old)
    assert mode(path) == 0o600 and mode(path.parent) == 0o700


def test_rewrite_replaces_the_file_atomically(env) -> None:
    path = config_dir(env) / "config.json"
    write_profile_file(ProfileFile(path, None, {"a": {"workspace": "WS1"}}))
    before = path.stat().st_ino
    write_profile_file(ProfileFile(path, "a", {"a": {"workspace": "WS2"}}))
    assert path.stat().st_ino != before  # a new inode moved into place by os.replace
    assert read_profile_file(env).profiles == {"a": {"workspace": "WS2"}}


def test_failed_write_keeps_the_old_file(env, monkeypatch) -> None:
    path = config_dir(env) / "config.json"
    write_profile_file(ProfileFile(path, None, {"a": {"workspace": "WS1"}}))

    def crash(*args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", crash)
    with pytest.raises(OSError):
        write_profile_file(ProfileFile(path, None, {"a": {"workspace": "WS2"}}))
    assert read_profile_file(env).profiles == {"a": {"workspace": "WS1"}}
    assert [p.name for p in path.parent.iterdir()] == ["config.json"]


@pytest.mark.parametrize("bad_mode", [0o644, 0o640, 0o604, 0o660])
def test_group_or_world_readable_file_is_refused_when_used(env, bad_mode: int) -> None:
    path = config_dir(env) / "config.json"
    secret = "s3cr3t-value-42"
    write_profile_file(
        ProfileFile(path, "dev", {"dev": {"account_sid": SID, "auth_token": secret}})
    )
    path.chmod(bad_mode)
    with pytest.raises(ConfigError) as failure:
        load_settings({}, env)
    message = failure.value.one_line()
    assert f"mode {bad_mode:04o}" in message and "chmod 600" in message
    assert secret not in message


def test_readable_file_without_a_profile_in_use_does_not_block(env) -> None:
    path = config_dir(env) / "config.json"
    write_profile_file(ProfileFile(path, None, {"dev": {"workspace": "WS1"}}))
    path.chmod(0o644)
    assert load_settings({}, {**env, "TWILIO_ACCOUNT_SID": SID}).account_sid == SID


def test_invalid_json_is_a_config_error_with_the_position(env) -> None:
    path = config_dir(env) / "config.json"
    path.parent.mkdir(parents=True, mode=0o700)
    path.write_text('{"profiles": {"dev": }')
    path.chmod(0o600)
    with pytest.raises(ConfigError, match=r"not valid JSON \(line 1, column"):
        read_profile_file(env)


def test_wrong_shapes_are_config_errors(env) -> None:
    path = config_dir(env) / "config.json"
    path.parent.mkdir(parents=True, mode=0o700)
    for text in (
        "[]",
        '{"profiles": []}',
        '{"profiles": {"a": {"workspace": 1}}}',
        '{"active": 3}',
    ):
        path.write_text(text)
        with pytest.raises(ConfigError):
            read_profile_file(env)


def test_save_to_profile_creates_and_activates_default(env) -> None:
    assert save_to_profile("workspace", "WS" + "1" * 32, env=env) == "default"
    profile_file = read_profile_file(env)
    assert profile_file.active == "default"
    assert profile_file.profiles == {"default": {"workspace": "WS" + "1" * 32}}
    assert mode(profile_file.path) == 0o600


def test_save_to_profile_writes_the_active_or_named_profile(env) -> None:
    path = config_dir(env) / "config.json"
    write_profile_file(
        ProfileFile(path, "dev", {"dev": {"account_sid": SID, "auth_token": "t"}, "prod": {}})
    )
    assert save_to_profile("workspace", "Quickstart", env=env) == "dev"
    assert save_to_profile("workflow", "WW1", profile="prod", env=env) == "prod"
    profiles = read_profile_file(env).profiles
    assert profiles["dev"] == {"account_sid": SID, "auth_token": "t", "workspace": "Quickstart"}
    assert profiles["prod"] == {"workflow": "WW1"}
    assert read_profile_file(env).active == "dev"
    assert load_settings({}, env).workspace == "Quickstart"


@pytest.mark.parametrize("key", ["auth_token", "api_secret", "password", "profile"])
def test_save_to_profile_refuses_secrets_and_unknown_keys(env, key: str) -> None:
    with pytest.raises(UsageError):
        save_to_profile(key, "x", env=env)
    assert not (config_dir(env) / "config.json").exists()


def test_save_to_profile_refuses_a_readable_file(env) -> None:
    path = config_dir(env) / "config.json"
    write_profile_file(ProfileFile(path, "dev", {"dev": {"auth_token": "t"}}))
    path.chmod(0o644)
    with pytest.raises(ConfigError) as failure:
        save_to_profile("workspace", "WS1", env=env)
    assert "chmod 600" in failure.value.one_line()


def test_save_to_profile_validates_the_name(env) -> None:
    with pytest.raises(UsageError, match="invalid profile name"):
        save_to_profile("workspace", "WS1", profile="../evil", env=env)


def test_save_to_profile_honours_trctl_profile(env) -> None:
    env["TRCTL_PROFILE"] = "ci"
    assert save_to_profile("workspace", "WS1", env=env) == "ci"
    assert read_profile_file(env).profiles == {"ci": {"workspace": "WS1"}}
