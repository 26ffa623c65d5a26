"""A callback to send, as the core hands it to the sender once its transaction commits."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


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
    from_log: bool = False  # an event callback read from the event log: `id` is the event's
