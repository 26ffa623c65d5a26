"""`trctl reservations` (alias `reservation`): list, accept and reject reservations."""

from __future__ import annotations

import click

from trctl.cli.output import Column, emit, emit_one, output_options
from trctl.cli.params import (
    RESERVATION_SID,
    SID_COLUMN,
    TASK_SID,
    effective_limit,
    limit_options,
    make_resolver,
)
from trctl.errors import UsageError
from trctl.services.reservations import STATUSES

RESERVATION_COLUMNS = (
    SID_COLUMN,
    Column("STATUS", "reservation_status"),
    Column("TASK", "task_sid", no_wrap=True),
    Column("WORKER", "worker_name"),
    Column("CREATED", "date_created"),
)
RESERVATION_FIELDS = (
    SID_COLUMN,
    Column("STATUS", "reservation_status"),
    Column("TASK", "task_sid", no_wrap=True),
    Column("WORKER", lambda r: f"{r.get('worker_name')} ({r.get('worker_sid')})"),
    Column("CREATED", "date_created"),
    Column("UPDATED", "date_updated"),
)


@click.group("reservations")
def reservations() -> None:
    """List reservations; accept or reject one over REST (alias: reservation)."""


@reservations.command("list")
@click.option("--task", type=TASK_SID, help="Reservations of this task.")
@click.option("--worker", metavar="NAME|SID", help="Reservations of this worker.")
@click.option(
    "--status", type=click.Choice(STATUSES, case_sensitive=False), help="Only this status."
)
@limit_options(default=None)
@output_options
def reservations_list(
    task: str | None, worker: str | None, status: str | None, limit: int | None, fetch_all: bool
) -> None:
    """List the reservations of a task (--task) or of a worker (--worker)."""
    from trctl.services import reservations as service
    from trctl.services.resolve import WORKER

    count = effective_limit(limit, fetch_all, default=None)
    if not task and not worker:
        raise UsageError("give --task TASK_SID or --worker NAME|SID")
    status = status.lower() if status else None
    resolver = make_resolver()
    worker_sid = resolver.sid(WORKER, worker) if worker else None
    if task:
        records = service.list_for_task(
            resolver.api,
            resolver.workspace_sid,
            task,
            status=status,
            worker_sid=worker_sid,
            limit=count,
        )
    else:
        records = service.list_for_worker(
            resolver.api, resolver.workspace_sid, str(worker_sid), status=status, limit=count
        )
    emit(records, RESERVATION_COLUMNS)


@reservations.command("accept")
@click.argument("task", type=TASK_SID, metavar="TASK_SID")
@click.argument("reservation", type=RESERVATION_SID, metavar="[RESERVATION_SID]", required=False)
@output_options
def reservations_accept(task: str, reservation: str | None) -> None:
    """Accept a reservation (default: the task's only pending one)."""
    from trctl.services.reservations import accept

    resolver = make_resolver()
    emit_one(accept(resolver.api, resolver.workspace_sid, task, reservation), RESERVATION_FIELDS)


@reservations.command("reject")
@click.argument("task", type=TASK_SID, metavar="TASK_SID")
@click.argument("reservation", type=RESERVATION_SID, metavar="[RESERVATION_SID]", required=False)
@click.option("--activity", metavar="NAME|SID", help="Move the worker to this activity.")
@output_options
def reservations_reject(task: str, reservation: str | None, activity: str | None) -> None:
    """Reject a reservation (default: the task's only pending one); the task is re-routed."""
    from trctl.services.reservations import reject

    resolver = make_resolver()
    record = reject(resolver.api, resolver.workspace_sid, task, reservation, activity)
    emit_one(record, RESERVATION_FIELDS)
