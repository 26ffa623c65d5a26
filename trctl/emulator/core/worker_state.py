"""A worker's activity and channels: moving it between activities, giving it a channel."""

from __future__ import annotations

from dataclasses import dataclass

from trctl.emulator.core.events import EventLog
from trctl.emulator.core.kernel import Service
from trctl.emulator.core.store import Row

DEFAULT_CAPACITY = 1


@dataclass(eq=False)
class WorkerState(Service):
    """Changes to a worker that routing and the lifecycle make as side effects (no routing)."""

    events: EventLog

    def set_activity(self, worker: Row, activity_sid: str) -> Row:
        """Move a worker to an activity, with its worker.activity.update event."""
        if activity_sid == worker["activity_sid"]:
            return worker
        activity = self.kernel.load("activities", activity_sid)
        previous = self.store.get("activities", worker["activity_sid"])
        now = self.kernel.now()
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
        updated = self.kernel.load("workers", worker["sid"])
        elapsed = max(now - worker["date_status_changed"], 0.0)
        self.events.worker_event(
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

    def count_live(self, worker_sid: str, channel_sid: str, delta: int) -> None:
        """A reservation of the worker on the channel started (+1) or stopped (-1) holding
        capacity (pending, accepted and wrapping reservations hold it)."""
        self.store.add("workers", worker_sid, "live", delta)
        self.store.execute(
            "UPDATE worker_channels SET live = live + ? WHERE worker_sid = ? "
            "AND task_channel_sid = ?",
            (delta, worker_sid, channel_sid),
        )

    def add_channel(self, workspace_sid: str, worker_sid: str, channel_sid: str) -> None:
        """A WorkerChannel for a (new worker, task channel) pair, with the default capacity."""
        now = self.kernel.now()
        self.store.insert(
            "worker_channels",
            {
                "sid": self.kernel.sids("WC"),
                "workspace_sid": workspace_sid,
                "worker_sid": worker_sid,
                "task_channel_sid": channel_sid,
                "capacity": DEFAULT_CAPACITY,
                "available": 1,
                "date_created": now,
                "date_updated": now,
            },
        )
