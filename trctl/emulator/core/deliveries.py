"""The outbox table: callbacks waiting to be delivered, and the outcome of each."""

from __future__ import annotations

import json
from dataclasses import dataclass

from trctl.emulator.core.callbacks import Delivery
from trctl.emulator.core.events import EventLog, subscribed
from trctl.emulator.core.kernel import Service


@dataclass(eq=False)
class Deliveries(Service):
    """What is still to deliver after a restart: outbox rows (assignment callbacks) and each
    event callback URL's events beyond its cursor; outcomes and cursors recorded in batches."""

    events: EventLog

    def pending(self) -> list[Delivery]:
        """Every undelivered callback, oldest first (a restart delivers them again)."""
        return self._outbox_rows() + self._events_beyond_cursors()

    def _events_beyond_cursors(self) -> list[Delivery]:
        """Events each URL has not had yet, for the workspaces whose callback URL it still is
        and whose EventsFilter lets them through."""
        found: list[Delivery] = []
        for cursor in self.store.all("SELECT url, last_id FROM event_cursors"):
            for workspace in self.store.all(
                "SELECT * FROM workspaces WHERE event_callback_url = ?", (cursor["url"],)
            ):
                for row in self.store.all(
                    "SELECT * FROM events WHERE workspace_sid = ? AND id > ? ORDER BY id",
                    (workspace["sid"], cursor["last_id"]),
                ):
                    if not subscribed(workspace["events_filter"], row["event_type"]):
                        continue
                    params = self.events.callback_params_of(row, workspace)
                    found.append(Delivery(row["id"], "event", workspace["sid"], cursor["url"],
                                          None, params, row["sid"], None, True))  # fmt: skip
        return sorted(found, key=lambda delivery: delivery.id)

    def _outbox_rows(self) -> list[Delivery]:
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

    def finish(
        self, outcomes: list[tuple[int, str, str]], cursors: dict[str, int] | None = None
    ) -> None:
        """Record, in one transaction, (id, state, result) of outbox rows delivered, failed or
        dropped, and how far each event callback URL has got (every event up to that id done)."""
        with self.kernel.tx():
            if outcomes:
                self.store.executemany(
                    "UPDATE outbox SET state = ?, result = ?, attempts = attempts + 1 WHERE id = ?",
                    [(state, result[:500], row_id) for row_id, state, result in outcomes],
                )
            if cursors:
                self.store.executemany(
                    "INSERT INTO event_cursors (url, last_id) VALUES (?, ?) ON CONFLICT(url) "
                    "DO UPDATE SET last_id = MAX(last_id, excluded.last_id)",
                    list(cursors.items()),
                )
