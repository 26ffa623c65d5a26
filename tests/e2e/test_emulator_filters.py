"""Reservation and Event list filters, and PageToken paging of every list, through the SDK."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest


@pytest.fixture
def scene(emulator: Any, sdk: Any) -> dict[str, Any]:
    """Two workspaces; in the first, one task reserved by two workers (MaxReservedWorkers=2),
    Ann rejected it (going Unavailable), Ben's reservation is still pending; a second task waits
    on the sms channel (single-tasking: Ben has no room for it)."""
    taskrouter = sdk.taskrouter.v1
    record = taskrouter.workspaces.create(friendly_name="Filters", multi_task_enabled=False)
    taskrouter.workspaces.create(friendly_name="Other")
    ws = taskrouter.workspaces(record.sid)
    activities = {a.friendly_name: a.sid for a in ws.activities.list()}
    queue = ws.task_queues.create(friendly_name="Q", max_reserved_workers=2).sid
    ws.task_queues.create(friendly_name="Q2")
    routing = json.dumps({"task_routing": {"default_filter": {"queue": queue}}})
    workflow = ws.workflows.create(friendly_name="Flow", configuration=routing).sid
    ws.workflows.create(friendly_name="Flow2", configuration=routing)
    ann, ben = (
        ws.workers.create(friendly_name=name, activity_sid=activities["Available"]).sid
        for name in ("Ann", "Ben")
    )
    emulator.advance(600)
    task = ws.tasks.create(attributes="{}", workflow_sid=workflow)
    by_worker = {r.worker_sid: r.sid for r in ws.tasks(task.sid).reservations.list()}
    ws.tasks(task.sid).reservations(by_worker[ann]).update(
        reservation_status="rejected", worker_activity_sid=activities["Unavailable"]
    )
    sms = ws.tasks.create(attributes="{}", workflow_sid=workflow, task_channel="sms")
    return {
        "ws": ws,
        "ann": ann,
        "ben": ben,
        "task": task.sid,
        "sms": sms.sid,
        "queue": queue,
        "workflow": workflow,
        "reservations": by_worker,
    }


def sids(records: Any) -> list[str]:
    return [r.sid for r in records]


def test_reservation_filters(scene: dict[str, Any]) -> None:
    ws, ann, ben = scene["ws"], scene["ann"], scene["ben"]
    reservations = ws.tasks(scene["task"]).reservations
    ann_wr, ben_wr = scene["reservations"][ann], scene["reservations"][ben]
    assert sorted(sids(reservations.list())) == sorted([ann_wr, ben_wr])
    assert sids(reservations.list(worker_sid=ann)) == [ann_wr]
    assert sids(reservations.list(reservation_status="pending")) == [ben_wr]
    assert sids(reservations.list(reservation_status="rejected")) == [ann_wr]
    assert sids(reservations.list(reservation_status="accepted")) == []
    assert sids(ws.workers(ann).reservations.list(reservation_status="rejected")) == [ann_wr]
    assert sids(ws.workers(ann).reservations.list(reservation_status="pending")) == []
    assert sids(ws.workers(ben).reservations.list(reservation_status="pending")) == [ben_wr]


def test_worker_scoped_reservation_fetch_and_update(scene: dict[str, Any]) -> None:
    ws, ben = scene["ws"], scene["ben"]
    wr = scene["reservations"][ben]
    fetched = ws.workers(ben).reservations(wr).fetch()
    assert (fetched.worker_sid, fetched.reservation_status) == (ben, "pending")
    assert fetched.url.endswith(f"/Workers/{ben}/Reservations/{wr}")
    accepted = ws.workers(ben).reservations(wr).update(reservation_status="accepted")
    assert accepted.reservation_status == "accepted"
    assert ws.tasks(scene["task"]).fetch().assignment_status == "assigned"


def test_event_filters(emulator: Any, scene: dict[str, Any]) -> None:
    ws, ann, ben = scene["ws"], scene["ann"], scene["ben"]
    ann_wr = scene["reservations"][ann]

    def types(**filters: Any) -> set[str]:
        return {e.event_type for e in ws.events.list(minutes=60, **filters)}

    assert types(reservation_sid=ann_wr) == {"reservation.created", "reservation.rejected"}
    assert "reservation.rejected" not in types(worker_sid=ben)
    assert {"worker.created", "reservation.rejected"} <= types(worker_sid=ann)
    assert all(e.event_data.get("worker_sid") == ann for e in ws.events.list(worker_sid=ann))
    assert "task.created" in types(task_sid=scene["sms"])
    assert {e.event_data["task_sid"] for e in ws.events.list(task_sid=scene["sms"])} == {
        scene["sms"]
    }
    assert types(event_type="worker.created") == {"worker.created"}
    assert "task-queue.entered" in types(task_queue_sid=scene["queue"])
    assert "workflow.entered" in types(workflow_sid=scene["workflow"])
    sms_channel = next(c.sid for c in ws.task_channels.list() if c.unique_name == "sms")
    for channel in ("sms", sms_channel):
        events = ws.events.list(task_channel=channel)
        assert events and {e.event_data["task_sid"] for e in events} == {scene["sms"]}, channel
    (one,) = ws.events.list(event_type="worker.created", worker_sid=ann)
    assert sids(ws.events.list(sid=one.sid, minutes=60)) == [one.sid]


def test_event_date_window(emulator: Any, scene: dict[str, Any]) -> None:
    ws = scene["ws"]
    now = datetime.fromtimestamp(emulator.clock.now(), timezone.utc)
    created = {e.event_type for e in ws.events.list(start_date=now - timedelta(minutes=20))}
    assert "workspace.created" in created and "task.created" in created
    early = ws.events.list(
        start_date=now - timedelta(minutes=20), end_date=now - timedelta(minutes=5)
    )
    assert {e.event_type for e in early} >= {"workspace.created", "worker.created"}
    assert "task.created" not in {e.event_type for e in early}
    assert ws.events.list(minutes=5) and "workspace.created" not in {
        e.event_type for e in ws.events.list(minutes=5)
    }


def test_every_list_streams_over_several_pages(sdk: Any, scene: dict[str, Any]) -> None:
    ws, ann, task = scene["ws"], scene["ann"], scene["task"]
    lists = {
        "workspaces": sdk.taskrouter.v1.workspaces,
        "activities": ws.activities,
        "task_channels": ws.task_channels,
        "task_queues": ws.task_queues,
        "task_queue_statistics": ws.task_queues.statistics,
        "workflows": ws.workflows,
        "workers": ws.workers,
        "worker_channels": ws.workers(ann).worker_channels,
        "tasks": ws.tasks,
        "task_reservations": ws.tasks(task).reservations,
        "events": ws.events,
    }
    for name, resource in lists.items():
        everything = resource.list(page_size=1000)
        paged = list(resource.stream(page_size=1))
        assert len(everything) >= 2, name
        assert [vars(r).get("sid") or vars(r).get("task_queue_sid") for r in paged] == [
            vars(r).get("sid") or vars(r).get("task_queue_sid") for r in everything
        ], name
