"""Rules files: schema validation with one-line errors, first match wins, default answer."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from trctl.callback.payload import parse_assignment
from trctl.callback.rules import load_rules, parse_rules
from trctl.callback.signature import FormParams
from trctl.errors import UsageError

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "rules.toml"
ACTIVITIES = {"Offline": "WA" + "0" * 32, "Idle": "WA" + "1" * 32}


def resolve(name: str) -> str:
    return ACTIVITIES[name]


def request(task: dict, worker: dict):
    params = {
        "AccountSid": "AC" + "a" * 32,
        "WorkspaceSid": "WS" + "1" * 32,
        "WorkflowSid": "WW" + "2" * 32,
        "TaskQueueSid": "WQ" + "3" * 32,
        "WorkerSid": "WK" + "4" * 32,
        "TaskSid": "WT" + "5" * 32,
        "ReservationSid": "WR" + "6" * 32,
        "TaskAttributes": json.dumps(task),
        "WorkerAttributes": json.dumps(worker),
        "TaskAge": "0",
        "TaskPriority": "0",
    }
    return parse_assignment(FormParams({k: [v] for k, v in params.items()}))


def test_the_example_file_loads_and_decides():
    rules = load_rules(EXAMPLE, resolve_activity=resolve)
    alice = {"languages": ["en", "es"], "contact_uri": "+15555555555"}
    spanish = request({"selected_language": "es"}, alice)
    assert rules.decide(spanish) == {"instruction": "accept"}
    assert spanish.notes["rule"] == "rule 1 (spanish to a Spanish speaker)"
    assert rules.decide(request({"selected_language": "en"}, alice)) == {}
    vip = rules.decide(request({"customer": {"tier": "gold"}}, alice))
    assert vip == {
        "instruction": "dequeue",
        "from": "+15005550006",
        "post_work_activity_sid": ACTIVITIES["Idle"],
    }
    fallback = request({"selected_language": "fr"}, {"languages": ["fr"]})
    assert rules.decide(fallback) == {
        "instruction": "reject",
        "activity_sid": ACTIVITIES["Offline"],
    }
    assert fallback.notes["rule"] == "default"


def test_json_rules_and_the_accept_default(tmp_path):
    path = tmp_path / "rules.json"
    path.write_text(json.dumps({"rules": [{"when": "task.n > 2", "respond": "reject"}]}))
    rules = load_rules(path)
    assert rules.decide(request({"n": 3}, {})) == {"instruction": "reject"}
    assert rules.decide(request({"n": 1}, {})) == {"instruction": "accept"}


def test_the_first_matching_rule_answers_even_when_later_ones_match_too():
    document = {
        "rules": [
            {"name": "a", "when": "task.n > 5", "respond": "reject"},
            {"name": "b", "when": "task.n > 1", "respond": "none"},
            {"name": "c", "when": "task.n > 0", "respond": "accept"},
        ],
        "default": "reject",
    }
    rules = parse_rules(document, "inline")
    middle = request({"n": 3}, {})
    assert rules.decide(middle) == {} and middle.notes["rule"] == "rule 2 (b)"
    top = request({"n": 9}, {})
    assert rules.decide(top) == {"instruction": "reject"} and top.notes["rule"] == "rule 1 (a)"
    assert rules.decide(request({"n": 0}, {})) == {"instruction": "reject"}  # the default


def test_a_suffixless_file_may_be_toml(tmp_path):
    path = tmp_path / "rules"
    path.write_text('rules = []\ndefault = "none"\n')
    assert load_rules(path).default == {}


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ([], "top level must be"),
        ({"rules": {}}, "`rules` must be a list"),
        ({"rules": [], "extra": 1}, "unknown key 'extra'"),
        ({"rules": ["x"]}, "rule 1 must be a table"),
        ({"rules": [{"when": "1==1"}]}, "rule 1: missing `respond`"),
        ({"rules": [{"respond": "accept"}]}, "rule 1: `when` must be"),
        ({"rules": [{"when": "1==1", "respond": "x", "then": 1}]}, "unknown key 'then'"),
        ({"rules": [{"when": "1==1", "respond": "teleport"}]}, "unknown instruction"),
        ({"rules": [{"when": "1==1", "respond": {"activity": "x"}}]}, "needs `instruction`"),
        ({"rules": [{"when": "1==1", "respond": 5}]}, "instruction name or a table"),
        ({"rules": [], "default": {"instruction": "call"}}, "default.*needs from, url"),
    ],
)
def test_schema_errors_name_the_spot(document, message):
    with pytest.raises(UsageError, match=message) as caught:
        parse_rules(document, "r.json")
    assert caught.value.one_line().startswith("r.json")
    assert "\n" not in caught.value.one_line()


def test_expression_errors_name_the_rule_and_the_position():
    document = {
        "rules": [
            {"when": "1==1", "respond": "accept"},
            {"when": 'task.lang == "es" AND', "respond": "accept"},
        ]
    }
    with pytest.raises(UsageError) as caught:
        parse_rules(document, "r.json")
    line = caught.value.one_line()
    assert line.startswith("r.json: rule 2 `when` at position 21")


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("r.json", "{", "invalid JSON at line 1"),
        ("r.toml", "rules = [", "invalid TOML"),
        ("r.toml", b"\xff", "not UTF-8"),
    ],
)
def test_unreadable_files_are_usage_errors(tmp_path, name, content, message):
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    with pytest.raises(UsageError, match=message):
        load_rules(path)


def test_a_missing_file_is_a_usage_error(tmp_path):
    with pytest.raises(UsageError, match="does not exist"):
        load_rules(tmp_path / "nope.toml")
