"""Workers and their channels: create/update/delete, activity changes and their effects."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from trctl.emulator.core.compact import compact_json
from trctl.emulator.core.errors import bad_request
from trctl.emulator.core.events import EventLog
from trctl.emulator.core.kernel import Service, check_if_match
from trctl.emulator.core.reservations import Reservations
from trctl.emulator.core.routing import Router
from trctl.emulator.core.worker_state import WorkerState


@dataclass(eq=False)
class Workers(Service):
    """The Worker and WorkerChannel resources' operations, each in one transaction."""

    events: EventLog
    worker_state: WorkerState
    router: Router
    reservations: Reservations

    def create(self, workspace_sid: str, fields: dict[str, Any]) -> str:
        now = self.kernel.now()
        sid = self.kernel.sids("WK")
        with self.kernel.tx():
            workspace = self.kernel.workspace(workspace_sid)
            activity_sid = fields.get("activity_sid") or workspace["default_activity_sid"]
            if not activity_sid:
                raise bad_request(
                    "Missing required parameter ActivitySid: the workspace has no default "
                    "activity (it was created with Template=EMPTY); create an activity first"
                )
            activity = self.kernel.activity_in(workspace_sid, activity_sid, "ActivitySid")
            self.kernel.check_room("workers", "workers", workspace_sid)
            if activity["available"]:
                self._check_available_room(workspace_sid)
            attributes = fields.get("attributes") or "{}"  # its length as sent counts
            self.kernel.check_value("attributes", len(attributes), "Attributes' length")
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
                    "attributes": compact_json(attributes),
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
                self.worker_state.add_channel(workspace_sid, sid, channel["sid"])
            worker = self.kernel.load("workers", sid)
            self.events.worker_event(
                worker, "worker.created", f"Worker {worker['friendly_name']} created"
            )
            if worker["available"]:
                self.router.route_worker(worker)
        return sid

    def update(
        self,
        workspace_sid: str,
        sid: str,
        changes: dict[str, Any],
        *,
        reject_pending: bool = False,
        if_match: str | None = None,
    ) -> str:
        with self.kernel.tx():
            worker = self.kernel.load("workers", sid, workspace_sid)
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
                activity = self.kernel.activity_in(workspace_sid, activity_sid, "ActivitySid")
                if reject_pending and activity["available"]:
                    raise bad_request(
                        "RejectPendingReservations is allowed only when moving the worker to "
                        "an unavailable activity"
                    )
                if activity["available"] and not worker["available"]:
                    self._check_available_room(workspace_sid)
            if "attributes" in changes:
                self.kernel.check_value(
                    "attributes", len(changes["attributes"]), "Attributes' length"
                )
                changes["attributes"] = compact_json(changes["attributes"])
            if changes:
                changes["version"] = worker["version"] + 1
                changes["date_updated"] = self.kernel.now()
                self.store.update("workers", sid, changes)
                if "attributes" in changes:
                    self.events.worker_event(
                        self.kernel.load("workers", sid),
                        "worker.attributes.update",
                        f"Worker {worker['friendly_name']} attributes updated",
                    )
            if activity_sid and activity_sid != worker["activity_sid"]:
                self.worker_state.set_activity(self.kernel.load("workers", sid), activity_sid)
            if reject_pending:
                for reservation in self.store.all(
                    "SELECT * FROM reservations WHERE worker_sid = ? AND status = 'pending'",
                    (sid,),
                ):
                    self.reservations.reject(reservation, None, move_worker=False)
            worker = self.kernel.load("workers", sid)
            if worker["available"]:
                self.router.route_worker(worker)
        return sid

    def _check_available_room(self, workspace_sid: str) -> None:
        self.kernel.check_room("available_workers", "workers", workspace_sid, " AND available = 1")

    def delete(self, workspace_sid: str, sid: str, if_match: str | None = None) -> None:
        with self.kernel.tx():
            worker = self.kernel.load("workers", sid, workspace_sid)
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
            self.events.worker_event(
                worker, "worker.deleted", f"Worker {worker['friendly_name']} deleted"
            )
            self.store.execute("DELETE FROM worker_channels WHERE worker_sid = ?", (sid,))
            self.store.execute("DELETE FROM workers WHERE sid = ?", (sid,))

    def update_channel(
        self, workspace_sid: str, worker_sid: str, ref: str, changes: dict[str, Any]
    ) -> str:
        with self.kernel.tx():
            worker = self.kernel.load("workers", worker_sid, workspace_sid)
            channel = self.kernel.worker_channel(worker_sid, ref)
            before = channel
            if changes.get("capacity") is not None:
                self.kernel.check_value("channel_capacity", changes["capacity"], "Capacity")
            if "available" in changes:
                changes["available"] = int(changes["available"])
            changes["date_updated"] = self.kernel.now()
            self.store.update("worker_channels", channel["sid"], changes)
            channel = self.kernel.load("worker_channels", channel["sid"])
            fields = {
                "TaskChannelSid": channel["task_channel_sid"],
                "WorkerChannelAvailable": "true" if channel["available"] else "false",
                "WorkerChannelAvailableCapacity": str(channel["capacity"]),
                "WorkerChannelPreviousCapacity": str(before["capacity"]),
            }
            if channel["capacity"] != before["capacity"]:
                self.events.worker_event(
                    worker,
                    "worker.capacity.update",
                    f"Worker {worker['friendly_name']} capacity updated",
                    fields,
                )
            if channel["available"] != before["available"]:
                self.events.worker_event(
                    worker,
                    "worker.channel.availability.update",
                    f"Worker {worker['friendly_name']} channel availability updated",
                    fields,
                )
            if worker["available"]:
                self.router.route_worker(worker)
        return channel["sid"]
