"""The TaskRouter expression language: parse, evaluate, explain, errors (stdlib)."""

from trctl.expr.errors import ExpressionError
from trctl.expr.explain import Explanation, Seen
from trctl.expr.expression import Expression, evaluate, parse

__all__ = ["Explanation", "Expression", "ExpressionError", "Seen", "evaluate", "parse"]
