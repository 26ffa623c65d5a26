"""`trctl events` (alias `event`): the workspace's event log, listed, followed, explained."""

from __future__ import annotations

import json
from typing import Any

import click

from trctl.cli.context import get_app
from trctl.cli.output import Column, emit, list_options, out
from trctl.cli.params import (
    TASK_SID,
    effective_limit,
    interval_option,
    limit_options,
    make_resolver,
    poll_interval,
    show_listing,
)

EVENT_COLUMNS = (
    Column("SID", "sid", no_wrap=True, wide=True),  # for scripts: --columns sid
    Column("DATE", "event_date", rank=2),
    Column("TYPE", "event_type", keep=True),
    Column("RESOURCE", "resource_sid", no_wrap=True, rank=1),
    Column("DESCRIPTION", "description", 70, rank=3),
)
TYPE_COLUMNS = (
    Column("TYPE", "event_type", no_wrap=True, keep=True),
    Column("MEANING", "meaning", rank=3),
)
TWILIO_INTERVAL = 2.0  # seconds between polls against TaskRouter: 0.5 requests/s
LOCAL_INTERVAL = 0.5  # against the emulator on this machine
MIN_TWILIO_INTERVAL = 1.0


@click.group("events")
def events() -> None:
    """List, follow and explain events (alias: event)."""


@events.command("list")
@click.option("--type", "event_type", metavar="TYPE", help="e.g. task.created.")
@click.option("--task", type=TASK_SID, help="Events of this task.")
@click.option("--worker", metavar="NAME|SID", help="Events of this worker.")
@click.option("--minutes", type=int, help="Look back this many minutes (TaskRouter default 15).")
@limit_options()
@list_options(EVENT_COLUMNS)
def events_list(
    event_type: str | None,
    task: str | None,
    worker: str | None,
    minutes: int | None,
    limit: int | None,
    fetch_all: bool,
) -> None:
    """List the newest events of a time window, oldest first.

    Filtered by type, task or worker. Every page of the window (--minutes, TaskRouter's
    default 15) is read, so stderr can say how many there were when more than --limit (50)
    did.
    """
    from trctl.services.events import list_events

    count = effective_limit(limit, fetch_all)
    listing = list_events(
        make_resolver(),
        event_type=event_type,
        task=task,
        worker=worker,
        minutes=minutes,
        limit=count,
    )
    show_listing(listing, EVENT_COLUMNS)


@events.command("types")
@list_options(TYPE_COLUMNS)
def events_types() -> None:
    """List TaskRouter's event types and what each means."""
    from trctl.vocab.events import EVENT_TYPES

    emit([{"event_type": k, "meaning": v} for k, v in EVENT_TYPES.items()], TYPE_COLUMNS)


@events.command("tail")
@click.option(
    "--type",
    "event_types",
    metavar="TYPE",
    multiple=True,
    help="Only this event type (repeatable; `trctl events types` lists them).",
)
@click.option("--task", type=TASK_SID, help="Only events of this task.")
@click.option("--worker", metavar="NAME|SID", help="Only events of this worker.")
@click.option(
    "--since", metavar="DURATION", help="Start this far back: 90s, 10m, 2h, 1d [default: now]."
)
@click.option("--json", "as_json", is_flag=True, help="One JSON object (the API's event) a line.")
@click.option("--max-events", type=click.IntRange(min=1), metavar="N", help="Stop after N events.")
@click.option(
    "--timeout", type=click.FloatRange(min=0), metavar="SECONDS", help="Stop after this long."
)
@interval_option("polls", twilio=TWILIO_INTERVAL, local=LOCAL_INTERVAL)
@click.option("--page-size", type=click.IntRange(1, 1000), default=1000, hidden=True)
def events_tail(
    event_types: tuple[str, ...],
    task: str | None,
    worker: str | None,
    since: str | None,
    as_json: bool,
    max_events: int | None,
    timeout: float | None,
    interval: float | None,
    page_size: int,
) -> None:
    """Follow the workspace's events as they happen, one line each.

    Oldest first.

    Each event is printed once: trctl polls the Events API with a cursor (the newest event's
    second and the SIDs seen since), across as many pages as arrived. Ctrl-C stops it.
    """
    from trctl.services.events import (
        NOW_WINDOW_MINUTES,
        EventFollower,
        check_event_type,
        event_filters,
        events_path,
        since_minutes,
    )

    types = [check_event_type(name) for name in event_types]
    window = since_minutes(since) if since is not None else NOW_WINDOW_MINUTES
    wait = poll_interval(
        interval,
        twilio_default=TWILIO_INTERVAL,
        local_default=LOCAL_INTERVAL,
        twilio_minimum=MIN_TWILIO_INTERVAL,
    )
    resolver = make_resolver()
    follower = EventFollower(
        resolver.api,
        events_path(resolver),
        event_filters(resolver, event_types=types, task=task, worker=worker),
        event_types=types,
        window_minutes=window,
        page_size=page_size,
    )
    show = _json_line if as_json else _people_printer(resolver)
    clock = get_app().env.clock
    deadline = None if timeout is None else clock.monotonic() + timeout
    printed = 0
    try:
        batch = follower.poll()
        if since is None:
            batch = []  # what happened before now was only read to place the cursor
        while True:
            for event in batch:
                show(event)
                printed += 1
                if max_events is not None and printed >= max_events:
                    return
            remaining = None if deadline is None else deadline - clock.monotonic()
            if remaining is not None and remaining <= 0:
                return
            clock.sleep(wait if remaining is None else min(wait, remaining))
            batch = follower.poll()
    except KeyboardInterrupt:
        return  # Ctrl-C is how a tail ends


def _json_line(event: dict[str, Any]) -> None:
    out(json.dumps(event, separators=(",", ":"), ensure_ascii=False, default=str))


def _people_printer(resolver: Any) -> Any:
    """Prints `time  type  description` lines: on a terminal fitted to its width, coloured
    unless NO_COLOR; piped, whole."""
    from trctl.cli.event_lines import TYPE_WIDTH, event_parts, type_style
    from trctl.services.events import activity_names

    env = get_app().env
    names = activity_names(resolver)
    width = env.width if env.stdout_isatty else None

    def show(event: dict[str, Any]) -> None:
        stamp, kind, text = event_parts(event, width=width, names=names)
        padded = f"{kind:<{TYPE_WIDTH}}"
        if env.color:
            padded = click.style(padded, fg=type_style(kind))
        out(f"{stamp}  {padded}  {text}".rstrip())

    return show
