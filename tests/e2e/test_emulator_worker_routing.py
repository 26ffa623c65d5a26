"""A worker that becomes free takes the best task it may (core/routing.py route_worker): across
its queues, higher priority first, then the longest in the queue; past tasks it may not take;
a second slot of a task offered to several workers at once, never a third."""

from __future__ import annotations

import json
from typing import Any

from emulator_callbacks import CallbackServer, defer
from emulator_rules import flow, held_by, one_target, workspace


def offline_worker(ws: Any, activities: dict[str, str], name: str, **attributes: Any) -> str:
    return ws.workers.create(
        friendly_name=name, attributes=json.dumps(attributes), activity_sid=activities["Offline"]
    ).sid


def available(ws: Any, activities: dict[str, str], worker: str) -> None:
    ws.workers(worker).update(activity_sid=activities["Available"])


def two_queues(sdk: Any, **first: Any) -> tuple[Any, str, dict[str, str], str, str]:
    """Tasks with q=1 go to Q1 (made first), q=2 to Q2. Returns the workspace, the workflow,
    the activities and both queues."""
    ws, activities = workspace(sdk)
    q1 = ws.task_queues.create(friendly_name="Q1", **first).sid
    q2 = ws.task_queues.create(friendly_name="Q2").sid
    routing = {
        "filters": [
            {"filter_friendly_name": "One", "expression": "q == 1", "targets": [{"queue": q1}]},
            {"filter_friendly_name": "Two", "expression": "q == 2", "targets": [{"queue": q2}]},
        ]
    }
    return ws, flow(ws, routing), activities, q1, q2


def test_a_worker_outside_the_first_queue_takes_from_the_next(emulator: Any, sdk: Any) -> None:
    """Kills stopping at the first queue the worker is not a member of."""
    ws, workflow, activities, _, _ = two_queues(sdk, target_workers="skill == 'x'")
    ann = offline_worker(ws, activities, "Ann")
    task = ws.tasks.create(attributes='{"q": 2}', workflow_sid=workflow).sid
    available(ws, activities, ann)
    assert held_by(ws, ann) == [task]


def test_the_higher_priority_task_wins_across_queues(emulator: Any, sdk: Any) -> None:
    """Q1 holds a priority-5 task, Q2 a priority-1 task made earlier: Ann, a member of both,
    takes Q1's (kills keeping the later queue's task, and comparing the wrong halves)."""
    ws, workflow, activities, _, _ = two_queues(sdk)
    ann = offline_worker(ws, activities, "Ann")
    ws.tasks.create(attributes='{"q": 2}', workflow_sid=workflow, priority=1)
    urgent = ws.tasks.create(attributes='{"q": 1}', workflow_sid=workflow, priority=5).sid
    available(ws, activities, ann)
    assert held_by(ws, ann) == [urgent]


def one_queue_by_kind(sdk: Any, **queue: Any) -> tuple[Any, str, dict[str, str], str]:
    """One queue whose target expression reads task.kind (so tasks of each kind form their own
    routing class) and admits a worker whose `kinds` lists the task's kind."""
    return one_target(sdk, {"expression": "task.kind IN worker.kinds"}, **queue)


def test_priority_first_then_time_in_queue_across_routing_classes(emulator: Any, sdk: Any) -> None:
    """A priority-1 task waits longer than a priority-5 one of another class: the worker takes
    the priority-5 task (kills ranking by priority upwards)."""
    ws, workflow, activities, _ = one_queue_by_kind(sdk)
    ann = offline_worker(ws, activities, "Ann", kinds=["a", "b"])
    ws.tasks.create(attributes='{"kind": "a"}', workflow_sid=workflow, priority=1)
    emulator.advance(1)
    urgent = ws.tasks.create(attributes='{"kind": "b"}', workflow_sid=workflow, priority=5).sid
    available(ws, activities, ann)
    assert held_by(ws, ann) == [urgent]


def test_time_in_the_queue_not_creation_decides_between_classes(emulator: Any, sdk: Any) -> None:
    """Old was created first but entered Q2 only when its first target timed out; Young entered
    Q2 before that: a worker of Q2 takes Young (kills ranking tasks by creation order)."""
    ws, activities = workspace(sdk)
    q1 = ws.task_queues.create(friendly_name="Q1").sid
    q2 = ws.task_queues.create(friendly_name="Q2").sid
    routing = {
        "filters": [
            {"filter_friendly_name": "Old", "expression": "kind == 'old'",
             "targets": [{"queue": q1, "timeout": 10}, {"queue": q2}]},
            {"filter_friendly_name": "Young", "expression": "kind == 'young'",
             "targets": [{"queue": q2}]},
        ]
    }  # fmt: skip
    workflow = flow(ws, routing)
    ann = offline_worker(ws, activities, "Ann")
    old = ws.tasks.create(attributes='{"kind": "old"}', workflow_sid=workflow).sid
    emulator.advance(5)
    young = ws.tasks.create(attributes='{"kind": "young"}', workflow_sid=workflow).sid
    emulator.advance(5)
    assert ws.tasks(old).fetch().task_queue_sid == q2
    available(ws, activities, ann)
    assert held_by(ws, ann) == [young]


