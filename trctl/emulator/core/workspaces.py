"""Workspaces: create (with the default activities and channels, or a template), update, delete."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from trctl.emulator.core.activities import DEFAULT_ACTIVITIES, Activities
from trctl.emulator.core.channels import DEFAULT_CHANNELS, TaskChannels
from trctl.emulator.core.errors import bad_request
from trctl.emulator.core.events import EventLog
from trctl.emulator.core.kernel import Service
from trctl.emulator.core.queues import TaskQueues, param_name
from trctl.emulator.core.workflows import Workflows

# Template values apps send: NONE and FIFO (the spec), EMPTY (no activities at all).
TEMPLATES = ("NONE", "FIFO", "EMPTY")


@dataclass(eq=False)
class Workspaces(Service):
    """The Workspace resource's operations, each in one transaction; they return the SID."""

    events: EventLog
    activities: Activities
    channels: TaskChannels
    queues: TaskQueues
    workflows: Workflows

    def create(self, fields: dict[str, Any], template: str | None) -> str:
        now = self.kernel.now()
        sid = self.kernel.sids("WS")
        with self.kernel.tx():
            self.store.insert(
                "workspaces",
                {
                    "sid": sid,
                    "friendly_name": fields["friendly_name"],
                    "event_callback_url": fields.get("event_callback_url"),
                    "events_filter": fields.get("events_filter"),
                    "multi_task_enabled": int(fields.get("multi_task_enabled", True)),
                    "prioritize_queue_order": fields.get("prioritize_queue_order") or "FIFO",
                    "date_created": now,
                    "date_updated": now,
                },
            )
            if template != "EMPTY":  # EMPTY: the app creates its own activities
                activity_sids = [
                    self.activities.insert(sid, name, available)["sid"]
                    for name, available in DEFAULT_ACTIVITIES
                ]
                self.store.update(
                    "workspaces",
                    sid,
                    {
                        "default_activity_sid": activity_sids[0],
                        "timeout_activity_sid": activity_sids[0],
                    },
                )
            for unique_name, friendly_name in DEFAULT_CHANNELS:
                self.channels.insert(sid, unique_name, friendly_name, False)
            if template == "FIFO":
                queue_sid = self.queues.create(sid, {"friendly_name": "Sample Queue"})
                config = {"task_routing": {"filters": [], "default_filter": {"queue": queue_sid}}}
                self.workflows.create(
                    sid,
                    {"friendly_name": "Default Fifo Workflow", "configuration": json.dumps(config)},
                )
            self.events.record(
                sid,
                "workspace.created",
                resource_type="workspace",
                resource_sid=sid,
                description=f"Workspace {fields['friendly_name']} created",
            )
        return sid

    def update(self, sid: str, changes: dict[str, Any]) -> str:
        with self.kernel.tx():
            workspace = self.kernel.workspace(sid)
            for key in ("default_activity_sid", "timeout_activity_sid"):
                if changes.get(key):
                    self.kernel.activity_in(sid, changes[key], param_name(key))
            if "multi_task_enabled" in changes:
                changes["multi_task_enabled"] = int(changes["multi_task_enabled"])
                if workspace["multi_task_enabled"] and not changes["multi_task_enabled"]:
                    self._check_single_tasking_allowed(sid)
            changes["date_updated"] = self.kernel.now()
            self.store.update("workspaces", sid, changes)
            self.events.record(
                sid,
                "workspace.updated",
                resource_type="workspace",
                resource_sid=sid,
                description=f"Workspace {workspace['friendly_name']} updated",
            )
        return sid

    def _check_single_tasking_allowed(self, sid: str) -> None:
        """The spec: a multi-tasking workspace can't be updated to single-tasking unless another
        (legacy) single-tasking workspace exists."""
        legacy = self.store.one(
            "SELECT 1 FROM workspaces WHERE multi_task_enabled = 0 AND sid != ? LIMIT 1", (sid,)
        )
        if legacy is None:
            raise bad_request(
                f"Workspace {sid} is multi-tasking and cannot be switched to single-tasking: "
                "that is allowed only while another single-tasking workspace exists"
            )

    def delete(self, sid: str) -> None:
        with self.kernel.tx():
            self.kernel.workspace(sid)
            for table in (
                "activities", "task_channels", "workers", "worker_channels", "task_queues",
                "workflows", "tasks", "reservations", "events", "outbox",
            ):  # fmt: skip
                self.store.execute(f"DELETE FROM {table} WHERE workspace_sid = ?", (sid,))
            self.store.execute("DELETE FROM workspaces WHERE sid = ?", (sid,))
