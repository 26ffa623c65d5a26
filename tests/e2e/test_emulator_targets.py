"""Workflow targets inside the emulator: expression, known_worker_*, order_by and skip_if decide
which worker is reserved, whether the task arrives before or after the workers are free."""

from __future__ import annotations

import json
from typing import Any

from emulator_rules import flow, held_by, workspace


def one_queue(
    sdk: Any, emulator: Any, target: dict[str, Any], workers: dict[str, dict[str, Any]]
) -> tuple[Any, str, dict[str, str], dict[str, str]]:
    """A workspace routing every task to one queue through `target`; the workers are created
    Available in order, a second apart (the first has been idle longest).
    Returns the workspace, the workflow, the workers' SIDs by name and the activities."""
    ws, activities = workspace(sdk)
    queue = ws.task_queues.create(friendly_name="Q").sid
    routing = {
        "filters": [
            {"filter_friendly_name": "All", "expression": "1==1",
             "targets": [{"queue": queue, **target}]}
        ]
    }  # fmt: skip
    sids = {}
    for name, attributes in workers.items():
        sids[name] = ws.workers.create(
            friendly_name=name,
            attributes=json.dumps(attributes),
            activity_sid=activities["Available"],
        ).sid
        emulator.advance(1)
    return ws, flow(ws, routing), sids, activities


def test_target_expression_compares_task_and_worker(emulator: Any, sdk: Any) -> None:
    """Kills a broken task view (Router.task_view without the task's attributes): the target
    expression reads `task.team`, so every task would wait although Blue is free."""
    ws, workflow, sids, _ = one_queue(
        sdk, emulator, {"expression": "task.team == worker.team"},
        {"Red": {"team": "red"}, "Blue": {"team": "blue"}},
    )  # fmt: skip
    task = ws.tasks.create(attributes='{"team": "blue"}', workflow_sid=workflow).sid
    assert held_by(ws, sids["Blue"]) == [task]
    assert held_by(ws, sids["Red"]) == []  # idle longer, but the expression says no


def test_target_expression_when_the_worker_becomes_available(emulator: Any, sdk: Any) -> None:
    """The same rule on the other path (Router.route_worker: the task waits, then workers
    become available); kills passing no target there."""
    ws, workflow, sids, activities = one_queue(
        sdk, emulator, {"expression": "task.team == worker.team"},
        {"Red": {"team": "red"}, "Blue": {"team": "blue"}},
    )  # fmt: skip
    for sid in sids.values():
        ws.workers(sid).update(activity_sid=activities["Offline"])
    task = ws.tasks.create(attributes='{"team": "blue"}', workflow_sid=workflow).sid
    ws.workers(sids["Red"]).update(activity_sid=activities["Available"])
    assert held_by(ws, sids["Red"]) == []
    assert ws.tasks(task).fetch().assignment_status == "pending"
    ws.workers(sids["Blue"]).update(activity_sid=activities["Available"])
    assert held_by(ws, sids["Blue"]) == [task]


def test_known_worker_sid_from_the_task(emulator: Any, sdk: Any) -> None:
    """known_worker_sid read from `task.agent`: only that worker, though another idled longer;
    a task naming nobody known waits. Kills the broken task view on known-worker targets."""
    ws, workflow, sids, _ = one_queue(
        sdk, emulator, {"known_worker_sid": "task.agent"}, {"Red": {}, "Blue": {}}
    )
    task = ws.tasks.create(attributes=json.dumps({"agent": sids["Blue"]}), workflow_sid=workflow)
    assert held_by(ws, sids["Blue"]) == [task.sid]
    stranger = ws.tasks.create(attributes='{"agent": "WK0"}', workflow_sid=workflow).sid
    assert ws.tasks(stranger).fetch().assignment_status == "pending"
    assert held_by(ws, sids["Red"]) == []


