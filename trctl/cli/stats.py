"""`trctl stats`: the workspace at a glance: tasks, workers by activity, queues, a window."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import click

from trctl.cli.output import (
    Column,
    current_format,
    emit,
    emit_one,
    out,
    output_options,
    wrap_line,
)
from trctl.cli.params import age, make_resolver

QUEUE_COLUMNS = (  # watch's short headers: at 80 columns a 32-character queue name stays whole
    Column("QUEUE", "friendly_name", 32),
    Column("PEND", "pending"),
    Column("RESV", "reserved"),
    Column("ASGN", "assigned"),
    Column("WRAP", "wrapping"),
    Column("WAIT", lambda r: age(r.get("longest_wait"))),
    Column("AVAIL", "available_workers"),
    Column("ELIG", "eligible_workers"),
)
LONG_COLUMNS = (Column("SECTION", "section"), Column("NAME", "name"), Column("FIELD", "field"),
                Column("VALUE", "value"))  # fmt: skip
CUMULATIVE_LINES = {  # line -> (field, label), as `trctl stats` prints the window's figures
    "reservations": (
        ("reservations_created", "created"),
        ("reservations_accepted", "accepted"),
        ("reservations_rejected", "rejected"),
        ("reservations_timed_out", "timed out"),
        ("reservations_canceled", "canceled"),
        ("reservations_rescinded", "rescinded"),
    ),
    "tasks": (
        ("tasks_created", "created"),
        ("tasks_completed", "completed"),
        ("tasks_canceled", "canceled"),
    ),
}


@click.command("stats")
@click.option(
    "--minutes",
    type=int,
    default=15,
    show_default=True,
    help="The window of the cumulative figures (TaskRouter's default is 15).",
)
@click.option("--queue", metavar="NAME|SID", help="Only this task queue.")
@click.option("--worker", metavar="NAME|SID", help="Only this worker (and the queues it serves).")
@output_options
def stats(minutes: int, queue: str | None, worker: str | None) -> None:
    """Show the workspace's statistics at a glance.

    From TaskRouter's statistics endpoints.

    Tasks by status and the longest waiting one, workers by activity, one row per task queue,
    and the last --minutes: reservations created, accepted, rejected and timed out, and the
    wait until a reservation was accepted. 3 requests, whatever the number of tasks.
    """
    from trctl.services.stats import workspace_stats

    data = workspace_stats(make_resolver(), minutes=minutes, queue=queue, worker=worker)
    fmt = current_format()
    if fmt == "json":
        emit_one(data, ())
    elif fmt == "csv":
        emit(list(long_rows(data)), LONG_COLUMNS)
    else:
        show(data)


def long_rows(data: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    """Every figure as a (section, name, field, value) row: CSV has one shape for all."""
    for field, value in data["tasks"].items():
        yield {"section": "tasks", "name": "", "field": field, "value": value}
    for name, count in data["workers"].items():
        yield {"section": "workers", "name": name, "field": "workers", "value": count}
    for row in data["queues"]:
        for field, value in row.items():
            if field != "friendly_name":
                yield {"section": "queues", "name": row["friendly_name"], "field": field,
                       "value": value}  # fmt: skip
    for field, value in data["cumulative"].items():
        yield {"section": "cumulative", "name": "", "field": field, "value": value}


def show(data: Mapping[str, Any]) -> None:
    """Tasks and workers on a line each, the queues as a table, then the window's figures."""
    tasks = data["tasks"]
    line = " · ".join(f"{tasks[s]} {s}" for s in ("pending", "reserved", "assigned", "wrapping"))
    if tasks.get("longest_waiting_task"):
        line += f" · longest waiting {age(tasks['longest_wait'])} ({tasks['longest_waiting_task']})"
    _prose(f"Tasks:    {line}", 10)
    workers = " · ".join(f"{name} {count}" for name, count in data["workers"].items())
    _prose(f"Workers:  {workers or 'none'}", 10)
    out("")
    emit(data["queues"], QUEUE_COLUMNS)
    cumulative = data["cumulative"]
    out(f"\nLast {cumulative['minutes']} minutes:")
    for line, fields in CUMULATIVE_LINES.items():
        figures = [f"{cumulative[key]} {label}" for key, label in fields if key in cumulative]
        if figures:
            _prose(f"  {line:<14}" + " · ".join(figures), 16)
    if "average_wait_until_accepted" in cumulative:
        average = age(cumulative["average_wait_until_accepted"])
        longest = age(cumulative["longest_wait_until_accepted"])
        out(f"  {'wait':<14}{average} on average until accepted, {longest} at most")


def _prose(line: str, indent: int) -> None:
    """A line of figures; on a narrow terminal it breaks between figures, never inside one."""
    for piece in wrap_line(line, indent, separator=" · "):
        out(piece)
