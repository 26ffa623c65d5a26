"""The run Environment: terminals, colour and width as a real pty shows them, and the rule that
nothing in cli/, services/ or config/ but cli/environment.py reads streams, variables or time."""

from __future__ import annotations

import ast
import fcntl
import io
import os
import struct
import sys
import termios
from collections.abc import Iterator
from pathlib import Path

import pytest
from run_environment import RecordingClock, running_in, string_environment

from trctl.cli.environment import Environment
from trctl.services.http import RetryingHttpClient

PACKAGE_ROOT = Path(__file__).resolve().parents[2] / "trctl"
SCANNED = ("cli", "services", "config")
THE_ONE_PLACE = PACKAGE_ROOT / "cli" / "environment.py"


@pytest.fixture
def pty_columns() -> Iterator[tuple[io.TextIOWrapper, int]]:
    """The far end of a real pseudo-terminal, 97 columns wide."""
    leader, follower = os.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 97, 0, 0))
    stream = os.fdopen(follower, "w", encoding="utf-8")
    try:
        yield stream, 97
    finally:
        stream.close()
        os.close(leader)


def test_made_with_nothing_it_is_the_process() -> None:
    environment = Environment()
    assert environment.environ is os.environ
    assert (environment.stdin, environment.stdout, environment.stderr) == (
        sys.stdin,
        sys.stdout,
        sys.stderr,
    )


def test_a_real_terminal_is_detected_with_its_width(pty_columns) -> None:
    terminal, columns = pty_columns
    environment = Environment(environ={}, stdout=terminal, stderr=io.StringIO())
    assert environment.stdout_isatty and not environment.stderr_isatty
    assert environment.width == columns
    assert Environment(environ={"COLUMNS": "120"}, stdout=terminal).width == 120


@pytest.mark.parametrize("columns", ["", "wide", "0", "-5"])
def test_width_is_80_without_a_terminal_or_a_usable_columns(columns: str) -> None:
    assert string_environment({"COLUMNS": columns}).width == 80


def test_height_is_lines_else_the_terminals_else_24(pty_columns) -> None:
    terminal, columns = pty_columns
    fcntl.ioctl(terminal.fileno(), termios.TIOCSWINSZ, struct.pack("HHHH", 31, columns, 0, 0))
    assert Environment(environ={}, stdout=terminal).height == 31
    assert Environment(environ={"LINES": "40"}, stdout=terminal).height == 40
    assert string_environment({"LINES": "tall"}).height == 24


@pytest.mark.parametrize(
    ("terminal", "no_color", "color"),
    [(True, "", True), (True, "1", False), (False, "", False), (False, "1", False)],
)
def test_colour_needs_a_terminal_and_no_no_color(terminal: bool, no_color: str, color: bool):
    environment = string_environment({"NO_COLOR": no_color}, stdout_isatty=terminal)
    assert environment.color is color
    assert environment.no_color is bool(no_color)


@pytest.mark.parametrize(
    ("value", "debug"), [("", False), ("0", False), ("1", True), ("yes", True)]
)
def test_trctl_debug(value: str, debug: bool) -> None:
    assert string_environment({"TRCTL_DEBUG": value}).debug is debug


def test_with_environ_keeps_everything_but_the_variables() -> None:
    clock = RecordingClock()
    environment = string_environment({"A": "1"}, stdin_isatty=True, clock=clock)
    other = environment.with_environ({"B": "2"})
    assert other.environ == {"B": "2"} and environment.environ == {"A": "1"}
    assert (other.stdin, other.stdout, other.stderr, other.clock) == (
        environment.stdin,
        environment.stdout,
        environment.stderr,
        clock,
    )
    assert other.stdin_isatty and not other.stdout_isatty


def test_the_http_client_waits_on_the_environments_clock() -> None:
    clock = RecordingClock()
    client = string_environment(clock=clock).http_client(timeout=3.0, api_url="http://x")
    assert isinstance(client, RetryingHttpClient)
    assert (client.timeout, client.api_url) == (3.0, "http://x")
    client._sleep(1.5)
    assert clock.slept == [1.5] and client._clock() == 1.5


