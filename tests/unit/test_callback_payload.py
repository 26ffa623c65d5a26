"""Assignment and event callback parameters: required, well-formed, extras tolerated."""

from __future__ import annotations

import pytest

from trctl.callback.payload import InvalidCallback, parse_assignment, parse_event
from trctl.callback.signature import FormParams

# webhook-reservation.json from the shared fixtures (a 2018 capture; AccountSid was a placeholder)
CAPTURED = {
    "WorkerAttributes": '{"skills":["general"],"languages":["english"],'
    '"time_zone":"America\\/Los_Angeles"}',
    "TaskPriority": "0",
    "WorkspaceSid": "WS83d696ff10fa61d20574bc29294a679f",
    "TaskSid": "WT4c0ef6723897ecb43afb7ba3bb3018fc",
    "TaskQueueSid": "WQ6c7757f587df5fc48e3aa4d6eec9d274",
    "TaskAttributes": '{"channel":"SMc213c7d3150cc4fe9dba9892cfa5dc14","language":"english"}',
    "ReservationSid": "WR94a7183792d4ac6cf53fe69db130f625",
    "AccountSid": "AC" + "0" * 32,
    "WorkerSid": "WKafa49369465b396765e971773a0f6e8e",
    "TaskAge": "1",
    "WorkflowSid": "WW0a2374ff3e580fff3768f5bac05fdf10",
}


def form(params: dict[str, str], **extra: str) -> FormParams:
    return FormParams({k: [v] for k, v in {**params, **extra}.items()})


def test_a_captured_callback_parses():
    request = parse_assignment(form(CAPTURED), "token-1")
    assert request.reservation_sid == "WR94a7183792d4ac6cf53fe69db130f625"
    assert request.worker_attributes["time_zone"] == "America/Los_Angeles"
    assert request.task_age == 1 and request.task_priority == 0
    assert request.timestamp is None  # the capture has none: optional
    assert request.idempotency_token == "token-1"
    assert request.expression_context()["task"]["language"] == "english"


@pytest.mark.parametrize("stamp", ["1522392824", "1522392824.229", "2026-11-30T03:00:00Z"])
def test_timestamps_in_known_formats_parse(stamp):
    assert parse_assignment(form(CAPTURED, Timestamp=stamp)).timestamp == stamp


def test_unknown_parameters_are_tolerated():
    assert parse_assignment(form(CAPTURED, TaskChannelUniqueName="voice")).task_sid


@pytest.mark.parametrize("name", sorted(CAPTURED))
def test_every_always_sent_parameter_is_required(name):
    params = dict(CAPTURED)
    del params[name]
    with pytest.raises(InvalidCallback, match=name):
        parse_assignment(form(params))


def test_a_repeated_parameter_is_refused():
    multi = FormParams({**{k: [v] for k, v in CAPTURED.items()}, "TaskSid": ["WT" + "1" * 32] * 2})
    with pytest.raises(InvalidCallback, match="TaskSid given 2 times"):
        parse_assignment(multi)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("AccountSid", "ACCOUNTSID12345"),
        ("WorkerSid", "WT" + "1" * 32),
        ("TaskAttributes", '"a string"'),
        ("WorkerAttributes", "{"),
        ("TaskAge", "1.5"),
        ("TaskPriority", ""),
        ("Timestamp", "Mon"),
    ],
)
def test_malformed_values_are_refused(name, value):
    with pytest.raises(InvalidCallback):
        parse_assignment(form(CAPTURED, **{name: value}))


def test_event_callbacks_need_their_identity_fields():
    event = parse_event(
        form(
            {
                "AccountSid": "AC" + "0" * 32,
                "WorkspaceSid": "WS83d696ff10fa61d20574bc29294a679f",
                "EventType": "reservation.created",
                "ResourceType": "reservation",
                "ResourceSid": "WR94a7183792d4ac6cf53fe69db130f625",
                "EventDescription": "Reservation WR94a7183792d4ac6cf53fe69db130f625 created",
                "Sid": "EV80247042ff40d081746afab59ecf307e",
            }
        )
    )
    assert event.event_type == "reservation.created"
    assert event.event_sid == "EV80247042ff40d081746afab59ecf307e"
    with pytest.raises(InvalidCallback):
        parse_event(form({"AccountSid": "AC" + "0" * 32, "EventType": "task.created"}))
