"""E2E: the installed `trctl` console script as a real subprocess against the emulator."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from cli_support import ISOLATED

TRCTL = Path(sys.executable).with_name("trctl")


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(TRCTL), *args],
        env={**os.environ, **ISOLATED, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_tutorial_invocations_as_processes(cli_env, quickstart, sdk) -> None:
    created = run(cli_env, "task", "create", "--attr", "selected_language=es")
    assert created.returncode == 0, created.stderr
    sid = next(word for word in created.stdout.split() if word.startswith("WT"))
    moved = run(cli_env, "worker", "set-activity", "Alice", "Idle")
    assert moved.returncode == 0, moved.stderr
    # the waiting Spanish task reserves Alice at once, as TaskRouter would
    assert "Offline -> Idle (now Reserved)" in moved.stdout
    listed = run(cli_env, "tasks", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    assert [t["sid"] for t in json.loads(listed.stdout)] == [sid]
    assert created.stderr == moved.stderr == listed.stderr == ""


def test_failure_as_a_process_is_one_line(cli_env, quickstart) -> None:
    done = run(cli_env, "worker", "set-activity", "Alice", "Idel")
    assert done.returncode == 4
    assert done.stdout == ""
    assert done.stderr.count("\n") == 1
    assert done.stderr.startswith("Error: unknown activity 'Idel' (did you mean 'Idle'?")
