"""The assignment-callback receiver: hardened server, signatures, instructions, rules, tunnel."""

from __future__ import annotations

from trctl.callback.instructions import build_answer, constant
from trctl.callback.payload import CallbackRequest
from trctl.callback.rules import Rules, load_rules
from trctl.callback.server import CallbackServer

__all__ = ["CallbackRequest", "CallbackServer", "Rules", "build_answer", "constant", "load_rules"]
