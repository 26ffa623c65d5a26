"""The parity report's SDK column: every call of tests/sdk_operations.py, made with the official
twilio library, reaches the operation it is listed under and succeeds, as seen from the requests
the library itself sent."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest
from scripts_loader import load_script
from sdk_operations import SDK_CALLS, Scene
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

GEN = load_script("gen_parity")


OPERATIONS = GEN.spec_operations()


class Recording(TwilioHttpClient):
    """The SDK's own HTTP client, remembering (method, path, status) of every request."""

    def __init__(self) -> None:
        super().__init__(timeout=10)
        self.seen: list[tuple[str, str, int]] = []

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        response = super().request(method, url, *args, **kwargs)
        self.seen.append((method.upper(), urlsplit(url).path, response.status_code))
        return response


def test_every_listed_call_names_an_operation_of_the_spec() -> None:
    assert set(SDK_CALLS) <= {op.operation_id for op in OPERATIONS}


@pytest.mark.parametrize("operation", sorted(SDK_CALLS))
def test_the_sdk_call_reaches_its_operation(emulator: Any, operation: str) -> None:
    http = Recording()
    sdk = Client(emulator.account_sid, emulator.auth_token, http_client=http)
    sdk.taskrouter.base_url = emulator.url
    scene = Scene(sdk)
    http.seen.clear()
    SDK_CALLS[operation](scene)
    reached = [
        (GEN.operation_for(method, path, OPERATIONS), status) for method, path, status in http.seen
    ]
    statuses = [status for name, status in reached if name == operation]
    assert statuses, f"{operation}: the SDK sent {http.seen}"
    assert all(200 <= status < 300 for status in statuses), (operation, http.seen)
