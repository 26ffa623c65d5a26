"""Tasks: create (choosing the workflow), list with filters and ordering, update, finish."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import Any

from trctl.errors import ApiError, UsageError
from trctl.services.attributes import dump_attributes, send_update
from trctl.services.listed import fill_attributes
from trctl.services.listing import Listing, Streamed, first_of, read_list
from trctl.services.resolve import QUEUE, TASK, WORKFLOW, Resolver, require_sid, the_only
from trctl.services.rest import MAX_PAGE_SIZE, PageCallback

STATUSES = ("pending", "reserved", "assigned", "wrapping", "completed", "canceled")
ORDER_FIELDS = {
    "datecreated": "DateCreated",
    "date_created": "DateCreated",
    "created": "DateCreated",
    "priority": "Priority",
    "virtualstarttime": "VirtualStartTime",
    "virtual_start_time": "VirtualStartTime",
}
CHOOSE_WORKFLOW = "use --workflow NAME|SID or set TRCTL_WORKFLOW_SID"


def parse_ordering(text: str) -> str:
    """`priority:desc,created` -> `Priority:desc,DateCreated:asc` (TaskRouter's Ordering)."""
    clauses = []
    for raw in text.split(","):
        field, _, direction = raw.strip().partition(":")
        name = ORDER_FIELDS.get(field.strip().lower())
        if name is None:
            raise UsageError(
                f"--order: unknown field {field.strip()!r}",
                hint="use priority, date_created or virtual_start_time, each :asc or :desc",
            )
        direction = (direction.strip() or "asc").lower()
        if direction not in ("asc", "desc"):
            raise UsageError(f"--order: direction must be asc or desc, not {direction!r}")
        clauses.append((name, direction))
    names = [n for n, _ in clauses]
    if "DateCreated" in names and "VirtualStartTime" in names:
        raise UsageError("--order: date_created and virtual_start_time cannot be combined")
    if len(set(names)) != len(names):
        raise UsageError("--order: a field appears twice")
    return ",".join(f"{n}:{d}" for n, d in clauses)


def task_path(workspace_sid: str, sid: str | None = None) -> str:
    base = f"/Workspaces/{workspace_sid}/Tasks"
    return f"{base}/{sid}" if sid else base


def create_task(
    resolver: Resolver,
    *,
    attributes: dict[str, Any] | None = None,
    workflow: str | None = None,
    priority: int | None = None,
    timeout: int | None = None,
    channel: str | None = None,
) -> dict[str, Any]:
    """Create a task. With no workflow named or configured, TaskRouter uses the workspace's
    only workflow; if it refuses, the choices are listed (the create was not applied).

    The task comes back with `reservations` ({"sid", "worker_sid", "worker_name"}): where it
    went when TaskRouter answered, when that was a reservation (one more request)."""
    task = _create(resolver, attributes, workflow, priority, timeout, channel)
    task["reservations"] = []
    if task.get("assignment_status") == "reserved":
        path = f"{task_path(resolver.workspace_sid, task['sid'])}/Reservations"
        pending = resolver.api.list(path, {"ReservationStatus": "pending"})
        task["reservations"] = [
            {key: r.get(key) for key in ("sid", "worker_sid", "worker_name")} for r in pending
        ]
    return task


def _create(
    resolver: Resolver,
    attributes: dict[str, Any] | None,
    workflow: str | None,
    priority: int | None,
    timeout: int | None,
    channel: str | None,
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "Attributes": dump_attributes(attributes or {}),
        "Priority": priority,
        "Timeout": timeout,
        "TaskChannel": channel,
        "WorkflowSid": resolver.workflow_sid(workflow),
    }
    path = task_path(resolver.workspace_sid)
    if data["WorkflowSid"] is not None:
        return resolver.api.create(path, data)
    try:
        return resolver.api.create(path, data)
    except ApiError as exc:
        if exc.status != 400 or "workflowsid" not in exc.message.casefold():
            raise  # refused for another reason: choosing a workflow would not help
        only = the_only(WORKFLOW, resolver.records(WORKFLOW), how_to_choose=CHOOSE_WORKFLOW)
        return resolver.api.create(path, {**data, "WorkflowSid": only["sid"]})


def list_params(
    resolver: Resolver,
    *,
    statuses: Sequence[str] = (),
    queue: str | None = None,
    workflow: str | None = None,
    where: str | None = None,
    ordering: str | None = None,
) -> dict[str, Any]:
    """The query for GET /Tasks; names are resolved (one list call per type).

    `where` should already be checked (trctl.services.checks) and `ordering` already in
    TaskRouter's form (parse_ordering)."""
    return {
        "AssignmentStatus": [status.lower() for status in statuses] or None,
        "TaskQueueSid": resolver.optional_sid(QUEUE, queue),
        "WorkflowSid": resolver.optional_sid(WORKFLOW, workflow),
        "EvaluateTaskAttributes": where,
        "Ordering": ordering,
    }


def list_tasks(
    resolver: Resolver,
    params: dict[str, Any],
    *,
    limit: int | None = 50,
    on_page: PageCallback | None = None,
    attributes: bool = True,
) -> Listing | Streamed:
    """The newest `limit` tasks, oldest first, or the first `limit` in the Ordering the params
    ask for; each with its attributes (fetched, unless `attributes` is false: a list answer has
    them null). When more exist, their number comes from count_tasks (None if unknown). No
    limit: every task, Streamed in the API's order (its default: oldest first), each page's
    attributes fetched as it comes."""
    path = task_path(resolver.workspace_sid)
    fill = partial(fill_attributes, resolver.api, path_of=lambda task: f"{path}/{task['sid']}")
    if limit is None:
        return read_list(
            resolver.api, path, params, limit=None, noun="tasks", in_api_order=True,
            fill=fill if attributes else None,
        )  # fmt: skip
    newest_first = not params.get("Ordering")
    query = {**params, "Ordering": "DateCreated:desc"} if newest_first else params
    listing = first_of(resolver.api, path, query, limit=limit, noun="tasks", on_page=on_page)
    if newest_first:
        listing.records.reverse()  # oldest first
    if listing.more:
        listing.total = count_tasks(resolver, params)
    if attributes:
        fill(listing.records)
    return listing


FINISHED = ("completed", "canceled")
FINISHED_COUNT_PAGES = 2  # finished tasks are kept 5 minutes: 2,000 of them is a busy workspace


def count_tasks(resolver: Resolver, params: dict[str, Any]) -> int | None:
    """How many tasks match `params`, or None when that would take more than a few requests.

    Tasks waiting or in progress are counted by the real-time statistics of the workspace, the
    queue or the workflow (one request); finished ones, which those do not count, by listing
    them (TaskRouter keeps them 5 minutes), at most FINISHED_COUNT_PAGES pages. An attribute
    filter (--where), or a queue and a workflow at once, has no statistics: None."""
    if params.get("EvaluateTaskAttributes") or (
        params.get("TaskQueueSid") and params.get("WorkflowSid")
    ):
        return None
    statuses = params.get("AssignmentStatus") or list(STATUSES)
    active = [s for s in statuses if s not in FINISHED]
    finished = [s for s in statuses if s in FINISHED]
    total = 0
    if active:
        if params.get("TaskQueueSid"):
            owner = resolver.path(QUEUE, params["TaskQueueSid"])
        elif params.get("WorkflowSid"):
            owner = resolver.path(WORKFLOW, params["WorkflowSid"])
        else:
            owner = f"/Workspaces/{resolver.workspace_sid}"
        by_status = resolver.api.fetch(f"{owner}/RealTimeStatistics").get("tasks_by_status")
        total += sum(int((by_status or {}).get(status) or 0) for status in active)
    if finished:
        query = {**params, "AssignmentStatus": finished, "Ordering": None}
        most = FINISHED_COUNT_PAGES * MAX_PAGE_SIZE
        counted = len(resolver.api.list(task_path(resolver.workspace_sid), query, limit=most + 1))
        if counted > most:
            return None
        total += counted
    return total


def fetch_task(resolver: Resolver, task: str) -> dict[str, Any]:
    return resolver.api.fetch(task_path(resolver.workspace_sid, require_sid(TASK, task)))


def update_task(
    resolver: Resolver,
    task: str,
    *,
    attributes: dict[str, Any] | None = None,
    replace_attributes: bool = False,
    priority: int | None = None,
    channel: str | None = None,
    status: str | None = None,
    reason: str | None = None,
) -> dict[str, Any]:
    """Update a task; new attributes merge into the current ones unless replace_attributes."""
    sid = require_sid(TASK, task)
    data: dict[str, Any] = {
        "Priority": priority,
        "TaskChannel": channel,
        "AssignmentStatus": status,
        "Reason": reason,
    }
    if attributes is None and all(v is None for v in data.values()):
        raise UsageError("nothing to update", hint="give --attr, --attributes or --priority")
    path = task_path(resolver.workspace_sid, sid)
    return send_update(resolver.api, path, data, attributes, replace=replace_attributes)


def set_task_status(
    resolver: Resolver, task: str, status: str, reason: str | None = None
) -> dict[str, Any]:
    """Cancel (pending/reserved), wrap or complete (assigned) a task, with a reason."""
    return update_task(resolver, task, status=status, reason=reason)
