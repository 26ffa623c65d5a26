"""Local checks of TaskRouter expressions before any request: a syntax error is a UsageError."""

from __future__ import annotations

from trctl.errors import UsageError


def check_expression(text: str, what: str) -> str:
    """Parse `text` with trctl.expr; return it unchanged, or raise a one-line UsageError
    naming `what` (e.g. "--where") with a caret marking the bad token."""
    from trctl.expr import ExpressionError, parse

    if not text.strip():
        raise UsageError(f"{what}: the expression is empty")
    try:
        parse(text)
    except ExpressionError as exc:
        raise UsageError(f"{what}: {exc}: {exc.marked()}") from None
    return text
