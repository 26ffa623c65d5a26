"""Timers stored as absolute deadlines: reservations, task TTLs, target timeouts, retention."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from trctl.emulator.core.kernel import Service
from trctl.emulator.core.lifecycle import Lifecycle
from trctl.emulator.core.placement import Placer
from trctl.emulator.core.reservations import Reservations
from trctl.emulator.core.retainer import Retainer

TTL_REASON = "Task TTL Exceeded"
RETENTION = "retention"

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
    """Finds the earliest deadline and fires the due ones, earliest first: the per-row timers
    above and the retention timers (a batch of finished tasks, events or delivered callbacks)."""

    reservations: Reservations
    lifecycle: Lifecycle
    placer: Placer
    retainer: Retainer

    def next_deadline(self) -> float | None:
        """The earliest deadline of any armed timer (None when nothing is armed)."""
        deadlines = [due for due, _ in self.retainer.heads()]
        for _, _, sql in _DUE:  # each walks its partial index: cost independent of the backlog
            row = self.store.one(f"{sql} ORDER BY due LIMIT 1")
            if row is not None:
                deadlines.append(row["due"])
        return min(deadlines, default=None)

    def _due(self, now: float) -> list[tuple[float, str, str]]:
        """(deadline, kind, SID or retention kind) of each kind's earliest due timer, in order."""
        due = [(deadline, RETENTION, kind) for deadline, kind in self.retainer.heads()]
        due = [item for item in due if item[0] <= now]
        for kind, column, sql in _DUE:
            row = self.store.one(f"{sql} AND {column} <= ? ORDER BY due LIMIT 1", (now,))
            if row is not None:
                due.append((row["due"], kind, row["sid"]))
        return sorted(due)

    def fire_due(self, limit: int = 100_000, counts: Counter[str] | None = None) -> int:
        """Fire every timer whose deadline has passed, earliest first, one transaction each;
        each as of its deadline, so a clock that jumped ahead changes things in order.
        `counts`, when given, is told how many of each kind fired (reservation, ttl, target,
        retention)."""
        fired = 0
        while fired < limit:
            with self.kernel.tx():
                now = self.kernel.now()
                due = self._due(now)
                if not due:
                    return fired
                moment, kind, sid = due[0]
                if kind == RETENTION:  # a batch, up to the next deadline of another timer
                    others = [deadline for deadline, other, _ in due if other != RETENTION]
                    self.retainer.purge(sid, min(others, default=now))
                else:
                    with self.kernel.as_of(moment):
                        self._fire(kind, sid)
            fired += 1
            if counts is not None:
                counts[kind] += 1
        return fired

    def _fire(self, kind: str, sid: str) -> None:
        if kind == "reservation":
            self.reservations.time_out(self.kernel.load("reservations", sid))
        elif kind == "ttl":
            self.lifecycle.cancel_task(self.kernel.load("tasks", sid), TTL_REASON)
        else:
            self.placer.advance_target(self.kernel.load("tasks", sid))
