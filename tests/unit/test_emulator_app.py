"""App.handle without sockets: Host check, auth, routing, error envelopes, form parsing."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any

import pytest

from trctl.emulator.core.clock import FakeClock
from trctl.emulator.core.core import Core
from trctl.emulator.core.ids import SequentialSids
from trctl.emulator.core.store import Store
from trctl.emulator.http.app import App, Request
from trctl.emulator.http.routes import build_routes
from trctl.emulator.http.statistics import ROUTES as STATS_ROUTES

ACCOUNT = "AC" + "1" * 32
TOKEN = "t" * 32
HOST = "127.0.0.1:8123"


@pytest.fixture
def app() -> Iterator[App]:
    store = Store(":memory:")
    store.set_meta("account_sid", ACCOUNT)
    core = Core(store, FakeClock(), SequentialSids())
    application = App(core, build_routes(STATS_ROUTES), ACCOUNT, TOKEN)
    application.allow_port("127.0.0.1", 8123)
    yield application
    store.close()


def auth(user: str = ACCOUNT, password: str = TOKEN) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def send(
    app: App,
    method: str,
    path: str,
    body: bytes | str = b"",
    *,
    query: str = "",
    headers: dict[str, str] | None = None,
) -> tuple[int, Any, dict[str, str]]:
    all_headers = {"host": HOST, "authorization": auth()}
    all_headers.update(headers or {})
    raw = body.encode() if isinstance(body, str) else body
    response = app.handle(Request(method, path, query, all_headers, raw))
    parsed = json.loads(response.body) if response.body else None
    return response.status, parsed, dict(response.headers)


def test_create_and_fetch_without_sockets(app: App) -> None:
    status, body, _ = send(app, "POST", "/v1/Workspaces", "FriendlyName=Unit")
    assert status == 201
    assert body["sid"] == "WS" + "0" * 31 + "1"  # sequential SIDs are injectable
    assert body["url"] == f"http://{HOST}/v1/Workspaces/{body['sid']}"
    assert body["date_created"] == "2026-01-01T00:00:00Z"
    status, fetched, _ = send(app, "GET", f"/v1/Workspaces/{body['sid']}")
    assert status == 200 and fetched == body


@pytest.mark.parametrize(
    ("headers", "status", "code"),
    [
        ({"authorization": ""}, 401, 20003),
        ({"authorization": auth(password="nope")}, 401, 20003),
        ({"authorization": "Basic !!!not-base64"}, 401, 20003),
        ({"authorization": "Bearer x"}, 401, 20003),
        ({"host": "attacker.example:8123"}, 400, 20001),
        ({"host": "127.0.0.1:9999"}, 400, 20001),
        ({"host": ""}, 400, 20001),
    ],
)
def test_refusals(app: App, headers: dict[str, str], status: int, code: int) -> None:
    got, body, response_headers = send(app, "GET", "/v1/Workspaces", headers=headers)
    assert (got, body["code"], body["status"]) == (status, code, status)
    assert set(body) == {"code", "message", "more_info", "status"}
    if status == 401:
        assert response_headers["WWW-Authenticate"] == 'Basic realm="Twilio API"'


@pytest.mark.parametrize("host", ["localhost:8123", "[::1]:8123", "LOCALHOST:8123"])
def test_loopback_names_are_accepted(app: App, host: str) -> None:
    assert send(app, "GET", "/v1/Workspaces", headers={"host": host})[0] == 200


def test_unknown_path_and_wrong_method(app: App) -> None:
    status, body, _ = send(app, "GET", "/v1/Nothing")
    assert (status, body["code"]) == (404, 20404)
    assert body["message"] == "The requested resource /v1/Nothing was not found"
    status, body, _ = send(app, "PUT", "/v1/Workspaces")
    assert (status, body["code"]) == (405, 20004)


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        (b"FriendlyName", "Malformed"),
        (b"\xff\xfe", "UTF-8"),
        (b"FriendlyName=%zz", None),
        (b"", "FriendlyName"),
        (b"FriendlyName=", "must not be empty"),
        (b"FriendlyName=A&Template=WEIRD", "Template"),
        (b"FriendlyName=A&PrioritizeQueueOrder=SIDEWAYS", "PrioritizeQueueOrder"),
    ],
)
def test_bad_workspace_bodies(app: App, body: bytes, fragment: str | None) -> None:
    status, answer, _ = send(app, "POST", "/v1/Workspaces", body)
    if fragment is None:  # parse_qsl leaves unknown escapes as text: Twilio would accept it too
        assert status == 201
        return
    assert status == 400, answer
    code = 20002 if fragment == "must not be empty" else 20001  # "Invalid FriendlyName"
    assert answer["code"] == code and fragment in answer["message"]


def test_unknown_parameters_are_ignored(app: App) -> None:
    status, body, _ = send(app, "POST", "/v1/Workspaces", "FriendlyName=A&Whatever=1")
    assert status == 201 and "whatever" not in body


def test_delete_is_204_with_an_empty_body(app: App) -> None:
    _, ws, _ = send(app, "POST", "/v1/Workspaces", "FriendlyName=Gone")
    response = app.handle(
        Request(
            "DELETE", f"/v1/Workspaces/{ws['sid']}", "", {"host": HOST, "authorization": auth()}
        )
    )
    assert (response.status, response.body) == (204, b"")


def test_internal_errors_become_a_500_envelope(app: App, monkeypatch: pytest.MonkeyPatch) -> None:
    def explode(*_: Any) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(app.core.workspaces, "create", explode)
    status, body, _ = send(app, "POST", "/v1/Workspaces", "FriendlyName=X")
    assert (status, body["code"]) == (500, 20500)
    assert "boom" not in body["message"]
