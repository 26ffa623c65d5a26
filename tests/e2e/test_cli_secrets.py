"""E2E: no command prints the auth token (or the Basic header built from it), --debug included."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from cli_support import ISOLATED, invoke

READS = [
    ["tasks", "list", "--json"],
    ["tasks", "list", "--csv"],
    ["workers", "list"],
    ["worker", "show", "Bob", "--json"],
    ["activities", "list"],
    ["queues", "list", "--json"],
    ["queue", "show", "Customer Care Requests - Spanish", "--csv"],
    ["workflows", "list", "--json"],
    ["workflow", "show"],
    ["workspaces", "list"],
    ["workspace", "show", "--csv"],
    ["events", "list", "--json"],
    ["reservations", "list", "--worker", "Alice"],
]
WRITES = [
    ["task", "create", "--attr", "selected_language=es"],
    ["worker", "set-activity", "Alice", "Idle"],
    ["worker", "create", "Carol", "--attr", "level=1"],
    ["worker", "update", "Carol", "--attr", "level=2"],
    ["activity", "create", "Lunch", "--unavailable"],
    ["queue", "create", "Gold", "--target-workers", "level >= 2"],
    ["queue", "update", "Gold", "--max-reserved-workers", "2"],
    ["workflow", "update", "Incoming Customer Care Requests", "--timeout", "90"],
]
FAILURES = [
    ["worker", "set-activity", "Alcie", "Idle"],
    ["task", "create", "--attr", "broken"],
    ["task", "show", "WT" + "0" * 32],
    ["tasks", "list", "--where", "a =="],
    ["reservation", "accept", "WT" + "0" * 32],
    ["task", "create", "--channel", "no-such-channel"],
]


def task_commands(env: dict[str, str]) -> list[list[str]]:
    """The commands that need a task: the reservation steps and the task's own verbs."""
    task = json.loads(
        invoke(env, "task", "create", "--attr", "selected_language=es", "--json").stdout
    )
    sid = task["sid"]
    return [
        ["reservations", "list", "--task", sid],
        ["reservation", "accept", sid],
        ["task", "show", sid],
        ["task", "update", sid, "--priority", "2"],
        ["task", "wrap", sid],
        ["task", "complete", sid, "--reason", "done"],
        ["task", "cancel", sid],
    ]


def secret_forms(env: dict[str, str]) -> list[str]:
    token = env["TWILIO_AUTH_TOKEN"]
    basic = base64.b64encode(f"{env['TWILIO_ACCOUNT_SID']}:{token}".encode()).decode()
    return [token, basic]


@pytest.mark.parametrize("debug", [False, True], ids=["plain", "debug"])
def test_no_secret_in_any_output(cli_env, quickstart, debug) -> None:
    secrets = secret_forms(cli_env)
    http_logged = []
    commands = [*READS, *WRITES, *task_commands(cli_env), *FAILURES]
    for args in commands:
        result = invoke(cli_env, *(["--debug"] if debug else []), *args)
        http_logged.append("twilio.http_client" in result.stderr)
        for secret in secrets:
            assert secret not in result.stdout, args
            assert secret not in result.stderr, args
    # with --debug every request is logged with its headers: the channel a leak would take
    assert all(http_logged[: len(READS) + len(WRITES)]) if debug else not any(http_logged)


def test_no_secret_with_wrong_credentials_and_debug(cli_env, quickstart) -> None:
    env = {**cli_env, "TWILIO_AUTH_TOKEN": "f" * 32}
    result = invoke(env, "--debug", "worker", "set-activity", "Alice", "Idle")
    assert result.exit_code == 3
    for secret in secret_forms(env):
        assert secret not in result.stdout + result.stderr


def test_console_script_subprocess_keeps_secrets_off_output(cli_env, quickstart) -> None:
    """A real `trctl` process with --debug and TRCTL_DEBUG-style logging of HTTP requests."""
    trctl = Path(sys.executable).with_name("trctl")
    env = {**os.environ, **ISOLATED, **cli_env, "TRCTL_DEBUG": "1"}
    for args in (["tasks", "list", "--json"], ["worker", "set-activity", "Zed", "Idle"]):
        done = subprocess.run(
            [str(trctl), *args], env=env, capture_output=True, text=True, timeout=60
        )
        for secret in secret_forms(cli_env):
            assert secret not in done.stdout + done.stderr
        assert done.returncode in (0, 4), done.stderr
