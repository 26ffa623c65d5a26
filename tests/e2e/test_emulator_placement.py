"""Where a task sits in its workflow (core/placement.py) when a reservation ends, a target times
out or the workflow is re-evaluated, and what its events and ETag say about it."""

from __future__ import annotations

import json
from typing import Any

from emulator_http import call
from emulator_rules import flow, held_by, workspace

RESERVATION_TIMEOUT = 30


def two_targets(
    sdk: Any, first_timeout: int | None, *, second: bool = True
) -> tuple[Any, str, dict[str, str], str, str]:
    """One filter: Q1 (with this timeout, if any) then Q2 (when `second`). Returns the
    workspace, the workflow (reservations last 30 s), the activities and both queues."""
    ws, activities = workspace(sdk)
    q1 = ws.task_queues.create(friendly_name="Q1").sid
    q2 = ws.task_queues.create(friendly_name="Q2", target_workers="1 == 2").sid
    first: dict[str, Any] = {"queue": q1}
    if first_timeout is not None:
        first["timeout"] = first_timeout
    targets = [first, {"queue": q2}] if second else [first]
    routing = {
        "filters": [{"filter_friendly_name": "All", "expression": "1==1", "targets": targets}]
    }
    workflow = flow(ws, routing, task_reservation_timeout=RESERVATION_TIMEOUT)
    return ws, workflow, activities, q1, q2


def idle(ws: Any, activities: dict[str, str], *names: str) -> list[str]:
    return [
        ws.workers.create(friendly_name=name, activity_sid=activities["Available"]).sid
        for name in names
    ]


def event_types(ws: Any, task: str) -> list[str]:
    return [e.event_type for e in reversed(ws.events.list(task_sid=task))]


def test_a_rejected_task_stays_in_its_target(emulator: Any, sdk: Any) -> None:
    """Only a reservation timeout moves a task on to its next target; a reject leaves it in Q1
    (kills requeue's timed_out defaulting to true)."""
    ws, workflow, activities, q1, _ = two_targets(sdk, 100)
    idle(ws, activities, "Ann")
    task = ws.tasks.create(attributes="{}", workflow_sid=workflow).sid
    (reservation,) = ws.tasks(task).reservations.list()
    ws.tasks(task).reservations(reservation.sid).update(reservation_status="rejected")
    assert ws.tasks(task).fetch().task_queue_sid == q1


def test_a_timeout_in_a_target_without_timeout_stays_there(emulator: Any, sdk: Any) -> None:
    """Q1 has no timeout: Ann's reservation times out and the task stays in Q1 (kills moving on
    when the target has no deadline)."""
    ws, workflow, activities, q1, _ = two_targets(sdk, None)
    idle(ws, activities, "Ann")
    task = ws.tasks.create(attributes="{}", workflow_sid=workflow).sid
    emulator.advance(RESERVATION_TIMEOUT)
    assert ws.tasks(task).fetch().task_queue_sid == q1


def test_a_timeout_in_the_last_target_offers_the_task_to_the_next_worker(
    emulator: Any, sdk: Any
) -> None:
    """Q1 is the only target (timeout 100 s): Ann's reservation times out at 30 s, there is no
    target to move on to, and the task goes at once to Ben, idle (kills answering that it moved
    on, which leaves it waiting)."""
    ws, workflow, activities, q1, _ = two_targets(sdk, 100, second=False)
    ann = idle(ws, activities, "Ann")[0]
    emulator.advance(1)
    (ben,) = idle(ws, activities, "Ben")
    task = ws.tasks.create(attributes="{}", workflow_sid=workflow).sid
    assert held_by(ws, ann) == [task]
    emulator.advance(RESERVATION_TIMEOUT)
    assert held_by(ws, ben) == [task]
    assert ws.tasks(task).fetch().task_queue_sid == q1


def test_a_reservation_ending_when_the_target_does_times_the_task_out_of_it(
    emulator: Any, sdk: Any
) -> None:
    """Q1's timeout equals the reservation timeout: at 30 s the reservation ends as the target
    does, so the task times out of Q1 (task-queue.timeout) into Q2 (kills treating the target
    deadline as not yet reached at that very instant)."""
    ws, workflow, activities, _, q2 = two_targets(sdk, RESERVATION_TIMEOUT)
    idle(ws, activities, "Ann")
    task = ws.tasks.create(attributes="{}", workflow_sid=workflow).sid
    emulator.advance(RESERVATION_TIMEOUT)
    assert ws.tasks(task).fetch().task_queue_sid == q2
    assert "task-queue.timeout" in event_types(ws, task)


