"""Applying and exporting workspace files: find or create the workspace, write a plan in order."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from trctl.errors import UsageError
from trctl.services.rest import TaskRouterApi
from trctl.services.workspace_lint import lint_spec
from trctl.services.workspace_plan import (
    COLLECTIONS,
    Change,
    LiveWorkspace,
    Plan,
    count_actions,
    make_new_workspace_plan,
    make_plan,
    new_workspace_live,
    read_live,
)
from trctl.services.workspace_spec import ACTIVITY_FIELDS, WorkspaceSpec
from trctl.services.workspace_wire import workflow_configuration
from trctl.services.workspaces import api_for, find_workspace, list_workspaces

OnChange = Callable[[Change], None]

# spec field -> TaskRouter parameter, per kind (FriendlyName comes from `name`)
PARAMETERS: dict[str, dict[str, str]] = {
    "workspace": {
        "multi_task_enabled": "MultiTaskEnabled",
        "default_activity": "DefaultActivitySid",
        "timeout_activity": "TimeoutActivitySid",
        "event_callback_url": "EventCallbackUrl",
        "events_filter": "EventsFilter",
        "prioritize_queue_order": "PrioritizeQueueOrder",
    },
    "activity": {"available": "Available"},
    "queue": {
        "target_workers": "TargetWorkers",
        "reservation_activity": "ReservationActivitySid",
        "assignment_activity": "AssignmentActivitySid",
        "max_reserved_workers": "MaxReservedWorkers",
        "task_order": "TaskOrder",
    },
    "worker": {"activity": "ActivitySid", "attributes": "Attributes"},
    "workflow": {
        "task_reservation_timeout": "TaskReservationTimeout",
        "assignment_callback_url": "AssignmentCallbackUrl",
        "fallback_assignment_callback_url": "FallbackAssignmentCallbackUrl",
        "filters": "Configuration",
        "default_filter": "Configuration",
    },
}
WORKSPACE_CREATE_FIELDS = (
    "multi_task_enabled",
    "event_callback_url",
    "events_filter",
    "prioritize_queue_order",
)


@dataclass
class ApplyResult:
    """What apply did (or, with dry_run, would do)."""

    workspace_sid: str | None
    workspace_name: str
    changes: list[Change]
    dry_run: bool
    created_workspace: bool = False
    warnings: list[Any] = field(default_factory=list)  # lint findings on the file's workflows

    def counts(self) -> dict[str, int]:
        return count_actions(self.changes)


def find_target_workspace(
    api: TaskRouterApi, spec: WorkspaceSpec, workspace: str | None
) -> dict[str, Any] | None:
    """--workspace (SID or name, must exist) if given, else the file's name (None: missing)."""
    if workspace:
        return find_workspace(api, workspace)
    named = [w for w in list_workspaces(api) if w.get("friendly_name") == spec.workspace.name]
    if len(named) > 1:
        raise UsageError(
            f"{len(named)} workspaces are named {spec.workspace.name!r}",
            hint="choose one with --workspace SID: " + ", ".join(w["sid"] for w in named),
        )
    return named[0] if named else None


def plan_spec(
    client: Any,
    spec: WorkspaceSpec,
    *,
    workspace: str | None = None,
    prune: bool = False,
    source: str = "file",
) -> Plan:
    """The plan without writing anything (a missing workspace plans as TaskRouter creates it)."""
    api = api_for(client)
    record = find_target_workspace(api, spec, workspace)
    if record is None:
        return make_new_workspace_plan(spec, new_workspace_live(spec.workspace.name), source=source)
    plan = make_plan(spec, read_live(api, record), prune=prune, source=source)
    if record.get("multi_task_enabled") and not spec.workspace.multi_task_enabled:
        _check_single_tasking_allowed(api, record, source)
    return plan


def _check_single_tasking_allowed(api: TaskRouterApi, record: dict[str, Any], source: str) -> None:
    """TaskRouter switches a multi-tasking workspace to single-tasking only while another
    single-tasking workspace exists (the spec): say so before the first write, not after."""
    others = [w for w in list_workspaces(api) if w.get("sid") != record["sid"]]
    if any(w.get("multi_task_enabled") is False for w in others):
        return
    raise UsageError(
        f"{source}: workspace multi_task_enabled = false, but {record['friendly_name']!r} is "
        "multi-tasking and TaskRouter cannot switch it to single-tasking",
        hint="it can only while another single-tasking workspace exists; "
        "remove the line, or apply the file to a new workspace (--workspace)",
    )


