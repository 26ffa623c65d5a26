"""/trctl/clock, the emulator's own endpoint (not Twilio's): read the clock, move a manual one."""

from __future__ import annotations

from concurrent.futures import Future
from typing import TYPE_CHECKING, Any

from trctl.emulator.core.clock import iso
from trctl.emulator.core.errors import bad_request
from trctl.emulator.http.app import Call, Handler, Response, error_response, json_response

if TYPE_CHECKING:
    from trctl.emulator.timecontrol import Moved, TimeControl

PATH = "/trctl/clock"
TIMER_KINDS = ("reservation", "target", "ttl", "retention")


def clock_routes(control: TimeControl) -> list[tuple[str, str, Handler]]:
    """GET shows the clock; POST with Advance=SECONDS or Now=ISO-8601 moves a manual one and
    answers once every timer due on the way fired and its callbacks were delivered."""

    def show(call: Call) -> Response:
        return json_response(200, _shown(control, control.now()))

    def move(call: Call) -> Future[Response]:
        """Answered from the clock's own thread once the move is done: the loop that serves
        requests and delivers callbacks must not wait for it."""
        advance, moment = call.params.raw("Advance"), call.params.date("Now")
        if (advance is None) == (moment is None):
            raise bad_request("Give one of Advance (seconds, e.g. 90) or Now (ISO 8601)")
        seconds = _seconds(advance) if moment is None else 0.0

        def run() -> Response:
            from trctl.emulator.timecontrol import ClockError

            try:
                moved = control.set(moment) if moment is not None else control.advance(seconds)
            except ClockError as exc:
                return error_response(bad_request(str(exc)))
            return json_response(200, _moved(control, moved))

        return control.submit(run)

    return [("GET", PATH, show), ("POST", PATH, move)]


def _seconds(text: str | None) -> float:
    try:
        return float(text or "")
    except ValueError as exc:
        raise bad_request(f"Advance must be a number of seconds, got {text!r}") from exc


def _shown(control: TimeControl, now: float) -> dict[str, Any]:
    return {"now": iso(now), "mode": control.mode, "epoch": now}


def _moved(control: TimeControl, moved: Moved) -> dict[str, Any]:
    return {
        **_shown(control, moved.now),
        "timers_fired": moved.fired,
        "timers": {kind: moved.kinds.get(kind, 0) for kind in TIMER_KINDS},
        "callbacks_settled": moved.settled,
    }
