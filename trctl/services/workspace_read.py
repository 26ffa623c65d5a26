"""Reading workspace files: TOML or JSON text into a WorkspaceSpec, checked before any request."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit

from trctl.documents import TooDeep, loads_json, loads_toml, toml_error
from trctl.errors import UsageError
from trctl.services.workspace_checks import check_spec
from trctl.services.workspace_spec import (
    ORDERS,
    TARGET_KEYS,
    ActivitySpec,
    FilterSpec,
    QueueSpec,
    TargetSpec,
    WorkerSpec,
    WorkflowSpec,
    WorkspaceSettings,
    WorkspaceSpec,
)
from trctl.vocab.limits import MAX_ATTRIBUTES_CHARS, friendly_name_problem
from trctl.vocab.limits import MAX_FRIENDLY_NAME as MAX_NAME_CHARS

_ORDER_BY = re.compile(r"^\s*worker\.[A-Za-z_][\w.]*(\s+(ASC|DESC))?\s*$", re.IGNORECASE)


def load_spec_text(text: str, *, source: str, fmt: str | None = None) -> WorkspaceSpec:
    """Parse and check a workspace file's text; fmt is "toml", "json" or None (guess)."""
    data = parse_text(text, source=source, fmt=fmt)
    spec = spec_from_data(data, source=source)
    check_spec(spec, source=source)
    return spec


def guess_format(source: str, text: str) -> str:
    lowered = source.lower()
    if lowered.endswith(".json"):
        return "json"
    if lowered.endswith(".toml"):
        return "toml"
    return "json" if text.lstrip().startswith("{") else "toml"


def parse_text(text: str, *, source: str, fmt: str | None = None) -> dict[str, Any]:
    fmt = fmt or guess_format(source, text)
    if fmt == "json":
        try:
            data = loads_json(text)
        except TooDeep as exc:
            raise UsageError(f"{source}: {exc}") from None
        except ValueError as exc:
            raise UsageError(f"{source}: not valid JSON: {exc}") from exc
        if not isinstance(data, dict):
            raise UsageError(f"{source}: a workspace file is a JSON object at the top level")
        return data
    try:
        return loads_toml(text)
    except TooDeep as exc:
        raise UsageError(f"{source}: {exc}") from None
    except toml_error() as exc:
        raise UsageError(f"{source}: not valid TOML: {exc}") from exc


class _Reader:
    """Typed access to one table of the file; errors name the file and the place."""

    def __init__(self, data: Any, where: str, source: str, known: Iterable[str]) -> None:
        self.source = source
        self.where = where
        if not isinstance(data, Mapping):
            self.fail(f"expected a table, got {_type_name(data)}")
        self.data: Mapping[str, Any] = data
        unknown = [k for k in data if k not in known]
        if unknown:
            self.fail(f"unknown key {unknown[0]!r} (known: {', '.join(known)})")

    def fail(self, message: str) -> None:
        raise UsageError(f"{self.source}: {self.where}: {message}")

    def _get(self, key: str, types: tuple[type, ...], what: str, default: Any) -> Any:
        if key not in self.data:
            return default
        value = self.data[key]
        if not isinstance(value, types) or (bool not in types and isinstance(value, bool)):
            self.fail(f"{key}: expected {what}, got {_type_name(value)}")
        return value

    def text(self, key: str, default: Any = None, *, required: bool = False) -> Any:
        if required and key not in self.data:
            self.fail(f"missing required key {key!r}")
        value = self._get(key, (str,), "a string", default)
        if required and not str(value).strip():
            self.fail(f"{key} must not be empty")
        return value

    def name(self) -> str:
        """The required friendly name, at most 64 characters like TaskRouter's."""
        value = str(self.text("name", required=True))
        if len(value) > MAX_NAME_CHARS:
            self.fail(f"name: {len(value)} characters, TaskRouter allows {MAX_NAME_CHARS}")
        problem = friendly_name_problem(value)
        if problem is not None:
            self.fail(f"name {problem}: {value!r}")
        return value

    def url(self, key: str) -> str:
        """An http(s) URL, or "" for none (TaskRouter refuses anything else)."""
        value = str(self.text(key, ""))
        parts = urlsplit(value)
        if value and (parts.scheme not in ("http", "https") or not parts.netloc):
            self.fail(f"{key}: expected an http(s) URL, got {value!r}")
        return value

    def flag(self, key: str, default: bool) -> bool:
        return bool(self._get(key, (bool,), "true or false", default))

    def integer(self, key: str, default: Any, low: int, high: int) -> Any:
        value = self._get(key, (int,), "an integer", default)
        if value is not None and not low <= value <= high:
            self.fail(f"{key}: {value} is out of range ({low}..{high})")
        return value

    def choice(self, key: str, default: str, choices: tuple[str, ...]) -> str:
        value = str(self.text(key, default)).upper()
        if value not in choices:
            self.fail(f"{key}: expected one of {', '.join(choices)}, got {value!r}")
        return value

    def tables(self, key: str) -> list[Any]:
        value = self._get(key, (list,), "a list of tables", [])
        return list(value)


def _type_name(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, Mapping):
        return "a table"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    return type(value).__name__


def _field_names(cls: type) -> list[str]:
    return list(cls.__dataclass_fields__)  # type: ignore[attr-defined]


