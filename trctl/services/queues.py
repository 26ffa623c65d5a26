"""Task queues: list, show, create and update, with TargetWorkers checked locally first."""

from __future__ import annotations

from typing import Any

from trctl.errors import UsageError
from trctl.services.checks import check_expression
from trctl.services.listing import Listing, Streamed, read_list
from trctl.services.resolve import ACTIVITY, QUEUE, WORKER, Resolver

TASK_ORDERS = ("FIFO", "LIFO")


def queue_params(
    resolver: Resolver,
    *,
    name: str | None = None,
    target_workers: str | None = None,
    reservation_activity: str | None = None,
    assignment_activity: str | None = None,
    max_reserved_workers: int | None = None,
    task_order: str | None = None,
) -> dict[str, Any]:
    """Form parameters for create/update; expressions are parsed and names resolved first."""
    if target_workers is not None:
        check_expression(target_workers, "--target-workers")
    if max_reserved_workers is not None and not 1 <= max_reserved_workers <= 50:
        raise UsageError("--max-reserved-workers must be between 1 and 50")
    return {
        "FriendlyName": name,
        "TargetWorkers": target_workers,
        "ReservationActivitySid": resolver.optional_sid(ACTIVITY, reservation_activity),
        "AssignmentActivitySid": resolver.optional_sid(ACTIVITY, assignment_activity),
        "MaxReservedWorkers": max_reserved_workers,
        "TaskOrder": task_order.upper() if task_order else None,
    }


def list_queues(
    resolver: Resolver, *, worker: str | None = None, limit: int | None = None
) -> Listing | Streamed:
    """The newest `limit` queues (None: every one, Streamed), or of those a worker (name or
    SID) belongs to."""
    params = {"WorkerSid": resolver.optional_sid(WORKER, worker)}
    return read_list(resolver.api, resolver.path(QUEUE), params, limit=limit, noun="queues")


def create_queue(resolver: Resolver, name: str, **options: Any) -> dict[str, Any]:
    data = queue_params(resolver, name=name, **options)
    return resolver.api.create(resolver.path(QUEUE), data)


def update_queue(resolver: Resolver, queue: str, **options: Any) -> dict[str, Any]:
    data = queue_params(resolver, **options)
    if all(v is None for v in data.values()):
        raise UsageError("nothing to update", hint="see `trctl queues update --help`")
    sid = resolver.sid(QUEUE, queue)
    return resolver.api.update(resolver.path(QUEUE, sid), data)