def test_a_task_routed_to_a_worker_waits_for_that_worker(emulator: Any, sdk: Any) -> None:
    """A task with RoutingTarget=Ann (IgnoreCapacity=false) waits while Ann is offline; Ben,
    free, does not take it, and Ann does when she becomes available (kills skipping the heads
    meant for this worker)."""
    ws, activities = workspace(sdk)
    queue = ws.task_queues.create(friendly_name="Q").sid
    workflow = flow(ws, {"default_filter": {"queue": queue}})
    ann = offline_worker(ws, activities, "Ann")
    ben = offline_worker(ws, activities, "Ben")
    task = ws.tasks.create(
        attributes="{}", workflow_sid=workflow, routing_target=ann, ignore_capacity=False
    ).sid
    available(ws, activities, ben)
    assert held_by(ws, ben) == []
    available(ws, activities, ann)
    assert held_by(ws, ann) == [task]


def test_a_worker_takes_the_next_task_of_a_class_past_one_it_rejected(
    emulator: Any, sdk: Any
) -> None:
    """Ann rejects the first task of a class: freed, she takes the second one (kills walking the
    class the wrong way from its head)."""
    ws, workflow, activities, _ = one_queue_by_kind(sdk)
    ann = ws.workers.create(
        friendly_name="Ann", attributes='{"kinds": ["a"]}', activity_sid=activities["Available"]
    ).sid
    first = ws.tasks.create(attributes='{"kind": "a"}', workflow_sid=workflow).sid
    emulator.advance(1)
    second = ws.tasks.create(attributes='{"kind": "a"}', workflow_sid=workflow).sid
    (reservation,) = ws.workers(ann).reservations.list()
    assert reservation.task_sid == first
    ws.tasks(first).reservations(reservation.sid).update(reservation_status="rejected")
    assert held_by(ws, ann) == [second]


def test_a_task_for_two_workers_offers_its_second_slot_to_the_next_free_one(
    emulator: Any, sdk: Any
) -> None:
    """MaxReservedWorkers=2: a new task is offered to both free workers at once; made while only
    Ann is free, its second slot goes to Ben when he becomes available (kills looking only at
    pending tasks, or offering a reserved task only one slot)."""
    ws, workflow, activities, _ = one_queue_by_kind(sdk, max_reserved_workers=2)
    ann, ben, cy = (offline_worker(ws, activities, n, kinds=["a"]) for n in ("Ann", "Ben", "Cy"))
    available(ws, activities, ann)
    available(ws, activities, ben)
    both = ws.tasks.create(attributes='{"kind": "a"}', workflow_sid=workflow).sid
    assert (held_by(ws, ann), held_by(ws, ben)) == ([both], [both])
    ws.tasks(both).update(assignment_status="canceled", reason="next case")
    ws.workers(ben).update(activity_sid=activities["Offline"])
    second = ws.tasks.create(attributes='{"kind": "a"}', workflow_sid=workflow).sid
    assert (held_by(ws, ann), held_by(ws, ben)) == ([second], [])
    available(ws, activities, ben)
    assert held_by(ws, ben) == [second]
    available(ws, activities, cy)  # the task has no third slot
    assert held_by(ws, cy) == []


def test_a_task_for_a_deleted_worker_keeps_waiting(emulator: Any, sdk: Any) -> None:
    """Ann rejects the task routed to her (IgnoreCapacity) and is deleted; updating the task
    then routes it again, finds no worker and leaves it pending (kills a route_direct that reads
    the missing worker: a 500)."""
    ws, activities = workspace(sdk)
    queue = ws.task_queues.create(friendly_name="Q").sid
    workflow = flow(ws, {"default_filter": {"queue": queue}})
    ann = offline_worker(ws, activities, "Ann")
    task = ws.tasks.create(attributes="{}", workflow_sid=workflow, routing_target=ann).sid
    (reservation,) = ws.tasks(task).reservations.list()
    ws.tasks(task).reservations(reservation.sid).update(reservation_status="rejected")
    assert held_by(ws, ann) == []  # who rejected a task is not offered it again
    ws.workers(ann).delete()
    assert ws.tasks(task).update(priority=3).assignment_status == "pending"


