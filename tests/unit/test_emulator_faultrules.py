"""Fault rules as files, forms and JSON say them: checked, normalised, errors naming the rule."""

from __future__ import annotations

from pathlib import Path

import pytest

from trctl.emulator.faultrules import FaultError, load_rules, parse_rule
from trctl.emulator.faults import Faults

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "faults.toml"


def test_the_example_file_loads_and_every_rule_is_usable() -> None:
    rules = load_rules(EXAMPLE)
    shown = Faults(rules).rules()
    assert [(r["id"], r.get("api") or r["callback"]) for r in shown] == [
        ("F1", "POST /v1/Workspaces/*/Tasks"),
        ("F2", "GET /v1/*"),
        ("F3", "*/assignment"),
        ("F4", "*/events"),
    ]
    assert shown[3]["delay"] == 2.0 and shown[1]["probability"] == 0.1


def test_json_files_and_string_values(tmp_path: Path) -> None:
    path = tmp_path / "faults.json"
    path.write_text('{"faults": [{"api": "/v1/Workspaces", "status": "503", "retry_after": "4"}]}')
    rule = parse_rule(load_rules(path)[0])
    assert (rule.method, rule.pattern, rule.status, rule.retry_after) == (
        None,
        "/v1/Workspaces",
        503,
        4.0,
    )
    assert rule.matches("DELETE", "/v1/Workspaces") and not rule.matches("GET", "/v1/Workspaces/X")


@pytest.mark.parametrize(
    ("text", "says"),
    [
        (
            "[[faults]]\napi = '/v1/*'\nstatus = 500\ncolour = 'red'\n",
            "rule 1: unknown key 'colour'",
        ),
        (
            "[[faults]]\napi = '/v1/*'\nstatus = 500\n[[faults]]\ncallback = '*'\n",
            "rule 2: action must be one of",
        ),
        ("faults = 3\n", "expected [[faults]] tables"),
        ("[[faults]\n", "not valid TOML"),
    ],
)
def test_file_errors_name_the_file_and_the_rule(tmp_path: Path, text: str, says: str) -> None:
    path = tmp_path / "faults.toml"
    path.write_text(text)
    with pytest.raises(FaultError) as caught:
        load_rules(path)
    assert str(caught.value).startswith(f"{path}: ") and says in str(caught.value)


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("deep.json", '{"faults": ' + "[" * 3000 + "]" * 3000 + "}"),
        ("deep.toml", "faults = " + "[" * 3000 + "]" * 3000 + "\n"),
    ],
)
def test_a_file_nested_too_deep_is_a_fault_error_not_a_recursion_error(
    tmp_path: Path, name: str, text: str
) -> None:
    """`emulator start --faults` of such a file ended in "unexpected RecursionError", exit 1
    (the defect issue 10 #7 removed from trctl's other files)."""
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(FaultError) as caught:
        load_rules(path)
    assert str(caught.value).startswith(f"{path}: not valid ")
    assert "nesting is too deep (more than 100 levels" in str(caught.value)


def test_a_missing_file_is_a_fault_error(tmp_path: Path) -> None:
    with pytest.raises(FaultError, match="cannot read it"):
        load_rules(tmp_path / "nowhere.toml")


def test_times_counts_down_and_then_the_rule_rests() -> None:
    faults = Faults([{"api": "POST /v1/*", "status": 429, "times": 2}])
    picked = [faults.for_request("POST", "/v1/Workspaces") for _ in range(3)]
    assert [p.describe() if p else None for p in picked] == [
        "F1: 429 Retry-After 1",
        "F1: 429 Retry-After 1",
        None,
    ]
    assert faults.for_request("GET", "/v1/Workspaces") is None
    assert faults.rules()[0] == {
        "id": "F1",
        "api": "POST /v1/*",
        "status": 429,
        "retry_after": 1.0,
        "probability": 1.0,
        "times": 2,
        "injected": 2,
        "remaining": 0,
    }
