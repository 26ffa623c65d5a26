"""Bad input answers 400 in Twilio's envelope naming the parameter, never 500: the cases issue 10
found, then a fuzz of App.handle over every spec operation and parameter (never a 5xx, every 4xx
in the envelope). Routes come from the route table, parameters from the spec file."""

from __future__ import annotations

import base64
import json
import re
from concurrent.futures import Future
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_emulator_app import ACCOUNT, HOST, TOKEN, auth

from trctl.emulator.core.clock import FakeClock
from trctl.emulator.core.core import Core
from trctl.emulator.core.ids import SequentialSids
from trctl.emulator.core.store import Store
from trctl.emulator.faultrules import KEYS
from trctl.emulator.http.app import App, Request
from trctl.emulator.http.routes import build_routes
from trctl.emulator.http.statistics import ROUTES as STATS_ROUTES

SPEC = json.loads((Path(__file__).parents[1] / "data" / "twilio_taskrouter_v1.json").read_text())
ROUTES = build_routes(STATS_ROUTES)
EXAMPLES = 400  # fixed, derandomized: the same requests on every run, in about 3 s


def spec_operations() -> list[tuple[str, str, list[str]]]:
    """(method, path template, parameter names) of every operation in the spec."""
    found = []
    for template, item in SPEC["paths"].items():
        for method, operation in item.items():
            if method not in ("get", "post", "delete"):
                continue
            names = [p["name"] for p in operation.get("parameters", []) if p.get("in") == "query"]
            for content in operation.get("requestBody", {}).get("content", {}).values():
                names += list(content.get("schema", {}).get("properties", {}))
            found.append((method.upper(), template, names))
    return sorted(found)


OPERATIONS = spec_operations()


class World:
    """A fresh in-memory emulator holding one of everything, its SIDs known in advance."""

    def __init__(self) -> None:
        self.store = Store(":memory:")
        self.app = App(Core(self.store, FakeClock(), SequentialSids()), ROUTES, ACCOUNT, TOKEN)
        self.app.allow_port("127.0.0.1", 8123)
        ws = self.call("POST", "/v1/Workspaces", "FriendlyName=Fuzz&Template=FIFO")["sid"]
        w = f"/v1/Workspaces/{ws}"
        idle = self.call("GET", w + "/Activities", query="FriendlyName=Available")
        activity = idle["activities"][0]["sid"]
        worker = self.call("POST", w + "/Workers", f"FriendlyName=Ann&ActivitySid={activity}")
        task = self.call("POST", w + "/Tasks", "Attributes=%7B%7D")
        reservation = self.call("GET", f"{w}/Tasks/{task['sid']}/Reservations")["reservations"]
        self.sids = {
            "WorkspaceSid": ws,
            "Activities": activity,
            "Workers": worker["sid"],
            "WorkerSid": worker["sid"],
            "Tasks": task["sid"],
            "TaskSid": task["sid"],
            "TaskQueues": task["task_queue_sid"],
            "TaskQueueSid": task["task_queue_sid"],
            "Workflows": task["workflow_sid"],
            "WorkflowSid": task["workflow_sid"],
            "TaskChannels": "voice",
            "Channels": "default",
            "Reservations": reservation[0]["sid"],
            "Events": self.call("GET", w + "/Events")["events"][0]["sid"],
            "Workspaces": ws,
        }

    def call(self, method: str, path: str, body: str = "", query: str = "") -> Any:
        response = self.handle(method, path, body.encode(), query)
        assert response.status < 300, response.body
        return json.loads(response.body)

    def handle(self, method: str, path: str, body: bytes, query: str, json_body: bool = False):
        headers = {"host": HOST, "authorization": auth()}
        if json_body:
            headers["content-type"] = "application/json"
        return self.app.handle(Request(method, path, query, headers, body))

    def path(self, template: str) -> str:
        """The template with every {Placeholder} replaced by the SID it names."""

        def sid(match: re.Match[str]) -> str:
            name = match.group(1)
            if name != "Sid":
                return self.sids[name]
            collection = template[: match.start()].rstrip("/").rsplit("/", 1)[-1]
            return self.sids[collection]

        return re.sub(r"\{(\w+)\}", sid, template)


def _token(key: Any) -> str:
    raw = json.dumps({"d": "a", "k": key}).encode()
    return "PT" + base64.urlsafe_b64encode(raw).decode().rstrip("=")


