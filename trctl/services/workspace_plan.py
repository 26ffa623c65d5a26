"""Workspace files against a live workspace: read it as a spec, and plan create/update/delete."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from trctl.errors import UsageError
from trctl.services.listed import fill_attributes
from trctl.services.rest import TaskRouterApi
from trctl.services.workspace_checks import check_references
from trctl.services.workspace_spec import (
    ACTIVITY_FIELDS,
    ActivitySpec,
    QueueSpec,
    WorkerSpec,
    WorkspaceSettings,
    WorkspaceSpec,
)
from trctl.services.workspace_wire import workflow_from_configuration

ACTIONS = ("create", "update", "unchanged", "delete")
# creation and update order; deletion runs the other way
APPLY_ORDER = ("activity", "queue", "worker", "workflow", "workspace")
PRUNE_ORDER = ("workflow", "worker", "queue", "activity")
COLLECTIONS = {
    "activity": "Activities",
    "queue": "TaskQueues",
    "worker": "Workers",
    "workflow": "Workflows",
}
# the activities of a new workspace (the reference); that Offline is its default and timeout
# activity is our guess (the emulator's choice). Only plans use it: a created workspace is re-read.
NEW_WORKSPACE_ACTIVITIES = (("Offline", False), ("Available", True), ("Unavailable", False))
NEW_DEFAULT = "Offline"


@dataclass
class LiveWorkspace:
    """A live workspace read as a spec (names, no SIDs) plus the name -> SID maps."""

    sid: str | None
    spec: WorkspaceSpec
    sids: dict[str, dict[str, str]] = field(default_factory=dict)

    def names(self, kind: str) -> list[str]:
        return list(self.sids.get(kind, {}))

    def sid_of(self, kind: str, name: str) -> str | None:
        return self.sids.get(kind, {}).get(name)


def new_workspace_live(name: str) -> LiveWorkspace:
    """A workspace that does not exist yet, as TaskRouter will create it (SIDs still unknown)."""
    settings = WorkspaceSettings(name, default_activity=NEW_DEFAULT, timeout_activity=NEW_DEFAULT)
    activities = [ActivitySpec(n, available) for n, available in NEW_WORKSPACE_ACTIVITIES]
    sids: dict[str, dict[str, str]] = {kind: {} for kind in COLLECTIONS}
    sids["activity"] = {activity.name: "" for activity in activities}
    return LiveWorkspace(None, WorkspaceSpec(settings, activities), sids)


def read_live(api: TaskRouterApi, workspace: Mapping[str, Any]) -> LiveWorkspace:
    """One list per resource type (plus the workspace record already fetched), and one fetch per
    worker for its attributes, which a list answer leaves null."""
    sid = str(workspace["sid"])
    base = f"/Workspaces/{sid}"
    activities = api.list(f"{base}/Activities")
    queues = api.list(f"{base}/TaskQueues")
    workers = api.list(f"{base}/Workers")
    fill_attributes(api, workers, lambda worker: f"{base}/Workers/{worker['sid']}")
    workflows = api.list(f"{base}/Workflows")
    activity_names = {a["sid"]: a["friendly_name"] for a in activities}
    queue_names = {q["sid"]: q["friendly_name"] for q in queues}
    spec = WorkspaceSpec(
        workspace=WorkspaceSettings(
            name=workspace["friendly_name"],
            multi_task_enabled=bool(workspace.get("multi_task_enabled")),
            default_activity=_name(activity_names, workspace.get("default_activity_sid")),
            timeout_activity=_name(activity_names, workspace.get("timeout_activity_sid")),
            event_callback_url=workspace.get("event_callback_url") or "",
            events_filter=workspace.get("events_filter") or "",
            prioritize_queue_order=(workspace.get("prioritize_queue_order") or "FIFO").upper(),
        ),
        activities=[ActivitySpec(a["friendly_name"], bool(a.get("available"))) for a in activities],
        queues=[
            QueueSpec(
                name=q["friendly_name"],
                target_workers=q.get("target_workers") or "1==1",
                reservation_activity=_name(activity_names, q.get("reservation_activity_sid")),
                assignment_activity=_name(activity_names, q.get("assignment_activity_sid")),
                max_reserved_workers=int(q.get("max_reserved_workers") or 1),
                task_order=(q.get("task_order") or "FIFO").upper(),
            )
            for q in queues
        ],
        workers=[
            WorkerSpec(
                name=w["friendly_name"],
                activity=_name(activity_names, w.get("activity_sid")),
                attributes=_attributes(w.get("attributes")),
            )
            for w in workers
        ],
        workflows=[
            workflow_from_configuration(
                f["friendly_name"],
                f.get("configuration"),
                queue_names,
                task_reservation_timeout=int(f.get("task_reservation_timeout") or 120),
                assignment_callback_url=f.get("assignment_callback_url") or "",
                fallback_assignment_callback_url=f.get("fallback_assignment_callback_url") or "",
            )
            for f in workflows
        ],
    )
    sids = {
        "activity": _first_sids(activities),
        "queue": _first_sids(queues),
        "worker": _first_sids(workers),
        "workflow": _first_sids(workflows),
    }
    return LiveWorkspace(sid, spec, sids)


def _name(names: Mapping[str, str], sid: Any) -> str | None:
    if not sid:
        return None
    return names.get(str(sid), str(sid))


def _attributes(value: Any) -> dict[str, Any]:
    if isinstance(value, str):
        try:
            value = json.loads(value or "{}")
        except ValueError:
            return {}
    return dict(value) if isinstance(value, Mapping) else {}


def _first_sids(records: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """friendly name -> SID; with duplicate names the first listed wins."""
    sids: dict[str, str] = {}
    for record in records:
        sids.setdefault(str(record["friendly_name"]), str(record["sid"]))
    return sids


# ---- the plan ---------


@dataclass(frozen=True)
class Change:
    """One line of a plan: what happens to one resource, and which fields differ."""

    kind: str
    name: str
    action: str  # create | update | unchanged | delete
    fields: tuple[str, ...] = ()

    def as_record(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "name": self.name,
            "action": self.action,
            "fields": list(self.fields),
        }


@dataclass
class Plan:
    """The changes that make a live workspace match a file, in the order they are applied."""

    spec: WorkspaceSpec
    live: LiveWorkspace
    changes: list[Change]
    prune: bool = False

    def writes(self) -> list[Change]:
        return [c for c in self.changes if c.action != "unchanged"]

    def counts(self) -> dict[str, int]:
        return count_actions(self.changes)

    def desired(self, kind: str, name: str) -> Any:
        return next(item for item in _items(self.spec, kind) if _item_name(item) == name)


def count_actions(changes: Iterable[Change]) -> dict[str, int]:
    """How many creates, updates, unchanged and deletes."""
    counts = {a: 0 for a in ACTIONS}
    for change in changes:
        counts[change.action] += 1
    return counts


def make_plan(
    spec: WorkspaceSpec,
    live: LiveWorkspace,
    *,
    prune: bool = False,
    source: str = "file",
    spare: Iterable[str] = (),
) -> Plan:
    """Compare the file with the live workspace; raise UsageError for anything that cannot work.

    With prune, what the file does not name is deleted, except the activities in `spare`.
    """
    keep = not prune
    spared = frozenset(spare)
    check_references(
        spec,
        activities=live.names("activity") if keep else spared,
        queues=live.names("queue") if keep else (),
        source=source,
    )
    _check_activity_availability(spec, live, source)
    if prune:
        _check_prunable_defaults(spec, live, source, spared)
    changes: list[Change] = []
    for kind in APPLY_ORDER:
        for item in _items(spec, kind):
            changes.append(_compare(kind, item, _live_item(live, kind, _item_name(item))))
    if prune:
        for kind in PRUNE_ORDER:
            wanted = {_item_name(i) for i in _items(spec, kind)}
            if kind == "activity":
                wanted |= spared
            changes += [Change(kind, n, "delete") for n in live.names(kind) if n not in wanted]
        deleted = {c.name for c in changes if c.kind == "activity" and c.action == "delete"}
        _check_deleted_activities_unused(spec, live, deleted, source)
    return Plan(spec, live, changes, prune)


def make_new_workspace_plan(spec: WorkspaceSpec, live: LiveWorkspace, *, source: str) -> Plan:
    """A workspace that apply creates is pruned too (it only holds TaskRouter's defaults),
    sparing the default and timeout activities when the file does not replace them."""
    return make_plan(spec, live, prune=True, source=source, spare=unset_defaults(spec, live))


def unset_defaults(spec: WorkspaceSpec, live: LiveWorkspace) -> list[str]:
    """The live default/timeout activities the file neither sets nor names (so must stay)."""
    names = set(spec.activity_names())
    spared = []
    for key in ("default_activity", "timeout_activity"):
        current = getattr(live.spec.workspace, key)
        if getattr(spec.workspace, key) is None and current and current not in names:
            spared.append(current)
    return spared


def _items(spec: WorkspaceSpec, kind: str) -> list[Any]:
    return {
        "workspace": [spec.workspace],
        "activity": spec.activities,
        "queue": spec.queues,
        "worker": spec.workers,
        "workflow": spec.workflows,
    }[kind]


def _item_name(item: Any) -> str:
    return str(item.name)


def _live_item(live: LiveWorkspace, kind: str, name: str) -> Any:
    if kind == "workspace":
        return live.spec.workspace if live.sid else None
    return next((i for i in _items(live.spec, kind) if i.name == name), None)


def differing_fields(wanted: Any, current: Any) -> tuple[str, ...]:
    """Names of the fields that differ; None in `wanted` for an unmanaged field never differs."""
    out = []
    for f in fields(wanted):
        value = getattr(wanted, f.name)
        if f.name == "name" or (value is None and f.name in ACTIVITY_FIELDS):
            continue
        if value != getattr(current, f.name):
            out.append(f.name)
    return tuple(out)


def _compare(kind: str, wanted: Any, current: Any) -> Change:
    if current is None:
        return Change(kind, wanted.name, "create")
    changed = differing_fields(wanted, current)
    if kind == "worker":
        # the file's activity is where a new worker starts: a live worker's activity is where
        # its day has taken it (Busy on a call, Offline at home), not drift to be undone
        changed = tuple(name for name in changed if name != "activity")
    return Change(kind, wanted.name, "update" if changed else "unchanged", changed)


def _check_activity_availability(spec: WorkspaceSpec, live: LiveWorkspace, source: str) -> None:
    current = {a.name: a for a in live.spec.activities}
    owner = "the live activity" if live.sid else "the one TaskRouter puts in a new workspace"
    for activity in spec.activities:
        existing = current.get(activity.name)
        if existing is not None and existing.available != activity.available:
            raise UsageError(
                f"{source}: activities {activity.name!r}: available = "
                f"{str(activity.available).lower()} but {owner} has "
                f"{str(existing.available).lower()}",
                hint="TaskRouter fixes availability when an activity is created; "
                "rename it in the file or delete the live one first",
            )


def _check_prunable_defaults(
    spec: WorkspaceSpec, live: LiveWorkspace, source: str, spared: frozenset[str]
) -> None:
    for current in unset_defaults(spec, live):
        if current not in spared:
            raise UsageError(
                f"{source}: --prune would delete {current!r}, "
                "the workspace's default or timeout activity",
                hint="set [workspace] default_activity and timeout_activity to activities "
                "the file names",
            )


def _check_deleted_activities_unused(
    spec: WorkspaceSpec, live: LiveWorkspace, deleted: set[str], source: str
) -> None:
    """A kept worker or queue that leaves its activity to the live value must not lose it."""
    for kind, keys in (
        ("worker", ("activity",)),
        ("queue", ("reservation_activity", "assignment_activity")),
    ):
        current = {item.name: item for item in _items(live.spec, kind)}
        for item in _items(spec, kind):
            for key in keys:
                kept = current.get(item.name) if getattr(item, key) is None else None
                activity = getattr(kept, key, None)
                if activity in deleted:
                    raise UsageError(
                        f"{source}: --prune would delete activity {activity!r}, "
                        f"which {kind} {item.name!r} still uses as its {key}",
                        hint=f"set {key} for {item.name!r} in the file, or list the activity",
                    )
