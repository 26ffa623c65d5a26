"""`trctl queues` (alias `queue`): list, show, create and update task queues."""

from __future__ import annotations

from typing import Any

import click

from trctl.cli.deleting import delete_command
from trctl.cli.output import Column, emit_one, list_options, output_options
from trctl.cli.params import (
    EXPRESSION,
    SID_COLUMN,
    effective_limit,
    limit_options,
    make_resolver,
    show_listing,
)
from trctl.services.queues import TASK_ORDERS
from trctl.services.resolve import QUEUE

QUEUE_COLUMNS = (
    SID_COLUMN,
    Column("NAME", "friendly_name", 40, rank=3),
    Column("TARGET WORKERS", "target_workers", 40, rank=2),
    Column("RESERVATION ACTIVITY", "reservation_activity_name", rank=1),
    Column("ASSIGNMENT ACTIVITY", "assignment_activity_name", rank=1),
    Column("MAX RESERVED", "max_reserved_workers", rank=0),
    Column("ORDER", "task_order", rank=0),
    Column("CREATED", "date_created", wide=True),
)
QUEUE_FIELDS = (
    *QUEUE_COLUMNS[:-1],
    Column("CREATED", "date_created"),
    Column("UPDATED", "date_updated"),
)


def queue_options(func: Any) -> Any:
    """The settable properties of a queue, shared by create and update."""
    for decorator in reversed(
        (
            click.option("--target-workers", type=EXPRESSION, help="e.g. 'languages HAS \"es\"'."),
            click.option("--reservation-activity", metavar="NAME|SID", help="Activity on reserve."),
            click.option("--assignment-activity", metavar="NAME|SID", help="Activity on accept."),
            click.option("--max-reserved-workers", type=click.IntRange(1, 50), help="1 to 50."),
            click.option("--task-order", type=click.Choice(TASK_ORDERS, case_sensitive=False)),
        )
    ):
        func = decorator(func)
    return func


@click.group("queues")
def queues() -> None:
    """List, create, update and delete queues (alias: queue)."""


@queues.command("list")
@click.option("--worker", metavar="NAME|SID", help="Only the queues this worker belongs to.")
@limit_options()
@list_options(QUEUE_COLUMNS)
def queues_list(worker: str | None, limit: int | None, fetch_all: bool) -> None:
    """List the newest task queues, oldest first.

    50 unless --limit N or --all; stderr says how many more there are.
    """
    from trctl.services.queues import list_queues

    count = effective_limit(limit, fetch_all)
    show_listing(list_queues(make_resolver(), worker=worker, limit=count), QUEUE_COLUMNS)


@queues.command("show")
@click.argument("queue", metavar="QUEUE")
@output_options
def queues_show(queue: str) -> None:
    """Show one task queue (by name or SID)."""
    emit_one(make_resolver().queue(queue), QUEUE_FIELDS)


@queues.command("create")
@click.argument("name")
@queue_options
@output_options
def queues_create(name: str, **options: Any) -> None:
    """Create a task queue.

    --target-workers is checked locally before any request.
    """
    from trctl.services.queues import create_queue

    emit_one(create_queue(make_resolver(), name, **options), QUEUE_FIELDS)


@queues.command("update")
@click.argument("queue", metavar="QUEUE")
@click.option("--name", help="New friendly name.")
@queue_options
@output_options
def queues_update(queue: str, **options: Any) -> None:
    """Change a task queue (by name or SID)."""
    from trctl.services.queues import update_queue

    emit_one(update_queue(make_resolver(), queue, **options), QUEUE_FIELDS)


def _queue(resolver: Any, name: str) -> dict[str, Any]:
    return resolver.queue(name)


queues_delete = delete_command(
    queues,
    QUEUE,
    _queue,
    metavar="QUEUE",
    summary="Delete a task queue, by name or SID.",
)
