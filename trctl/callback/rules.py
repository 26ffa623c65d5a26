"""Callback rules files (JSON or TOML): ordered `when` expressions, first match answers, a default.

Schema (TOML shown; JSON has the same shape)::

    [[rules]]
    name = "english goes elsewhere"              # optional, shown in the live log
    when = 'task.selected_language == "en"'      # trctl.expr over task.* and worker.* attributes
    respond = { instruction = "reject", activity = "Offline" }

    [default]                                    # optional; accept when omitted
    instruction = "accept"

`respond` (and `default`) is an instruction name (a string) or a table with `instruction` plus that
instruction's parameters, exactly as `--instruction` and `--param` take them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from trctl.callback.instructions import ActivityResolver, build_answer
from trctl.callback.payload import CallbackRequest
from trctl.documents import TooDeep, loads_json, loads_toml, toml_error
from trctl.errors import UsageError

MAX_RULES_FILE_BYTES = 1_000_000
_TOP_KEYS = ("rules", "default")
_RULE_KEYS = ("name", "when", "respond")


@dataclass(frozen=True)
class Rule:
    """One rule: where it came from, its parsed expression and its checked answer."""

    label: str
    when: str
    expression: Any
    answer: Mapping[str, Any]


@dataclass(frozen=True)
class Rules:
    """An ordered rule list and a default; decide() is safe to call from many threads."""

    rules: tuple[Rule, ...]
    default: Mapping[str, Any]

    def decide(self, request: CallbackRequest) -> dict:
        from trctl.expr import ExpressionError

        context = request.expression_context()
        for rule in self.rules:
            try:
                matched = bool(rule.expression.evaluate(context))
            except ExpressionError as exc:
                request.notes.setdefault("rule_errors", f"{rule.label}: {exc.message}")
                continue
            if matched:
                request.notes["rule"] = rule.label
                return dict(rule.answer)
        request.notes["rule"] = "default"
        return dict(self.default)


def _read_document(path: Path) -> Any:
    try:
        raw = path.read_bytes()
    except FileNotFoundError as exc:
        raise UsageError(f"rules file {str(path)!r} does not exist") from exc
    except OSError as exc:
        raise UsageError(f"cannot read rules file {str(path)!r}: {exc.strerror}") from exc
    if len(raw) > MAX_RULES_FILE_BYTES:
        raise UsageError(f"{path.name}: larger than {MAX_RULES_FILE_BYTES} bytes")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UsageError(f"{path.name}: not UTF-8 text") from exc
    if path.suffix.lower() == ".toml":
        return _toml(text, path.name)
    if path.suffix.lower() == ".json":
        return _json(text, path.name)
    try:
        return _json(text, path.name)
    except UsageError:
        return _toml(text, path.name)


def _json(text: str, name: str) -> Any:
    try:
        return loads_json(text)
    except TooDeep as exc:
        raise UsageError(f"{name}: {exc}") from None
    except json.JSONDecodeError as exc:
        raise UsageError(f"{name}: invalid JSON at line {exc.lineno} column {exc.colno}") from exc


def _toml(text: str, name: str) -> Any:
    try:
        return loads_toml(text)
    except TooDeep as exc:
        raise UsageError(f"{name}: {exc}") from None
    except toml_error() as exc:
        raise UsageError(f"{name}: invalid TOML ({exc})") from exc


def _answer(value: Any, where: str, resolve_activity: ActivityResolver | None) -> dict[str, Any]:
    if isinstance(value, str):
        return build_answer(value, {}, resolve_activity=resolve_activity, where=where)
    if not isinstance(value, dict):
        raise UsageError(f"{where} must be an instruction name or a table with `instruction`")
    params = dict(value)
    name = params.pop("instruction", None)
    if not isinstance(name, str):
        raise UsageError(f"{where} needs `instruction` (a string)")
    return build_answer(name, params, resolve_activity=resolve_activity, where=where)


def _refuse_unknown_keys(table: Mapping[str, Any], allowed: tuple[str, ...], where: str) -> None:
    unknown = sorted(set(table) - set(allowed))
    if unknown:
        raise UsageError(f"{where}: unknown key {unknown[0]!r}", hint=f"keys: {', '.join(allowed)}")


def _rule(index: int, item: Any, source: str, resolve_activity: ActivityResolver | None) -> Rule:
    from trctl.expr import ExpressionError, parse

    where = f"{source}: rule {index}"
    if not isinstance(item, dict):
        raise UsageError(f"{where} must be a table/object with `when` and `respond`")
    _refuse_unknown_keys(item, _RULE_KEYS, where)
    name = item.get("name")
    if name is not None and not isinstance(name, str):
        raise UsageError(f"{where}: `name` must be a string")
    when = item.get("when")
    if not isinstance(when, str) or not when.strip():
        raise UsageError(f"{where}: `when` must be a non-empty expression string")
    if "respond" not in item:
        raise UsageError(f"{where}: missing `respond`")
    try:
        expression = parse(when)
    except ExpressionError as exc:
        raise UsageError(
            f"{where} `when` at position {exc.position}: {exc.message}", hint=f"in {when!r}"
        ) from exc
    label = f"rule {index}" + (f" ({name})" if name else "")
    answer = _answer(item["respond"], f"{where} respond", resolve_activity)
    return Rule(label=label, when=when, expression=expression, answer=answer)


def parse_rules(
    document: Any, source: str, *, resolve_activity: ActivityResolver | None = None
) -> Rules:
    """Validate a loaded document; every problem is one UsageError naming the rule and spot."""
    if not isinstance(document, dict):
        raise UsageError(f"{source}: the top level must be a table/object with `rules`")
    _refuse_unknown_keys(document, _TOP_KEYS, source)
    items = document.get("rules")
    if not isinstance(items, list):
        raise UsageError(f"{source}: `rules` must be a list of rules")
    rules = tuple(
        _rule(index, item, source, resolve_activity) for index, item in enumerate(items, 1)
    )
    default = _answer(document.get("default", "accept"), f"{source}: default", resolve_activity)
    return Rules(rules=rules, default=default)


def load_rules(path: str | Path, *, resolve_activity: ActivityResolver | None = None) -> Rules:
    """Read and validate a rules file (.toml, .json, or either when the suffix says neither)."""
    path = Path(path)
    return parse_rules(_read_document(path), path.name, resolve_activity=resolve_activity)