def test_a_task_outside_any_workflow_is_reserved_for_120_seconds(emulator: Any, sdk: Any) -> None:
    """A task put straight into a queue has no workflow TaskReservationTimeout: its reservation
    lasts Twilio's default, 120 s (kills 119 and 121)."""
    ws, activities = workspace(sdk)
    queue = ws.task_queues.create(friendly_name="Q").sid
    ann = ws.workers.create(friendly_name="Ann", activity_sid=activities["Available"]).sid
    task = ws.tasks.create(attributes="{}", task_queue_sid=queue).sid
    emulator.advance(119)
    assert held_by(ws, ann) == [task]
    emulator.advance(1)
    assert held_by(ws, ann, "timeout") == [task]


def test_the_assignment_callback_names_the_workflow_queue_and_task_age(
    emulator: Any, sdk: Any
) -> None:
    """The task waits 7 s for Ann: the assignment callback says TaskAge 7 and names the workflow
    and the queue (kills an age counted the wrong way and empty SIDs)."""
    with CallbackServer(emulator.auth_token, defer) as app:
        ws, activities = workspace(sdk)
        queue = ws.task_queues.create(friendly_name="Q").sid
        workflow = flow(ws, {"default_filter": {"queue": queue}}, assignment_callback_url=app.url())
        ann = offline_worker(ws, activities, "Ann")
        task = ws.tasks.create(attributes="{}", workflow_sid=workflow).sid
        emulator.advance(7)
        available(ws, activities, ann)
        assert emulator.wait_idle(5)
        (sent,) = [r.params for r in app.received]
    assert (sent["TaskSid"], sent["WorkerSid"]) == (task, ann)
    assert (sent["WorkflowSid"], sent["TaskQueueSid"], sent["TaskAge"]) == (workflow, queue, "7")


# -- a head the worker cannot take does not end the search ---------------------------------------
# A worker looks at the first task of each routing class of its queues, in the order of the
# classes' keys (digests of SIDs and the attribute values the target reads). Each test below
# makes a pair of tasks, one the worker must pass over and one it takes, until the first one's
# class sorts before the other's (half the pairs do; the others are canceled).

EXPRESSION = {"expression": "task.kind != 'never' and task.ok == true"}  # reads kind and ok


def routing_class(emulator: Any, task: str) -> str:
    row = emulator.store.one("SELECT routing_class FROM tasks WHERE sid = ?", (task,))
    return str(row["routing_class"])


def passed_over_first(emulator: Any, ws: Any, make: Any) -> tuple[str, str]:
    """make(n) creates a pair (the task to pass over, the task to take) with kinds x<n>, m<n>;
    returns the first pair whose task to pass over sorts first."""
    for n in range(64):
        skipped, taken = make(n)
        if routing_class(emulator, skipped) < routing_class(emulator, taken):
            return skipped, taken
        for task in (skipped, taken):
            ws.tasks(task).update(assignment_status="canceled", reason="sorted the other way")
    raise AssertionError("64 pairs sorted the other way")


def kind(n: int, prefix: str, ok: bool = True) -> str:
    return json.dumps({"kind": f"{prefix}{n}", "ok": ok})


def test_a_head_the_worker_does_not_fit_is_passed_over(emulator: Any, sdk: Any) -> None:
    """Kills stopping at the first class head whose target refuses the worker."""
    ws, workflow, activities, _ = one_target(sdk, EXPRESSION)
    ann = offline_worker(ws, activities, "Ann")

    def pair(n: int) -> tuple[str, str]:
        refused = ws.tasks.create(attributes=kind(n, "x", ok=False), workflow_sid=workflow).sid
        return refused, ws.tasks.create(attributes=kind(n, "m"), workflow_sid=workflow).sid

    _, mine = passed_over_first(emulator, ws, pair)
    available(ws, activities, ann)
    assert held_by(ws, ann) == [mine]


def test_a_head_routed_to_another_worker_is_passed_over(emulator: Any, sdk: Any) -> None:
    """Kills stopping at the first class head that names another worker (RoutingTarget)."""
    ws, workflow, activities, _ = one_target(sdk, EXPRESSION)
    ann = offline_worker(ws, activities, "Ann")
    other = offline_worker(ws, activities, "Other")

    def pair(n: int) -> tuple[str, str]:
        theirs = ws.tasks.create(
            attributes=kind(n, "x"),
            workflow_sid=workflow,
            routing_target=other,
            ignore_capacity=False,
        ).sid
        return theirs, ws.tasks.create(attributes=kind(n, "m"), workflow_sid=workflow).sid

    _, mine = passed_over_first(emulator, ws, pair)
    available(ws, activities, ann)
    assert held_by(ws, ann) == [mine]


