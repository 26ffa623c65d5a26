"""Workers: list with filters, create, update, and move between activities by name."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from trctl.errors import UsageError
from trctl.services.attributes import dump_attributes, send_update
from trctl.services.checks import check_expression
from trctl.services.listed import fill_attributes
from trctl.services.listing import Listing, Streamed, read_list
from trctl.services.resolve import ACTIVITY, QUEUE, WORKER, Resolver


def list_workers(
    resolver: Resolver,
    *,
    where: str | None = None,
    activity: str | None = None,
    available: bool | None = None,
    queue: str | None = None,
    name: str | None = None,
    limit: int | None = None,
    attributes: bool = True,
) -> Listing | Streamed:
    """GET /Workers with TargetWorkersExpression (checked locally first) and resolved names:
    the newest `limit` workers (every page is read: Workers has no order by creation; no
    limit: every worker, Streamed), each with its attributes, fetched (a list answer has them
    null) unless `attributes` is false."""
    if where is not None:
        check_expression(where, "--where")
    params = {
        "TargetWorkersExpression": where,
        "ActivitySid": resolver.optional_sid(ACTIVITY, activity),
        "Available": available,
        "TaskQueueSid": resolver.optional_sid(QUEUE, queue),
        "FriendlyName": name,
    }
    fill = partial(fill_attributes, resolver.api, path_of=lambda w: resolver.path(WORKER, w["sid"]))
    path = resolver.path(WORKER)
    return read_list(
        resolver.api, path, params, limit=limit, noun="workers", fill=fill if attributes else None
    )


def create_worker(
    resolver: Resolver,
    name: str,
    *,
    attributes: dict[str, Any] | None = None,
    activity: str | None = None,
) -> dict[str, Any]:
    data = {
        "FriendlyName": name,
        "Attributes": dump_attributes(attributes) if attributes is not None else None,
        "ActivitySid": resolver.optional_sid(ACTIVITY, activity),
    }
    return resolver.api.create(resolver.path(WORKER), data)


def update_worker(
    resolver: Resolver,
    worker: str,
    *,
    name: str | None = None,
    attributes: dict[str, Any] | None = None,
    replace_attributes: bool = False,
    activity: str | None = None,
    reject_pending: bool = False,
) -> dict[str, Any]:
    """Update a worker; new attributes merge into the current ones unless replace_attributes."""
    if name is None and attributes is None and activity is None:
        raise UsageError("nothing to update", hint="give --name, --attr(ibutes) or --activity")
    if reject_pending and activity is None:
        raise UsageError("--reject-pending needs --activity")
    data: dict[str, Any] = {
        "FriendlyName": name,
        "ActivitySid": resolver.optional_sid(ACTIVITY, activity),
        "RejectPendingReservations": True if reject_pending else None,
    }
    path = resolver.path(WORKER, resolver.sid(WORKER, worker))
    return send_update(resolver.api, path, data, attributes, replace=replace_attributes)


REACTION_SECONDS = 1.0  # how long a reservation the change leads to is waited for
REACTION_POLL = 0.25
CAUSED_STATUSES = ("pending", "accepted")  # a reservation the change led to may be either


def set_activity(
    resolver: Resolver,
    worker: str,
    activity: str,
    *,
    reject_pending: bool = False,
    wait: float = 0.0,
    sleep: Callable[[float], None] | None = None,
) -> dict[str, Any]:
    """Move a worker to an activity (both by SID or name).

    Returns the updated worker plus `previous_activity_sid/_name`, `previous_available`,
    `requested_activity_sid/_name` and `requested_available` (None when the activity was given
    as a SID and the update's answer does not show it). The answer may already show another
    activity than the requested one: a waiting task can reserve the worker at once.
    `reservations` lists those the change led to ({"sid", "task_sid"}): looked for once when
    the worker became available, then every 0.25 s for `wait` seconds (with `sleep`) while
    none is there (TaskRouter routes after answering; the emulator before).
    """
    requested = resolver.activity_ref(activity)
    before = resolver.worker(worker)
    data = {"ActivitySid": requested["sid"], "RejectPendingReservations": reject_pending or None}
    after = resolver.api.update(resolver.path(WORKER, before["sid"]), data)
    landed = after.get("activity_sid") == requested["sid"]
    reserved = not landed or after.get("available") is True
    return {
        **after,
        "reservations": reservations_after(resolver, after, wait, sleep) if reserved else [],
        "previous_activity_sid": before.get("activity_sid"),
        "previous_activity_name": before.get("activity_name"),
        "previous_available": before.get("available"),
        "requested_activity_sid": requested["sid"],
        "requested_activity_name": requested.get("friendly_name")
        or (after.get("activity_name") if landed else None)
        or requested["sid"],
        "requested_available": requested.get(
            "available", after.get("available") if landed else None
        ),
    }


def reservations_after(
    resolver: Resolver,
    worker: dict[str, Any],
    wait: float,
    sleep: Callable[[float], None] | None,
) -> list[dict[str, Any]]:
    """The worker's reservations made since its status changed (the change's own), pending or
    already accepted (an app that answers the assignment callback `accept` may be quicker than
    this look), waiting up to `wait` seconds for the first."""
    path = f"{resolver.path(WORKER, worker['sid'])}/Reservations"
    since = str(worker.get("date_status_changed") or "")
    waited = 0.0
    while True:
        for status in CAUSED_STATUSES:  # the second only when the first finds none
            found = [
                {"sid": r.get("sid"), "task_sid": r.get("task_sid")}
                for r in resolver.api.list(path, {"ReservationStatus": status})
                if str(r.get("date_created") or "") >= since  # ISO 8601 UTC: text order is time
            ]
            if found:
                return found
        if waited >= wait or sleep is None:
            return found
        sleep(REACTION_POLL)
        waited += REACTION_POLL
