"""Raw HTTP helper for emulator tests: send a request with basic auth, get status/headers/JSON."""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def call(
    emu: Any,
    method: str,
    path: str,
    form: list[tuple[str, str]] | dict[str, str] | None = None,
    *,
    auth: tuple[str, str] | None = None,
    headers: dict[str, str] | None = None,
    raw_body: bytes | None = None,
) -> Answer:
    """One request to the emulator; auth defaults to its own credentials."""
    user, password = auth or (emu.account_sid, emu.auth_token)
    url = path if path.startswith("http") else emu.url + path
    data = raw_body
    if form is not None:
        data = urlencode(form).encode()
    request = urllib.request.Request(url, data=data, method=method)
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    request.add_header("Authorization", f"Basic {token}")
    if data is not None:
        request.add_header("Content-Type", "application/x-www-form-urlencoded")
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return Answer(response.status, dict(response.headers), response.read())
    except urllib.error.HTTPError as error:
        return Answer(error.code, dict(error.headers), error.read())
