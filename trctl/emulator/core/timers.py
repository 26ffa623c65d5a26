"""Timers stored as absolute deadlines: reservation timeouts, task TTLs and target timeouts."""

from __future__ import annotations

from dataclasses import dataclass

from trctl.emulator.core.kernel import Service
from trctl.emulator.core.lifecycle import Lifecycle
from trctl.emulator.core.placement import Placer
from trctl.emulator.core.reservations import Reservations

TTL_REASON = "Task TTL Exceeded"

_DUE = (
    (
        "reservation",
        "deadline",
        "SELECT sid, deadline AS due FROM reservations WHERE status = 'pending' "
        "AND deadline IS NOT NULL",
    ),
    (
        "ttl",
        "ttl_deadline",
        "SELECT sid, ttl_deadline AS due FROM tasks WHERE ttl_deadline IS NOT NULL "
        "AND assignment_status IN ('pending','reserved')",
    ),
    (
        "target",
        "target_deadline",
        "SELECT sid, target_deadline AS due FROM tasks WHERE target_deadline IS NOT NULL "
        "AND assignment_status = 'pending'",
    ),
)


@dataclass(eq=False)
class Timers(Service):
    """Finds the earliest deadline and fires the due ones, earliest first."""

    reservations: Reservations
    lifecycle: Lifecycle
    placer: Placer

    def next_deadline(self) -> float | None:
        """The earliest deadline of any armed timer (None when nothing is armed)."""
        best: float | None = None
        for _, _, sql in _DUE:  # each walks its partial index: cost independent of the backlog
            row = self.store.one(f"{sql} ORDER BY due LIMIT 1")
            if row is not None and (best is None or row["due"] < best):
                best = row["due"]
        return best

    def _earliest_due(self, now: float) -> tuple[str, str] | None:
        best: tuple[float, str, str] | None = None
        for kind, column, sql in _DUE:
            row = self.store.one(f"{sql} AND {column} <= ? ORDER BY due LIMIT 1", (now,))
            if row is not None and (best is None or row["due"] < best[0]):
                best = (row["due"], kind, row["sid"])
        return None if best is None else (best[1], best[2])

    def fire_due(self, limit: int = 100_000) -> int:
        """Fire every timer whose deadline has passed, earliest first, one transaction each."""
        fired = 0
        while fired < limit:
            with self.kernel.tx():
                due = self._earliest_due(self.kernel.now())
                if due is None:
                    return fired
                kind, sid = due
                if kind == "reservation":
                    self.reservations.time_out(self.kernel.load("reservations", sid))
                elif kind == "ttl":
                    self.lifecycle.cancel_task(self.kernel.load("tasks", sid), TTL_REASON)
                else:
                    self.placer.advance_target(self.kernel.load("tasks", sid), on_time=True)
            fired += 1
        return fired
