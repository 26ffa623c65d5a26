"""Workflow placement: which filter and target a task is in, queue entry, target timeouts."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from trctl.emulator.core.errors import bad_request
from trctl.emulator.core.events import queue_fields
from trctl.emulator.core.matching import choose_workers, skip_if_context
from trctl.emulator.core.store import Row
from trctl.workflow.config import (
    MAX_CONFIGURATION_BYTES,
    ConfigurationError,
    Target,
    WorkflowConfig,
    parse_workflow_config,
)
from trctl.workflow.walk import Placement, first_placement, next_placement

if TYPE_CHECKING:
    from trctl.emulator.core.backend import Backend

NO_MATCH_REASON = "Task did not match any workflow filter and the workflow has no default_filter"
FELL_OUT_REASON = "Task timed out of the last workflow target"


class PlacementOps:
    """Mixed into Backend."""

    # -- workflow configuration -----------------------------------------------------------------
    def parse_config(self: Backend, workspace_sid: str, text: str) -> Any:
        if len(text.encode()) > MAX_CONFIGURATION_BYTES:
            raise bad_request("Configuration must be at most 1 MB")
        try:
            return parse_workflow_config(
                text,
                queue_exists=lambda sid: (
                    self.store.get("task_queues", sid, workspace_sid) is not None
                ),
            )
        except ConfigurationError as exc:
            raise bad_request(f"Invalid Configuration: {exc}") from exc

    def workflow_config(self: Backend, workflow: Row) -> Any:
        cached = self._configs.get(workflow["sid"])
        if cached is not None and cached[0] == workflow["configuration"]:
            return cached[1]
        config = parse_workflow_config(workflow["configuration"])
        self._configs[workflow["sid"]] = (workflow["configuration"], config)
        return config

    def current_target(self: Backend, task: Row) -> Any:
        """The workflow Target the task sits in (None for tasks put straight into a queue)."""
        if not task["workflow_sid"] or task["filter_index"] is None:
            return None
        workflow = self.store.get("workflows", task["workflow_sid"])
        if workflow is None:
            return None
        config = self.workflow_config(workflow)
        if task["filter_index"] < 0:
            return config.default_filter
        try:
            return config.filters[task["filter_index"]].targets[task["target_index"]]
        except IndexError:
            return None

    # -- placement ------------------------------------------------------------------------------
    def place_task(self: Backend, task: Row, *, entering: bool = False) -> None:
        """(Re-)run the workflow for a pending task from its first filter; a new task (entering)
        gets its task.created and workflow.entered events, which name the queue it is headed for
        as Twilio's do."""
        workflow = self.load("workflows", task["workflow_sid"])
        config = self.workflow_config(workflow)
        attributes = json.loads(task["attributes"])
        skipped: list[Target] = []
        placement = first_placement(
            config, attributes, is_skipped=lambda target: self.skip_target(task, target, skipped)
        )
        if entering:
            queue = self.store.get("task_queues", placement.target.queue_sid) if placement else None
            upcoming = queue_fields(queue) if queue else {}
            self.task_event(task, "task.created", f"Task {task['sid']} created", upcoming)
            self.task_event(
                task,
                "workflow.entered",
                f"Task {task['sid']} entered Workflow {workflow['friendly_name']}",
                upcoming,
            )
        self.skipped_events(task, skipped)
        if placement is None:
            self.cancel_task(self.load("tasks", task["sid"]), NO_MATCH_REASON, "task.canceled")
            return
        self.apply_placement(task, placement, config)

    def advance_target(self: Backend, task: Row) -> None:
        """The task's current target timed out: move to the next one or fall out (cancel)."""
        workflow = self.load("workflows", task["workflow_sid"])
        config = self.workflow_config(workflow)
        target = self.current_target(task)
        filter_index = task["filter_index"]
        current = Placement(
            filter_index=filter_index,
            target_index=task["target_index"],
            target=target,
            filter_name=config.filters[filter_index].name if filter_index >= 0 else "default",
        )
        queue = self.store.get("task_queues", task["task_queue_sid"] or "")
        if queue is not None:
            self.task_event(
                task,
                "task-queue.timeout",
                f"Task {task['sid']} timed out of TaskQueue {queue['friendly_name']}",
            )
        skipped: list[Target] = []
        placement = next_placement(
            config,
            json.loads(task["attributes"]),
            current,
            is_skipped=lambda t: self.skip_target(task, t, skipped),
        )
        self.skipped_events(task, skipped)
        if placement is None:
            self.task_event(
                task,
                "workflow.timeout",
                f"Task {task['sid']} timed out of Workflow {workflow['friendly_name']}",
            )
            self.cancel_task(self.load("tasks", task["sid"]), FELL_OUT_REASON, "task.canceled")
            return
        self.apply_placement(task, placement, config)

    def apply_placement(
        self: Backend, task: Row, placement: Placement, config: WorkflowConfig
    ) -> None:
        target = placement.target
        queue = self.store.get("task_queues", target.queue_sid, task["workspace_sid"])
        if queue is None:
            self.cancel_task(
                task, f"TaskQueue {target.queue_sid} no longer exists", "task.canceled"
            )
            return
        # A target priority replaces the task's; a target without one keeps the current priority.
        priority = target.priority if target.priority is not None else task["priority"]
        deadline = self.now() + target.timeout if target.timeout else None
        self.arm(deadline)
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
        task = self.load("tasks", task["sid"])
        self.task_event(
            task,
            "workflow.target-matched",
            f"Task {task['sid']} matched a workflow target",
            {**queue_fields(queue), **_filter_fields(config, placement)},
        )
        self.enter_queue(task, queue)

    def enter_queue(self: Backend, task: Row, queue: Row) -> None:
        previous = task["task_queue_sid"]
        if previous != queue["sid"]:
            self.store.update(
                "tasks", task["sid"], {"task_queue_sid": queue["sid"], "queue_entered": self.now()}
            )
            task = self.load("tasks", task["sid"])
            if previous:
                self.task_event(
                    task,
                    "task-queue.moved",
                    f"Task {task['sid']} moved to TaskQueue {queue['friendly_name']}",
                )
            self.task_event(
                task,
                "task-queue.entered",
                f"Task {task['sid']} entered TaskQueue {queue['friendly_name']}",
            )
        if task["ignore_capacity"] and (task["routing_target"] or "").startswith("WK"):
            self.route_direct(self.load("tasks", task["sid"]), queue)
            return
        self.route_queue(queue)

    def route_direct(self: Backend, task: Row, queue: Row) -> None:
        """RoutingTarget=WK with IgnoreCapacity: reserve that worker whatever its capacity."""
        worker = self.store.get("workers", task["routing_target"])
        if worker is None or task["assignment_status"] != "pending":
            return
        if worker["sid"] not in self._excluded(task["sid"]):
            self.reserve(task, worker, queue)

    def skip_target(self: Backend, task: Row, target: Target, skipped: list[Target]) -> bool:
        """target_skipped, remembering the skipped targets for their workflow.skipped events."""
        if self.target_skipped(task, target):
            skipped.append(target)
            return True
        return False

    def skipped_events(self: Backend, task: Row, skipped: list[Target]) -> None:
        for target in skipped:
            queue = self.store.get("task_queues", target.queue_sid)
            self.task_event(
                task,
                "workflow.skipped",
                f"Task {task['sid']} skipped a workflow target",
                queue_fields(queue) if queue else {},
            )

    def target_skipped(self: Backend, task: Row, target: Any) -> bool:
        """skip_if applies only when entering the target would not reserve a worker at once."""
        if target.skip_if is None:
            return False
        queue = self.store.get("task_queues", target.queue_sid)
        if queue is None:
            return True
        expr = self.queue_expression(queue)
        free = self.free_views(task["workspace_sid"], task["task_channel_sid"])
        if choose_workers(self.task_view(task), target, expr, free, 1):
            return False
        members = self.member_views(queue)
        return bool(target.skip_if.evaluate(skip_if_context(members)))


def _filter_fields(config: WorkflowConfig, placement: Placement) -> dict[str, str]:
    """WorkflowFilterName and, for a real filter, WorkflowFilterExpression (a JSON list)."""
    fields = {"WorkflowFilterName": placement.filter_name}
    if placement.filter_index >= 0:
        expression = config.filters[placement.filter_index].expression.text
        fields["WorkflowFilterExpression"] = json.dumps([expression])
    return fields
