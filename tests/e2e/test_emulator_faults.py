"""Faults on demand: each kind observed by a real client, and each in the request log.

API faults are seen by trctl's own retrying client and by the official SDK; callback faults by
a signing-checking receiver. No test waits for a delay: the rules note delays instead.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from typing import Any

import pytest
from cli_support import as_json, failed, invoke, ok
from emulator_callbacks import CallbackServer, Received, defer
from emulator_http import call
from quickstart_setup import Quickstart, build_quickstart, make_sdk
from run_environment import RecordingClock
from twilio.base.exceptions import TwilioException

from trctl.emulator import Emulator, FakeClock
from trctl.emulator.faults import Faults
from trctl.emulator.requestlog import Logged, text_line

ES = json.dumps({"selected_language": "es"})


class Faulty:
    """An in-process emulator whose fault rules note their delays instead of waiting them,
    with its request log."""

    def __init__(self, rng: random.Random | None = None) -> None:
        self.log: list[Logged] = []
        self.slept: list[float] = []
        self.faults = Faults(rng=rng, later=self.at_once)
        self.emu = Emulator(clock=FakeClock(), observer=self.log.append, faults=self.faults)

    def at_once(self, seconds: float, callback: Any) -> None:
        """A delay noted and not waited: what it delays happens now."""
        self.slept.append(seconds)
        callback()

    def faulted(self) -> list[str]:
        return [entry.fault for entry in self.log if entry.fault]


@pytest.fixture
def faulty() -> Iterator[Faulty]:
    made = Faulty()
    with made.emu:
        yield made


def cli_env(emu: Any, quickstart: Quickstart) -> dict[str, str]:
    return {**emu.env(), "TRCTL_WORKSPACE_SID": quickstart.workspace_sid}


def test_rules_are_added_listed_and_cleared_from_the_cli(emulator: Any) -> None:
    env = emulator.env()
    added = ok(env, "emulator", "faults", "add", "--api", "POST /v1/Workspaces/*/Tasks",
               "--status", "429", "--times", "2")  # fmt: skip
    assert added.stdout == "F1: POST /v1/Workspaces/*/Tasks -> 429 Retry-After 1 (next 2)\n"
    ok(env, "emulator", "faults", "add", "--callback", "*/assignment", "--action", "delay",
       "--delay", "1.5s", "--probability", "0.5")  # fmt: skip
    listed = as_json(env, "emulator", "faults", "list")
    assert listed == [
        {"id": "F1", "api": "POST /v1/Workspaces/*/Tasks", "status": 429, "retry_after": 1.0,
         "probability": 1.0, "times": 2, "injected": 0, "remaining": 2},
        {"id": "F2", "callback": "*/assignment", "action": "delay", "delay": 1.5,
         "probability": 0.5, "times": None, "injected": 0, "remaining": None},
    ]  # fmt: skip
    assert ok(env, "emulator", "faults", "clear", "f1").stderr == "Removed fault rule F1.\n"
    assert [rule["id"] for rule in as_json(env, "emulator", "faults", "list")] == ["F2"]
    assert "No fault rule F1" in failed(env, 4, "emulator", "faults", "clear", "F1")
    ok(env, "emulator", "faults", "clear")
    assert invoke(env, "emulator", "faults", "list").stderr.startswith("No fault rules")


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--api", "POST /v1/Tasks", "--status", "404"], "status must be one of 429, 500"),
        (["--api", "FETCH /v1/*", "--status", "500"], "METHOD one of GET, POST"),
        (["--api", "/v1/*"], "needs a status and/or a delay"),
        (["--api", "/v1/*", "--status", "500", "--retry-after", "3"], "goes with status 429"),
        (["--callback", "*", "--action", "explode"], "action must be one of delay, drop"),
        (["--callback", "*", "--action", "drop", "--probability", "2"], "from 0 to 1"),
        (["--callback", "*", "--action", "drop", "--times", "0"], "times must be a number"),
        (["--callback", "*", "--status", "503"], "status is for api rules"),
        (["--status", "503"], "give --api"),
        (["--api", "/v1/*", "--delay", "soon"], "--delay 'soon'"),
    ],
)
def test_bad_rules_are_one_line_usage_errors(emulator: Any, args: list[str], says: str) -> None:
    line = failed(emulator.env(), 2, "emulator", "faults", "add", *args)
    assert says in line, line


def test_trctl_retries_a_429_with_retry_after_end_to_end(faulty: Faulty) -> None:
    emu = faulty.emu
    quickstart = build_quickstart(make_sdk(emu))
    env = cli_env(emu, quickstart)
    ok(env, "emulator", "faults", "add", "--api", "POST /v1/Workspaces/*/Tasks", "--status",
       "429", "--retry-after", "2", "--times", "2")  # fmt: skip
    clock = RecordingClock()
    created = as_json(env, "task", "create", "--attr", "selected_language=es", clock=clock)
    assert clock.slept == [2.0, 2.0]  # trctl waited what Retry-After said, twice
    tasks = make_sdk(emu).taskrouter.v1.workspaces(quickstart.workspace_sid).tasks.list()
    assert [task.sid for task in tasks] == [created["sid"]]  # the refused attempts did nothing
    posts = [(e.status, e.fault) for e in faulty.log if e.method == "POST" and "Tasks" in e.path]
    assert posts == [(429, "F1: 429 Retry-After 2"), (429, "F1: 429 Retry-After 2"), (201, "")]
    assert "fault F1: 429 Retry-After 2" in text_line(faulty.log[-3])


def test_5xx_is_retried_on_a_get_and_not_on_a_post(faulty: Faulty) -> None:
    emu = faulty.emu
    quickstart = build_quickstart(make_sdk(emu))
    env = cli_env(emu, quickstart)
    ok(env, "emulator", "faults", "add", "--api", "GET /v1/Workspaces/*/Tasks", "--status",
       "503", "--times", "1")  # fmt: skip
    ok(env, "emulator", "faults", "add", "--api", "POST /v1/*/Tasks", "--status", "500")
    clock = RecordingClock()
    assert as_json(env, "tasks", "list", clock=clock) == [] and len(clock.slept) == 1
    line = failed(env, 5, "task", "create", "--attr", "a=1", clock=clock)
    assert "500" in line and "injected by fault rule F2" in line
    assert faulty.faulted() == ["F1: 503", "F2: 500"]


def test_an_api_delay_answers_late_without_failing(faulty: Faulty) -> None:
    faulty.faults.add({"api": "GET /v1/Workspaces", "delay": "250ms"})
    assert make_sdk(faulty.emu).taskrouter.v1.workspaces.list() == []
    assert faulty.slept == [0.25] and faulty.faulted() == ["F1: delayed 0.25 s"]


def test_a_probability_fires_as_its_seeded_draws_say() -> None:
    draws = random.Random(7)
    expected = [draws.random() < 0.5 for _ in range(20)]
    made = Faulty(rng=random.Random(7))
    with made.emu:
        made.faults.add({"api": "GET /v1/Workspaces", "status": 503, "probability": 0.5})
        sdk = make_sdk(made.emu)
        seen = []
        for _ in range(20):
            try:
                sdk.taskrouter.v1.workspaces.list()
                seen.append(False)
            except TwilioException as exc:  # the list's "Unable to fetch page"
                seen.append("HTTP 503" in str(exc))
    assert seen == expected and 0 < sum(seen) < 20
    assert made.faults.rules()[0]["injected"] == sum(seen)


def test_the_emulator_own_endpoints_never_fail(faulty: Faulty) -> None:
    faulty.faults.add({"api": "* /*", "status": 503})
    env = faulty.emu.env()
    assert as_json(env, "emulator", "faults", "list")[0]["id"] == "F1"
    ok(env, "emulator", "faults", "clear")
    assert make_sdk(faulty.emu).taskrouter.v1.workspaces.list() == []


def test_a_rule_posted_as_json_is_added_and_bad_json_is_a_400(emulator: Any) -> None:
    """POST /trctl/faults with a JSON object; JSON nested too deep was a 500 with a traceback
    (issue 10 #5's defect, on the endpoint issue 15 added)."""
    json_type = {"Content-Type": "application/json"}
    rule = json.dumps({"api": "GET /v1/Workspaces", "status": 503, "times": 1}).encode()
    added = call(emulator, "POST", "/trctl/faults", headers=json_type, raw_body=rule)
    assert added.status == 201 and added.json()["id"] == "F1"
    deep = b'{"api": ' + b"[" * 5000 + b"]" * 5000 + b"}"
    for body, says in ((deep, "nesting is too deep"), (b"\xff{}", "not valid JSON")):
        refused = call(emulator, "POST", "/trctl/faults", headers=json_type, raw_body=body)
        assert refused.status == 400 and says in refused.json()["message"], refused.body
    assert [r["id"] for r in call(emulator, "GET", "/trctl/faults").json()["faults"]] == ["F1"]


@pytest.fixture
def wired(faulty: Faulty) -> Iterator[tuple[Faulty, CallbackServer, Any, Quickstart]]:
    """The quickstart with its assignment and event callbacks on one receiver."""

    def answer(item: Received) -> Any:
        if item.path == "/events":
            return 204, "text/plain", ""
        return 200, "application/json", json.dumps({"instruction": "accept"})

    with CallbackServer(faulty.emu.auth_token, answer) as app:
        sdk = make_sdk(faulty.emu)
        quickstart = build_quickstart(sdk, assignment_callback_url=app.url("/assignment"))
        ws = sdk.taskrouter.v1.workspaces(quickstart.workspace_sid)
        yield faulty, app, ws, quickstart


def reserve_alice(faulty: Faulty, ws: Any, quickstart: Quickstart) -> Any:
    """A Spanish task, and Alice available: she is reserved, and the callbacks delivered."""
    task = ws.tasks.create(attributes=ES, workflow_sid=quickstart.workflow_sid)
    ws.workers(quickstart.workers["Alice"]).update(activity_sid=quickstart.activities["Idle"])
    assert faulty.emu.wait_idle()
    return task


def test_a_duplicated_callback_carries_the_same_idempotency_token(wired: Any) -> None:
    faulty, app, ws, quickstart = wired
    faulty.faults.add({"callback": "*/assignment", "action": "duplicate", "times": 1})
    reserve_alice(faulty, ws, quickstart)
    first, second = [r for r in app.received if r.path == "/assignment"]
    token = first.headers["i-twilio-idempotency-token"]
    assert (
        token
        == second.headers["i-twilio-idempotency-token"]
        == (f"{first.params['ReservationSid']}-assignment")
    )
    assert first.params == second.params and first.signature_valid and second.signature_valid
    (reservation,) = ws.tasks.list()[0].reservations.list()
    assert reservation.reservation_status == "accepted"  # acted on once
    assert faulty.faulted() == ["F1: duplicated"]


def test_a_dropped_assignment_callback_leaves_the_reservation_to_time_out(wired: Any) -> None:
    faulty, app, ws, quickstart = wired
    faulty.faults.add({"callback": "*/assignment", "action": "drop"})
    task = reserve_alice(faulty, ws, quickstart)
    assert [r for r in app.received if r.path == "/assignment"] == []
    (reservation,) = ws.tasks(task.sid).reservations.list()
    assert reservation.reservation_status == "pending"
    assert faulty.emu.time.advance(1200).fired >= 1  # the quickstart's reservation timeout
    assert ws.tasks(task.sid).reservations(reservation.sid).fetch().reservation_status == "timeout"
    callbacks = [e for e in faulty.log if e.kind == "callback"]
    assert [(e.fault, e.outcome) for e in callbacks] == [
        ("F1: dropped", ""),
        ("", "error: dropped by fault rule F1"),
    ]


def test_a_dropped_event_callback_is_retried_once(wired: Any) -> None:
    faulty, app, ws, quickstart = wired
    ws.update(event_callback_url=app.url("/events"), events_filter="task.created")
    faulty.faults.add({"callback": "*/events", "action": "drop", "times": 1})
    task = ws.tasks.create(attributes=ES, workflow_sid=quickstart.workflow_sid)
    assert faulty.emu.wait_idle()
    (event,) = [r for r in app.received if r.path == "/events"]
    assert (event.params["EventType"], event.params["TaskSid"]) == ("task.created", task.sid)
    assert faulty.faulted() == ["F1: dropped"]


def test_a_delayed_callback_waits_then_arrives(wired: Any) -> None:
    faulty, app, ws, quickstart = wired
    faulty.faults.add({"callback": "*/assignment", "action": "delay", "delay": 3})
    reserve_alice(faulty, ws, quickstart)
    assert faulty.slept == [3.0] and len(app.received) == 1
    assert ws.tasks.list()[0].assignment_status == "assigned"


def test_a_reordered_event_arrives_after_the_next_one(wired: Any) -> None:
    faulty, app, ws, quickstart = wired
    ws.update(event_callback_url=app.url("/events"))
    faulty.emu.time.advance(0)
    sent_before = len(app.received)
    faulty.faults.add({"callback": "*/events", "action": "reorder", "times": 1})
    task = ws.tasks.create(attributes=ES, workflow_sid=quickstart.workflow_sid)
    assert faulty.emu.time.advance(0).settled  # a clock move sends what a rule holds back
    recorded = [e.sid for e in ws.events.list(task_sid=task.sid)]  # oldest first
    received = [r.params["Sid"] for r in app.received[sent_before:] if r.path == "/events"]
    assert sorted(received) == sorted(recorded) and len(recorded) >= 3
    assert received[0] == recorded[1]  # the next event went first
    assert [sid for sid in received if sid != recorded[0]] == recorded[1:]  # the rest in order
    # the held one follows the next one's answer; a URL's events are pipelined, so the ones
    # sent in the same turn may be ahead of it too
    assert [f.split(" (")[0] for f in faulty.faulted()] == [
        "F1: held back until the next callback",
        "F1: reordered",
    ]


def test_defer_answers_are_unaffected_by_rules_for_other_urls(wired: Any) -> None:
    faulty, app, ws, quickstart = wired
    app.answer = defer
    faulty.faults.add({"callback": "http://elsewhere.example/*", "action": "drop"})
    reserve_alice(faulty, ws, quickstart)
    assert len(app.received) == 1 and faulty.faulted() == []
