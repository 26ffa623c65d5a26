"""Syntax of trctl.expr: error messages and positions, caret rendering, canonical unparse, keys()
and the limits that keep hostile input cheap (nesting cap, long input, huge numbers)."""

from __future__ import annotations

import contextlib
import pickle
import time

import pytest

from trctl.expr import Expression, ExpressionError, evaluate, parse
from trctl.expr.parser import MAX_NESTING

ERRORS = [
    # (text, message fragment, position)
    ("", "empty expression", 0),
    ("   ", "empty expression", 3),
    ('a == "abc', "unterminated string", 5),
    ("a == 'abc", "unterminated string", 5),
    ('a == "abc\\"', "unterminated string", 5),
    ('a == "abc\\', "unterminated string", 5),
    ("a == 1 & b == 2", "unexpected character '&'", 7),
    ("a = 1", "use '=='", 2),
    ("a == 1 || b == 2", "unexpected character '|'", 7),
    ("!a", "unary NOT is not supported", 0),
    ("a == $x", "unexpected character '$'", 5),
    ("a == .5", "unexpected character '.'", 5),
    ("a ==", "missing operand after '=='", 4),
    ("a == )", "missing operand after '=='", 5),
    ("a IN", "missing operand after 'IN'", 4),
    ("a NOT IN AND", "missing operand after 'NOT IN'", 9),
    ("== 1", "missing operand before '=='", 0),
    ("HAS 1", "missing operand before 'HAS'", 0),
    ("a == (1)", "missing operand after '=='", 5),
    ("a", "missing operator after 'a'", 1),
    ("a b == 1", "missing operator after 'a'", 2),
    ("task.x 1", "missing operator after 'task.x'", 7),
    ("a-1 == 2", "hyphens are not allowed in keys", 1),
    ("task.first-name == 'x'", "hyphens are not allowed in keys", 10),
    ("(a == 1", "unbalanced parentheses: '(' is never closed", 0),
    ("a == 1 AND ((b == 2)", "unbalanced parentheses: '(' is never closed", 11),
    ("a == 1)", "unbalanced parentheses: ')' without a matching '('", 6),
    ("(a == 1))", "unbalanced parentheses", 8),
    ("()", "empty parentheses", 1),
    ("a == 1 b == 2", "expected AND or OR", 7),
    ("a == 1 ]", "expected AND or OR", 7),
    ("a == 1 == 2", "cannot be chained", 7),
    ("a == 1 HAS 2", "cannot be chained", 7),
    ("a == 1 AND", "missing comparison after 'AND'", 10),
    ("a == 1 or", "missing comparison after 'or'", 9),
    ("AND a == 1", "missing comparison before 'AND'", 0),
    ("a == 1 AND OR b == 1", "missing comparison before 'OR'", 11),
    ("(a == 1 AND)", "missing comparison before ')'", 11),
    ("NOT a == 1", "unary NOT is not supported", 0),
    ("a == 1 AND not b == 2", "unary NOT is not supported", 11),
    ("a NOT == 1", "NOT must be followed by IN", 2),
    ("a NOT", "NOT must be followed by IN", 2),
    ("a IN [1, 2", "unbalanced brackets: '[' is never closed", 5),
    ("a IN [1 2]", "expected ',' or ']'", 8),
    ("a IN [1,]", "missing list element", 8),
    ("a IN [,1]", "missing list element", 6),
    ("a IN [(1)]", "missing list element", 6),
    ("a[x] == 1", "array index must be a non-negative integer", 1),
    ("a[-1] == 1", "array index must be a non-negative integer", 1),
    ("a[1 == 1", "array index must be a non-negative integer", 1),
    ("a. == 1", "expected a key name after '.'", 2),
    ("a.1 == 1", "expected a key name after '.'", 2),
    ("a..b == 1", "expected a key name after '.'", 2),
    ("a == 1.", "invalid number: expected digits after '.'", 5),
    ("a == 1.2.3", "invalid number", 5),
    ("a == 12abc", "invalid number", 5),
    ("a == 1" + "0" * 5000, "number is too long", 5),
    ("a == " + "9" * 400 + ".5", "number is out of range", 5),
    ("a == - 1", "unexpected character '-'", 5),
    ("true.x == 1", "unexpected character '.'", 4),
    ("a == 1 AND é == 2", "unexpected character 'é'", 11),
]


