"""Reservations: list for a task or a worker, and accept or reject one over REST."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from trctl.errors import NotFoundError, UsageError
from trctl.services.resolve import ACTIVITY, RESERVATION, TASK, Resolver, require_sid
from trctl.services.workspaces import api_for

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


def task_reservations_path(workspace_sid: str, task_sid: str) -> str:
    return f"/Workspaces/{workspace_sid}/Tasks/{task_sid}/Reservations"


def list_for_task(
    client: Any,
    workspace_sid: str,
    task: str,
    *,
    status: str | None = None,
    worker_sid: str | None = None,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    task_sid = require_sid(TASK, task)
    params = {"ReservationStatus": status, "WorkerSid": worker_sid}
    path = task_reservations_path(workspace_sid, task_sid)
    return api_for(client).list(path, params, limit=limit)


def list_for_worker(
    client: Any,
    workspace_sid: str,
    worker_sid: str,
    *,
    status: str | None = None,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    path = f"/Workspaces/{workspace_sid}/Workers/{worker_sid}/Reservations"
    return api_for(client).list(path, {"ReservationStatus": status}, limit=limit)


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


def _reservation_sid(
    client: Any, workspace_sid: str, task_sid: str, reservation: str | None
) -> str:
    if reservation:
        return require_sid(RESERVATION, reservation)
    pending = list_for_task(client, workspace_sid, task_sid, status="pending")
    return the_pending_one(task_sid, pending)


def set_status(
    client: Any,
    workspace_sid: str,
    task: str,
    reservation: str | None,
    status: str,
    **extra: Any,
) -> dict[str, Any]:
    task_sid = require_sid(TASK, task)
    sid = _reservation_sid(client, workspace_sid, task_sid, reservation)
    path = f"{task_reservations_path(workspace_sid, task_sid)}/{sid}"
    return api_for(client).update(path, {"ReservationStatus": status, **extra})


def accept(
    client: Any, workspace_sid: str, task: str, reservation: str | None = None
) -> dict[str, Any]:
    """Accept a reservation; with no reservation SID, the task's only pending one."""
    return set_status(client, workspace_sid, task, reservation, "accepted")


def reject(
    client: Any,
    workspace_sid: str,
    task: str,
    reservation: str | None = None,
    activity: str | None = None,
) -> dict[str, Any]:
    """Reject a reservation, moving the worker to `activity` (name or SID) if given."""
    activity_sid = None
    if activity:
        activity_sid = Resolver(client, workspace_sid).sid(ACTIVITY, activity)
    return set_status(
        client, workspace_sid, task, reservation, "rejected", WorkerActivitySid=activity_sid
    )
