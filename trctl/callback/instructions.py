"""Assignment-callback instructions: their parameters, typed validation, and constant decide()s."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from trctl.callback.payload import CallbackRequest
from trctl.errors import UsageError

Decide = Callable[[CallbackRequest], dict]
ActivityResolver = Callable[[str], str]

# parameter types: str, int, bool, url, events (comma list), sid:XX
_DEQUEUE = {
    "from": "str",
    "to": "str",
    "post_work_activity_sid": "sid:WA",
    "timeout": "int",
    "record": "str",
    "status_callback_url": "url",
    "status_callback_events": "events",
}
_CALL = {
    "url": "url",
    "from": "str",
    "to": "str",
    "accept": "bool",
    "record": "str",
    "timeout": "int",
    "status_callback_url": "url",
}
_REDIRECT = {"call_sid": "sid:CA", "url": "url", "accept": "bool"}
# the conference parameters of the Reservation update (Twilio's OpenAPI), in snake_case
_CONFERENCE = {
    "to": "str",
    "from": "str",
    "timeout": "int",
    "status_callback": "url",
    "status_callback_method": "str",
    "status_callback_event": "events",
    "record": "bool",
    "muted": "bool",
    "beep": "str",
    "start_conference_on_enter": "bool",
    "end_conference_on_exit": "bool",
    "wait_url": "url",
    "wait_method": "str",
    "early_media": "bool",
    "max_participants": "int",
    "conference_status_callback": "url",
    "conference_status_callback_method": "str",
    "conference_status_callback_event": "events",
    "conference_record": "str",
    "conference_trim": "str",
    "recording_channels": "str",
    "recording_status_callback": "url",
    "recording_status_callback_method": "str",
    "conference_recording_status_callback": "url",
    "conference_recording_status_callback_method": "str",
    "region": "str",
    "sip_auth_username": "str",
    "sip_auth_password": "str",
    "post_work_activity_sid": "sid:WA",
    "end_conference_on_customer_exit": "bool",
    "beep_on_customer_entrance": "bool",
    "jitter_buffer_size": "str",
}


@dataclass(frozen=True)
class InstructionSpec:
    """One instruction: its parameters (name -> type) and the ones Twilio requires."""

    name: str
    params: Mapping[str, str]
    required: frozenset[str] = frozenset()


INSTRUCTIONS: dict[str, InstructionSpec] = {
    spec.name: spec
    for spec in (
        InstructionSpec("accept", {}),
        InstructionSpec("reject", {"activity_sid": "sid:WA"}),
        InstructionSpec("dequeue", _DEQUEUE),
        InstructionSpec("call", _CALL, frozenset({"url", "from"})),
        InstructionSpec("redirect", _REDIRECT, frozenset({"call_sid", "url"})),
        InstructionSpec("conference", _CONFERENCE),
        InstructionSpec("none", {}),
    )
}
# friendly-name shortcuts: `activity=Offline` becomes activity_sid=WA... through the API
NAME_SHORTCUTS = {"activity": "activity_sid", "post_work_activity": "post_work_activity_sid"}
_TRUE = {"true", "yes", "1", "on"}
_FALSE = {"false", "no", "0", "off"}


def instruction_names() -> list[str]:
    return list(INSTRUCTIONS)


def parse_param_pairs(pairs: Iterable[str], *, option: str = "--param") -> dict[str, str]:
    """`from=+15551234567` pairs as text; values are typed later, per instruction."""
    result: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        key = key.strip()
        if not sep or not key:
            raise UsageError(f"{option} {pair!r} is not name=value", hint="e.g. --param from=+1555")
        if key in result:
            raise UsageError(f"{option} {key!r} given twice")
        result[key] = value
    return result


def _coerce(kind: str, value: Any, where: str) -> Any:
    if kind == "int":
        digits = isinstance(value, str) and re.fullmatch(r"[0-9]{1,9}", value)
        if isinstance(value, bool) or not (isinstance(value, int) or digits):
            raise UsageError(f"{where} must be a non-negative integer, not {value!r}")
        return int(value)
    if kind == "bool":
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in _TRUE | _FALSE:
            return text in _TRUE
        raise UsageError(f"{where} must be true or false, not {value!r}")
    if kind == "events":
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return ",".join(value)
        if isinstance(value, str) and value:
            return value
        raise UsageError(f"{where} must be a comma-separated list of event names")
    if not isinstance(value, str) or not value:
        raise UsageError(f"{where} must be a non-empty string, not {value!r}")
    if kind == "url" and not re.match(r"^https?://[^\s/]+", value):
        raise UsageError(f"{where} must be an http(s) URL, not {value!r}")
    if kind.startswith("sid:"):
        prefix = kind[4:]
        if not re.fullmatch(f"{prefix}[0-9a-fA-F]{{32}}", value):
            raise UsageError(f"{where} must be a {prefix} SID, not {value!r}")
    return value


def build_answer(
    name: str,
    params: Mapping[str, Any] | None = None,
    *,
    resolve_activity: ActivityResolver | None = None,
    where: str = "--param",
) -> dict[str, Any]:
    """The JSON answer for an instruction, its parameters checked and typed; `none` gives {}."""
    prefix = "" if where.startswith("--") else f"{where}: "
    spec = INSTRUCTIONS.get(name)
    if spec is None:
        raise UsageError(
            f"{prefix}unknown instruction {name!r}",
            hint=f"one of: {', '.join(instruction_names())}",
        )
    answer: dict[str, Any] = {} if name == "none" else {"instruction": name}
    for key, raw in (params or {}).items():
        target = NAME_SHORTCUTS.get(key, key)
        kind = spec.params.get(target)
        if kind is None:
            allowed = ", ".join([*spec.params, *_shortcuts_for(spec)]) or "none"
            raise UsageError(
                f"{where} {key!r} is not a parameter of {name!r}", hint=f"allowed: {allowed}"
            )
        if target in answer:
            raise UsageError(f"{where} {target!r} given twice (as {key!r})")
        if target != key:
            raw = _resolve_name(raw, resolve_activity, f"{where} {key}")
        answer[target] = _coerce(kind, raw, f"{where} {key}")
    missing = sorted(spec.required - answer.keys())
    if missing:
        example = " ".join(f"{where} {key}=..." if where == "--param" else key for key in missing)
        raise UsageError(f"{prefix}instruction {name!r} needs {', '.join(missing)}", hint=example)
    return answer


def _shortcuts_for(spec: InstructionSpec) -> list[str]:
    return [short for short, full in NAME_SHORTCUTS.items() if full in spec.params]


def _resolve_name(raw: Any, resolve_activity: ActivityResolver | None, where: str) -> str:
    if not isinstance(raw, str) or not raw:
        raise UsageError(f"{where} must be an activity name")
    if resolve_activity is None:
        raise UsageError(
            f"{where}: activity names need TaskRouter API access", hint="give the WA... SID instead"
        )
    return resolve_activity(raw)


def constant(answer: Mapping[str, Any]) -> Decide:
    """A decide() that gives every reservation the same answer."""
    frozen = dict(answer)

    def decide(request: CallbackRequest) -> dict:
        return dict(frozen)

    return decide


def instruction_of(answer: Mapping[str, Any]) -> str:
    """The instruction name shown in logs: `none` for the empty answer."""
    return str(answer.get("instruction", "none"))
