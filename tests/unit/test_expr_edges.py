"""Edges of trctl.expr that mutation testing found unchecked: limits at their exact boundary,
positions and token text in error messages, the kind of subclassed values, explanations of
null checks and of true parts, and expressions used as dict keys (docs/testing.md)."""

from __future__ import annotations

from collections import OrderedDict
from types import MappingProxyType

import pytest

from trctl.expr import ExpressionError, evaluate, parse
from trctl.expr.evaluate import ARRAY, BOOL, NUMBER, OBJECT, OTHER, STRING, kind_of
from trctl.expr.explain import FALSE, MISSING, TRUE, TYPE, show

MAX_NUMBER_DIGITS = 4000  # the documented limits, written out: a changed constant must fail
MAX_NESTING = 100
SHOWN_CHARACTERS = 60


def error(text: object) -> tuple[str, int]:
    with pytest.raises(ExpressionError) as caught:
        parse(text)  # type: ignore[arg-type]
    return caught.value.message, caught.value.position


# -- limits at their boundary ------------------------------------------------------------------
def test_numbers_of_up_to_the_digit_limit_are_read() -> None:
    digits = "9" * MAX_NUMBER_DIGITS
    assert evaluate(f"n == {digits}", {"n": int(digits)})
    assert error(f"n == {digits}9") == ("number is too long", 5)
    assert evaluate(f"n > 1.{'5' * (MAX_NUMBER_DIGITS - 2)}", {"n": 2})  # 4000 characters
    assert error(f"n == 1.{'5' * (MAX_NUMBER_DIGITS - 1)}") == ("number is too long", 5)
    assert error(f"a[{digits}9] == 1") == ("number is too long", 2)  # an index: after the [


def test_nesting_counts_parentheses_and_brackets_up_to_the_limit() -> None:
    deepest = "(" * MAX_NESTING + "a == 1" + ")" * MAX_NESTING
    assert evaluate(deepest, {"a": 1})
    assert error("(" + deepest + ")")[0].startswith("nesting too deep")
    lists = "[" * MAX_NESTING + "1" + "]" * MAX_NESTING
    assert parse(f"a IN {lists}")
    assert error(f"a IN [{lists}]")[0].startswith("nesting too deep")
    both = "(" * (MAX_NESTING - 1) + "a IN [1]" + ")" * (MAX_NESTING - 1)
    assert evaluate(both, {"a": 1})  # 99 parentheses and 1 bracket: 100 levels
    assert error("(" + both + ")")[0].startswith("nesting too deep")


# -- what an error names -----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "message", "position"),
    [
        ("a == -", "unexpected character '-'", 5),
        ("a.", "expected a key name after '.'", 2),
        ("a[] == 1", "array index must be a non-negative integer, like [0]", 1),
        ("a[", "array index must be a non-negative integer, like [0]", 1),
        ("a[12", "array index must be a non-negative integer, like [0]", 1),
        ("a == 1.x", "invalid number: expected digits after '.'", 5),
        ("a == 1. AND b == 2", "invalid number: expected digits after '.'", 5),
        ("x == 1 AND first-name == 'a'", "hyphens are not allowed in keys", 16),
        ("a", "missing operator after 'a'", 1),
        ("a b == 1", "missing operator after 'a' (found 'b')", 2),
        ('"abc" b', "missing operator after '\"abc\"' (found 'b')", 6),
        ('a == 1 "dd" OR b == 2', "unexpected '\"dd\"': expected AND or OR", 7),
        (
            "a == 1 < 2",
            "unexpected '<': comparisons cannot be chained, join them with AND or OR",
            7,
        ),
        ("a ==", "missing operand after '=='", 4),
        ("a == )", "missing operand after '==' (found ')')", 5),
        ("a == ] b", "missing operand after '==' (found ']')", 5),
        ("[1, 2] b", "missing operator after '[1, 2]' (found 'b')", 7),
        (
            "a == 1 == 2 AND b",
            "unexpected '==': comparisons cannot be chained, join them with AND or OR",
            7,
        ),
    ],
)
def test_errors_name_the_token_and_its_position(text: str, message: str, position: int) -> None:
    assert error(text) == (message, position)


def test_a_long_token_is_shown_whole_up_to_30_characters() -> None:
    exactly = "k" * 30
    assert error(exactly) == (f"missing operator after '{exactly}'", 30)
    longer = "k" * 31
    assert error(longer) == (f"missing operator after '{'k' * 27}...'", 31)


def test_a_text_that_is_not_a_string_is_an_error_at_position_0() -> None:
    assert error(5) == ("expression must be a string, not int", 0)


def test_tokens_end_where_they_should() -> None:
    assert evaluate("x<1", {"x": 0}) and evaluate("x>1", {"x": 2})
    assert not evaluate("x<1", {"x": 1})
    assert evaluate("1 == a.b", {"a": {"b": 1}})  # a dotted key at the very end