def test_known_worker_friendly_name_through_the_task(emulator: Any, sdk: Any) -> None:
    """known_worker_friendly_name: `task.<attr>` is looked up in the task (a nested object);
    through a non-object (`agent` is text) it names nobody, and routing does not fail.
    Kills the mutant that lets _lookup index into a string (`"name" in "name-less"`)."""
    ws, workflow, sids, _ = one_queue(
        sdk, emulator, {"known_worker_friendly_name": "task.agent.name"}, {"Red": {}, "Blue": {}}
    )
    nested = ws.tasks.create(attributes='{"agent": {"name": "Blue"}}', workflow_sid=workflow)
    assert held_by(ws, sids["Blue"]) == [nested.sid]
    text = ws.tasks.create(attributes='{"agent": "name-less"}', workflow_sid=workflow)
    assert text.assignment_status == "pending"
    assert held_by(ws, sids["Red"]) == []


def test_order_by_puts_booleans_and_non_objects_last(emulator: Any, sdk: Any) -> None:
    """order_by worker.skill.level DESC: a number wins; `true` does not sort as 1 and a string
    `skill` does not crash routing: both count as missing, after every worker that has a value.
    Kills the mutants that drop _sortable's bool case or _lookup's Mapping check."""
    ws, workflow, sids, _ = one_queue(
        sdk, emulator, {"order_by": "worker.skill.level DESC"},
        {
            "Yes": {"skill": {"level": True}},
            "Text": {"skill": "level"},
            "Zero": {"skill": {"level": 0}},
            "Two": {"skill": {"level": 2}},
        },
    )  # fmt: skip
    offered = []
    for _ in sids:
        task = ws.tasks.create(attributes="{}", workflow_sid=workflow).sid
        (reservation,) = ws.tasks(task).reservations.list()
        offered.append(reservation.worker_name)
    # with a value, highest first; then the missing ones, longest idle first
    assert offered == ["Two", "Zero", "Yes", "Text"]


def skipping_workspace(sdk: Any) -> tuple[Any, str, str, str, str]:
    """VIP first (skip_if always true), then Everyone; V is the one VIP worker.
    Returns the workspace, the workflow, VIP, Everyone and V."""
    ws, activities = workspace(sdk)
    vip = ws.task_queues.create(friendly_name="VIP", target_workers="vip == true").sid
    everyone = ws.task_queues.create(friendly_name="Everyone").sid
    routing = {
        "filters": [
            {"filter_friendly_name": "All", "expression": "1==1",
             "targets": [{"queue": vip, "skip_if": "1==1"}, {"queue": everyone}]}
        ]
    }  # fmt: skip
    v = ws.workers.create(
        friendly_name="V", attributes='{"vip": true}', activity_sid=activities["Available"]
    ).sid
    return ws, flow(ws, routing), vip, everyone, v


def test_skip_if_does_not_skip_a_target_with_a_free_worker(emulator: Any, sdk: Any) -> None:
    """skip_if applies only when nobody could take the task at once: V is free, so the task is
    reserved in VIP. Kills the mutant that evaluates skip_if without looking for a free worker."""
    ws, workflow, vip, _, v = skipping_workspace(sdk)
    task = ws.tasks.create(attributes="{}", workflow_sid=workflow)
    assert (task.task_queue_sid, task.assignment_status) == (vip, "reserved")
    assert held_by(ws, v) == [task.sid]
    assert ws.events.list(task_sid=task.sid, event_type="workflow.skipped") == []


def test_skip_if_skips_when_the_only_worker_is_at_capacity(emulator: Any, sdk: Any) -> None:
    """V is in an available activity but holds a reservation (single-tasking: no capacity left),
    so the next task skips VIP. Kills the mutant that counts a worker at capacity as free."""
    ws, workflow, vip, everyone, v = skipping_workspace(sdk)
    first = ws.tasks.create(attributes="{}", workflow_sid=workflow).sid
    assert held_by(ws, v) == [first]
    second = ws.tasks.create(attributes="{}", workflow_sid=workflow)
    assert (second.task_queue_sid, second.assignment_status) == (everyone, "pending")
    (skipped,) = ws.events.list(task_sid=second.sid, event_type="workflow.skipped")
    assert skipped.event_data["task_queue_sid"] == vip
