"""Reservation decisions: accept or reject over REST, instructions, timeouts, callback answers."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from trctl.emulator.core.errors import bad_request
from trctl.emulator.core.kernel import Service, check_if_match
from trctl.emulator.core.lifecycle import Lifecycle
from trctl.emulator.core.placement import Placer
from trctl.emulator.core.routing import Router
from trctl.emulator.core.store import Row
from trctl.emulator.core.worker_state import WorkerState

ACCEPTING_INSTRUCTIONS = ("conference", "dequeue")


@dataclass(eq=False)
class Reservations(Service):
    """What a worker (REST), the app (assignment callback) or the clock decides for a
    reservation; the task goes back to its queue when a reservation ends unaccepted."""

    worker_state: WorkerState
    router: Router
    lifecycle: Lifecycle
    placer: Placer

    def reject(
        self, reservation: Row, activity_sid: str | None, *, move_worker: bool = True
    ) -> None:
        self.lifecycle.require_pending(reservation)
        if activity_sid:
            self.kernel.activity_in(reservation["workspace_sid"], activity_sid, "WorkerActivitySid")
        self.lifecycle.set_reservation(reservation, "rejected")
        worker = self.store.get("workers", reservation["worker_sid"])
        target = activity_sid or reservation["worker_previous_activity_sid"]
        if move_worker and worker is not None and target and self.store.get("activities", target):
            self.worker_state.set_activity(worker, target)
        self.placer.requeue(reservation["task_sid"])
        self.router.route_worker_sid(reservation["worker_sid"])

    def time_out(self, reservation: Row) -> None:
        """The reservation timer fired: the worker goes to the timeout activity."""
        self.lifecycle.set_reservation(reservation, "timeout")
        workspace = self.kernel.workspace(reservation["workspace_sid"])
        worker = self.store.get("workers", reservation["worker_sid"])
        if worker is not None and workspace["timeout_activity_sid"]:
            self.worker_state.set_activity(worker, workspace["timeout_activity_sid"])
        self.placer.requeue(reservation["task_sid"], timed_out=True)
        self.router.route_worker_sid(reservation["worker_sid"])

    # -- the reservation update operation -------------------------------------------------------
    def update(
        self,
        reservation_sid: str,
        *,
        status: str | None,
        worker_activity_sid: str | None,
        instruction: str | None,
        instruction_params: dict[str, str],
        if_match: str | None = None,
    ) -> None:
        """POST .../Reservations/WR...: a status change or an instruction. If-Match is checked
        in the same transaction as the change, so of concurrent updates naming one version
        exactly one is applied."""
        with self.kernel.tx():
            reservation = self.kernel.load("reservations", reservation_sid)
            check_if_match(reservation, if_match, "Reservation")
            if instruction:
                self._instruct(reservation, instruction, instruction_params)
            elif status is not None:
                self._transition(reservation, status, worker_activity_sid)
            elif worker_activity_sid:
                raise bad_request("WorkerActivitySid is used only with ReservationStatus=rejected")

    def _transition(self, reservation: Row, status: str, activity_sid: str | None) -> None:
        current = reservation["status"]
        if status == "accepted":
            self.lifecycle.accept(reservation)
        elif status == "rejected":
            self.reject(reservation, activity_sid)
        elif status in ("wrapping", "completed") and current in ("accepted", "wrapping"):
            task = self.kernel.load("tasks", reservation["task_sid"])
            if status == current:
                raise bad_request(f"Reservation {reservation['sid']} is already {current}")
            self.lifecycle.finish_task(task, status, "Reservation " + status)
        else:
            raise bad_request(
                f"Reservation {reservation['sid']} is {current}; it cannot become {status} "
                "(pending -> accepted|rejected, accepted -> wrapping|completed)"
            )

    def _instruct(self, reservation: Row, instruction: str, params: dict[str, str]) -> None:
        record = {"instruction": instruction, **params}
        if instruction == "supervise":
            if reservation["status"] != "accepted":
                raise bad_request("Instruction supervise needs an accepted reservation")
            self.store.update(
                "reservations",
                reservation["sid"],
                {"instruction": json.dumps(record), "version": reservation["version"] + 1},
            )
            return
        self.lifecycle.require_pending(reservation)
        accept = instruction in ACCEPTING_INSTRUCTIONS or params.get("accept", "").lower() == "true"
        if accept:
            self.lifecycle.accept(reservation, record)
        else:
            self.store.update(
                "reservations",
                reservation["sid"],
                {
                    "instruction": json.dumps(record),
                    "version": reservation["version"] + 1,
                    "date_updated": self.kernel.now(),
                },
            )

    # -- assignment callback answers ------------------------------------------------------------
    def apply_answer(self, reservation_sid: str, kind: str, params: dict[str, Any]) -> str:
        """Act on a parsed assignment-callback instruction; returns what was done."""
        with self.kernel.tx():
            reservation = self.store.get("reservations", reservation_sid)
            if reservation is None or reservation["status"] != "pending":
                return "ignored: reservation no longer pending"
            if kind == "accept":
                self.lifecycle.accept(reservation)
            elif kind == "reject":
                activity = params.get("activity_sid")
                if (
                    activity
                    and self.store.get("activities", activity, reservation["workspace_sid"]) is None
                ):
                    activity = None  # Twilio logs 40100; treated as no activity_sid
                # As the REST reject: without activity_sid the worker goes back to the activity
                # it had before the reservation (not left in the queue's reservation activity).
                self.reject(reservation, activity)
            elif kind in ("dequeue", "call", "redirect", "conference"):
                record = {"instruction": kind, **{k: str(v) for k, v in params.items()}}
                accepts = kind in ACCEPTING_INSTRUCTIONS or params.get("accept") in (True, "true")
                if accepts:
                    self.lifecycle.accept(reservation, record)
                else:
                    self.store.update(
                        "reservations",
                        reservation_sid,
                        {"instruction": json.dumps(record), "version": reservation["version"] + 1},
                    )
            else:
                return "no action"
            return kind
