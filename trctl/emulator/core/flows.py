"""Task queues and workflows: create/update/delete rules and their events."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from trctl.emulator.core.errors import bad_request
from trctl.emulator.core.exprs import compile_expression
from trctl.emulator.core.resources import param_name
from trctl.emulator.core.store import Row

if TYPE_CHECKING:
    from trctl.emulator.core.backend import Backend


class FlowOps:
    """Mixed into Backend."""

    # -- task queues ----------------------------------------------------------------------------
    def _check_queue_fields(self: Backend, workspace_sid: str, fields: dict[str, Any]) -> None:
        if fields.get("target_workers") is not None:
            compile_expression("TargetWorkers", fields["target_workers"])
        for key in ("reservation_activity_sid", "assignment_activity_sid"):
            if fields.get(key):
                self.activity_in(workspace_sid, fields[key], param_name(key))

    def create_task_queue(self: Backend, workspace_sid: str, fields: dict[str, Any]) -> Row:
        now = self.now()
        sid = self.sids("WQ")
        with self.tx():
            self.workspace(workspace_sid)
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
            row = self.load("task_queues", sid)
            self._queue_event(row, "task-queue.created", "created")
        return row

    def update_task_queue(
        self: Backend, workspace_sid: str, sid: str, changes: dict[str, Any]
    ) -> Row:
        with self.tx():
            before = self.load("task_queues", sid, workspace_sid)
            self._check_queue_fields(workspace_sid, changes)
            changes["date_updated"] = self.now()
            self.store.update("task_queues", sid, changes)
            row = self.load("task_queues", sid)
            if row["target_workers"] != before["target_workers"]:
                self._queue_event(row, "task-queue.expression.updated", "expression updated")
            self.route_queue(row)
        return row

    def delete_task_queue(self: Backend, workspace_sid: str, sid: str) -> None:
        with self.tx():
            row = self.load("task_queues", sid, workspace_sid)
            active = self.store.scalar(
                "SELECT COUNT(*) FROM tasks WHERE task_queue_sid = ? AND assignment_status IN "
                "('pending','reserved','assigned','wrapping')",
                (sid,),
            )
            if active:
                raise bad_request(
                    f"TaskQueue {sid} cannot be deleted: {active} active task(s) are in it"
                )
            self._queue_event(row, "task-queue.deleted", "deleted")
            self.store.execute("DELETE FROM task_queues WHERE sid = ?", (sid,))

    def _queue_event(self: Backend, row: Row, event_type: str, verb: str) -> None:
        self.record_event(
            row["workspace_sid"],
            event_type,
            resource_type="taskqueue",
            resource_sid=row["sid"],
            resource_path=f"TaskQueues/{row['sid']}",
            description=f"TaskQueue {row['friendly_name']} {verb}",
            fields={
                "TaskQueueSid": row["sid"],
                "TaskQueueName": row["friendly_name"],
                "TaskQueueTargetExpression": row["target_workers"],
            },
        )

    # -- workflows ------------------------------------------------------------------------------
    def create_workflow(self: Backend, workspace_sid: str, fields: dict[str, Any]) -> Row:
        now = self.now()
        sid = self.sids("WW")
        with self.tx():
            self.workspace(workspace_sid)
            self.parse_config(workspace_sid, fields["configuration"])
            self.store.insert(
                "workflows",
                {
                    "sid": sid,
                    "workspace_sid": workspace_sid,
                    "friendly_name": fields["friendly_name"],
                    "configuration": fields["configuration"],
                    "assignment_callback_url": fields.get("assignment_callback_url"),
                    "fallback_assignment_callback_url": fields.get(
                        "fallback_assignment_callback_url"
                    ),
                    "task_reservation_timeout": fields.get("task_reservation_timeout") or 120,
                    "date_created": now,
                    "date_updated": now,
                },
            )
            row = self.load("workflows", sid)
            self._workflow_event(row, "workflow.created", "created")
        return row

    def update_workflow(
        self: Backend, workspace_sid: str, sid: str, changes: dict[str, Any], re_evaluate: bool
    ) -> Row:
        with self.tx():
            self.load("workflows", sid, workspace_sid)
            if "configuration" in changes:
                self.parse_config(workspace_sid, changes["configuration"])
            changes["date_updated"] = self.now()
            self.store.update("workflows", sid, changes)
            row = self.load("workflows", sid)
            self._workflow_event(row, "workflow.updated", "updated")
            if re_evaluate:
                for task in self.store.all(
                    "SELECT * FROM tasks WHERE workflow_sid = ? AND assignment_status = 'pending' "
                    "ORDER BY id",
                    (sid,),
                ):
                    self.place_task(task)
        return row

    def delete_workflow(self: Backend, workspace_sid: str, sid: str) -> None:
        with self.tx():
            row = self.load("workflows", sid, workspace_sid)
            active = self.store.scalar(
                "SELECT COUNT(*) FROM tasks WHERE workflow_sid = ? AND assignment_status IN "
                "('pending','reserved','assigned','wrapping')",
                (sid,),
            )
            if active:
                raise bad_request(
                    f"Workflow {sid} cannot be deleted: {active} active task(s) use it"
                )
            self._workflow_event(row, "workflow.deleted", "deleted")
            self.store.execute("DELETE FROM workflows WHERE sid = ?", (sid,))

    def _workflow_event(self: Backend, row: Row, event_type: str, verb: str) -> None:
        self.record_event(
            row["workspace_sid"],
            event_type,
            resource_type="workflow",
            resource_sid=row["sid"],
            resource_path=f"Workflows/{row['sid']}",
            description=f"Workflow {row['friendly_name']} {verb}",
            fields={"WorkflowSid": row["sid"], "WorkflowName": row["friendly_name"]},
        )
