"""Expression.explain: the smallest failing sub-expressions, the values they saw, and why."""

from __future__ import annotations

import pytest

from trctl.expr import parse
from trctl.expr.explain import FALSE, MISSING, TRUE, TYPE, constant_value


def failing(text: str, context: dict) -> list[tuple[str, str, str]]:
    return [(part.text, part.why, part.reason) for part in parse(text).explain(context).failing()]


def test_a_plain_false_comparison_shows_the_value_it_saw():
    assert failing('task.selected_language == "es"', {"task": {"selected_language": "en"}}) == [
        ('task.selected_language == "es"', FALSE, 'task.selected_language is "en"')
    ]


def test_a_missing_key_is_called_missing_not_false():
    assert failing('selected_language == "es"', {"selected-language": "es"}) == [
        ('selected_language == "es"', MISSING, "selected_language is missing")
    ]


def test_null_is_reported_as_null():
    assert failing("level > 2", {"level": None}) == [("level > 2", MISSING, "level is null")]


@pytest.mark.parametrize(
    ("text", "context", "reason"),
    [
        ('languages HAS "es"', {"languages": "es"}, "HAS needs a list on the left, found a string"),
        ('"es" IN languages', {"languages": "es"}, "IN needs a list on the right, found a string"),
        ("level == 3", {"level": "3"}, "== never matches a string and a number"),
        ("level >= 3", {"level": "3"}, ">= orders two numbers or two strings"),
        ('tags == "vip"', {"tags": ["vip"]}, "== compares a string, number or boolean"),
        ('tags CONTAINS "vip"', {"tags": ["vip"]}, "(use HAS for a list)"),
        ("x < null", {"x": 1}, "null can only be compared with == or !="),
    ],
)
def test_type_mismatches_say_what_the_operator_needs(text, context, reason):
    [(_, why, said)] = failing(text, context)
    assert why == TYPE
    assert reason in said


def test_a_false_and_names_its_first_false_term_only():
    context = {"a": 1, "b": 5, "c": 6}
    assert [t for t, _, _ in failing("a == 1 AND b == 2 AND c == 3", context)] == ["b == 2"]


def test_a_false_or_names_every_alternative():
    parts = failing('lang == "es" OR vip == true', {"lang": "en"})
    assert [(t, why) for t, why, _ in parts] == [('lang == "es"', FALSE), ("vip == true", MISSING)]


def test_nested_groups_lead_to_the_leaves_that_failed():
    text = 'a == 1 AND (languages HAS "es" OR level >= 3)'
    parts = failing(text, {"a": 1, "languages": ["en"], "level": 2})
    assert parts == [
        ('languages HAS "es"', FALSE, 'languages is ["en"]'),
        ("level >= 3", FALSE, "level is 2"),
    ]


def test_a_true_expression_fails_nowhere_and_keeps_its_terms():
    explained = parse('a == 1 AND b HAS "x"').explain({"a": 1, "b": ["x"]})
    assert explained.value and explained.why == TRUE and explained.failing() == []
    assert [t.text for t in explained.terms] == ["a == 1", 'b HAS "x"']
    assert explained.terms[1].seen[0].value == ["x"]


def test_summary_is_one_line_per_failing_part():
    summary = parse('x == "a" OR y == 2').explain({"x": "b"}).summary()
    assert summary == 'x == "a": x is "b"; y == 2: y is missing'


def test_long_values_are_cut():
    [(_, _, reason)] = failing('note == "x"', {"note": "y" * 500})
    assert len(reason) < 100 and reason.endswith("…")


def test_a_key_missing_inside_a_list_literal_is_only_an_element():
    [(_, why, _)] = failing("x IN [a, 2]", {"x": 1})
    assert why == FALSE  # [null, 2] is a list: 1 is simply not in it


def test_constant_value_spots_expressions_that_read_no_key():
    assert constant_value(parse("1==1").tree) is True
    assert constant_value(parse('"a" == "b"').tree) is False
    assert constant_value(parse("x == 1").tree) is None


def test_explain_refuses_a_context_that_is_not_a_mapping():
    with pytest.raises(TypeError):
        parse("a == 1").explain(["a"])  # type: ignore[arg-type]
