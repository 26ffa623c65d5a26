"""Routing and lifecycle rules through the SDK with a fake clock: TTL, targets, skip_if, multi."""

from __future__ import annotations

import json
from typing import Any

from emulator_callbacks import CallbackServer, defer
from emulator_rules import flow, workspace


def test_task_ttl_cancels_with_the_documented_reason(emulator: Any, sdk: Any) -> None:
    ws, _ = workspace(sdk)
    queue = ws.task_queues.create(friendly_name="Q").sid
    workflow = flow(ws, {"default_filter": {"queue": queue}})
    task = ws.tasks.create(attributes="{}", workflow_sid=workflow, timeout=100)
    emulator.advance(99)
    assert ws.tasks(task.sid).fetch().assignment_status == "pending"
    emulator.advance(1)
    fetched = ws.tasks(task.sid).fetch()
    assert (fetched.assignment_status, fetched.reason) == ("canceled", "Task TTL Exceeded")
    (event,) = ws.events.list(task_sid=task.sid, event_type="task.canceled")
    assert event.event_data["task_canceled_reason"] == "Task TTL Exceeded"


def test_targets_time_out_in_order_and_the_task_falls_out(emulator: Any, sdk: Any) -> None:
    ws, _ = workspace(sdk)
    first = ws.task_queues.create(friendly_name="First").sid
    second = ws.task_queues.create(friendly_name="Second").sid
    routing = {
        "filters": [
            {
                "filter_friendly_name": "All",
                "expression": "1==1",
                "targets": [
                    {"queue": first, "timeout": 10, "priority": 5},
                    {"queue": second, "timeout": 20},
                ],
            }
        ]
    }
    task = ws.tasks.create(attributes="{}", workflow_sid=flow(ws, routing), priority=1)
    fetched = ws.tasks(task.sid).fetch()
    assert (fetched.task_queue_sid, fetched.priority) == (first, 5)
    emulator.advance(10)
    fetched = ws.tasks(task.sid).fetch()
    assert (fetched.task_queue_sid, fetched.priority) == (second, 5)  # no priority: kept
    emulator.advance(20)
    assert ws.tasks(task.sid).fetch().assignment_status == "canceled"
    types = [e.event_type for e in ws.events.list(task_sid=task.sid)]
    assert "workflow.timeout" in types and "task-queue.moved" in types
    assert types.count("task-queue.timeout") == 2  # out of First, then out of Second


def test_skip_if_moves_on_when_nobody_is_available(emulator: Any, sdk: Any) -> None:
    ws, activities = workspace(sdk)
    vip = ws.task_queues.create(friendly_name="VIP", target_workers="vip == true").sid
    everyone = ws.task_queues.create(friendly_name="Everyone").sid
    ws.workers.create(friendly_name="V", attributes='{"vip": true}')  # offline
    routing = {
        "filters": [
            {
                "filter_friendly_name": "All",
                "expression": "1==1",
                "targets": [
                    {"queue": vip, "skip_if": "workers.available == 0"},
                    {"queue": everyone},
                ],
            }
        ]
    }
    workflow = flow(ws, routing)
    task = ws.tasks.create(attributes="{}", workflow_sid=workflow)
    assert ws.tasks(task.sid).fetch().task_queue_sid == everyone
    (skipped,) = ws.events.list(task_sid=task.sid, event_type="workflow.skipped")
    assert skipped.event_data["task_queue_sid"] == vip
    v2 = ws.workers.create(
        friendly_name="V2", attributes='{"vip": true}', activity_sid=activities["Available"]
    )
    assert [r.task_sid for r in ws.workers(v2.sid).reservations.list()] == [task.sid]
    # V2 is busy but in an available activity: skip_if is false, the task waits in VIP
    waiting = ws.tasks.create(attributes="{}", workflow_sid=workflow)
    fetched = ws.tasks(waiting.sid).fetch()
    assert (fetched.task_queue_sid, fetched.assignment_status) == (vip, "pending")


