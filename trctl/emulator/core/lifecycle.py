"""Endings: a reservation accepted, canceled or rescinded; a task canceled, wrapped up, done."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from trctl.emulator.core.errors import bad_request
from trctl.emulator.core.events import EventLog
from trctl.emulator.core.kernel import Service
from trctl.emulator.core.routing import Router
from trctl.emulator.core.store import Row
from trctl.emulator.core.worker_state import WorkerState

LIVE_STATES = ("pending", "accepted", "wrapping")  # a reservation in these holds capacity
EVENT_VERBS = {
    "accepted": ("reservation.accepted", "accepted"),
    "rejected": ("reservation.rejected", "rejected"),
    "timeout": ("reservation.timeout", "timed out"),
    "canceled": ("reservation.canceled", "canceled"),
    "rescinded": ("reservation.rescinded", "rescinded"),
    "wrapping": ("reservation.wrapup", "wrapping up"),
    "completed": ("reservation.completed", "completed"),
}


@dataclass(eq=False)
class Lifecycle(Service):
    """State changes that end a reservation or a task, and what they free up (routed again)."""

    events: EventLog
    worker_state: WorkerState
    router: Router

    # -- reservations ---------------------------------------------------------------------------
    def set_reservation(self, reservation: Row, status: str, **extra: Any) -> Row:
        """Give a reservation its new status (no timer left) and record the event."""
        if reservation["status"] in LIVE_STATES and status not in LIVE_STATES:
            self.worker_state.count_live(
                reservation["worker_sid"], reservation["task_channel_sid"], -1
            )
        self.store.update(
            "reservations",
            reservation["sid"],
            {
                "status": status,
                "deadline": None,
                "version": reservation["version"] + 1,
                "date_updated": self.kernel.now(),
                **extra,
            },
        )
        updated = self.kernel.load("reservations", reservation["sid"])
        event_type, verb = EVENT_VERBS[status]
        self.events.reservation_event(updated, event_type, verb)
        return updated

    def require_pending(self, reservation: Row) -> None:
        if reservation["status"] != "pending":
            raise bad_request(
                f"Reservation {reservation['sid']} is {reservation['status']}, not pending"
            )

    def end_reservation(self, reservation: Row, status: str, *, restore_worker: bool) -> None:
        """End a pending reservation (canceled/rescinded), optionally undoing its activity."""
        self.set_reservation(reservation, status)
        if restore_worker:
            self._restore_worker(reservation)

    def _restore_worker(self, reservation: Row) -> None:
        """Move the worker back from the queue's reservation activity to its previous activity."""
        worker = self.store.get("workers", reservation["worker_sid"])
        queue = self.store.get("task_queues", reservation["task_queue_sid"] or "")
        previous = reservation["worker_previous_activity_sid"]
        if worker is None or queue is None or not previous:
            return
        if (
            queue["reservation_activity_sid"]
            and worker["activity_sid"] == queue["reservation_activity_sid"]
            and self.store.get("activities", previous) is not None
        ):
            self.worker_state.set_activity(worker, previous)

    def accept(self, reservation: Row, instruction: dict | None = None) -> None:
        """Accept: the task is assigned, other pending reservations of it are rescinded."""
        self.require_pending(reservation)
        extra = {"instruction": json.dumps(instruction)} if instruction else {}
        self.set_reservation(reservation, "accepted", **extra)
        task = self.kernel.load("tasks", reservation["task_sid"])
        self.store.update(
            "tasks",
            task["sid"],
            {
                "assignment_status": "assigned",
                "ttl_deadline": None,
                "target_deadline": None,
                "version": task["version"] + 1,
                "date_updated": self.kernel.now(),
            },
        )
        losers = self.store.all(
            "SELECT * FROM reservations WHERE task_sid = ? AND status = 'pending' AND sid != ?",
            (task["sid"], reservation["sid"]),
        )
        for other in losers:
            self.end_reservation(other, "rescinded", restore_worker=True)
        workspace = self.kernel.workspace(reservation["workspace_sid"])
        queue = self.store.get("task_queues", reservation["task_queue_sid"] or "")
        worker = self.store.get("workers", reservation["worker_sid"])
        if (
            worker is not None
            and queue is not None
            and not workspace["multi_task_enabled"]
            and queue["assignment_activity_sid"]
        ):
            self.worker_state.set_activity(worker, queue["assignment_activity_sid"])
        for other in losers:
            self.router.route_worker_sid(other["worker_sid"])

    def delete_reservations(self, task_sid: str) -> None:
        """Remove a deleted task's reservations; those still holding capacity give it back."""
        for row in self.store.all(
            "SELECT worker_sid, task_channel_sid FROM reservations WHERE task_sid = ? "
            f"AND status IN {LIVE_STATES}",
            (task_sid,),
        ):
            self.worker_state.count_live(row["worker_sid"], row["task_channel_sid"], -1)
        self.store.execute("DELETE FROM reservations WHERE task_sid = ?", (task_sid,))

    # -- tasks ----------------------------------------------------------------------------------
    def cancel_task(self, task: Row, reason: str, event_type: str = "task.canceled") -> None:
        """Cancel a pending or reserved task; its pending reservations are canceled too."""
        pending = self.store.all(
            "SELECT * FROM reservations WHERE task_sid = ? AND status = 'pending'", (task["sid"],)
        )
        for reservation in pending:
            self.end_reservation(reservation, "canceled", restore_worker=True)
        self.store.update(
            "tasks",
            task["sid"],
            {
                "assignment_status": "canceled",
                "reason": reason,
                "ttl_deadline": None,
                "target_deadline": None,
                "version": task["version"] + 1,
                "date_updated": self.kernel.now(),
            },
        )
        task = self.kernel.load("tasks", task["sid"])
        self.kernel.note_finished()
        self.events.task_event(task, event_type, f"Task {task['sid']} canceled: {reason}")
        for reservation in pending:
            self.router.route_worker_sid(reservation["worker_sid"])

    def finish_task(self, task: Row, status: str, reason: str | None) -> None:
        """assigned -> wrapping, or assigned/wrapping -> completed (the reservation follows)."""
        changes: dict[str, Any] = {
            "assignment_status": status,
            "version": task["version"] + 1,
            "date_updated": self.kernel.now(),
        }
        if status == "completed":
            changes["reason"] = reason
            self.kernel.note_finished()
        self.store.update("tasks", task["sid"], changes)
        task = self.kernel.load("tasks", task["sid"])
        workers = []
        for reservation in self.store.all(
            "SELECT * FROM reservations WHERE task_sid = ? AND status IN ('accepted','wrapping')",
            (task["sid"],),
        ):
            if reservation["status"] != status:
                self.set_reservation(reservation, status)
            workers.append(reservation["worker_sid"])
        # Twilio's task.completed names the worker who did the task (fixtures/task.completed.json).
        worker = self.store.get("workers", workers[0]) if workers else None
        worker_extra = self.events.worker_fields(worker) if worker is not None else {}
        if status == "wrapping":
            self.events.task_event(
                task, "task.wrapup", f"Task {task['sid']} wrapping up", worker_extra
            )
            return
        self.events.task_event(
            task, "task.completed", f"Task {task['sid']} completed", worker_extra
        )
        for worker_sid in workers:
            self.router.route_worker_sid(worker_sid)
