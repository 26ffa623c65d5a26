"""The emulator's own endpoints (/trctl/clock, /trctl/faults, /trctl/deliveries), sent through
the run's twilio client: the same credentials, transport and retries as every TaskRouter request."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from trctl.errors import ApiError, ConfigError, NotFoundError, TrctlError, UsageError
from trctl.services.client import is_twilio
from trctl.services.errors import api_errors

CLOCK_PATH = "/trctl/clock"
FAULTS_PATH = "/trctl/faults"
DELIVERIES_PATH = "/trctl/deliveries"
MOVE_TIMEOUT = 600.0  # a clock move answers once every timer and callback on the way is done
NOT_THE_EMULATOR = 'set --api-url or TRCTL_API_URL to the emulator: eval "$(trctl emulator env)"'


def emulator_url(api_url: str | None, what: str) -> str:
    """The emulator's base URL, or a configuration error: `what` exists only on the emulator."""
    if not api_url or is_twilio(api_url):
        raise ConfigError(
            f"{what} belongs to trctl's emulator, not TaskRouter", hint=NOT_THE_EMULATOR
        )
    return api_url.rstrip("/")


class EmulatorApi:
    """GET/POST/DELETE on the emulator's /trctl/ paths; answers are JSON objects."""

    def __init__(self, client: Any, base_url: str) -> None:
        self.client = client
        self.base_url = base_url

    # -- the clock ------------------------------------------------------------------------------
    def clock(self) -> dict[str, Any]:
        return self._send("GET", CLOCK_PATH)

    def advance(self, seconds: float) -> dict[str, Any]:
        return self._send("POST", CLOCK_PATH, {"Advance": repr(float(seconds))}, MOVE_TIMEOUT)

    def set_clock(self, moment: str) -> dict[str, Any]:
        return self._send("POST", CLOCK_PATH, {"Now": moment}, MOVE_TIMEOUT)

    # -- fault rules ----------------------------------------------------------------------------
    def faults(self) -> list[dict[str, Any]]:
        return list(self._send("GET", FAULTS_PATH)["faults"])

    def add_fault(self, fields: Mapping[str, str]) -> dict[str, Any]:
        return self._send("POST", FAULTS_PATH, dict(fields))

    def clear_faults(self, rule: str | None = None) -> None:
        self._send("DELETE", f"{FAULTS_PATH}/{rule}" if rule else FAULTS_PATH)

    # -- callback delivery ----------------------------------------------------------------------
    def deliveries(self) -> list[dict[str, Any]]:
        return list(self._send("GET", DELIVERIES_PATH)["deliveries"])

    # -- the wire -------------------------------------------------------------------------------
    def _send(
        self,
        method: str,
        path: str,
        data: Mapping[str, str] | None = None,
        timeout: float | None = None,
    ) -> dict[str, Any]:
        url = self.base_url + path
        with api_errors():
            response = self.client.request(method, url, data=data, timeout=timeout)
        status = int(response.status_code)
        try:
            body = json.loads(response.text) if response.text else {}
        except ValueError:
            body = None
        if status >= 400 or not isinstance(body, dict):
            raise _refusal(status, body, url)
        return body


def _refusal(status: int, body: Any, url: str) -> TrctlError:
    message = body.get("message") if isinstance(body, dict) else None
    if status in (401, 403):
        return ConfigError(
            f"the emulator at {url} refused the credentials",
            hint="use the ones `trctl emulator env` prints",
        )
    if status == 404:
        unknown_path = not message or "/trctl/" in str(message)
        return NotFoundError(
            str(message or f"no {url}"),
            hint="is TRCTL_API_URL trctl's emulator?" if unknown_path else None,
        )
    if status == 400 and message:
        return UsageError(str(message))
    return ApiError(
        f"the emulator answered {status} to {url}: {message or 'no JSON'}", status=status
    )