DEEP = "[" * 150 + "]" * 150
TRICKY = [
    "", " ", "0", "-1", "1", "50", "51", "2147483648", "9" * 25, "1.5", "1e999", "NaN",
    "true", "false", "yes", "null", "{}", "[]", '{"a":1}', '{"a":' + DEEP + "}", DEEP,
    "\x00", "a\x00b", "1==1", "worker.x ==", "2026-01-01T00:00:00Z", "2026-13-45", "yesterday",
    "FIFO", "LIFO", "accepted", "rejected", "completed", "canceled", "wrapping", "pending",
    "dequeue", "call", "redirect", "conference", "supervise", "default", "voice",
    "Priority:desc", "DateCreated:asc,VirtualStartTime:desc",
    "WK" + "0" * 32, "WQ" + "f" * 32, "WA" + "1" * 32, "WW" + "2" * 32, "http://127.0.0.1:9/x",
    "not a url", "PT", "PTxyz", _token([[1], {"a": 1}]), _token([10**25, 1]), _token([10**25]),
    _token(json.loads(DEEP)), _token([1.5, None]), _token(["x"] * 9),
]  # fmt: skip
TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=24)
VALUES = st.one_of(st.sampled_from(TRICKY), TEXT, st.integers().map(str))
BODIES = st.one_of(
    st.binary(max_size=64),
    st.sampled_from([b"\xff\xfe", DEEP.encode(), b'{"TaskQueueSids":' + DEEP.encode() + b"}"]),
    st.lists(st.sampled_from(["WQ" + "f" * 32, "x", ""]), max_size=3).map(
        lambda sids: json.dumps(sids).encode()
    ),
)


def assert_envelope(status: int, body: bytes, request: str) -> None:
    assert status < 500, f"{request} -> {status} {body[:300]!r}"
    if status >= 400:
        error = json.loads(body)
        assert set(error) == {"code", "message", "more_info", "status"}, request
        assert error["status"] == status and isinstance(error["code"], int), request
        assert error["more_info"] == f"https://www.twilio.com/docs/errors/{error['code']}"
        assert error["message"].strip(), request


def test_every_spec_operation_has_a_route() -> None:
    world = World()
    try:
        for method, template, _ in OPERATIONS:
            path = world.path(template)
            assert any(m == method and p.fullmatch(path) for m, p, _ in ROUTES), (method, path)
    finally:
        world.store.close()


@settings(
    max_examples=EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.data())
def test_no_input_gets_a_5xx(data: st.DataObject) -> None:
    method, template, names = data.draw(st.sampled_from(OPERATIONS), label="operation")
    world = World()
    try:
        path = world.path(template)
        if not names and method == "POST":  # the JSON-bodied bulk statistics
            body = data.draw(BODIES, label="body")
            response = world.handle(method, path, body, "", json_body=True)
            assert_envelope(response.status, response.body, f"{method} {path} {body!r}")
            return
        pairs = data.draw(
            st.lists(st.tuples(st.sampled_from([*names, "Unknown"]), VALUES), max_size=4),
            label="params",
        )
        form = urlencode(pairs, quote_via=quote)
        body, query = (form.encode(), "") if method == "POST" else (b"", form)
        response = world.handle(method, path, body, query)
        assert_envelope(response.status, response.body, f"{method} {path} {pairs!r}")
    finally:
        world.store.close()


HUGE = "[" * 1500 + "]" * 1500  # deeper than Python's recursive parser goes, < 4096 long
NAMED = [  # (method, path template, form or query, JSON body or None, the parameter named)
    ("POST", "/v1/Workspaces/{WorkspaceSid}/Tasks", {"Attributes": '{"a":' + HUGE + "}"}, None,
     "Attributes"),
    ("POST", "/v1/Workspaces/{WorkspaceSid}/Tasks/{TaskSid}", {"Attributes": HUGE}, None,
     "Attributes"),
    ("POST", "/v1/Workspaces/{WorkspaceSid}/Workers", {"FriendlyName": "x", "Attributes": HUGE},
     None, "Attributes"),
    ("POST", "/v1/Workspaces/{WorkspaceSid}/Workers/{WorkerSid}", {"Attributes": HUGE}, None,
     "Attributes"),
    ("POST", "/v1/Workspaces/{WorkspaceSid}/Workflows", {"FriendlyName": "x",
     "Configuration": '{"task_routing":' + HUGE + "}"}, None, "Configuration"),
    ("POST", "/v1/Workspaces/{WorkspaceSid}/Workflows/{WorkflowSid}",
     {"Configuration": '{"task_routing":' + HUGE + "}"}, None, "Configuration"),
    ("GET", "/v1/Workspaces/{WorkspaceSid}/TaskQueues", {"EvaluateWorkerAttributes": HUGE}, None,
     "EvaluateWorkerAttributes"),
    ("POST", "/v1/Workspaces/{WorkspaceSid}/TaskQueues/RealTimeStatistics", {}, HUGE.encode(),
     "Request body"),
    ("POST", "/v1/Workspaces/{WorkspaceSid}/TaskQueues/RealTimeStatistics", {}, b'["WQ\xff"]',
     "UTF-8"),
    ("POST", "/v1/Workspaces/{WorkspaceSid}/TaskQueues/{TaskQueueSid}", {"MaxReservedWorkers": ""},
     None, "MaxReservedWorkers"),
    ("POST", "/v1/Workspaces/{WorkspaceSid}/Workflows/{WorkflowSid}",
     {"TaskReservationTimeout": ""}, None, "TaskReservationTimeout"),
    ("POST", "/v1/Workspaces/{WorkspaceSid}/Tasks/{TaskSid}", {"Priority": ""}, None, "Priority"),
    ("POST", "/v1/Workspaces/{WorkspaceSid}/Tasks", {"Priority": ""}, None, "Priority"),
    ("POST", "/v1/Workspaces/{WorkspaceSid}/Tasks/{TaskSid}", {"VirtualStartTime": ""}, None,
     "VirtualStartTime"),
    ("POST", "/v1/Workspaces/{WorkspaceSid}/Workers/{WorkerSid}/Channels/default",
     {"Capacity": ""}, None, "Capacity"),
]  # fmt: skip
FORGED = [_token([[1], {"a": 1}]), _token([10**25, 1]), _token([10**25])]
FORGED.append("PT" + base64.urlsafe_b64encode(b'{"d":"a","k":' + HUGE.encode() + b"}").decode())
LISTS = [op for op in OPERATIONS if "PageToken" in op[2]]


