"""The outbox table: callbacks waiting to be delivered, and the outcome of each."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from trctl.emulator.core.kernel import Service


@dataclass(frozen=True, slots=True)
class Delivery:
    """One callback to send: where, what (form parameters), and the reservation it concerns."""

    id: int
    kind: str  # "assignment" or "event"
    workspace_sid: str
    url: str
    fallback_url: str | None
    params: dict[str, Any]
    idempotency_token: str
    reservation_sid: str | None


@dataclass(eq=False)
class Deliveries(Service):
    """The outbox rows still to deliver (after a restart), and outcomes recorded in batches."""

    def pending(self) -> list[Delivery]:
        """Every undelivered row, oldest first (a restart delivers them again)."""
        return [
            Delivery(
                id=row["id"],
                kind=row["kind"],
                workspace_sid=row["workspace_sid"],
                url=row["url"],
                fallback_url=row["fallback_url"],
                params=json.loads(row["params"]),
                idempotency_token=row["idempotency_token"],
                reservation_sid=row["reservation_sid"],
            )
            for row in self.store.all("SELECT * FROM outbox WHERE state = 'pending' ORDER BY id")
        ]

    def finish(self, outcomes: list[tuple[int, str, str]]) -> None:
        """Record (id, state, result) for delivered, failed or dropped rows, in one transaction."""
        with self.kernel.tx():
            self.store.executemany(
                "UPDATE outbox SET state = ?, result = ?, attempts = attempts + 1 WHERE id = ?",
                [(state, result[:500], row_id) for row_id, state, result in outcomes],
            )
