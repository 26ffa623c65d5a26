"""Statistics: the workspace at a glance from TaskRouter's statistics endpoints, as plain data."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from trctl.services.events import check_minutes
from trctl.services.resolve import QUEUE, WORKER, Resolver

ACTIVE_STATUSES = ("pending", "reserved", "assigned", "wrapping")
DEFAULT_MINUTES = 15  # TaskRouter's own default window for cumulative statistics
# cumulative figures kept from the API, in the order `trctl stats` shows them
CUMULATIVE_COUNTS = (
    "reservations_created",
    "reservations_accepted",
    "reservations_rejected",
    "reservations_timed_out",
    "reservations_canceled",
    "reservations_rescinded",
    "tasks_created",
    "tasks_completed",
    "tasks_canceled",
)


def _count(value: Any) -> int:
    """A count from a statistics body (the docs show some as strings: {"pending": "1"})."""
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        return 0


def tasks_by_status(realtime: Mapping[str, Any]) -> dict[str, int]:
    by_status = realtime.get("tasks_by_status") or {}
    return {status: _count(by_status.get(status)) for status in ACTIVE_STATUSES}


def queue_row(statistics: Mapping[str, Any], queue: Mapping[str, Any]) -> dict[str, Any]:
    """One queue's line: its name, tasks by status, longest wait, available/eligible workers."""
    realtime = statistics.get("realtime") or statistics
    return {
        "sid": queue.get("sid") or statistics.get("task_queue_sid"),
        "friendly_name": queue.get("friendly_name"),
        **tasks_by_status(realtime),
        "longest_wait": _count(realtime.get("longest_task_waiting_age")),
        "longest_waiting_task": realtime.get("longest_task_waiting_sid"),
        "available_workers": _count(realtime.get("total_available_workers")),
        "eligible_workers": _count(realtime.get("total_eligible_workers")),
    }


def queue_statistics(resolver: Resolver, *, minutes: int = DEFAULT_MINUTES) -> list[dict[str, Any]]:
    """The TaskQueues statistics list: every queue's real-time and cumulative statistics, one
    request per 1,000 queues."""
    return resolver.api.list(f"{resolver.path(QUEUE)}/Statistics", {"Minutes": minutes})


def rows_of(
    resolver: Resolver,
    statistics: Sequence[Mapping[str, Any]],
    only: Sequence[str] | None = None,
) -> list[dict[str, Any]]:
    """The queues' lines in the order the queues are listed, named from the queue list (listed
    once per run, and again when a queue appears that it lacks)."""
    found = {str(record.get("task_queue_sid")): record for record in statistics}
    names = {str(q["sid"]): q for q in resolver.records(QUEUE)}
    if not set(found) <= set(names):
        resolver.forget(QUEUE)
        names = {str(q["sid"]): q for q in resolver.records(QUEUE)}
    wanted = names if only is None else {sid: names[sid] for sid in only if sid in names}
    return [queue_row(found[sid], queue) for sid, queue in wanted.items() if sid in found]


def queue_rows(
    resolver: Resolver, *, minutes: int = DEFAULT_MINUTES, only: Sequence[str] | None = None
) -> list[dict[str, Any]]:
    """Every queue's line (or those in `only`): 2 requests for up to 1,000 queues."""
    return rows_of(resolver, queue_statistics(resolver, minutes=minutes), only)


def summarize_cumulative(cumulative: Mapping[str, Any], minutes: int) -> dict[str, Any]:
    """The window's figures the API gave (counts, then waits until accepted, in seconds)."""
    summary: dict[str, Any] = {
        "minutes": minutes,
        "start_time": cumulative.get("start_time"),
        "end_time": cumulative.get("end_time"),
    }
    summary.update({k: _count(cumulative[k]) for k in CUMULATIVE_COUNTS if k in cumulative})
    waits = cumulative.get("wait_duration_until_accepted")
    if isinstance(waits, Mapping):
        summary["average_wait_until_accepted"] = _count(waits.get("avg"))
        summary["longest_wait_until_accepted"] = _count(waits.get("max"))
    return summary


def _tasks(realtime: Mapping[str, Any]) -> dict[str, Any]:
    return {
        **tasks_by_status(realtime),
        "longest_wait": _count(realtime.get("longest_task_waiting_age")),
        "longest_waiting_task": realtime.get("longest_task_waiting_sid"),
    }


def _workers(realtime: Mapping[str, Any]) -> dict[str, int]:
    return {
        str(a.get("friendly_name")): _count(a.get("workers"))
        for a in realtime.get("activity_statistics") or []
    }


def _tasks_of(rows: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Tasks over some queues: the sums, and the longest wait among them."""
    longest = max(rows, key=lambda r: r["longest_wait"], default=None)
    return {
        **{status: sum(r[status] for r in rows) for status in ACTIVE_STATUSES},
        "longest_wait": longest["longest_wait"] if longest else 0,
        "longest_waiting_task": longest["longest_waiting_task"] if longest else None,
    }


def workspace_stats(
    resolver: Resolver,
    *,
    minutes: int = DEFAULT_MINUTES,
    queue: str | None = None,
    worker: str | None = None,
) -> dict[str, Any]:
    """{"tasks", "workers", "queues", "cumulative"} for the workspace, one queue (its tasks,
    its eligible workers by activity, its figures) or one worker (the queues it serves, its
    activity, its reservations' figures). 3 requests for the workspace with up to 1,000
    queues, whatever the number of tasks and workers.
    """
    check_minutes(minutes)
    window = {"Minutes": minutes}
    queue_record = resolver.queue(queue) if queue is not None else None
    if worker is not None:
        record = resolver.worker(worker)
        served = [
            str(q["sid"])
            for q in resolver.api.list(resolver.path(QUEUE), {"WorkerSid": record["sid"]})
        ]
        if queue_record is not None:
            served = [sid for sid in served if sid == queue_record["sid"]]
        rows = queue_rows(resolver, minutes=minutes, only=served)
        path = f"{resolver.path(WORKER, record['sid'])}/Statistics"
        statistics = resolver.api.fetch(path, window)
        return {
            "tasks": _tasks_of(rows),
            "workers": {str(record.get("activity_name")): 1},
            "queues": rows,
            "cumulative": summarize_cumulative(statistics.get("cumulative") or {}, minutes),
        }
    if queue_record is not None:
        statistics = resolver.api.fetch(
            f"{resolver.path(QUEUE, queue_record['sid'])}/Statistics", window
        )
        realtime = statistics.get("realtime") or {}
        return {
            "tasks": _tasks(realtime),
            "workers": _workers(realtime),
            "queues": [queue_row(statistics, queue_record)],
            "cumulative": summarize_cumulative(statistics.get("cumulative") or {}, minutes),
        }
    statistics = resolver.api.fetch(f"/Workspaces/{resolver.workspace_sid}/Statistics", window)
    realtime = statistics.get("realtime") or {}
    return {
        "tasks": _tasks(realtime),
        "workers": _workers(realtime),
        "queues": queue_rows(resolver, minutes=minutes),
        "cumulative": summarize_cumulative(statistics.get("cumulative") or {}, minutes),
    }
