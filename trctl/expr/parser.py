"""Parser for TaskRouter expressions: tokens -> syntax tree, with an explicit stack for parentheses
(AND binds tighter than OR; nesting is capped so no input can exhaust Python's stack)."""

from __future__ import annotations

from dataclasses import dataclass, field

from trctl.expr import lexer as lx
from trctl.expr.errors import ExpressionError
from trctl.expr.nodes import (
    Bool,
    Compare,
    Key,
    ListLit,
    Node,
    Null,
    Num,
    Operand,
    Str,
    make_and,
    make_or,
)

MAX_NESTING = 100  # parentheses and list brackets together
_OPERATOR_KINDS = {lx.IN: "IN", lx.HAS: "HAS", lx.CONTAINS: "CONTAINS"}


def parse_tree(text: str) -> Node:
    """Parse `text` into a tree; raise ExpressionError naming the position of the bad token."""
    if not isinstance(text, str):
        raise ExpressionError(f"expression must be a string, not {type(text).__name__}", 0, "")
    return _Parser(text, lx.tokenize(text)).run()


@dataclass
class _Group:
    """One level of parentheses being parsed (the outermost level has no `opened` token)."""

    opened: lx.Token | None
    or_terms: list[Node] = field(default_factory=list)
    and_terms: list[Node] = field(default_factory=list)

    def close(self) -> Node:
        return make_or([*self.or_terms, make_and(self.and_terms)])


