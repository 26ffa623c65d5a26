"""Finishing work through the Reservation resource (Twilio's documented way), the 400s of its
transitions, the event types each step records, and the task's ETag moving with every step."""

from __future__ import annotations

from typing import Any

import pytest
from emulator_http import call
from emulator_rules import flow, workspace
from twilio.base.exceptions import TwilioRestException

from trctl.vocab.events import EVENT_TYPES


def reserved_task(sdk: Any) -> tuple[Any, str, str, str, dict[str, str]]:
    """A task reserved for W (queue: Reserved, then Busy). Returns the workspace, the task, the
    reservation, the worker and the activities."""
    ws, activities = workspace(sdk)
    for name in ("Reserved", "Busy"):
        activities[name] = ws.activities.create(friendly_name=name, available=False).sid
    queue = ws.task_queues.create(
        friendly_name="Q",
        reservation_activity_sid=activities["Reserved"],
        assignment_activity_sid=activities["Busy"],
    ).sid
    workflow = flow(ws, {"default_filter": {"queue": queue}})
    worker = ws.workers.create(friendly_name="W", activity_sid=activities["Available"]).sid
    task = ws.tasks.create(attributes="{}", workflow_sid=workflow).sid
    (reservation,) = ws.tasks(task).reservations.list()
    return ws, task, reservation.sid, worker, activities


def refused(update: Any, **params: Any) -> str:
    """The message of the 400 an update must be refused with."""
    with pytest.raises(TwilioRestException) as caught:
        update(**params)
    assert (caught.value.status, caught.value.code) == (400, 20001), caught.value
    return str(caught.value.msg)


def test_wrap_up_and_complete_through_the_task_reservation(emulator: Any, sdk: Any) -> None:
    """accepted -> wrapping -> completed on the reservation moves the task with it and records
    reservation.wrapup and reservation.completed (kills misspelled event types in
    Lifecycle.EVENT_VERBS and a _transition that stops calling finish_task)."""
    ws, task, sid, worker, _ = reserved_task(sdk)
    reservation = ws.tasks(task).reservations(sid)
    assert reservation.update(reservation_status="accepted").reservation_status == "accepted"
    assert reservation.update(reservation_status="wrapping").reservation_status == "wrapping"
    assert ws.tasks(task).fetch().assignment_status == "wrapping"
    assert reservation.update(reservation_status="completed").reservation_status == "completed"
    fetched = ws.tasks(task).fetch()
    assert (fetched.assignment_status, fetched.reason) == ("completed", "Reservation completed")
    assert ws.workers(worker).fetch().activity_name == "Busy"  # completing does not move it
    events = [e.event_type for e in ws.events.list(reservation_sid=sid)]
    assert events == [
        "reservation.created",
        "reservation.accepted",
        "reservation.wrapup",
        "reservation.completed",
    ]
    task_events = [e.event_type for e in ws.events.list(task_sid=task)]
    assert {"task.wrapup", "task.completed"} <= set(task_events)
    assert set(task_events) <= set(EVENT_TYPES)  # every type is one of Twilio's


def test_complete_without_wrap_up_through_the_worker_reservation(emulator: Any, sdk: Any) -> None:
    """The worker-scoped resource finishes the task too: accepted -> completed directly."""
    ws, task, sid, worker, _ = reserved_task(sdk)
    reservation = ws.workers(worker).reservations(sid)
    reservation.update(reservation_status="accepted")
    assert reservation.update(reservation_status="completed").reservation_status == "completed"
    assert ws.tasks(task).fetch().assignment_status == "completed"
    types = [e.event_type for e in ws.events.list(reservation_sid=sid)]
    assert "reservation.completed" in types and "reservation.wrapup" not in types


def test_forbidden_reservation_transitions_are_400s(emulator: Any, sdk: Any) -> None:
    """Each refusal leaves the reservation and the task as they were (kills the mutants that
    drop _transition's `current in ("accepted", "wrapping")` check or its same-status check)."""
    ws, task, sid, _, _ = reserved_task(sdk)
    update = ws.tasks(task).reservations(sid).update
    assert "cannot become completed" in refused(update, reservation_status="completed")
    assert "cannot become wrapping" in refused(update, reservation_status="wrapping")
    assert ws.tasks(task).reservations(sid).fetch().reservation_status == "pending"
    assert ws.tasks(task).fetch().assignment_status == "reserved"
    update(reservation_status="accepted")
    assert "not pending" in refused(update, reservation_status="accepted")
    assert "not pending" in refused(update, reservation_status="rejected")
    update(reservation_status="wrapping")
    assert "already wrapping" in refused(update, reservation_status="wrapping")
    update(reservation_status="completed")
    assert "cannot become completed" in refused(update, reservation_status="completed")
    assert "cannot become wrapping" in refused(update, reservation_status="wrapping")
    assert ws.tasks(task).fetch().assignment_status == "completed"


def test_the_task_etag_changes_on_reserve_accept_wrap_up_and_complete(
    emulator: Any, sdk: Any
) -> None:
    """An If-Match writer holding the ETag of a step before gets 412 after each one (kills the
    mutants that stop bumping the task's version in Router.reserve, Lifecycle.accept and
    Lifecycle.finish_task)."""
    ws, activities = workspace(sdk)
    queue = ws.task_queues.create(friendly_name="Q").sid
    workflow = flow(ws, {"default_filter": {"queue": queue}})
    task = ws.tasks.create(attributes="{}", workflow_sid=workflow).sid
    path = f"/v1/Workspaces/{ws._solution['sid']}/Tasks/{task}"

    def etag() -> str:
        return call(emulator, "GET", path).headers["ETag"]

    seen = [etag()]
    worker = ws.workers.create(friendly_name="W", activity_sid=activities["Available"]).sid
    (reservation,) = ws.workers(worker).reservations.list()
    steps = ["accepted", "wrapping", "completed"]
    for step in [None, *steps]:
        if step is not None:
            ws.tasks(task).reservations(reservation.sid).update(reservation_status=step)
        current = etag()
        assert current not in seen, (step, current, seen)
        stale = call(emulator, "POST", path, {"Priority": "1"}, headers={"If-Match": seen[-1]})
        assert stale.status == 412, (step, stale.json())
        seen.append(current)
