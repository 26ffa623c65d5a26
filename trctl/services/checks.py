"""Local checks of TaskRouter expressions before any request: a syntax error is a UsageError."""

from __future__ import annotations

from trctl.errors import UsageError


def mark_position(text: str, position: int) -> str:
    """The text with a caret inserted before the character at `position` (one line)."""
    position = max(0, min(position, len(text)))
    return f"{text[:position]}^{text[position:]}"


def check_expression(text: str, what: str) -> str:
    """Parse `text` with trctl.expr; return it unchanged, or raise a one-line UsageError
    naming `what` (e.g. "--where") with a caret marking the bad token."""
    from trctl.expr import ExpressionError, parse

    if not text.strip():
        raise UsageError(f"{what}: the expression is empty")
    try:
        parse(text)
    except ExpressionError as exc:
        position = int(getattr(exc, "position", 0) or 0)
        message = getattr(exc, "message", None) or str(exc)
        raise UsageError(
            f"{what}: {message} at position {position}: {mark_position(text, position)}"
        ) from None
    return text