class _Parser:
    def __init__(self, text: str, tokens: list[lx.Token]) -> None:
        self.text = text
        self.tokens = tokens
        self.index = 0

    # -- helpers -----------------------------------------------------------------------------
    def peek(self) -> lx.Token:
        return self.tokens[self.index]

    def advance(self) -> lx.Token:
        token = self.tokens[self.index]
        if token.kind != lx.EOF:
            self.index += 1
        return token

    def previous(self) -> lx.Token | None:
        return self.tokens[self.index - 1] if self.index else None

    def source(self, start: int, end: int) -> str:
        snippet = self.text[start:end]
        return repr(snippet if len(snippet) <= 30 else snippet[:27] + "...")

    def shown(self, token: lx.Token) -> str:
        return "end of expression" if token.kind == lx.EOF else self.source(token.pos, token.end)

    def fail(self, message: str, token: lx.Token) -> ExpressionError:
        return ExpressionError(message, token.pos, self.text)

    # -- boolean structure (iterative) -------------------------------------------------------
    def run(self) -> Node:
        groups = [_Group(None)]
        expect_comparison = True
        while True:
            token = self.peek()
            group = groups[-1]
            if expect_comparison:
                if token.kind == lx.LPAREN:
                    if len(groups) > MAX_NESTING:
                        raise self.fail(f"nesting too deep (more than {MAX_NESTING} levels)", token)
                    groups.append(_Group(self.advance()))
                    continue
                self.check_comparison_start(token)
                group.and_terms.append(self.comparison(len(groups) - 1))
                expect_comparison = False
            elif token.kind == lx.AND:
                self.advance()
                expect_comparison = True
            elif token.kind == lx.OR:
                self.advance()
                group.or_terms.append(make_and(group.and_terms))
                group.and_terms = []
                expect_comparison = True
            elif token.kind == lx.RPAREN:
                if group.opened is None:
                    raise self.fail("unbalanced parentheses: ')' without a matching '('", token)
                self.advance()
                groups.pop()
                groups[-1].and_terms.append(group.close())
            elif token.kind == lx.EOF:
                if group.opened is not None:
                    raise self.fail("unbalanced parentheses: '(' is never closed", group.opened)
                return group.close()
            elif token.kind in (lx.COMPARE, lx.IN, lx.HAS, lx.CONTAINS, lx.NOT):
                raise self.fail(
                    f"unexpected {self.shown(token)}: comparisons cannot be chained, "
                    "join them with AND or OR",
                    token,
                )
            else:
                raise self.fail(f"unexpected {self.shown(token)}: expected AND or OR", token)

    def check_comparison_start(self, token: lx.Token) -> None:
        """Explain what is wrong when a comparison should start at `token` but cannot."""
        before = self.previous()
        if token.kind == lx.EOF:
            if before is None:
                raise self.fail("empty expression", token)
            raise self.fail(f"missing comparison after {self.shown(before)}", token)
        if token.kind == lx.NOT:
            raise self.fail("unary NOT is not supported (use != or NOT IN)", token)
        if token.kind == lx.RPAREN and before is not None and before.kind == lx.LPAREN:
            raise self.fail("empty parentheses", token)
        if token.kind in (lx.AND, lx.OR, lx.RPAREN):
            raise self.fail(f"missing comparison before {self.shown(token)}", token)

    # -- comparisons and operands (bounded recursion for nested lists only) ------------------
    def comparison(self, depth: int) -> Compare:
        first = self.peek()
        left = self.operand(depth)
        if left is None:
            if first.kind in (lx.COMPARE, lx.NOT, *_OPERATOR_KINDS):
                raise self.fail(f"missing operand before {self.shown(first)}", first)
            raise self.fail(f"unexpected {self.shown(first)}: expected a value or a key", first)
        left_text = self.source(first.pos, self.previous().end)  # type: ignore[union-attr]
        op_token = self.peek()
        op = self.operator()
        if op is None:
            found = "" if op_token.kind == lx.EOF else f" (found {self.shown(op_token)})"
            raise self.fail(f"missing operator after {left_text}{found}", op_token)
        right_token = self.peek()
        right = self.operand(depth)
        if right is None:
            found = "" if right_token.kind == lx.EOF else f" (found {self.shown(right_token)})"
            raise self.fail(f"missing operand after {op!r}{found}", right_token)
        return Compare(op, left, right)

    def operator(self) -> str | None:
        token = self.peek()
        if token.kind == lx.COMPARE:
            self.advance()
            return str(token.value)
        if token.kind in _OPERATOR_KINDS:
            self.advance()
            return _OPERATOR_KINDS[token.kind]
        if token.kind == lx.NOT:
            self.advance()
            if self.peek().kind != lx.IN:
                raise self.fail("NOT must be followed by IN (unary NOT is not supported)", token)
            self.advance()
            return "NOT IN"
        return None

    def operand(self, depth: int) -> Operand | None:
        token = self.peek()
        kind = token.kind
        if kind == lx.LBRACKET:
            return self.list_literal(depth + 1)
        node: Operand
        if kind == lx.STRING:
            node = Str(token.value)  # type: ignore[arg-type]
        elif kind == lx.NUMBER:
            node = Num(token.value)  # type: ignore[arg-type]
        elif kind == lx.KEY:
            node = Key(token.value)  # type: ignore[arg-type]
        elif kind in (lx.TRUE, lx.FALSE):
            node = Bool(kind == lx.TRUE)
        elif kind == lx.NULL:
            node = Null()
        else:
            return None
        self.advance()
        return node

    def list_literal(self, depth: int) -> ListLit:
        opened = self.advance()
        if depth > MAX_NESTING:
            raise self.fail(f"nesting too deep (more than {MAX_NESTING} levels)", opened)
        items: list[Operand] = []
        if self.peek().kind == lx.RBRACKET:
            self.advance()
            return ListLit(())
        while True:
            token = self.peek()
            if token.kind == lx.EOF:
                raise self.fail("unbalanced brackets: '[' is never closed", opened)
            item = self.operand(depth)
            if item is None:
                raise self.fail(f"missing list element (found {self.shown(token)})", token)
            items.append(item)
            token = self.advance()
            if token.kind == lx.RBRACKET:
                return ListLit(tuple(items))
            if token.kind == lx.EOF:
                raise self.fail("unbalanced brackets: '[' is never closed", opened)
            if token.kind != lx.COMMA:
                found = self.shown(token)
                raise self.fail(f"expected ',' or ']' in the list, found {found}", token)
