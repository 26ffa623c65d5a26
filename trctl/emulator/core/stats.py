"""Statistics computed from the store: real-time counts and cumulative figures over a window."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from functools import cached_property
from typing import Any, NamedTuple

from trctl.emulator.core.clock import iso
from trctl.emulator.core.errors import bad_request
from trctl.emulator.core.kernel import Kernel, Service
from trctl.emulator.core.routing import Router
from trctl.emulator.core.store import Row, Store

ACTIVE = ("pending", "reserved", "assigned", "wrapping")
TASK_COLUMNS = ("task_queue_sid", "workflow_sid")
RESERVATION_COUNTS = {
    "reservations_created": "reservation.created",
    "reservations_accepted": "reservation.accepted",
    "reservations_rejected": "reservation.rejected",
    "reservations_timed_out": "reservation.timeout",
    "reservations_canceled": "reservation.canceled",
    "reservations_rescinded": "reservation.rescinded",
}


def _scope(column: str | None, value: str | Collection[str] | None) -> tuple[str, list[Any]]:
    """An extra WHERE condition: the column equal to one value, or in a set of them."""
    if not column or value is None or value == "":
        return "", []
    if isinstance(value, str):
        return f" AND {column} = ?", [value]
    marks = ", ".join("?" for _ in value) or "NULL"
    return f" AND {column} IN ({marks})", list(value)


class Age(NamedTuple):
    """One event of a task, as cumulative statistics read it."""

    task_sid: str
    when: float
    age: int  # the task's age at that moment, in seconds
    key: str | None  # the value of the column the figures are grouped by


def _by_key(ages: list[Age]) -> dict[str | None, list[Age]]:
    grouped: dict[str | None, list[Age]] = {}
    for age in ages:
        grouped.setdefault(age.key, []).append(age)
    return grouped


def _durations(values: Iterable[float]) -> dict[str, int]:
    numbers = [max(int(v), 0) for v in values]
    if not numbers:
        return {"avg": 0, "min": 0, "max": 0, "total": 0}
    total = sum(numbers)
    return {"avg": total // len(numbers), "min": min(numbers), "max": max(numbers), "total": total}


@dataclass(eq=False)
class Statistics(Service):
    """Opens a statistics scope: one workspace at one moment, optionally one task channel."""

    router: Router

    def scope(self, workspace_sid: str, channel_ref: str | None = None) -> Stats:
        """Stats for the workspace now; 404 for an unknown workspace, 400 for a bad channel."""
        self.kernel.workspace(workspace_sid)
        channel_sid = None
        if channel_ref:
            row = self.kernel.channel_by_ref(workspace_sid, channel_ref)
            if row is None:
                raise bad_request(f"TaskChannel {channel_ref!r} does not exist in this workspace")
            channel_sid = row["sid"]
        return Stats(self.kernel, self.router, workspace_sid, channel_sid)


class Stats:
    """Statistics for one workspace, optionally scoped to a queue or workflow and a channel."""

    def __init__(
        self, kernel: Kernel, router: Router, workspace_sid: str, channel_sid: str | None
    ) -> None:
        self.kernel = kernel
        self.router = router
        self.store: Store = kernel.store
        self.ws = workspace_sid
        self.now = kernel.now()
        self.channel = channel_sid

    @cached_property
    def workers(self) -> list[Row]:
        """The workspace's workers, read once per scope (a page of queues judges them all)."""
        return self.store.all(
            "SELECT * FROM workers WHERE workspace_sid = ? ORDER BY id", (self.ws,)
        )

    def members(self, queue: Row) -> set[str]:
        """The SIDs of the workers (any activity) the queue's TargetWorkers matches."""
        return self.router.member_sids(queue, self.workers)

    def require(self, table: str, sid: str) -> str:
        """The SID of a task queue, workflow or worker of this workspace (404 otherwise)."""
        return str(self.kernel.load(table, sid, self.ws)["sid"])

    def has_queue(self, sid: str) -> bool:
        return self.store.get("task_queues", sid, self.ws) is not None

    def workers_named(
        self, queue_sid: str | None, queue_name: str | None, friendly_name: str | None
    ) -> set[str] | None:
        """The workers Workers/Statistics' filters leave: those the queue (by SID or name) targets
        and/or with this friendly name; None when no filter is given (400 for an unknown queue)."""
        if not (queue_sid or queue_name or friendly_name):
            return None
        sids = {
            row["sid"]
            for row in self.workers
            if not friendly_name or row["friendly_name"] == friendly_name
        }
        if queue_sid or queue_name:
            column, value = ("sid", queue_sid) if queue_sid else ("friendly_name", queue_name)
            queue = self.store.one(
                f"SELECT * FROM task_queues WHERE workspace_sid = ? AND {column} = ?",
                (self.ws, value),
            )
            if queue is None:
                raise bad_request(f"TaskQueue {queue_sid or queue_name} does not exist")
            sids &= self.members(queue)
        return sids

    def queue_workers(self, queue_sid: str) -> tuple[list[dict[str, Any]], int, int]:
        """The queue's activity statistics, eligible worker count and available eligible count."""
        queue = self.kernel.load("task_queues", queue_sid, self.ws)
        members = self.members(queue)
        available = {row["sid"] for row in self.workers if row["available"]}
        return self.activity_statistics(members), len(members), len(members & available)

    # -- real time ------------------------------------------------------------------------------
    def tasks(self, column: str | None = None, value: str | None = None) -> dict[str, Any]:
        scope, args = _scope(column, value)
        channel, channel_args = _scope("task_channel_sid", self.channel)
        where = f"workspace_sid = ?{scope}{channel}"
        params = [self.ws, *args, *channel_args]
        by_status = dict.fromkeys(ACTIVE, 0)
        for row in self.store.all(
            f"SELECT assignment_status AS s, COUNT(*) AS n FROM tasks WHERE {where} "
            "AND assignment_status IN ('pending','reserved','assigned','wrapping') GROUP BY s",
            params,
        ):
            by_status[row["s"]] = row["n"]
        by_priority = {
            str(row["p"]): row["n"]
            for row in self.store.all(
                f"SELECT priority AS p, COUNT(*) AS n FROM tasks WHERE {where} "
                "AND assignment_status IN ('pending','reserved') GROUP BY p",
                params,
            )
        }
        oldest = self.store.one(
            f"SELECT sid, date_created, queue_entered FROM tasks WHERE {where} "
            "AND assignment_status = 'pending' ORDER BY date_created, id LIMIT 1",
            params,
        )
        in_queue = self.store.one(
            f"SELECT sid, queue_entered FROM tasks WHERE {where} "
            "AND assignment_status = 'pending' ORDER BY queue_entered, id LIMIT 1",
            params,
        )
        return {
            "tasks_by_status": by_status,
            "tasks_by_priority": by_priority,
            "total_tasks": sum(by_status.values()),
            "longest_task_waiting_age": int(self.now - oldest["date_created"]) if oldest else 0,
            "longest_task_waiting_sid": oldest["sid"] if oldest else None,
            "longest_relative_task_age_in_queue": int(
                self.now - (in_queue["queue_entered"] or self.now)
            )
            if in_queue
            else 0,
            "longest_relative_task_sid_in_queue": in_queue["sid"] if in_queue else None,
        }

    def activity_statistics(self, worker_sids: set[str] | None = None) -> list[dict[str, Any]]:
        counts: dict[str, int] = {}
        for row in self.workers:
            if worker_sids is None or row["sid"] in worker_sids:
                counts[row["activity_sid"]] = counts.get(row["activity_sid"], 0) + 1
        return [
            {
                "friendly_name": row["friendly_name"],
                "sid": row["sid"],
                "workers": counts.get(row["sid"], 0),
            }
            for row in self.store.all(
                "SELECT sid, friendly_name FROM activities WHERE workspace_sid = ? ORDER BY id",
                (self.ws,),
            )
        ]

    # -- cumulative -----------------------------------------------------------------------------
    def cumulative(
        self,
        start: float,
        end: float,
        column: str | None = None,
        value: str | Collection[str] | None = None,
        split: list[int] | None = None,
    ) -> dict[str, Any]:
        """The cumulative figures over [start, end]: the workspace's, or those of the events
        whose `column` is `value` (one SID or a set of them)."""
        scope, args = _scope(column, value)
        counts = {
            row["t"]: row["n"]
            for row in self.store.all(
                "SELECT event_type AS t, COUNT(*) AS n FROM events WHERE workspace_sid = ? "
                f"AND event_date BETWEEN ? AND ?{scope} GROUP BY t",
                [self.ws, start, end, *args],
            )
        }
        accepted = self._ages("reservation.accepted", start, end, scope, args)
        task_scope, task_args = (scope, args) if column in TASK_COLUMNS else ("", [])
        canceled = self._ages("task.canceled", start, end, task_scope, task_args)
        queued = [wait for _, wait in self._queued(accepted)]
        return self._figures(start, end, column, counts, accepted, canceled, queued, split)

    def cumulative_each(
        self,
        start: float,
        end: float,
        column: str,
        values: Collection[str],
        split: list[int] | None = None,
    ) -> dict[str, dict[str, Any]]:
        """cumulative() for each of `values` (the queues of a page, say), from one reading of
        the window's events instead of one per value."""
        scope, args = _scope(column, list(values))
        counts: dict[str, dict[str, int]] = {value: {} for value in values}
        for row in self.store.all(
            f"SELECT {column} AS k, event_type AS t, COUNT(*) AS n FROM events "
            f"WHERE workspace_sid = ? AND event_date BETWEEN ? AND ?{scope} GROUP BY k, t",
            [self.ws, start, end, *args],
        ):
            counts[row["k"]][row["t"]] = row["n"]
        accepted = _by_key(self._ages("reservation.accepted", start, end, scope, args, column))
        if column in TASK_COLUMNS:
            canceled = _by_key(self._ages("task.canceled", start, end, scope, args, column))
        else:  # the task's events are not the worker's: the workspace's cancels for every value
            everywhere = self._ages("task.canceled", start, end, "", [])
            canceled = {value: everywhere for value in values}
        queued: dict[str | None, list[float]] = {}
        for age, wait in self._queued([age for ages in accepted.values() for age in ages]):
            queued.setdefault(age.key, []).append(wait)
        figures = {}
        for value in values:
            figures[value] = self._figures(
                start,
                end,
                column,
                counts[value],
                accepted.get(value, []),
                canceled.get(value, []),
                queued.get(value, []),
                split,
            )
        return figures

    @staticmethod
    def _figures(
        start: float,
        end: float,
        column: str | None,
        counts: dict[str, int],
        accepted: list[Age],
        canceled_ages: list[Age],
        queued: list[float],
        split: list[int] | None,
    ) -> dict[str, Any]:
        """The cumulative record from the window's event counts and ages."""
        waits = [age.age for age in accepted]
        canceled = [age.age for age in canceled_ages]
        result: dict[str, Any] = {
            "start_time": iso(start),
            "end_time": iso(end),
            **{name: counts.get(event, 0) for name, event in RESERVATION_COUNTS.items()},
            "tasks_created": counts.get("task.created", 0),
            "tasks_canceled": counts.get("task.canceled", 0),
            "tasks_completed": counts.get("task.completed", 0),
            "tasks_deleted": counts.get("task.deleted", 0),
            "tasks_moved": counts.get("task-queue.moved", 0),
            "tasks_entered": counts.get(
                "task-queue.entered" if column == "task_queue_sid" else "workflow.entered", 0
            ),
            "tasks_timed_out_in_workflow": counts.get("workflow.timeout", 0),
            "avg_task_acceptance_time": _durations(waits)["avg"],
            "wait_duration_until_accepted": _durations(waits),
            "wait_duration_until_canceled": _durations(canceled),
            "wait_duration_in_queue_until_accepted": _durations(queued),
            "split_by_wait_time": {},
        }
        for seconds in split or []:
            result["split_by_wait_time"][str(seconds)] = {
                "above": {
                    "tasks_canceled": sum(1 for wait in canceled if wait > seconds),
                    "reservations_accepted": sum(1 for w in waits if w > seconds),
                },
                "below": {
                    "tasks_canceled": sum(1 for wait in canceled if wait <= seconds),
                    "reservations_accepted": sum(1 for w in waits if w <= seconds),
                },
            }
        return result

    def _ages(
        self,
        event_type: str,
        start: float,
        end: float,
        scope: str,
        args: list[Any],
        key: str | None = None,
    ) -> list[Age]:
        """Each event of this type in the window: its task, when, the task's age then, and
        its `key` column.

        Read from the event log, not the tasks: a finished task is deleted after 5 minutes
        but what it did counts as long as its events are kept (30 days)."""
        rows = self.store.all(
            "SELECT * FROM events WHERE workspace_sid = ? "
            f"AND event_type = ? AND event_date BETWEEN ? AND ?{scope}",
            [self.ws, event_type, start, end, *args],
        )
        codec = self.kernel.events_codec
        return [
            Age(
                row["task_sid"],
                row["event_date"],
                int(codec.field(row, "TaskAge") or 0),
                row[key] if key else None,
            )
            for row in rows
        ]

    def _queued(self, accepted: list[Age]) -> list[tuple[Age, float]]:
        """For each acceptance, how long the task had been in its queue: since its last
        task-queue.entered event (which came after the task was created, age seconds before)."""
        if not accepted:
            return []
        earliest = min(age.when - age.age for age in accepted) - 1
        latest = max(age.when for age in accepted)
        entered: dict[str, list[float]] = {}
        for row in self.store.all(
            "SELECT task_sid, event_date FROM events WHERE workspace_sid = ? AND event_type = "
            "'task-queue.entered' AND event_date BETWEEN ? AND ?",
            (self.ws, earliest, latest),
        ):
            entered.setdefault(row["task_sid"], []).append(row["event_date"])
        waits = []
        for age in accepted:
            before = [moment for moment in entered.get(age.task_sid, ()) if moment <= age.when]
            if before:
                waits.append((age, age.when - max(before)))
        return waits

    def activity_durations(
        self, start: float, end: float, workers: str | Collection[str] | None = None
    ) -> list[dict[str, Any]]:
        """Time spent in each activity over the window, by one worker, a set of them, or all."""
        scope, args = _scope("worker_sid", workers)
        spent: dict[str, list[float]] = {}
        codec = self.kernel.events_codec
        for row in self.store.all(
            "SELECT * FROM events WHERE workspace_sid = ? AND event_type = "
            f"'worker.activity.update' AND event_date BETWEEN ? AND ?{scope}",
            [self.ws, start, end, *args],
        ):
            previous = codec.field(row, "WorkerPreviousActivitySid")
            if previous:
                seconds = codec.field(row, "WorkerTimeInPreviousActivity") or 0
                spent.setdefault(previous, []).append(float(seconds))
        return [
            {
                "sid": row["sid"],
                "friendly_name": row["friendly_name"],
                **_durations(spent.get(row["sid"], [])),
            }
            for row in self.store.all(
                "SELECT sid, friendly_name FROM activities WHERE workspace_sid = ? ORDER BY id",
                (self.ws,),
            )
        ]
