"""Every exit-code path against a fake Twilio on loopback: one stderr line, no traceback (E12)."""

from __future__ import annotations

import base64
import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from run_environment import Ran, RecordingClock, run_trctl

from trctl.cli.environment import Environment
from trctl.config import load_settings
from trctl.errors import ApiError
from trctl.services.client import make_client
from trctl.services.errors import api_errors

ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
AUTH_TOKEN = "tok3n-s3cret-" + "9f8e7d6c5b4a3210"
API_SECRET = "ap1-s3cret-" + "0a1b2c3d4e5f6789"
API_KEY = "SK" + "fedcba9876543210" * 2
BASIC = base64.b64encode(f"{ACCOUNT_SID}:{AUTH_TOKEN}".encode()).decode()
SECRETS = (AUTH_TOKEN, API_SECRET, BASIC)
WORKSPACES = "/v1/Workspaces"


@dataclass
class Canned:
    """One scripted answer: status, body, headers; `hang` holds the socket without answering."""

    status: int = 200
    body: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    hang: bool = False


@dataclass
class FakeTwilio:
    """A stdlib HTTP server that answers from a script and records what it was asked."""

    url: str
    script: dict[tuple[str, str], list[Canned]] = field(default_factory=dict)
    requests: list[tuple[str, str, str]] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)

    def answer(self, method: str, path: str, *responses: Canned) -> None:
        self.script[(method, path)] = list(responses)

    def next_answer(self, method: str, path: str) -> Canned:
        queue = self.script.get((method, path))
        if not queue:
            return Canned(404, json.dumps({"code": 20404, "message": "no script", "status": 404}))
        return queue.pop(0) if len(queue) > 1 else queue[0]

    def count(self, method: str, path: str) -> int:
        return sum(1 for m, p, _ in self.requests if (m, p) == (method, path))


def _handler(fake: FakeTwilio) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            self.rfile.read(length)
            path = self.path.split("?", 1)[0]
            fake.requests.append((self.command, path, self.headers.get("Authorization", "")))
            canned = fake.next_answer(self.command, path)
            if canned.hang:
                fake.release.wait(timeout=30)
                return
            body = canned.body.encode()
            self.send_response(canned.status)
            content_type = "application/json" if canned.body.startswith("{") else "text/html"
            self.send_header("Content-Type", content_type)
            for name, value in canned.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = _serve

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Handler


@pytest.fixture
def fake_twilio() -> Iterator[FakeTwilio]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    fake = FakeTwilio(f"http://127.0.0.1:{server.server_address[1]}")
    server.RequestHandlerClass = _handler(fake)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    yield fake
    fake.release.set()
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture
def clock() -> RecordingClock:
    """The runs' clock: retry pauses are recorded instead of slept, so a 429 storm takes no
    wall time."""
    return RecordingClock()


@pytest.fixture
def sleeps(clock: RecordingClock) -> list[float]:
    return clock.slept


@pytest.fixture
def run(tmp_path: Path, fake_twilio: FakeTwilio, clock: RecordingClock):
    """Invoke trctl in-process with fake-Twilio credentials and no stray configuration."""
    base = {
        "TRCTL_CONFIG_DIR": str(tmp_path / "trctl"),
        "TWILIO_CONFIG_DIR": str(tmp_path / "twilio-cli"),
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TRCTL_API_URL": fake_twilio.url,
        "TRCTL_TIMEOUT": "5",
    }

    def invoke(*args: str, **env: str | None) -> Ran:
        return run_trctl(args, environ={**base, **env}, clock=clock)

    return invoke


def error_line(result: Ran) -> str:
    """The single stderr line of a failed command (asserting there is exactly one)."""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: ")
    assert "Traceback" not in result.output
    assert result.stdout == ""
    return lines[0]


def assert_no_secret(result: Ran) -> None:
    for secret in SECRETS:
        assert secret not in result.output


def twilio_error(status: int, code: int, message: str) -> str:
    return json.dumps(
        {
            "code": code,
            "message": message,
            "more_info": f"https://www.twilio.com/docs/errors/{code}",
            "status": status,
        }
    )


def workspace_page(count: int) -> str:
    items = [{"sid": f"WS{i:032x}", "friendly_name": f"ws{i}"} for i in range(count)]
    meta = {"page": 0, "page_size": 50, "key": "workspaces", "next_page_url": None}
    return json.dumps({"workspaces": items, "meta": meta})


