"""Unit tests (no sockets): bad attribute and expression input fails before any request.

The environment has no credentials at all, so a command that got as far as building a client
would exit 3; exit 2 proves the input was rejected first and nothing could have been sent.
"""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from trctl.cli import root

NO_CREDENTIALS = {
    "TWILIO_ACCOUNT_SID": "",
    "TWILIO_AUTH_TOKEN": "",
    "TWILIO_API_KEY": "",
    "TWILIO_API_SECRET": "",
    "TRCTL_API_URL": "http://127.0.0.1:9",
    "TRCTL_WORKSPACE_SID": "WS" + "0" * 32,
    "TRCTL_PROFILE": "",
    "TRCTL_CONFIG_DIR": "/nonexistent/trctl-test-config",
    "TWILIO_CONFIG_DIR": "/nonexistent/twilio-cli-test-config",
}


def run(args: list[str]):
    return CliRunner().invoke(root, args, env=NO_CREDENTIALS)


def assert_one_line_usage_error(result, *fragments: str) -> None:
    assert result.exit_code == 2, (result.exit_code, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: ")
    assert "Traceback" not in result.stderr
    assert result.stdout == ""
    for fragment in fragments:
        assert fragment in lines[0]


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (["task", "create", "--attr", "selected_language"], ["has no '='"]),
        (["task", "create", "--attr", "=es"], ["empty key"]),
        (["task", "create", "--attr", "a=1", "--attr", "a.b=2"], ["non-object"]),
        (["task", "create", "--attributes", '{"a": '], ["invalid JSON"]),
        (["task", "create", "--attributes", "[1]"], ["must be a JSON object"]),
        (["task", "create", "--attributes", "@/nonexistent/a.json"], ["no such file"]),
        (["worker", "create", "Carol", "--attr", "languages"], ["--attr", "has no '='"]),
        (["worker", "update", "Alice", "--attributes", "nope"], ["invalid JSON"]),
        (["task", "update", "WT" + "1" * 32, "--attr", "=x"], ["empty key"]),
    ],
)
def test_bad_attributes_are_usage_errors(args: list[str], fragments: list[str]) -> None:
    assert_one_line_usage_error(run(args), *fragments)


@pytest.mark.parametrize(
    "args",
    [
        ["tasks", "list", "--where", 'selected_language == == "es"'],
        ["workers", "list", "--where", "languages HAS"],
        ["queues", "create", "Q", "--target-workers", "(languages HAS 'es'"],
    ],
)
def test_expression_syntax_errors_are_caught_locally(args: list[str]) -> None:
    result = run(args)
    assert_one_line_usage_error(result, "at position", "^")


def test_bad_order_and_limit_are_usage_errors() -> None:
    assert_one_line_usage_error(run(["tasks", "list", "--order", "age"]), "unknown field")
    assert_one_line_usage_error(run(["tasks", "list", "--limit", "5", "--all"]), "contradict")
    assert_one_line_usage_error(run(["tasks", "list", "--status", "lost"]), "--status")


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["worker", "update", "Alice"], "nothing to update"),
        (["worker", "update", "Alice", "--name", "A", "--reject-pending"], "needs --activity"),
        (["task", "update", "WT" + "1" * 32], "nothing to update"),
        (["activity", "create", "Nap"], "--available or --unavailable"),
        (["reservations", "list"], "give --task"),
    ],
)
def test_incomplete_commands_fail_before_any_request(args: list[str], fragment: str) -> None:
    assert_one_line_usage_error(run(args), fragment)


def test_task_sid_with_wrong_prefix_is_a_usage_error() -> None:
    worker_sid = "WK" + "a" * 32
    assert_one_line_usage_error(
        run(["task", "show", worker_sid]), "is a worker SID, not a task SID"
    )
