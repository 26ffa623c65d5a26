"""Expressions for the API: parse once (cached), turn syntax errors into 400s with the position."""

from __future__ import annotations

from functools import lru_cache

from trctl.emulator.core.errors import bad_request
from trctl.expr import Expression, ExpressionError, parse


@lru_cache(maxsize=4096)
def _parse(text: str) -> Expression:
    return parse(text)


def compile_expression(param: str, text: str) -> Expression:
    """The parsed expression, or ApiError 400 naming the parameter and the error position."""
    try:
        return _parse(text)
    except ExpressionError as exc:
        raise bad_request(f"Invalid {param} expression {text!r}: {exc}") from exc
