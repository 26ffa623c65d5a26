"""Instruction parameters: their kinds, limits and meaning, and how a raw value is read."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

# parameter kinds
TEXT = "text"
INTEGER = "integer"
BOOLEAN = "boolean"
URL = "url"
SID = "sid"
CHOICE = "choice"
EVENTS = "events"  # a comma-separated list of event names


class InstructionError(ValueError):
    """TaskRouter would refuse this: `param` names the parameter and `rule` what it must be."""

    def __init__(self, param: str | None, rule: str, message: str | None = None) -> None:
        super().__init__(message or f"{param} must be {rule}")
        self.param = param
        self.rule = rule


@dataclass(frozen=True)
class Param:
    """One instruction parameter: its snake_case name, kind, limits and a one-line meaning."""

    name: str
    kind: str
    meaning: str
    required: bool = False
    choices: tuple[str, ...] = ()  # CHOICE: the values; EVENTS: the event names
    low: int | None = None  # INTEGER bounds, inclusive
    high: int | None = None
    sip_high: int | None = None  # INTEGER: a lower maximum when `to` is a sip: URI
    unit: str = ""  # INTEGER: e.g. "seconds"
    sid_prefix: str = ""  # SID: e.g. "WA"
    secret: bool = False  # never repeat the value in a message
    rest_name: str = ""  # the REST Reservation update's form name ("" when it has none)

    def rule(self) -> str:
        """What a valid value is, as a phrase: 'a whole number of seconds from 1 to 999 ...'."""
        if self.kind == INTEGER:
            unit = f" of {self.unit}" if self.unit else ""
            text = f"a whole number{unit} from {self.low} to {self.high}"
            if self.sip_high is not None:
                text += f" (at most {self.sip_high} when 'to' is a sip: URI)"
            return text
        if self.kind == BOOLEAN:
            return "true or false"
        if self.kind == URL:
            return "an absolute http(s) URL without spaces"
        if self.kind == SID:
            return f"a {self.sid_prefix} SID ({self.sid_prefix} followed by 32 hex digits)"
        if self.kind == CHOICE:
            return f"one of {', '.join(self.choices)}"
        if self.kind == EVENTS:
            return f"a comma-separated list of events among {', '.join(self.choices)}"
        return "a non-empty string"

    def read(self, value: Any) -> Any:
        """The typed value (JSON value or text); raises InstructionError naming this parameter."""
        typed = _READERS[self.kind](self, value)
        if typed is _REFUSED:
            raise InstructionError(self.name, self.rule())
        return typed


_REFUSED = object()
_HEX32 = "[0-9a-fA-F]{32}"


def _read_text(param: Param, value: Any) -> Any:
    return value if isinstance(value, str) and value.strip() else _REFUSED


def _read_integer(param: Param, value: Any) -> Any:
    if isinstance(value, str):
        text = value.strip()
        if not (text.isascii() and text.isdigit()):
            return _REFUSED
        try:
            value = int(text)
        except ValueError:  # longer than int() reads (4300 digits): out of range anyway
            return _REFUSED
    if isinstance(value, bool) or not isinstance(value, int):
        return _REFUSED
    assert param.low is not None and param.high is not None
    return value if param.low <= value <= param.high else _REFUSED


def _read_boolean(param: Param, value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return _REFUSED


def _read_url(param: Param, value: Any) -> Any:
    if not isinstance(value, str) or any(ch.isspace() or ord(ch) < 32 for ch in value):
        return _REFUSED
    try:
        parts = urlsplit(value)
    except ValueError:  # e.g. an unbalanced [ in the host
        return _REFUSED
    return value if parts.scheme in ("http", "https") and parts.hostname else _REFUSED


def _read_sid(param: Param, value: Any) -> Any:
    pattern = param.sid_prefix + _HEX32
    return value if isinstance(value, str) and re.fullmatch(pattern, value) else _REFUSED


def _read_choice(param: Param, value: Any) -> Any:
    if isinstance(value, bool) and {"true", "false"} <= set(param.choices):
        return "true" if value else "false"
    return value if isinstance(value, str) and value in param.choices else _REFUSED


def _read_events(param: Param, value: Any) -> Any:
    if not isinstance(value, str):
        return _REFUSED
    events = [event.strip() for event in value.split(",")]
    return value if all(event in param.choices for event in events) else _REFUSED


_READERS = {
    TEXT: _read_text,
    INTEGER: _read_integer,
    BOOLEAN: _read_boolean,
    URL: _read_url,
    SID: _read_sid,
    CHOICE: _read_choice,
    EVENTS: _read_events,
}
