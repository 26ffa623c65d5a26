"""Typed read models: what the wire layer may know of each resource, with names resolved."""

from __future__ import annotations

from dataclasses import dataclass, fields
from functools import cache
from typing import Any, TypeVar

from trctl.emulator.core.eventcodec import EventCodec
from trctl.emulator.core.store import Row, Store

R = TypeVar("R")


class Names:
    """Friendly names looked up by SID, cached for one read (activity, queue, workflow...)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._cache: dict[tuple[str, str], Row | None] = {}

    def name(self, table: str, sid: str | None, column: str = "friendly_name") -> str | None:
        if not sid:
            return None
        key = (table, sid)
        if key not in self._cache:
            self._cache[key] = self.store.get(table, sid)
        row = self._cache[key]
        return None if row is None else row[column]


@dataclass(frozen=True, slots=True)
class WorkspaceRecord:
    sid: str
    friendly_name: str
    event_callback_url: str | None
    events_filter: str | None
    multi_task_enabled: bool
    default_activity_sid: str | None
    default_activity_name: str | None
    timeout_activity_sid: str | None
    timeout_activity_name: str | None
    prioritize_queue_order: str
    date_created: float
    date_updated: float


@dataclass(frozen=True, slots=True)
class ActivityRecord:
    sid: str
    workspace_sid: str
    friendly_name: str
    available: bool
    date_created: float
    date_updated: float


@dataclass(frozen=True, slots=True)
class TaskChannelRecord:
    sid: str
    workspace_sid: str
    friendly_name: str
    unique_name: str
    channel_optimized_routing: bool
    date_created: float
    date_updated: float


@dataclass(frozen=True, slots=True)
class WorkerRecord:
    sid: str
    workspace_sid: str
    friendly_name: str
    activity_sid: str
    activity_name: str | None
    attributes: str
    available: bool
    version: int
    date_created: float
    date_updated: float
    date_status_changed: float


@dataclass(frozen=True, slots=True)
class WorkerChannelRecord:
    sid: str
    workspace_sid: str
    worker_sid: str
    task_channel_sid: str
    task_channel_unique_name: str | None
    capacity: int
    available: bool
    assigned_tasks: int
    date_created: float
    date_updated: float


@dataclass(frozen=True, slots=True)
class TaskQueueRecord:
    sid: str
    workspace_sid: str
    friendly_name: str
    target_workers: str
    max_reserved_workers: int
    task_order: str
    reservation_activity_sid: str | None
    reservation_activity_name: str | None
    assignment_activity_sid: str | None
    assignment_activity_name: str | None
    date_created: float
    date_updated: float


@dataclass(frozen=True, slots=True)
class WorkflowRecord:
    sid: str
    workspace_sid: str
    friendly_name: str
    configuration: str
    assignment_callback_url: str | None
    fallback_assignment_callback_url: str | None
    task_reservation_timeout: int
    date_created: float
    date_updated: float


@dataclass(frozen=True, slots=True)
class TaskRecord:
    sid: str
    workspace_sid: str
    workflow_sid: str | None
    workflow_name: str | None
    task_queue_sid: str | None
    task_queue_name: str | None
    task_channel_sid: str
    task_channel_unique_name: str | None
    attributes: str
    priority: int
    assignment_status: str
    reason: str | None
    timeout: int
    age: int
    queue_entered: float | None
    virtual_start_time: float
    routing_target: str | None
    ignore_capacity: bool
    version: int
    date_created: float
    date_updated: float


@dataclass(frozen=True, slots=True)
class ReservationRecord:
    sid: str
    workspace_sid: str
    task_sid: str
    worker_sid: str
    worker_name: str | None
    status: str
    version: int
    date_created: float
    date_updated: float


@dataclass(frozen=True, slots=True)
class EventRecord:
    sid: str
    workspace_sid: str
    event_type: str
    resource_type: str
    resource_sid: str
    resource_path: str
    actor_type: str
    actor_sid: str
    actor_path: str
    description: str
    event_data: dict[str, Any]
    event_date: float


def _build(cls: type[R], row: Row, **computed: Any) -> R:
    """A record whose fields come from the row's columns of the same name, unless computed."""
    values = {name: computed[name] if name in computed else row[name] for name in _fields_of(cls)}
    return cls(**values)


@cache
def _fields_of(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in fields(cls))


def workspace(row: Row, names: Names) -> WorkspaceRecord:
    return _build(
        WorkspaceRecord,
        row,
        multi_task_enabled=bool(row["multi_task_enabled"]),
        default_activity_name=names.name("activities", row["default_activity_sid"]),
        timeout_activity_name=names.name("activities", row["timeout_activity_sid"]),
    )


def activity(row: Row, names: Names) -> ActivityRecord:
    return _build(ActivityRecord, row, available=bool(row["available"]))


def task_channel(row: Row, names: Names) -> TaskChannelRecord:
    optimized = bool(row["channel_optimized_routing"])
    return _build(TaskChannelRecord, row, channel_optimized_routing=optimized)


def worker(row: Row, names: Names) -> WorkerRecord:
    return _build(
        WorkerRecord,
        row,
        activity_name=names.name("activities", row["activity_sid"]),
        available=bool(row["available"]),
    )


def worker_channel(row: Row, names: Names, assigned: int) -> WorkerChannelRecord:
    return _build(
        WorkerChannelRecord,
        row,
        task_channel_unique_name=names.name(
            "task_channels", row["task_channel_sid"], "unique_name"
        ),
        available=bool(row["available"]),
        assigned_tasks=assigned,
    )


def task_queue(row: Row, names: Names) -> TaskQueueRecord:
    return _build(
        TaskQueueRecord,
        row,
        reservation_activity_name=names.name("activities", row["reservation_activity_sid"]),
        assignment_activity_name=names.name("activities", row["assignment_activity_sid"]),
    )


def workflow(row: Row, names: Names) -> WorkflowRecord:
    return _build(WorkflowRecord, row)


def task(row: Row, names: Names, now: float) -> TaskRecord:
    return _build(
        TaskRecord,
        row,
        workflow_name=names.name("workflows", row["workflow_sid"]),
        task_queue_name=names.name("task_queues", row["task_queue_sid"]),
        task_channel_unique_name=names.name(
            "task_channels", row["task_channel_sid"], "unique_name"
        ),
        age=max(int(now - row["date_created"]), 0),
        ignore_capacity=bool(row["ignore_capacity"]),
    )


def reservation(row: Row, names: Names) -> ReservationRecord:
    return _build(ReservationRecord, row, worker_name=names.name("workers", row["worker_sid"]))


def event(row: Row, names: Names, codec: EventCodec) -> EventRecord:
    actor_type, actor_sid, actor_path, resource_path = codec.actor_and_resource(row)
    workspace_name = names.name("workspaces", row["workspace_sid"])
    return _build(
        EventRecord,
        row,
        actor_type=actor_type,
        actor_sid=actor_sid,
        actor_path=actor_path,
        resource_path=resource_path,
        event_data=codec.decode(row, workspace_name),
    )
