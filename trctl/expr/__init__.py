"""The TaskRouter expression language: parse, evaluate, Expression, ExpressionError (stdlib)."""

from trctl.expr.errors import ExpressionError
from trctl.expr.expression import Expression, evaluate, parse

__all__ = ["Expression", "ExpressionError", "evaluate", "parse"]