@pytest.mark.parametrize(("text", "fragment", "position"), ERRORS)
def test_syntax_errors_name_the_bad_token(text, fragment, position):
    with pytest.raises(ExpressionError) as caught:
        parse(text)
    error = caught.value
    assert fragment in error.message
    assert error.position == position
    assert error.text == text
    assert str(error) == f"{error.message} at position {position}"
    assert "\n" not in str(error)
    assert isinstance(error, ValueError)


def test_evaluate_shortcut_raises_the_same_error():
    with pytest.raises(ExpressionError, match="missing operand"):
        evaluate("a ==", {})


def test_non_string_input_is_an_expression_error():
    with pytest.raises(ExpressionError, match="must be a string"):
        parse(None)  # type: ignore[arg-type]
    with pytest.raises(ExpressionError, match="must be a string"):
        evaluate(42, {})  # type: ignore[arg-type]


def test_caret_points_at_the_bad_token():
    with pytest.raises(ExpressionError) as caught:
        parse('languages HAS "es" AND level >== 3')
    assert caught.value.caret() == 'languages HAS "es" AND level >== 3\n' + " " * 31 + "^"


def test_caret_at_end_of_text_for_a_missing_operand():
    with pytest.raises(ExpressionError) as caught:
        parse("level >=")
    assert caught.value.caret() == "level >=\n        ^"


def test_caret_keeps_columns_when_the_text_has_tabs_and_newlines():
    with pytest.raises(ExpressionError) as caught:
        parse('a == 1 AND\n\tb == "x')
    lines = caught.value.caret().split("\n")
    assert lines == ['a == 1 AND  b == "x', " " * 17 + "^"]


def test_expression_errors_survive_pickling():
    with pytest.raises(ExpressionError) as caught:
        parse("a ==")
    clone = pickle.loads(pickle.dumps(caught.value))
    assert (clone.message, clone.position, clone.text) == ("missing operand after '=='", 4, "a ==")


CANONICAL = [
    ('languages HAS "es" AND level >= 3', 'languages HAS "es" AND level >= 3'),
    ("a in [1, 'b', 3.50, -2, true, null]", 'a IN [1, "b", 3.5, -2, true, null]'),
    ("a not   in ['x']", 'a NOT IN ["x"]'),
    ("x contains 'it\\'s \"q\"'", 'x CONTAINS "it\'s \\"q\\""'),
    ("(a==1)", "a == 1"),
    ("((a==1 or b==2)) and c==3", "(a == 1 OR b == 2) AND c == 3"),
    ("a==1 or (b==2 and c==3)", "a == 1 OR b == 2 AND c == 3"),
    ("(a==1 and b==2) and (c==3 and d==4)", "a == 1 AND b == 2 AND c == 3 AND d == 4"),
    ("a==1 or (b==2 or (c==3))", "a == 1 OR b == 2 OR c == 3"),
    ("obj.arr[02].k == TRUE", "obj.arr[2].k == true"),
    ("a == 1e3", None),  # exponents are not numbers: an error, checked below
    ("a == 0.0000001", "a == 0.0000001"),
    ("a == 10000000000000000.0", "a == 10000000000000000.0"),
    ("a == -0", "a == 0"),
    ("a == 007", "a == 7"),
    ("a==[]", "a == []"),
    ("a IN [[1], [b]]", "a IN [[1], [b]]"),
]


@pytest.mark.parametrize(("text", "canonical"), [c for c in CANONICAL if c[1] is not None])
def test_canonical_unparse_is_a_fixed_point(text, canonical):
    expression = parse(text)
    assert str(expression) == canonical
    again = parse(str(expression))
    assert again == expression
    assert str(again) == canonical