# -- values ------------------------------------------------------------------------------------
class Text(str):
    pass


class Count(int):
    pass


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        (Text("x"), STRING),
        (Count(3), NUMBER),
        (True, BOOL),
        (OrderedDict(a=1), OBJECT),
        (MappingProxyType({"a": 1}), OBJECT),
        ((1, 2), ARRAY),
        (object(), OTHER),
        (b"bytes", OTHER),
    ],
)
def test_the_kind_of_a_value_follows_its_json_type(value: object, kind: int) -> None:
    assert kind_of(value) == kind


def test_a_list_literal_is_not_equal_to_a_scalar() -> None:
    """`==` and `!=` compare scalars only; `IN` is the membership test."""
    assert not evaluate("a == [1, 2]", {"a": 1})
    assert not evaluate("a != [1, 2]", {"a": 1})
    assert evaluate("a IN [1, 2]", {"a": 1})


def test_any_mapping_is_a_context_for_evaluate_and_explain() -> None:
    context = MappingProxyType({"a": 1})
    assert parse("a == 1").evaluate(context)
    assert parse("a == 1").explain(context).value
    with pytest.raises(TypeError, match="context must be a mapping, not list"):
        parse("a == 1").evaluate([("a", 1)])  # type: ignore[arg-type]


def test_every_kind_of_node_can_be_hashed() -> None:
    """Expressions are dict keys (the lint and the emulator's caches): each node is frozen."""
    text = 'a == "x" AND b == 1 AND c == true AND d == null AND e IN [1] OR f[0] >= 2'
    assert len({parse(text), parse(text)}) == 1
    assert hash(parse(text)) == hash(parse(text))


# -- explanations ------------------------------------------------------------------------------
def explained(text: str, context: dict) -> tuple[bool, str, str]:
    explanation = parse(text).explain(context)
    return explanation.value, explanation.why, explanation.reason


@pytest.mark.parametrize(
    ("text", "context", "expected"),
    [
        ("a == null", {}, (True, TRUE, "a is missing")),
        ("a == null", {"a": 1}, (False, FALSE, "a is 1")),
        ("a != null", {}, (False, MISSING, "a is missing")),
        ("a != null", {"a": None}, (False, MISSING, "a is null")),
        ("a != null", {"a": "x"}, (True, TRUE, 'a is "x"')),
        ('"x" == null', {}, (False, FALSE, '"x" is not null')),
        ("null == null", {}, (True, TRUE, "null is null")),
        ("1 == 1", {}, (True, TRUE, "always true")),
        ("a == 1", {"a": 1}, (True, TRUE, "a is 1")),
        ("a == 1 AND b == 2", {"a": 1, "b": 2}, (True, TRUE, "all hold")),
        ("a == 1 OR b == 2", {"b": 2}, (True, TRUE, "an alternative holds")),
        ("a == 1 AND b == 2", {"a": 1, "b": 3}, (False, FALSE, "b is 3")),
        ("a[1] == 1", {"a": [1]}, (False, MISSING, "a[1] is missing")),
        ("a[0] == 1", {"a": {"0": 1}}, (False, MISSING, "a[0] is missing")),
        ("a[0] == 5", {"a": [5]}, (True, TRUE, "a[0] is 5")),
        ("level >= 3", {"level": "3"}, (False, TYPE, 'level is "3"; >= orders two numbers '
                                        "or two strings, not a string and a number")),
        ('"a" >= 3', {}, (False, TYPE, ">= orders two numbers or two strings, not a string "
                          "and a number")),
        ("name CONTAINS 5", {"name": "x5"}, (False, TYPE, 'name is "x5"; CONTAINS needs two '
                                             "strings, not a string and a number")),
    ],
)  # fmt: skip
def test_explanations_of_null_checks_true_parts_and_indexes(
    text: str, context: dict, expected: tuple[bool, str, str]
) -> None:
    assert explained(text, context) == expected
    assert parse(text).evaluate(context) is expected[0]  # explain agrees with evaluate


def test_shown_values_are_cut_to_60_characters() -> None:
    shown = show("x" * 200)
    assert len(shown) == SHOWN_CHARACTERS and shown.endswith("…")
    assert show("x" * (SHOWN_CHARACTERS - 2)) == '"' + "x" * (SHOWN_CHARACTERS - 2) + '"'
    assert show({"name": "José"}) == '{"name": "José"}'  # written as is, not \u00e9


def test_values_json_cannot_write_are_shown_as_python_writes_them() -> None:
    assert show({(1, 2): "pair"}) == "{(1, 2): 'pair'}"  # a key JSON refuses: TypeError
    loop: list = []
    loop.append(loop)
    assert show(loop) == "[[...]]"  # a circular list: ValueError
