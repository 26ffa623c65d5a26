"""E2E: the installed `trctl` console script as a real subprocess against the emulator."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
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


@pytest.mark.parametrize("unbuffered", ["", "1"])
def test_a_reader_that_stops_early_is_not_an_error(cli_env, quickstart, sdk, unbuffered) -> None:
    """`trctl tasks list --all | head -2`: the closed pipe ends trctl quietly, with 141.

    The reader leaves while trctl is inside one long write (the page's rows: well over the
    64 KiB pipe buffer and the reader's own). Under PYTHONUNBUFFERED=1 (python -u) stdout used
    to write straight to the file, and the OS's short count for that write was taken as done:
    exit 0, the rest of the output silently lost (and, with a signal, even without a closed
    pipe)."""
    tasks = sdk.taskrouter.v1.workspaces(quickstart.workspace_sid).tasks
    padding = "x" * 48  # rows of ~130 bytes: 800 of them are well over the 64 KiB pipe buffer
    for index in range(800):  # plus the reader's own buffer, so trctl must meet the closed pipe
        attributes = json.dumps({"n": index, "note": padding})
        tasks.create(attributes=attributes, workflow_sid=quickstart.workflow_sid)
    environ = {key: value for key, value in os.environ.items() if key != "PYTHONUNBUFFERED"}
    process = subprocess.Popen(
        [str(TRCTL), "tasks", "list", "--all", "--fetch-attributes"],
        env={**environ, **ISOLATED, **cli_env, **({"PYTHONUNBUFFERED": "1"} if unbuffered else {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdout is not None and process.stderr is not None
    assert process.stdout.readline().startswith(b"SID ")
    assert process.stdout.readline().startswith(b"WT")  # trctl is writing the rows now
    process.stdout.close()
    stderr = process.stderr.read().decode()
    process.wait(timeout=60)
    assert stderr == ""
    assert process.returncode == 141  # 128 + SIGPIPE, as a shell tool killed by the pipe