RECORD = {
    "kind": "assignment",
    "time": "2024-05-01T12:00:00.000+00:00",
    "status": 200,
    "instruction": "accept",
    "task_sid": "WT" + "1" * 32,
    "worker_sid": "WK" + "1" * 32,
    "attributes": {"selected_language": "es"},
}


@pytest.mark.parametrize(("no_color", "colored"), [("", True), ("1", False)])
def test_the_live_log_is_coloured_on_a_terminal_unless_no_color(no_color: str, colored: bool):
    from trctl.cli.serve_support import LiveLog

    environment = string_environment({"NO_COLOR": no_color}, stdout_isatty=True)
    with running_in(environment):
        log = LiveLog(json_lines=False)
    log.write(RECORD)  # on a server thread in real life: no click context needed
    shown = environment.stdout.getvalue()
    assert "accept" in shown and "WT" + "1" * 32 in shown
    assert ("\x1b[" in shown) is colored


# --- the one place -------------------------------------------------------------------------

FORBIDDEN_ATTRIBUTES = {
    "os": {"environ", "environb", "getenv", "putenv"},
    "sys": {"stdin", "stdout", "stderr", "__stdin__", "__stdout__", "__stderr__"},
    "time": {"sleep", "monotonic"},
}


def direct_reads(source: str) -> list[str]:
    """What in the source reaches around the Environment: os.environ, sys.std*, isatty,
    time.sleep/monotonic, and click.echo without file= (it writes to sys.stdout/err)."""
    found: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Attribute):
            owner = node.value.id if isinstance(node.value, ast.Name) else None
            if node.attr in FORBIDDEN_ATTRIBUTES.get(owner or "", ()):
                found.append(f"{node.lineno}: {owner}.{node.attr}")
            elif node.attr == "isatty":
                found.append(f"{node.lineno}: .isatty")
        elif isinstance(node, ast.ImportFrom) and node.module in FORBIDDEN_ATTRIBUTES:
            for alias in node.names:
                if alias.name in FORBIDDEN_ATTRIBUTES[node.module]:
                    found.append(f"{node.lineno}: from {node.module} import {alias.name}")
        elif (
            isinstance(node, ast.Call)
            and ast.unparse(node.func) == "click.echo"
            and not any(keyword.arg == "file" for keyword in node.keywords)
        ):
            found.append(f"{node.lineno}: click.echo without file=")
    return found


def test_only_the_environment_module_reads_streams_variables_and_time() -> None:
    problems = [
        f"{path.relative_to(PACKAGE_ROOT.parent)}:{line}"
        for folder in SCANNED
        for path in sorted((PACKAGE_ROOT / folder).rglob("*.py"))
        if path != THE_ONE_PLACE
        for line in direct_reads(path.read_text(encoding="utf-8"))
    ]
    assert not problems, "use the run Environment (get_app().env) instead:\n" + "\n".join(problems)
    assert direct_reads(THE_ONE_PLACE.read_text(encoding="utf-8"))  # the scan sees the reads


@pytest.mark.parametrize(
    "source",
    [
        "import os\nos.environ.get('X')\n",
        "from os import environ\n",
        "import os\nos.getenv('X')\n",
        "import sys\nsys.stdout.write('x')\n",
        "import sys\ndef f():\n    return sys.stdin.isatty()\n",
        "def f(stream):\n    return stream.isatty()\n",
        "import time\ntime.sleep(1)\n",
        "import click\nclick.echo('x', err=True)\n",
    ],
)
def test_the_scan_catches_a_direct_read(source: str) -> None:
    assert direct_reads(source)


def test_the_scan_lets_the_environment_through() -> None:
    source = "import click, os, sys\nclick.echo('x', file=env.stdout)\nos.getuid()\nsys.exit(2)\n"
    assert direct_reads(source) == []
