"""The seeded tutorial against the emulator, with serve-callback running as a real subprocess."""

from __future__ import annotations

import json
import re
import signal

import pytest
from click.testing import CliRunner
from serve_process import ServeCallback, isolated_env

from trctl.cli import root


def trctl(env: dict[str, str], *args: str) -> str:
    result = CliRunner().invoke(root, list(args), env=env)
    assert result.exit_code == 0, (args, result.stderr)
    return result.stdout


@pytest.fixture
def serve(tmp_path):
    started: list[ServeCallback] = []

    def start(args: list[str], env: dict[str, str]) -> ServeCallback:
        process = ServeCallback(args, isolated_env(env, tmp_path))
        started.append(process)
        process.ready()
        return process

    yield start
    for process in started:
        process.kill()


def create_task(env: dict[str, str], language: str) -> str:
    created = json.loads(
        trctl(env, "task", "create", "--attr", f"selected_language={language}", "--json")
    )
    return str(created["sid"])


def task_and_worker(sdk, quickstart, task_sid: str, worker: str) -> tuple[str, str]:
    workspace = sdk.taskrouter.v1.workspaces(quickstart.workspace_sid)
    task = workspace.tasks(task_sid).fetch()
    return task.assignment_status, workspace.workers(
        quickstart.workers[worker]
    ).fetch().activity_name


def live_log(process: ServeCallback, task_sid: str) -> dict:
    return json.loads(process.wait_stdout(lambda line: task_sid in line))


def test_alice_idle_gets_the_spanish_task_accepted(serve, cli_env, sdk, quickstart, emulator):
    process = serve(["--json"], cli_env)
    trctl(cli_env, "worker", "set-activity", "Alice", "Offline")
    task_sid = create_task(cli_env, "es")
    assert task_and_worker(sdk, quickstart, task_sid, "Alice") == ("pending", "Offline")
    trctl(cli_env, "worker", "set-activity", "Alice", "Idle")
    assert emulator.wait_idle(10)
    assert task_and_worker(sdk, quickstart, task_sid, "Alice") == ("assigned", "Busy")
    record = live_log(process, task_sid)
    assert record["instruction"] == "accept"
    assert record["worker_sid"] == quickstart.workers["Alice"]
    assert record["task_attributes"] == {"selected_language": "es"}
    assert process.stop(signal.SIGTERM) == 0
    assert process.stderr_lines[-1].startswith("Summary: 1 answered (accept 1)")


def test_instruction_none_then_reservation_accept(serve, cli_env, sdk, quickstart, emulator):
    process = serve(["--instruction", "none", "--json"], cli_env)
    trctl(cli_env, "worker", "set-activity", "Alice", "Offline")
    task_sid = create_task(cli_env, "es")
    trctl(cli_env, "worker", "set-activity", "Alice", "Idle")
    assert emulator.wait_idle(10)
    assert live_log(process, task_sid)["instruction"] == "none"
    assert task_and_worker(sdk, quickstart, task_sid, "Alice") == ("reserved", "Reserved")
    accepted = json.loads(trctl(cli_env, "reservation", "accept", task_sid, "--json"))
    assert accepted["reservation_status"] == "accepted"
    assert task_and_worker(sdk, quickstart, task_sid, "Alice") == ("assigned", "Busy")


def test_a_dequeue_at_the_edges_of_its_ranges_is_acted_on_by_the_emulator(
    serve, cli_env, sdk, quickstart, emulator
):
    args = ["--instruction", "dequeue", "--json", "--param", "from=+15005550006"]
    for pair in ("timeout=999", "record=record-from-answer", "status_callback_events=completed"):
        args += ["--param", pair]
    process = serve(args, cli_env)
    trctl(cli_env, "worker", "set-activity", "Alice", "Offline")
    task_sid = create_task(cli_env, "es")
    trctl(cli_env, "worker", "set-activity", "Alice", "Idle")
    assert emulator.wait_idle(10)
    assert live_log(process, task_sid)["answer"]["timeout"] == 999
    assert task_and_worker(sdk, quickstart, task_sid, "Alice") == ("assigned", "Busy")
    assert process.stop() == 0
    assert process.stderr_lines[-1].startswith("Summary: 1 answered (dequeue 1)")


def test_rules_accept_spanish_and_reject_english(
    serve, cli_env, sdk, quickstart, emulator, tmp_path
):
    rules = tmp_path / "rules.toml"
    rules.write_text(
        """
[[rules]]
name = "english elsewhere"
when = 'task.selected_language == "en"'
respond = { instruction = "reject", activity = "Offline" }

[[rules]]
when = 'task.selected_language == "es" AND worker.languages HAS "es"'
respond = "accept"

[default]
instruction = "none"
"""
    )
    process = serve(["--rules", str(rules), "--json"], cli_env)
    spanish = create_task(cli_env, "es")
    trctl(cli_env, "worker", "set-activity", "Alice", "Idle")
    assert emulator.wait_idle(10)
    assert task_and_worker(sdk, quickstart, spanish, "Alice") == ("assigned", "Busy")

    english = create_task(cli_env, "en")
    trctl(cli_env, "worker", "set-activity", "Bob", "Idle")
    assert emulator.wait_idle(10)
    assert task_and_worker(sdk, quickstart, english, "Bob") == ("pending", "Offline")
    workspace = sdk.taskrouter.v1.workspaces(quickstart.workspace_sid)
    reservations = workspace.tasks(english).reservations.list()
    assert [(r.worker_name, r.reservation_status) for r in reservations] == [("Bob", "rejected")]

    assert live_log(process, spanish)["rule"] == "rule 2"
    rejected = live_log(process, english)
    assert (rejected["instruction"], rejected["rule"]) == ("reject", "rule 1 (english elsewhere)")
    assert rejected["answer"]["activity_sid"] == quickstart.activities["Offline"]
    assert process.stop() == 0
    assert process.stderr_lines[-1].startswith("Summary: 2 answered (accept 1, reject 1)")


def test_the_plain_live_log_names_the_reservation_and_how_long_the_answer_took(
    serve, cli_env, sdk, quickstart, emulator
):
    """Piped, the live log is one line of six columns per callback; each is checked against what
    the emulator did: the reservation it made, the task and its attributes, Alice by name, the
    answer and the server's own latency (kills the mutants that blank the reservation column or
    measure latency in seconds or from the wrong start)."""
    process = serve([], cli_env)
    task_sid = create_task(cli_env, "es")
    trctl(cli_env, "worker", "set-activity", "Alice", "Idle")
    assert emulator.wait_idle(10)
    workspace = sdk.taskrouter.v1.workspaces(quickstart.workspace_sid)
    (reservation,) = workspace.tasks(task_sid).reservations.list()
    line = process.wait_stdout(lambda text: task_sid in text)
    time_of_day, reserved, task, worker, answer, latency = line.split("  ")
    assert re.fullmatch(r"\d\d:\d\d:\d\d\.\d\d\d", time_of_day), line
    assert reserved == reservation.sid
    assert task == f'{task_sid} {{"selected_language":"es"}}'
    assert worker == f"Alice ({quickstart.workers['Alice']})"
    assert answer == "accept"
    milliseconds = re.fullmatch(r"(\d+\.\d) ms", latency)
    assert milliseconds, line
    assert 0.0 < float(milliseconds.group(1)) < 5000.0  # answered locally: well under 5 s
    assert process.stop() == 0
