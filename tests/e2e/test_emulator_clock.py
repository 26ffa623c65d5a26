"""The clock a user controls: `trctl emulator clock [advance|set]`, /trctl/clock, `emu.time`.

Everything runs on a manual clock: nothing here sleeps, and every timer fires because a
command moved the clock.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from cli_support import as_json, failed, ok
from emulator_callbacks import Answer, CallbackServer, Received, defer
from quickstart_setup import SPANISH_QUEUE, make_sdk
from timeout_example import timeout_evaluation_workspace

from trctl.emulator import Emulator, FakeClock, SystemClock

ES = json.dumps({"selected_language": "es"})


def advance(env: dict[str, str], duration: str) -> dict[str, Any]:
    return as_json(env, "emulator", "clock", "advance", duration)


def test_clock_shows_the_time_and_the_mode(emulator: Any) -> None:
    env = emulator.env()
    assert as_json(env, "emulator", "clock") == {"now": "2026-01-01T00:00:00Z", "mode": "manual"}
    assert ok(env, "emulator", "clock").stdout == "2026-01-01T00:00:00Z (manual clock)\n"
    moved = advance(env, "1h30m")
    assert moved == {
        "now": "2026-01-01T01:30:00Z",
        "mode": "manual",
        "timers_fired": 0,
        "callbacks_settled": True,
    }
    assert ok(env, "emulator", "clock", "set", "2026-12-24T10:00:00+01:00").stdout == (
        "2026-12-24T09:00:00Z (manual clock): 0 timers fired\n"
    )
    assert emulator.time.now() == emulator.clock.now() == 1798102800.0


def test_the_clock_refuses_to_go_back_or_to_move_a_real_clock(emulator: Any) -> None:
    env = emulator.env()
    advance(env, "10m")
    line = failed(env, 2, "emulator", "clock", "set", "2026-01-01T00:00:00Z")
    assert "forward only: it is 2026-01-01T00:10:00Z, after 2026-01-01T00:00:00Z" in line
    assert "ten minutes" in failed(env, 2, "emulator", "clock", "advance", "ten minutes")
    assert "2026-13-01" in failed(env, 2, "emulator", "clock", "set", "2026-13-01T00:00:00Z")
    # past year 9999 every later answer was a 500 (dates out of range), for good on a store file
    for move in (["advance", "100000000000d"], ["set", "9999-06-01T00:00:00Z"]):
        line = failed(env, 2, "emulator", "clock", *move)
        assert "the clock goes no later than 9999-01-01T00:00:00Z" in line, line
    assert as_json(env, "emulator", "clock")["now"] == "2026-01-01T00:10:00Z"
    assert as_json(env, "workspaces", "list") == []
    with Emulator(clock=SystemClock()) as real:
        assert as_json(real.env(), "emulator", "clock")["mode"] == "real"
        line = failed(real.env(), 2, "emulator", "clock", "advance", "1s")
        assert "real clock; start it with --clock manual" in line
    unset = {**env, "TRCTL_API_URL": ""}
    assert "belongs to trctl's emulator" in failed(unset, 3, "emulator", "clock")


class EventSink(CallbackServer):
    """Records event callbacks (answered 204) and assignment callbacks (answered as told)."""

    def __init__(self, auth_token: str, answer: Any = defer) -> None:
        super().__init__(auth_token, lambda item: self._answer(item, answer))

    @staticmethod
    def _answer(item: Received, answer: Any) -> Answer:
        return (204, "text/plain", "") if item.path == "/events" else answer(item)

    def events(self) -> list[str]:
        return [r.params["Sid"] for r in self.received if r.path == "/events"]


@pytest.fixture
def timeouts(emulator: Any) -> Iterator[tuple[Any, Any, list[str], str, Any]]:
    sdk = make_sdk(emulator)
    with EventSink(emulator.auth_token) as sink:
        ws, queues, workflow, worker = timeout_evaluation_workspace(sdk)
        ws.update(event_callback_url=sink.url("/events"))
        ws.workflows(workflow).update(assignment_callback_url=sink.url())
        yield sink, ws, queues, workflow, worker


def test_the_timeout_evaluation_example_second_by_second(emulator: Any, timeouts: Any) -> None:
    """The docs' example on the manual clock: Q1, Q2, Q3 of 10 s, reservations of 5 s; the
    worker goes available at t=3 and never answers. Each second is one `clock advance 1s`;
    before it returns, every event so far has reached the workspace's event callback."""
    sink, ws, queues, workflow, worker = timeouts
    env = emulator.env()
    available = ws.activities.list(friendly_name="Available")[0].sid
    emulator.time.advance(0)  # the callbacks of the set-up, before the example starts
    recorded_before = {event.sid for event in ws.events.list(minutes=60)}
    sent_before = set(sink.events())
    task_sid = ws.tasks.create(attributes="{}", workflow_sid=workflow).sid
    task = ws.tasks(task_sid)
    q1, q2, q3 = queues
    expected = {  # second -> (task status, its queue, the worker's activity)
        **{t: ("pending", q1, "Offline") for t in range(0, 3)},
        **{t: ("reserved", q1, "Available") for t in range(3, 8)},
        **{t: ("pending", q2, "Offline") for t in range(8, 20)},  # "in 12 sec"
        **{t: ("pending", q3, "Offline") for t in range(20, 30)},
        30: ("canceled", q3, "Offline"),  # out of the last target: the workflow times out
    }
    for second in range(31):
        assert advance(env, "1s" if second else "0s")["now"] == f"2026-01-01T00:00:{second:02d}Z"
        if second == 3:
            ws.workers(worker.sid).update(activity_sid=available)
            advance(env, "0s")  # delivers the reservation's callbacks: the clock stays at t=3
        fetched = task.fetch()
        activity = ws.workers(worker.sid).fetch().activity_name
        assert (fetched.assignment_status, fetched.task_queue_sid, activity) == expected[second], (
            second
        )
        recorded = {event.sid for event in ws.events.list(minutes=60)} - recorded_before
        assert set(sink.events()) - sent_before == recorded, second
    kinds = [e.event_type for e in ws.events.list(task_sid=task_sid)]
    assert kinds.count("task-queue.moved") == 2 and "reservation.timeout" in kinds
    assert "workflow.timeout" in kinds
    assigned = [r for r in sink.received if r.path == "/assignment"]
    assert [r.params["TaskSid"] for r in assigned] == [task_sid]  # one callback, at t=3


