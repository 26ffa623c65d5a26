"""Evaluation semantics of TaskRouter expressions, compiled from the tree into plain closures.

Values are classified as STRING, NUMBER, BOOL, NULL (missing or None), ARRAY, OBJECT or OTHER.
Scalar operators need two scalars of the same kind, array operators need an array where the docs
say so, and anything else is false; see docs/expressions.md for the full
table.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from typing import Any

from trctl.expr.nodes import (
    LITERALS,
    And,
    Compare,
    Key,
    ListLit,
    Node,
    Null,
    Operand,
)

Context = Mapping[str, Any]
Predicate = Callable[[Context], bool]
Getter = Callable[[Context], Any]

STRING, NUMBER, BOOL, NULL, ARRAY, OBJECT, OTHER = range(7)
SCALARS = frozenset((STRING, NUMBER, BOOL))
ORDERED = frozenset((STRING, NUMBER))
_EXACT_KINDS = {
    str: STRING,
    int: NUMBER,
    float: NUMBER,
    bool: BOOL,
    type(None): NULL,
    list: ARRAY,
    tuple: ARRAY,
    dict: OBJECT,
}
_ORDERING = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}
_MIRRORED = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!=", "IN": "HAS"}


def kind_of(value: object) -> int:
    """The expression-language type of a context value."""
    kind = _EXACT_KINDS.get(type(value))
    if kind is not None:
        return kind
    if isinstance(value, bool):
        return BOOL
    if isinstance(value, (int, float)):
        return NUMBER
    if isinstance(value, str):
        return STRING
    if isinstance(value, Mapping):
        return OBJECT
    if isinstance(value, (list, tuple)):
        return ARRAY
    return OTHER


# -- the operators on two evaluated values (NULL literals are handled at compile time) ---------
def scalar_equal(a: object, b: object) -> bool:
    kind = kind_of(a)
    return kind in SCALARS and kind == kind_of(b) and a == b


def op_not_equal(a: object, b: object) -> bool:
    kind = kind_of(a)
    return kind in SCALARS and kind == kind_of(b) and a != b


def _ordering(compare: Callable[[Any, Any], bool]) -> Callable[[object, object], bool]:
    def op(a: object, b: object) -> bool:
        kind = kind_of(a)
        return kind in ORDERED and kind == kind_of(b) and compare(a, b)

    return op


def op_has(array: object, value: object) -> bool:
    if type(value) is str and type(array) is list:
        return value in array  # only strings equal a string
    kind = kind_of(value)
    if kind_of(array) != ARRAY or kind not in SCALARS:
        return False
    return any(kind_of(item) == kind and item == value for item in array)  # type: ignore[attr-defined]


def op_in(value: object, array: object) -> bool:
    return op_has(array, value)


def op_not_in(value: object, array: object) -> bool:
    return kind_of(array) == ARRAY and kind_of(value) in SCALARS and not op_has(array, value)


def op_contains(text: object, part: object) -> bool:
    return kind_of(text) == STRING and kind_of(part) == STRING and part in text  # type: ignore[operator]


OPERATORS: dict[str, Callable[[object, object], bool]] = {
    "==": scalar_equal,
    "!=": op_not_equal,
    **{name: _ordering(fn) for name, fn in _ORDERING.items()},
    "IN": op_in,
    "NOT IN": op_not_in,
    "HAS": op_has,
    "CONTAINS": op_contains,
}


# -- compiling ---------------------------------------------------------------------------------
def compile_tree(node: Node) -> Predicate:
    """Turn a tree into a predicate over a context mapping."""
    if isinstance(node, Compare):
        return _compile_compare(node)
    parts = [compile_tree(term) for term in node.terms]
    return _all_of(parts) if isinstance(node, And) else _any_of(parts)


def _all_of(parts: list[Predicate]) -> Predicate:
    if len(parts) == 2:
        first, second = parts
        return lambda ctx: first(ctx) and second(ctx)

    def all_of(ctx: Context) -> bool:
        return all(part(ctx) for part in parts)

    return all_of


def _any_of(parts: list[Predicate]) -> Predicate:
    if len(parts) == 2:
        first, second = parts
        return lambda ctx: first(ctx) or second(ctx)

    def any_of(ctx: Context) -> bool:
        return any(part(ctx) for part in parts)

    return any_of


def _constant(node: Operand) -> tuple[bool, Any]:
    """(True, value) when the operand needs no context: a literal or a list of literals."""
    if isinstance(node, LITERALS):
        return True, (None if isinstance(node, Null) else node.value)  # type: ignore[union-attr]
    if isinstance(node, ListLit) and all(isinstance(item, LITERALS) for item in node.items):
        return True, [_constant(item)[1] for item in node.items]
    return False, None


def _compile_compare(node: Compare) -> Predicate:
    op, left, right = node.op, node.left, node.right
    if op in ("==", "!=") and (isinstance(left, Null) or isinstance(right, Null)):
        other = right if isinstance(left, Null) else left
        return _null_check(_getter(other), want_null=op == "==")
    if isinstance(left, Null) or isinstance(right, Null):
        return lambda ctx: False
    left_const, left_value = _constant(left)
    right_const, right_value = _constant(right)
    if left_const and right_const:
        result = OPERATORS[op](left_value, right_value)
        return lambda ctx: result
    if left_const and op in _MIRRORED:
        op, right, right_value, right_const = _MIRRORED[op], left, left_value, True
        left = node.right
    if right_const and isinstance(left, Key):
        fast = _fast_key_vs_constant(op, left.path, right_value)
        if fast is not None:
            return fast
    return _generic(OPERATORS[op], _getter(left), _getter(right))


def _generic(op: Callable[[object, object], bool], left: Getter, right: Getter) -> Predicate:
    return lambda ctx: op(left(ctx), right(ctx))


def _null_check(get: Getter, want_null: bool) -> Predicate:
    if want_null:
        return lambda ctx: get(ctx) is None
    return lambda ctx: get(ctx) is not None


def _fast_key_vs_constant(op: str, path: tuple[str | int, ...], constant: Any) -> Predicate | None:
    """Specialised predicates for the hot shape `key OP literal`; None when there is none.
    A one-name key is looked up inline (`ctx.get(head)`), saving a call per evaluation."""
    kind = kind_of(constant)
    head = path[0]
    deep = _key_getter(path) if len(path) > 1 else None
    if op == "==" and kind == STRING:
        return lambda ctx: (ctx.get(head) if deep is None else deep(ctx)) == constant
    if op == "HAS" and kind == STRING:

        def has_string(ctx: Context) -> bool:
            value = ctx.get(head) if deep is None else deep(ctx)
            if type(value) is list:
                return constant in value
            return op_has(value, constant)

        return has_string
    if op in _ORDERING and kind == NUMBER:
        compare = _ORDERING[op]

        def compare_number(ctx: Context) -> bool:
            value = ctx.get(head) if deep is None else deep(ctx)
            kind_value = type(value)
            if kind_value is int or kind_value is float:
                return compare(value, constant)
            return kind_of(value) == NUMBER and compare(value, constant)

        return compare_number
    if op in ("IN", "NOT IN") and kind == ARRAY:
        return _membership(_key_getter(path), constant, negate=op == "NOT IN")
    return None


def _membership(get: Getter, items: list[Any], negate: bool) -> Predicate:
    """`key IN [literals]` with one hashed set per scalar kind (so 1 never matches true)."""
    by_kind: dict[int, frozenset[Any]] = {}
    for kind in SCALARS:
        by_kind[kind] = frozenset(item for item in items if kind_of(item) == kind)

    def member(ctx: Context) -> bool:
        value = get(ctx)
        kind = kind_of(value)
        if kind not in SCALARS:
            return False
        return (value in by_kind[kind]) != negate

    return member


def _getter(node: Operand) -> Getter:
    const, value = _constant(node)
    if const:
        return lambda ctx: value
    if isinstance(node, Key):
        return _key_getter(node.path)
    getters = [_getter(item) for item in node.items]  # type: ignore[union-attr]
    return lambda ctx: [get(ctx) for get in getters]


def _key_getter(path: tuple[str | int, ...]) -> Getter:
    """Nested lookup; anything missing, out of range or of the wrong shape gives None (NULL)."""
    head, rest = path[0], path[1:]
    if not rest:
        return lambda ctx: ctx.get(head)
    if len(rest) == 1 and type(rest[0]) is str:
        second = rest[0]

        def lookup_two_names(ctx: Context) -> Any:
            value = ctx.get(head)
            if type(value) is dict or isinstance(value, Mapping):
                return value.get(second)
            return None

        return lookup_two_names

    def lookup(ctx: Context) -> Any:
        value = ctx.get(head)
        for segment in rest:
            if type(segment) is str:
                if type(value) is dict or isinstance(value, Mapping):
                    value = value.get(segment)
                else:
                    return None
            elif type(value) is list or isinstance(value, (list, tuple)):
                value = value[segment] if segment < len(value) else None
            else:
                return None
        return value

    return lookup
