"""`trctl workflows` (alias `workflow`): list, show, create and update workflows."""

from __future__ import annotations

from typing import Any

import click

from trctl.cli.output import Column, emit, emit_one, output_options
from trctl.cli.params import SID_COLUMN, make_resolver

WORKFLOW_COLUMNS = (
    SID_COLUMN,
    Column("NAME", "friendly_name", 40),
    Column("TIMEOUT", "task_reservation_timeout"),
    Column("CALLBACK URL", "assignment_callback_url", 60),
)
WORKFLOW_FIELDS = (
    *WORKFLOW_COLUMNS,
    Column("FALLBACK URL", "fallback_assignment_callback_url"),
    Column("CONFIGURATION", "configuration"),
    Column("CREATED", "date_created"),
    Column("UPDATED", "date_updated"),
)
CONFIG_HELP = (
    "Routing configuration file (JSON). Checked locally first: shape, expressions, and queue "
    "references; queues may be given by name and are sent as SIDs."
)


def workflow_options(func: Any) -> Any:
    for decorator in reversed(
        (
            click.option("--assignment-callback-url", metavar="URL", help="Assignment callback."),
            click.option("--fallback-url", metavar="URL", help="Fallback assignment callback."),
            click.option(
                "--timeout",
                type=click.IntRange(1, 86_400),
                help="Reservation timeout in seconds (TaskReservationTimeout).",
            ),
        )
    ):
        func = decorator(func)
    return func


@click.group("workflows")
def workflows() -> None:
    """List, create and update workflows (alias: workflow)."""


@workflows.command("list")
@output_options
def workflows_list() -> None:
    """List workflows."""
    from trctl.services.resolve import WORKFLOW

    emit(make_resolver().records(WORKFLOW), WORKFLOW_COLUMNS)


@workflows.command("show")
@click.argument("workflow", metavar="WORKFLOW", required=False)
@output_options
def workflows_show(workflow: str | None) -> None:
    """Show a workflow (by name or SID; default: TRCTL_WORKFLOW_SID or the only one)."""
    emit_one(make_resolver().workflow(workflow), WORKFLOW_FIELDS)


@workflows.command("create")
@click.argument("name")
@click.option("--config", "config_file", required=True, metavar="FILE", help=CONFIG_HELP)
@workflow_options
@output_options
def workflows_create(name: str, config_file: str, **options: Any) -> None:
    """Create a workflow from a routing configuration file."""
    from trctl.services.workflows import create_workflow

    record = create_workflow(make_resolver(), name, config_file=config_file, **options)
    emit_one(record, WORKFLOW_FIELDS)


@workflows.command("update")
@click.argument("workflow", metavar="WORKFLOW")
@click.option("--name", help="New friendly name.")
@click.option("--config", "config_file", metavar="FILE", help=CONFIG_HELP)
@click.option("--re-evaluate-tasks", is_flag=True, default=None, help="Re-route waiting tasks.")
@workflow_options
@output_options
def workflows_update(workflow: str, config_file: str | None, **options: Any) -> None:
    """Change a workflow (by name or SID)."""
    from trctl.services.workflows import update_workflow

    record = update_workflow(make_resolver(), workflow, config_file=config_file, **options)
    emit_one(record, WORKFLOW_FIELDS)