def test_success_prints_account_url_and_workspace_count(run, fake_twilio) -> None:
    fake_twilio.answer("GET", WORKSPACES, Canned(200, workspace_page(3)))
    result = run("config", "check", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {
        "account_sid": ACCOUNT_SID,
        "api_url": fake_twilio.url,
        "workspaces": 3,
        "rest_auth": "account sid + auth token",
    }
    assert fake_twilio.requests[0][2] == f"Basic {BASIC}"


@pytest.mark.parametrize("command", [["config", "check"], ["workspaces", "list"]])
def test_twilio_style_absolute_page_links_stay_on_the_api_url(run, fake_twilio, command) -> None:
    """Real Twilio's next_page_url is absolute (https://taskrouter.twilio.com/...): with
    --api-url the next page must come from there too, never from Twilio with our credentials."""
    first = json.loads(workspace_page(2))
    first["meta"]["next_page_url"] = (
        "https://taskrouter.twilio.com/v1/Workspaces?Page=1&PageToken=x"
    )
    second = json.loads(workspace_page(1))
    fake_twilio.answer(
        "GET", WORKSPACES, Canned(200, json.dumps(first)), Canned(200, json.dumps(second))
    )
    result = run(*command, "--json")
    assert result.exit_code == 0, result.output
    assert fake_twilio.count("GET", WORKSPACES) == 2


def test_the_only_workspace_is_used_without_asking(run, fake_twilio) -> None:
    fake_twilio.answer("GET", WORKSPACES, Canned(200, workspace_page(1)))
    result = run("workspaces", "show", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["sid"] == f"WS{0:032x}"


@pytest.mark.parametrize(
    ("count", "expected"),
    [(0, "the account has no TaskRouter workspaces"), (3, "the account has 3: ws0 (WS")],
)
def test_no_workspace_or_several_is_a_config_error(run, fake_twilio, count, expected) -> None:
    fake_twilio.answer("GET", WORKSPACES, Canned(200, workspace_page(count)))
    result = run("workspaces", "show")
    assert result.exit_code == 3
    line = error_line(result)
    assert expected in line
    if count:
        assert "ws1 (" in line and "ws2 (" in line and "--workspace" in line


def test_api_key_wins_over_auth_token(run, fake_twilio) -> None:
    fake_twilio.answer("GET", WORKSPACES, Canned(200, workspace_page(0)))
    result = run("config", "check", TWILIO_API_KEY=API_KEY, TWILIO_API_SECRET=API_SECRET)
    assert result.exit_code == 0, result.output
    expected = base64.b64encode(f"{API_KEY}:{API_SECRET}".encode()).decode()
    assert fake_twilio.requests[0][2] == f"Basic {expected}"
    assert API_SECRET not in result.output


def test_401_is_a_config_error(run, fake_twilio) -> None:
    fake_twilio.answer("GET", WORKSPACES, Canned(401, twilio_error(401, 20003, "Authenticate")))
    result = run("config", "check")
    assert result.exit_code == 3
    line = error_line(result)
    assert "401" in line and "20003" in line and "docs/errors/20003" in line
    assert_no_secret(result)


def test_404_is_not_found(run, fake_twilio) -> None:
    body = twilio_error(404, 20404, "The requested resource /v1/Workspaces was not found")
    fake_twilio.answer("GET", WORKSPACES, Canned(404, body))
    result = run("config", "check")
    assert result.exit_code == 4
    assert "20404" in error_line(result)


def test_rfc9457_body_is_handled_like_other_errors(run, fake_twilio) -> None:
    body = {"type": "https://x/404", "title": "Not Found", "status": 404, "code": 20404}
    fake_twilio.answer("GET", WORKSPACES, Canned(404, json.dumps(body)))
    result = run("config", "check")
    assert result.exit_code == 4
    assert "20404" in error_line(result)


def test_400_with_twilio_body_is_an_api_error_with_code_and_link(run, fake_twilio) -> None:
    fake_twilio.answer("GET", WORKSPACES, Canned(400, twilio_error(400, 20001, "Bad PageSize")))
    result = run("config", "check")
    assert result.exit_code == 5
    line = error_line(result)
    assert "Bad PageSize" in line and "https://www.twilio.com/docs/errors/20001" in line
    assert fake_twilio.count("GET", WORKSPACES) == 1  # a 400 is never retried


def test_429_storm_honours_retry_after_then_gives_up(run, fake_twilio, sleeps) -> None:
    throttled = Canned(429, twilio_error(429, 20429, "Too Many Requests"), {"Retry-After": "2"})
    fake_twilio.answer("GET", WORKSPACES, throttled)
    result = run("config", "check")
    assert result.exit_code == 5
    assert "429" in error_line(result) and "Too Many Requests" in result.stderr
    assert fake_twilio.count("GET", WORKSPACES) == 5
    assert sleeps == [2.0, 2.0, 2.0, 2.0]


def test_429_then_success_is_transparent(run, fake_twilio, sleeps) -> None:
    throttled = Canned(429, twilio_error(429, 20429, "Too Many Requests"))
    fake_twilio.answer("GET", WORKSPACES, throttled, throttled, Canned(200, workspace_page(1)))
    result = run("config", "check", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["workspaces"] == 1
    assert len(sleeps) == 2 and 0.25 <= sleeps[0] <= 0.3 and 0.5 <= sleeps[1] <= 0.6


def test_html_503_is_retried_then_reported_with_the_status(run, fake_twilio, sleeps) -> None:
    fake_twilio.answer("GET", WORKSPACES, Canned(503, "<html>Service Unavailable</html>"))
    result = run("config", "check")
    assert result.exit_code == 5
    assert "503" in error_line(result)
    assert fake_twilio.count("GET", WORKSPACES) == 5
    assert sleeps == sorted(sleeps) and len(sleeps) == 4


def _sdk_client(fake: FakeTwilio, tmp_path: Path, clock: RecordingClock):
    """The client trctl makes, through the transport of an Environment with the test's clock."""
    env = {"TWILIO_ACCOUNT_SID": ACCOUNT_SID, "TWILIO_AUTH_TOKEN": AUTH_TOKEN}
    env.update(TRCTL_API_URL=fake.url, TRCTL_CONFIG_DIR=str(tmp_path), HOME=str(tmp_path))
    return make_client(load_settings({}, env), Environment(environ=env, clock=clock).http_client)


def test_post_is_never_retried_on_5xx(fake_twilio, clock, tmp_path: Path) -> None:
    """A 5xx after a write may hide a created resource: report it, do not repeat the write."""
    fake_twilio.answer("POST", WORKSPACES, Canned(503, twilio_error(503, 20500, "Unavailable")))
    client = _sdk_client(fake_twilio, tmp_path, clock)
    with pytest.raises(ApiError) as failure, api_errors():
        client.taskrouter.v1.workspaces.create(friendly_name="Quickstart")
    assert failure.value.status == 503 and failure.value.exit_code == 5
    assert fake_twilio.count("POST", WORKSPACES) == 1
    assert clock.slept == []


def test_post_is_retried_on_429_which_never_applies_a_write(fake_twilio, clock, tmp_path) -> None:
    throttled = Canned(429, twilio_error(429, 20429, "Too Many Requests"), {"Retry-After": "1"})
    created = Canned(201, json.dumps({"sid": "WS" + "1" * 32, "friendly_name": "Quickstart"}))
    fake_twilio.answer("POST", WORKSPACES, throttled, created)
    workspace = _sdk_client(fake_twilio, tmp_path, clock).taskrouter.v1.workspaces.create(
        friendly_name="Quickstart"
    )
    assert workspace.friendly_name == "Quickstart"
    assert fake_twilio.count("POST", WORKSPACES) == 2
    assert clock.slept == [1.0]


def test_connection_refused_is_a_network_error(run, sleeps) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        dead_url = f"http://127.0.0.1:{probe.getsockname()[1]}"
    result = run("config", "check", TRCTL_API_URL=dead_url)
    assert result.exit_code == 6
    assert error_line(result) == (
        f"Error: cannot reach {dead_url} (API URL from env TRCTL_API_URL): connection refused "
        "(nothing listens there: start the emulator with `trctl emulator start`, "
        'then eval "$(trctl emulator env)")'
    )
    assert sleeps == []  # a server on this machine is there or not: no retries, no waiting


def test_a_web_page_instead_of_taskrouter_says_so(run, fake_twilio) -> None:
    """An HTML 404 (--api-url pointing at a web server) is not a Twilio error code 404."""
    fake_twilio.answer("GET", WORKSPACES, Canned(404, "<html>Not Found</html>"))
    result = run("--api-url", fake_twilio.url, "config", "check")
    assert result.exit_code == 6
    assert error_line(result) == (
        f"Error: {fake_twilio.url} (API URL from flag --api-url) does not answer like "
        "TaskRouter: GET /v1/Workspaces answered 404 with text/html instead of JSON "
        "(is it the emulator's or TaskRouter's address?)"
    )
    fake_twilio.answer("POST", WORKSPACES, Canned(200, "<html>hello</html>"))
    created = run("--api-url", fake_twilio.url, "workspace", "create", "x")
    assert created.exit_code == 6, created.stderr  # a 200 web page is not a workspace either
    assert "POST /v1/Workspaces answered 200 with text/html instead of JSON" in created.stderr


def test_a_server_that_never_answers_times_out(run, fake_twilio) -> None:
    fake_twilio.answer("GET", WORKSPACES, Canned(hang=True))
    started = time.monotonic()
    result = run("config", "check", TRCTL_TIMEOUT="0.3")
    elapsed = time.monotonic() - started
    assert result.exit_code == 6
    assert error_line(result).startswith(
        f"Error: {fake_twilio.url} (API URL from env TRCTL_API_URL) did not answer within 0.3 s"
    )
    assert elapsed < 0.3 * 5 + 1


# JSON, but not a page of workspaces: the twilio library fails on it with a TypeError
MISSHAPEN = json.dumps({"workspaces": 5, "meta": {"key": "workspaces", "next_page_url": None}})


def test_unexpected_exception_exits_1_and_suggests_debug(run, fake_twilio) -> None:
    fake_twilio.answer("GET", WORKSPACES, Canned(200, MISSHAPEN))
    result = run("config", "check")
    assert result.exit_code == 1
    line = error_line(result)
    assert line.startswith("Error: unexpected ") and "--debug" in line


def test_debug_shows_traceback_and_http_log_without_secrets(run, fake_twilio) -> None:
    fake_twilio.answer("GET", WORKSPACES, Canned(200, MISSHAPEN))
    result = run("--debug", "config", "check")
    assert result.exit_code == 1
    assert "Traceback (most recent call last)" in result.stderr
    assert "debug: twilio.http_client: GET Request" in result.stderr
    assert result.stderr.splitlines()[-1].startswith("Error: unexpected ")
    assert_no_secret(result)


def test_debug_on_401_redacts_the_secret_everywhere(run, fake_twilio) -> None:
    fake_twilio.answer("GET", WORKSPACES, Canned(401, twilio_error(401, 20003, "Authenticate")))
    result = run("--debug", "config", "check", TWILIO_API_KEY=API_KEY, TWILIO_API_SECRET=API_SECRET)
    assert result.exit_code == 3
    assert "Traceback" in result.stderr
    assert_no_secret(result)


def test_no_credentials_is_a_config_error_that_says_how_to_get_them(run) -> None:
    result = run("config", "check", TWILIO_AUTH_TOKEN=None)
    assert result.exit_code == 3
    line = error_line(result)
    assert line.startswith(f"Error: no Twilio credentials for {ACCOUNT_SID}")
    assert 'for the emulator: eval "$(trctl emulator env)"' in line
    assert "for Twilio: set TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN" in line
    assert "`twilio login`" in line
    no_sid = run("config", "check", TWILIO_ACCOUNT_SID=None, TWILIO_AUTH_TOKEN=None)
    assert 'no Twilio account SID (for the emulator: eval "$(trctl emulator env)"' in (
        error_line(no_sid)
    )


def test_bad_timeout_setting_is_a_config_error(run) -> None:
    result = run("config", "check", TRCTL_TIMEOUT="soon")
    assert result.exit_code == 3
    assert "TRCTL_TIMEOUT" in error_line(result)


def test_usage_errors_exit_2_with_one_line(run) -> None:
    for args in (
        ["config", "check", "--bogus"],
        ["config", "show", "--format", "xml"],
        ["config", "show", "--json", "--csv"],
        ["no-such-command"],
    ):
        result = run(*args)
        assert result.exit_code == 2, args
        assert "see 'trctl" in error_line(result)


def test_entry_point_subprocess_reports_one_line(fake_twilio, tmp_path: Path) -> None:
    """The installed console script goes through the same funnel (sys.exit with the code)."""
    body = twilio_error(404, 20404, "The requested resource /v1/Workspaces was not found")
    fake_twilio.answer("GET", WORKSPACES, Canned(404, body))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TWILIO_", "TRCTL_"))}
    env.update(
        TRCTL_CONFIG_DIR=str(tmp_path),
        TWILIO_CONFIG_DIR=str(tmp_path),
        TWILIO_ACCOUNT_SID=ACCOUNT_SID,
        TWILIO_AUTH_TOKEN=AUTH_TOKEN,
        TRCTL_API_URL=fake_twilio.url,
    )
    trctl = Path(sys.executable).with_name("trctl")
    done = subprocess.run(
        [str(trctl), "config", "check"], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 4
    assert done.stdout == ""
    assert done.stderr.count("\n") == 1 and done.stderr.startswith("Error: TaskRouter 404")
    assert AUTH_TOKEN not in done.stderr
