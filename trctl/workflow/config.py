"""The workflow configuration language: parse and check task_routing JSON (emulator and CLI)."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from trctl.documents import TooDeep, loads_json
from trctl.expr import Expression, ExpressionError, parse

MAX_CONFIGURATION_BYTES = 1024 * 1024
MAX_PRIORITY = 2**31 - 1
TARGET_KEYS = "task.<attribute> or worker.<attribute>"
SKIP_IF_KEYS = "workers.<count>, e.g. workers.available"
_ORDER_BY_CLAUSE = re.compile(
    r"^worker\.(?P<path>[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)(?:\s+(?P<direction>asc|desc))?$",
    re.IGNORECASE,
)


class ConfigurationError(ValueError):
    """An invalid workflow configuration; `path` is the JSON path of the offending value."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}" if path else message)
        self.path = path
        self.message = message


@dataclass(frozen=True)
class Target:
    """One routing step: a queue plus the optional overrides and conditions of that step."""

    queue_sid: str
    priority: int | None = None
    timeout: int | None = None
    expression: Expression | None = None
    order_by: tuple[tuple[str, bool], ...] = ()  # (worker attribute path, descending)
    skip_if: Expression | None = None
    known_worker_sid: str | None = None
    known_worker_friendly_name: str | None = None


@dataclass(frozen=True)
class Filter:
    name: str
    expression: Expression
    targets: tuple[Target, ...]


@dataclass(frozen=True)
class WorkflowConfig:
    filters: tuple[Filter, ...]
    default_filter: Target | None


def _object(value: Any, path: str) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise ConfigurationError(path, "must be a JSON object")
    return value


def _expression(value: Any, path: str) -> Expression:
    if not isinstance(value, str) or not value.strip():
        raise ConfigurationError(path, "must be a non-empty expression string")
    try:
        return parse(value)
    except ExpressionError as exc:
        raise ConfigurationError(path, f"{exc}: {exc.marked()}") from exc


def _require_prefixes(
    expression: Expression, path: str, allowed: Callable[[str], bool], what_is_allowed: str
) -> None:
    for key in sorted(expression.keys()):
        if not allowed(key):
            at = expression.text.find(key)
            where = f" at position {at}" if at >= 0 else ""
            raise ConfigurationError(
                path, f"key '{key}' is not allowed here{where} (use {what_is_allowed})"
            )


def _is_target_key(key: str) -> bool:
    """Target expressions see task.<attr> and worker.<attr> (plus the worker's own fields)."""
    scope, dot, rest = key.partition(".")
    return bool(dot and rest) and scope in ("task", "worker")


def _is_skip_key(key: str) -> bool:
    """skip_if sees worker counts of the step's queue: workers.available|unavailable|WA..."""
    scope, dot, rest = key.partition(".")
    return scope == "workers" and bool(dot and rest) and "." not in rest


def _is_ascii_digits(text: str) -> bool:
    """True for "0".."9" only (str.isdigit also accepts "²", which int() rejects)."""
    return text.isascii() and text.isdigit()


def _whole_number(value: Any, path: str, low: int, high: int, what: str) -> int:
    if isinstance(value, str) and _is_ascii_digits(value.strip()):
        value = int(value.strip())
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ConfigurationError(path, f"must be {what}")
    return value


def _order_by(value: Any, path: str) -> tuple[tuple[str, bool], ...]:
    if not isinstance(value, str):
        raise ConfigurationError(path, "must be a string like 'worker.level DESC'")
    clauses = []
    for clause in (part.strip() for part in value.split(",")):
        match = _ORDER_BY_CLAUSE.match(clause)
        if not match:
            raise ConfigurationError(
                path, f"clause {clause!r} is not 'worker.<attribute> ASC|DESC'"
            )
        descending = (match.group("direction") or "asc").lower() == "desc"
        clauses.append((match.group("path"), descending))
    return tuple(clauses)


def _optional_text(raw: Mapping[str, Any], key: str, path: str) -> str | None:
    value = raw.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise ConfigurationError(f"{path}.{key}", "must be a non-empty string")
    return value.strip()


def _queue(
    raw: Mapping[str, Any], path: str, inherited: str | None, queue_exists: Callable[[str], bool]
) -> str:
    if "queue" not in raw or raw["queue"] is None:
        if inherited is None:
            raise ConfigurationError(f"{path}.queue", "is required (the first target names one)")
        return inherited
    queue = raw["queue"]
    if not isinstance(queue, str) or not queue.strip():
        raise ConfigurationError(f"{path}.queue", "must be a TaskQueue SID")
    if not queue_exists(queue):
        raise ConfigurationError(f"{path}.queue", f"TaskQueue {queue} does not exist")
    return queue


