"""Helpers for the CLI e2e tests: run `trctl` in-process with click's CliRunner."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from click.testing import CliRunner, Result

from trctl.cli import root
from trctl.redact import disable_debug_logging

# the developer's own profiles and variables must not leak into a test run
ISOLATED = {
    "TRCTL_CONFIG_DIR": "/nonexistent/trctl-e2e-config",
    "TWILIO_CONFIG_DIR": "/nonexistent/twilio-cli-e2e-config",
    "TRCTL_PROFILE": "",
    "TRCTL_WORKFLOW_SID": "",
    "TWILIO_API_KEY": "",
    "TWILIO_API_SECRET": "",
    "TRCTL_DEBUG": "",
}


def invoke(env: dict[str, str], *args: str, input: str | None = None) -> Result:
    try:
        return CliRunner().invoke(root, list(args), env={**ISOLATED, **env}, input=input)
    finally:
        disable_debug_logging()  # --debug turns on HTTP logging for the whole process


def ok(env: dict[str, str], *args: str) -> Result:
    result = invoke(env, *args)
    assert result.exit_code == 0, (args, result.exit_code, result.stderr, result.stdout)
    return result


def as_json(env: dict[str, str], *args: str) -> Any:
    return json.loads(ok(env, *args, "--json").stdout)


def as_csv(env: dict[str, str], *args: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(ok(env, *args, "--csv").stdout)))


def failed(env: dict[str, str], code: int, *args: str) -> str:
    """Run a command that must fail: exit `code`, one line on stderr, no traceback."""
    result = invoke(env, *args)
    assert result.exit_code == code, (args, result.exit_code, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: ")
    assert "Traceback" not in result.stderr
    assert result.stdout == ""
    return lines[0]
