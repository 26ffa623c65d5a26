"""Tasks: create (routed through the workflow), update with status transitions, delete."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from trctl.emulator.core.errors import bad_request
from trctl.emulator.core.events import queue_fields
from trctl.emulator.core.store import Row
from trctl.emulator.core.workers import check_if_match

if TYPE_CHECKING:
    from trctl.emulator.core.backend import Backend

DEFAULT_TTL = 86_400
MAX_TTL = 1_209_600
TERMINAL = ("canceled", "completed")


class TaskOps:
    """Mixed into Backend."""

    def create_task(self: Backend, workspace_sid: str, fields: dict[str, Any]) -> Row:
        now = self.now()
        sid = self.sids("WT")
        with self.tx():
            self.workspace(workspace_sid)
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
            channel = self.channel_by_ref(workspace_sid, channel_ref)
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
                    "ttl_deadline": self._armed(now + timeout),
                    "virtual_start_time": fields.get("virtual_start_time") or now,
                    "routing_target": fields.get("routing_target"),
                    "ignore_capacity": int(bool(fields.get("ignore_capacity"))),
                    "version": 0,
                    "date_created": now,
                    "date_updated": now,
                },
            )
            task = self.load("tasks", sid)
            if workflow_sid:
                self.place_task(task, entering=True)
            else:
                queue = self.load("task_queues", queue_sid)
                self.task_event(task, "task.created", f"Task {sid} created", queue_fields(queue))
                self.enter_queue(task, queue)
        return self.load("tasks", sid)

    def update_task(
        self: Backend,
        workspace_sid: str,
        sid: str,
        changes: dict[str, Any],
        *,
        status: str | None,
        reason: str | None,
        if_match: str | None,
    ) -> Row:
        with self.tx():
            task = self.load("tasks", sid, workspace_sid)
            check_if_match(task, if_match, "Task")
            if task["assignment_status"] in TERMINAL and (changes or status):
                raise bad_request(
                    f"Task {sid} is already {task['assignment_status']} and cannot be updated"
                )
            if "task_channel" in changes:
                channel = self.channel_by_ref(workspace_sid, changes.pop("task_channel"))
                if channel is None:
                    raise bad_request("TaskChannel does not exist in this workspace")
                changes["task_channel_sid"] = channel["sid"]
            if "priority" in changes:
                changes["base_priority"] = changes["priority"]
            if changes:
                changes["version"] = task["version"] + 1
                changes["date_updated"] = self.now()
                self.store.update("tasks", sid, changes)
                task = self.load("tasks", sid)
                self.task_event(task, "task.updated", f"Task {sid} updated")
                if task["assignment_status"] == "pending":
                    if "attributes" in changes and task["workflow_sid"]:
                        self.place_task(task, entering=False)
                    elif task["task_queue_sid"]:
                        self.route_queue(self.load("task_queues", task["task_queue_sid"]))
            if status is not None:
                self.change_task_status(self.load("tasks", sid), status, reason)
        return self.load("tasks", sid)

    def change_task_status(self: Backend, task: Row, status: str, reason: str | None) -> None:
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
            self.cancel_task(task, reason or "", "task.canceled")
        elif status == "wrapping":
            if current != "assigned":
                raise bad_request(
                    f"Task {task['sid']} is {current}; only an assigned task can wrap up"
                )
            self.finish_task(task, "wrapping", reason)
        elif status == "completed":
            if current not in ("assigned", "wrapping"):
                raise bad_request(
                    f"Task {task['sid']} is {current}; only an assigned or wrapping task can be "
                    "completed"
                )
            self.finish_task(task, "completed", reason)
        else:
            raise bad_request(
                f"AssignmentStatus cannot be set to {status} through the API "
                "(allowed: canceled, wrapping, completed)"
            )

    def delete_task(self: Backend, workspace_sid: str, sid: str, if_match: str | None) -> None:
        with self.tx():
            task = self.load("tasks", sid, workspace_sid)
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
                self.end_reservation(reservation, "canceled", restore_worker=True)
            self.task_event(task, "task.deleted", f"Task {sid} deleted")
            self.store.execute("DELETE FROM reservations WHERE task_sid = ?", (sid,))
            self.store.execute("DELETE FROM tasks WHERE sid = ?", (sid,))
            for worker_sid in workers:
                worker = self.store.get("workers", worker_sid)
                if worker is not None and worker["available"]:
                    self.route_worker(worker)

    def task_event(
        self: Backend,
        task: Row,
        event_type: str,
        description: str,
        extra: dict[str, str] | None = None,
    ) -> None:
        self.record_event(
            task["workspace_sid"],
            event_type,
            resource_type="task",
            resource_sid=task["sid"],
            resource_path=f"Tasks/{task['sid']}",
            description=description,
            fields={**self.task_fields(task), **(extra or {})},
        )
