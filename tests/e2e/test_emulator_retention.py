"""Retention as TaskRouter's: finished tasks go 5 minutes after they end (fetch answers 404, with a
task.system-deleted event), events after 30 days, delivered callbacks with the tasks; a flag keeps
everything. Through the official SDK, with the fake clock."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from emulator_callbacks import CallbackServer
from quickstart_setup import SPANISH_QUEUE, build_quickstart, make_sdk
from twilio.base.exceptions import TwilioException, TwilioRestException

from trctl.emulator import Emulator, FakeClock

ES = json.dumps({"selected_language": "es"})
FIVE_MINUTES = 300
THIRTY_DAYS = 30 * 24 * 3600


def accepted_task(sdk: Any, quickstart: Any, emulator: Any = None) -> tuple[Any, str, str]:
    """Alice Idle, a Spanish task reserved for her and accepted over REST (20 s later when
    given the emulator to move the clock)."""
    ws = sdk.taskrouter.v1.workspaces(quickstart.workspace_sid)
    ws.workers(quickstart.workers["Alice"]).update(activity_sid=quickstart.activities["Idle"])
    task = ws.tasks.create(attributes=ES, workflow_sid=quickstart.workflow_sid)
    (reservation,) = ws.tasks(task.sid).reservations.list()
    if emulator is not None:
        emulator.advance(20)
    ws.tasks(task.sid).reservations(reservation.sid).update(reservation_status="accepted")
    return ws, task.sid, reservation.sid


def gone(request: Any) -> bool:
    """True when the request answers 404 with Twilio's code 20404 (a fetch raises
    TwilioRestException; a list's first page, TwilioException carrying the answer)."""
    try:
        request()
    except TwilioRestException as exc:
        assert (exc.status, exc.code) == (404, 20404), exc
        return True
    except TwilioException as exc:
        assert '"code": 20404' in str(exc) and "HTTP 404" in str(exc), exc
        return True
    return False


def test_a_completed_task_is_deleted_five_minutes_after_it_ends(
    emulator: Any, sdk: Any, quickstart: Any
) -> None:
    ws, sid, reservation = accepted_task(sdk, quickstart)
    emulator.advance(60)
    ws.tasks(sid).update(assignment_status="completed", reason="done")
    alice = ws.workers(quickstart.workers["Alice"])
    emulator.advance(FIVE_MINUTES - 1)
    assert ws.tasks(sid).fetch().assignment_status == "completed"
    assert [t.sid for t in ws.tasks.list(assignment_status=["completed"])] == [sid]
    emulator.advance(1)
    assert gone(ws.tasks(sid).fetch)
    assert ws.tasks.list() == []
    assert gone(ws.tasks(sid).reservations.list), "the task's reservations went with it"
    assert gone(ws.tasks(sid).reservations(reservation).fetch)
    assert gone(alice.reservations(reservation).fetch)
    assert alice.reservations.list() == []
    assert gone(lambda: ws.tasks(sid).update(priority=3))
    start = datetime.now(timezone.utc) - timedelta(days=400)  # FakeClock time is 2026-01-01
    events = [e.event_type for e in ws.events.list(task_sid=sid, start_date=start)]
    assert "task.completed" in events and "reservation.accepted" in events, "events stay"
    (deleted,) = ws.events.list(task_sid=sid, event_type="task.system-deleted")
    assert (deleted.resource_type, deleted.resource_sid) == ("task", sid)
    assert deleted.event_data["task_assignment_status"] == "completed"
    assert ws.fetch().sid == quickstart.workspace_sid


def test_a_canceled_task_is_deleted_five_minutes_after_it_was_canceled(
    emulator: Any, sdk: Any, quickstart: Any
) -> None:
    ws = sdk.taskrouter.v1.workspaces(quickstart.workspace_sid)
    ttl = ws.tasks.create(attributes=ES, workflow_sid=quickstart.workflow_sid, timeout=100).sid
    canceled = ws.tasks.create(attributes=ES, workflow_sid=quickstart.workflow_sid).sid
    ws.tasks(canceled).update(assignment_status="canceled", reason="hung up")
    emulator.advance(FIVE_MINUTES)
    assert gone(ws.tasks(canceled).fetch)
    assert ws.tasks(ttl).fetch().assignment_status == "canceled"  # canceled at t=100 by its TTL
    emulator.advance(100)
    assert gone(ws.tasks(ttl).fetch)


def test_live_tasks_are_never_deleted(emulator: Any, sdk: Any, quickstart: Any) -> None:
    ws, assigned, _ = accepted_task(sdk, quickstart)
    pending = ws.tasks.create(attributes=ES, workflow_sid=quickstart.workflow_sid).sid
    emulator.advance(20 * 3600)
    assert ws.tasks(assigned).fetch().assignment_status == "assigned"
    assert ws.tasks(pending).fetch().assignment_status == "pending"