def test_an_answer_at_a_deadline_is_applied_before_later_timers_fire(
    emulator: Any, timeouts: Any
) -> None:
    """One `clock advance 30s`: the first reservation times out at t=5, the task moves to Q2
    and is reserved for a second worker, whose callback answers accept at t=5; the move must
    deliver that callback before going on, or the t=10 reservation timeout would fire first."""
    sink, ws, queues, workflow, first = timeouts
    available = ws.activities.list(friendly_name="Available")[0].sid
    second = ws.workers.create(friendly_name="W2", activity_sid=available)
    sink.answer = lambda item: EventSink._answer(
        item,
        lambda r: (
            (200, "application/json", json.dumps({"instruction": "accept"}))
            if r.params["WorkerSid"] == second.sid
            else defer(r)
        ),
    )
    ws.workers(second.sid).update(activity_sid=ws.activities.list(friendly_name="Offline")[0].sid)
    ws.workers(first.sid).update(activity_sid=available)
    task = ws.tasks.create(attributes="{}", workflow_sid=workflow)  # reserved for W at t=0
    ws.workers(second.sid).update(activity_sid=available)
    moved = advance(emulator.env(), "30s")
    assert moved["timers_fired"] >= 1 and moved["callbacks_settled"]
    fetched = ws.tasks(task.sid).fetch()
    assert (fetched.assignment_status, fetched.task_queue_sid) == ("assigned", queues[1])
    (accepted,) = ws.tasks(task.sid).reservations.list(reservation_status="accepted")
    assert accepted.worker_sid == second.sid
    assert accepted.date_updated.isoformat() == "2026-01-01T00:00:05+00:00"


