"""`trctl reservations` (alias `reservation`): list, accept and reject reservations."""

from __future__ import annotations

import click

from trctl.cli.output import Column, emit_one, list_options, output_options
from trctl.cli.params import (
    RESERVATION_SID,
    SID_COLUMN,
    TASK_SID,
    effective_limit,
    limit_options,
    make_resolver,
    show_listing,
)
from trctl.services.reservations import STATUSES

RESERVATION_COLUMNS = (
    SID_COLUMN,
    Column("STATUS", "reservation_status", keep=True),
    Column("TASK", "task_sid", no_wrap=True, rank=2),
    Column("WORKER", "worker_name", rank=3),
    Column("CREATED", "date_created", rank=1),
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
    """List, accept and reject reservations (alias: reservation)."""


@reservations.command("list")
@click.option("--task", type=TASK_SID, help="Reservations of this task.")
@click.option("--worker", metavar="NAME|SID", help="Reservations of this worker.")
@click.option(
    "--status", type=click.Choice(STATUSES, case_sensitive=False), help="Only this status."
)
@limit_options()
@list_options(RESERVATION_COLUMNS)
def reservations_list(
    task: str | None, worker: str | None, status: str | None, limit: int | None, fetch_all: bool
) -> None:
    """List the reservations of a task or of a worker.

    Give --task TASK_SID or --worker NAME|SID.
    """
    from trctl.services.reservations import newest_reservations

    count = effective_limit(limit, fetch_all)
    listing = newest_reservations(
        make_resolver(), task=task, worker=worker, status=status, limit=count
    )
    show_listing(listing, RESERVATION_COLUMNS)


def which_reservation(func):  # type: ignore[no-untyped-def]
    """[TASK_SID] [RESERVATION_SID] and --worker NAME|SID: the reservation to answer."""
    func = click.option(
        "--worker",
        metavar="NAME|SID",
        help="The worker's only pending reservation (on TASK_SID if given).",
    )(func)
    func = click.argument(
        "reservation", type=RESERVATION_SID, metavar="[RESERVATION_SID]", required=False
    )(func)
    return click.argument("task", type=TASK_SID, metavar="[TASK_SID]", required=False)(func)


@reservations.command("accept")
@which_reservation
@output_options
def reservations_accept(task: str | None, reservation: str | None, worker: str | None) -> None:
    """Accept a reservation (by default the only pending one).

    Without RESERVATION_SID, the task's (or --worker's) only pending one.
    """
    from trctl.services.reservations import accept

    emit_one(accept(make_resolver(), task, reservation, worker=worker), RESERVATION_FIELDS)


@reservations.command("reject")
@which_reservation
@click.option("--activity", metavar="NAME|SID", help="Move the worker to this activity.")
@output_options
def reservations_reject(
    task: str | None, reservation: str | None, worker: str | None, activity: str | None
) -> None:
    """Reject a reservation; the task is routed again.

    Without RESERVATION_SID, the task's (or --worker's) only pending one.
    """
    from trctl.services.reservations import reject

    result = reject(make_resolver(), task, reservation, activity, worker=worker)
    emit_one(result, RESERVATION_FIELDS)
