"""Lexer for TaskRouter expressions: source text -> a list of Tokens ending with EOF."""

from __future__ import annotations

import re
from dataclasses import dataclass

from trctl.expr.errors import ExpressionError

# Token kinds.
STRING = "STRING"
NUMBER = "NUMBER"
KEY = "KEY"
TRUE = "TRUE"
FALSE = "FALSE"
NULL = "NULL"
AND = "AND"
OR = "OR"
NOT = "NOT"
IN = "IN"
HAS = "HAS"
CONTAINS = "CONTAINS"
COMPARE = "COMPARE"  # value is one of == != < <= > >=
LPAREN = "("
RPAREN = ")"
LBRACKET = "["
RBRACKET = "]"
COMMA = ","
EOF = "EOF"

KEYWORDS = {
    "and": AND,
    "or": OR,
    "not": NOT,
    "in": IN,
    "has": HAS,
    "contains": CONTAINS,
    "true": TRUE,
    "false": FALSE,
    "null": NULL,
}
PUNCTUATION = {"(": LPAREN, ")": RPAREN, "[": LBRACKET, "]": RBRACKET, ",": COMMA}
IDENT_START = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_")
IDENT_CHARS = IDENT_START | frozenset("0123456789")
DIGITS = frozenset("0123456789")
MAX_NUMBER_DIGITS = 4000  # below Python's int/str conversion limit

KeySegment = str | int
# The body of a quoted string, up to (not including) its closing quote: the "unrolled loop"
# pattern, linear time. A match that stops at the end of the text means the string never closed.
_STRING_BODY = {q: re.compile(rf"[^{q}\\]*(?:\\.[^{q}\\]*)*", re.DOTALL) for q in "\"'"}
_ESCAPE = re.compile(r"\\(.)", re.DOTALL)


@dataclass(frozen=True, slots=True)
class Token:
    """One lexeme: its kind, its value (decoded string, number, key path, operator), and where it
    sits in the source (`pos` inclusive, `end` exclusive)."""

    kind: str
    value: object
    pos: int
    end: int


def tokenize(text: str) -> list[Token]:
    """Split `text` into tokens; raise ExpressionError at the first character that cannot start or
    continue a token."""
    return _Lexer(text).run()


class _Lexer:
    """A single pass over the text; one method per token family."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens: list[Token] = []

    def fail(self, message: str, position: int) -> ExpressionError:
        return ExpressionError(message, position, self.text)

    def run(self) -> list[Token]:
        text, n, i = self.text, len(self.text), 0
        while i < n:
            ch = text[i]
            if ch.isspace():
                i += 1
            elif ch in IDENT_START:
                i = self.word(i)
            elif ch == "-" and self.glued_to_key(i):
                raise self.fail("hyphens are not allowed in keys", i)
            elif ch in DIGITS or (ch == "-" and i + 1 < n and text[i + 1] in DIGITS):
                i = self.number(i)
            elif ch == '"' or ch == "'":
                i = self.string(i)
            elif ch in "=!<>":
                i = self.operator(i)
            elif ch in PUNCTUATION:
                self.tokens.append(Token(PUNCTUATION[ch], ch, i, i + 1))
                i += 1
            else:
                raise self.unexpected(i)
        self.tokens.append(Token(EOF, None, n, n))
        return self.tokens

    def glued_to_key(self, i: int) -> bool:
        previous = self.tokens[-1] if self.tokens else None
        return previous is not None and previous.kind == KEY and previous.end == i

    def unexpected(self, i: int) -> ExpressionError:
        return self.fail(f"unexpected character {self.text[i]!r}", i)

    def word(self, start: int) -> int:
        """A keyword, or a key: ident ('.' ident | '[' digits ']')*."""
        text, n = self.text, len(self.text)
        i = self.ident_end(start)
        keyword = KEYWORDS.get(text[start:i].lower())
        if keyword is not None:
            self.tokens.append(Token(keyword, keyword, start, i))
            return i
        path: list[KeySegment] = [text[start:i]]
        while i < n:
            if text[i] == ".":
                if i + 1 >= n or text[i + 1] not in IDENT_START:
                    raise self.fail("expected a key name after '.'", i + 1)
                end = self.ident_end(i + 1)
                path.append(text[i + 1 : end])
                i = end
            elif text[i] == "[":
                end = i + 1
                while end < n and text[end] in DIGITS:
                    end += 1
                if end == i + 1 or end >= n or text[end] != "]":
                    raise self.fail("array index must be a non-negative integer, like [0]", i)
                path.append(self.integer(text[i + 1 : end], i + 1))
                i = end + 1
            else:
                break
        self.tokens.append(Token(KEY, tuple(path), start, i))
        return i

    def ident_end(self, start: int) -> int:
        text, n, i = self.text, len(self.text), start + 1
        while i < n and text[i] in IDENT_CHARS:
            i += 1
        return i

    def number(self, start: int) -> int:
        """-?digits(.digits)? ; a number glued to letters, dots or digits is an error."""
        text, n = self.text, len(self.text)
        i = start + 1
        while i < n and text[i] in DIGITS:
            i += 1
        is_float = i < n and text[i] == "."
        if is_float:
            if i + 1 >= n or text[i + 1] not in DIGITS:
                raise self.fail("invalid number: expected digits after '.'", start)
            i += 1
            while i < n and text[i] in DIGITS:
                i += 1
        if i < n and (text[i] in IDENT_CHARS or text[i] == "."):
            raise self.fail("invalid number", start)
        lexeme = text[start:i]
        value: int | float
        if is_float:
            if len(lexeme) > MAX_NUMBER_DIGITS:
                raise self.fail("number is too long", start)
            value = float(lexeme)
            if value in (float("inf"), float("-inf")):
                raise self.fail("number is out of range", start)
        else:
            value = self.integer(lexeme, start)
        self.tokens.append(Token(NUMBER, value, start, i))
        return i

    def integer(self, digits: str, position: int) -> int:
        if len(digits) > MAX_NUMBER_DIGITS:
            raise self.fail("number is too long", position)
        return int(digits)

    def string(self, start: int) -> int:
        """A quoted string; backslash escapes the quote and the backslash, and is kept literally
        before any other character."""
        quote = self.text[start]
        match = _STRING_BODY[quote].match(self.text, start + 1)
        end = match.end()  # the pattern matches the empty string, so never None
        if self.text[end : end + 1] != quote:
            raise self.fail("unterminated string", start)
        value = _ESCAPE.sub(_unescape, match.group())
        self.tokens.append(Token(STRING, value, start, end + 1))
        return end + 1

    def operator(self, start: int) -> int:
        text = self.text
        two = text[start : start + 2]
        if two in ("==", "!=", "<=", ">="):
            self.tokens.append(Token(COMPARE, two, start, start + 2))
            return start + 2
        ch = text[start]
        if ch in "<>":
            self.tokens.append(Token(COMPARE, ch, start, start + 1))
            return start + 1
        if ch == "=":
            raise self.fail("unexpected character '=' (use '==' to compare)", start)
        raise self.fail("unexpected character '!' (unary NOT is not supported; use '!=')", start)


def _unescape(match: re.Match[str]) -> str:
    escaped = match.group(1)
    return escaped if escaped in ("\\", '"', "'") else match.group()
