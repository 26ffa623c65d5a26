"""Fault rules: what a faults file, `trctl emulator faults add` or POST /trctl/faults may say
(an API path or callback URL pattern, what to do, how likely, how many times), checked with
errors that name the rule and the key."""

from __future__ import annotations

import fnmatch
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from trctl.documents import loads_json, loads_toml

# status -> (Twilio error code, message) of the error envelope an API fault answers with
API_STATUSES: dict[int, tuple[int, str]] = {
    429: (20429, "Too Many Requests"),
    500: (20500, "Internal Server Error"),
    502: (20502, "Bad Gateway"),
    503: (20503, "Service Unavailable"),
    504: (20504, "Gateway Timeout"),
}
CALLBACK_ACTIONS = ("delay", "drop", "duplicate", "reorder")
KEYS = ("api", "callback", "status", "retry_after", "delay", "action", "probability", "times")
METHODS = ("GET", "POST", "DELETE", "PUT", "PATCH", "*")
MAX_DELAY = 600.0


class FaultError(ValueError):
    """A rule that cannot be used; the message names the rule and the key."""


@dataclass
class Rule:
    """One fault rule as given (api or callback pattern, what to do), and how often it fired."""

    id: str
    method: str | None  # api rules: None for any method
    pattern: str  # an api rule's path pattern, a callback rule's URL pattern
    status: int | None = None
    retry_after: float | None = None
    delay: float = 0.0
    action: str | None = None  # callback rules
    probability: float = 1.0
    times: int | None = None  # faults still to inject (None: no limit)
    injected: int = 0

    @property
    def kind(self) -> str:
        return "callback" if self.action else "api"

    limit: int | None = None  # times, as given

    def shown(self) -> dict[str, Any]:
        """The rule in the keys of a faults file, normalised, with its counts."""
        shown: dict[str, Any] = {"id": self.id}
        if self.action:
            shown.update(callback=self.pattern, action=self.action)
        else:
            shown["api"] = f"{self.method or '*'} {self.pattern}"
        for key in ("status", "retry_after", "delay"):
            if getattr(self, key):
                shown[key] = getattr(self, key)
        shown.update(probability=self.probability, times=self.limit)
        return {**shown, "injected": self.injected, "remaining": self.times}

    def matches(self, method: str | None, target: str) -> bool:
        if self.method not in (None, "*") and self.method != (method or "").upper():
            return False
        return fnmatch.fnmatchcase(target, self.pattern)

    def fault(self) -> FaultAction:
        return FaultAction(
            self.id, self.status, self.retry_after, self.delay, self.action, self.pattern
        )


@dataclass(frozen=True)
class FaultAction:
    """What one matching rule does to one request or delivery."""

    rule: str
    status: int | None = None
    retry_after: float | None = None
    delay: float = 0.0
    action: str | None = None
    pattern: str = "*"  # the rule's pattern: a held (reordered) callback waits for the next match

    @property
    def code(self) -> int:
        return API_STATUSES[self.status or 500][0]

    @property
    def message(self) -> str:
        return f"{API_STATUSES[self.status or 500][1]} (injected by fault rule {self.rule})"

    def describe(self) -> str:
        """`F1: 429 Retry-After 1`, `F2: delayed 2 s`, `F3: dropped`: for the request log."""
        parts = []
        if self.action and self.action != "delay":
            parts.append(
                {"drop": "dropped", "duplicate": "duplicated", "reorder": "reordered"}[self.action]
            )
        if self.status is not None:
            parts.append(str(self.status))
        if self.retry_after is not None:
            parts.append(f"Retry-After {self.retry_after:g}")
        if self.delay:
            parts.append(f"delayed {self.delay:g} s")
        return f"{self.rule}: {' '.join(parts)}"


def _number(rule: str, key: str, value: Any, low: float, high: float) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = math.nan
    if isinstance(value, bool) or not (math.isfinite(number) and low <= number <= high):
        raise FaultError(f"{rule}: {key} must be a number from {low:g} to {high:g}, not {value!r}")
    return number


def _seconds(rule: str, key: str, value: Any) -> float:
    """A number of seconds, or `250ms`, `2s`, `1m`."""
    text = str(value).strip().lower()
    for suffix, scale in (("ms", 0.001), ("s", 1.0), ("m", 60.0)):
        if isinstance(value, str) and text.endswith(suffix) and text[: -len(suffix)].strip():
            head = text[: -len(suffix)].strip()
            if head.replace(".", "", 1).isdigit():
                return _number(rule, key, float(head) * scale, 0, MAX_DELAY)
    return _number(rule, key, value, 0, MAX_DELAY)


