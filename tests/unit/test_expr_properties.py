"""Property tests for trctl.expr (E8): any text parses or raises ExpressionError; grammar-generated
expressions parse to the intended tree, round-trip through str(), and evaluate like an independent
reference evaluator; deep nesting never raises RecursionError."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trctl.expr import ExpressionError, parse
from trctl.expr.nodes import (
    And,
    Bool,
    Compare,
    Key,
    ListLit,
    Node,
    Null,
    Num,
    Or,
    Str,
    make_and,
    make_or,
)

FAST = settings(
    max_examples=1000,
    deadline=timedelta(milliseconds=200),
    suppress_health_check=[HealthCheck.too_slow],
)
GRAMMAR = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def parses_or_raises_expression_error(text: str) -> None:
    try:
        expression = parse(text)
    except ExpressionError as error:
        assert 0 <= error.position <= len(text)
        assert error.text == text
        assert error.caret().count("\n") == 1
        return
    assert parse(str(expression)) == expression


# -- 1. arbitrary text -----------------------------------------------------------------------
@FAST
@given(st.text(max_size=256))
def test_arbitrary_text_parses_or_raises_expression_error(text):
    parses_or_raises_expression_error(text)


FRAGMENTS = [
    *"ab.[]()\"'\\=!<>,-01 \t",
    "==",
    "!=",
    ">=",
    " AND ",
    " or ",
    " IN ",
    " NOT ",
    " not in ",
    " HAS ",
    " contains ",
    "null",
    "true",
    "task.x",
    "[0]",
    "2.5",
    '"es"',
]


@FAST
@given(
    st.lists(st.sampled_from(FRAGMENTS), max_size=80).map("".join).filter(lambda t: len(t) <= 256)
)
def test_expression_shaped_noise_parses_or_raises_expression_error(text):
    parses_or_raises_expression_error(text)


# -- 2. grammar-generated expressions ---------------------------------------------------------
KEYS = ["a", "b", "n", "s", "arr", "nums", "obj.k", "obj.list[0]", "arr[1]", "missing", "task.x"]
STRING_ALPHABET = st.sampled_from(list("esnAb '\"\\\t-é"))
POOL = [
    "es",
    "en",
    "",
    "E",
    "es'\"\\",
    "1",
    0,
    1,
    -3,
    5,
    1.0,
    2.5,
    True,
    False,
    None,
    ["es", "en"],
    [1, 2.5, True],
    [],
    [True],
    [0, "0", False],
    {"k": "es"},
]
SCALAR_POOL = [v for v in POOL if not isinstance(v, (list, dict))]
CONTEXT_VALUES = st.sampled_from(POOL) | st.lists(st.sampled_from(SCALAR_POOL), max_size=3)


@st.composite
def contexts(draw) -> dict:
    context = {}
    for name in ("a", "b", "n", "s", "arr", "nums"):
        if draw(st.booleans()):
            context[name] = draw(CONTEXT_VALUES)
    context["obj"] = {"k": draw(CONTEXT_VALUES), "list": draw(st.lists(CONTEXT_VALUES, max_size=2))}
    context["task"] = {"x": draw(CONTEXT_VALUES)}
    return context


def uniform_context(value) -> dict:
    """Every key of KEYS bound to `value` (arr[1] and obj.list[0] too, when value is a list)."""
    return {
        **dict.fromkeys(("a", "b", "n", "s", "nums"), value),
        "arr": [value, value],
        "obj": {"k": value, "list": [value]},
        "task": {"x": value},
    }


# Each generated expression is checked against every pool value in every key (so a rule that only
# misbehaves for, say, 0 or "" is always exercised), then against random mixed contexts.
BATTERY = [{}, *(uniform_context(value) for value in POOL), *({"arr": v} for v in POOL)]


def key_path(text: str) -> tuple[str | int, ...]:
    """ "obj.list[0]" -> ("obj", "list", 0), independently of the lexer under test."""
    return tuple(
        int(part) if part.isdigit() else part for part in re.split(r"[.\[\]]+", text) if part
    )


def keyword(draw, word: str) -> str:
    return draw(st.sampled_from([word.upper(), word.lower(), word.capitalize()]))


def space(draw) -> str:
    return draw(st.sampled_from([" ", "  ", "\t", "\n "]))


def render_literal(draw, value) -> tuple[str, object]:
    """Source text for a scalar literal, in any of its spellings, and the node it must parse to."""
    if value is None:
        return keyword(draw, "null"), Null()
    if isinstance(value, bool):
        return keyword(draw, "true" if value else "false"), Bool(value)
    if isinstance(value, str):
        quote = draw(st.sampled_from(['"', "'"]))
        body = value.replace("\\", "\\\\").replace(quote, "\\" + quote)
        return quote + body + quote, Str(value)
    if isinstance(value, int):
        return str(value), Num(value)
    text = repr(value) + draw(st.sampled_from(["", "0", "00"]))
    return text, Num(value)


POOL_SCALARS = st.sampled_from(SCALAR_POOL)
SCALAR_LITERALS = st.one_of(  # the context's own values twice as often, so comparisons can hit
    POOL_SCALARS,
    POOL_SCALARS,
    st.none(),
    st.text(STRING_ALPHABET, max_size=6),
    st.integers(-(10**20), 10**20),
    st.integers(-999, 999).map(lambda i: i / 8),
)


@st.composite
def scalar_operand(draw, keys: bool = True) -> tuple[str, object]:
    if keys and draw(st.booleans()):
        path = draw(st.sampled_from(KEYS))
        return path, Key(key_path(path))
    return render_literal(draw, draw(SCALAR_LITERALS))


@st.composite
def list_operand(draw, keys: bool = True) -> tuple[str, object]:
    items = draw(st.lists(scalar_operand(keys), max_size=4))
    text = "[" + draw(st.sampled_from([",", ", ", " , "])).join(t for t, _ in items) + "]"
    return text, ListLit(tuple(node for _, node in items))


@st.composite
def operand(draw) -> tuple[str, object]:
    if draw(st.integers(0, 5)) == 0:
        return draw(list_operand())
    return draw(scalar_operand())


OPERATORS = ["==", "!=", "<", "<=", ">", ">=", "IN", "NOT IN", "HAS", "CONTAINS"]


@st.composite
def comparison(draw) -> tuple[str, Node]:
    """Half free-form operands, half the shapes routing uses: `key OP literal`, either way round,
    with a list literal for IN / NOT IN."""
    op = draw(st.sampled_from(OPERATORS))
    if draw(st.booleans()):
        left_text, left = draw(operand())
        right_text, right = draw(operand())
    else:
        key_text, key = draw(scalar_operand().filter(lambda pair: isinstance(pair[1], Key)))
        wants_list = op in ("IN", "NOT IN")
        literal_text, literal = draw(
            list_operand(keys=False) if wants_list else scalar_operand(False)
        )
        (left_text, left), (right_text, right) = (key_text, key), (literal_text, literal)
        if draw(st.booleans()) and not wants_list:
            (left_text, left), (right_text, right) = (right_text, right), (left_text, left)
    if op[0].isalpha():
        words = [keyword(draw, word) for word in op.split()]
        op_text = space(draw) + space(draw).join(words) + space(draw)
    else:
        op_text = draw(st.sampled_from(["", " "])) + op + draw(st.sampled_from(["", " "]))
    return left_text + op_text + right_text, Compare(op, left, right)


def combine(children):
    @st.composite
    def group(draw) -> tuple[str, Node]:
        word = draw(st.sampled_from(["AND", "OR"]))
        parts = draw(st.lists(children, min_size=2, max_size=3))
        joiner = space(draw) + keyword(draw, word) + space(draw)
        text = joiner.join(f"({t})" if isinstance(n, (And, Or)) else t for t, n in parts)
        nodes = [n for _, n in parts]
        return text, make_and(nodes) if word == "AND" else make_or(nodes)

    return group()


@st.composite
def expressions(draw) -> tuple[str, Node]:
    text, node = draw(st.recursive(comparison(), combine, max_leaves=8))
    for _ in range(draw(st.integers(0, 2))):
        text = f"({space(draw).strip()}{text})"
    return text, node


# An independent reference evaluator, written straight from the rules in docs/expressions.md.
def reference_value(node, context):
    if isinstance(node, Key):
        value = context
        for segment in node.path:
            if isinstance(segment, str) and isinstance(value, Mapping):
                value = value.get(segment)
            elif isinstance(segment, int) and isinstance(value, list) and segment < len(value):
                value = value[segment]
            else:
                return None
        return value
    if isinstance(node, ListLit):
        return [reference_value(item, context) for item in node.items]
    return None if isinstance(node, Null) else node.value


def reference_kind(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def same_scalar(x, y) -> bool:
    kind = reference_kind(x)
    return kind in ("bool", "number", "string") and kind == reference_kind(y) and x == y


def reference_evaluate(node, context) -> bool:
    if isinstance(node, And):
        return all(reference_evaluate(term, context) for term in node.terms)
    if isinstance(node, Or):
        return any(reference_evaluate(term, context) for term in node.terms)
    op, left, right = node.op, node.left, node.right
    a, b = reference_value(left, context), reference_value(right, context)
    if isinstance(left, Null) or isinstance(right, Null):
        if op == "==":
            return a is None and b is None
        if op == "!=":
            return (a is None) != (b is None)
        return False
    ka, kb = reference_kind(a), reference_kind(b)
    scalar = ("bool", "number", "string")
    if op == "==":
        return same_scalar(a, b)
    if op == "!=":
        return ka == kb and ka in scalar and a != b
    if op in ("<", "<=", ">", ">="):
        if ka != kb or ka not in ("number", "string"):
            return False
        return {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[op]
    if op == "CONTAINS":
        return ka == kb == "string" and b in a
    if op == "HAS":
        return ka == "array" and kb in scalar and any(same_scalar(x, b) for x in a)
    found = kb == "array" and ka in scalar and any(same_scalar(a, x) for x in b)
    if op == "IN":
        return found
    return kb == "array" and ka in scalar and not found


@GRAMMAR
@given(expressions(), st.lists(contexts(), min_size=1, max_size=4))
def test_generated_expressions_parse_round_trip_and_evaluate_like_the_reference(
    generated, context_list
):
    text, expected_tree = generated
    expression = parse(text)
    assert expression.tree == expected_tree
    canonical = str(expression)
    again = parse(canonical)
    assert again == expression
    assert str(again) == canonical
    for context in [*BATTERY, *context_list]:
        expected = reference_evaluate(expected_tree, context)
        assert expression.evaluate(context) is expected, (canonical, context)
        assert again.evaluate(context) is expected


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(comparison())
def test_each_generated_comparison_evaluates_like_the_reference(generated):
    """Single comparisons, so AND/OR short-circuits cannot hide a wrong operator result."""
    text, expected_tree = generated
    expression = parse(text)
    assert expression.tree == expected_tree
    for context in BATTERY:
        assert expression.evaluate(context) is reference_evaluate(expected_tree, context), (
            str(expression),
            context,
        )


@GRAMMAR
@given(expressions(), st.lists(contexts(), min_size=1, max_size=4))
def test_explain_gives_the_verdict_evaluate_gives_and_its_failing_parts_are_false(
    generated, context_list
):
    """Expression.explain never disagrees with Expression.evaluate, at any level of the tree;
    a false expression names at least one failing comparison, each itself false, and a true one
    names none."""
    from trctl.expr.explain import FALSE, MISSING, TRUE, TYPE

    expression = parse(generated[0])
    for context in [*BATTERY, *context_list]:
        explained = expression.explain(context)
        assert explained.value is expression.evaluate(context), (str(expression), context)
        assert explained.text == str(expression)
        stack = [explained]
        while stack:
            part = stack.pop()
            assert part.value is parse(part.text).evaluate(context), (part.text, context)
            assert part.why in ((TRUE,) if part.value else (FALSE, MISSING, TYPE))
            stack.extend(part.terms)
        failing = explained.failing()
        assert bool(failing) is not explained.value
        assert all(not part.value and not part.terms for part in failing)


# -- 3. deep nesting -----------------------------------------------------------------------
@settings(max_examples=200, deadline=timedelta(milliseconds=200))
@given(
    st.integers(1, 1000),
    st.sampled_from(["parens", "lists", "mixed", "unbalanced"]),
)
def test_deep_nesting_parses_or_raises_expression_error(depth, shape):
    if shape == "parens":
        text = "(" * depth + "a == 1" + ")" * depth
    elif shape == "lists":
        text = "a IN " + "[" * depth + "1" + "]" * depth
    elif shape == "mixed":
        text = "(a IN [" * depth + "1" + "])" * depth
    else:
        text = "(" * depth + "a == 1" + ")" * (depth // 2)
    try:
        expression = parse(text)
    except ExpressionError:
        return
    assert isinstance(expression.evaluate({"a": 1}), bool)
    assert parse(str(expression)) == expression
