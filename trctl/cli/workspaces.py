"""`trctl workspaces` (alias `workspace`): list, show, and use (remember in the profile)."""

from __future__ import annotations

import click

from trctl.cli.context import get_app
from trctl.cli.deleting import confirm, describe, yes_option
from trctl.cli.output import Column, emit_one, info, list_options, output_options
from trctl.cli.params import SID_COLUMN, effective_limit, limit_options, show_listing

WORKSPACE_COLUMNS = (
    SID_COLUMN,
    Column("NAME", "friendly_name", 40, rank=3),
    Column("DEFAULT ACTIVITY", "default_activity_name", rank=1),
    Column("MULTITASK", "multi_task_enabled", rank=1),
    Column("CREATED", "date_created", wide=True),
)
WORKSPACE_FIELDS = (
    *WORKSPACE_COLUMNS[:-1],
    Column("TIMEOUT ACTIVITY", "timeout_activity_name"),
    Column("EVENT CALLBACK", "event_callback_url"),
    Column("QUEUE ORDER", "prioritize_queue_order"),
    Column("CREATED", "date_created"),
)


@click.group("workspaces")
def workspaces() -> None:
    """List, create and delete workspaces; choose one to use."""


@workspaces.command("list")
@limit_options()
@list_options(WORKSPACE_COLUMNS)
def workspaces_list(limit: int | None, fetch_all: bool) -> None:
    """List the account's newest workspaces, oldest first.

    50 unless --limit N or --all; stderr says how many more there are.
    """
    from trctl.services.workspaces import newest_workspaces

    limit = effective_limit(limit, fetch_all)
    show_listing(newest_workspaces(get_app().client, limit=limit), WORKSPACE_COLUMNS)


@workspaces.command("show")
@click.argument("workspace", metavar="[WORKSPACE]", required=False)
@output_options
def workspaces_show(workspace: str | None) -> None:
    """Show a workspace (by name or SID; default: the current one)."""
    from trctl.services.workspaces import show_workspace

    app = get_app()
    record = show_workspace(app.client, app.settings, workspace)
    emit_one(record, WORKSPACE_FIELDS)


@workspaces.command("use")
@click.argument("workspace", metavar="WORKSPACE")
@output_options
def workspaces_use(workspace: str) -> None:
    """Remember a workspace (by name or SID) in the active profile."""
    from trctl.services.workspaces import use_workspace

    app = get_app()
    record, profile = use_workspace(app.client, workspace, profile=app.profile, env=app.env.environ)
    info(f"Using workspace {record.get('friendly_name')} ({record['sid']}) in profile {profile!r}")
    source = app.settings.source("workspace")
    if source.startswith(("env", "flag")):
        info(f"Note: {source} still takes precedence over the profile in this shell")
    emit_one(record, WORKSPACE_FIELDS)


@workspaces.command("create")
@click.argument("name")
@click.option(
    "--template",
    type=click.Choice(["NONE", "FIFO"], case_sensitive=False),
    help="NONE: only the default activities; FIFO: also a queue and a workflow "
    "[TaskRouter's default: NONE].",
)
@click.option(
    "--multi-task/--single-task",
    "multi_task",
    default=None,
    help="Whether workers take several tasks at once [TaskRouter's default: multi-task].",
)
@output_options
def workspaces_create(name: str, template: str | None, multi_task: bool | None) -> None:
    """Create a workspace.

    `trctl workspaces use NAME` then makes it the one trctl works in.
    """
    from trctl.services.workspaces import create_workspace

    record = create_workspace(get_app().client, name, template=template, multi_task=multi_task)
    info(f"Created workspace {record.get('friendly_name')} ({record['sid']})")
    emit_one(record, WORKSPACE_FIELDS)


@workspaces.command("delete")
@click.argument("workspace", metavar="WORKSPACE")
@yes_option
def workspaces_delete(workspace: str, yes: bool) -> None:
    """Delete a workspace, by name or SID, with everything in it."""
    from trctl.services.resolve import WORKSPACE
    from trctl.services.workspaces import delete_workspace, find_workspace

    client = get_app().client
    record = find_workspace(client, workspace)
    what = f"{describe(WORKSPACE, record)} and every worker, queue, workflow and task in it"
    confirm(what, yes=yes)
    delete_workspace(client, str(record["sid"]))
    info(f"Deleted {describe(WORKSPACE, record)}.")


def _add_workspace_file_commands() -> None:
    """`workspace apply FILE` and `workspace export` live in trctl.cli.workspace_file."""
    from trctl.cli.workspace_file import workspace_apply, workspace_export

    workspaces.add_command(workspace_apply)
    workspaces.add_command(workspace_export)


_add_workspace_file_commands()
