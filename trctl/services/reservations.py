"""Reservations: list for a task or a worker, and accept or reject one over REST."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from trctl.errors import NotFoundError, UsageError
from trctl.services.listing import Listing, Streamed, read_list
from trctl.services.resolve import ACTIVITY, RESERVATION, TASK, WORKER, Resolver, require_sid

STATUSES = (
    "pending",
    "accepted",
    "rejected",
    "timeout",
    "canceled",
    "rescinded",
    "wrapping",
    "completed",
)


def task_reservations_path(resolver: Resolver, task_sid: str) -> str:
    return f"{resolver.path(TASK, task_sid)}/Reservations"


def reservations_query(
    resolver: Resolver, *, task: str | None, worker: str | None, status: str | None
) -> tuple[str, dict[str, Any]]:
    """The path and params of a task's reservations (optionally only one worker's), or a
    worker's across tasks."""
    if task is None and worker is None:
        raise UsageError("give --task TASK_SID or --worker NAME|SID")
    task_sid = require_sid(TASK, task) if task is not None else None
    worker_sid = resolver.optional_sid(WORKER, worker)
    params = {"ReservationStatus": status.lower() if status else None}
    if task_sid is not None:
        return task_reservations_path(resolver, task_sid), {**params, "WorkerSid": worker_sid}
    return f"{resolver.path(WORKER, str(worker_sid))}/Reservations", params


def list_reservations(
    resolver: Resolver,
    *,
    task: str | None = None,
    worker: str | None = None,
    status: str | None = None,
) -> list[dict[str, Any]]:
    """Every reservation of a task (optionally only one worker's), or a worker's across tasks."""
    path, params = reservations_query(resolver, task=task, worker=worker, status=status)
    return resolver.api.list(path, params)


def newest_reservations(
    resolver: Resolver,
    *,
    task: str | None = None,
    worker: str | None = None,
    status: str | None = None,
    limit: int | None = None,
) -> Listing | Streamed:
    """The newest `limit` of those reservations (every page read), or every one, Streamed."""
    path, params = reservations_query(resolver, task=task, worker=worker, status=status)
    return read_list(resolver.api, path, params, limit=limit, noun="reservations")


def the_pending_one(task_sid: str, pending: Sequence[dict[str, Any]]) -> str:
    """The SID of the task's only pending reservation, or an error saying why there is none."""
    if len(pending) == 1:
        return str(pending[0]["sid"])
    if not pending:
        raise NotFoundError(
            f"task {task_sid} has no pending reservation",
            hint="is a worker available? see `trctl reservations list --task " + task_sid + "`",
        )
    listed = ", ".join(f"{r['sid']} ({r.get('worker_name')})" for r in pending)
    raise UsageError(f"task {task_sid} has {len(pending)} pending reservations, name one: {listed}")


def set_status(
    resolver: Resolver, task: str, reservation: str | None, status: str, **extra: Any
) -> dict[str, Any]:
    """Update a reservation of a task; with no reservation SID, the task's only pending one."""
    task_sid = require_sid(TASK, task)
    if reservation is not None:
        sid = require_sid(RESERVATION, reservation)
    else:
        pending = list_reservations(resolver, task=task_sid, status="pending")
        sid = the_pending_one(task_sid, pending)
    path = f"{task_reservations_path(resolver, task_sid)}/{sid}"
    return resolver.api.update(path, {"ReservationStatus": status, **extra})


def accept(resolver: Resolver, task: str, reservation: str | None = None) -> dict[str, Any]:
    """Accept a reservation; with no reservation SID, the task's only pending one."""
    return set_status(resolver, task, reservation, "accepted")


def reject(
    resolver: Resolver, task: str, reservation: str | None = None, activity: str | None = None
) -> dict[str, Any]:
    """Reject a reservation, moving the worker to `activity` (name or SID) if given."""
    activity_sid = resolver.optional_sid(ACTIVITY, activity)
    return set_status(resolver, task, reservation, "rejected", WorkerActivitySid=activity_sid)
