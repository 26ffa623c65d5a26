"""Callback payloads against the real ones in shared/fixtures: the same names and value formats."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from emulator_callbacks import CallbackServer, Received, accept
from quickstart_setup import build_quickstart

FIXTURES = Path(__file__).parent / "emulator_fixtures"  # real payloads; see its SOURCE.md
# Only present when the task was created with Twilio add-ons (caller name, carrier lookup).
ADDON_ONLY = {"TaskAddons"}
SID = re.compile(r"^[A-Z]{2}[0-9a-f]{32}$")
DIGITS = re.compile(r"^[0-9]+$")


def fixture(name: str) -> dict[str, str]:
    return json.loads((FIXTURES / name).read_text())


def answer(received: Received) -> tuple[int, str, str]:
    if received.path == "/events":
        return 204, "application/json", ""
    return accept(received)


@pytest.fixture
def callbacks(emulator: Any, sdk: Any) -> dict[str, Any]:
    """Run one task through the quickstart with event and assignment callbacks recorded."""
    with CallbackServer(emulator.auth_token, answer) as server:
        qs = build_quickstart(sdk, assignment_callback_url=server.url("/assignment"))
        ws = sdk.taskrouter.v1.workspaces(qs.workspace_sid)
        ws.update(event_callback_url=server.url("/events"))
        carol = ws.workers.create(
            friendly_name="Carol",
            attributes='{"languages": ["en"]}',
            activity_sid=qs.activities["Offline"],
        ).sid
        task = ws.tasks.create(
            attributes='{"selected_language": "en"}', workflow_sid=qs.workflow_sid
        )
        emulator.advance(3)
        ws.workers(carol).update(activity_sid=qs.activities["Idle"])
        assert emulator.wait_idle(5)
        ws.tasks(task.sid).update(assignment_status="completed", reason="done")
        ws.workers(carol).update(activity_sid=qs.activities["Offline"])
        ws.workers(carol).delete()
        assert emulator.wait_idle(5)
    events: dict[str, dict[str, str]] = {}
    assignments = []
    for received in server.received:
        assert received.signature_valid
        if received.path == "/events":
            events.setdefault(received.params["EventType"], received.params)
        else:
            assignments.append(received.params)
    return {"events": events, "assignments": assignments}


EVENT_FIXTURES = sorted(
    p.name for p in FIXTURES.glob("*.json") if not p.name.startswith("webhook-")
)


@pytest.mark.parametrize("name", EVENT_FIXTURES)
def test_event_callback_has_the_real_fields_and_formats(
    callbacks: dict[str, Any], name: str
) -> None:
    real = fixture(name)
    sent = callbacks["events"][real["EventType"]]
    missing = set(real) - ADDON_ONLY - set(sent)
    assert not missing, f"{real['EventType']} lacks {sorted(missing)}"
    assert sent["ResourceType"] == real["ResourceType"]
    for key, value in real.items():
        if key in sent and DIGITS.match(value):
            assert DIGITS.match(sent[key]), (key, sent[key])
        if key in sent and SID.match(value):
            assert SID.match(sent[key]) and sent[key][:2] == value[:2], (key, sent[key])
    assert len(sent["Timestamp"]) == 10 and len(sent["TimestampMs"]) == 13
    assert int(sent["TimestampMs"]) // 1000 == int(sent["Timestamp"])


def test_assignment_callback_has_exactly_the_real_fields(callbacks: dict[str, Any]) -> None:
    (sent,) = callbacks["assignments"]
    real = fixture("webhook-reservation.json")
    documented = {"Timestamp"}  # D-ASSIGN lists it; the 2018 capture predates it
    assert set(sent) == set(real) | documented
    assert sent["TaskAge"] == "3"
    assert DIGITS.match(sent["Timestamp"]) and len(sent["Timestamp"]) == 10


def test_event_resource_types_are_the_vocabulary_s(callbacks: dict[str, Any]) -> None:
    """`trctl callback send --event` names the resource as the emulator does."""
    from trctl.vocab.events import resource_type

    sent = {kind: params["ResourceType"] for kind, params in callbacks["events"].items()}
    assert len(sent) >= 10
    assert sent == {kind: resource_type(kind) for kind in sent}
