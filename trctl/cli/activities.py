"""`trctl activities` (alias `activity`): list and create worker activities."""

from __future__ import annotations

from typing import Any

import click

from trctl.cli.deleting import delete_command
from trctl.cli.output import Column, emit_one, list_options, output_options
from trctl.cli.params import (
    SID_COLUMN,
    effective_limit,
    limit_options,
    make_resolver,
    show_listing,
)
from trctl.services.resolve import ACTIVITY

ACTIVITY_COLUMNS = (
    SID_COLUMN,
    Column("NAME", "friendly_name", 40, rank=3),
    Column("AVAILABLE", "available", rank=2),
    Column("CREATED", "date_created", wide=True),
)
ACTIVITY_FIELDS = ACTIVITY_COLUMNS


@click.group("activities")
def activities() -> None:
    """List, create and delete activities (alias: activity)."""


@activities.command("list")
@click.option("--available/--unavailable", default=None, help="Only (un)available activities.")
@limit_options()
@list_options(ACTIVITY_COLUMNS)
def activities_list(available: bool | None, limit: int | None, fetch_all: bool) -> None:
    """List the newest activities, oldest first.

    50 unless --limit N or --all; stderr says how many more there are.
    """
    from trctl.services.activities import list_activities

    count = effective_limit(limit, fetch_all)
    listing = list_activities(make_resolver(), available=available, limit=count)
    show_listing(listing, ACTIVITY_COLUMNS)


@activities.command("create")
@click.argument("name")
@click.option(
    "--available/--unavailable",
    default=None,
    help="Required: whether workers in this activity can take tasks (fixed once created).",
)
@output_options
def activities_create(name: str, available: bool | None) -> None:
    """Create an activity, available to take tasks or not.

    For example `trctl activity create Break --unavailable`.
    """
    from trctl.services.activities import create_activity

    emit_one(create_activity(make_resolver(), name, available=available), ACTIVITY_FIELDS)


def _activity(resolver: Any, name: str) -> dict[str, Any]:
    return resolver.activity(name)


activities_delete = delete_command(
    activities,
    ACTIVITY,
    _activity,
    metavar="ACTIVITY",
    summary="Delete an activity, by name or SID.",
)
