"""Instruction answers: names, typed parameters, required ones, activity-name shortcuts."""

from __future__ import annotations

import pytest

from trctl.callback.instructions import (
    build_answer,
    constant,
    describe,
    instruction_of,
    parameters_of,
    parse_param_pairs,
)
from trctl.errors import UsageError

WA = "WA" + "a" * 32


def test_accept_and_none():
    assert build_answer("accept") == {"instruction": "accept"}
    assert build_answer("none") == {}
    assert instruction_of({}) == "none"


def test_reject_with_an_activity_name_resolved_through_the_api():
    seen = []

    def resolve(name: str) -> str:
        seen.append(name)
        return WA

    answer = build_answer("reject", {"activity": "Offline"}, resolve_activity=resolve)
    assert answer == {"instruction": "reject", "activity_sid": WA}
    assert seen == ["Offline"]


def test_activity_names_without_api_access_are_a_usage_error():
    with pytest.raises(UsageError, match="activity names need TaskRouter API access"):
        build_answer("reject", {"activity": "Offline"})


def test_parameters_are_typed_from_text():
    answer = build_answer(
        "call",
        parse_param_pairs(
            ["url=https://example.com/twiml", "from=+15551234567", "accept=true", "timeout=30"]
        ),
    )
    assert answer == {
        "instruction": "call",
        "url": "https://example.com/twiml",
        "from": "+15551234567",
        "accept": True,
        "timeout": 30,
    }


def test_dequeue_keeps_phone_numbers_as_strings_and_joins_event_lists():
    answer = build_answer(
        "dequeue",
        {
            "to": "15551234567",
            "post_work_activity_sid": WA,
            "status_callback_events": ["ringing", "answered"],
        },
    )
    assert answer["to"] == "15551234567" and answer["status_callback_events"] == "ringing,answered"


@pytest.mark.parametrize(
    ("name", "params", "message"),
    [
        ("teleport", {}, "unknown instruction"),
        ("call", {"from": "+1"}, "needs url"),
        ("redirect", {"url": "https://x"}, "needs call_sid"),
        ("redirect", {"call_sid": "CA1", "url": "https://x"}, "must be a CA SID"),
        ("call", {"url": "ftp://x", "from": "+1"}, "an absolute http.s. URL"),
        ("call", {"url": "https://x", "from": "+1", "timeout": "soon"}, "whole number of seconds"),
        ("dequeue", {"timeout": "5000"}, "timeout must be a whole number of seconds from 1 to 999"),
        ("dequeue", {"timeout": "0"}, "from 1 to 999"),
        ("dequeue", {"to": "sip:a@b", "timeout": "601"}, "at most 600 seconds when 'to' is a sip"),
        ("dequeue", {"record": "yes-please"}, "one of do-not-record, record-from-answer"),
        ("dequeue", {"status_callback_events": "a,b"}, "events among initiated, ringing"),
        ("conference", {"max_participants": 1}, "from 2 to 250"),
        ("conference", {"record": "record-from-answer"}, "record must be true or false"),
        ("call", {"url": "https://x", "from": "+1", "accept": "maybe"}, "true or false"),
        ("accept", {"activity_sid": WA}, "not a parameter of 'accept'"),
        ("reject", {"activity_sid": "Offline"}, "must be a WA SID"),
        ("reject", {"activity_sid": WA, "activity": "Idle"}, "given twice"),
    ],
)
def test_bad_instructions_are_one_line_usage_errors(name, params, message):
    def resolve(_: str) -> str:
        return WA

    with pytest.raises(UsageError, match=message) as caught:
        build_answer(name, params, resolve_activity=resolve)
    assert "\n" not in caught.value.one_line()


@pytest.mark.parametrize("pair", ["novalue", "=x", "a=1 a=2"])
def test_param_pairs_need_a_name_and_an_equals_sign(pair):
    pairs = pair.split(" ")
    with pytest.raises(UsageError):
        parse_param_pairs(pairs)


def test_conference_parameters_follow_the_reservation_update_spec():
    conference = parameters_of("conference")
    assert {"post_work_activity_sid", "end_conference_on_exit", "beep", "record"} <= set(conference)
    answer = build_answer("conference", {"end_conference_on_exit": "yes", "max_participants": 3})
    assert answer == {
        "instruction": "conference",
        "end_conference_on_exit": True,
        "max_participants": 3,
    }