def test_a_class_whose_tasks_the_worker_rejected_is_passed_over(emulator: Any, sdk: Any) -> None:
    """Ann rejects the only task of a class that sorts first; freed, she takes the task of the
    next class (kills stopping at a class with no task she may take)."""
    ws, workflow, activities, _ = one_target(sdk, EXPRESSION)
    ann = offline_worker(ws, activities, "Ann")

    def pair(n: int) -> tuple[str, str]:
        urgent = ws.tasks.create(attributes=kind(n, "x"), workflow_sid=workflow, priority=5).sid
        return urgent, ws.tasks.create(attributes=kind(n, "m"), workflow_sid=workflow).sid

    rejected, mine = passed_over_first(emulator, ws, pair)
    available(ws, activities, ann)
    (reservation,) = ws.workers(ann).reservations.list()
    assert reservation.task_sid == rejected  # the higher priority first
    ws.tasks(rejected).reservations(reservation.sid).update(reservation_status="rejected")
    assert held_by(ws, ann) == [mine]


def test_a_head_on_a_channel_without_room_is_passed_over(emulator: Any, sdk: Any) -> None:
    """Multitasking: Ann's voice channel is off, chat has room; she takes the chat task past the
    voice one (kills stopping at the first class head on a channel she has no room on)."""
    ws, workflow, activities, _ = one_target(sdk, EXPRESSION, multi=True)
    ann = offline_worker(ws, activities, "Ann")
    ws.workers(ann).worker_channels("voice").update(available=False)

    def pair(n: int) -> tuple[str, str]:
        voice = ws.tasks.create(
            attributes=kind(n, "x"), workflow_sid=workflow, task_channel="voice"
        )
        chat = ws.tasks.create(attributes=kind(n, "m"), workflow_sid=workflow, task_channel="chat")
        return voice.sid, chat.sid

    _, chat = passed_over_first(emulator, ws, pair)
    available(ws, activities, ann)
    assert held_by(ws, ann) == [chat]


def test_workers_made_eligible_at_once_take_tasks_by_priority(emulator: Any, sdk: Any) -> None:
    """MaxReservedWorkers=2, and a TargetWorkers change makes Ann and Ben eligible together.
    Ann fits only the priority-0 task; Ben fits it and a priority-10 one. Ben takes the
    priority-10 task, as TaskRouter assigns by priority: Ann's reservation used to re-offer her
    task at once to the next free worker, so Ben got the priority-0 task and the other waited."""
    ws, workflow, activities, queue = one_queue_by_kind(
        sdk, max_reserved_workers=2, target_workers="team == 'x'"
    )
    ann = offline_worker(ws, activities, "Ann", kinds=["a"], team="y")
    ben = offline_worker(ws, activities, "Ben", kinds=["a", "b"], team="y")
    available(ws, activities, ann)
    available(ws, activities, ben)
    low = ws.tasks.create(attributes='{"kind": "a"}', workflow_sid=workflow, priority=0).sid
    high = ws.tasks.create(attributes='{"kind": "b"}', workflow_sid=workflow, priority=10).sid
    assert (held_by(ws, ann), held_by(ws, ben)) == ([], [])
    ws.task_queues(queue).update(target_workers="team == 'y'")
    assert (held_by(ws, ann), held_by(ws, ben)) == ([low], [high])


def test_a_rejected_task_goes_past_the_worker_who_rejected_it(emulator: Any, sdk: Any) -> None:
    """Multitasking, so Ann stays available and longest idle after rejecting: routing the task
    again passes over her to Ben (kills stopping at the first excluded worker)."""
    ws, workflow, activities, _ = one_target(sdk, {}, multi=True)
    ann = offline_worker(ws, activities, "Ann")
    ben = offline_worker(ws, activities, "Ben")
    available(ws, activities, ann)
    emulator.advance(1)
    available(ws, activities, ben)
    task = ws.tasks.create(attributes="{}", workflow_sid=workflow).sid
    (reservation,) = ws.tasks(task).reservations.list()
    assert reservation.worker_sid == ann
    ws.tasks(task).reservations(reservation.sid).update(reservation_status="rejected")
    assert (held_by(ws, ann), held_by(ws, ben)) == ([], [task])