def test_one_clock_jump_fires_retention_in_order_with_the_other_timers(
    emulator: Any, sdk: Any, quickstart: Any
) -> None:
    """TTL at t=100, deletion at t=400: a jump to t=1000 does both, in that order."""
    ws = sdk.taskrouter.v1.workspaces(quickstart.workspace_sid)
    sid = ws.tasks.create(attributes=ES, workflow_sid=quickstart.workflow_sid, timeout=100).sid
    emulator.advance(1000)
    assert gone(ws.tasks(sid).fetch)
    start = datetime(2025, 12, 31, tzinfo=timezone.utc)
    events = ws.events.list(task_sid=sid, start_date=start)
    types = [e.event_type for e in sorted(events, key=lambda e: e.event_date_ms)]
    assert types.index("task.canceled") < types.index("task.system-deleted")


def test_events_are_kept_thirty_days(emulator: Any, sdk: Any, quickstart: Any) -> None:
    ws = sdk.taskrouter.v1.workspaces(quickstart.workspace_sid)
    old = ws.events.list(limit=1)[0].sid
    emulator.advance(THIRTY_DAYS - 1)
    assert ws.events(old).fetch().sid == old
    ws.workers(quickstart.workers["Bob"]).update(activity_sid=quickstart.activities["Idle"])
    recent = ws.events.list(event_type="worker.activity.update")[0].sid
    emulator.advance(1)
    assert gone(ws.events(old).fetch)
    assert ws.events(recent).fetch().sid == recent
    emulator.advance(THIRTY_DAYS)
    assert gone(ws.events(recent).fetch)


def test_statistics_still_count_what_the_deleted_tasks_did(
    emulator: Any, sdk: Any, quickstart: Any
) -> None:
    ws, sid, _ = accepted_task(sdk, quickstart, emulator)
    ws.tasks(sid).update(assignment_status="completed", reason="done")
    canceled = ws.tasks.create(attributes=ES, workflow_sid=quickstart.workflow_sid).sid
    emulator.advance(30)
    ws.tasks(canceled).update(assignment_status="canceled", reason="hung up")
    before = ws.cumulative_statistics().fetch(minutes=60)
    emulator.advance(FIVE_MINUTES)
    assert gone(ws.tasks(sid).fetch) and gone(ws.tasks(canceled).fetch)
    after = ws.cumulative_statistics().fetch(minutes=60)
    for field in (
        "reservations_accepted",
        "tasks_completed",
        "tasks_canceled",
        "wait_duration_until_accepted",
        "wait_duration_until_canceled",
    ):
        assert getattr(after, field) == getattr(before, field), field
    assert after.reservations_accepted == 1
    assert after.wait_duration_until_accepted["max"] == 20
    assert after.wait_duration_until_canceled["max"] == 30
    queue = ws.task_queues(quickstart.queues[SPANISH_QUEUE]).cumulative_statistics()
    queued = queue.fetch(minutes=60).wait_duration_in_queue_until_accepted
    assert queued == {"avg": 20, "min": 20, "max": 20, "total": 20}


@pytest.fixture
def keeping() -> Iterator[Any]:
    with Emulator(clock=FakeClock(), keep_finished=True) as emu:
        yield emu


def test_keep_finished_keeps_tasks_and_events(keeping: Any) -> None:
    sdk = make_sdk(keeping)
    quickstart = build_quickstart(sdk)
    ws, sid, _ = accepted_task(sdk, quickstart)
    ws.tasks(sid).update(assignment_status="completed", reason="done")
    first = ws.events.list(limit=1)[0].sid
    keeping.advance(2 * THIRTY_DAYS)
    assert ws.tasks(sid).fetch().assignment_status == "completed"
    assert ws.events(first).fetch().sid == first
    assert ws.events.list(event_type="task.system-deleted") == []


def test_the_system_deletion_is_sent_to_the_event_callback(emulator: Any, sdk: Any) -> None:
    with CallbackServer(emulator.auth_token) as receiver:
        quickstart = build_quickstart(sdk)
        ws = sdk.taskrouter.v1.workspaces(quickstart.workspace_sid)
        ws.update(event_callback_url=receiver.url("/events"), events_filter="task.system-deleted")
        sid = ws.tasks.create(attributes=ES, workflow_sid=quickstart.workflow_sid).sid
        ws.tasks(sid).update(assignment_status="canceled", reason="hung up")
        emulator.advance(FIVE_MINUTES)
        assert emulator.wait_idle(5)
        (received,) = receiver.received
    assert received.signature_valid
    assert received.params["EventType"] == "task.system-deleted"
    assert (received.params["ResourceType"], received.params["TaskSid"]) == ("task", sid)


def test_delivered_callbacks_are_deleted_with_the_tasks(emulator: Any, sdk: Any) -> None:
    with CallbackServer(emulator.auth_token) as receiver:
        quickstart = build_quickstart(sdk, assignment_callback_url=receiver.url())
        ws = sdk.taskrouter.v1.workspaces(quickstart.workspace_sid)
        ws.workers(quickstart.workers["Alice"]).update(activity_sid=quickstart.activities["Idle"])
        ws.tasks.create(attributes=ES, workflow_sid=quickstart.workflow_sid)
        assert emulator.wait_idle(5)
    count = "SELECT COUNT(*) FROM outbox WHERE state = 'delivered'"
    assert emulator.store.scalar(count) == 1
    emulator.advance(FIVE_MINUTES - 1)
    assert emulator.store.scalar(count) == 1
    emulator.advance(1)
    assert emulator.store.scalar("SELECT COUNT(*) FROM outbox") == 0
