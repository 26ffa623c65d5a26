"""The outbox table: callbacks waiting to be delivered, claimed in order, finished with a result."""

from __future__ import annotations

import json
from collections.abc import Collection
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
    """Claims pending outbox rows (event callbacks in order per workspace) and records outcomes."""

    def pending_count(self) -> int:
        return int(self.store.scalar("SELECT COUNT(*) FROM outbox WHERE state = 'pending'") or 0)

    def next(self, in_flight: Collection[int]) -> Delivery | None:
        """The oldest deliverable row not in flight: event callbacks go out one at a time per
        workspace, in order; assignment callbacks in parallel."""
        exclude = ",".join(str(i) for i in in_flight) or "0"
        row = self.store.one(
            f"SELECT * FROM outbox o WHERE state = 'pending' AND id NOT IN ({exclude}) "
            "AND (kind != 'event' OR NOT EXISTS (SELECT 1 FROM outbox p WHERE p.kind = 'event' "
            "AND p.state = 'pending' AND p.workspace_sid = o.workspace_sid AND p.id < o.id)) "
            "ORDER BY id LIMIT 1"
        )
        if row is None:
            return None
        return Delivery(
            id=row["id"],
            kind=row["kind"],
            workspace_sid=row["workspace_sid"],
            url=row["url"],
            fallback_url=row["fallback_url"],
            params=json.loads(row["params"]),
            idempotency_token=row["idempotency_token"],
            reservation_sid=row["reservation_sid"],
        )

    def finish(self, delivery_id: int, state: str, result: str) -> None:
        """Record the outcome ("delivered" or "failed") and a short description of it."""
        with self.kernel.tx():
            self.store.execute(
                "UPDATE outbox SET state = ?, result = ?, attempts = attempts + 1 WHERE id = ?",
                (state, result[:500], delivery_id),
            )
