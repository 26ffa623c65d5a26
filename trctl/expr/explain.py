"""Why an expression holds or not for a context: each comparison, the values it saw, and why.

`explain(node, context)` walks the tree with the evaluator's own operators (not its compiled fast
paths, which must agree with them), so the verdict is always what `Expression.evaluate` says;
a property test holds the two together. The hot evaluation path is untouched.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from trctl.expr.evaluate import (
    ARRAY,
    BOOL,
    NULL,
    NUMBER,
    OBJECT,
    OPERATORS,
    ORDERED,
    SCALARS,
    STRING,
    kind_of,
)
from trctl.expr.nodes import And, Compare, Key, ListLit, Node, Null, Operand, iter_keys

# why a comparison came out as it did
TRUE = "true"
FALSE = "false"  # the values have the right types and simply differ
MISSING = "missing"  # a key it reads is missing (or null)
TYPE = "type"  # a value has a type the operator cannot use (HAS on a string, 5 == "5")

KIND_NAMES = {
    STRING: "a string",
    NUMBER: "a number",
    BOOL: "a boolean",
    NULL: "null",
    ARRAY: "a list",
    OBJECT: "an object",
}
SHOWN_CHARACTERS = 60
_ABSENT = object()


@dataclass(frozen=True, slots=True)
class Seen:
    """A key a comparison read: its text (`task.selected_language`), whether it was there, and
    its value (None when missing)."""

    key: str
    present: bool
    value: Any

    def describe(self) -> str:
        """`selected_language is "en"`, `x is missing`, `x is null`."""
        if not self.present:
            return f"{self.key} is missing"
        return f"{self.key} is {show(self.value)}"


@dataclass(frozen=True, slots=True)
class Explanation:
    """One sub-expression: its canonical text, its value, why (TRUE, FALSE, MISSING, TYPE), a
    one-line reason, the keys it read (comparisons) and its terms (AND / OR)."""

    text: str
    value: bool
    why: str
    reason: str
    seen: tuple[Seen, ...] = ()
    terms: tuple[Explanation, ...] = ()
    conjunction: bool = False  # an AND (terms all needed) rather than an OR

    def failing(self) -> list[Explanation]:
        """The smallest sub-expressions that make this one false, left to right: a false
        comparison is itself; a false AND is its first false term's; a false OR is every
        term's (each alternative failed). Empty when it holds."""
        if self.value:
            return []
        if not self.terms:
            return [self]
        if self.conjunction:
            first = next(term for term in self.terms if not term.value)
            return first.failing()
        return [leaf for term in self.terms for leaf in term.failing()]

    def summary(self) -> str:
        """`selected_language == "es": selected_language is "en"` for each failing part."""
        if self.value:
            return f"{self.text}: true"
        return "; ".join(f"{part.text}: {part.reason}" for part in self.failing())


def show(value: Any) -> str:
    """A context value as JSON text, cut to SHOWN_CHARACTERS."""
    try:
        text = json.dumps(value, ensure_ascii=False, separators=(", ", ": "), default=str)
    except (TypeError, ValueError):
        text = repr(value)
    if len(text) > SHOWN_CHARACTERS:
        text = text[: SHOWN_CHARACTERS - 1] + "…"
    return text


def kind_name(value: Any) -> str:
    kind = kind_of(value)
    return KIND_NAMES.get(kind, f"a {type(value).__name__}")


def explain_tree(node: Node, context: Mapping[str, Any]) -> Explanation:
    """The explanation of `node` for `context` (its value equals the evaluator's)."""
    if isinstance(node, Compare):
        return _compare(node, context)
    terms = tuple(explain_tree(term, context) for term in node.terms)
    conjunction = isinstance(node, And)
    value = all(t.value for t in terms) if conjunction else any(t.value for t in terms)
    if value:
        reason = "all hold" if conjunction else "an alternative holds"
    elif conjunction:
        reason = next(t for t in terms if not t.value).reason
    else:
        reason = f"none of the {len(terms)} alternatives holds"
    return Explanation(
        str(node), value, TRUE if value else FALSE, reason, terms=terms, conjunction=conjunction
    )


# -- one comparison ----------------------------------------------------------------------------
def _lookup(path: tuple[str | int, ...], context: Mapping[str, Any]) -> Any:
    """The value at `path`, or _ABSENT; the same walk as the evaluator's key getter."""
    value: Any = context
    for segment in path:
        if isinstance(segment, str):
            if not isinstance(value, Mapping) or segment not in value:
                return _ABSENT
            value = value[segment]
        elif isinstance(value, (list, tuple)) and segment < len(value):
            value = value[segment]
        else:
            return _ABSENT
    return value


