"""Helpers for the CLI e2e tests: run `trctl` in-process in an Environment made of a test's
variables (and, as keywords, Environment options such as transport= or clock=)."""

from __future__ import annotations

import csv
import io
import json
import os
from typing import Any

from run_environment import Ran, run_trctl

# the developer's own profiles and variables must not reach a test run (also merged into the
# environment of the tests' subprocesses, where an empty value hides a variable from trctl)
ISOLATED = {
    "TRCTL_CONFIG_DIR": "/nonexistent/trctl-e2e-config",
    "TWILIO_CONFIG_DIR": "/nonexistent/twilio-cli-e2e-config",
    "TRCTL_PROFILE": "",
    "TRCTL_WORKFLOW_SID": "",
    "TWILIO_API_KEY": "",
    "TWILIO_API_SECRET": "",
    "TRCTL_DEBUG": "",
}


def invoke(env: dict[str, str], *args: str, input: str | None = None, **options: Any) -> Ran:
    return run_trctl(args, environ={**ISOLATED, **env}, input=input, **options)


def ok(env: dict[str, str], *args: str, **options: Any) -> Ran:
    result = invoke(env, *args, **options)
    assert result.exit_code == 0, (args, result.exit_code, result.stderr, result.stdout)
    return result


def as_json(env: dict[str, str], *args: str, **options: Any) -> Any:
    return json.loads(ok(env, *args, "--json", **options).stdout)


def as_csv(env: dict[str, str], *args: str, **options: Any) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(ok(env, *args, "--csv", **options).stdout)))


def failed(env: dict[str, str], code: int, *args: str, **options: Any) -> str:
    """Run a command that must fail: exit `code`, one line on stderr, no traceback."""
    result = invoke(env, *args, **options)
    assert result.exit_code == code, (args, result.exit_code, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: ")
    assert "Traceback" not in result.stderr
    assert result.stdout == ""
    return lines[0]


def terminal_variables(env: dict[str, str]) -> dict[str, str]:
    """The variables of a trctl started on a pseudo-terminal: the process's, less any trctl,
    Twilio or terminal-size setting, plus the test's `env` and an xterm."""
    outside = {k: v for k, v in os.environ.items() if not k.startswith(("TWILIO_", "TRCTL_"))}
    for name in ("COLUMNS", "LINES", "NO_COLOR"):
        outside.pop(name, None)
    return {**outside, **ISOLATED, **env, "TERM": "xterm-256color"}