def test_priority_then_fifo_within_a_queue_and_longest_idle_first(emulator: Any, sdk: Any) -> None:
    ws, activities = workspace(sdk)
    queue = ws.task_queues.create(friendly_name="Q").sid
    workflow = flow(ws, {"default_filter": {"queue": queue}})
    old = ws.tasks.create(attributes='{"n": "old"}', workflow_sid=workflow)
    emulator.advance(1)
    ws.tasks.create(attributes='{"n": "new"}', workflow_sid=workflow)
    urgent = ws.tasks.create(attributes='{"n": "urgent"}', workflow_sid=workflow, priority=10)
    first = ws.workers.create(friendly_name="First", activity_sid=activities["Available"])
    assert [r.task_sid for r in ws.workers(first.sid).reservations.list()] == [urgent.sid]
    second = ws.workers.create(friendly_name="Second", activity_sid=activities["Available"])
    assert [r.task_sid for r in ws.workers(second.sid).reservations.list()] == [old.sid]


def test_lifo_queue_offers_the_newest_task_of_the_highest_priority(emulator: Any, sdk: Any) -> None:
    ws, activities = workspace(sdk)
    queue = ws.task_queues.create(friendly_name="Q", task_order="LIFO").sid
    workflow = flow(ws, {"default_filter": {"queue": queue}})
    tasks = []
    for priority in (5, 5, 1):
        tasks.append(ws.tasks.create(attributes="{}", workflow_sid=workflow, priority=priority))
        emulator.advance(1)
    offered = []
    for name in ("A", "B", "C"):
        worker = ws.workers.create(friendly_name=name, activity_sid=activities["Available"])
        offered.extend(r.task_sid for r in ws.workers(worker.sid).reservations.list())
    assert offered == [tasks[1].sid, tasks[0].sid, tasks[2].sid]


def test_longest_idle_worker_gets_the_task(emulator: Any, sdk: Any) -> None:
    ws, activities = workspace(sdk)
    queue = ws.task_queues.create(friendly_name="Q").sid
    workflow = flow(ws, {"default_filter": {"queue": queue}})
    early = ws.workers.create(friendly_name="Early", activity_sid=activities["Available"]).sid
    emulator.advance(5)
    ws.workers.create(friendly_name="Late", activity_sid=activities["Available"])
    task = ws.tasks.create(attributes="{}", workflow_sid=workflow)
    assert [r.worker_sid for r in ws.tasks(task.sid).reservations.list()] == [early]


def test_max_reserved_workers_reserves_several_and_rescinds_the_losers(
    emulator: Any, sdk: Any
) -> None:
    ws, activities = workspace(sdk)
    reserved = ws.activities.create(friendly_name="Reserved", available=False).sid
    queue = ws.task_queues.create(
        friendly_name="Q", max_reserved_workers=3, reservation_activity_sid=reserved
    ).sid
    workflow = flow(ws, {"default_filter": {"queue": queue}})
    workers = [
        ws.workers.create(friendly_name=f"W{n}", activity_sid=activities["Available"]).sid
        for n in range(3)
    ]
    task = ws.tasks.create(attributes="{}", workflow_sid=workflow)
    reservations = ws.tasks(task.sid).reservations.list()
    assert sorted(r.worker_sid for r in reservations) == sorted(workers)
    winner = reservations[1]
    ws.tasks(task.sid).reservations(winner.sid).update(reservation_status="accepted")
    statuses = {r.worker_sid: r.reservation_status for r in ws.tasks(task.sid).reservations.list()}
    assert sorted(statuses.values()) == ["accepted", "rescinded", "rescinded"]
    for worker in workers:
        if worker != winner.worker_sid:
            assert ws.workers(worker).fetch().activity_name == "Available"  # back from Reserved


