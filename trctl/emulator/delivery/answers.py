"""Reading an assignment callback's answer as TaskRouter does; trctl.vocab checks its params."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from trctl.documents import TooDeep, loads_json
from trctl.emulator.delivery.client import CallbackResult
from trctl.vocab.instructions import CALLBACK_INSTRUCTIONS, InstructionError, check_params

CONNECTION_FAILURES = ("connection refused", "connection failed")

WARNING_40005 = "40005: the callback answered JSON without an 'instruction' key; nothing was done"


@dataclass(frozen=True)
class Instruction:
    """What the app asked for: `kind` is an instruction, "none" (`{}`) or "invalid"."""

    kind: str
    params: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    problem: str | None = None
    code: int | None = None  # the Twilio error or warning it causes (vocab.callbacks)


def _is_json(content_type: str | None) -> bool:
    return (content_type or "").split(";")[0].strip().lower() == "application/json"


def _invalid(problem: str, code: int) -> Instruction:
    return Instruction("invalid", MappingProxyType({}), problem, code)


def parse_instruction(result: CallbackResult) -> Instruction:
    """Read the answer as TaskRouter does: only a 2xx `application/json` object counts."""
    if result.error is not None:
        refused = result.error.startswith(CONNECTION_FAILURES)
        return _invalid(f"callback failed: {result.error}", 11205 if refused else 11200)
    if result.status is None or not 200 <= result.status < 300:
        return _invalid(f"callback answered HTTP {result.status}, not 200", 11200)
    if not _is_json(result.content_type):
        return _invalid(f"callback answered Content-Type {result.content_type!r}, not JSON", 40001)
    try:
        document = loads_json(result.body)
    except TooDeep as exc:  # json.loads would raise RecursionError, and the answer be lost
        return _invalid(f"callback answered JSON whose {exc}", 40001)
    except ValueError:
        return _invalid("callback answered a body that is not valid JSON", 40001)
    if not isinstance(document, dict):
        return _invalid("callback answered JSON that is not an object", 40001)
    if "instruction" not in document:
        if not document:
            return Instruction("none")
        return Instruction("none", MappingProxyType({}), WARNING_40005, 40005)
    kind = document["instruction"]
    if not isinstance(kind, str) or kind not in CALLBACK_INSTRUCTIONS:
        expected = ", ".join(CALLBACK_INSTRUCTIONS)
        return _invalid(f"unknown instruction {kind!r} (expected one of {expected})", 55555)
    raw = {key: value for key, value in document.items() if key != "instruction"}
    try:
        params = check_params(kind, raw)
    except InstructionError as exc:
        return _invalid(str(exc), 55555)
    return Instruction(kind, MappingProxyType(params), None)
