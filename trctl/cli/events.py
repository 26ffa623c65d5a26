"""`trctl events` (alias `event`): the workspace's event log, filtered."""

from __future__ import annotations

import click

from trctl.cli.output import Column, emit, output_options
from trctl.cli.params import TASK_SID, effective_limit, limit_options, make_resolver

EVENT_COLUMNS = (
    Column("DATE", "event_date"),
    Column("TYPE", "event_type"),
    Column("RESOURCE", "resource_sid", no_wrap=True),
    Column("DESCRIPTION", "description", 70),
)


@click.group("events")
def events() -> None:
    """The workspace's event log (alias: event)."""


@events.command("list")
@click.option("--type", "event_type", metavar="TYPE", help="e.g. task.created.")
@click.option("--task", type=TASK_SID, help="Events of this task.")
@click.option("--worker", metavar="NAME|SID", help="Events of this worker.")
@click.option("--minutes", type=int, help="Look back this many minutes (TaskRouter default 15).")
@limit_options()
@output_options
def events_list(
    event_type: str | None,
    task: str | None,
    worker: str | None,
    minutes: int | None,
    limit: int | None,
    fetch_all: bool,
) -> None:
    """List events, filtered by type, task, worker and time window."""
    from trctl.services.events import list_events

    count = effective_limit(limit, fetch_all)
    records = list_events(
        make_resolver(),
        event_type=event_type,
        task=task,
        worker=worker,
        minutes=minutes,
        limit=count,
    )
    emit(records, EVENT_COLUMNS)
