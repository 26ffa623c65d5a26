"""Helpers for the callback e2e tests: a realistic signed callback and a raw HTTP client."""

from __future__ import annotations

import http.client
import socket
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

from trctl.callback.signature import compute_signature

TOKEN = "test-auth-token-0123456789abcdef"
ACCOUNT = "AC" + "a" * 32


def assignment_params(reservation: str = "1", **overrides: str) -> dict[str, str]:
    """The twelve parameters of a real assignment callback (shape of the 2018 captures)."""
    params = {
        "AccountSid": ACCOUNT,
        "WorkspaceSid": "WS" + "1" * 32,
        "WorkflowSid": "WW" + "2" * 32,
        "TaskQueueSid": "WQ" + "3" * 32,
        "WorkerSid": "WK" + "4" * 32,
        "TaskSid": "WT" + "5" * 32,
        "ReservationSid": "WR" + reservation.rjust(32, "0"),
        "TaskAttributes": '{"selected_language":"es"}',
        "WorkerAttributes": '{"languages":["en","es"]}',
        "TaskAge": "3",
        "TaskPriority": "0",
        "Timestamp": "1764472000",
    }
    params.update(overrides)
    return params


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        import json

        return json.loads(self.body)


def raw_request(url: str, method: str, body: bytes, headers: list[tuple[str, str]]) -> Answer:
    """One request on a fresh connection, headers exactly as given (duplicates allowed)."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        conn.putrequest(method, target, skip_accept_encoding=True)
        for name, value in headers:
            conn.putheader(name, value)
        conn.endheaders(body or None)
        response = conn.getresponse()
        return Answer(response.status, dict(response.getheaders()), response.read())
    finally:
        conn.close()


def post_form(
    url: str,
    params: dict[str, str],
    *,
    signed_url: str | None = None,
    signature: str | None = None,
    extra_headers: list[tuple[str, str]] | None = None,
) -> Answer:
    """POST a form signed for signed_url (default: url) with the test token."""
    body = urlencode(params).encode()
    if signature is None:
        signature = compute_signature(TOKEN, signed_url or url, params)
    headers = [
        ("Content-Type", "application/x-www-form-urlencoded"),
        ("Content-Length", str(len(body))),
        ("X-Twilio-Signature", signature),
        *(extra_headers or []),
    ]
    return raw_request(url, "POST", body, headers)


def port_is_free(port: int) -> bool:
    """Nothing listens on it any more (TIME_WAIT leftovers allowed, as servers allow them)."""
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True
