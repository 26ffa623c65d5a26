"""The demo's plumbing without a network: its environment, its break hook, its step failures."""

from __future__ import annotations

import os

import pytest

from trctl.cli.demo_script import Scenario, World, broken_step, patched_environ
from trctl.errors import StepFailed, UsageError


def test_commands_see_only_the_demo_environment_and_the_user_gets_theirs_back(monkeypatch):
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", "the-users-real-token")
    monkeypatch.setenv("TRCTL_PROFILE", "work")
    monkeypatch.setenv("TRCTL_DEBUG", "1")
    monkeypatch.setenv("HOME_ISH", "kept")
    with patched_environ({"TWILIO_AUTH_TOKEN": "emulator-token", "TRCTL_API_URL": "http://x"}):
        assert os.environ["TWILIO_AUTH_TOKEN"] == "emulator-token"
        assert "TRCTL_PROFILE" not in os.environ
        assert os.environ["TRCTL_DEBUG"] == "1"
        assert os.environ["HOME_ISH"] == "kept"
    assert os.environ["TWILIO_AUTH_TOKEN"] == "the-users-real-token"
    assert os.environ["TRCTL_PROFILE"] == "work"
    assert "TRCTL_API_URL" not in os.environ


def test_environment_is_restored_when_a_command_fails(monkeypatch):
    monkeypatch.setenv("TRCTL_WORKSPACE_SID", "WS-user")
    with pytest.raises(RuntimeError), patched_environ({"TRCTL_WORKSPACE_SID": "WS-demo"}):
        raise RuntimeError("boom")
    assert os.environ["TRCTL_WORKSPACE_SID"] == "WS-user"


@pytest.mark.parametrize(("value", "expected"), [("", None), ("callback", "callback")])
def test_break_hook(monkeypatch, value, expected):
    monkeypatch.setenv("TRCTL_DEMO_BREAK", value)
    assert broken_step() == expected


def test_unknown_break_is_a_usage_error(monkeypatch):
    monkeypatch.setenv("TRCTL_DEMO_BREAK", "tunnel")
    with pytest.raises(UsageError, match="'tunnel' is not one of: callback"):
        broken_step()


class IdleEmulator:
    def __init__(self, idle: bool) -> None:
        self.idle = idle

    def wait_idle(self, timeout: float) -> bool:
        return self.idle


def test_a_step_failure_names_the_step_and_exits_8():
    lines: list[str] = []
    scenario = Scenario(World(IdleEmulator(False), None, None, {}, {}), lines.append)
    scenario.step("Alice goes Idle")
    with pytest.raises(StepFailed) as caught:
        scenario.settle()
    assert caught.value.exit_code == 8
    assert caught.value.one_line() == (
        "demo step 1 (Alice goes Idle): the emulator was still busy after 10 s"
    )
    assert lines == ["\n[1] Alice goes Idle"]