def apply_spec(
    client: Any,
    spec: WorkspaceSpec,
    *,
    workspace: str | None = None,
    prune: bool = False,
    dry_run: bool = False,
    source: str = "file",
    on_change: OnChange | None = None,
) -> ApplyResult:
    """Make the workspace match the file. Everything is checked before the first write
    (for a new workspace, against the default activities TaskRouter will give it)."""
    api = api_for(client)
    notify = on_change or (lambda change: None)
    plan = plan_spec(api, spec, workspace=workspace, prune=prune, source=source)
    warnings = lint_spec(spec, plan.live.spec, source=source)  # errors stop it here
    if dry_run:
        return ApplyResult(plan.live.sid, spec.workspace.name, plan.changes, True, False, warnings)
    created = plan.live.sid is None
    if created:
        record = _create_workspace(api, spec)
        notify(Change("workspace", spec.workspace.name, "create"))
        plan = make_new_workspace_plan(spec, read_live(api, record), source=source)
    writer = _Writer(api, plan.live)
    changes = []
    for change in plan.changes:
        if change.kind == "workspace" and created:
            change = Change("workspace", change.name, "create", change.fields)
            if change.fields:
                writer.write(plan, Change("workspace", change.name, "update", change.fields))
        else:
            writer.write(plan, change)
            notify(change)
        changes.append(change)
    return ApplyResult(plan.live.sid, spec.workspace.name, changes, False, created, warnings)


def _create_workspace(api: TaskRouterApi, spec: WorkspaceSpec) -> dict[str, Any]:
    settings = spec.workspace
    data: dict[str, Any] = {"FriendlyName": settings.name}
    for name in WORKSPACE_CREATE_FIELDS:
        data[PARAMETERS["workspace"][name]] = getattr(settings, name)
    return api.create("/Workspaces", without_empty(data))


def without_empty(data: dict[str, Any]) -> dict[str, Any]:
    """Creates leave out empty strings (TaskRouter's default); updates send them to clear."""
    return {key: value for key, value in data.items() if value != ""}


def export_spec(client: Any, workspace: dict[str, Any]) -> WorkspaceSpec:
    """The live workspace as a spec (SIDs turned back into names)."""
    api = api_for(client)
    return read_live(api, workspace).spec


class _Writer:
    """Turns one Change into one request; remembers the SIDs of what it creates."""

    def __init__(self, api: TaskRouterApi, live: LiveWorkspace) -> None:
        self.api = api
        self.live = live
        self.base = f"/Workspaces/{live.sid}"

    def write(self, plan: Plan, change: Change) -> None:
        if change.action == "unchanged":
            return
        if change.action == "delete":
            sid = self.live.sid_of(change.kind, change.name)
            self.api.delete(f"{self.base}/{COLLECTIONS[change.kind]}/{sid}")
            return
        item = plan.desired(change.kind, change.name)
        names = change.fields if change.action == "update" else tuple(PARAMETERS[change.kind])
        data = self._parameters(change.kind, item, names)
        if change.kind == "workspace":
            self.api.update(self.base, data)
        elif change.action == "create":
            data = without_empty(data)
            data["FriendlyName"] = item.name
            record = self.api.create(f"{self.base}/{COLLECTIONS[change.kind]}", data)
            self.live.sids.setdefault(change.kind, {})[item.name] = str(record["sid"])
        else:
            sid = self.live.sid_of(change.kind, change.name)
            self.api.update(f"{self.base}/{COLLECTIONS[change.kind]}/{sid}", data)

    def _parameters(self, kind: str, item: Any, names: tuple[str, ...]) -> dict[str, Any]:
        data: dict[str, Any] = {}
        for name in names:
            parameter = PARAMETERS[kind][name]
            data[parameter] = self._wire_value(kind, item, name)
        return data

    def _wire_value(self, kind: str, item: Any, name: str) -> Any:
        if kind == "workflow" and name in ("filters", "default_filter"):
            configuration = workflow_configuration(item, self.live.sids.get("queue", {}))
            return json.dumps(configuration, ensure_ascii=False)
        value = getattr(item, name)
        if name in ACTIVITY_FIELDS:
            return self.live.sid_of("activity", value) if value else None
        if name == "attributes":
            return json.dumps(value, ensure_ascii=False)
        return value
