"""parse_instruction: which assignment-callback answers TaskRouter acts on, and how."""

from __future__ import annotations

import json

import pytest

from trctl.emulator.delivery.answers import parse_instruction
from trctl.emulator.delivery.client import CallbackResult, callback_retries, callback_timeouts

WA = "WA" + "0" * 32
CA = "CA" + "f" * 32


def answer(
    body: object, *, status: int | None = 200, content_type: str | None = "application/json"
) -> CallbackResult:
    text = body if isinstance(body, str) else json.dumps(body)
    return CallbackResult("http://h/cb", status, content_type, text, 0.01, None)


@pytest.mark.parametrize(
    ("body", "kind", "params"),
    [
        ({"instruction": "accept"}, "accept", {}),
        ({"instruction": "reject"}, "reject", {}),
        ({"instruction": "reject", "activity_sid": WA}, "reject", {"activity_sid": WA}),
        ({"instruction": "dequeue"}, "dequeue", {}),
        (
            {
                "instruction": "dequeue",
                "from": "+15550100",
                "post_work_activity_sid": WA,
                "timeout": "30",
                "record": "record-from-answer",
                "status_callback_url": "https://h.example/status",
                "status_callback_events": "initiated,completed",
            },
            "dequeue",
            {
                "from": "+15550100",
                "post_work_activity_sid": WA,
                "timeout": 30,
                "record": "record-from-answer",
                "status_callback_url": "https://h.example/status",
                "status_callback_events": "initiated,completed",
            },
        ),
        (
            {"instruction": "call", "from": "+1555", "url": "https://h/twiml", "accept": "true"},
            "call",
            {"from": "+1555", "url": "https://h/twiml", "accept": True},
        ),
        (
            {"instruction": "redirect", "call_sid": CA, "url": "http://h/x", "accept": False},
            "redirect",
            {"call_sid": CA, "url": "http://h/x", "accept": False},
        ),
        ({"instruction": "conference", "to": "client:alice"}, "conference", {"to": "client:alice"}),
        (  # the spec's Record is a boolean for conference (not dequeue's do-not-record choice)
            {"instruction": "conference", "record": True, "beep": "onEnter", "timeout": "45"},
            "conference",
            {"record": True, "beep": "onEnter", "timeout": 45},
        ),
        (
            {"instruction": "accept", "future_field": 1},
            "accept",
            {"future_field": 1},
        ),
    ],
)
def test_valid_instructions(body: dict, kind: str, params: dict) -> None:
    instruction = parse_instruction(answer(body))
    assert instruction.problem is None
    assert instruction.kind == kind
    assert dict(instruction.params) == params


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ({"instruction": "reject", "activity_sid": "Offline"}, "activity_sid must be a WA SID"),
        ({"instruction": "reject", "activity_sid": "WA123"}, "activity_sid must be a WA SID"),
        ({"instruction": "call", "url": "https://h/x"}, "'call' needs from"),
        ({"instruction": "call", "from": "+1"}, "'call' needs url"),
        ({"instruction": "call", "from": "+1", "url": "/relative"}, "absolute http(s) URL"),
        ({"instruction": "call", "from": "", "url": "http://h/x"}, "non-empty string"),
        ({"instruction": "call", "from": "+1", "url": "http://h", "accept": "yes"}, "true or"),
        ({"instruction": "redirect", "url": "http://h/x"}, "'redirect' needs call_sid"),
        ({"instruction": "redirect", "call_sid": "CA1", "url": "http://h/x"}, "CA SID"),
        ({"instruction": "dequeue", "timeout": 0}, "from 1 to 999"),
        ({"instruction": "dequeue", "timeout": 1000}, "from 1 to 999"),
        ({"instruction": "dequeue", "timeout": True}, "from 1 to 999"),
        ({"instruction": "dequeue", "to": "sip:a@b", "timeout": 601}, "at most 600"),
        ({"instruction": "dequeue", "record": "always"}, "record must be one of"),
        ({"instruction": "dequeue", "status_callback_events": "ringing,hungup"}, "among"),
        ({"instruction": "dequeue", "post_work_activity_sid": WA[:-1]}, "WA SID"),
        ({"instruction": "dequeue", "post_work_activity_sid": WA + "\n"}, "WA SID"),
        ({"instruction": "dequeue", "status_callback_url": "http://[::1/x"}, "http(s) URL"),
        ({"instruction": "conference", "record": "record-from-answer"}, "record must be true or"),
        ({"instruction": "conference", "max_participants": 251}, "from 2 to 250"),
        ({"instruction": "conference", "region": "eu1"}, "region must be one of us1"),
        ({"instruction": "Accept"}, "unknown instruction 'Accept'"),
        ({"instruction": "transfer"}, "unknown instruction"),
        ({"instruction": ["accept"]}, "unknown instruction"),
        ([{"instruction": "accept"}], "not an object"),
        ("accept", "not valid JSON"),
        ("", "not valid JSON"),
    ],
)
def test_invalid_instructions_say_why(body: object, reason: str) -> None:
    instruction = parse_instruction(answer(body))
    assert instruction.kind == "invalid"
    assert reason in (instruction.problem or ""), instruction.problem
    assert dict(instruction.params) == {}


