"""TaskRouter's event types, what each means, and one event described in one line of names."""

from __future__ import annotations

import difflib
import json
from collections.abc import Callable, Mapping
from typing import Any

# Every event type of Twilio's Events reference (docs/taskrouter/api/event/reference), with its
# meaning. Where the reference's description is wrong ("activity.updated: An Activity is
# created") or empty (the transfer events), the wording is ours.
EVENT_TYPES: dict[str, str] = {
    "activity.created": "An activity is created",
    "activity.updated": "An activity is updated",
    "activity.deleted": "An activity is deleted",
    "reservation.created": "A task is reserved for a worker",
    "reservation.accepted": "A worker accepted a reservation",
    "reservation.rejected": "A worker rejected a reservation",
    "reservation.timeout": "A reservation was neither accepted nor rejected in time",
    "reservation.canceled": "A reservation is canceled before it was accepted",
    "reservation.rescinded": "Another worker accepted the task (multi-reservation)",
    "reservation.completed": "A reservation is completed, with its task",
    "reservation.failed": "A reservation failed and was not assigned",
    "reservation.wrapup": "A reservation is wrapping up, just before the task completes",
    "task.created": "A task is added to the workspace",
    "task.updated": "A task's attributes are changed",
    "task.canceled": "A task is canceled",
    "task.wrapup": "A task is moved to wrapping",
    "task.completed": "A task is completed",
    "task.deleted": "A task is deleted through the API",
    "task.system-deleted": "TaskRouter deleted a task that reached its TTL",
    "task.transfer-initiated": "A transfer of the task to another worker or queue begins",
    "task.transfer-attempt-failed": "One attempt to transfer the task failed",
    "task.transfer-failed": "The transfer of the task failed",
    "task.transfer-canceled": "The transfer of the task was canceled",
    "task.transfer-completed": "The transfer of the task completed",
    "task-channel.created": "A task channel is created",
    "task-channel.updated": "A task channel is updated",
    "task-channel.deleted": "A task channel is deleted",
    "task-queue.created": "A task queue is created",
    "task-queue.deleted": "A task queue is deleted",
    "task-queue.entered": "A task enters a queue during workflow processing",
    "task-queue.timeout": "A workflow step timed out and the task leaves the queue",
    "task-queue.moved": "A task leaves its queue for the next one of its workflow",
    "task-queue.expression.updated": "A queue's target workers expression is updated",
    "worker.created": "A worker is created",
    "worker.activity.update": "A worker's activity changes",
    "worker.attributes.update": "A worker's attributes are updated",
    "worker.capacity.update": "A worker's capacity on a channel is updated",
    "worker.channel.availability.update": "A worker's availability on a channel changes",
    "worker.deleted": "A worker is deleted",
    "workflow.created": "A workflow is created",
    "workflow.updated": "A workflow is updated",
    "workflow.deleted": "A workflow is deleted",
    "workflow.target-matched": "A task matches a workflow filter's target",
    "workflow.entered": "A task enters a workflow",
    "workflow.timeout": "A task reaches the end of its workflow unaccepted and is removed",
    "workflow.skipped": "A task skips out of its workflow (skip_if on the last step)",
    "workspace.created": "A workspace is created",
    "workspace.updated": "A workspace is updated",
    "workspace.deleted": "A workspace is deleted",
}

# One line per event, in names: `{task}`, `{worker}`, ... are filled by describe().
TEMPLATES: dict[str, str] = {
    "activity.created": "activity '{activity}' created",
    "activity.updated": "activity '{activity}' updated",
    "activity.deleted": "activity '{activity}' deleted",
    "reservation.created": "{task} reserved for {worker} ({reservation})",
    "reservation.accepted": "{task} accepted by {worker} ({reservation})",
    "reservation.rejected": "{task} rejected by {worker} ({reservation})",
    "reservation.timeout": "{task} not answered by {worker} in time ({reservation})",
    "reservation.canceled": "{task} no longer reserved for {worker} ({reservation})",
    "reservation.rescinded": "{task} rescinded from {worker} ({reservation})",
    "reservation.completed": "{task} completed by {worker} ({reservation})",
    "reservation.failed": "{task} reservation failed ({reservation})",
    "reservation.wrapup": "{task} wrapping up with {worker} ({reservation})",
    "task.created": "{task} created {attributes}",
    "task.updated": "{task} updated {attributes}",
    "task.canceled": "{task} canceled{reason}",
    "task.wrapup": "{task} wrapping up{by_worker}",
    "task.completed": "{task} completed{by_worker}{reason}",
    "task.deleted": "{task} deleted",
    "task.system-deleted": "{task} deleted by TaskRouter (TTL)",
    "task.transfer-initiated": "{task} transfer started",
    "task.transfer-attempt-failed": "{task} transfer attempt failed",
    "task.transfer-failed": "{task} transfer failed",
    "task.transfer-canceled": "{task} transfer canceled",
    "task.transfer-completed": "{task} transfer completed",
    "task-channel.created": "channel '{channel}' created",
    "task-channel.updated": "channel '{channel}' updated",
    "task-channel.deleted": "channel '{channel}' deleted",
    "task-queue.created": "queue '{queue}' created",
    "task-queue.deleted": "queue '{queue}' deleted",
    "task-queue.entered": "{task} entered '{queue}'",
    "task-queue.timeout": "{task} timed out of '{queue}'",
    "task-queue.moved": "{task} moved to '{queue}'",
    "task-queue.expression.updated": "queue '{queue}' now targets {expression}",
    "worker.created": "{worker} created ({activity_now})",
    "worker.activity.update": "{worker} {activity_before} -> {activity_now}",
    "worker.attributes.update": "{worker} attributes {worker_attributes}",
    "worker.capacity.update": "{worker} capacity on '{channel}' updated",
    "worker.channel.availability.update": "{worker} availability on '{channel}' changed",
    "worker.deleted": "{worker} deleted",
    "workflow.created": "workflow '{workflow}' created",
    "workflow.updated": "workflow '{workflow}' updated",
    "workflow.deleted": "workflow '{workflow}' deleted",
    "workflow.target-matched": "{task} matched filter '{filter}' -> '{queue}'",
    "workflow.entered": "{task} entered workflow '{workflow}'",
    "workflow.timeout": "{task} timed out of workflow '{workflow}'",
    "workflow.skipped": "{task} skipped '{queue}'",
    "workspace.created": "workspace '{workspace}' created",
    "workspace.updated": "workspace '{workspace}' updated",
    "workspace.deleted": "workspace '{workspace}' deleted",
}

