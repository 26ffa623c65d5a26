"""`trctl workflows` (alias `workflow`): list, show, create and update workflows."""

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
from trctl.services.resolve import WORKFLOW

WORKFLOW_COLUMNS = (
    SID_COLUMN,
    Column("NAME", "friendly_name", 40, rank=3),
    Column("TIMEOUT", "task_reservation_timeout", rank=1),
    Column("CALLBACK URL", "assignment_callback_url", 60, rank=2),
    Column("CREATED", "date_created", wide=True),
)
WORKFLOW_FIELDS = (
    *WORKFLOW_COLUMNS[:-1],
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
    """List, create, update, lint and delete workflows."""


@workflows.command("list")
@limit_options()
@list_options(WORKFLOW_COLUMNS)
def workflows_list(limit: int | None, fetch_all: bool) -> None:
    """List the newest workflows, oldest first.

    50 unless --limit N or --all; stderr says how many more there are.
    """
    from trctl.services.workflows import list_workflows

    listing = list_workflows(make_resolver(), limit=effective_limit(limit, fetch_all))
    show_listing(listing, WORKFLOW_COLUMNS)


@workflows.command("show")
@click.argument("workflow", metavar="WORKFLOW", required=False)
@output_options
def workflows_show(workflow: str | None) -> None:
    """Show a workflow, by name or SID.

    Without WORKFLOW: TRCTL_WORKFLOW_SID, else the workspace's only workflow.
    """
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


@workflows.command("lint")
@click.argument("workflow", metavar="[WORKFLOW]", required=False)
@click.option(
    "--config",
    "config_file",
    metavar="FILE",
    help="Lint this configuration file (queues by name or SID) instead of a live workflow.",
)
@click.option(
    "--sample",
    type=click.IntRange(min=0),
    default=50,
    show_default=True,
    metavar="N",
    help="Recent tasks whose attributes are checked against the expressions.",
)
@click.option(
    "--timeout",
    type=click.IntRange(1, 86_400),
    default=120,
    show_default=True,
    help="With --config: the TaskReservationTimeout to check the targets against.",
)
@click.option("--json", "as_json", is_flag=True, help="Findings as a JSON list.")
def workflows_lint(
    workflow: str | None, config_file: str | None, sample: int, timeout: int, as_json: bool
) -> None:
    """Find what makes tasks silently not route.

    Each finding comes with a location and a fix.

    Shadowed filters, queues no worker matches, HAS/IN on values that are not lists, hyphenated
    keys, missing timeouts, timeouts longer than the TTL or shorter than the reservation
    timeout, no default_filter. Exit 0 when clean (warnings allowed), 1 with errors. Reads the
    workspace with plain GETs only.
    """
    from trctl.cli.findings import report
    from trctl.errors import UsageError
    from trctl.services.lint import lint_file, lint_live

    if workflow and config_file:
        raise UsageError("give a WORKFLOW or --config FILE, not both")
    resolver = make_resolver()
    if config_file:
        findings = lint_file(resolver, config_file, sample=sample, reservation_timeout=timeout)
        heading = f"--config {config_file}"
    else:
        record, findings = lint_live(resolver, workflow, sample=sample)
        heading = f"workflow {record.get('friendly_name')!r} ({record['sid']})"
    report(findings, as_json=as_json, heading=heading, fails=lambda f: f.severity == "error")


def _workflow(resolver: Any, name: str) -> dict[str, Any]:
    return resolver.resolve(WORKFLOW, name)


workflows_delete = delete_command(
    workflows,
    WORKFLOW,
    _workflow,
    metavar="WORKFLOW",
    summary="Delete a workflow, by name or SID.",
)
