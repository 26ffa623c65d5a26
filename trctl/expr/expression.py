"""Expression: a parsed, compiled TaskRouter expression, and the cached `evaluate` shortcut."""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from trctl.expr.evaluate import compile_tree
from trctl.expr.explain import Explanation, explain_tree
from trctl.expr.nodes import Node, iter_keys
from trctl.expr.parser import parse_tree


class Expression:
    """A TaskRouter expression, ready to evaluate against context mappings many times."""

    __slots__ = ("_keys", "_predicate", "text", "tree")

    def __init__(self, text: str, tree: Node) -> None:
        self.text = text
        self.tree = tree
        self._predicate = compile_tree(tree)
        self._keys = frozenset(key.dotted for key in iter_keys(tree))

    def evaluate(self, context: Mapping[str, Any]) -> bool:
        """True when the expression holds for `context` (nested dicts and lists)."""
        if type(context) is not dict and not isinstance(context, Mapping):
            raise TypeError(f"context must be a mapping, not {type(context).__name__}")
        return self._predicate(context)

    def explain(self, context: Mapping[str, Any]) -> Explanation:
        """Why the expression holds or not for `context`: every comparison with the values it
        saw and why (a missing key, a type the operator cannot use, or plain false);
        `.failing()` gives the smallest failing parts. Its `.value` is `evaluate(context)`."""
        if type(context) is not dict and not isinstance(context, Mapping):
            raise TypeError(f"context must be a mapping, not {type(context).__name__}")
        return explain_tree(self.tree, context)

    def keys(self) -> frozenset[str]:
        """Dotted key paths referenced, indexes dropped: object.array[2] -> "object.array"."""
        return self._keys

    def __str__(self) -> str:
        return str(self.tree)

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (parse, (self.text,))  # closures do not pickle; the text re-parses to the same

    def __repr__(self) -> str:
        return f"Expression({self.text!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Expression):
            return NotImplemented
        return self.tree == other.tree

    def __hash__(self) -> int:
        return hash(self.tree)


def parse(text: str) -> Expression:
    """Parse `text`; raise ExpressionError (with position) when it is not a valid expression."""
    return Expression(text, parse_tree(text))


@lru_cache(maxsize=2048)
def _parse_cached(text: str) -> Expression:
    return parse(text)


def evaluate(expression: str | Expression, context: Mapping[str, Any]) -> bool:
    """Evaluate an expression (text, parsed once and cached; or an Expression) against context."""
    if isinstance(expression, Expression):
        return expression.evaluate(context)
    if not isinstance(expression, str):
        return parse(expression).evaluate(context)  # raises ExpressionError for non-strings
    return _parse_cached(expression).evaluate(context)