def parse_rule(fields: Mapping[str, Any], rule_id: str = "rule") -> Rule:
    """A rule from a file's table, a form or a JSON object (values may be strings); a
    FaultError naming `rule_id` and the key otherwise."""
    given = {str(k).lower(): v for k, v in fields.items() if v is not None and v != ""}
    unknown = sorted(set(given) - set(KEYS))
    if unknown:
        raise FaultError(f"{rule_id}: unknown key {unknown[0]!r} (known: {', '.join(KEYS)})")
    if ("api" in given) == ("callback" in given):
        raise FaultError(
            f'{rule_id}: give one of api = "[METHOD] /path/pattern" or callback = "URL pattern"'
        )
    probability = _number(rule_id, "probability", given.get("probability", 1), 0, 1)
    times = given.get("times")
    if times is not None:
        times = int(_number(rule_id, "times", times, 1, 1_000_000_000))
        if float(given["times"]) != times:
            raise FaultError(f"{rule_id}: times must be a whole number, not {given['times']!r}")
    delay = _seconds(rule_id, "delay", given["delay"]) if "delay" in given else 0.0
    part = (
        _api_part(rule_id, given, delay)
        if "api" in given
        else _callback_part(rule_id, given, delay)
    )
    return Rule(rule_id, **part, delay=delay, probability=probability, times=times, limit=times)


def _api_part(rule_id: str, given: dict[str, Any], delay: float) -> dict[str, Any]:
    """What an api rule says beyond the common keys: method, path pattern, status."""
    if "action" in given:
        raise FaultError(
            f"{rule_id}: action is for callback rules; an api rule takes status and/or delay"
        )
    words = str(given["api"]).split()
    if len(words) == 1:
        words = ["*", *words]
    method, pattern = (words[0].upper(), words[1]) if len(words) == 2 else ("", "")
    if method not in METHODS or not pattern.startswith("/"):
        raise FaultError(
            f'{rule_id}: api must be "[METHOD] /path/pattern" (METHOD one of '
            f"{', '.join(METHODS)}), not {given['api']!r}"
        )
    status = None
    if "status" in given:
        status = int(_number(rule_id, "status", given["status"], 100, 599))
        if status not in API_STATUSES:
            raise FaultError(
                f"{rule_id}: status must be one of "
                f"{', '.join(map(str, API_STATUSES))}, not {given['status']!r}"
            )
    retry_after = None
    if "retry_after" in given:
        if status not in (429, 503):
            raise FaultError(f"{rule_id}: retry_after goes with status 429 or 503")
        retry_after = _number(rule_id, "retry_after", given["retry_after"], 0, 86_400)
    elif status == 429:
        retry_after = 1.0
    if status is None and not delay:
        raise FaultError(f"{rule_id}: an api rule needs a status and/or a delay")
    return {
        "method": None if method == "*" else method,
        "pattern": pattern,
        "status": status,
        "retry_after": retry_after,
    }


def _callback_part(rule_id: str, given: dict[str, Any], delay: float) -> dict[str, Any]:
    """What a callback rule says beyond the common keys: URL pattern and action."""
    for key in ("status", "retry_after"):
        if key in given:
            raise FaultError(f"{rule_id}: {key} is for api rules; a callback rule takes action")
    action = str(given.get("action", "delay" if delay else "")).lower()
    if action not in CALLBACK_ACTIONS:
        raise FaultError(
            f"{rule_id}: action must be one of {', '.join(CALLBACK_ACTIONS)}, "
            f"not {given.get('action')!r}"
        )
    if (action == "delay") != bool(delay):
        raise FaultError(f'{rule_id}: delay goes with action = "delay" (and it needs one)')
    return {"method": None, "pattern": str(given["callback"]), "action": action}


def load_rules(path: str | Path) -> list[dict[str, Any]]:
    """The rules of a TOML file (`[[faults]]` tables) or a JSON one ({"faults": [...]} or a
    list; `.json`, or text starting with `{`). Each is checked (a FaultError naming the file
    and the rule)."""
    source = Path(path)
    try:
        text = source.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise FaultError(
            f"{path}: cannot read it ({getattr(exc, 'strerror', None) or exc})"
        ) from exc
    suffix = source.suffix.lower()
    try:
        if suffix == ".json" or (suffix != ".toml" and text.lstrip()[:1] == "{"):
            data: Any = loads_json(text)
        else:
            data = loads_toml(text)
    except ValueError as exc:  # JSONDecodeError, TOMLDecodeError and TooDeep all are
        raise FaultError(
            f"{path}: not valid {'JSON' if suffix == '.json' else 'TOML'}: {exc}"
        ) from exc
    rules = data.get("faults") if isinstance(data, dict) else data
    if not isinstance(rules, list) or not all(isinstance(r, dict) for r in rules):
        raise FaultError(f"{path}: expected [[faults]] tables (TOML) or a list of objects (JSON)")
    for number, rule in enumerate(rules, 1):
        try:
            parse_rule(rule, f"rule {number}")
        except FaultError as exc:
            raise FaultError(f"{path}: {exc}") from exc
    return rules
