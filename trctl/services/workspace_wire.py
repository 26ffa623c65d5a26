"""A workflow's configuration JSON: from a WorkflowSpec (queue names to SIDs) and back."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from trctl.services.workspace_spec import TARGET_KEYS, FilterSpec, TargetSpec, WorkflowSpec


def workflow_configuration(workflow: WorkflowSpec, queue_sids: Mapping[str, str]) -> dict[str, Any]:
    """The configuration JSON TaskRouter takes; queue names become SIDs where known."""
    routing: dict[str, Any] = {"filters": [_filter_json(f, queue_sids) for f in workflow.filters]}
    if workflow.default_filter is not None:
        routing["default_filter"] = _target_json(workflow.default_filter, queue_sids)
    return {"task_routing": routing}


def _filter_json(spec: FilterSpec, queue_sids: Mapping[str, str]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    if spec.name is not None:
        data["filter_friendly_name"] = spec.name
    data["expression"] = spec.expression
    data["targets"] = [_target_json(t, queue_sids) for t in spec.targets]
    return data


def _target_json(target: TargetSpec, queue_sids: Mapping[str, str]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for key in TARGET_KEYS:
        value = getattr(target, key)
        if value is None:
            continue
        data[key] = queue_sids.get(value, value) if key == "queue" else value
    return data


def workflow_from_configuration(
    name: str,
    configuration: Any,
    queue_names: Mapping[str, str],
    **settings: Any,
) -> WorkflowSpec:
    """The spec form of a live workflow: queue SIDs become names; numeric strings become ints."""
    if isinstance(configuration, str):
        try:
            configuration = json.loads(configuration)
        except ValueError:
            configuration = {}
    routing = configuration.get("task_routing", {}) if isinstance(configuration, Mapping) else {}
    filters = [
        FilterSpec(
            expression=str(f.get("expression", "")),
            targets=[_target_from_json(t, queue_names) for t in f.get("targets", [])],
            name=f.get("filter_friendly_name"),
        )
        for f in routing.get("filters", []) or []
    ]
    default = routing.get("default_filter")
    return WorkflowSpec(
        name=name,
        filters=filters,
        default_filter=_target_from_json(default, queue_names) if default else None,
        **settings,
    )


def _target_from_json(data: Mapping[str, Any], queue_names: Mapping[str, str]) -> TargetSpec:
    values: dict[str, Any] = {}
    for key in TARGET_KEYS:
        value = data.get(key)
        if value is None:
            continue
        if key == "queue":
            value = queue_names.get(str(value), str(value))
        elif key in ("priority", "timeout"):
            value = _as_int(value)
        values[key] = value
    return TargetSpec(**values)


def _as_int(value: Any) -> Any:
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    return value