class _Reader:
    """Operand values for one comparison, remembering each key it read."""

    def __init__(self, context: Mapping[str, Any]) -> None:
        self.context = context
        self.seen: list[Seen] = []

    def value(self, operand: Operand) -> Any:
        if isinstance(operand, Key):
            found = _lookup(operand.path, self.context)
            present = found is not _ABSENT
            value = found if present else None
            self.seen.append(Seen(str(operand), present, value))
            return value
        if isinstance(operand, ListLit):
            return [self.value(item) for item in operand.items]
        if isinstance(operand, Null):
            return None
        return operand.value  # type: ignore[union-attr]


def _compare(node: Compare, context: Mapping[str, Any]) -> Explanation:
    op, left, right = node.op, node.left, node.right
    reader = _Reader(context)
    left_value, right_value = reader.value(left), reader.value(right)
    seen = tuple(reader.seen)
    text = str(node)
    if op in ("==", "!=") and (isinstance(left, Null) or isinstance(right, Null)):
        other_value = right_value if isinstance(left, Null) else left_value
        value = (other_value is None) == (op == "==")
        why = TRUE if value else (MISSING if other_value is None else FALSE)
        return Explanation(text, value, why, _values(seen) or _null_reason(other_value), seen)
    if isinstance(left, Null) or isinstance(right, Null):
        reason = f"null can only be compared with == or !=, not {op}"
        return Explanation(text, False, TYPE, reason, seen)
    value = OPERATORS[op](left_value, right_value)
    if value:
        return Explanation(text, True, TRUE, _values(seen) or "always true", seen)
    missing = [s for s in seen if not s.present or s.value is None]
    if missing and _top_level_key(left, right, missing):
        return Explanation(text, False, MISSING, ", ".join(s.describe() for s in missing), seen)
    mismatch = _type_mismatch(op, left_value, right_value)
    if mismatch is not None:
        return Explanation(text, False, TYPE, _join(_values(seen), mismatch), seen)
    return Explanation(text, False, FALSE, _values(seen) or "always false", seen)


def _top_level_key(left: Operand, right: Operand, missing: list[Seen]) -> bool:
    """A missing key decides the comparison only when it is an operand itself (a missing
    element inside a list literal just makes that element null)."""
    names = {s.key for s in missing}
    return any(isinstance(side, Key) and str(side) in names for side in (left, right))


def _null_reason(value: Any) -> str:
    """A null check on a literal (`"a" == null`): there is no key to show."""
    return f"{show(value)} is {'null' if value is None else 'not null'}"


def _values(seen: tuple[Seen, ...]) -> str:
    return ", ".join(s.describe() for s in seen)


def _join(first: str, second: str) -> str:
    return f"{first}; {second}" if first else second


def _type_mismatch(op: str, left: Any, right: Any) -> str | None:
    """Why the operator cannot use these values, or None when their types fit."""
    left_kind, right_kind = kind_of(left), kind_of(right)
    if op in ("==", "!="):
        if left_kind not in SCALARS or right_kind not in SCALARS:
            return f"{op} compares a string, number or boolean, not {_pair(left, right)}"
        if left_kind != right_kind:
            return f"{op} never matches {_pair(left, right)}"
        return None
    if op in ("<", "<=", ">", ">="):
        if left_kind not in ORDERED or right_kind not in ORDERED or left_kind != right_kind:
            return f"{op} orders two numbers or two strings, not {_pair(left, right)}"
        return None
    if op == "HAS":
        if left_kind != ARRAY:
            return f"HAS needs a list on the left, found {kind_name(left)}"
        if right_kind not in SCALARS:
            return f"HAS looks for a string, number or boolean, not {kind_name(right)}"
        return None
    if op in ("IN", "NOT IN"):
        if right_kind != ARRAY:
            return f"{op} needs a list on the right, found {kind_name(right)}"
        if left_kind not in SCALARS:
            return f"{op} looks for a string, number or boolean, not {kind_name(left)}"
        return None
    if op == "CONTAINS":
        if left_kind != STRING or right_kind != STRING:
            hint = " (use HAS for a list)" if left_kind == ARRAY else ""
            return f"CONTAINS needs two strings, not {_pair(left, right)}{hint}"
        return None
    return None


def _pair(left: Any, right: Any) -> str:
    return f"{kind_name(left)} and {kind_name(right)}"


def constant_value(node: Node) -> bool | None:
    """True or False when the expression reads no key (`1==1` is always true); else None."""
    if iter_keys(node):
        return None
    return explain_tree(node, {}).value
