"""/trctl/deliveries, the emulator's own endpoint (not Twilio's): how callback delivery is going,
per destination URL and kind, drops included."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from trctl.emulator.http.app import Call, Handler, Response, json_response

PATH = "/trctl/deliveries"


def delivery_routes(summary: Callable[[], list[dict[str, Any]]]) -> list[tuple[str, str, Handler]]:
    """GET answers {"deliveries": [...]}: per URL and kind (assignment, event), the callbacks
    waiting, in flight, delivered, failed, and dropped because that URL's backlog was full.
    `summary` runs on the loop, where the outbox keeps those counts."""

    def listed(call: Call) -> Response:
        return json_response(200, {"deliveries": summary()})

    return [("GET", PATH, listed)]