def test_exponent_notation_is_rejected():
    with pytest.raises(ExpressionError, match="invalid number"):
        parse("a == 1e3")


def test_expressions_pickle_by_their_text():
    expression = parse('languages HAS "es" AND level >= 3')
    clone = pickle.loads(pickle.dumps(expression))
    assert clone == expression and clone.text == expression.text
    assert clone.evaluate({"languages": ["es"], "level": 3}) is True


def test_expression_attributes():
    expression = parse("  worker.level > 3 AND task.customer.tier == 'gold'  ")
    assert isinstance(expression, Expression)
    assert expression.text == "  worker.level > 3 AND task.customer.tier == 'gold'  "
    assert repr(expression) == f"Expression({expression.text!r})"
    assert hash(expression) == hash(parse(str(expression)))
    assert expression != parse("worker.level > 4 AND task.customer.tier == 'gold'")
    assert expression != str(expression)


@pytest.mark.parametrize(
    ("text", "keys"),
    [
        ("1==1", set()),
        (
            'task.customer.tier == "gold" AND worker.skills HAS "x"',
            {"task.customer.tier", "worker.skills"},
        ),
        ("object.array[2] == 1", {"object.array"}),
        ("a[0].b[1].c == 1 OR a.b.c == 2", {"a.b.c"}),
        ("x IN [y, 'z', [w.v]]", {"x", "y", "w.v"}),
        ("missing == null", {"missing"}),
    ],
)
def test_keys_are_dotted_paths_without_indexes(text, keys):
    assert parse(text).keys() == frozenset(keys)


def test_nesting_up_to_the_cap_parses_and_evaluates():
    depth = MAX_NESTING
    text = "(" * depth + "a == 1" + ")" * depth
    assert parse(text).evaluate({"a": 1})
    alternating = "a == 1"
    for level in range(depth):  # true AND (false OR (true AND ... a == 1)): equals a == 1
        alternating = f"(b == 0 AND {alternating})" if level % 2 else f"(c == 1 OR {alternating})"
    expression = parse(alternating)
    assert expression.evaluate({"a": 1, "b": 0}) is True
    assert expression.evaluate({"a": 2, "b": 0}) is False
    assert parse(str(expression)) == expression
    nested_list = "a IN " + "[" * (depth - 1) + "1" + "]" * (depth - 1)
    assert parse(nested_list).evaluate({"a": 1}) is False


@pytest.mark.parametrize("opener", ["(", "["])
def test_nesting_beyond_the_cap_is_an_error_not_a_recursion_error(opener):
    closer = ")" if opener == "(" else "]"
    for depth in (MAX_NESTING + 1, 1000, 100_000):
        inner = "a == 1" if opener == "(" else "1"
        text = ("a IN " if opener == "[" else "") + opener * depth + inner + closer * depth
        with pytest.raises(ExpressionError, match="nesting too deep") as caught:
            parse(text)
        assert text[caught.value.position] == opener


def test_long_flat_expressions_parse_and_evaluate_without_recursion():
    terms = [f"k{i} == {i}" for i in range(20_000)]
    expression = parse(" OR ".join(terms))
    assert expression.evaluate({"k19999": 19999}) is True
    assert expression.evaluate({}) is False
    conjunction = parse(" AND ".join(terms))
    assert conjunction.evaluate({f"k{i}": i for i in range(20_000)}) is True


def test_worst_case_inputs_of_256_chars_parse_fast():
    hostile = [
        "(" * 256,
        "[" * 256,
        "a IN [" + "1," * 125,
        '"' + "\\" * 255,
        "a" * 256,
        "a." * 127 + "b",
        "a[0]" * 64,
        "a==1 AND " * 28 + "a==1",
        "a IN [" + ",".join(["'x'"] * 60) + "]",
        "9" * 256,
        "-" * 256,
        " " * 256,
    ]
    for text in hostile:
        start = time.perf_counter()
        with contextlib.suppress(ExpressionError):
            parse(text)
        assert time.perf_counter() - start < 0.2, text[:20]
