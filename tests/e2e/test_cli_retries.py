"""E2E: the CLI against a tiny stdlib fake TaskRouter that throttles, fails, or is not there.

Real HTTP on 127.0.0.1 (port 0); the retry sleep is injected, so no test waits for time.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from run_environment import RecordingClock, run_trctl

import trctl.services.http as http_module

WS = "WS" + "0" * 32
TOKEN = "fake-token-that-must-never-be-printed"


@dataclass
class Script:
    """What the fake server answers: `failures` responses of `status`, then success."""

    status: int = 429
    failures: int = 0
    retry_after: str | None = None
    requests: list[tuple[str, str]] = field(default_factory=list)


def task_record(sid: str = "WT" + "1" * 32) -> dict[str, Any]:
    return {
        "sid": sid,
        "assignment_status": "pending",
        "attributes": '{"selected_language":"es"}',
        "priority": 0,
        "age": 3,
        "task_queue_friendly_name": "Spanish",
        "workspace_sid": WS,
    }


class FakeTaskRouter(BaseHTTPRequestHandler):
    script: Script

    def log_message(self, *args: Any) -> None:
        pass

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        script = self.server.script  # type: ignore[attr-defined]
        script.requests.append((self.command, self.path))
        if len(script.requests) <= script.failures:
            body = {"code": 20429, "message": "Too Many Requests", "status": script.status}
            self._send(script.status, body, retry_after=script.retry_after)
        elif self.command == "POST":
            self._send(201, task_record())
        else:
            meta = {"key": "tasks", "next_page_url": None, "page": 0, "page_size": 50}
            self._send(200, {"meta": meta, "tasks": [task_record()]})

    do_GET = do_POST = _answer

    def _send(self, status: int, body: Any, *, retry_after: str | None = None) -> None:
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        if retry_after:
            self.send_header("Retry-After", retry_after)
        self.end_headers()
        self.wfile.write(payload)


@pytest.fixture
def fake_api() -> Iterator[tuple[str, Script]]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeTaskRouter)
    server.script = Script()  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", server.script  # type: ignore[attr-defined]
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def clock() -> RecordingClock:
    """The runs' clock: every retry delay the client asked for; nothing actually sleeps."""
    return RecordingClock()


@pytest.fixture
def sleeps(clock: RecordingClock) -> list[float]:
    return clock.slept


def env_for(url: str) -> dict[str, str]:
    return {
        "TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
        "TWILIO_AUTH_TOKEN": TOKEN,
        "TWILIO_API_KEY": "",
        "TWILIO_API_SECRET": "",
        "TRCTL_API_URL": url,
        "TRCTL_WORKSPACE_SID": WS,
        "TRCTL_WORKFLOW_SID": "WW" + "0" * 32,
        "TRCTL_PROFILE": "",
        "TRCTL_CONFIG_DIR": "/nonexistent/trctl-test-config",
        "TWILIO_CONFIG_DIR": "/nonexistent/twilio-cli-test-config",
    }


@pytest.fixture
def invoke(clock: RecordingClock):
    """Run trctl against the API at `url` on the test's clock."""

    def run(url: str, *args: str):
        return run_trctl(args, environ=env_for(url), clock=clock)

    return run


def one_error_line(result) -> str:
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr and TOKEN not in result.output + result.stderr
    return lines[0]


def test_list_survives_a_short_429_burst_honouring_retry_after(fake_api, sleeps, invoke) -> None:
    url, script = fake_api
    script.failures, script.retry_after = 2, "3"
    result = invoke(url, "tasks", "list", "--json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)[0]["attributes"] == {"selected_language": "es"}
    assert len(script.requests) == 3
    assert sleeps == [3.0, 3.0]


def test_a_429_storm_ends_with_one_line_and_exit_5_after_bounded_retries(
    fake_api, sleeps, invoke
) -> None:
    url, script = fake_api
    script.failures = 1000
    result = invoke(url, "tasks", "list")
    assert result.exit_code == 5
    line = one_error_line(result)
    assert line.startswith("Error: TaskRouter 429")
    assert line.endswith(
        "(TaskRouter kept throttling after trctl's retries; wait a moment and run it again)"
    )
    assert len(script.requests) == http_module.MAX_ATTEMPTS
    assert len(sleeps) == http_module.MAX_ATTEMPTS - 1
    assert sleeps == sorted(sleeps), "backoff grows"


def test_create_is_retried_on_429_which_was_not_applied(fake_api, sleeps, invoke) -> None:
    url, script = fake_api
    script.failures = 1
    result = invoke(url, "task", "create", "--attr", "selected_language=es", "--json")
    assert result.exit_code == 0, result.stderr
    assert [method for method, _ in script.requests] == ["POST", "POST"]
    assert json.loads(result.stdout)["sid"] == "WT" + "1" * 32


def test_create_is_not_retried_on_5xx(fake_api, sleeps, invoke) -> None:
    url, script = fake_api
    script.status, script.failures = 503, 1
    result = invoke(url, "task", "create", "--attr", "selected_language=es")
    assert result.exit_code == 5
    assert one_error_line(result).startswith("Error: TaskRouter 503")
    assert script.requests == [("POST", f"/v1/Workspaces/{WS}/Tasks")]
    assert sleeps == []


def test_get_is_retried_on_5xx(fake_api, sleeps, invoke) -> None:
    url, script = fake_api
    script.status, script.failures = 502, 2
    result = invoke(url, "tasks", "list")
    assert result.exit_code == 0, result.stderr
    assert len(script.requests) == 3 and len(sleeps) == 2


def test_unreachable_api_is_exit_6(sleeps, invoke) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = invoke(f"http://127.0.0.1:{port}", "tasks", "list")
    assert result.exit_code == 6
    line = one_error_line(result)
    assert line.startswith(f"Error: cannot reach http://127.0.0.1:{port} (API URL from ")
    assert sleeps == []


def test_retries_stop_within_the_total_time_budget(fake_api, sleeps, invoke) -> None:
    """Retry-After: 10 on every answer: a fourth wait would pass the 30 s budget, so trctl
    gives up after 4 attempts (not 5) and 30 s of (injected) waiting: the run's clock moves
    only by the pauses it records."""
    url, script = fake_api
    script.failures, script.retry_after = 1000, "10"
    result = invoke(url, "tasks", "list")
    assert result.exit_code == 5
    assert one_error_line(result).startswith("Error: TaskRouter 429")
    assert sleeps == [10.0, 10.0, 10.0]
    assert sum(sleeps) <= http_module.MAX_TOTAL_SECONDS
    assert len(script.requests) == 4