def test_constant_returns_a_fresh_copy_each_time():
    decide = constant({"instruction": "accept"})
    first = decide(None)  # type: ignore[arg-type]
    first["instruction"] = "reject"
    assert decide(None) == {"instruction": "accept"}  # type: ignore[arg-type]


def test_a_refused_value_is_quoted_back_except_a_secret_one():
    with pytest.raises(UsageError) as caught:
        build_answer("dequeue", {"timeout": "5000"})
    assert caught.value.one_line().endswith(
        "from 1 to 999 (at most 600 when 'to' is a sip: URI), not '5000'"
    )
    with pytest.raises(UsageError) as caught:
        build_answer("conference", {"sip_auth_password": "  "})
    assert "sip_auth_password must be a non-empty string" in caught.value.one_line()
    assert "'  '" not in caught.value.one_line()


def test_a_rules_file_value_is_named_where_it_was_written():
    with pytest.raises(UsageError, match=r"^rules.toml: rule 1 respond timeout must be a whole"):
        build_answer("dequeue", {"timeout": 5000}, where="rules.toml: rule 1 respond")


def test_describe_masks_secret_parameters():
    answer = build_answer("conference", {"sip_auth_username": "u", "sip_auth_password": "hunter2"})
    assert describe(answer) == "conference sip_auth_username=u sip_auth_password=***"
    assert describe({}) == "none"


def test_command_line_spellings_become_json():
    answer = build_answer(
        "redirect", {"call_sid": "CA" + "a" * 32, "url": "http://h", "accept": "on"}
    )
    assert answer["accept"] is True
    assert build_answer("conference", {"beep": "false"})["beep"] == "false"


def test_a_refused_secret_is_never_quoted_back() -> None:
    """A rules file giving the password as a number: the refusal names it, never its value."""
    with pytest.raises(UsageError) as caught:
        build_answer("conference", {"sip_auth_password": 271828}, where="rules.toml: rule 2")
    assert caught.value.message == "rules.toml: rule 2 sip_auth_password must be a non-empty string"


def test_text_that_spells_a_boolean_is_only_read_as_one_for_a_boolean() -> None:
    assert build_answer("dequeue", {"timeout": "1"})["timeout"] == 1  # not True
    assert build_answer("call", {"from": "1", "url": "http://h/x", "accept": "1"}) == {
        "instruction": "call", "from": "1", "url": "http://h/x", "accept": True,
    }  # fmt: skip


def test_a_list_is_joined_only_for_an_event_list() -> None:
    with pytest.raises(UsageError, match="to must be a non-empty string"):
        build_answer("dequeue", {"to": ["client:a", "client:b"]}, where="rules.toml: rule 1")
    events = build_answer("dequeue", {"status_callback_events": ["initiated", "completed"]})
    assert events["status_callback_events"] == "initiated,completed"


def test_an_unknown_parameter_lists_the_allowed_ones() -> None:
    with pytest.raises(UsageError) as caught:
        build_answer("accept", {"timeout": "5"})
    assert (caught.value.message, caught.value.hint) == (
        "--param 'timeout' is not a parameter of 'accept'",
        "allowed: none",
    )
    with pytest.raises(UsageError) as caught:
        build_answer("reject", {"timeout": "5"})
    assert caught.value.hint == "allowed: activity_sid, activity"


def test_missing_parameters_are_shown_as_the_place_they_are_written() -> None:
    with pytest.raises(UsageError) as caught:
        build_answer("call", {})
    assert caught.value.message == "instruction 'call' needs from, url"
    assert caught.value.hint == "--param from=... --param url=..."
    with pytest.raises(UsageError) as caught:
        build_answer("call", {}, where="rules.toml: rule 3")
    assert caught.value.message == "rules.toml: rule 3: instruction 'call' needs from, url"
    assert caught.value.hint == "from url"


def test_an_empty_activity_name_is_refused_before_any_lookup() -> None:
    looked_up: list[str] = []

    def resolve(name: str) -> str:
        looked_up.append(name)
        return WA

    with pytest.raises(UsageError, match="--param activity must be an activity name"):
        build_answer("reject", {"activity": ""}, resolve_activity=resolve)
    assert looked_up == []
