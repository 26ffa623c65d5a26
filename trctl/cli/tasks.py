"""`trctl tasks` (alias `task`): create, list, show, update, cancel, complete, wrap."""

from __future__ import annotations

from typing import Any

import click

from trctl.cli.deleting import delete_command
from trctl.cli.output import Column, emit_one, list_options, output_options
from trctl.cli.params import (
    EXPRESSION,
    ORDERING,
    SID_COLUMN,
    TASK_SID,
    age,
    attribute_options,
    attribute_plan,
    effective_limit,
    limit_options,
    make_resolver,
    page_progress,
    show_listing,
)
from trctl.services.resolve import TASK
from trctl.services.tasks import STATUSES

TASK_COLUMNS = (
    SID_COLUMN,
    Column("STATUS", "assignment_status", keep=True),
    Column("PRIORITY", "priority", rank=1),
    Column("AGE", lambda r: age(r.get("age")), rank=2),
    Column("QUEUE", "task_queue_friendly_name", 40, rank=3),
    Column("ATTRIBUTES", "attributes", 60, rank=2),
    Column("WORKFLOW", "workflow_friendly_name", wide=True),
    Column("CHANNEL", "task_channel_unique_name", wide=True),
    Column("CREATED", "date_created", wide=True),
)
TASK_FIELDS = (
    SID_COLUMN,
    Column("STATUS", "assignment_status"),
    Column("QUEUE", lambda r: _named(r, "task_queue_friendly_name", "task_queue_sid")),
    Column("WORKFLOW", lambda r: _named(r, "workflow_friendly_name", "workflow_sid")),
    Column("CHANNEL", "task_channel_unique_name"),
    Column("PRIORITY", "priority"),
    Column("AGE", lambda r: age(r.get("age"))),
    Column("TIMEOUT", "timeout"),
    Column("REASON", "reason"),
    Column("ATTRIBUTES", "attributes"),
    Column("CREATED", "date_created"),
    Column("UPDATED", "date_updated"),
)


CREATED_FIELDS = (
    *TASK_FIELDS[:2],
    Column("ROUTED", lambda r: _routed(r)),
    *TASK_FIELDS[2:],
)


def _routed(record: dict[str, Any]) -> str:
    """Where the new task went: `pending in 'Customer Care Requests - Spanish'`, or
    `reserved for Alice`."""
    reservations = record.get("reservations") or []
    if reservations:
        return "reserved for " + ", ".join(str(r.get("worker_name")) for r in reservations)
    status, queue = record.get("assignment_status"), record.get("task_queue_friendly_name")
    return f"{status} in '{queue}'" if queue else str(status)


def _named(record: dict[str, Any], name_key: str, sid_key: str) -> str:
    name, sid = record.get(name_key), record.get(sid_key)
    if name and sid:
        return f"{name} ({sid})"
    return str(name or sid or "")


@click.group("tasks")
def tasks() -> None:
    """Create, list, finish and delete tasks (alias: task)."""


@tasks.command("create")
@attribute_options
@click.option(
    "--workflow",
    metavar="NAME|SID",
    help="Workflow [default: TRCTL_WORKFLOW_SID, else the workspace's only workflow].",
)
@click.option("--priority", type=click.IntRange(0, 2**31 - 1), help="Priority (higher first).")
@click.option("--timeout", type=click.IntRange(1, 1_209_600), help="Time to live in seconds.")
@click.option("--channel", metavar="NAME|SID", help="Task channel, e.g. voice [default: default].")
@output_options
def tasks_create(
    attributes: dict[str, Any] | None,
    workflow: str | None,
    priority: int | None,
    timeout: int | None,
    channel: str | None,
) -> None:
    """Create a task and say where it went.

    For example `trctl task create --attr selected_language=es`.
    """
    from trctl.services.tasks import create_task

    resolver = make_resolver()
    task = create_task(
        resolver,
        attributes=attributes,
        workflow=workflow,
        priority=priority,
        timeout=timeout,
        channel=channel,
    )
    emit_one(task, CREATED_FIELDS)


