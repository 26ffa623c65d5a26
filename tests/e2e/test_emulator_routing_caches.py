"""Routing's shortcuts answer as routing without them would (core/eligibility.py): free workers
read a page at a time, verdicts cached per routing class and worker state, routing classes that
tell apart the tasks a target judges differently."""

from __future__ import annotations

import json
from typing import Any

import pytest
from emulator_rules import held_by, one_target, workspace

PAGE = 64  # eligibility.BATCH: free workers read per query


def known_worker_queue(sdk: Any, **queue: Any) -> tuple[Any, str, dict[str, str]]:
    """A workspace whose one target reserves the worker the task names (`task.worker`)."""
    ws, workflow, activities, _ = one_target(sdk, {"known_worker_sid": "task.worker"}, **queue)
    return ws, workflow, activities


def free_workers(ws: Any, activities: dict[str, str], count: int, prefix: str) -> list[str]:
    """`count` Available workers made at the same instant (so ordered by SID), sorted by SID."""
    made = [
        ws.workers.create(friendly_name=f"{prefix}{n}", activity_sid=activities["Available"]).sid
        for n in range(count)
    ]
    return sorted(made)


def reservations_of(ws: Any, task: str) -> list[str]:
    return sorted(r.worker_sid for r in ws.tasks(task).reservations.list())


def offer(ws: Any, workflow: str, worker: str) -> list[str]:
    """Create a task for `worker` and return whom it was offered to; then cancel it (the worker
    is free again, its place in the free list unchanged)."""
    task = ws.tasks.create(attributes=json.dumps({"worker": worker}), workflow_sid=workflow).sid
    offered = reservations_of(ws, task)
    ws.tasks(task).update(assignment_status="canceled", reason="checked")
    return offered


def test_free_workers_past_the_first_page_within_one_instant(emulator: Any, sdk: Any) -> None:
    """66 workers idle since the same instant and one idle since a second later: the page
    boundary falls inside the tie. Every worker is found exactly once (kills a last page taken
    for a full one, the next page keyed on the wrong column or the wrong row, which skip workers,
    loop, or offer a worker twice to a task that may reserve two)."""
    ws, workflow, activities = known_worker_queue(sdk, max_reserved_workers=2)
    tied = free_workers(ws, activities, PAGE + 2, "A")
    emulator.advance(1)
    (later,) = free_workers(ws, activities, 1, "C")
    for wanted in (tied[PAGE - 1], tied[PAGE], tied[PAGE + 1], later):
        assert offer(ws, workflow, wanted) == [wanted]


def test_free_workers_past_the_first_page_across_instants(emulator: Any, sdk: Any) -> None:
    """63 workers idle since t=0 and three since t=1: the first page ends with the first of
    those three. The next page starts after it, not after the instant of another row (kills
    reading the date of the first or next-to-last row, which offers that worker twice)."""
    ws, workflow, activities = known_worker_queue(sdk, max_reserved_workers=2)
    free_workers(ws, activities, PAGE - 1, "A")
    emulator.advance(1)
    later = free_workers(ws, activities, 3, "B")
    for wanted in later:
        assert offer(ws, workflow, wanted) == [wanted]


def expression_queue(
    sdk: Any, expression: str, **queue: Any
) -> tuple[Any, str, dict[str, str], str]:
    """A workspace whose one target has this worker expression; returns it, the workflow, the
    activities and the queue."""
    return one_target(sdk, {"expression": expression}, **queue)


def test_tasks_whose_read_attributes_differ_are_judged_apart(emulator: Any, sdk: Any) -> None:
    """The target reads task.team: a blue task Red may not take does not make Red refuse a red
    task (kills a routing class that leaves out the task attributes the target reads)."""
    ws, workflow, activities, _ = expression_queue(sdk, "task.team == worker.team")
    red = ws.workers.create(
        friendly_name="Red", attributes='{"team": "red"}', activity_sid=activities["Available"]
    ).sid
    blue_task = ws.tasks.create(attributes='{"team": "blue"}', workflow_sid=workflow).sid
    red_task = ws.tasks.create(attributes='{"team": "red"}', workflow_sid=workflow).sid
    assert held_by(ws, red) == [red_task]
    assert ws.tasks(blue_task).fetch().assignment_status == "pending"


def test_a_cached_no_stays_no_for_the_same_worker(emulator: Any, sdk: Any) -> None:
    """Two tasks of one routing class and a worker the target refuses: the second task reads
    the first one's verdict, which is no (kills returning the cached stamp, a true value)."""
    ws, workflow, activities, _ = expression_queue(sdk, "worker.level > 5")
    low = ws.workers.create(
        friendly_name="Low", attributes='{"level": 3}', activity_sid=activities["Available"]
    ).sid
    for _ in range(2):
        ws.tasks.create(attributes="{}", workflow_sid=workflow)
    assert held_by(ws, low) == []


