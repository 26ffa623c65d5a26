"""Workflow placement: which filter and target a task is in, queue entry, target timeouts."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from trctl.emulator.core.events import EventLog, queue_fields
from trctl.emulator.core.kernel import Service
from trctl.emulator.core.lifecycle import Lifecycle
from trctl.emulator.core.routing import Router
from trctl.emulator.core.store import Row
from trctl.workflow.config import Target, WorkflowConfig
from trctl.workflow.matching import choose_workers, skip_if_context
from trctl.workflow.walk import Placement, first_placement, next_placement

NO_MATCH_REASON = "Task did not match any workflow filter and the workflow has no default_filter"
FELL_OUT_REASON = "Task timed out of the last workflow target"
MAX_ASSIGNMENTS = 1000


@dataclass(eq=False)
class Placer(Service):
    """Runs a task through its workflow: first filter and target, the next target on a timeout,
    back to its queue when a reservation ends."""

    events: EventLog
    router: Router
    lifecycle: Lifecycle

    def place_task(self, task: Row, *, entering: bool = False) -> None:
        """(Re-)run the workflow for a pending task from its first filter; a new task (entering)
        gets its task.created and workflow.entered events, which name the queue it is headed for
        as Twilio's do."""
        workflow = self.kernel.load("workflows", task["workflow_sid"])
        config = self.kernel.workflow_config(workflow)
        attributes = json.loads(task["attributes"])
        skipped: list[Target] = []
        placement = first_placement(
            config, attributes, is_skipped=lambda target: self._skip(task, target, skipped)
        )
        if entering:
            queue = self.store.get("task_queues", placement.target.queue_sid) if placement else None
            upcoming = queue_fields(queue) if queue else {}
            self.events.task_event(task, "task.created", f"Task {task['sid']} created", upcoming)
            self.events.task_event(
                task,
                "workflow.entered",
                f"Task {task['sid']} entered Workflow {workflow['friendly_name']}",
                upcoming,
            )
        self._skipped_events(task, skipped)
        if placement is None:
            self.lifecycle.cancel_task(self.kernel.load("tasks", task["sid"]), NO_MATCH_REASON)
            return
        self._apply(task, placement, config)

    def advance_target(self, task: Row) -> None:
        """The task's current target timed out: move to the next one or fall out (cancel)."""
        workflow = self.kernel.load("workflows", task["workflow_sid"])
        config = self.kernel.workflow_config(workflow)
        queue = self.store.get("task_queues", task["task_queue_sid"] or "")
        if queue is not None:
            self.events.task_event(
                task,
                "task-queue.timeout",
                f"Task {task['sid']} timed out of TaskQueue {queue['friendly_name']}",
            )
        placement = self._next(task, config)
        if placement is None:
            self.events.task_event(
                task,
                "workflow.timeout",
                f"Task {task['sid']} timed out of Workflow {workflow['friendly_name']}",
            )
            self.lifecycle.cancel_task(self.kernel.load("tasks", task["sid"]), FELL_OUT_REASON)
            return
        self._apply(task, placement, config)

    def move_on_after_timeout(self, task: Row) -> bool:
        """A reservation timed out: the task re-evaluates and maps to its next target at once,
        whose timeout counts on from the current one's (the docs' Timeout Evaluation: Q1 and Q2
        of 10 s, a reservation timing out at t=8 moves the task to Q2 until t=20). False, and
        nothing changes, when the target has no timeout or is the last one."""
        if task["target_deadline"] is None or not task["workflow_sid"]:
            return False
        config = self.kernel.workflow_config(self.kernel.load("workflows", task["workflow_sid"]))
        placement = self._next(task, config)
        if placement is None:
            return False
        self._apply(task, placement, config, since=task["target_deadline"])
        return True

    def _next(self, task: Row, config: WorkflowConfig) -> Placement | None:
        """The placement after the task's current target (with workflow.skipped events)."""
        filter_index = task["filter_index"]
        current = Placement(
            filter_index=filter_index,
            target_index=task["target_index"],
            target=self.kernel.current_target(task),
            filter_name=config.filters[filter_index].name if filter_index >= 0 else "default",
        )
        skipped: list[Target] = []
        placement = next_placement(
            config,
            json.loads(task["attributes"]),
            current,
            is_skipped=lambda target: self._skip(task, target, skipped),
        )
        self._skipped_events(task, skipped)
        return placement

    def requeue(self, task_sid: str, *, timed_out: bool = False) -> None:
        """After a reservation ended: back to pending (when none is left) and route again;
        after a reservation timeout, in the next workflow target."""
        task = self.store.get("tasks", task_sid)
        if task is None or task["assignment_status"] != "reserved":
            return
        pending = self.store.scalar(
            "SELECT COUNT(*) FROM reservations WHERE task_sid = ? AND status = 'pending'",
            (task_sid,),
        )
        if pending:
            return
        self.store.update(
            "tasks",
            task_sid,
            {
                "assignment_status": "pending",
                "version": task["version"] + 1,
                "date_updated": self.kernel.now(),
            },
        )
        task = self.kernel.load("tasks", task_sid)
        if task["assignment_count"] >= MAX_ASSIGNMENTS:
            self.lifecycle.cancel_task(task, "Task exceeded the maximum assignment count")
            return
        if task["target_deadline"] is not None and task["target_deadline"] <= self.kernel.now():
            self.advance_target(task)
            return
        if timed_out and self.move_on_after_timeout(task):
            return
        self.router.route_task(task)

    def enter_queue(self, task: Row, queue: Row) -> None:
        """Put the task in the queue (with its events when it changes queue) and route it."""
        previous = task["task_queue_sid"]
        if previous != queue["sid"]:
            self.store.update(
                "tasks",
                task["sid"],
                {"task_queue_sid": queue["sid"], "queue_entered": self.kernel.now()},
            )
            task = self.kernel.load("tasks", task["sid"])
            if previous:
                self.events.task_event(
                    task,
                    "task-queue.moved",
                    f"Task {task['sid']} moved to TaskQueue {queue['friendly_name']}",
                )
            self.events.task_event(
                task,
                "task-queue.entered",
                f"Task {task['sid']} entered TaskQueue {queue['friendly_name']}",
            )
        self.router.route_task(self.kernel.load("tasks", task["sid"]))

    # -- inside placement -----------------------------------------------------------------------
    def _apply(
        self, task: Row, placement: Placement, config: WorkflowConfig, since: float | None = None
    ) -> None:
        """Put the task in the placement's target; its timeout counts from `since` (else now)."""
        target = placement.target
        queue = self.store.get("task_queues", target.queue_sid, task["workspace_sid"])
        if queue is None:
            self.lifecycle.cancel_task(task, f"TaskQueue {target.queue_sid} no longer exists")
            return
        # A target priority replaces the task's; a target without one keeps the current priority.
        priority = target.priority if target.priority is not None else task["priority"]
        start = self.kernel.now() if since is None else since
        deadline = self.kernel.arm(start + target.timeout if target.timeout else None)
        self.store.update(
            "tasks",
            task["sid"],
            {
                "filter_index": placement.filter_index,
                "target_index": placement.target_index,
                "target_deadline": deadline,
                "priority": priority,
            },
        )
        task = self.kernel.load("tasks", task["sid"])
        self.events.task_event(
            task,
            "workflow.target-matched",
            f"Task {task['sid']} matched a workflow target",
            {**queue_fields(queue), **_filter_fields(config, placement)},
        )
        self.enter_queue(task, queue)

    def _skip(self, task: Row, target: Target, skipped: list[Target]) -> bool:
        """Whether skip_if passes over the target, remembering it for its workflow.skipped event."""
        if self._target_skipped(task, target):
            skipped.append(target)
            return True
        return False

    def _skipped_events(self, task: Row, skipped: list[Target]) -> None:
        for target in skipped:
            queue = self.store.get("task_queues", target.queue_sid)
            self.events.task_event(
                task,
                "workflow.skipped",
                f"Task {task['sid']} skipped a workflow target",
                queue_fields(queue) if queue else {},
            )

    def _target_skipped(self, task: Row, target: Any) -> bool:
        """skip_if applies only when entering the target would not reserve a worker at once."""
        if target.skip_if is None:
            return False
        queue = self.store.get("task_queues", target.queue_sid)
        if queue is None:
            return True
        expr = self.kernel.queue_expression(queue)
        free = self.router.free_views(task["workspace_sid"], task["task_channel_sid"])
        if choose_workers(self.router.task_view(task), target, expr, free, 1):
            return False
        members = self.router.member_views(queue)
        return bool(target.skip_if.evaluate(skip_if_context(members)))


def _filter_fields(config: WorkflowConfig, placement: Placement) -> dict[str, str]:
    """WorkflowFilterName and, for a real filter, WorkflowFilterExpression (a JSON list)."""
    fields = {"WorkflowFilterName": placement.filter_name}
    if placement.filter_index >= 0:
        expression = config.filters[placement.filter_index].expression.text
        fields["WorkflowFilterExpression"] = json.dumps([expression])
    return fields
