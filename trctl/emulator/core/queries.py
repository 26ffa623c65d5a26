"""Read queries with typed filters: one keyset-paged list or one fetch per resource, as records."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from trctl.emulator.core import records
from trctl.emulator.core.errors import Missing, bad_request
from trctl.emulator.core.kernel import Service
from trctl.emulator.core.keyset import Cursor, Ordering, Page, fetch_page
from trctl.emulator.core.records import Names
from trctl.emulator.core.store import Row
from trctl.expr import Expression
from trctl.workflow.matching import context_of

R = TypeVar("R")
LIVE_ASSIGNMENT = ("accepted", "wrapping")


@dataclass(frozen=True)
class NameFilter:
    """Lists filtered by FriendlyName only (workspaces, workflows, task channels)."""

    friendly_name: str | None = None


@dataclass(frozen=True)
class ActivityFilter:
    friendly_name: str | None = None
    available: bool | None = None


@dataclass(frozen=True)
class TaskQueueFilter:
    """Queues by FriendlyName, and those whose TargetWorkers match a worker (or attributes)."""

    friendly_name: str | None = None
    worker_sid: str | None = None  # queues whose TargetWorkers match this worker
    worker_attributes: dict[str, Any] | None = None  # ... or these attributes


@dataclass(frozen=True)
class WorkerFilter:
    friendly_name: str | None = None
    activity_sid: str | None = None
    activity_name: str | None = None
    available: bool | None = None
    task_queue_sid: str | None = None
    task_queue_name: str | None = None
    expression: Expression | None = None  # TargetWorkersExpression
    ordering: Ordering = ()  # record fields: date_status_changed


@dataclass(frozen=True)
class TaskFilter:
    statuses: Sequence[str] = ()
    workflow_sid: str | None = None
    workflow_name: str | None = None
    task_queue_sid: str | None = None
    task_queue_name: str | None = None
    priority: int | None = None
    routing_target: str | None = None
    has_addons: bool = False
    expression: Expression | None = None  # EvaluateTaskAttributes
    ordering: Ordering = ()  # record fields: date_created, priority, virtual_start_time


@dataclass(frozen=True)
class ReservationFilter:
    task_sid: str | None = None
    worker_sid: str | None = None
    status: str | None = None


@dataclass(frozen=True)
class EventFilter:
    start: float
    end: float | None = None
    equals: dict[str, str] = field(default_factory=dict)  # record field -> value
    task_channel: str | None = None  # unique name or TC SID


EVENT_FIELDS = (
    "event_type", "task_sid", "worker_sid", "reservation_sid", "task_queue_sid", "workflow_sid",
    "sid",
)  # fmt: skip


class _Where:
    """A WHERE clause being built: conditions joined with AND, and their arguments."""

    def __init__(self, condition: str, *args: Any) -> None:
        self.conditions = [condition]
        self.args: list[Any] = list(args)

    def add(self, condition: str, *args: Any) -> None:
        self.conditions.append(condition)
        self.args.extend(args)

    def equal(self, column: str, value: Any) -> None:
        if value is not None and value != "":
            self.add(f"{column} = ?", value)


@dataclass(eq=False)
class Queries(Service):
    """Every read the API answers; none of them writes."""

    def _names(self) -> Names:
        return Names(self.store)

    def _page(
        self,
        table: str,
        where: _Where,
        cursor: Cursor,
        build: Callable[[Row], R],
        order: Ordering = (),
        predicate: Callable[[Row], bool] | None = None,
    ) -> Page[R]:
        rows = fetch_page(self.store, table, where.conditions, where.args, cursor, order, predicate)
        return rows.map(build)

    def _in_workspace(self, workspace_sid: str) -> _Where:
        self.kernel.workspace(workspace_sid)
        return _Where("workspace_sid = ?", workspace_sid)

    # -- workspaces and their configuration -----------------------------------------------------
    def workspaces(self, flt: NameFilter, cursor: Cursor) -> Page[records.WorkspaceRecord]:
        where = _Where("1")
        where.equal("friendly_name", flt.friendly_name)
        names = self._names()
        return self._page("workspaces", where, cursor, lambda r: records.workspace(r, names))

    def workspace(self, sid: str) -> records.WorkspaceRecord:
        return records.workspace(self.kernel.workspace(sid), self._names())

    def activities(
        self, workspace_sid: str, flt: ActivityFilter, cursor: Cursor
    ) -> Page[records.ActivityRecord]:
        where = self._in_workspace(workspace_sid)
        where.equal("friendly_name", flt.friendly_name)
        if flt.available is not None:
            where.add("available = ?", int(flt.available))
        names = self._names()
        return self._page("activities", where, cursor, lambda r: records.activity(r, names))

    def activity(self, workspace_sid: str, sid: str) -> records.ActivityRecord:
        row = self.kernel.load("activities", sid, workspace_sid)
        return records.activity(row, self._names())

    def task_channels(self, workspace_sid: str, cursor: Cursor) -> Page[records.TaskChannelRecord]:
        names = self._names()
        where = self._in_workspace(workspace_sid)
        return self._page("task_channels", where, cursor, lambda r: records.task_channel(r, names))

    def task_channel(self, workspace_sid: str, ref: str) -> records.TaskChannelRecord:
        """A task channel by SID or unique name."""
        self.kernel.workspace(workspace_sid)
        row = self.kernel.channel_by_ref(workspace_sid, ref)
        if row is None:
            raise Missing(ref)
        return records.task_channel(row, self._names())

    def task_queues(
        self, workspace_sid: str, flt: TaskQueueFilter, cursor: Cursor
    ) -> Page[records.TaskQueueRecord]:
        where = self._in_workspace(workspace_sid)
        where.equal("friendly_name", flt.friendly_name)
        predicate = None
        if flt.worker_sid or flt.worker_attributes is not None:
            context = self._queue_match_context(workspace_sid, flt)

            def predicate(row: Row) -> bool:
                return bool(self.kernel.queue_expression(row).evaluate(context))

        names = self._names()
        build = lambda r: records.task_queue(r, names)  # noqa: E731
        return self._page("task_queues", where, cursor, build, predicate=predicate)

    def _queue_match_context(self, workspace_sid: str, flt: TaskQueueFilter) -> dict[str, Any]:
        if not flt.worker_sid:
            return dict(flt.worker_attributes or {})
        worker = self.store.get("workers", flt.worker_sid, workspace_sid)
        if worker is None:
            raise bad_request(f"WorkerSid {flt.worker_sid} is not a Worker of this workspace")
        context = dict(self.kernel.worker_attributes(worker))
        context.setdefault("sid", worker["sid"])
        context.setdefault("friendly_name", worker["friendly_name"])
        return context

    def task_queue(self, workspace_sid: str, sid: str) -> records.TaskQueueRecord:
        row = self.kernel.load("task_queues", sid, workspace_sid)
        return records.task_queue(row, self._names())

    def workflows(
        self, workspace_sid: str, flt: NameFilter, cursor: Cursor
    ) -> Page[records.WorkflowRecord]:
        where = self._in_workspace(workspace_sid)
        where.equal("friendly_name", flt.friendly_name)
        names = self._names()
        return self._page("workflows", where, cursor, lambda r: records.workflow(r, names))

    def workflow(self, workspace_sid: str, sid: str) -> records.WorkflowRecord:
        row = self.kernel.load("workflows", sid, workspace_sid)
        return records.workflow(row, self._names())

    # -- workers --------------------------------------------------------------------------------
    def workers(
        self, workspace_sid: str, flt: WorkerFilter, cursor: Cursor
    ) -> Page[records.WorkerRecord]:
        where = self._in_workspace(workspace_sid)
        where.equal("friendly_name", flt.friendly_name)
        where.equal("activity_sid", flt.activity_sid)
        if flt.activity_name:
            where.add(
                "activity_sid IN (SELECT sid FROM activities "
                "WHERE workspace_sid = ? AND friendly_name = ?)",
                workspace_sid,
                flt.activity_name,
            )
        if flt.available is not None:
            where.add("available = ?", int(flt.available))
        checks = []
        queue = self._queue_named(workspace_sid, flt.task_queue_sid, flt.task_queue_name)
        if queue is not None:
            checks.append(self.kernel.queue_expression(queue))
        if flt.expression is not None:
            checks.append(flt.expression)
        predicate = None
        if checks:

            def predicate(row: Row) -> bool:
                context = self._worker_context(row)
                return all(check.evaluate(context) for check in checks)

        names = self._names()
        build = lambda r: records.worker(r, names)  # noqa: E731
        return self._page("workers", where, cursor, build, flt.ordering, predicate)

    def _worker_context(self, row: Row) -> dict[str, Any]:
        activity = self.store.get("activities", row["activity_sid"])
        return context_of(
            self.kernel.worker_attributes(row),
            sid=row["sid"],
            friendly_name=row["friendly_name"],
            activity_sid=row["activity_sid"],
            activity_name=activity["friendly_name"] if activity else None,
        )

    def _queue_named(self, workspace_sid: str, sid: str | None, name: str | None) -> Row | None:
        if not sid and not name:
            return None
        if sid:
            row = self.store.get("task_queues", sid, workspace_sid)
        else:
            row = self.store.one(
                "SELECT * FROM task_queues WHERE workspace_sid = ? AND friendly_name = ?",
                (workspace_sid, name),
            )
        if row is None:
            raise bad_request(f"TaskQueue {sid or name} does not exist in this workspace")
        return row

    def worker(self, workspace_sid: str, sid: str) -> records.WorkerRecord:
        return records.worker(self.kernel.load("workers", sid, workspace_sid), self._names())

    def worker_channels(
        self, workspace_sid: str, worker_sid: str, cursor: Cursor
    ) -> Page[records.WorkerChannelRecord]:
        self.kernel.load("workers", worker_sid, workspace_sid)
        names = self._names()
        where = _Where("worker_sid = ?", worker_sid)
        return self._page(
            "worker_channels", where, cursor, lambda r: self._worker_channel(r, names)
        )

    def worker_channel(
        self, workspace_sid: str, worker_sid: str, ref: str
    ) -> records.WorkerChannelRecord:
        """A worker channel by WC SID, or by its task channel's SID or unique name."""
        self.kernel.load("workers", worker_sid, workspace_sid)
        row = self.kernel.worker_channel(worker_sid, ref)
        return self._worker_channel(row, self._names())

    def _worker_channel(self, row: Row, names: Names) -> records.WorkerChannelRecord:
        assigned = self.store.scalar(
            "SELECT COUNT(*) FROM reservations WHERE worker_sid = ? AND task_channel_sid = ? "
            f"AND status IN {LIVE_ASSIGNMENT}",
            (row["worker_sid"], row["task_channel_sid"]),
        )
        return records.worker_channel(row, names, int(assigned or 0))

    # -- tasks and reservations -----------------------------------------------------------------
    def tasks(
        self, workspace_sid: str, flt: TaskFilter, cursor: Cursor
    ) -> Page[records.TaskRecord]:
        where = self._in_workspace(workspace_sid)
        if flt.statuses:
            marks = ", ".join("?" for _ in flt.statuses)
            where.add(f"assignment_status IN ({marks})", *flt.statuses)
        self._named(where, workspace_sid, "workflow_sid", "workflows", flt.workflow_sid,
                    flt.workflow_name)  # fmt: skip
        self._named(where, workspace_sid, "task_queue_sid", "task_queues", flt.task_queue_sid,
                    flt.task_queue_name)  # fmt: skip
        if flt.priority is not None:
            where.add("priority = ?", flt.priority)
        where.equal("routing_target", flt.routing_target)
        if flt.has_addons:
            where.add("0")  # the emulator never attaches add-ons
        predicate = None
        if flt.expression is not None:
            expression = flt.expression

            def predicate(row: Row) -> bool:
                return bool(expression.evaluate(json.loads(row["attributes"])))

        names, now = self._names(), self.kernel.now()
        build = lambda r: records.task(r, names, now)  # noqa: E731
        return self._page("tasks", where, cursor, build, flt.ordering, predicate)

    @staticmethod
    def _named(
        where: _Where, workspace_sid: str, column: str, table: str, sid: str | None,
        name: str | None,
    ) -> None:  # fmt: skip
        where.equal(column, sid)
        if name:
            where.add(
                f"{column} IN (SELECT sid FROM {table} WHERE workspace_sid = ? "
                "AND friendly_name = ?)",
                workspace_sid,
                name,
            )

    def task(self, workspace_sid: str, sid: str) -> records.TaskRecord:
        row = self.kernel.load("tasks", sid, workspace_sid)
        return records.task(row, self._names(), self.kernel.now())

    def reservations(
        self, workspace_sid: str, flt: ReservationFilter, cursor: Cursor
    ) -> Page[records.ReservationRecord]:
        """The reservations of one task or one worker (the parent must exist: 404 otherwise)."""
        if flt.task_sid:
            self.kernel.load("tasks", flt.task_sid, workspace_sid)
        if flt.worker_sid and not flt.task_sid:
            self.kernel.load("workers", flt.worker_sid, workspace_sid)
        where = _Where("workspace_sid = ?", workspace_sid)
        where.equal("task_sid", flt.task_sid)
        where.equal("worker_sid", flt.worker_sid)
        where.equal("status", flt.status)
        names = self._names()
        return self._page("reservations", where, cursor, lambda r: records.reservation(r, names))

    def reservation(
        self, workspace_sid: str, sid: str, *, task_sid: str | None = None,
        worker_sid: str | None = None,
    ) -> records.ReservationRecord:  # fmt: skip
        """A reservation seen through its task or its worker (404 when it is not theirs)."""
        row = self.store.get("reservations", sid, workspace_sid)
        if row is None or (task_sid and row["task_sid"] != task_sid):
            raise Missing(sid)
        if worker_sid and row["worker_sid"] != worker_sid:
            raise Missing(sid)
        return records.reservation(row, self._names())

    # -- events ---------------------------------------------------------------------------------
    def events(
        self, workspace_sid: str, flt: EventFilter, cursor: Cursor
    ) -> Page[records.EventRecord]:
        where = self._in_workspace(workspace_sid)
        for column, value in flt.equals.items():
            if column not in EVENT_FIELDS:
                raise ValueError(f"not an event filter: {column}")
            where.equal(column, value)
        if flt.task_channel:  # events record the channel's unique name
            row = self.kernel.channel_by_ref(workspace_sid, flt.task_channel)
            where.add("task_channel = ?", row["unique_name"] if row else flt.task_channel)
        where.add("event_date >= ?", flt.start)
        if flt.end is not None:
            where.add("event_date <= ?", flt.end)
        names, codec = self._names(), self.kernel.events_codec
        return self._page("events", where, cursor, lambda r: records.event(r, names, codec))

    def event(self, workspace_sid: str, sid: str) -> records.EventRecord:
        row = self.kernel.load("events", sid, workspace_sid)
        return records.event(row, self._names(), self.kernel.events_codec)
