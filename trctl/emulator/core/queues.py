"""Task queues: create/update/delete rules and their events."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from trctl.emulator.core.errors import bad_request
from trctl.emulator.core.events import EventLog
from trctl.emulator.core.exprs import compile_expression
from trctl.emulator.core.kernel import Service
from trctl.emulator.core.routing import Router
from trctl.emulator.core.store import Row


def param_name(column: str) -> str:
    """snake_case column -> PascalCase parameter name, for messages."""
    return "".join(part.capitalize() for part in column.split("_"))


@dataclass(eq=False)
class TaskQueues(Service):
    """The TaskQueue resource's operations, each in one transaction; they return the queue SID."""

    events: EventLog
    router: Router

    def _check_queue_fields(self, workspace_sid: str, fields: dict[str, Any]) -> None:
        if fields.get("target_workers") is not None:
            compile_expression("TargetWorkers", fields["target_workers"])
        for key in ("reservation_activity_sid", "assignment_activity_sid"):
            if fields.get(key):
                self.kernel.activity_in(workspace_sid, fields[key], param_name(key))

    def create(self, workspace_sid: str, fields: dict[str, Any]) -> str:
        now = self.kernel.now()
        sid = self.kernel.sids("WQ")
        with self.kernel.tx():
            self.kernel.workspace(workspace_sid)
            self.kernel.check_room("task_queues", "task_queues", workspace_sid)
            self._check_queue_fields(workspace_sid, fields)
            self.store.insert(
                "task_queues",
                {
                    "sid": sid,
                    "workspace_sid": workspace_sid,
                    "friendly_name": fields["friendly_name"],
                    "target_workers": fields.get("target_workers") or "1==1",
                    "max_reserved_workers": fields.get("max_reserved_workers") or 1,
                    "task_order": fields.get("task_order") or "FIFO",
                    "reservation_activity_sid": fields.get("reservation_activity_sid"),
                    "assignment_activity_sid": fields.get("assignment_activity_sid"),
                    "date_created": now,
                    "date_updated": now,
                },
            )
            row = self.kernel.load("task_queues", sid)
            self._event(row, "task-queue.created", "created")
        return row["sid"]

    def update(self, workspace_sid: str, sid: str, changes: dict[str, Any]) -> str:
        with self.kernel.tx():
            before = self.kernel.load("task_queues", sid, workspace_sid)
            self._check_queue_fields(workspace_sid, changes)
            changes["date_updated"] = self.kernel.now()
            self.store.update("task_queues", sid, changes)
            row = self.kernel.load("task_queues", sid)
            if row["target_workers"] != before["target_workers"]:
                self._event(row, "task-queue.expression.updated", "expression updated")
            self.router.route_queue(row)
        return row["sid"]

    def delete(self, workspace_sid: str, sid: str) -> None:
        with self.kernel.tx():
            row = self.kernel.load("task_queues", sid, workspace_sid)
            active = self.kernel.active_tasks("task_queue_sid", sid)
            if active:
                raise bad_request(
                    f"TaskQueue {sid} cannot be deleted: {active} active task(s) are in it"
                )
            self._event(row, "task-queue.deleted", "deleted")
            self.store.execute("DELETE FROM task_queues WHERE sid = ?", (sid,))

    def _event(self, row: Row, event_type: str, verb: str) -> None:
        self.events.resource_event(
            row,
            event_type,
            "taskqueue",
            f"TaskQueue {row['friendly_name']} {verb}",
            {
                "TaskQueueSid": row["sid"],
                "TaskQueueName": row["friendly_name"],
                "TaskQueueTargetExpression": row["target_workers"],
            },
        )
