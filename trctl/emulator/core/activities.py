"""Activities: create/update/delete rules (unique names, in-use checks) and their events."""

from __future__ import annotations

from dataclasses import dataclass

from trctl.emulator.core.errors import bad_request
from trctl.emulator.core.events import EventLog
from trctl.emulator.core.kernel import Service
from trctl.emulator.core.store import Row

DEFAULT_ACTIVITIES = (("Offline", False), ("Available", True), ("Unavailable", False))


@dataclass(eq=False)
class Activities(Service):
    """The Activity resource's operations, each in one transaction; they return the SID."""

    events: EventLog

    def insert(self, workspace_sid: str, name: str, available: bool) -> Row:
        if self.store.one(
            "SELECT 1 FROM activities WHERE workspace_sid = ? AND friendly_name = ?",
            (workspace_sid, name),
        ):
            raise bad_request(f"An Activity named {name!r} already exists in this workspace")
        now = self.kernel.now()
        sid = self.kernel.sids("WA")
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
        return self.kernel.load("activities", sid)

    def create(self, workspace_sid: str, name: str, available: bool) -> str:
        with self.kernel.tx():
            workspace = self.kernel.workspace(workspace_sid)
            self.kernel.check_room("activities", "activities", workspace_sid)
            row = self.insert(workspace_sid, name, available)
            if not workspace["default_activity_sid"]:  # a Template=EMPTY workspace's first one
                self.store.update(
                    "workspaces",
                    workspace_sid,
                    {"default_activity_sid": row["sid"], "timeout_activity_sid": row["sid"]},
                )
            self._event(row, "activity.created", "created")
        return row["sid"]

    def update(self, workspace_sid: str, sid: str, name: str | None) -> str:
        with self.kernel.tx():
            row = self.kernel.load("activities", sid, workspace_sid)
            if name is not None and name != row["friendly_name"]:
                if self.store.one(
                    "SELECT 1 FROM activities WHERE workspace_sid = ? AND friendly_name = ?",
                    (workspace_sid, name),
                ):
                    raise bad_request(
                        f"An Activity named {name!r} already exists in this workspace"
                    )
                self.store.update(
                    "activities", sid, {"friendly_name": name, "date_updated": self.kernel.now()}
                )
            row = self.kernel.load("activities", sid)
            self._event(row, "activity.updated", "updated")
        return row["sid"]

    def delete(self, workspace_sid: str, sid: str) -> None:
        with self.kernel.tx():
            row = self.kernel.load("activities", sid, workspace_sid)
            workspace = self.kernel.workspace(workspace_sid)
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
            self._event(row, "activity.deleted", "deleted")
            self.store.execute("DELETE FROM activities WHERE sid = ?", (sid,))

    def _event(self, row: Row, event_type: str, verb: str) -> None:
        self.events.resource_event(
            row,
            event_type,
            "activity",
            f"Activity {row['friendly_name']} {verb}",
            {
                "ActivitySid": row["sid"],
                "ActivityName": row["friendly_name"],
                "ActivityAvailable": "true" if row["available"] else "false",
            },
        )
