"""What explain reads about one task, through plain GETs only (never the rate-limited
EvaluateTaskAttributes or TargetWorkersExpression list filters): the task, its workflow, the
queues and workers, its reservations and events, and the load of the workers it could go to."""

from __future__ import annotations

import calendar
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from trctl.errors import NotFoundError
from trctl.services.resolve import QUEUE, TASK, WORKER, WORKFLOW, Resolver, require_sid
from trctl.workflow.config import ConfigurationError, WorkflowConfig, parse_workflow_config
from trctl.workflow.matching import WorkerView
from trctl.workflow.verdicts import Capacity

TWILIO_DATE = "%Y-%m-%dT%H:%M:%SZ"
LIVE_RESERVATIONS = ("accepted", "wrapping", "pending")  # what holds a worker's capacity


def epoch(text: Any) -> float | None:
    """Twilio's `2024-05-01T12:00:00Z` as epoch seconds (None for anything else)."""
    if not isinstance(text, str):
        return None
    try:
        return float(calendar.timegm(time.strptime(text, TWILIO_DATE)))
    except ValueError:
        return None


def field_of(data: Mapping[str, Any] | None, name: str) -> Any:
    """An event_data field by its callback name (`TaskQueueSid`) or in snake_case."""
    if not isinstance(data, Mapping):
        return None
    if name in data:
        return data[name]
    snake = "".join(f"_{c.lower()}" if c.isupper() else c for c in name).lstrip("_")
    return data.get(snake)


def worker_view(record: Mapping[str, Any]) -> WorkerView:
    """A worker record as routing sees it (capacity is judged separately)."""
    attributes = record.get("attributes")
    return WorkerView(
        sid=str(record["sid"]),
        friendly_name=str(record.get("friendly_name") or record["sid"]),
        activity_sid=str(record.get("activity_sid") or ""),
        activity_name=str(record.get("activity_name") or ""),
        available=bool(record.get("available")),
        attributes=attributes if isinstance(attributes, dict) else {},
        idle_since=epoch(record.get("date_status_changed")) or 0.0,
        free_capacity=1,
    )


def parse_configuration(workflow: Mapping[str, Any]) -> tuple[WorkflowConfig | None, str | None]:
    """The workflow's parsed configuration, or the reason trctl cannot read it."""
    configuration = workflow.get("configuration")
    if isinstance(configuration, dict):
        import json

        configuration = json.dumps(configuration)
    try:
        return parse_workflow_config(str(configuration or "")), None
    except ConfigurationError as exc:
        return None, str(exc)


@dataclass
class TaskFacts:
    """One task and everything its routing depends on, as the API returned it."""

    task: dict[str, Any]
    workspace: dict[str, Any]
    workflow: dict[str, Any] | None
    config: WorkflowConfig | None
    config_error: str | None
    queues: dict[str, dict[str, Any]]
    workers: list[dict[str, Any]]
    reservations: list[dict[str, Any]]
    events: list[dict[str, Any]]
    capacities: dict[str, Capacity] = field(default_factory=dict)

    @property
    def now(self) -> float:
        """The server's clock: the task's creation plus its age (the API's own arithmetic)."""
        created = epoch(self.task.get("date_created")) or 0.0
        return created + float(self.task.get("age") or 0)

    @property
    def multi_task(self) -> bool:
        return bool(self.workspace.get("multi_task_enabled"))


def newest_task_sid(resolver: Resolver) -> str:
    """The SID of the workspace's newest task (one request of one record)."""
    newest = resolver.api.list(resolver.path(TASK), {"Ordering": "DateCreated:desc"}, limit=1)
    if not newest:
        raise NotFoundError("the workspace has no tasks")
    return str(newest[0]["sid"])


def chronological(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Oldest first. The API may list newest first: ties in time (a fake clock) keep the
    API's order, turned around when task.created comes last."""
    ordered = list(events)
    created = [i for i, e in enumerate(ordered) if e.get("event_type") == "task.created"]
    if created and created[0] == len(ordered) - 1 and len(ordered) > 1:
        ordered.reverse()
    return sorted(ordered, key=lambda e: e.get("event_date_ms") or 0)


def read_task_facts(resolver: Resolver, task: str) -> TaskFacts:
    """Everything about the task, in 7 requests (plus a page per 1000 workers or events)."""
    sid = require_sid(TASK, task)
    api = resolver.api
    record = api.fetch(resolver.path(TASK, sid))
    workspace = api.fetch(f"/Workspaces/{resolver.workspace_sid}")
    workflow = config = config_error = None
    if record.get("workflow_sid"):
        workflow = api.fetch(resolver.path(WORKFLOW, str(record["workflow_sid"])))
        config, config_error = parse_configuration(workflow)
    queues = {str(q["sid"]): q for q in resolver.records(QUEUE)}
    workers = resolver.records_with_attributes(WORKER)
    reservations = api.list(f"{resolver.path(TASK, sid)}/Reservations")
    events = api.list(
        f"/Workspaces/{resolver.workspace_sid}/Events",
        {"TaskSid": sid, "StartDate": record.get("date_created")},
    )
    return TaskFacts(
        record,
        workspace,
        workflow,
        config,
        config_error,
        queues,
        workers,
        reservations,
        chronological(events),
    )


def read_capacity(
    resolver: Resolver, worker_sid: str, task: Mapping[str, Any], *, multi_task: bool
) -> Capacity:
    """How loaded the worker is on the task's channel, and which tasks hold it.

    Multitasking: the worker's channel record (configured capacity, assigned tasks, switched
    on), plus its pending reservations, which hold capacity too. Single-tasking: any live
    reservation fills the worker. 1 to 4 requests.
    """
    reservations_path = f"{resolver.path(WORKER, worker_sid)}/Reservations"
    own = str(task.get("sid"))

    def holders(status: str) -> list[str]:
        found = resolver.api.list(reservations_path, {"ReservationStatus": status})
        return [str(r["task_sid"]) for r in found if r.get("task_sid") != own]

    if not multi_task:
        for status in LIVE_RESERVATIONS:
            held = holders(status)
            if held:
                return Capacity("", len(held), 1, True, tuple(held))
        return Capacity("", 0, 1)
    channels = resolver.api.list(f"{resolver.path(WORKER, worker_sid)}/Channels")
    wanted = (task.get("task_channel_sid"), task.get("task_channel_unique_name"))
    channel = next(
        (
            c
            for c in channels
            if c.get("task_channel_sid") in wanted or c.get("task_channel_unique_name") in wanted
        ),
        None,
    )
    name = str(task.get("task_channel_unique_name") or "")
    if channel is None:
        return Capacity(name, 0, 0, channel_available=False)
    configured = int(channel.get("configured_capacity") or 0)
    assigned = int(channel.get("assigned_tasks") or 0)
    available = bool(channel.get("available"))
    held: list[str] = []
    if assigned:
        held = holders("accepted")
        if len(held) < assigned:
            held += holders("wrapping")
    pending = [t for t in holders("pending") if _on_channel(resolver, t, wanted)]
    return Capacity(name, assigned + len(pending), configured, available, tuple(held + pending))


def _on_channel(resolver: Resolver, task_sid: str, wanted: tuple[Any, ...]) -> bool:
    """Whether another task (reserved for the worker) is on the same channel."""
    record = resolver.api.fetch(resolver.path(TASK, task_sid))
    return (
        record.get("task_channel_sid") in wanted or record.get("task_channel_unique_name") in wanted
    )
