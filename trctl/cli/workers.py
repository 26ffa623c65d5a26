"""`trctl workers` (alias `worker`): list, show, create, update, set-activity."""

from __future__ import annotations

from typing import Any

import click

from trctl.cli.deleting import delete_command
from trctl.cli.output import Column, emit_one, list_options, output_options
from trctl.cli.params import (
    EXPRESSION,
    SID_COLUMN,
    attribute_options,
    attribute_plan,
    effective_limit,
    limit_options,
    make_resolver,
    show_listing,
)
from trctl.services.resolve import WORKER

WORKER_COLUMNS = (
    SID_COLUMN,
    Column("NAME", "friendly_name", 30, rank=3),
    Column("ACTIVITY", "activity_name", rank=3),
    Column("AVAILABLE", "available", rank=1),
    Column("ATTRIBUTES", "attributes", 60, rank=2),
    Column("CREATED", "date_created", wide=True),
)
WORKER_FIELDS = (
    SID_COLUMN,
    Column("NAME", "friendly_name"),
    Column("ACTIVITY", lambda r: f"{r.get('activity_name')} ({r.get('activity_sid')})"),
    Column("AVAILABLE", "available"),
    Column("ATTRIBUTES", "attributes"),
    Column("STATUS CHANGED", "date_status_changed"),
    Column("CREATED", "date_created"),
    Column("UPDATED", "date_updated"),
)
CHANGE_FIELDS = (
    Column("WORKER", lambda r: f"{r.get('friendly_name')} ({r.get('sid')})"),
    Column("ACTIVITY", lambda r: _activity_change(r)),
    Column("AVAILABLE", lambda r: _availability_change(r)),
    Column("CAUSED", lambda r: _caused(r)),
)


def _caused(record: dict[str, Any]) -> str:
    """`reserved for WT… (WR…)` when the change led to a reservation within a second."""
    made = record.get("reservations") or []
    if made:
        return "; ".join(f"reserved for {r['task_sid']} ({r['sid']})" for r in made)
    return "no reservation" if record.get("available") else ""


def _activity_change(record: dict[str, Any]) -> str:
    """`Offline -> Idle`, or `Offline -> Idle (now Reserved)` when a task grabbed the worker."""
    text = f"{record.get('previous_activity_name')} -> {record.get('requested_activity_name')}"
    if record.get("activity_sid") != record.get("requested_activity_sid"):
        text += f" (now {record.get('activity_name')})"
    return text


def _availability_change(record: dict[str, Any]) -> str:
    """`no -> yes`, or `no -> yes (now no)` when a task reserved the worker at once."""
    requested = record.get("requested_available")
    if requested is None:
        requested = record.get("available")
    text = f"{_yes_no(record.get('previous_available'))} -> {_yes_no(requested)}"
    if record.get("available") != requested:
        text += f" (now {_yes_no(record.get('available'))})"
    return text


def _yes_no(value: Any) -> str:
    return "yes" if value is True else "no" if value is False else str(value)


@click.group("workers")
def workers() -> None:
    """List, create, update and delete workers (alias: worker)."""


@workers.command("list")
@click.option(
    "--where", type=EXPRESSION, help="TargetWorkersExpression, e.g. 'languages HAS \"es\"'."
)
@click.option("--activity", metavar="NAME|SID", help="Only workers in this activity.")
@click.option("--available/--unavailable", default=None, help="Only (un)available workers.")
@click.option("--queue", metavar="NAME|SID", help="Only workers eligible for this task queue.")
@limit_options(attributes=True)
@list_options(WORKER_COLUMNS)
def workers_list(
    where: str | None,
    activity: str | None,
    available: bool | None,
    queue: str | None,
    limit: int | None,
    fetch_all: bool,
    fetch_attributes: bool,
) -> None:
    """List the newest workers, oldest first.

    50 unless --limit N or --all; stderr says how many more there are.
    """
    from trctl.services.workers import list_workers

    count = effective_limit(limit, fetch_all)
    plan = attribute_plan(WORKER_COLUMNS, fetch_all, fetch_attributes)
    listing = list_workers(
        make_resolver(),
        where=where,
        activity=activity,
        available=available,
        queue=queue,
        limit=count,
        attributes=plan.fetch,
    )
    show_listing(listing, plan.columns, attributes_left_out=plan.left_out)


@workers.command("show")
@click.argument("worker", metavar="WORKER")
@output_options
def workers_show(worker: str) -> None:
    """Show one worker (by name or SID)."""
    emit_one(make_resolver().worker(worker), WORKER_FIELDS)


@workers.command("create")
@click.argument("name")
@attribute_options
@click.option("--activity", metavar="NAME|SID", help="Initial activity [default: workspace's].")
@output_options
def workers_create(
    name: str,
    attributes: dict[str, Any] | None,
    activity: str | None,
) -> None:
    """Create a worker.

    For example `trctl worker create Carol --attr 'languages=["en"]'`.
    """
    from trctl.services.workers import create_worker

    record = create_worker(make_resolver(), name, attributes=attributes, activity=activity)
    emit_one(record, WORKER_FIELDS)


@workers.command("update")
@click.argument("worker", metavar="WORKER")
@click.option("--name", help="New friendly name.")
@attribute_options
@click.option("--replace", is_flag=True, help="Replace the attributes instead of merging.")
@click.option("--activity", metavar="NAME|SID", help="New activity.")
@click.option(
    "--reject-pending", is_flag=True, help="Reject pending reservations (unavailable activity)."
)
@output_options
def workers_update(
    worker: str,
    name: str | None,
    attributes: dict[str, Any] | None,
    replace: bool,
    activity: str | None,
    reject_pending: bool,
) -> None:
    """Change a worker's name, attributes or activity.

    New attributes are merged into the current ones unless --replace.
    """
    from trctl.services.workers import update_worker

    record = update_worker(
        make_resolver(),
        worker,
        name=name,
        attributes=attributes,
        replace_attributes=replace,
        activity=activity,
        reject_pending=reject_pending,
    )
    emit_one(record, WORKER_FIELDS)


@workers.command("set-activity")
@click.argument("worker", metavar="WORKER")
@click.argument("activity", metavar="ACTIVITY")
@click.option(
    "--reject-pending",
    is_flag=True,
    help="Reject the worker's pending reservations (RejectPendingReservations).",
)
@output_options
def workers_set_activity(worker: str, activity: str, reject_pending: bool) -> None:
    """Move a worker to an activity, both by name or SID.

    For example `trctl worker set-activity Alice Idle`.

    Says which reservation the change led to, if TaskRouter made one within a second.
    """
    from trctl.cli.context import get_app
    from trctl.services.client import is_twilio
    from trctl.services.workers import REACTION_SECONDS, set_activity

    app = get_app()
    change = set_activity(
        make_resolver(),
        worker,
        activity,
        reject_pending=reject_pending,
        # TaskRouter reserves after it answers; the emulator within the request
        wait=REACTION_SECONDS if is_twilio(app.settings.api_url) else 0.0,
        sleep=app.env.clock.sleep,
    )
    emit_one(change, CHANGE_FIELDS)


def _worker(resolver: Any, name: str) -> dict[str, Any]:
    return resolver.worker(name)


workers_delete = delete_command(
    workers,
    WORKER,
    _worker,
    metavar="WORKER",
    summary="Delete a worker, by name or SID.",
)
