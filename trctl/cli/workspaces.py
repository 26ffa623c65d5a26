"""`trctl workspaces` (alias `workspace`): list, show, and use (remember in the profile)."""

from __future__ import annotations

import click

from trctl.cli.context import get_app
from trctl.cli.output import Column, emit, emit_one, info, output_options
from trctl.cli.params import SID_COLUMN

WORKSPACE_COLUMNS = (
    SID_COLUMN,
    Column("NAME", "friendly_name", 40),
    Column("DEFAULT ACTIVITY", "default_activity_name"),
    Column("MULTITASK", "multi_task_enabled"),
)
WORKSPACE_FIELDS = (
    *WORKSPACE_COLUMNS,
    Column("TIMEOUT ACTIVITY", "timeout_activity_name"),
    Column("EVENT CALLBACK", "event_callback_url"),
    Column("QUEUE ORDER", "prioritize_queue_order"),
    Column("CREATED", "date_created"),
)


@click.group("workspaces")
def workspaces() -> None:
    """List, create and delete workspaces; choose one to use."""


@workspaces.command("list")
@output_options
def workspaces_list() -> None:
    """List the account's workspaces."""
    from trctl.services.workspaces import list_workspaces

    emit(list_workspaces(get_app().client), WORKSPACE_COLUMNS)


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
    record, profile = use_workspace(
        app.client, workspace, profile=app.profile, env=app.env.environ
    )
    info(f"Using workspace {record.get('friendly_name')} ({record['sid']}) in profile {profile!r}")
    source = app.settings.source("workspace")
    if source.startswith(("env", "flag")):
        info(f"Note: {source} still takes precedence over the profile in this shell")
    emit_one(record, WORKSPACE_FIELDS)


def _add_workspace_file_commands() -> None:
    """`workspace apply FILE` and `workspace export` live in trctl.cli.workspace_file."""
    from trctl.cli.workspace_file import workspace_apply, workspace_export

    workspaces.add_command(workspace_apply)
    workspaces.add_command(workspace_export)


_add_workspace_file_commands()
