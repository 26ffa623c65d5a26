"""Workspaces, activities, task channels, task queues and workflows: create/update/delete rules."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from trctl.emulator.core.errors import bad_request
from trctl.emulator.core.store import Row

if TYPE_CHECKING:
    from trctl.emulator.core.backend import Backend

DEFAULT_ACTIVITIES = (("Offline", False), ("Available", True), ("Unavailable", False))
DEFAULT_CHANNELS = (
    ("default", "Default"),
    ("voice", "Voice"),
    ("sms", "SMS"),
    ("chat", "Chat"),
    ("video", "Video"),
)
ACTIVE_TASK_STATES = ("pending", "reserved", "assigned", "wrapping")


class ResourceOps:
    """Mixed into Backend."""

    # -- workspaces -----------------------------------------------------------------------------
    def create_workspace(self: Backend, fields: dict[str, Any], template: str | None) -> Row:
        now = self.now()
        sid = self.sids("WS")
        with self.tx():
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
            activity_sids = [
                self._insert_activity(sid, name, available)["sid"]
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
                self._insert_channel(sid, unique_name, friendly_name, False)
            if template == "FIFO":
                queue = self.create_task_queue(sid, {"friendly_name": "Sample Queue"})
                config = {
                    "task_routing": {"filters": [], "default_filter": {"queue": queue["sid"]}}
                }
                self.create_workflow(
                    sid,
                    {"friendly_name": "Default Fifo Workflow", "configuration": json.dumps(config)},
                )
            self.record_event(
                sid,
                "workspace.created",
                resource_type="workspace",
                resource_sid=sid,
                resource_path="",
                description=f"Workspace {fields['friendly_name']} created",
            )
        return self.load("workspaces", sid)

    def update_workspace(self: Backend, sid: str, changes: dict[str, Any]) -> Row:
        with self.tx():
            workspace = self.workspace(sid)
            for key in ("default_activity_sid", "timeout_activity_sid"):
                if changes.get(key):
                    self.activity_in(sid, changes[key], param_name(key))
            if "multi_task_enabled" in changes:
                changes["multi_task_enabled"] = int(changes["multi_task_enabled"])
            changes["date_updated"] = self.now()
            self.store.update("workspaces", sid, changes)
            self.record_event(
                sid,
                "workspace.updated",
                resource_type="workspace",
                resource_sid=sid,
                resource_path="",
                description=f"Workspace {workspace['friendly_name']} updated",
            )
        return self.workspace(sid)

    def delete_workspace(self: Backend, sid: str) -> None:
        with self.tx():
            self.workspace(sid)
            for table in (
                "activities", "task_channels", "workers", "worker_channels", "task_queues",
                "workflows", "tasks", "reservations", "events", "outbox",
            ):  # fmt: skip
                self.store.execute(f"DELETE FROM {table} WHERE workspace_sid = ?", (sid,))
            self.store.execute("DELETE FROM workspaces WHERE sid = ?", (sid,))

    # -- activities -----------------------------------------------------------------------------
    def _insert_activity(self: Backend, workspace_sid: str, name: str, available: bool) -> Row:
        if self.store.one(
            "SELECT 1 FROM activities WHERE workspace_sid = ? AND friendly_name = ?",
            (workspace_sid, name),
        ):
            raise bad_request(f"An Activity named {name!r} already exists in this workspace")
        now = self.now()
        sid = self.sids("WA")
        self.store.insert(
            "activities",
            {
                "sid": sid,
                "workspace_sid": workspace_sid,
                "friendly_name": name,
                "available": int(available),
                "date_created": now,
                "date_updated": now,
            },
        )
        return self.load("activities", sid)

    def create_activity(self: Backend, workspace_sid: str, name: str, available: bool) -> Row:
        with self.tx():
            self.workspace(workspace_sid)
            row = self._insert_activity(workspace_sid, name, available)
            self._activity_event(row, "activity.created", "created")
        return row

    def update_activity(self: Backend, workspace_sid: str, sid: str, name: str | None) -> Row:
        with self.tx():
            row = self.load("activities", sid, workspace_sid)
            if name is not None and name != row["friendly_name"]:
                if self.store.one(
                    "SELECT 1 FROM activities WHERE workspace_sid = ? AND friendly_name = ?",
                    (workspace_sid, name),
                ):
                    raise bad_request(
                        f"An Activity named {name!r} already exists in this workspace"
                    )
                self.store.update(
                    "activities", sid, {"friendly_name": name, "date_updated": self.now()}
                )
            row = self.load("activities", sid)
            self._activity_event(row, "activity.updated", "updated")
        return row

    def delete_activity(self: Backend, workspace_sid: str, sid: str) -> None:
        with self.tx():
            row = self.load("activities", sid, workspace_sid)
            workspace = self.workspace(workspace_sid)
            if sid in (workspace["default_activity_sid"], workspace["timeout_activity_sid"]):
                raise bad_request(
                    f"Activity {sid} is the workspace's default or timeout activity; "
                    "point the workspace at another activity first"
                )
            users = self.store.scalar("SELECT COUNT(*) FROM workers WHERE activity_sid = ?", (sid,))
            if users:
                raise bad_request(f"Activity {sid} cannot be deleted: {users} worker(s) are in it")
            queues = self.store.scalar(
                "SELECT COUNT(*) FROM task_queues WHERE reservation_activity_sid = ? "
                "OR assignment_activity_sid = ?",
                (sid, sid),
            )
            if queues:
                raise bad_request(f"Activity {sid} cannot be deleted: {queues} TaskQueue(s) use it")
            self._activity_event(row, "activity.deleted", "deleted")
            self.store.execute("DELETE FROM activities WHERE sid = ?", (sid,))

    def _activity_event(self: Backend, row: Row, event_type: str, verb: str) -> None:
        self.record_event(
            row["workspace_sid"],
            event_type,
            resource_type="activity",
            resource_sid=row["sid"],
            resource_path=f"Activities/{row['sid']}",
            description=f"Activity {row['friendly_name']} {verb}",
            fields={
                "ActivitySid": row["sid"],
                "ActivityName": row["friendly_name"],
                "ActivityAvailable": "true" if row["available"] else "false",
            },
        )

    # -- task channels --------------------------------------------------------------------------
    def _insert_channel(
        self: Backend, workspace_sid: str, unique_name: str, friendly_name: str, optimized: bool
    ) -> Row:
        if self.store.one(
            "SELECT 1 FROM task_channels WHERE workspace_sid = ? AND unique_name = ?",
            (workspace_sid, unique_name),
        ):
            raise bad_request(f"A TaskChannel with UniqueName {unique_name!r} already exists")
        now = self.now()
        sid = self.sids("TC")
        self.store.insert(
            "task_channels",
            {
                "sid": sid,
                "workspace_sid": workspace_sid,
                "friendly_name": friendly_name,
                "unique_name": unique_name,
                "channel_optimized_routing": int(optimized),
                "date_created": now,
                "date_updated": now,
            },
        )
        for worker in self.store.all(
            "SELECT sid FROM workers WHERE workspace_sid = ?", (workspace_sid,)
        ):
            self.add_worker_channel(workspace_sid, worker["sid"], sid)
        return self.load("task_channels", sid)

    def channel_by_ref(self: Backend, workspace_sid: str, ref: str) -> Row | None:
        """A task channel by SID or unique_name."""
        return self.store.one(
            "SELECT * FROM task_channels WHERE workspace_sid = ? AND (sid = ? OR unique_name = ?)",
            (workspace_sid, ref, ref),
        )

    def create_task_channel(
        self: Backend, workspace_sid: str, friendly_name: str, unique_name: str, optimized: bool
    ) -> Row:
        with self.tx():
            self.workspace(workspace_sid)
            row = self._insert_channel(workspace_sid, unique_name, friendly_name, optimized)
            self._channel_event(row, "task-channel.created", "created")
        return row

    def update_task_channel(
        self: Backend, workspace_sid: str, ref: str, changes: dict[str, Any]
    ) -> Row:
        with self.tx():
            row = self.channel_by_ref(workspace_sid, ref)
            if row is None:
                raise self.missing(ref)
            if "channel_optimized_routing" in changes:
                changes["channel_optimized_routing"] = int(changes["channel_optimized_routing"])
            changes["date_updated"] = self.now()
            self.store.update("task_channels", row["sid"], changes)
            row = self.load("task_channels", row["sid"])
            self._channel_event(row, "task-channel.updated", "updated")
        return row

    def delete_task_channel(self: Backend, workspace_sid: str, ref: str) -> None:
        with self.tx():
            row = self.channel_by_ref(workspace_sid, ref)
            if row is None:
                raise self.missing(ref)
            used = self.store.scalar(
                "SELECT COUNT(*) FROM tasks WHERE task_channel_sid = ? AND assignment_status IN "
                "('pending','reserved','assigned','wrapping')",
                (row["sid"],),
            )
            if used:
                raise bad_request(
                    f"TaskChannel {ref} cannot be deleted: {used} active task(s) use it"
                )
            self._channel_event(row, "task-channel.deleted", "deleted")
            self.store.execute(
                "DELETE FROM worker_channels WHERE task_channel_sid = ?", (row["sid"],)
            )
            self.store.execute("DELETE FROM task_channels WHERE sid = ?", (row["sid"],))

    def _channel_event(self: Backend, row: Row, event_type: str, verb: str) -> None:
        self.record_event(
            row["workspace_sid"],
            event_type,
            resource_type="task_channel",
            resource_sid=row["sid"],
            resource_path=f"TaskChannels/{row['sid']}",
            description=f"TaskChannel {row['unique_name']} {verb}",
            fields={
                "TaskChannelSid": row["sid"],
                "TaskChannelUniqueName": row["unique_name"],
                "TaskChannelFriendlyName": row["friendly_name"],
            },
        )


def param_name(column: str) -> str:
    """snake_case column -> PascalCase parameter name, for messages."""
    return "".join(part.capitalize() for part in column.split("_"))
