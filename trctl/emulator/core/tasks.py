"""Tasks: create (routed through the workflow), update with status transitions, delete."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from trctl.emulator.core.errors import bad_request
from trctl.emulator.core.events import EventLog, queue_fields
from trctl.emulator.core.kernel import Service, check_if_match
from trctl.emulator.core.lifecycle import Lifecycle
from trctl.emulator.core.placement import Placer
from trctl.emulator.core.routing import Router
from trctl.emulator.core.store import Row

DEFAULT_TTL = 86_400
MAX_TTL = 1_209_600
TERMINAL = ("canceled", "completed")


@dataclass(eq=False)
class Tasks(Service):
    """The Task resource's operations; each runs in one transaction and returns the task SID."""

    events: EventLog
    router: Router
    lifecycle: Lifecycle
    placer: Placer

    def create(self, workspace_sid: str, fields: dict[str, Any]) -> str:
        now = self.kernel.now()
        sid = self.kernel.sids("WT")
        with self.kernel.tx():
            self.kernel.workspace(workspace_sid)
            self._check_attributes(fields)
            self.kernel.check_room("tasks", "tasks", workspace_sid)
            workflow_sid = fields.get("workflow_sid")
            queue_sid = fields.get("task_queue_sid")
            if workflow_sid:
                if self.store.get("workflows", workflow_sid, workspace_sid) is None:
                    raise bad_request(
                        f"WorkflowSid {workflow_sid} is not a Workflow of this workspace"
                    )
            elif queue_sid:
                if self.store.get("task_queues", queue_sid, workspace_sid) is None:
                    raise bad_request(
                        f"TaskQueueSid {queue_sid} is not a TaskQueue of this workspace"
                    )
            else:
                flows = self.store.all(
                    "SELECT sid FROM workflows WHERE workspace_sid = ? LIMIT 2", (workspace_sid,)
                )
                if len(flows) != 1:
                    raise bad_request(
                        "Missing required parameter WorkflowSid (it may be omitted only when the "
                        f"workspace has exactly one workflow; it has {len(flows) or 'none'})"
                    )
                workflow_sid = flows[0]["sid"]
            target = fields.get("routing_target") or ""
            if target.startswith("WK") and self.store.get("workers", target, workspace_sid) is None:
                raise bad_request(f"RoutingTarget {target} is not a Worker of this workspace")
            channel_ref = fields.get("task_channel") or "default"
            channel = self.kernel.channel_by_ref(workspace_sid, channel_ref)
            if channel is None:
                raise bad_request(f"TaskChannel {channel_ref!r} does not exist in this workspace")
            timeout = fields.get("timeout") or DEFAULT_TTL
            priority = fields.get("priority") or 0
            self.store.insert(
                "tasks",
                {
                    "sid": sid,
                    "workspace_sid": workspace_sid,
                    "workflow_sid": workflow_sid,
                    "task_queue_sid": None,
                    "task_channel_sid": channel["sid"],
                    "attributes": fields.get("attributes") or "{}",
                    "priority": priority,
                    "base_priority": priority,
                    "assignment_status": "pending",
                    "timeout": timeout,
                    "ttl_deadline": self.kernel.arm(now + timeout),
                    "virtual_start_time": fields.get("virtual_start_time") or now,
                    "routing_target": fields.get("routing_target"),
                    "ignore_capacity": int(bool(fields.get("ignore_capacity"))),
                    "version": 0,
                    "date_created": now,
                    "date_updated": now,
                },
            )
            task = self.kernel.load("tasks", sid)
            if workflow_sid:
                self.placer.place_task(task, entering=True)
            else:
                queue = self.kernel.load("task_queues", queue_sid)
                self.events.task_event(
                    task, "task.created", f"Task {sid} created", queue_fields(queue)
                )
                self.placer.enter_queue(task, queue)
        return sid

    def update(
        self,
        workspace_sid: str,
        sid: str,
        changes: dict[str, Any],
        *,
        status: str | None,
        reason: str | None,
        if_match: str | None,
    ) -> str:
        with self.kernel.tx():
            task = self.kernel.load("tasks", sid, workspace_sid)
            check_if_match(task, if_match, "Task")
            self._check_attributes(changes)
            if task["assignment_status"] in TERMINAL and (changes or status):
                raise bad_request(
                    f"Task {sid} is already {task['assignment_status']} and cannot be updated"
                )
            if "task_channel" in changes:
                channel = self.kernel.channel_by_ref(workspace_sid, changes.pop("task_channel"))
                if channel is None:
                    raise bad_request("TaskChannel does not exist in this workspace")
                changes["task_channel_sid"] = channel["sid"]
            if "priority" in changes:
                changes["base_priority"] = changes["priority"]
            if changes:
                changes["version"] = task["version"] + 1
                changes["date_updated"] = self.kernel.now()
                self.store.update("tasks", sid, changes)
                task = self.kernel.load("tasks", sid)
                self.events.task_event(task, "task.updated", f"Task {sid} updated")
                if task["assignment_status"] == "pending":
                    if "attributes" in changes and task["workflow_sid"]:
                        self.placer.place_task(task, entering=False)
                    else:
                        self.router.route_task(task)
            if status is not None:
                self._change_status(self.kernel.load("tasks", sid), status, reason)
        return sid

    def _check_attributes(self, fields: dict[str, Any]) -> None:
        if fields.get("attributes") is not None:
            length = len(fields["attributes"])
            self.kernel.check_value("attributes", length, "Attributes' length")

    def _change_status(self, task: Row, status: str, reason: str | None) -> None:
        current = task["assignment_status"]
        if status == current:
            raise bad_request(f"Task {task['sid']} is already {current}")
        if status in ("canceled", "completed") and not reason:
            raise bad_request(f"Missing required parameter Reason when the task is {status}")
        if status == "canceled":
            if current not in ("pending", "reserved"):
                raise bad_request(
                    f"Task {task['sid']} is {current}; only pending or reserved tasks can be "
                    "canceled (complete an assigned task instead)"
                )
            self.lifecycle.cancel_task(task, reason or "")
        elif status == "wrapping":
            if current != "assigned":
                raise bad_request(
                    f"Task {task['sid']} is {current}; only an assigned task can wrap up"
                )
            self.lifecycle.finish_task(task, "wrapping", reason)
        elif status == "completed":
            if current not in ("assigned", "wrapping"):
                raise bad_request(
                    f"Task {task['sid']} is {current}; only an assigned or wrapping task can be "
                    "completed"
                )
            self.lifecycle.finish_task(task, "completed", reason)
        else:
            raise bad_request(
                f"AssignmentStatus cannot be set to {status} through the API "
                "(allowed: canceled, wrapping, completed)"
            )

    def delete(self, workspace_sid: str, sid: str, if_match: str | None) -> None:
        with self.kernel.tx():
            task = self.kernel.load("tasks", sid, workspace_sid)
            check_if_match(task, if_match, "Task")
            workers = [
                row["worker_sid"]
                for row in self.store.all(
                    "SELECT worker_sid FROM reservations WHERE task_sid = ? AND status IN "
                    "('pending','accepted','wrapping')",
                    (sid,),
                )
            ]
            for reservation in self.store.all(
                "SELECT * FROM reservations WHERE task_sid = ? AND status = 'pending'", (sid,)
            ):
                self.lifecycle.end_reservation(reservation, "canceled", restore_worker=True)
            self.events.task_event(task, "task.deleted", f"Task {sid} deleted")
            self.lifecycle.delete_reservations(sid)
            self.store.execute("DELETE FROM tasks WHERE sid = ?", (sid,))
            for worker_sid in workers:
                worker = self.store.get("workers", worker_sid)
                if worker is not None and worker["available"]:
                    self.router.route_worker(worker)
