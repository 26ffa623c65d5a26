"""Timers stored as absolute deadlines: reservation timeouts, task TTLs and target timeouts."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from trctl.emulator.core.backend import Backend

TTL_REASON = "Task TTL Exceeded"

_DUE = (
    (
        "reservation",
        "SELECT sid, deadline AS due FROM reservations WHERE status = 'pending' "
        "AND deadline IS NOT NULL",
    ),
    (
        "ttl",
        "SELECT sid, ttl_deadline AS due FROM tasks WHERE ttl_deadline IS NOT NULL "
        "AND assignment_status IN ('pending','reserved')",
    ),
    (
        "target",
        "SELECT sid, target_deadline AS due FROM tasks WHERE target_deadline IS NOT NULL "
        "AND assignment_status = 'pending'",
    ),
)


_COLUMN = {"reservation": "deadline", "ttl": "ttl_deadline", "target": "target_deadline"}


class TimerOps:
    """Mixed into Backend."""

    def next_deadline(self: Backend) -> float | None:
        """The earliest deadline of any armed timer (None when nothing is armed)."""
        best: float | None = None
        for _, sql in _DUE:  # each walks its partial index: cost independent of the backlog
            row = self.store.one(f"{sql} ORDER BY due LIMIT 1")
            if row is not None and (best is None or row["due"] < best):
                best = row["due"]
        return best

    def _earliest_due(self: Backend, now: float) -> tuple[str, str] | None:
        best: tuple[float, str, str] | None = None
        for kind, sql in _DUE:
            row = self.store.one(f"{sql} AND {_COLUMN[kind]} <= ? ORDER BY due LIMIT 1", (now,))
            if row is not None and (best is None or row["due"] < best[0]):
                best = (row["due"], kind, row["sid"])
        return None if best is None else (best[1], best[2])

    def fire_due(self: Backend, limit: int = 100_000) -> int:
        """Fire every timer whose deadline has passed, earliest first, one transaction each."""
        fired = 0
        while fired < limit:
            with self.tx():
                due = self._earliest_due(self.now())
                if due is None:
                    return fired
                kind, sid = due
                if kind == "reservation":
                    self.timeout_reservation(self.load("reservations", sid))
                elif kind == "ttl":
                    self.cancel_task(self.load("tasks", sid), TTL_REASON, "task.canceled")
                else:
                    self.advance_target(self.load("tasks", sid))
            fired += 1
        return fired