def test_multitasking_capacity_per_channel(emulator: Any, sdk: Any) -> None:
    ws, activities = workspace(sdk, multi=True)
    queue = ws.task_queues.create(friendly_name="Q").sid
    workflow = flow(ws, {"default_filter": {"queue": queue}})
    worker = ws.workers.create(friendly_name="M", activity_sid=activities["Available"]).sid
    ws.workers(worker).worker_channels("chat").update(capacity=2)
    chats = [
        ws.tasks.create(attributes="{}", workflow_sid=workflow, task_channel="chat")
        for _ in range(3)
    ]
    voice = ws.tasks.create(attributes="{}", workflow_sid=workflow, task_channel="voice")
    statuses = [ws.tasks(t.sid).fetch().assignment_status for t in (*chats, voice)]
    assert statuses == ["reserved", "reserved", "pending", "reserved"]
    assert ws.workers(worker).fetch().activity_name == "Available"  # multitasking: no change
    (first,) = ws.tasks(chats[0].sid).reservations.list()
    ws.tasks(chats[0].sid).reservations(first.sid).update(reservation_status="accepted")
    ws.tasks(chats[0].sid).update(assignment_status="completed", reason="done")
    assert ws.tasks(chats[2].sid).fetch().assignment_status == "reserved"  # capacity freed


def test_cancel_of_a_reserved_task_cancels_its_reservation(emulator: Any, sdk: Any) -> None:
    ws, activities = workspace(sdk)
    queue = ws.task_queues.create(friendly_name="Q").sid
    workflow = flow(ws, {"default_filter": {"queue": queue}})
    ws.workers.create(friendly_name="W", activity_sid=activities["Available"])
    task = ws.tasks.create(attributes="{}", workflow_sid=workflow)
    ws.tasks(task.sid).update(assignment_status="canceled", reason="caller hung up")
    (reservation,) = ws.tasks(task.sid).reservations.list()
    assert reservation.reservation_status == "canceled"


def test_no_matching_filter_cancels_the_task(emulator: Any, sdk: Any, quickstart: Any) -> None:
    ws = sdk.taskrouter.v1.workspaces(quickstart.workspace_sid)
    task = ws.tasks.create(
        attributes='{"selected_language": "fr"}', workflow_sid=quickstart.workflow_sid
    )
    assert task.assignment_status == "canceled"
    assert "did not match" in task.reason


def test_wrapping_then_completed(emulator: Any, sdk: Any) -> None:
    ws, activities = workspace(sdk)
    queue = ws.task_queues.create(friendly_name="Q").sid
    workflow = flow(ws, {"default_filter": {"queue": queue}})
    ws.workers.create(friendly_name="W", activity_sid=activities["Available"])
    task = ws.tasks.create(attributes="{}", workflow_sid=workflow)
    (reservation,) = ws.tasks(task.sid).reservations.list()
    ws.tasks(task.sid).reservations(reservation.sid).update(reservation_status="accepted")
    assert ws.tasks(task.sid).update(assignment_status="wrapping").assignment_status == "wrapping"
    assert ws.tasks(task.sid).reservations(reservation.sid).fetch().reservation_status == "wrapping"
    ws.tasks(task.sid).update(assignment_status="completed", reason="ok")
    assert (
        ws.tasks(task.sid).reservations(reservation.sid).fetch().reservation_status == "completed"
    )
    types = [e.event_type for e in ws.events.list(task_sid=task.sid)]
    expected = (
        "task.created",
        "workflow.entered",
        "task-queue.entered",
        "reservation.created",
        "reservation.accepted",
        "task.wrapup",
        "task.completed",
    )
    assert set(expected) <= set(types)


def test_event_callbacks_are_signed_and_filtered(emulator: Any, sdk: Any) -> None:
    with CallbackServer(emulator.auth_token, lambda _: (204, "application/json", "")) as events:
        record = sdk.taskrouter.v1.workspaces.create(
            friendly_name="Evented",
            event_callback_url=events.url("/events"),
            events_filter="task.created,task.canceled",
        )
        ws = sdk.taskrouter.v1.workspaces(record.sid)
        queue = ws.task_queues.create(friendly_name="Q").sid
        workflow = flow(ws, {"default_filter": {"queue": queue}})
        task = ws.tasks.create(attributes='{"a": 1}', workflow_sid=workflow)
        ws.tasks(task.sid).update(assignment_status="canceled", reason="stop")
        assert emulator.wait_idle(5)
        assert [r.params["EventType"] for r in events.received] == ["task.created", "task.canceled"]
        for received in events.received:
            assert received.signature_valid
            assert received.params["TaskSid"] == task.sid
            assert received.params["WorkspaceName"] == "Evented"
            assert received.params["ResourceType"] == "task"
        assert events.received[1].params["TaskCanceledReason"] == "stop"


