"""Workflows: create/update/delete, the configuration check, re-evaluating waiting tasks."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from trctl.emulator.core.compact import compact_json
from trctl.emulator.core.errors import bad_request
from trctl.emulator.core.events import EventLog
from trctl.emulator.core.kernel import Service
from trctl.emulator.core.placement import Placer
from trctl.emulator.core.store import Row
from trctl.workflow.config import (
    MAX_CONFIGURATION_BYTES,
    ConfigurationError,
    WorkflowConfig,
    parse_workflow_config,
)


@dataclass(eq=False)
class Workflows(Service):
    """The Workflow resource's operations, each in one transaction; they return the SID."""

    events: EventLog
    placer: Placer

    def _check_config(self, workspace_sid: str, text: str) -> WorkflowConfig:
        """Parse the configuration against the workspace's queues (400 naming the problem)."""
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

    def create(self, workspace_sid: str, fields: dict[str, Any]) -> str:
        now = self.kernel.now()
        sid = self.kernel.sids("WW")
        with self.kernel.tx():
            self.kernel.workspace(workspace_sid)
            self.kernel.check_room("workflows", "workflows", workspace_sid)
            self._check_config(workspace_sid, fields["configuration"])
            self.store.insert(
                "workflows",
                {
                    "sid": sid,
                    "workspace_sid": workspace_sid,
                    "friendly_name": fields["friendly_name"],
                    "configuration": compact_json(fields["configuration"]),
                    "assignment_callback_url": fields.get("assignment_callback_url"),
                    "fallback_assignment_callback_url": fields.get(
                        "fallback_assignment_callback_url"
                    ),
                    "task_reservation_timeout": fields.get("task_reservation_timeout") or 120,
                    "date_created": now,
                    "date_updated": now,
                },
            )
            row = self.kernel.load("workflows", sid)
            self._event(row, "workflow.created", "created")
        return row["sid"]

    def update(
        self, workspace_sid: str, sid: str, changes: dict[str, Any], re_evaluate: bool
    ) -> str:
        with self.kernel.tx():
            self.kernel.load("workflows", sid, workspace_sid)
            if "configuration" in changes:
                self._check_config(workspace_sid, changes["configuration"])
                changes["configuration"] = compact_json(changes["configuration"])
            changes["date_updated"] = self.kernel.now()
            self.store.update("workflows", sid, changes)
            row = self.kernel.load("workflows", sid)
            self._event(row, "workflow.updated", "updated")
            if "configuration" in changes:  # the targets the waiting tasks sit in may differ
                self.placer.router.classify_waiting(sid)
            if re_evaluate:
                for task in self.store.all(
                    "SELECT * FROM tasks WHERE workflow_sid = ? AND assignment_status = 'pending' "
                    "ORDER BY id",
                    (sid,),
                ):
                    self.placer.place_task(task)
        return row["sid"]

    def delete(self, workspace_sid: str, sid: str) -> None:
        with self.kernel.tx():
            row = self.kernel.load("workflows", sid, workspace_sid)
            active = self.kernel.active_tasks("workflow_sid", sid)
            if active:
                raise bad_request(
                    f"Workflow {sid} cannot be deleted: {active} active task(s) use it"
                )
            self._event(row, "workflow.deleted", "deleted")
            self.store.execute("DELETE FROM workflows WHERE sid = ?", (sid,))

    def _event(self, row: Row, event_type: str, verb: str) -> None:
        self.events.resource_event(
            row,
            event_type,
            "workflow",
            f"Workflow {row['friendly_name']} {verb}",
            {"WorkflowSid": row["sid"], "WorkflowName": row["friendly_name"]},
        )
