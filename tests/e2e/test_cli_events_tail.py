"""E2E: `trctl events tail` against the emulator: a scripted routing sequence is printed exactly,
oldest first, once each, also when many pages arrive between two polls; filters; Ctrl-C."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cli_support import ISOLATED, as_json, failed, invoke, ok
from run_environment import RecordingClock

SEQUENCE = [  # what each scripted step makes the emulator record, in order
    ["worker.activity.update"],  # Alice Offline -> Idle
    [  # a Spanish task: routed at once to Alice
        "task.created",
        "workflow.entered",
        "workflow.target-matched",
        "task-queue.entered",
        "worker.activity.update",
        "reservation.created",
    ],
    ["reservation.accepted", "worker.activity.update"],  # accepted over REST: Alice Busy
    ["reservation.completed", "task.completed"],
]


class ScriptedClock(RecordingClock):
    """A clock whose every sleep (the pause between two polls) plays the next step."""

    def __init__(self, steps: list[Callable[[], None]]) -> None:
        super().__init__()
        self.steps = list(steps)

    def sleep(self, seconds: float) -> None:
        super().sleep(seconds)
        if self.steps:
            self.steps.pop(0)()


def routing_steps(emulator: Any, sdk: Any, quickstart: Any, pause: float) -> list[Any]:
    """Alice Idle, a Spanish task, accept, complete: each after `pause` emulator seconds."""
    ws = sdk.taskrouter.v1.workspaces(quickstart.workspace_sid)
    made: dict[str, str] = {}

    def later(action: Callable[[], None]) -> Callable[[], None]:
        def step() -> None:
            if pause:
                emulator.advance(pause)
            action()

        return step

    def idle() -> None:
        ws.workers(quickstart.workers["Alice"]).update(activity_sid=quickstart.activities["Idle"])

    def create() -> None:
        made["task"] = ws.tasks.create(
            attributes=json.dumps({"selected_language": "es"}), workflow_sid=quickstart.workflow_sid
        ).sid

    def accept() -> None:
        task = ws.tasks(made["task"])
        (pending,) = task.reservations.list(reservation_status="pending")
        task.reservations(pending.sid).update(reservation_status="accepted")

    def complete() -> None:
        ws.tasks(made["task"]).update(assignment_status="completed", reason="call ended")

    return [later(step) for step in (idle, create, accept, complete)]


@pytest.mark.parametrize("pause", [0.0, 1.5], ids=["all-in-one-second", "seconds-apart"])
def test_tail_prints_the_sequence_once_each_across_pages(
    cli_env, emulator, sdk, quickstart, pause
) -> None:
    before = {e.sid for e in sdk.taskrouter.v1.workspaces(quickstart.workspace_sid).events.list()}
    clock = ScriptedClock(routing_steps(emulator, sdk, quickstart, pause))
    expected = [kind for step in SEQUENCE for kind in step]
    result = ok(
        cli_env,
        "events", "tail", "--json", "--page-size", "2",  # several pages arrive between polls
        "--max-events", str(len(expected)), "--timeout", "60",
        clock=clock,
    )  # fmt: skip
    printed = [json.loads(line) for line in result.stdout.splitlines()]
    assert [e["event_type"] for e in printed] == expected
    assert clock.steps == []  # every step ran: one poll after each
    ws = sdk.taskrouter.v1.workspaces(quickstart.workspace_sid)
    recorded = [e.sid for e in ws.events.list(minutes=60) if e.sid not in before]
    assert [e["sid"] for e in printed] == recorded  # none skipped, none twice, in order
    first = printed[0]
    assert {"event_type", "event_date", "event_date_ms", "resource_sid", "event_data"} <= set(first)
    assert first["event_data"]["worker_name"] == "Alice"


def test_tail_since_prints_the_past_in_names_then_stops_at_the_timeout(
    cli_env, sdk, quickstart
) -> None:
    ws = sdk.taskrouter.v1.workspaces(quickstart.workspace_sid)
    ws.workers(quickstart.workers["Alice"]).update(activity_sid=quickstart.activities["Idle"])
    task = ws.tasks.create(
        attributes=json.dumps({"selected_language": "es"}), workflow_sid=quickstart.workflow_sid
    )
    clock = RecordingClock()
    result = ok(
        cli_env, "events", "tail", "--since", "10m", "--timeout", "3", "--interval", "1",
        clock=clock,
    )  # fmt: skip
    assert clock.slept == [1, 1, 1]  # three polls after the first, then the timeout
    lines = result.stdout.splitlines()
    assert any(line.endswith("worker.activity.update   Alice Offline -> Idle") for line in lines)
    reserved = [line for line in lines if "reservation.created" in line]
    assert len(reserved) == 1
    assert f"{task.sid} reserved for Alice (WR" in reserved[0]  # piped: whole SIDs
    assert f"{task.sid} entered 'Customer Care Requests - Spanish'" in result.stdout
    assert lines.index(next(line for line in lines if "task.created" in line)) < lines.index(
        reserved[0]
    )


def test_tail_on_a_terminal_fits_its_width(cli_env, sdk, quickstart) -> None:
    ws = sdk.taskrouter.v1.workspaces(quickstart.workspace_sid)
    ws.workers(quickstart.workers["Alice"]).update(activity_sid=quickstart.activities["Idle"])
    ws.tasks.create(
        attributes=json.dumps({"selected_language": "es"}), workflow_sid=quickstart.workflow_sid
    )
    env = {**cli_env, "COLUMNS": "80", "NO_COLOR": "1"}
    result = ok(env, "events", "tail", "--since", "5m", "--timeout", "0", stdout_isatty=True)
    lines = result.stdout.splitlines()
    assert lines and max(len(line) for line in lines) <= 80
    assert any("… reserved for Alice (WR" in line for line in lines)  # short SIDs fit


def test_tail_filters_by_several_types_by_task_and_by_worker_name(cli_env, sdk, quickstart) -> None:
    ws = sdk.taskrouter.v1.workspaces(quickstart.workspace_sid)
    for name in ("Alice", "Bob"):
        ws.workers(quickstart.workers[name]).update(activity_sid=quickstart.activities["Idle"])
    first, second = (
        ws.tasks.create(
            attributes=json.dumps({"selected_language": language}),
            workflow_sid=quickstart.workflow_sid,
        ).sid
        for language in ("es", "en")
    )
    args = ("events", "tail", "--since", "10m", "--timeout", "0", "--json")
    typed = ok(cli_env, *args, "--type", "task.created", "--type", "RESERVATION.CREATED")
    kinds = [json.loads(line)["event_type"] for line in typed.stdout.splitlines()]
    assert kinds == ["task.created", "reservation.created"] * 2
    tailed = ok(cli_env, *args, "--task", second).stdout
    of_task = [json.loads(line) for line in tailed.splitlines()]
    assert of_task and {e["event_data"]["task_sid"] for e in of_task} == {second}
    assert first != second
    bobs = ok(cli_env, *args, "--worker", "bob")
    events = [json.loads(line) for line in bobs.stdout.splitlines()]
    assert events and {e["event_data"]["worker_name"] for e in events} == {"Bob"}


def test_unknown_event_types_are_refused_with_the_closest_one(cli_env) -> None:
    line = failed(cli_env, 2, "events", "tail", "--type", "reservation.acepted")
    assert "unknown event type 'reservation.acepted'" in line
    assert "did you mean 'reservation.accepted'?" in line
    line = failed(cli_env, 2, "events", "list", "--type", "task.craeted")
    assert "did you mean 'task.created'?" in line
    assert "did you mean" not in failed(cli_env, 2, "events", "tail", "--type", "zzz")
    assert "--since" in failed(cli_env, 2, "events", "tail", "--since", "ten minutes")


def test_events_types_lists_every_type_with_its_meaning(cli_env) -> None:
    types = json.loads(ok(cli_env, "events", "types", "--json").stdout)
    meanings = {t["event_type"]: t["meaning"] for t in types}
    assert meanings["reservation.created"] == "A task is reserved for a worker"
    assert len(meanings) == 49


def test_interval_below_taskrouters_limits_is_refused_against_twilio(cli_env) -> None:
    twilio = {**cli_env, "TRCTL_API_URL": "https://taskrouter.twilio.com"}
    line = failed(twilio, 2, "events", "tail", "--interval", "0.2")
    assert "at least 1 s against TaskRouter" in line
    assert invoke(cli_env, "events", "tail", "--interval", "0.2", "--timeout", "0").exit_code == 0


def test_ctrl_c_ends_a_tail_with_exit_0(cli_env) -> None:
    trctl = str(Path(sys.executable).with_name("trctl"))
    env = {**os.environ, **ISOLATED, **cli_env}
    tail = subprocess.Popen(
        [trctl, "events", "tail", "--since", "10m", "--interval", "0.1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert tail.stdout is not None
    assert "created" in tail.stdout.readline()  # it is polling
    tail.send_signal(signal.SIGINT)
    assert tail.wait(10) == 0
    assert tail.stderr is not None and tail.stderr.read() == ""


def test_every_event_the_emulator_records_reads_in_names(
    cli_env, emulator, sdk, quickstart
) -> None:
    """Reserve, reject, time out, accept, wrap, complete, cancel, change a queue, delete a
    worker: no event line misses a name (a missing field reads `?`)."""
    from trctl.services.events import oldest_first
    from trctl.vocab.events import EVENT_TYPES, describe

    ws = sdk.taskrouter.v1.workspaces(quickstart.workspace_sid)
    alice, bob = ws.workers(quickstart.workers["Alice"]), ws.workers(quickstart.workers["Bob"])
    idle, offline = quickstart.activities["Idle"], quickstart.activities["Offline"]

    def task(language: str) -> Any:
        attributes = json.dumps({"selected_language": language})
        return ws.tasks(ws.tasks.create(attributes=attributes).sid)

    def pending(one: Any) -> Any:
        (reservation,) = one.reservations.list(reservation_status="pending")
        return one.reservations(reservation.sid)

    first = task("es")
    alice.update(activity_sid=idle)
    pending(first).update(reservation_status="rejected", worker_activity_sid=offline)
    english = task("en")
    bob.update(activity_sid=idle)
    emulator.advance(1201)  # Bob's reservation times out
    english.update(assignment_status="canceled", reason="caller hung up")
    second = task("es")
    alice.update(activity_sid=idle)
    pending(second).update(reservation_status="accepted")
    second.update(assignment_status="wrapping")
    second.update(assignment_status="completed", reason="call ended")
    ws.task_queues(quickstart.queues["Customer Care Requests - English"]).update(
        target_workers='languages HAS "en" AND 1 == 1'
    )
    bob.update(attributes=json.dumps({"languages": ["en", "fr"]}))
    bob.delete()
    events = as_json(cli_env, "events", "list", "--minutes", "60", "--all")
    kinds = {e["event_type"] for e in events}
    assert kinds >= {
        "reservation.rejected", "reservation.timeout", "reservation.wrapup", "task.wrapup",
        "task.canceled", "task-queue.expression.updated", "worker.attributes.update",
        "worker.deleted",
    }  # fmt: skip
    assert kinds <= set(EVENT_TYPES)
    for event in oldest_first(events):
        line = describe(event["event_type"], event["event_data"])
        assert "?" not in line, (event["event_type"], line, event["event_data"])
