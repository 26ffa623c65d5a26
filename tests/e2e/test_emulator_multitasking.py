"""Multitasking workspaces: activities stay as the worker set them, and a queue routes several
task channels until each channel's capacity is used up."""

from __future__ import annotations

from typing import Any

from emulator_rules import flow, held_by, workspace


def test_accepting_leaves_the_worker_in_its_activity(emulator: Any, sdk: Any) -> None:
    """The queue's reservation and assignment activities apply to single-tasking workspaces
    only: kills the mutant that moves the worker to Busy on accept in a multitasking one."""
    ws, activities = workspace(sdk, multi=True)
    reserved = ws.activities.create(friendly_name="Reserved", available=False).sid
    busy = ws.activities.create(friendly_name="Busy", available=False).sid
    queue = ws.task_queues.create(
        friendly_name="Q", reservation_activity_sid=reserved, assignment_activity_sid=busy
    ).sid
    workflow = flow(ws, {"default_filter": {"queue": queue}})
    worker = ws.workers.create(friendly_name="M", activity_sid=activities["Available"]).sid
    task = ws.tasks.create(attributes="{}", workflow_sid=workflow).sid
    (reservation,) = ws.tasks(task).reservations.list()
    assert ws.workers(worker).fetch().activity_name == "Available"
    ws.tasks(task).reservations(reservation.sid).update(reservation_status="accepted")
    assert ws.tasks(task).fetch().assignment_status == "assigned"
    assert ws.workers(worker).fetch().activity_name == "Available"
    types = [e.event_type for e in ws.events.list(worker_sid=worker)]
    assert "worker.activity.update" not in types[: types.index("reservation.accepted") + 1]


def test_one_queue_routes_several_channels_to_exhaustion(emulator: Any, sdk: Any) -> None:
    """Chat and voice tasks wait in one queue until it targets two workers (capacity 1 on each
    channel); one routing pass then reserves both chat slots, skips the third chat task once
    chat is exhausted and still reserves the voice tasks. Kills the mutant that iterates an
    exhausted channel's pool (None) in Router.route_queue: a 500 on the queue update."""
    ws, activities = workspace(sdk, multi=True)
    queue = ws.task_queues.create(friendly_name="Q", target_workers="ready == true").sid
    workflow = flow(ws, {"default_filter": {"queue": queue}})
    workers = []
    for name in ("First", "Second"):
        workers.append(
            ws.workers.create(
                friendly_name=name, attributes="{}", activity_sid=activities["Available"]
            ).sid
        )
        emulator.advance(1)
    channels = ["chat", "chat", "chat", "voice", "voice", "voice"]
    tasks = [
        ws.tasks.create(attributes="{}", workflow_sid=workflow, task_channel=channel).sid
        for channel in channels
    ]
    assert {ws.tasks(t).fetch().assignment_status for t in tasks} == {"pending"}
    ws.task_queues(queue).update(target_workers="1==1")
    statuses = [ws.tasks(t).fetch().assignment_status for t in tasks]
    assert statuses == ["reserved", "reserved", "pending", "reserved", "reserved", "pending"]
    first, second = workers
    assert held_by(ws, first) == [tasks[0], tasks[3]]  # idle longest: the first of each channel
    assert held_by(ws, second) == [tasks[1], tasks[4]]


def test_a_worker_with_room_for_many_takes_every_task_waiting_for_it(
    emulator: Any, sdk: Any
) -> None:
    """Capacity 50 on chat and on voice, 70 tasks waiting (35 of each): becoming available, the
    worker takes all 70 in one go. It used to stop after 64 reservations a routing pass and
    leave 6 tasks waiting beside a free worker with room for them."""
    ws, activities = workspace(sdk, multi=True)
    queue = ws.task_queues.create(friendly_name="Q").sid
    workflow = flow(ws, {"default_filter": {"queue": queue}})
    worker = ws.workers.create(friendly_name="Many", activity_sid=activities["Offline"]).sid
    for channel in ("chat", "voice"):
        ws.workers(worker).worker_channels(channel).update(capacity=50)
        for _ in range(35):
            ws.tasks.create(attributes="{}", workflow_sid=workflow, task_channel=channel)
    ws.workers(worker).update(activity_sid=activities["Available"])
    assert len(held_by(ws, worker)) == 70
    assert ws.task_queues(queue).statistics().fetch().cumulative["reservations_created"] == 70