@pytest.mark.parametrize(("method", "template", "params", "body", "named"), NAMED)
def test_bad_values_get_400_naming_the_parameter(method, template, params, body, named) -> None:
    world = World()
    try:
        path = world.path(template)
        form = urlencode(params)
        if body is not None:
            response = world.handle(method, path, body, "", json_body=True)
        elif method == "POST":
            response = world.handle(method, path, form.encode(), "")
        else:
            response = world.handle(method, path, b"", form)
        assert_envelope(response.status, response.body, f"{method} {path}")
        assert response.status == 400, response.body
        assert named in json.loads(response.body)["message"]
    finally:
        world.store.close()


@pytest.mark.parametrize("template", [template for _, template, _ in LISTS])
def test_forged_page_tokens_get_400_on_every_list(template: str) -> None:
    world = World()
    try:
        path = world.path(template)
        for token in FORGED:
            response = world.handle("GET", path, b"", urlencode({"PageToken": token}))
            assert response.status == 400, (path, token, response.body)
            assert "PageToken" in json.loads(response.body)["message"]
    finally:
        world.store.close()


CLOCK, FAULTS = "/trctl/clock", "/trctl/faults"
OWN_REQUESTS = [  # every route of the emulator's own endpoints, and a few that are none
    ("GET", CLOCK), ("POST", CLOCK), ("PUT", CLOCK), ("GET", FAULTS), ("POST", FAULTS),
    ("DELETE", FAULTS), ("DELETE", FAULTS + "/F1"), ("DELETE", FAULTS + "/F99"),
    ("GET", "/trctl/deliveries"), ("GET", "/trctl/nothing"),
]  # fmt: skip
OWN_NAMES = {CLOCK: ["Advance", "Now", "Unknown"], FAULTS: [*KEYS, "Unknown"]}
OWN_VALUES = st.one_of(VALUES, st.floats().map(repr), st.integers(10**9, 10**30).map(str))


@pytest.fixture(scope="module")
def own_emulator() -> Any:
    """One in-process emulator on a manual clock: the /trctl endpoints need its loop, clock
    control, fault rules and outbox (a World has only the spec's routes)."""
    from trctl.emulator import Emulator

    with Emulator(db_path=":memory:", clock=FakeClock()) as emu:
        yield emu


@settings(
    max_examples=400,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_the_emulators_own_endpoints_never_answer_5xx(own_emulator: Any, data: Any) -> None:
    """/trctl/clock, /trctl/faults and /trctl/deliveries: forms, JSON bodies, every method; and
    the emulator still answers afterwards (a clock moved past year 9999 once broke every
    request after it)."""
    method, path = data.draw(st.sampled_from(OWN_REQUESTS), label="request")
    if path == FAULTS and data.draw(st.booleans(), label="json"):
        body = data.draw(BODIES, label="body")
        answer = own_request(own_emulator, method, path, body, json_body=True)
    else:
        names = st.sampled_from(OWN_NAMES.get(path, ["Unknown"]))
        pairs = data.draw(st.lists(st.tuples(names, OWN_VALUES), max_size=3), label="params")
        body = urlencode(pairs, quote_via=quote).encode()
        answer = own_request(own_emulator, method, path, body)
    assert_envelope(answer.status, answer.body, f"{method} {path} {body!r}")
    own_emulator.faults.clear()  # a rule added here must not fail the next example's requests
    for after in ("/trctl/clock", "/v1/Workspaces"):
        assert own_request(own_emulator, "GET", after, b"").status == 200, (method, path, body)


def own_request(emulator: Any, method: str, path: str, body: bytes, json_body: bool = False):
    raw = f"{emulator.account_sid}:{emulator.auth_token}".encode()
    headers = {"host": f"127.0.0.1:{emulator.port}",
               "authorization": "Basic " + base64.b64encode(raw).decode()}  # fmt: skip
    if json_body:
        headers["content-type"] = "application/json"
    answer = emulator.app.handle(Request(method, path, "", headers, body))
    return answer.result(timeout=10) if isinstance(answer, Future) else answer
