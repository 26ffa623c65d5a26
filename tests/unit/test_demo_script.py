"""The demo's plumbing without a network: its commands' variables, its break hook, its step
failures."""

from __future__ import annotations

import json
import os

import pytest
from run_environment import string_environment

from trctl.cli.demo_script import Scenario, World, broken_step, command_variables
from trctl.errors import StepFailed, UsageError

DEMO_SID = "AC" + "d" * 32
USER_SID = "AC" + "u" * 32


class IdleEmulator:
    def __init__(self, idle: bool) -> None:
        self.idle = idle

    def wait_idle(self, timeout: float) -> bool:
        return self.idle


def test_a_demo_command_sees_only_the_demos_settings_and_leaves_the_users_alone(
    monkeypatch, tmp_path
):
    """The user's own account, key, profile and workflow are in the process environment; the
    command the demo runs in-process reports only the demo's values, from the environment."""
    user = {
        "TWILIO_ACCOUNT_SID": USER_SID,
        "TWILIO_AUTH_TOKEN": "the-users-real-token",
        "TWILIO_API_KEY": "SK" + "u" * 32,
        "TWILIO_API_SECRET": "the-users-api-secret",
        "TRCTL_PROFILE": "work",
        "TRCTL_WORKFLOW_SID": "WW" + "u" * 32,
    }
    for name, value in user.items():
        monkeypatch.setenv(name, value)
    demo = {
        "TWILIO_ACCOUNT_SID": DEMO_SID,
        "TWILIO_AUTH_TOKEN": "emulator-token",
        "TRCTL_API_URL": "http://127.0.0.1:9",
        "TRCTL_CONFIG_DIR": str(tmp_path / "trctl"),
        "TWILIO_CONFIG_DIR": str(tmp_path / "twilio-cli"),
    }
    environment = string_environment(os.environ)  # the user's shell, as `trctl demo` meets it
    echoed: list[str] = []
    scenario = Scenario(World(IdleEmulator(True), None, None, {}, demo), environment, echoed.append)
    scenario.trctl("config", "show", "--json")
    assert echoed == ["$ trctl config show --json"]
    shown = {r["setting"]: r for r in json.loads(environment.stdout.getvalue())}
    assert shown["account_sid"]["value"] == DEMO_SID
    assert shown["account_sid"]["source"] == "env TWILIO_ACCOUNT_SID"
    assert shown["auth_token"]["source"] == "env TWILIO_AUTH_TOKEN"
    assert shown["api_url"]["value"] == "http://127.0.0.1:9"
    for setting in ("api_key", "api_secret", "profile", "workflow"):
        assert shown[setting]["value"] is None, shown[setting]
    assert shown["rest_auth"]["value"] == "account sid + auth token"
    assert {name: os.environ[name] for name in user} == user  # nothing was patched


def test_command_variables_keep_the_users_others_and_the_debug_switch() -> None:
    user = {"TWILIO_AUTH_TOKEN": "users", "TRCTL_PROFILE": "work", "TRCTL_DEBUG": "1", "HOME": "/h"}
    seen = command_variables(user, {"TWILIO_AUTH_TOKEN": "emulator-token"})
    assert seen == {"TWILIO_AUTH_TOKEN": "emulator-token", "TRCTL_DEBUG": "1", "HOME": "/h"}


@pytest.mark.parametrize(("value", "expected"), [("", None), ("callback", "callback")])
def test_break_hook(value, expected):
    assert broken_step({"TRCTL_DEMO_BREAK": value}) == expected
    assert broken_step({}) is None


def test_unknown_break_is_a_usage_error():
    with pytest.raises(UsageError, match="'tunnel' is not one of: callback"):
        broken_step({"TRCTL_DEMO_BREAK": "tunnel"})


def test_a_step_failure_names_the_step_and_exits_8():
    lines: list[str] = []
    world = World(IdleEmulator(False), None, None, {}, {})
    scenario = Scenario(world, string_environment(), lines.append)
    scenario.step("Alice goes Idle")
    with pytest.raises(StepFailed) as caught:
        scenario.settle()
    assert caught.value.exit_code == 8
    assert caught.value.one_line() == (
        "demo step 1 (Alice goes Idle): the emulator was still busy after 10 s"
    )
    assert lines == ["\n[1] Alice goes Idle"]
