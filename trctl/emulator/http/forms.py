"""Form and query parameters: parsing the wire format and typed, validated accessors."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qsl

from trctl.documents import TooDeep, loads_json
from trctl.emulator.core.clock import parse_iso
from trctl.emulator.core.errors import ApiError, bad_request
from trctl.emulator.core.ids import looks_like
from trctl.vocab.limits import FRIENDLY_NAME_CODE, friendly_name_problem

TRUE_WORDS = ("true", "1", "yes")


def parse_form(raw: bytes | str) -> list[tuple[str, str]]:
    """Decode an application/x-www-form-urlencoded body or query string (400 when malformed)."""
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise bad_request(f"Malformed request body: not UTF-8 ({exc.reason})") from exc
    if not raw:
        return []
    try:
        return parse_qsl(raw, keep_blank_values=True, strict_parsing=True, errors="strict")
    except (ValueError, UnicodeDecodeError) as exc:
        raise bad_request(f"Malformed form-encoded request body: {exc}") from exc


class Params:
    """The parameters of one request, with accessors that raise 400 (code 20001) on bad values."""

    def __init__(self, pairs: Iterable[tuple[str, str]]) -> None:
        self._values: dict[str, list[str]] = {}
        for key, value in pairs:
            self._values.setdefault(key, []).append(value)

    def __contains__(self, name: str) -> bool:
        return name in self._values

    def items(self) -> list[tuple[str, str]]:
        return [(key, value) for key, values in self._values.items() for value in values]

    def raw(self, name: str) -> str | None:
        values = self._values.get(name)
        return values[-1] if values else None

    def all(self, name: str) -> list[str]:
        return list(self._values.get(name, []))

    def str(self, name: str, *, required: bool = False, max_len: int | None = None) -> str | None:
        value = self.raw(name)
        if value is None:
            if required:
                raise bad_request(f"Missing required parameter {name} in the post body")
            return None
        if required and not value.strip():
            raise bad_request(f"Required parameter {name} must not be empty")
        if max_len is not None and len(value) > max_len:
            raise bad_request(f"{name} must be at most {max_len} characters")
        return value

    def name(self, name: str = "FriendlyName", *, required: bool = True) -> str | None:
        """A friendly name TaskRouter accepts: 1 to 64 characters, no control characters (400,
        code 20002 "Invalid FriendlyName", naming the parameter)."""
        value = self.str(name, required=required and name not in self)
        if value is None:
            return None
        problem = friendly_name_problem(value)
        if problem is not None:
            raise ApiError(400, FRIENDLY_NAME_CODE, f"{name} {problem}")
        return value

    def bool(self, name: str, default: bool | None = None) -> bool | None:
        value = self.raw(name)
        if value is None:
            return default
        return value.strip().lower() in TRUE_WORDS

    def int(
        self,
        name: str,
        *,
        default: int | None = None,
        low: int | None = None,
        high: int | None = None,
    ) -> int | None:
        value = self.raw(name)
        if value is None:
            return default
        try:  # an empty value is no number either: 400, as for any other text
            number = int(value.strip())
        except ValueError as exc:
            raise bad_request(f"{name} must be an integer, got {value!r}") from exc
        if low is not None and number < low and high is None:
            raise bad_request(f"{name} must be at least {low}, got {number}")
        if (low is not None and number < low) or (high is not None and number > high):
            raise bad_request(f"{name} must be between {low} and {high}, got {number}")
        return number

    def sid(self, name: str, prefix: str, *, required: bool = False) -> str | None:
        value = self.str(name, required=required)
        if value is None or value == "":
            return None
        if not looks_like(value, prefix):
            raise bad_request(f"{name} must be a {prefix} SID ({prefix} + 32 hex), got {value!r}")
        return value

    def json_object(self, name: str) -> str | None:
        """A JSON object passed as a string, returned as given (400 if not JSON); its length
        is the core's to judge (the attributes limit)."""
        value = self.raw(name)
        if value is None:
            return None
        parsed = parse_json_object(name, value)
        del parsed
        return value

    def date(self, name: str) -> float | None:
        value = self.raw(name)
        if value is None:
            return None
        try:
            return parse_iso(value)
        except ValueError as exc:
            raise bad_request(f"{name} must be an ISO 8601 date, got {value!r}") from exc

    def choice(self, name: str, choices: Iterable[str], default: str | None = None) -> str | None:
        value = self.raw(name)
        if value is None:
            return default
        options = list(choices)
        for option in options:
            if value.lower() == option.lower():
                return option
        raise bad_request(f"{name} must be one of {', '.join(options)}, got {value!r}")

    def list(self, name: str) -> list[str]:
        """Repeated keys and/or comma-separated values, flattened."""
        out: list[str] = []
        for value in self.all(name):
            out.extend(part.strip() for part in value.split(",") if part.strip())
        return out


def parse_json_object(name: str, text: str) -> dict[str, Any]:
    """Parse JSON that must be an object; 400 naming the parameter and the JSON error otherwise."""
    try:
        parsed = loads_json(text)
    except TooDeep as exc:
        raise bad_request(f"{name}: {exc}") from exc
    except json.JSONDecodeError as exc:
        raise bad_request(
            f"{name} is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from exc
    if not isinstance(parsed, dict):
        raise bad_request(f"{name} must be a JSON object, got {type(parsed).__name__}")
    return parsed