def test_a_reservation_timeout_and_a_task_ttl_reached_with_clock_advance(
    emulator: Any, sdk: Any, quickstart: Any
) -> None:
    env = emulator.env()
    ws = sdk.taskrouter.v1.workspaces(quickstart.workspace_sid)
    ws.workflows(quickstart.workflow_sid).update(task_reservation_timeout=120)
    reserved = ws.tasks.create(attributes=ES, workflow_sid=quickstart.workflow_sid, timeout=3600)
    ws.workers(quickstart.workers["Alice"]).update(activity_sid=quickstart.activities["Idle"])
    (reservation,) = ws.tasks(reserved.sid).reservations.list()
    advance(env, "119s")
    assert ws.tasks(reserved.sid).reservations(reservation.sid).fetch().reservation_status == (
        "pending"
    )
    assert advance(env, "1s")["timers_fired"] == 1
    assert ws.tasks(reserved.sid).reservations(reservation.sid).fetch().reservation_status == (
        "timeout"
    )
    assert ws.workers(quickstart.workers["Alice"]).fetch().activity_name == "Offline"
    advance(env, "3479s")  # the TTL counts from creation: 3600 s in all
    assert ws.tasks(reserved.sid).fetch().assignment_status == "pending"
    advance(env, "1s")
    canceled = ws.tasks(reserved.sid).fetch()
    assert (canceled.assignment_status, canceled.reason) == ("canceled", "Task TTL Exceeded")


def test_dates_ages_event_windows_and_statistics_follow_the_clock(
    emulator: Any, sdk: Any, quickstart: Any
) -> None:
    env = emulator.env()
    ok(env, "emulator", "clock", "set", "2026-12-24T09:00:00Z")
    ws = sdk.taskrouter.v1.workspaces(quickstart.workspace_sid)
    task = ws.tasks.create(attributes=ES, workflow_sid=quickstart.workflow_sid)
    assert task.date_created.isoformat() == "2026-12-24T09:00:00+00:00"
    advance(env, "90s")
    assert ws.tasks(task.sid).fetch().age == 90
    (created,) = ws.events.list(task_sid=task.sid, event_type="task.created")
    assert created.event_date.isoformat() == "2026-12-24T09:00:00+00:00"
    realtime = ws.task_queues(quickstart.queues[SPANISH_QUEUE]).statistics().fetch().realtime
    assert realtime["longest_task_waiting_age"] == 90
    assert ws.statistics().fetch().cumulative["tasks_created"] == 1
    advance(env, "20m")  # out of the default 15-minute windows, inside 30 minutes
    assert ws.events.list(task_sid=task.sid) == []
    assert len(ws.events.list(task_sid=task.sid, minutes=30)) > 0
    assert ws.statistics().fetch().cumulative["tasks_created"] == 0
    assert ws.statistics().fetch(minutes=30).cumulative["tasks_created"] == 1


def test_a_restarted_manual_clock_goes_on_from_where_it_stood(tmp_path: Any) -> None:
    from trctl.emulator.runner import manual_clock

    db = str(tmp_path / "emulator.db")
    with Emulator(db_path=db, clock=manual_clock()) as emu:
        emu.time.set(4_102_444_800)  # 2100-01-01: later than any test's wall clock
    with Emulator(db_path=db, clock=manual_clock()) as again:
        assert again.time.now() == 4_102_444_800
    assert manual_clock().now() < 4_102_444_800


def test_the_in_process_emulator_moves_its_clock_like_the_cli(emulator: Any, timeouts: Any) -> None:
    _, ws, queues, workflow, _ = timeouts
    task = ws.tasks.create(attributes="{}", workflow_sid=workflow)
    moved = emulator.time.advance(25)
    assert (moved.now, moved.fired, moved.settled) == (FakeClock().now() + 25, 2, True)
    assert ws.tasks(task.sid).fetch().task_queue_sid == queues[2]


def test_a_clock_move_that_fails_is_answered_500_not_left_waiting(
    emulator: Any, monkeypatch: Any, thread_errors: Any
) -> None:
    """An answer made later (a clock move) that raises is a 500 in Twilio's envelope, as any
    handler's error is; the client used to wait for an answer that never came."""

    def broken(seconds: float) -> Any:
        raise RuntimeError("a bug while moving the clock")

    monkeypatch.setattr(emulator.time, "advance", broken)
    sdk = make_sdk(emulator)
    answer = sdk.request("POST", f"{emulator.url}/trctl/clock", data={"Advance": "1"}, timeout=10)
    assert answer.status_code == 500
    assert json.loads(answer.text)["code"] == 20500
    assert any("internal error on POST /trctl/clock" in seen for seen in thread_errors.take())
    assert as_json(emulator.env(), "emulator", "clock")["now"] == "2026-01-01T00:00:00Z"