@pytest.mark.parametrize("rule", ["target", "queue"])
def test_a_worker_whose_attributes_changed_is_judged_again(
    emulator: Any, sdk: Any, rule: str
) -> None:
    """Low is refused (by the target expression, or by the queue's TargetWorkers) while a task
    waits; raised to level 7 it is judged again and takes the task (kills a cached verdict kept
    although the worker changed)."""
    if rule == "target":
        ws, workflow, activities, _ = expression_queue(sdk, "worker.level > 5")
    else:
        ws, workflow, activities, _ = expression_queue(sdk, "1==1", target_workers="level > 5")
    low = ws.workers.create(
        friendly_name="Low", attributes='{"level": 3}', activity_sid=activities["Available"]
    ).sid
    task = ws.tasks.create(attributes="{}", workflow_sid=workflow).sid
    assert held_by(ws, low) == []
    ws.workers(low).update(attributes='{"level": 7}')
    assert held_by(ws, low) == [task]


def test_a_new_target_expression_is_judged_afresh(emulator: Any, sdk: Any) -> None:
    """The workflow's target expression changes from `level > 5` to `level > 1` while a task
    waits and Low (level 3) stays free: re-evaluated, the task goes to Low (kills a routing
    class that leaves out the target's rules, which keeps the old verdict)."""
    ws, workflow, activities, queue = expression_queue(sdk, "worker.level > 5")
    low = ws.workers.create(
        friendly_name="Low", attributes='{"level": 3}', activity_sid=activities["Available"]
    ).sid
    task = ws.tasks.create(attributes="{}", workflow_sid=workflow).sid
    assert held_by(ws, low) == []
    routing = {
        "filters": [
            {"filter_friendly_name": "All", "expression": "1==1",
             "targets": [{"queue": queue, "expression": "worker.level > 1"}]}
        ]
    }  # fmt: skip
    ws.workflows(workflow).update(
        configuration=json.dumps({"task_routing": routing}), re_evaluate_tasks="true"
    )
    assert held_by(ws, low) == [task]


def test_waiting_tasks_take_a_changed_target_without_re_evaluation(emulator: Any, sdk: Any) -> None:
    """Without ReEvaluateTasks the waiting task keeps its place, but its routing class follows
    the new configuration: when Low next looks for work (its channel changes, nothing about Low
    itself) the new expression admits it (kills not reclassifying the waiting tasks)."""
    ws, workflow, activities, queue = expression_queue(sdk, "worker.level > 5")
    low = ws.workers.create(
        friendly_name="Low", attributes='{"level": 3}', activity_sid=activities["Available"]
    ).sid
    task = ws.tasks.create(attributes="{}", workflow_sid=workflow).sid
    routing = {
        "filters": [
            {"filter_friendly_name": "All", "expression": "1==1",
             "targets": [{"queue": queue, "expression": "worker.level > 1"}]}
        ]
    }  # fmt: skip
    ws.workflows(workflow).update(configuration=json.dumps({"task_routing": routing}))
    assert held_by(ws, low) == []
    ws.workers(low).worker_channels("default").update(capacity=1)
    assert held_by(ws, low) == [task]


def test_target_workers_see_the_activity_name(emulator: Any, sdk: Any) -> None:
    """TargetWorkers reading activity_name admits a worker in that activity (kills a worker
    view whose activity name is empty)."""
    ws, workflow, activities, _ = expression_queue(
        sdk, "1==1", target_workers="activity_name == 'Available'"
    )
    ann = ws.workers.create(friendly_name="Ann", activity_sid=activities["Available"]).sid
    task = ws.tasks.create(attributes="{}", workflow_sid=workflow).sid
    assert held_by(ws, ann) == [task]


def test_a_task_put_straight_into_a_queue_has_no_target_to_pass(emulator: Any, sdk: Any) -> None:
    """A task created with TaskQueueSid (no workflow) goes to any free member of the queue
    (kills refusing every worker when the task sits in no workflow target)."""
    ws, activities = workspace(sdk)
    queue = ws.task_queues.create(friendly_name="Q").sid
    ann = ws.workers.create(friendly_name="Ann", activity_sid=activities["Available"]).sid
    task = ws.tasks.create(attributes="{}", task_queue_sid=queue).sid
    assert held_by(ws, ann) == [task]
