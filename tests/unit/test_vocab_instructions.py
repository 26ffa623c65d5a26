"""trctl.vocab.instructions: the instruction vocabulary matches Twilio's spec and checks values."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from trctl.vocab.instructions import (
    ANSWER_NAMES,
    CALLBACK_INSTRUCTIONS,
    INSTRUCTIONS,
    REST_INSTRUCTIONS,
    REST_PREFIXES,
    InstructionError,
    MissingParameters,
    UnknownInstruction,
    check_params,
)
from trctl.vocab.params import BOOLEAN, CHOICE, EVENTS, INTEGER, URL

SPEC = Path(__file__).resolve().parents[1] / "data" / "twilio_taskrouter_v1.json"
UPDATE_PATHS = (
    "/v1/Workspaces/{WorkspaceSid}/Tasks/{TaskSid}/Reservations/{Sid}",
    "/v1/Workspaces/{WorkspaceSid}/Workers/{WorkerSid}/Reservations/{Sid}",
)
WA = "WA" + "0" * 32


def update_form(path: str) -> dict:
    spec = json.loads(SPEC.read_text(encoding="utf-8"))
    body = spec["paths"][path]["post"]["requestBody"]["content"]
    schema = body["application/x-www-form-urlencoded"]["schema"]["properties"]
    for prop in schema.values():  # inline the $ref'd enums
        for holder in (prop, prop.get("items", {})):
            ref = holder.pop("$ref", None)
            if ref:
                holder.update(spec["components"]["schemas"][ref.rsplit("/", 1)[1]])
    return schema


def rest_params():
    for spec in INSTRUCTIONS.values():
        for param in spec.params.values():
            if param.rest_name:
                yield spec.name, param


def test_names_the_cli_and_the_emulator_use():
    assert CALLBACK_INSTRUCTIONS == (
        "accept",
        "reject",
        "dequeue",
        "call",
        "redirect",
        "conference",
    )
    assert ANSWER_NAMES[:-1] == CALLBACK_INSTRUCTIONS and ANSWER_NAMES[-1] == "none"
    assert REST_INSTRUCTIONS == ("dequeue", "call", "redirect", "conference", "supervise")
    assert dict(REST_PREFIXES) == {"dequeue": "Dequeue", "call": "Call", "redirect": "Redirect"}


@pytest.mark.parametrize("path", UPDATE_PATHS)
def test_every_reservation_update_parameter_is_described_once(path):
    form = update_form(path)
    described = [param.rest_name for _, param in rest_params()]
    assert len(described) == len(set(described))
    expected = set(form) - {"ReservationStatus", "Instruction"}
    if "Workers" in path:  # the worker-scoped update has no Supervise instruction
        expected |= {"Supervisor", "SupervisorMode"}
    assert set(described) == expected


@pytest.mark.parametrize(
    ("instruction", "param"),
    [pytest.param(name, param, id=f"{name}.{param.name}") for name, param in rest_params()],
)
def test_types_and_values_agree_with_the_spec(instruction, param):
    prop = update_form(UPDATE_PATHS[0])[param.rest_name]
    kind = {"integer": INTEGER, "boolean": BOOLEAN}.get(prop.get("type", ""))
    if kind is not None:
        assert param.kind == kind
    if prop.get("format") == "uri":
        assert param.kind == URL
    if param.kind in (INTEGER, BOOLEAN, URL):
        assert prop.get("type") == {INTEGER: "integer", BOOLEAN: "boolean"}.get(
            param.kind, "string"
        )
    enum = prop.get("enum") or prop.get("items", {}).get("enum")
    if enum:
        assert param.kind in (CHOICE, EVENTS) and set(param.choices) == set(enum)
    listed = re.search(r"Can be:(.*)", prop.get("description", ""))
    if listed and param.kind == CHOICE:
        assert set(param.choices) == set(re.findall(r"`([^`]+)`", listed.group(1)))
    span = re.search(r"from `(\d+)` to `(\d+)`", prop.get("description", ""))
    if span:
        assert (param.low, param.high) == (int(span.group(1)), int(span.group(2)))


def test_every_parameter_has_a_one_line_meaning_and_a_rule():
    for spec in INSTRUCTIONS.values():
        assert spec.meaning and "\n" not in spec.meaning
        for param in spec.params.values():
            assert param.meaning.endswith(".") and "\n" not in param.meaning, param
            assert param.rule(), param


@pytest.mark.parametrize(
    ("instruction", "raw", "typed"),
    [
        ("dequeue", {"timeout": 1}, {"timeout": 1}),
        ("dequeue", {"timeout": "999"}, {"timeout": 999}),
        ("dequeue", {"timeout": " 30 "}, {"timeout": 30}),
        ("dequeue", {"to": "sip:alice@example.com", "timeout": 600}, None),
        ("call", {"from": "+1", "url": "https://h/x", "to": "sip:a@b", "timeout": 999}, "refused"),
        ("call", {"from": "+1", "url": "HTTPS://h/x", "accept": "TRUE"}, {"accept": True}),
        ("redirect", {"call_sid": "CA" + "F" * 32, "url": "http://h", "accept": False}, None),
        ("conference", {"record": True, "beep": True}, {"record": True, "beep": "true"}),
        ("conference", {"beep": "onExit", "max_participants": "2"}, {"max_participants": 2}),
        ("conference", {"record": "record-from-answer"}, "refused"),
        ("conference", {"status_callback_event": "ringing, answered"}, None),
        ("conference", {"conference_status_callback_event": "ringing"}, "refused"),
        ("dequeue", {"status_callback_events": ["ringing"]}, "refused"),
        ("dequeue", {"status_callback_events": "initiated,,completed"}, "refused"),
        ("dequeue", {"timeout": 30.0}, "refused"),
        ("dequeue", {"timeout": "9" * 5000}, "refused"),
        ("dequeue", {"timeout": "-5"}, "refused"),
        ("dequeue", {"timeout": "²"}, "refused"),
        ("dequeue", {"status_callback_url": "http://[::1"}, "refused"),
        ("dequeue", {"status_callback_url": "http://h/a b"}, "refused"),
        ("dequeue", {"status_callback_url": "http://h/\nx"}, "refused"),
        ("dequeue", {"status_callback_url": "http://:80/"}, "refused"),
        ("dequeue", {"post_work_activity_sid": WA + "\n"}, "refused"),
        ("dequeue", {"to": "   "}, "refused"),
        ("accept", {"future_field": {"kept": True}}, {"future_field": {"kept": True}}),
    ],
)
def test_check_params_types_and_refuses(instruction, raw, typed):
    if typed == "refused":
        with pytest.raises(InstructionError):
            check_params(instruction, raw)
        return
    result = check_params(instruction, raw)
    assert result == {**raw, **(typed or {})}


def test_a_refusal_names_the_parameter_and_its_range():
    with pytest.raises(InstructionError) as caught:
        check_params("dequeue", {"timeout": 5000})
    assert caught.value.param == "timeout"
    assert str(caught.value).startswith("timeout must be a whole number of seconds from 1 to 999")
    with pytest.raises(InstructionError, match="record must be one of do-not-record, record-from"):
        check_params("dequeue", {"record": "yes-please"})
    with pytest.raises(InstructionError, match="at most 600 seconds when 'to' is a sip: URI"):
        check_params("dequeue", {"to": "sip:a@b", "timeout": 601})


def test_missing_and_unknown():
    with pytest.raises(MissingParameters) as caught:
        check_params("redirect", {"url": "http://h"})
    assert (
        caught.value.missing == ("call_sid",) and str(caught.value) == "'redirect' needs call_sid"
    )
    with pytest.raises(UnknownInstruction, match="unknown instruction 'Accept'"):
        check_params("Accept", {})
    with pytest.raises(UnknownInstruction):
        check_params(["accept"], {})  # type: ignore[arg-type]


def test_secret_parameters_are_marked():
    secret = [p.name for s in INSTRUCTIONS.values() for p in s.params.values() if p.secret]
    assert secret == ["sip_auth_password"]


def test_missing_parameters_name_the_first_missing_one() -> None:
    with pytest.raises(MissingParameters) as caught:
        check_params("call", {})
    assert (caught.value.param, caught.value.missing) == ("from", ("from", "url"))
    with pytest.raises(MissingParameters) as caught:
        check_params("redirect", {"call_sid": "CA" + "1" * 32})
    assert caught.value.missing == ("url",)


def test_how_the_rest_update_asks_for_each_instruction() -> None:
    assert INSTRUCTIONS["accept"].rest == "ReservationStatus=accepted"
    assert INSTRUCTIONS["dequeue"].rest == "Instruction=dequeue"


def test_a_sip_destination_without_a_timeout_is_fine() -> None:
    assert check_params("dequeue", {"to": "sip:alice@example.com"}) == {
        "to": "sip:alice@example.com"
    }
