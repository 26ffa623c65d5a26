"""Reservations: list for a task or a worker, and accept or reject one over REST."""

from __future__ import annotations

import shlex
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


def the_pending_one(
    whose: str, pending: Sequence[dict[str, Any]], hint: str = "", *, of_worker: bool = False
) -> dict[str, Any]:
    """The only pending reservation of a task (or of_worker, a worker's), or an error saying why
    there is none."""
    if len(pending) == 1:
        return pending[0]
    if not pending:
        raise NotFoundError(f"{whose} has no pending reservation", hint=hint or None)
    if of_worker:
        listed = ", ".join(f"{r['sid']} (task {r.get('task_sid')})" for r in pending)
        raise UsageError(f"{whose} has {len(pending)} pending reservations, name a task: {listed}")
    listed = ", ".join(f"{r['sid']} ({r.get('worker_name')})" for r in pending)
    raise UsageError(f"{whose} has {len(pending)} pending reservations, name one: {listed}")


def set_status(
    resolver: Resolver,
    task: str | None,
    reservation: str | None,
    status: str,
    *,
    worker: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """Update a reservation of a task; with no reservation SID, the only pending one of the task,
    of the worker, or of the worker on the task."""
    if task is None and worker is None:
        raise UsageError("give TASK_SID or --worker NAME|SID")
    if reservation is not None:
        if task is None:
            raise UsageError("RESERVATION_SID needs its TASK_SID")
        task_sid, sid = require_sid(TASK, task), require_sid(RESERVATION, reservation)
    else:
        pending = list_reservations(resolver, task=task, worker=worker, status="pending")
        if task is not None:
            whose = f"task {task}" if worker is None else f"task {task} for worker {worker}"
            hint = f"is a worker available? see `trctl reservations list --task {task}`"
            found = the_pending_one(whose, pending, hint)
        else:
            hint = f"see `trctl reservations list --worker {shlex.quote(str(worker))}`"
            found = the_pending_one(f"worker {worker}", pending, hint, of_worker=True)
        task_sid, sid = str(found["task_sid"]), str(found["sid"])
    path = f"{task_reservations_path(resolver, task_sid)}/{sid}"
    return resolver.api.update(path, {"ReservationStatus": status, **extra})


def accept(
    resolver: Resolver,
    task: str | None,
    reservation: str | None = None,
    *,
    worker: str | None = None,
) -> dict[str, Any]:
    """Accept a reservation; with no reservation SID, the task's or worker's only pending one."""
    return set_status(resolver, task, reservation, "accepted", worker=worker)


def reject(
    resolver: Resolver,
    task: str | None,
    reservation: str | None = None,
    activity: str | None = None,
    *,
    worker: str | None = None,
) -> dict[str, Any]:
    """Reject a reservation, moving the worker to `activity` (name or SID) if given."""
    activity_sid = resolver.optional_sid(ACTIVITY, activity)
    return set_status(
        resolver, task, reservation, "rejected", worker=worker, WorkerActivitySid=activity_sid
    )
