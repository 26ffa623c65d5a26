"""ExpressionError: a syntax error in a TaskRouter expression, with a caret under the bad token."""

from __future__ import annotations


class ExpressionError(ValueError):
    """A TaskRouter expression that cannot be parsed; `position` is the 0-based offset of the bad
    token in `text` (len(text) when the expression ended too early)."""

    def __init__(self, message: str, position: int, text: str) -> None:
        super().__init__(f"{message} at position {position}")
        self.message = message
        self.position = position
        self.text = text

    def __str__(self) -> str:
        return f"{self.message} at position {self.position}"

    def __reduce__(self) -> tuple[type[ExpressionError], tuple[str, int, str]]:
        return (type(self), (self.message, self.position, self.text))

    def caret(self) -> str:
        """Two lines: the text (tabs and line breaks shown as spaces so the columns line up),
        then a '^' under the bad token."""
        shown = "".join(" " if ch.isspace() else ch for ch in self.text)
        return f"{shown}\n{' ' * self.position}^"

    def marked(self) -> str:
        """One line: the text with a '^' inserted before the bad token."""
        return f"{self.text[: self.position]}^{self.text[self.position :]}"
