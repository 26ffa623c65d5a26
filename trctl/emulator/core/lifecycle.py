"""Reservation and task lifecycle: accept, reject, timeout, rescind, cancel, wrap up, complete."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from trctl.emulator.core.errors import bad_request
from trctl.emulator.core.store import Row

if TYPE_CHECKING:
    from trctl.emulator.core.backend import Backend

MAX_ASSIGNMENTS = 1000
EVENT_VERBS = {
    "accepted": ("reservation.accepted", "accepted"),
    "rejected": ("reservation.rejected", "rejected"),
    "timeout": ("reservation.timeout", "timed out"),
    "canceled": ("reservation.canceled", "canceled"),
    "rescinded": ("reservation.rescinded", "rescinded"),
    "wrapping": ("reservation.wrapup", "wrapping up"),
    "completed": ("reservation.completed", "completed"),
}
ACCEPTING_INSTRUCTIONS = ("conference", "dequeue")


class LifecycleOps:
    """Mixed into Backend."""

    # -- reservation endings --------------------------------------------------------------------
    def _set_reservation(self: Backend, reservation: Row, status: str, **extra: Any) -> Row:
        self.store.update(
            "reservations",
            reservation["sid"],
            {"status": status, "deadline": None, "date_updated": self.now(), **extra},
        )
        updated = self.load("reservations", reservation["sid"])
        event_type, verb = EVENT_VERBS[status]
        self.reservation_event(updated, event_type, verb)
        return updated

    def end_reservation(
        self: Backend, reservation: Row, status: str, *, restore_worker: bool
    ) -> None:
        """End a pending reservation (canceled/rescinded), optionally undoing its activity."""
        self._set_reservation(reservation, status)
        if restore_worker:
            self._restore_worker(reservation)

    def _restore_worker(self: Backend, reservation: Row) -> None:
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
            self.set_worker_activity(worker, previous)

    def _route_worker_sid(self: Backend, worker_sid: str) -> None:
        worker = self.store.get("workers", worker_sid)
        if worker is not None and worker["available"]:
            self.route_worker(worker)

    def _require_pending(self: Backend, reservation: Row) -> None:
        if reservation["status"] != "pending":
            raise bad_request(
                f"Reservation {reservation['sid']} is {reservation['status']}, not pending"
            )

    def accept_reservation(
        self: Backend, reservation: Row, instruction: dict | None = None
    ) -> None:
        self._require_pending(reservation)
        extra = {"instruction": json.dumps(instruction)} if instruction else {}
        self._set_reservation(reservation, "accepted", **extra)
        task = self.load("tasks", reservation["task_sid"])
        self.store.update(
            "tasks",
            task["sid"],
            {
                "assignment_status": "assigned",
                "ttl_deadline": None,
                "target_deadline": None,
                "version": task["version"] + 1,
                "date_updated": self.now(),
            },
        )
        losers = self.store.all(
            "SELECT * FROM reservations WHERE task_sid = ? AND status = 'pending' AND sid != ?",
            (task["sid"], reservation["sid"]),
        )
        for other in losers:
            self.end_reservation(other, "rescinded", restore_worker=True)
        workspace = self.workspace(reservation["workspace_sid"])
        queue = self.store.get("task_queues", reservation["task_queue_sid"] or "")
        worker = self.store.get("workers", reservation["worker_sid"])
        if (
            worker is not None
            and queue is not None
            and not workspace["multi_task_enabled"]
            and queue["assignment_activity_sid"]
        ):
            self.set_worker_activity(worker, queue["assignment_activity_sid"])
        for other in losers:
            self._route_worker_sid(other["worker_sid"])

    def reject_reservation(
        self: Backend, reservation: Row, activity_sid: str | None, *, move_worker: bool = True
    ) -> None:
        self._require_pending(reservation)
        if activity_sid:
            self.activity_in(reservation["workspace_sid"], activity_sid, "WorkerActivitySid")
        self._set_reservation(reservation, "rejected")
        worker = self.store.get("workers", reservation["worker_sid"])
        target = activity_sid or reservation["worker_previous_activity_sid"]
        if move_worker and worker is not None and target and self.store.get("activities", target):
            self.set_worker_activity(worker, target)
        self.task_back_to_queue(reservation["task_sid"])
        self._route_worker_sid(reservation["worker_sid"])

    def timeout_reservation(self: Backend, reservation: Row) -> None:
        self._set_reservation(reservation, "timeout")
        workspace = self.workspace(reservation["workspace_sid"])
        worker = self.store.get("workers", reservation["worker_sid"])
        if worker is not None and workspace["timeout_activity_sid"]:
            self.set_worker_activity(worker, workspace["timeout_activity_sid"])
        self.task_back_to_queue(reservation["task_sid"])
        self._route_worker_sid(reservation["worker_sid"])

    def task_back_to_queue(self: Backend, task_sid: str) -> None:
        """After a reservation ended: back to pending (when none is left) and route again."""
        task = self.store.get("tasks", task_sid)
        if task is None or task["assignment_status"] != "reserved":
            return
        pending = self.store.scalar(
            "SELECT COUNT(*) FROM reservations WHERE task_sid = ? AND status = 'pending'",
            (task_sid,),
        )
        if pending:
            return
        self.store.update(
            "tasks",
            task_sid,
            {
                "assignment_status": "pending",
                "version": task["version"] + 1,
                "date_updated": self.now(),
            },
        )
        task = self.load("tasks", task_sid)
        if task["assignment_count"] >= MAX_ASSIGNMENTS:
            self.cancel_task(task, "Task exceeded the maximum assignment count", "task.canceled")
            return
        if task["target_deadline"] is not None and task["target_deadline"] <= self.now():
            self.advance_target(task)
            return
        if task["task_queue_sid"]:
            queue = self.store.get("task_queues", task["task_queue_sid"])
            if queue is not None:
                self.route_queue(queue)

    # -- task endings ---------------------------------------------------------------------------
    def cancel_task(self: Backend, task: Row, reason: str, event_type: str) -> None:
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
                "date_updated": self.now(),
            },
        )
        task = self.load("tasks", task["sid"])
        self.task_event(task, event_type, f"Task {task['sid']} canceled: {reason}")
        for reservation in pending:
            self._route_worker_sid(reservation["worker_sid"])

    def finish_task(self: Backend, task: Row, status: str, reason: str | None) -> None:
        """assigned -> wrapping, or assigned/wrapping -> completed (the reservation follows)."""
        changes: dict[str, Any] = {
            "assignment_status": status,
            "version": task["version"] + 1,
            "date_updated": self.now(),
        }
        if status == "completed":
            changes["reason"] = reason
        self.store.update("tasks", task["sid"], changes)
        task = self.load("tasks", task["sid"])
        workers = []
        for reservation in self.store.all(
            "SELECT * FROM reservations WHERE task_sid = ? AND status IN ('accepted','wrapping')",
            (task["sid"],),
        ):
            if reservation["status"] != status:
                self._set_reservation(reservation, status)
            workers.append(reservation["worker_sid"])
        # Twilio's task.completed names the worker who did the task (fixtures/task.completed.json).
        worker = self.store.get("workers", workers[0]) if workers else None
        worker_extra = self.worker_fields(worker) if worker is not None else {}
        if status == "wrapping":
            self.task_event(task, "task.wrapup", f"Task {task['sid']} wrapping up", worker_extra)
            return
        self.task_event(task, "task.completed", f"Task {task['sid']} completed", worker_extra)
        for worker_sid in workers:
            self._route_worker_sid(worker_sid)

    # -- the reservation update operation -------------------------------------------------------
    def update_reservation(
        self: Backend,
        reservation: Row,
        *,
        status: str | None,
        worker_activity_sid: str | None,
        instruction: str | None,
        instruction_params: dict[str, str],
    ) -> Row:
        with self.tx():
            reservation = self.load("reservations", reservation["sid"])
            if instruction:
                self._instruct(reservation, instruction, instruction_params)
            elif status is not None:
                self._transition(reservation, status, worker_activity_sid)
            elif worker_activity_sid:
                raise bad_request("WorkerActivitySid is used only with ReservationStatus=rejected")
        return self.load("reservations", reservation["sid"])

    def _transition(self: Backend, reservation: Row, status: str, activity_sid: str | None) -> None:
        current = reservation["status"]
        if status == "accepted":
            self.accept_reservation(reservation)
        elif status == "rejected":
            self.reject_reservation(reservation, activity_sid)
        elif status in ("wrapping", "completed") and current in ("accepted", "wrapping"):
            task = self.load("tasks", reservation["task_sid"])
            if status == current:
                raise bad_request(f"Reservation {reservation['sid']} is already {current}")
            self.finish_task(task, status, "Reservation " + status)
        else:
            raise bad_request(
                f"Reservation {reservation['sid']} is {current}; it cannot become {status} "
                "(pending -> accepted|rejected, accepted -> wrapping|completed)"
            )

    def _instruct(
        self: Backend, reservation: Row, instruction: str, params: dict[str, str]
    ) -> None:
        record = {"instruction": instruction, **params}
        if instruction == "supervise":
            if reservation["status"] != "accepted":
                raise bad_request("Instruction supervise needs an accepted reservation")
            self.store.update(
                "reservations", reservation["sid"], {"instruction": json.dumps(record)}
            )
            return
        self._require_pending(reservation)
        accept = instruction in ACCEPTING_INSTRUCTIONS or params.get("accept", "").lower() == "true"
        if accept:
            self.accept_reservation(reservation, record)
        else:
            self.store.update(
                "reservations",
                reservation["sid"],
                {"instruction": json.dumps(record), "date_updated": self.now()},
            )

    # -- assignment callback answers ------------------------------------------------------------
    def apply_answer(self: Backend, reservation_sid: str, kind: str, params: dict[str, Any]) -> str:
        """Act on a parsed assignment-callback instruction; returns what was done."""
        with self.tx():
            reservation = self.store.get("reservations", reservation_sid)
            if reservation is None or reservation["status"] != "pending":
                return "ignored: reservation no longer pending"
            if kind == "accept":
                self.accept_reservation(reservation)
            elif kind == "reject":
                activity = params.get("activity_sid")
                if (
                    activity
                    and self.store.get("activities", activity, reservation["workspace_sid"]) is None
                ):
                    activity = None  # Twilio logs 40100 and keeps the worker where it was
                # D-ASSIGN: without activity_sid the worker keeps its current activity.
                self.reject_reservation(reservation, activity, move_worker=activity is not None)
            elif kind in ("dequeue", "call", "redirect", "conference"):
                record = {"instruction": kind, **{k: str(v) for k, v in params.items()}}
                accepts = kind in ACCEPTING_INSTRUCTIONS or params.get("accept") in (True, "true")
                if accepts:
                    self.accept_reservation(reservation, record)
                else:
                    self.store.update(
                        "reservations", reservation_sid, {"instruction": json.dumps(record)}
                    )
            else:
                return "no action"
            return kind