@tasks.command("list")
@click.option(
    "--status",
    "statuses",
    type=click.Choice(STATUSES, case_sensitive=False),
    multiple=True,
    help="Only tasks in this status (repeatable).",
)
@click.option("--queue", metavar="NAME|SID", help="Only tasks in this task queue.")
@click.option("--workflow", metavar="NAME|SID", help="Only tasks of this workflow.")
@click.option(
    "--where", type=EXPRESSION, help="Attribute filter, e.g. 'selected_language == \"es\"'."
)
@click.option(
    "--order",
    type=ORDERING,
    metavar="FIELD[:asc|desc],...",
    help="e.g. priority:desc (or date_created).",
)
@limit_options(attributes=True)
@list_options(TASK_COLUMNS)
def tasks_list(
    statuses: tuple[str, ...],
    queue: str | None,
    workflow: str | None,
    where: str | None,
    order: str | None,
    limit: int | None,
    fetch_all: bool,
    fetch_attributes: bool,
) -> None:
    """List the newest tasks, oldest first.

    50 unless --limit N or --all. When more exist, stderr says how many (from the statistics
    endpoints, and a listing of the finished tasks, which TaskRouter keeps for 5 minutes), or
    that more exist when counting would take more than a few requests (--where). With
    --order, the first N in that order. --all prints every task, oldest first (or in the
    --order), page by page as they arrive.
    """
    from trctl.services.tasks import list_params, list_tasks

    count = effective_limit(limit, fetch_all)
    resolver = make_resolver()
    params = list_params(
        resolver,
        statuses=statuses,
        queue=queue,
        workflow=workflow,
        where=where,
        ordering=order,
    )
    plan = attribute_plan(TASK_COLUMNS, fetch_all, fetch_attributes)
    with page_progress("tasks") as on_page:
        listing = list_tasks(resolver, params, limit=count, on_page=on_page, attributes=plan.fetch)
    show_listing(listing, plan.columns, first=order is not None, attributes_left_out=plan.left_out)


@tasks.command("show")
@click.argument("task", type=TASK_SID, metavar="TASK_SID")
@output_options
def tasks_show(task: str) -> None:
    """Show one task."""
    from trctl.services.tasks import fetch_task

    emit_one(fetch_task(make_resolver(), task), TASK_FIELDS)


@tasks.command("update")
@click.argument("task", type=TASK_SID, metavar="TASK_SID")
@attribute_options
@click.option("--replace", is_flag=True, help="Replace the attributes instead of merging.")
@click.option("--priority", type=click.IntRange(0, 2**31 - 1), help="New priority.")
@click.option("--channel", metavar="NAME|SID", help="New task channel.")
@output_options
def tasks_update(
    task: str,
    attributes: dict[str, Any] | None,
    replace: bool,
    priority: int | None,
    channel: str | None,
) -> None:
    """Change a task's attributes, priority or channel.

    New attributes are merged into the current ones unless --replace.
    """
    from trctl.services.tasks import update_task

    record = update_task(
        make_resolver(),
        task,
        attributes=attributes,
        replace_attributes=replace,
        priority=priority,
        channel=channel,
    )
    emit_one(record, TASK_FIELDS)


def _status_command(
    verb: str, status: str, summary: str, default_reason: str | None = None
) -> click.Command:
    @click.argument("task", type=TASK_SID, metavar="TASK_SID")
    @click.option(
        "--reason",
        default=default_reason,
        show_default=default_reason is not None,
        help="Why (recorded on the task; TaskRouter requires one to cancel or complete)."
        if default_reason
        else "Why (recorded on the task).",
    )
    @output_options
    def command(task: str, reason: str | None) -> None:
        from trctl.services.tasks import set_task_status

        emit_one(set_task_status(make_resolver(), task, status, reason), TASK_FIELDS)

    command.__name__ = f"tasks_{verb}"
    command.__doc__ = summary
    return tasks.command(verb)(command)


tasks_cancel = _status_command(
    "cancel", "canceled", "Cancel a pending or reserved task.", "canceled with trctl"
)
tasks_complete = _status_command(
    "complete", "completed", "Complete an assigned or wrapping task.", "completed with trctl"
)
tasks_wrap = _status_command("wrap", "wrapping", "Move an assigned task to wrapping.")


def _task(resolver: Any, sid: str) -> dict[str, Any]:
    from trctl.services.tasks import fetch_task

    return fetch_task(resolver, sid)


tasks_delete = delete_command(
    tasks,
    TASK,
    _task,
    metavar="TASK_SID",
    summary="Delete a task, by SID.",
)
