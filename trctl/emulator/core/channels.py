"""Task channels: create/update/delete rules, a WorkerChannel for every worker, their events."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from trctl.emulator.core.errors import Missing, bad_request
from trctl.emulator.core.events import EventLog
from trctl.emulator.core.kernel import Service
from trctl.emulator.core.store import Row
from trctl.emulator.core.worker_state import WorkerState

DEFAULT_CHANNELS = (
    ("default", "Default"),
    ("voice", "Voice"),
    ("sms", "SMS"),
    ("chat", "Chat"),
    ("video", "Video"),
)


@dataclass(eq=False)
class TaskChannels(Service):
    """The TaskChannel resource's operations, each in one transaction; they return the SID."""

    events: EventLog
    worker_state: WorkerState

    def insert(
        self, workspace_sid: str, unique_name: str, friendly_name: str, optimized: bool
    ) -> Row:
        if self.store.one(
            "SELECT 1 FROM task_channels WHERE workspace_sid = ? AND unique_name = ?",
            (workspace_sid, unique_name),
        ):
            raise bad_request(f"A TaskChannel with UniqueName {unique_name!r} already exists")
        now = self.kernel.now()
        sid = self.kernel.sids("TC")
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
            self.worker_state.add_channel(workspace_sid, worker["sid"], sid)
        return self.kernel.load("task_channels", sid)

    def create(
        self, workspace_sid: str, friendly_name: str, unique_name: str, optimized: bool
    ) -> str:
        with self.kernel.tx():
            self.kernel.workspace(workspace_sid)
            self.kernel.check_room("task_channels", "task_channels", workspace_sid)
            row = self.insert(workspace_sid, unique_name, friendly_name, optimized)
            self._event(row, "task-channel.created", "created")
        return row["sid"]

    def update(self, workspace_sid: str, ref: str, changes: dict[str, Any]) -> str:
        with self.kernel.tx():
            row = self.kernel.channel_by_ref(workspace_sid, ref)
            if row is None:
                raise Missing(ref)
            if "channel_optimized_routing" in changes:
                changes["channel_optimized_routing"] = int(changes["channel_optimized_routing"])
            changes["date_updated"] = self.kernel.now()
            self.store.update("task_channels", row["sid"], changes)
            row = self.kernel.load("task_channels", row["sid"])
            self._event(row, "task-channel.updated", "updated")
        return row["sid"]

    def delete(self, workspace_sid: str, ref: str) -> None:
        with self.kernel.tx():
            row = self.kernel.channel_by_ref(workspace_sid, ref)
            if row is None:
                raise Missing(ref)
            used = self.kernel.active_tasks("task_channel_sid", row["sid"])
            if used:
                raise bad_request(
                    f"TaskChannel {ref} cannot be deleted: {used} active task(s) use it"
                )
            self._event(row, "task-channel.deleted", "deleted")
            self.store.execute(
                "DELETE FROM worker_channels WHERE task_channel_sid = ?", (row["sid"],)
            )
            self.store.execute("DELETE FROM task_channels WHERE sid = ?", (row["sid"],))

    def _event(self, row: Row, event_type: str, verb: str) -> None:
        self.events.resource_event(
            row,
            event_type,
            "task_channel",
            f"TaskChannel {row['unique_name']} {verb}",
            {
                "TaskChannelSid": row["sid"],
                "TaskChannelUniqueName": row["unique_name"],
                "TaskChannelFriendlyName": row["friendly_name"],
            },
        )
