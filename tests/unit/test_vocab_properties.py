"""Property tests: serve-callback and the emulator agree on every instruction answer.

Every answer serve-callback can be configured to send (`build_answer`, as --instruction/--param
and rules files use it) is one the emulator acts on (`parse_instruction` on a 200 JSON answer),
and every value serve-callback refuses for a typed parameter is one the emulator refuses too.
Values come as the command line gives them (text) and as a rules file does (JSON/TOML values),
valid ones at the edges of their ranges and invalid ones just past them.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from trctl.callback.instructions import build_answer
from trctl.emulator.delivery.answers import parse_instruction
from trctl.emulator.delivery.client import CallbackResult
from trctl.errors import UsageError
from trctl.vocab.instructions import ANSWER_NAMES, CALLBACK_INSTRUCTIONS, INSTRUCTIONS, NONE
from trctl.vocab.params import BOOLEAN, CHOICE, EVENTS, INTEGER, SID, URL, Param

PROPERTY = settings(
    max_examples=400,
    deadline=None,
    derandomize=True,  # the same examples every run: a failure is reproducible, never flaky
    suppress_health_check=[HealthCheck.too_slow],
)
SIP_TO = "sip:alice@example.com"
HEX = "0123456789abcdefABCDEF"
VALID_TEXT = ["+15005550006", "client:alice", SIP_TO, "x"]
VALID_URLS = [
    "http://h/x",
    "https://example.com/twiml?a=1&b=2",
    "HTTPS://EXAMPLE.COM",
    "http://127.0.0.1:8080/cb#frag",
    "http://[::1]:80/x",
]
BAD_URLS = ["ftp://x", "/relative", "http://", "http://[::1", "http://h/a b", "http://:80", "h/x"]
ODD_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 1100),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=8),
    st.lists(st.text(max_size=3), max_size=2),
)


def as_text_or_json(value: Any) -> st.SearchStrategy[Any]:
    """The value as a rules file gives it, or as --param text."""
    return st.sampled_from([value, str(value)]) if isinstance(value, int) else st.just(value)


def sids(prefix: str) -> st.SearchStrategy[str]:
    return st.text(alphabet=HEX, min_size=32, max_size=32).map(lambda digits: prefix + digits)


def valid_values(param: Param) -> st.SearchStrategy[Any]:
    """Values TaskRouter accepts, with integers at the very edges of their ranges."""
    if param.kind == INTEGER:
        assert param.low is not None and param.high is not None
        edges = {param.low, param.low + 1, param.high - 1, param.high, param.sip_high or param.low}
        return st.sampled_from(sorted(edges)).flatmap(as_text_or_json)
    if param.kind == BOOLEAN:
        return st.sampled_from([True, False, "true", "FALSE", "yes", "off", "1", "0", 1, 0])
    if param.kind == URL:
        return st.sampled_from(VALID_URLS)
    if param.kind == SID:
        return sids(param.sid_prefix)
    if param.kind == CHOICE:
        both = {"true", "false"} <= set(param.choices)
        return st.sampled_from(param.choices) | (st.booleans() if both else st.nothing())
    if param.kind == EVENTS:
        chosen = st.lists(st.sampled_from(param.choices), min_size=1, max_size=4)
        return chosen.flatmap(
            lambda events: st.sampled_from([",".join(events), " , ".join(events), events])
        )
    return st.sampled_from(VALID_TEXT) | st.text(min_size=1, max_size=12).filter(str.strip)


def invalid_values(param: Param) -> st.SearchStrategy[Any]:
    """Values just past what TaskRouter accepts, and wrong types."""
    if param.kind == INTEGER:
        assert param.low is not None and param.high is not None
        past = [param.low - 1, param.high + 1, 10**6, -1]
        words = ["", " ", "soon", "3.5", "+5", "²", 30.0, True, None]
        return st.sampled_from(past).flatmap(as_text_or_json) | st.sampled_from(words)
    if param.kind == BOOLEAN:
        return st.sampled_from(["maybe", "", "tru", 2, None, [], 1.0])
    if param.kind == URL:
        return st.sampled_from([*BAD_URLS, "", 5, None])
    if param.kind == SID:
        prefix = param.sid_prefix
        near = [prefix + "a" * 31, prefix + "a" * 32 + "\n", prefix.lower() + "a" * 32, "", None]
        return st.sampled_from(near) | sids("XX")
    if param.kind == CHOICE:
        return st.text(max_size=12).filter(
            lambda text: text not in param.choices
        ) | st.sampled_from(
            [choice.upper() for choice in param.choices if choice.upper() != choice] or [None]
        )
    if param.kind == EVENTS:
        return st.sampled_from(
            ["", "x", f"{param.choices[0]},,{param.choices[-1]}", ["bad"], [1], 5]
        )
    return st.sampled_from(["", " ", "\t", None, 5, True, []])


def any_values(param: Param) -> st.SearchStrategy[Any]:
    return valid_values(param) | invalid_values(param) | ODD_VALUES


def no_sip_overrun(params: dict[str, Any]) -> dict[str, Any]:
    """A sip: `to` caps `timeout` lower: keep a valid configuration valid."""
    timeout = INSTRUCTIONS["dequeue"].params["timeout"]
    if params.get("to") == SIP_TO and int(params.get("timeout", 0)) > (timeout.sip_high or 0):
        params = {**params, "timeout": timeout.sip_high}
    return params


def configurations(values) -> st.SearchStrategy[tuple[str, dict[str, Any]]]:
    """(instruction, params): required parameters always given, any optional ones."""

    def for_name(name: str) -> st.SearchStrategy[tuple[str, dict[str, Any]]]:
        params = {} if name == NONE else INSTRUCTIONS[name].params
        required = {key: values(p) for key, p in params.items() if p.required}
        optional = {key: values(p) for key, p in params.items() if not p.required}
        chosen = st.fixed_dictionaries(required, optional=optional)
        return chosen.map(lambda given: (name, given))

    return st.sampled_from(ANSWER_NAMES).flatmap(for_name)


def with_one_value_changed(case: tuple[str, dict[str, Any]]):
    """The configuration as is, or with one parameter set to any value (valid or not)."""
    name, params = case
    choices = [] if name == NONE else list(INSTRUCTIONS[name].params.values())
    if not choices:
        return st.just(case)
    changed = st.sampled_from(choices).flatmap(
        lambda param: any_values(param).map(lambda value: (name, {**params, param.name: value}))
    )
    return st.just(case) | changed


def emulator_reads(answer: dict[str, Any]):
    body = json.dumps(answer)
    return parse_instruction(
        CallbackResult("http://127.0.0.1/assignment", 200, "application/json", body, 0.0, None)
    )


@PROPERTY
@given(configurations(valid_values).map(lambda case: (case[0], no_sip_overrun(case[1]))))
def test_valid_values_at_the_edges_are_sent_and_acted_on(case):
    name, params = case
    answer = build_answer(name, params)  # a UsageError here fails the test: a valid value refused
    read = emulator_reads(answer)
    assert read.problem is None, (answer, read.problem)
    assert read.kind == name
    assert {"instruction": name, **read.params} == answer or (name == NONE and answer == {})


@PROPERTY
@given(configurations(valid_values).flatmap(with_one_value_changed) | configurations(any_values))
@example(("dequeue", {"timeout": "5000"}))  # issue 9: serve-callback started, every answer refused
@example(("dequeue", {"record": "yes-please"}))
@example(("conference", {"record": "true"}))  # the spec's conference Record is a boolean
def test_every_answer_serve_callback_accepts_is_acted_on_by_the_emulator(case):
    name, params = case
    try:
        answer = build_answer(name, params)
    except UsageError:
        event("serve-callback refused the configuration")
        return
    event(f"serve-callback sends {name}")
    read = emulator_reads(answer)
    assert (read.kind, read.problem) == (name, None), answer


def typed_parameters():
    for name in CALLBACK_INSTRUCTIONS:
        for param in INSTRUCTIONS[name].params.values():
            yield name, param


REQUIRED_VALUES = {
    "from": "+15005550006",
    "url": "https://example.com/twiml",
    "call_sid": "CA" + "a" * 32,
}


@PROPERTY
@given(
    st.sampled_from(list(typed_parameters())).flatmap(
        lambda pair: any_values(pair[1]).map(lambda value: (*pair, value))
    )
)
def test_every_value_serve_callback_refuses_the_emulator_refuses_too(case):
    name, param, value = case
    required = INSTRUCTIONS[name].required
    params = {key: REQUIRED_VALUES[key] for key in required if key != param.name}
    params[param.name] = value
    try:
        build_answer(name, params)
        event("serve-callback accepted the value")
    except UsageError as refused:
        event("serve-callback refused the value")
        assert "is not a parameter" not in refused.one_line()
        read = emulator_reads({"instruction": name, **params})
        assert read.kind == "invalid", (name, param.name, value, refused.one_line())