def test_events_list_window_and_fetch(emulator: Any, sdk: Any) -> None:
    ws, _ = workspace(sdk)
    assert ws.events.list(event_type="workspace.created")
    emulator.advance(16 * 60)
    assert not ws.events.list(event_type="workspace.created")  # default Minutes=15
    (old,) = ws.events.list(event_type="workspace.created", minutes=30)
    fetched = ws.events(old.sid).fetch()
    assert fetched.event_type == "workspace.created" and fetched.sid.startswith("EV")


def test_deferred_callback_token_is_stable(emulator: Any, sdk: Any) -> None:
    with CallbackServer(emulator.auth_token, defer) as receiver:
        ws, activities = workspace(sdk)
        queue = ws.task_queues.create(friendly_name="Q").sid
        workflow = flow(
            ws, {"default_filter": {"queue": queue}}, assignment_callback_url=receiver.url()
        )
        ws.workers.create(friendly_name="W", activity_sid=activities["Available"])
        ws.tasks.create(attributes="{}", workflow_sid=workflow)
        assert emulator.wait_idle(5)
        (received,) = receiver.received
        token = received.headers["i-twilio-idempotency-token"]
        assert token.startswith(received.params["ReservationSid"])


def test_routing_target_worker_and_queue(emulator: Any, sdk: Any) -> None:
    ws, activities = workspace(sdk)
    queue = ws.task_queues.create(friendly_name="Q").sid
    other = ws.task_queues.create(friendly_name="Other").sid
    workflow = flow(ws, {"default_filter": {"queue": queue}})
    offline = ws.workers.create(friendly_name="Offline worker").sid
    idle = ws.workers.create(friendly_name="Idle worker", activity_sid=activities["Available"]).sid
    direct = ws.tasks.create(attributes="{}", workflow_sid=workflow, routing_target=offline)
    assert direct.routing_target == offline and direct.ignore_capacity is True
    (reservation,) = ws.tasks(direct.sid).reservations.list()
    assert reservation.worker_sid == offline  # IgnoreCapacity: availability does not matter
    polite = ws.tasks.create(
        attributes="{}", workflow_sid=workflow, routing_target=offline, ignore_capacity=False
    )
    assert ws.tasks(polite.sid).fetch().assignment_status == "pending"  # not the idle worker
    assert ws.workers(idle).reservations.list() == []  # only the named worker may take it
    queued = ws.tasks.create(attributes="{}", routing_target=other, workflow_sid=workflow)
    assert queued.task_queue_sid == queue  # an explicit workflow wins over a queue target
    straight = ws.tasks.create(attributes="{}", routing_target=other)
    assert straight.task_queue_sid == other and straight.workflow_sid is None


def test_attribute_change_and_re_evaluate_tasks_move_pending_tasks(
    sdk: Any, quickstart: Any
) -> None:
    ws = sdk.taskrouter.v1.workspaces(quickstart.workspace_sid)
    spanish = quickstart.queues["Customer Care Requests - Spanish"]
    english = quickstart.queues["Customer Care Requests - English"]
    task = ws.tasks.create(
        attributes='{"selected_language": "es"}', workflow_sid=quickstart.workflow_sid
    )
    assert task.task_queue_sid == spanish
    moved = ws.tasks(task.sid).update(attributes='{"selected_language": "en"}')
    assert moved.task_queue_sid == english
    everything_spanish = {"task_routing": {"default_filter": {"queue": spanish}}}
    ws.workflows(quickstart.workflow_sid).update(
        configuration=json.dumps(everything_spanish), re_evaluate_tasks="true"
    )
    assert ws.tasks(task.sid).fetch().task_queue_sid == spanish
    assert "task-queue.moved" in [e.event_type for e in ws.events.list(task_sid=task.sid)]