def _target(
    value: Any,
    path: str,
    inherited: str | None,
    queue_exists: Callable[[str], bool],
    *,
    is_default: bool = False,
) -> Target:
    raw = _object(value, path)
    queue = _queue(raw, path, inherited, queue_exists)
    priority = raw.get("priority")
    if priority is not None:
        priority = _whole_number(
            priority,
            f"{path}.priority",
            0,
            MAX_PRIORITY,
            f"a whole number from 0 to {MAX_PRIORITY}",
        )
    expression = None
    if raw.get("expression") is not None:
        expression = _expression(raw["expression"], f"{path}.expression")
        _require_prefixes(expression, f"{path}.expression", _is_target_key, TARGET_KEYS)
    order_by: tuple[tuple[str, bool], ...] = ()
    if raw.get("order_by") not in (None, ""):
        order_by = _order_by(raw["order_by"], f"{path}.order_by")
    known_sid = _optional_text(raw, "known_worker_sid", path)
    known_name = _optional_text(raw, "known_worker_friendly_name", path)
    if known_sid and known_name:
        raise ConfigurationError(
            path, "known_worker_sid and known_worker_friendly_name cannot both be set"
        )
    timeout = skip_if = None
    if not is_default:  # default_filter has no timeout and is never skipped
        if raw.get("timeout") is not None:
            timeout = _whole_number(
                raw["timeout"], f"{path}.timeout", 1, MAX_PRIORITY, "a positive whole number"
            )
        if raw.get("skip_if") is not None:
            skip_if = _expression(raw["skip_if"], f"{path}.skip_if")
            _require_prefixes(skip_if, f"{path}.skip_if", _is_skip_key, SKIP_IF_KEYS)
    return Target(queue, priority, timeout, expression, order_by, skip_if, known_sid, known_name)


def _filter(value: Any, path: str, queue_exists: Callable[[str], bool]) -> Filter:
    raw = _object(value, path)
    name = raw.get("filter_friendly_name", "")
    if not isinstance(name, str):
        raise ConfigurationError(f"{path}.filter_friendly_name", "must be a string")
    if "expression" not in raw:
        raise ConfigurationError(f"{path}.expression", "is required")
    expression = _expression(raw["expression"], f"{path}.expression")
    targets_raw = raw.get("targets")
    if not isinstance(targets_raw, list) or not targets_raw:
        raise ConfigurationError(f"{path}.targets", "must be a non-empty list of targets")
    targets: list[Target] = []
    inherited: str | None = None
    for index, target_raw in enumerate(targets_raw):
        target = _target(target_raw, f"{path}.targets[{index}]", inherited, queue_exists)
        inherited = target.queue_sid
        targets.append(target)
    return Filter(name, expression, tuple(targets))


def _any_queue(_sid: str) -> bool:
    return True


def parse_workflow_config(
    text: str, *, queue_exists: Callable[[str], bool] | None = None
) -> WorkflowConfig:
    """Parse and validate a workflow `configuration` JSON string; raise ConfigurationError."""
    if not isinstance(text, str):
        raise ConfigurationError("", "configuration must be a JSON string")
    if len(text.encode("utf-8", errors="surrogatepass")) > MAX_CONFIGURATION_BYTES:
        raise ConfigurationError("", "configuration is larger than 1 MB")
    try:
        document = loads_json(text)
    except TooDeep as exc:
        raise ConfigurationError("", f"configuration: {exc}") from None
    except ValueError as exc:
        raise ConfigurationError("", f"configuration is not valid JSON: {exc}") from exc
    exists = queue_exists or _any_queue
    routing = _object(_object(document, "configuration").get("task_routing"), "task_routing")
    filters_raw = routing.get("filters", [])
    if filters_raw is None:
        filters_raw = []
    if not isinstance(filters_raw, list):
        raise ConfigurationError("task_routing.filters", "must be a list")
    filters = tuple(
        _filter(raw, f"task_routing.filters[{index}]", exists)
        for index, raw in enumerate(filters_raw)
    )
    default = None
    if routing.get("default_filter") is not None:
        default = _target(
            routing["default_filter"], "task_routing.default_filter", None, exists, is_default=True
        )
    if not filters and default is None:
        raise ConfigurationError("task_routing", "needs at least one filter or a default_filter")
    return WorkflowConfig(filters, default)


def referenced_queues(config: WorkflowConfig) -> frozenset[str]:
    """Every TaskQueue SID the configuration routes to."""
    sids = {target.queue_sid for item in config.filters for target in item.targets}
    if config.default_filter is not None:
        sids.add(config.default_filter.queue_sid)
    return frozenset(sids)
