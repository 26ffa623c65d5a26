"""The expression syntax tree and its canonical unparse (str(node) parses back to an equal node)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

KeySegment = str | int


@dataclass(frozen=True, slots=True)
class Str:
    value: str

    def __str__(self) -> str:
        return '"' + self.value.replace("\\", "\\\\").replace('"', '\\"') + '"'


@dataclass(frozen=True, slots=True)
class Num:
    """An int or float literal; Num(1) == Num(1.0), as in evaluation."""

    value: int | float

    def __str__(self) -> str:
        if isinstance(self.value, int):
            return str(self.value)
        text = repr(self.value)
        if "e" in text or "E" in text:
            text = format(Decimal(text), "f")
        return text if "." in text else text + ".0"


@dataclass(frozen=True, slots=True)
class Bool:
    value: bool

    def __str__(self) -> str:
        return "true" if self.value else "false"


@dataclass(frozen=True, slots=True)
class Null:
    def __str__(self) -> str:
        return "null"


@dataclass(frozen=True, slots=True)
class ListLit:
    items: tuple[Operand, ...]

    def __str__(self) -> str:
        return "[" + ", ".join(str(item) for item in self.items) + "]"


@dataclass(frozen=True, slots=True)
class Key:
    """A key path: names and array indexes, e.g. ("customer", "tags", 1)."""

    path: tuple[KeySegment, ...]

    def __str__(self) -> str:
        parts = [str(self.path[0])]
        for segment in self.path[1:]:
            parts.append(f"[{segment}]" if isinstance(segment, int) else f".{segment}")
        return "".join(parts)

    @property
    def dotted(self) -> str:
        """The path with indexes dropped: object.array[2] -> "object.array"."""
        return ".".join(s for s in self.path if isinstance(s, str))


Operand = Str | Num | Bool | Null | ListLit | Key
LITERALS = (Str, Num, Bool, Null)


@dataclass(frozen=True, slots=True)
class Compare:
    """`left op right`; op is canonical: == != < <= > >= IN NOT IN HAS CONTAINS."""

    op: str
    left: Operand
    right: Operand

    def __str__(self) -> str:
        return f"{self.left} {self.op} {self.right}"


@dataclass(frozen=True, slots=True)
class And:
    """Two or more terms, none of them an And (the parser flattens)."""

    terms: tuple[Node, ...]

    def __str__(self) -> str:
        return " AND ".join(f"({t})" if isinstance(t, Or) else str(t) for t in self.terms)


@dataclass(frozen=True, slots=True)
class Or:
    """Two or more terms, none of them an Or (the parser flattens)."""

    terms: tuple[Node, ...]

    def __str__(self) -> str:
        return " OR ".join(str(t) for t in self.terms)


Node = Compare | And | Or


def make_and(terms: list[Node]) -> Node:
    """One term stays itself; nested Ands are flattened into this one."""
    return _flatten(And, terms)


def make_or(terms: list[Node]) -> Node:
    return _flatten(Or, terms)


def _flatten(kind: type[And] | type[Or], terms: list[Node]) -> Node:
    if len(terms) == 1:
        return terms[0]
    flat: list[Node] = []
    for term in terms:
        flat.extend(term.terms if isinstance(term, kind) else (term,))
    return kind(tuple(flat))


def iter_keys(node: Node) -> list[Key]:
    """Every Key in the tree, left to right, without recursion."""
    keys: list[Key] = []
    stack: list[object] = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, Key):
            keys.append(item)
        elif isinstance(item, (And, Or)):
            stack.extend(reversed(item.terms))
        elif isinstance(item, Compare):
            stack.extend((item.right, item.left))
        elif isinstance(item, ListLit):
            stack.extend(reversed(item.items))
    return keys
