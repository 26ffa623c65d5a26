"""`trctl activities` (alias `activity`): list and create worker activities."""

from __future__ import annotations

import click

from trctl.cli.output import Column, emit, emit_one, output_options
from trctl.cli.params import SID_COLUMN, make_resolver

ACTIVITY_COLUMNS = (
    SID_COLUMN,
    Column("NAME", "friendly_name", 40),
    Column("AVAILABLE", "available"),
)
ACTIVITY_FIELDS = (*ACTIVITY_COLUMNS, Column("CREATED", "date_created"))


@click.group("activities")
def activities() -> None:
    """List, create and delete activities (alias: activity)."""


@activities.command("list")
@click.option("--available/--unavailable", default=None, help="Only (un)available activities.")
@output_options
def activities_list(available: bool | None) -> None:
    """List the workspace's activities."""
    from trctl.services.activities import list_activities

    emit(list_activities(make_resolver(), available=available), ACTIVITY_COLUMNS)


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
