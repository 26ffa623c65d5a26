"""Writing workspace files: the spec as plain data (defaults left out), deterministic TOML/JSON."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import fields
from typing import Any

from trctl.services.workspace_spec import (
    ActivitySpec,
    FilterSpec,
    QueueSpec,
    TargetSpec,
    WorkerSpec,
    WorkflowSpec,
    WorkspaceSettings,
    WorkspaceSpec,
)

HEADER = (
    "# TaskRouter workspace for trctl: `trctl workspace apply FILE`"
    " (format: docs/workspace-files.md)\n"
)
_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
# arrays of tables at these depths become [[sections]]; deeper ones are written inline
_SECTION_DEPTH = 2


def spec_to_data(spec: WorkspaceSpec) -> dict[str, Any]:
    """The spec as the file would say it: keys in a fixed order, default values left out."""
    data: dict[str, Any] = {
        "workspace": _fields(spec.workspace, WorkspaceSettings, always=("name",))
    }
    for key, items in (
        ("activities", [_activity(a) for a in spec.activities]),
        ("workers", [_worker(w) for w in spec.workers]),
        ("queues", [_fields(q, QueueSpec, always=("name", "target_workers")) for q in spec.queues]),
        ("workflows", [_workflow(w) for w in spec.workflows]),
    ):
        if items:
            data[key] = items
    return data


def _fields(obj: Any, cls: type, *, always: tuple[str, ...] = ()) -> dict[str, Any]:
    """Fields whose value differs from the class default (and `always` ones), in field order."""
    defaults = cls(**{n: getattr(obj, n) for n in always}) if always else cls()
    out = {}
    for f in fields(cls):
        value = getattr(obj, f.name)
        if f.name in always or value != getattr(defaults, f.name):
            out[f.name] = value
    return out


def _activity(activity: ActivitySpec) -> dict[str, Any]:
    return {"name": activity.name, "available": activity.available}


def _worker(worker: WorkerSpec) -> dict[str, Any]:
    data: dict[str, Any] = {"name": worker.name}
    if worker.activity is not None:
        data["activity"] = worker.activity
    if worker.attributes:
        data["attributes"] = worker.attributes
    return data


def _workflow(workflow: WorkflowSpec) -> dict[str, Any]:
    data = _fields(workflow, WorkflowSpec, always=("name",))
    data.pop("filters", None)
    data.pop("default_filter", None)
    if workflow.default_filter is not None:
        data["default_filter"] = _target(workflow.default_filter)
    if workflow.filters:
        data["filters"] = [_filter(f) for f in workflow.filters]
    return data


def _filter(spec: FilterSpec) -> dict[str, Any]:
    data: dict[str, Any] = {}
    if spec.name is not None:
        data["name"] = spec.name
    data["expression"] = spec.expression
    data["targets"] = [_target(t) for t in spec.targets]
    return data


def _target(target: TargetSpec) -> dict[str, Any]:
    return {
        f.name: getattr(target, f.name)
        for f in fields(TargetSpec)
        if getattr(target, f.name) is not None
    }


# ---- JSON ---------


def dump_json(data: Mapping[str, Any]) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def render(spec: WorkspaceSpec, fmt: str = "toml") -> str:
    """The file text for a spec: "toml" (with a header comment) or "json"."""
    data = spec_to_data(spec)
    return dump_json(data) if fmt == "json" else HEADER + dump_toml(data)


# ---- TOML ---------


def dump_toml(data: Mapping[str, Any]) -> str:
    """Deterministic TOML for nested tables and arrays of tables; values TOML cannot hold (null,
    NaN) make a worker's attributes a JSON string instead."""
    lines: list[str] = []
    _table_body(lines, data, path=(), depth=0)
    return "\n".join(lines).strip("\n") + "\n"


def _is_table_array(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, Mapping) for v in value)


def _table_body(
    lines: list[str], table: Mapping[str, Any], *, path: tuple[str, ...], depth: int
) -> None:
    sections = []
    for key, value in table.items():
        if depth < _SECTION_DEPTH and (
            _is_table_array(value) or (isinstance(value, Mapping) and depth == 0)
        ):
            sections.append((key, value))
        else:
            lines.append(f"{_key(key)} = {_value(key, value)}")
    for key, value in sections:
        sub = (*path, _key(key))
        if isinstance(value, Mapping):
            lines.extend(["", f"[{'.'.join(sub)}]"])
            _table_body(lines, value, path=sub, depth=depth + 1)
            continue
        for item in value:
            lines.extend(["", f"[[{'.'.join(sub)}]]"])
            _table_body(lines, item, path=sub, depth=depth + 1)


def _key(key: str) -> str:
    return key if _BARE_KEY.fullmatch(key) else _string(key)


def _value(key: str, value: Any) -> str:
    if key == "attributes" and isinstance(value, Mapping) and not _representable(value):
        return _string(json.dumps(value, separators=(",", ":"), ensure_ascii=False))
    return _inline(value)


def _representable(value: Any) -> bool:
    if value is None:
        return False
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, Mapping):
        return all(_representable(v) for v in value.values())
    if isinstance(value, list):
        return all(_representable(v) for v in value)
    return True


def _inline(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"TOML cannot hold {value!r}")
        return repr(value)
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, Mapping):
        if not value:
            return "{}"
        return "{ " + ", ".join(f"{_key(k)} = {_inline(v)}" for k, v in value.items()) + " }"
    if isinstance(value, list):
        return "[" + ", ".join(_inline(v) for v in value) + "]"
    raise ValueError(f"TOML cannot hold {value!r}")


_ESCAPES = {
    '"': '\\"',
    "\\": "\\\\",
    "\b": "\\b",
    "\t": "\\t",
    "\n": "\\n",
    "\f": "\\f",
    "\r": "\\r",
}


def _string(text: str) -> str:
    """A literal string when it reads better ('say "hi"'), else a basic string with escapes."""
    plain = all(0x20 <= ord(c) != 0x7F for c in text)
    if '"' in text and "'" not in text and plain:
        return f"'{text}'"
    out = []
    for char in text:
        if char in _ESCAPES:
            out.append(_ESCAPES[char])
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\u{ord(char):04X}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'