def spec_from_data(data: Mapping[str, Any], *, source: str) -> WorkspaceSpec:
    """Build the typed spec from parsed TOML/JSON, rejecting unknown keys and wrong types."""
    top = _Reader(data, "top level", source, _field_names(WorkspaceSpec))
    if "workspace" not in data:
        top.fail("missing the [workspace] table (with at least name = ...)")
    return WorkspaceSpec(
        workspace=_settings(data["workspace"], source),
        activities=_each(top, "activities", source, _activity),
        workers=_each(top, "workers", source, _worker),
        queues=_each(top, "queues", source, _queue),
        workflows=_each(top, "workflows", source, _workflow),
    )


def _each(top: _Reader, key: str, source: str, build: Callable[[_Reader], Any]) -> list[Any]:
    items = []
    for index, item in enumerate(top.tables(key)):
        label = f"{key}[{index}]"
        if isinstance(item, Mapping) and isinstance(item.get("name"), str):
            label += f" {item['name']!r}"
        items.append(build(_Reader(item, label, source, _known_keys(key))))
    return items


def _known_keys(key: str) -> tuple[str, ...]:
    cls = {
        "activities": ActivitySpec,
        "workers": WorkerSpec,
        "queues": QueueSpec,
        "workflows": WorkflowSpec,
    }[key]
    return tuple(_field_names(cls))


def _settings(data: Any, source: str) -> WorkspaceSettings:
    r = _Reader(data, "[workspace]", source, _field_names(WorkspaceSettings))
    return WorkspaceSettings(
        name=r.name(),
        multi_task_enabled=r.flag("multi_task_enabled", True),
        default_activity=r.text("default_activity"),
        timeout_activity=r.text("timeout_activity"),
        event_callback_url=r.url("event_callback_url"),
        events_filter=r.text("events_filter", ""),
        prioritize_queue_order=r.choice("prioritize_queue_order", "FIFO", ORDERS),
    )


def _activity(r: _Reader) -> ActivitySpec:
    return ActivitySpec(name=r.name(), available=r.flag("available", False))


def _worker(r: _Reader) -> WorkerSpec:
    return WorkerSpec(
        name=r.name(),
        activity=r.text("activity"),
        attributes=_attributes(r),
    )


def _attributes(r: _Reader) -> dict[str, Any]:
    """A table, or a JSON object in a string (how export writes values TOML cannot hold)."""
    value = r.data.get("attributes", {})
    if isinstance(value, str):
        try:
            value = loads_json(value)
        except ValueError as exc:
            r.fail(f"attributes: not valid JSON: {exc}")
    if not isinstance(value, Mapping):
        r.fail(f"attributes: expected a table or a JSON object, got {_type_name(value)}")
    encoded = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    if len(encoded) > MAX_ATTRIBUTES_CHARS:
        r.fail(f"attributes: {len(encoded)} characters as JSON, TaskRouter allows 4096")
    return dict(value)


def _queue(r: _Reader) -> QueueSpec:
    return QueueSpec(
        name=r.name(),
        target_workers=r.text("target_workers", "1==1", required="target_workers" in r.data),
        reservation_activity=r.text("reservation_activity"),
        assignment_activity=r.text("assignment_activity"),
        max_reserved_workers=r.integer("max_reserved_workers", 1, 1, 50),
        task_order=r.choice("task_order", "FIFO", ORDERS),
    )


def _workflow(r: _Reader) -> WorkflowSpec:
    filters = []
    for index, item in enumerate(r.tables("filters")):
        where = f"{r.where} filters[{index}]"
        filters.append(_filter(_Reader(item, where, r.source, ("name", "expression", "targets"))))
    default = r.data.get("default_filter")
    return WorkflowSpec(
        name=r.name(),
        task_reservation_timeout=r.integer("task_reservation_timeout", 120, 1, 86400),
        assignment_callback_url=r.url("assignment_callback_url"),
        fallback_assignment_callback_url=r.url("fallback_assignment_callback_url"),
        filters=filters,
        default_filter=None
        if default is None
        else _target(_Reader(default, f"{r.where} default_filter", r.source, ("queue",))),
    )


def _filter(r: _Reader) -> FilterSpec:
    targets = [
        _target(_Reader(item, f"{r.where} targets[{i}]", r.source, TARGET_KEYS))
        for i, item in enumerate(r.tables("targets"))
    ]
    return FilterSpec(
        expression=r.text("expression", required=True), targets=targets, name=r.text("name")
    )


def _target(r: _Reader) -> TargetSpec:
    target = TargetSpec(
        queue=r.text("queue", required=r.where.endswith("default_filter")),
        priority=r.integer("priority", None, 0, 2**31 - 1),
        timeout=r.integer("timeout", None, 1, 2**31 - 1),
        expression=r.text("expression"),
        order_by=r.text("order_by"),
        skip_if=r.text("skip_if"),
        known_worker_sid=r.text("known_worker_sid"),
        known_worker_friendly_name=r.text("known_worker_friendly_name"),
    )
    if target.known_worker_sid and target.known_worker_friendly_name:
        r.fail("known_worker_sid and known_worker_friendly_name cannot both be set")
    if target.order_by:
        for clause in target.order_by.split(","):
            if not _ORDER_BY.match(clause):
                r.fail(f"order_by: {clause.strip()!r} is not `worker.<attribute> ASC|DESC`")
    return target
