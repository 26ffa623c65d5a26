"""Workers and their channels: create/update/delete, activity changes and their effects."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from trctl.emulator.core.errors import bad_request, precondition_failed
from trctl.emulator.core.store import Row

if TYPE_CHECKING:
    from trctl.emulator.core.backend import Backend

DEFAULT_CAPACITY = 1
LIVE_RESERVATION_STATES = ("pending", "accepted", "wrapping")


def check_if_match(row: Row, if_match: str | None, what: str) -> None:
    """412 when an If-Match header does not name the current version."""
    if if_match is None:
        return
    wanted = if_match.strip().strip('"')
    if wanted != "*" and wanted != str(row["version"]):
        raise precondition_failed(
            f"{what} {row['sid']} is at version {row['version']}, not {wanted} (If-Match)"
        )


class WorkerOps:
    """Mixed into Backend."""

    def create_worker(self: Backend, workspace_sid: str, fields: dict[str, Any]) -> Row:
        now = self.now()
        sid = self.sids("WK")
        with self.tx():
            workspace = self.workspace(workspace_sid)
            activity_sid = fields.get("activity_sid") or workspace["default_activity_sid"]
            activity = self.activity_in(workspace_sid, activity_sid, "ActivitySid")
            if self.store.one(
                "SELECT 1 FROM workers WHERE workspace_sid = ? AND friendly_name = ?",
                (workspace_sid, fields["friendly_name"]),
            ):
                raise bad_request(
                    f"A Worker named {fields['friendly_name']!r} already exists in this workspace"
                )
            self.store.insert(
                "workers",
                {
                    "sid": sid,
                    "workspace_sid": workspace_sid,
                    "friendly_name": fields["friendly_name"],
                    "activity_sid": activity_sid,
                    "attributes": fields.get("attributes") or "{}",
                    "available": activity["available"],
                    "version": 0,
                    "date_created": now,
                    "date_updated": now,
                    "date_status_changed": now,
                },
            )
            for channel in self.store.all(
                "SELECT sid FROM task_channels WHERE workspace_sid = ?", (workspace_sid,)
            ):
                self.add_worker_channel(workspace_sid, sid, channel["sid"])
            worker = self.load("workers", sid)
            self._worker_event(
                worker, "worker.created", f"Worker {worker['friendly_name']} created"
            )
            if worker["available"]:
                self.route_worker(worker)
        return self.load("workers", sid)

    def add_worker_channel(
        self: Backend, workspace_sid: str, worker_sid: str, channel_sid: str
    ) -> None:
        now = self.now()
        self.store.insert(
            "worker_channels",
            {
                "sid": self.sids("WC"),
                "workspace_sid": workspace_sid,
                "worker_sid": worker_sid,
                "task_channel_sid": channel_sid,
                "capacity": DEFAULT_CAPACITY,
                "available": 1,
                "date_created": now,
                "date_updated": now,
            },
        )

    def update_worker(
        self: Backend,
        workspace_sid: str,
        sid: str,
        changes: dict[str, Any],
        *,
        reject_pending: bool = False,
        if_match: str | None = None,
    ) -> Row:
        with self.tx():
            worker = self.load("workers", sid, workspace_sid)
            check_if_match(worker, if_match, "Worker")
            name = changes.get("friendly_name")
            if (
                name is not None
                and name != worker["friendly_name"]
                and self.store.one(
                    "SELECT 1 FROM workers WHERE workspace_sid = ? AND friendly_name = ?",
                    (workspace_sid, name),
                )
            ):
                raise bad_request(f"A Worker named {name!r} already exists in this workspace")
            activity_sid = changes.pop("activity_sid", None)
            if activity_sid:
                activity = self.activity_in(workspace_sid, activity_sid, "ActivitySid")
                if reject_pending and activity["available"]:
                    raise bad_request(
                        "RejectPendingReservations is allowed only when moving the worker to "
                        "an unavailable activity"
                    )
            if changes:
                changes["version"] = worker["version"] + 1
                changes["date_updated"] = self.now()
                self.store.update("workers", sid, changes)
                if "attributes" in changes:
                    self._worker_event(
                        self.load("workers", sid),
                        "worker.attributes.update",
                        f"Worker {worker['friendly_name']} attributes updated",
                    )
            if activity_sid and activity_sid != worker["activity_sid"]:
                self.set_worker_activity(self.load("workers", sid), activity_sid)
            if reject_pending:
                for reservation in self.store.all(
                    "SELECT * FROM reservations WHERE worker_sid = ? AND status = 'pending'",
                    (sid,),
                ):
                    self.reject_reservation(reservation, None, move_worker=False)
            worker = self.load("workers", sid)
            if worker["available"]:
                self.route_worker(worker)
        return self.load("workers", sid)

    def set_worker_activity(self: Backend, worker: Row, activity_sid: str) -> Row:
        """Move a worker to an activity (no routing here), with its worker.activity.update event."""
        if activity_sid == worker["activity_sid"]:
            return worker
        activity = self.load("activities", activity_sid)
        previous = self.store.get("activities", worker["activity_sid"])
        now = self.now()
        self.store.update(
            "workers",
            worker["sid"],
            {
                "activity_sid": activity_sid,
                "available": activity["available"],
                "version": worker["version"] + 1,
                "date_updated": now,
                "date_status_changed": now,
            },
        )
        updated = self.load("workers", worker["sid"])
        elapsed = max(now - worker["date_status_changed"], 0.0)
        self._worker_event(
            updated,
            "worker.activity.update",
            f"Worker {updated['friendly_name']} updated to {activity['friendly_name']} Activity",
            {
                "WorkerPreviousActivitySid": worker["activity_sid"],
                "WorkerPreviousActivityName": previous["friendly_name"] if previous else "",
                "WorkerTimeInPreviousActivity": str(int(elapsed)),
                "WorkerTimeInPreviousActivityMs": str(int(elapsed * 1000)),
            },
        )
        return updated

    def delete_worker(
        self: Backend, workspace_sid: str, sid: str, if_match: str | None = None
    ) -> None:
        with self.tx():
            worker = self.load("workers", sid, workspace_sid)
            check_if_match(worker, if_match, "Worker")
            live = self.store.scalar(
                "SELECT COUNT(*) FROM reservations WHERE worker_sid = ? AND status IN "
                "('pending','accepted','wrapping')",
                (sid,),
            )
            if live:
                raise bad_request(
                    f"Worker {sid} cannot be deleted while it has {live} pending or accepted "
                    "reservation(s); reject or complete them first"
                )
            self._worker_event(
                worker, "worker.deleted", f"Worker {worker['friendly_name']} deleted"
            )
            self.store.execute("DELETE FROM worker_channels WHERE worker_sid = ?", (sid,))
            self.store.execute("DELETE FROM workers WHERE sid = ?", (sid,))

    def update_worker_channel(
        self: Backend, workspace_sid: str, worker_sid: str, ref: str, changes: dict[str, Any]
    ) -> Row:
        with self.tx():
            worker = self.load("workers", worker_sid, workspace_sid)
            channel = self.worker_channel(worker_sid, ref)
            before = channel
            if "available" in changes:
                changes["available"] = int(changes["available"])
            changes["date_updated"] = self.now()
            self.store.update("worker_channels", channel["sid"], changes)
            channel = self.load("worker_channels", channel["sid"])
            fields = {
                "TaskChannelSid": channel["task_channel_sid"],
                "WorkerChannelAvailable": "true" if channel["available"] else "false",
                "WorkerChannelAvailableCapacity": str(channel["capacity"]),
                "WorkerChannelPreviousCapacity": str(before["capacity"]),
            }
            if channel["capacity"] != before["capacity"]:
                self._worker_event(
                    worker,
                    "worker.capacity.update",
                    f"Worker {worker['friendly_name']} capacity updated",
                    fields,
                )
            if channel["available"] != before["available"]:
                self._worker_event(
                    worker,
                    "worker.channel.availability.update",
                    f"Worker {worker['friendly_name']} channel availability updated",
                    fields,
                )
            if worker["available"]:
                self.route_worker(worker)
        return channel

    def worker_channel(self: Backend, worker_sid: str, ref: str) -> Row:
        """A worker channel by WC SID, or by its task channel's SID or unique_name."""
        row = self.store.one(
            "SELECT wc.* FROM worker_channels wc "
            "JOIN task_channels tc ON tc.sid = wc.task_channel_sid "
            "WHERE wc.worker_sid = ? AND (wc.sid = ? OR tc.sid = ? OR tc.unique_name = ?)",
            (worker_sid, ref, ref, ref),
        )
        if row is None:
            raise self.missing(ref)
        return row

    def _worker_event(
        self: Backend,
        worker: Row,
        event_type: str,
        description: str,
        extra: dict[str, str] | None = None,
    ) -> None:
        self.record_event(
            worker["workspace_sid"],
            event_type,
            resource_type="worker",
            resource_sid=worker["sid"],
            resource_path=f"Workers/{worker['sid']}",
            description=description,
            fields={**self.worker_fields(worker), **(extra or {})},
        )
