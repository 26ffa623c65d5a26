"""Unit tests: trctl's HTTP client gives up at once on a local server that is not there, retries
a remote one, and refuses an answer that is not TaskRouter's JSON."""

from __future__ import annotations

from typing import Any

import pytest
import requests
from run_environment import RecordingClock
from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response

from trctl.errors import NetworkError
from trctl.services.http import RetryingHttpClient, check_answer


class Refused(TwilioHttpClient):
    """The network under the retries: every connection is refused."""

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        self.sent.append(url)  # type: ignore[attr-defined]
        raise requests.ConnectionError("[Errno 111] Connection refused")


class RefusedClient(RetryingHttpClient, Refused):
    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.sent: list[str] = []


def client(clock: RecordingClock) -> RefusedClient:
    return RefusedClient(timeout=5.0, sleep=clock.sleep, clock=clock.monotonic)


@pytest.mark.parametrize("host", ["127.0.0.1:7401", "localhost:7401", "[::1]:7401"])
def test_a_refused_connection_on_this_machine_fails_at_once(host: str) -> None:
    clock = RecordingClock()
    http = client(clock)
    with pytest.raises(requests.ConnectionError):
        http.request("GET", f"http://{host}/v1/Workspaces")
    assert (len(http.sent), clock.slept) == (1, [])  # no retry, no pause


def test_a_refused_connection_elsewhere_is_retried_with_backoff() -> None:
    clock = RecordingClock()
    http = client(clock)
    with pytest.raises(requests.ConnectionError):
        http.request("GET", "https://taskrouter.twilio.com/v1/Workspaces")
    assert len(http.sent) == 5 and len(clock.slept) == 4


@pytest.mark.parametrize(
    ("text", "passes"),
    [('{"workspaces": []}', True), ("  [1]", True), ("", True), ("<html>404</html>", False)],
)
def test_only_json_or_nothing_reads_as_taskrouter(text: str, passes: bool) -> None:
    response = Response(404, text, {"Content-Type": "text/html; charset=utf-8"})
    if passes:
        assert check_answer("GET", "http://127.0.0.1:8000/v1/Workspaces", response) is response
        return
    with pytest.raises(NetworkError) as caught:
        check_answer("GET", "http://127.0.0.1:8000/v1/Workspaces?PageSize=50", response)
    assert caught.value.kind == "answer"
    assert caught.value.reason == "GET /v1/Workspaces answered 404 with text/html instead of JSON"