RETENTION_MINUTES = 30 * 24 * 60  # events, and the statistics made of them, are kept 30 days

# An event callback's ResourceType, lower case as in the real payloads: the queue and workflow
# events of a task are about the task; the others are our choice (the fixtures do not show them).
_ABOUT_A_TASK = frozenset(
    {
        "task-queue.entered",
        "task-queue.moved",
        "task-queue.timeout",
        "workflow.target-matched",
        "workflow.entered",
        "workflow.timeout",
        "workflow.skipped",
    }
)
_RESOURCE_PREFIXES = (
    ("reservation.", "reservation"),
    ("task-channel.", "task_channel"),
    ("task-queue.", "taskqueue"),
    ("task.", "task"),
    ("worker.", "worker"),
    ("workflow.", "workflow"),
    ("activity.", "activity"),
)


def resource_type(event_type: str) -> str:
    """The ResourceType an event callback of this type carries (`workspace` for the rest)."""
    if event_type in _ABOUT_A_TASK:
        return "task"
    for prefix, kind in _RESOURCE_PREFIXES:
        if event_type.startswith(prefix):
            return kind
    return "workspace"


def closest_event_type(text: str) -> str | None:
    """The known event type closest to a mistyped one, if any is close enough."""
    found = difflib.get_close_matches(text.strip().lower(), EVENT_TYPES, n=1, cutoff=0.6)
    return found[0] if found else None


def _compact(value: Any) -> str:
    """A JSON-string attribute (as events carry them) as compact JSON."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return value
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


class _Fields(dict):  # type: ignore[type-arg]
    """describe()'s placeholders; one a template names that the event lacks reads as `?`."""

    def __missing__(self, key: str) -> str:
        return "?"


def describe(
    event_type: str,
    data: Mapping[str, Any],
    *,
    fallback: str = "",
    short: Callable[[str], str] = str,
    names: Mapping[str, str] | None = None,
) -> str:
    """One line for one event in names: `Alice Idle -> Reserved`, `WT… reserved for Alice (WR…)`.

    `data` is the event's `event_data` (snake_case keys, as the Events API returns them);
    `short` shortens a SID; `names` maps SIDs to names for what the event gives only as a SID
    (the previous activity, when `worker_previous_activity_name` is absent). An event type
    without a template is its `fallback` (the API's own description).
    """
    template = TEMPLATES.get(event_type)
    if template is None:
        return fallback or event_type
    known = names or {}

    def named(name_key: str, sid_key: str) -> str:
        sid = str(data.get(sid_key) or "")
        return str(data.get(name_key) or known.get(sid) or (short(sid) if sid else "?"))

    fields = _Fields(
        task=short(str(data.get("task_sid") or "?")),
        reservation=short(str(data.get("reservation_sid") or "?")),
        worker=named("worker_name", "worker_sid"),
        queue=named("task_queue_name", "task_queue_sid"),
        workflow=named("workflow_name", "workflow_sid"),
        activity=named("activity_name", "activity_sid"),
        activity_now=named("worker_activity_name", "worker_activity_sid"),
        activity_before=named("worker_previous_activity_name", "worker_previous_activity_sid"),
        channel=data.get("task_channel_unique_name") or "?",
        workspace=data.get("workspace_name") or "?",
        filter=data.get("workflow_filter_name") or "?",
        expression=data.get("task_queue_target_expression") or "?",
        attributes=_compact(data.get("task_attributes") or "{}"),
        worker_attributes=_compact(data.get("worker_attributes") or "{}"),
    )
    reason = data.get("task_canceled_reason") or data.get("task_completed_reason")
    fields["reason"] = f": {reason}" if reason else ""
    fields["by_worker"] = f" by {fields['worker']}" if data.get("worker_sid") else ""
    return template.format_map(fields)
