"""E2E: trctl on a real pseudo-terminal at 80 columns, as a user meets it: the Environment made
at start sees the terminal (rich table, width, hidden prompt) and sees a pipe as a pipe."""

from __future__ import annotations

import fcntl
import json
import os
import pty
import select
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest

TRCTL = Path(sys.executable).with_name("trctl")
SID = "AC" + "1" * 32
TOKEN = "pty-token-" + "5" * 22


@pytest.fixture
def variables(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TWILIO_", "TRCTL_"))}
    env.pop("COLUMNS", None)
    env.update(
        TERM="xterm-256color",
        TRCTL_CONFIG_DIR=str(tmp_path / "trctl"),
        TWILIO_CONFIG_DIR=str(tmp_path / "twilio-cli"),
    )
    return env


def on_terminal(
    args: list[str], env: dict[str, str], *, answer: tuple[bytes, bytes] | None = None
) -> tuple[int, str]:
    """Run trctl with a pty of 80 columns as its controlling terminal and stdin/out/err; when
    the output shows answer[0], type answer[1]. Returns the exit code and what the pty showed."""
    pid, leader = pty.fork()
    if pid == 0:  # the child: the pty is its terminal
        fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
        os.execve(str(TRCTL), [str(TRCTL), *args], env)
    shown = b""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # a guard against a hang, not a wait for time to pass
        ready, _, _ = select.select([leader], [], [], 1.0)
        if not ready:
            continue
        try:
            data = os.read(leader, 4096)
        except OSError:  # the child closed the terminal
            break
        if not data:
            break
        shown += data
        if answer and answer[0] in shown:
            os.write(leader, answer[1])
            answer = None
    _, status = os.waitpid(pid, 0)
    os.close(leader)
    return os.waitstatus_to_exitcode(status), shown.decode()


def test_table_on_a_terminal_is_rich_and_folds_to_80_columns(variables) -> None:
    long_url = "http://127.0.0.1:9/" + "p" * 120
    env = {**variables, "TWILIO_ACCOUNT_SID": SID, "TWILIO_AUTH_TOKEN": TOKEN}
    code, shown = on_terminal(["--api-url", long_url, "config", "show"], env)
    assert code == 0, shown
    assert "\x1b[1m" in shown and "SETTING" in shown  # bold headers: rich saw a terminal
    lines = [strip_ansi(line) for line in shown.split("\r\n") if line]
    assert max(len(line) for line in lines) == 80, lines  # the URL folded at the edge
    assert TOKEN not in shown


def test_the_same_command_piped_is_plain_text(variables) -> None:
    env = {**variables, "TWILIO_ACCOUNT_SID": SID, "TWILIO_AUTH_TOKEN": TOKEN}
    done = subprocess.run(
        [str(TRCTL), "config", "show"], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert "\x1b[" not in done.stdout
    assert done.stdout.splitlines()[0].split() == ["SETTING", "VALUE", "SOURCE"]


def test_the_secret_prompt_on_a_terminal_hides_what_is_typed(variables, tmp_path) -> None:
    code, shown = on_terminal(
        ["profiles", "set", "dev", "--account-sid", SID],
        variables,
        answer=(b"Auth token for", TOKEN.encode() + b"\n"),
    )
    assert code == 0, shown
    assert f"Auth token for {SID}:" in shown and 'saved profile "dev" (active)' in shown
    assert TOKEN not in shown  # not echoed
    stored = json.loads((tmp_path / "trctl" / "config.json").read_text())
    assert stored["profiles"]["dev"]["auth_token"] == TOKEN


def strip_ansi(text: str) -> str:
    import re

    return re.sub(r"\x1b\[[0-9;]*m", "", text)