def test_re_evaluating_a_workflow_does_not_create_its_tasks_again(emulator: Any, sdk: Any) -> None:
    """ReEvaluateTasks runs waiting tasks through the workflow again: no second task.created or
    workflow.entered (kills place_task's entering defaulting to true)."""
    ws, workflow, _, _, _ = two_targets(sdk, None)
    task = ws.tasks.create(attributes="{}", workflow_sid=workflow).sid
    configuration = ws.workflows(workflow).fetch().configuration
    ws.workflows(workflow).update(configuration=configuration, re_evaluate_tasks="true")
    types = event_types(ws, task)
    assert (types.count("task.created"), types.count("workflow.entered")) == (1, 1)
    assert types.count("workflow.target-matched") == 2


def test_the_first_filter_names_its_expression(emulator: Any, sdk: Any) -> None:
    """workflow.target-matched carries WorkflowFilterExpression for any real filter, the first
    one (index 0) included, as Twilio's fixture does (kills `> 0`)."""
    ws, workflow, _, _, _ = two_targets(sdk, None)
    task = ws.tasks.create(attributes="{}", workflow_sid=workflow).sid
    (matched,) = [e for e in ws.events.list(task_sid=task, event_type="workflow.target-matched")]
    assert matched.event_data["workflow_filter_name"] == "All"
    assert json.loads(matched.event_data["workflow_filter_expression"]) == ["1==1"]


def test_the_etag_changes_when_a_rejected_task_waits_again(emulator: Any, sdk: Any) -> None:
    """Created, reserved, back to pending after the reject: three versions, three ETags (kills
    a requeue that leaves the version as it was or steps it back)."""
    ws, workflow, activities, _, _ = two_targets(sdk, None)
    task = ws.tasks.create(attributes="{}", workflow_sid=workflow).sid
    path = f"/v1/Workspaces/{ws._solution['sid']}/Tasks/{task}"

    def etag() -> str:
        return call(emulator, "GET", path).headers["ETag"]

    created = etag()
    idle(ws, activities, "Ann")
    reserved = etag()
    (reservation,) = ws.tasks(task).reservations.list()
    ws.tasks(task).reservations(reservation.sid).update(reservation_status="rejected")
    assert ws.tasks(task).fetch().assignment_status == "pending"
    assert len({created, reserved, etag()}) == 3


def test_a_task_is_canceled_at_its_thousandth_assignment(emulator: Any, sdk: Any) -> None:
    """The documented maximum assignment count, 1,000: Ann's reservations time out every second
    and, the workspace's timeout activity being Available, she is offered the task again each
    time; the 1,000th timeout cancels it (kills 999, 1001, `>`, and counting by 0 or 2)."""
    ws, activities = workspace(sdk)
    ws.update(timeout_activity_sid=activities["Available"])
    queue = ws.task_queues.create(friendly_name="Q").sid
    workflow = flow(ws, {"default_filter": {"queue": queue}}, task_reservation_timeout=1)
    idle(ws, activities, "Ann")
    task = ws.tasks.create(attributes="{}", workflow_sid=workflow).sid
    emulator.advance(999)
    assert ws.tasks(task).fetch().assignment_status == "reserved"
    emulator.advance(1)
    canceled = ws.tasks(task).fetch()
    assert (canceled.assignment_status, canceled.reason) == (
        "canceled", "Task exceeded the maximum assignment count",
    )  # fmt: skip


def test_a_skip_if_target_whose_queue_is_gone_is_skipped(emulator: Any, sdk: Any) -> None:
    """Q1 (with skip_if) was deleted after the workflow named it: nobody can take a task there,
    so skip_if passes over it to Q2 rather than canceling the task (kills not skipping)."""
    ws, _ = workspace(sdk)
    q1 = ws.task_queues.create(friendly_name="Q1").sid
    q2 = ws.task_queues.create(friendly_name="Q2").sid
    targets = [{"queue": q1, "skip_if": "workers.available == 0"}, {"queue": q2}]
    workflow = flow(
        ws, {"filters": [{"filter_friendly_name": "All", "expression": "1==1", "targets": targets}]}
    )
    ws.task_queues(q1).delete()
    task = ws.tasks.create(attributes="{}", workflow_sid=workflow).fetch()
    assert (task.assignment_status, task.task_queue_sid) == ("pending", q2)
    assert "workflow.skipped" in event_types(ws, task.sid)