def test_sip_destination_accepts_600() -> None:
    body = {"instruction": "dequeue", "to": "sip:a@b", "timeout": 600}
    assert parse_instruction(answer(body)).kind == "dequeue"


def test_empty_object_means_wait_for_rest() -> None:
    instruction = parse_instruction(answer({}))
    assert (instruction.kind, instruction.problem, dict(instruction.params)) == ("none", None, {})


def test_object_without_instruction_is_warning_40005() -> None:
    instruction = parse_instruction(answer({"ok": True}))
    assert instruction.kind == "none"
    assert (instruction.problem or "").startswith("40005")


@pytest.mark.parametrize(
    ("status", "content_type", "reason"),
    [
        (201, "application/json", None),
        (204, "application/json", "not valid JSON"),
        (302, "application/json", "HTTP 302"),
        (500, "application/json", "HTTP 500"),
        (200, "text/plain", "Content-Type 'text/plain'"),
        (200, None, "Content-Type None"),
        (200, "application/jsonx", "Content-Type"),
        (200, "Application/JSON; charset=UTF-8", None),
    ],
)
def test_only_a_2xx_json_answer_counts(status: int, content_type: str | None, reason) -> None:
    body = "" if status == 204 else json.dumps({"instruction": "accept"})
    instruction = parse_instruction(answer(body, status=status, content_type=content_type))
    if reason is None:
        assert instruction.kind == "accept"
    else:
        assert instruction.kind == "invalid"
        assert reason in (instruction.problem or "")


def test_delivery_errors_are_invalid_even_with_a_status() -> None:
    result = CallbackResult("http://h/cb", 200, "application/json", "{}", 0.1, "response too big")
    instruction = parse_instruction(result)
    assert instruction.kind == "invalid"
    assert instruction.problem == "callback failed: response too big"


def test_params_are_read_only() -> None:
    instruction = parse_instruction(answer({"instruction": "reject", "activity_sid": WA}))
    with pytest.raises(TypeError):
        instruction.params["activity_sid"] = "x"  # type: ignore[index]


@pytest.mark.parametrize(
    ("url", "connect", "read", "total"),
    [
        ("http://h/cb", 5.0, 5.0, 5.0),
        ("http://h/cb#ct=200&rt=300", 0.2, 0.3, 5.0),
        ("http://h/cb#tt=1000", 1.0, 1.0, 1.0),
        ("http://h/cb#tt=1000&rt=15000", 1.0, 1.0, 1.0),
        ("http://h/cb#ct=50&rt=99999&tt=abc", 5.0, 5.0, 5.0),
        ("http://h/cb#ct=%C2%B2", 5.0, 5.0, 5.0),
    ],
)
def test_connection_override_timeouts(url: str, connect: float, read: float, total: float) -> None:
    timeouts = callback_timeouts(url, 5.0)
    assert (timeouts.connect, timeouts.read, timeouts.total) == (connect, read, total)


@pytest.mark.parametrize(
    ("url", "retries"),
    [
        ("http://h/cb", 1),
        ("http://h/cb#rc=0", 0),
        ("http://h/cb#rc=5&rp=all", 5),
        ("http://h/cb#rc=6", 1),
        ("http://h/cb#rc=-1", 1),
        ("http://[::1/cb#rc=3", 1),
    ],
)
def test_connection_override_retry_count(url: str, retries: int) -> None:
    assert callback_retries(url) == retries
