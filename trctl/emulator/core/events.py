"""Events: record each state change (REST Events list) and queue the workspace event callback."""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from trctl.emulator.core.store import Row

if TYPE_CHECKING:
    from trctl.emulator.core.backend import Backend

# Fields every event callback carries; the rest of the params become the REST event_data.
ENVELOPE = (
    "EventType",
    "AccountSid",
    "WorkspaceSid",
    "WorkspaceName",
    "EventDescription",
    "ResourceType",
    "ResourceSid",
    "Timestamp",
    "TimestampMs",
    "Sid",
)

_SNAKE = re.compile(r"(?<!^)(?=[A-Z])")


def snake(name: str) -> str:
    return _SNAKE.sub("_", name).lower()


class EventOps:
    """Event recording; mixed into Backend."""

    # -- field groups (PascalCase form parameters, every value a string) ------------------------
    def task_fields(self: Backend, task: Row) -> dict[str, str]:
        queue = (
            self.store.get("task_queues", task["task_queue_sid"])
            if task["task_queue_sid"]
            else None
        )
        workflow = (
            self.store.get("workflows", task["workflow_sid"]) if task["workflow_sid"] else None
        )
        channel = self.store.get("task_channels", task["task_channel_sid"])
        fields = {
            "TaskSid": task["sid"],
            "TaskAttributes": task["attributes"],
            "TaskAge": str(max(int(self.now() - task["date_created"]), 0)),
            "TaskPriority": str(task["priority"]),
            "TaskAssignmentStatus": task["assignment_status"],
            "TaskChannelSid": task["task_channel_sid"],
            "TaskChannelUniqueName": channel["unique_name"] if channel else "",
        }
        if queue is not None:
            fields.update(queue_fields(queue))
        if workflow is not None:
            fields["WorkflowSid"] = workflow["sid"]
            fields["WorkflowName"] = workflow["friendly_name"]
        if task["assignment_status"] == "canceled" and task["reason"]:
            fields["TaskCanceledReason"] = task["reason"]
        if task["assignment_status"] == "completed" and task["reason"]:
            fields["TaskCompletedReason"] = task["reason"]
        return fields

    def worker_fields(self: Backend, worker: Row) -> dict[str, str]:
        activity = self.store.get("activities", worker["activity_sid"])
        return {
            "WorkerSid": worker["sid"],
            "WorkerName": worker["friendly_name"],
            "WorkerAttributes": worker["attributes"],
            "WorkerActivitySid": worker["activity_sid"],
            "WorkerActivityName": activity["friendly_name"] if activity else "",
            "WorkerVersion": str(worker["version"]),
        }

    # -- recording ------------------------------------------------------------------------------
    def record_event(
        self: Backend,
        workspace_sid: str,
        event_type: str,
        *,
        resource_type: str,
        resource_sid: str,
        resource_path: str,
        description: str,
        fields: dict[str, str] | None = None,
    ) -> str:
        """Insert an Event row and, when the workspace subscribes to it, an outbox row."""
        workspace = self.store.get("workspaces", workspace_sid)
        if workspace is None:
            return ""
        now = self.now()
        sid = self.sids("EV")
        extra = dict(fields or {})
        data: dict[str, Any] = {snake(k): v for k, v in extra.items()}
        data["workspace_name"] = workspace["friendly_name"]
        data["workspace_sid"] = workspace_sid
        ws_path = f"/v1/Workspaces/{workspace_sid}"
        self.store.insert(
            "events",
            {
                "sid": sid,
                "workspace_sid": workspace_sid,
                "event_type": event_type,
                "resource_type": resource_type,
                "resource_sid": resource_sid,
                "resource_url": f"{ws_path}/{resource_path}" if resource_path else ws_path,
                "actor_type": "workspace",
                "actor_sid": workspace_sid,
                "actor_url": ws_path,
                "description": description,
                "event_data": json.dumps(data),
                "task_sid": extra.get("TaskSid"),
                "worker_sid": extra.get("WorkerSid"),
                "reservation_sid": extra.get("ReservationSid"),
                "task_queue_sid": extra.get("TaskQueueSid"),
                "workflow_sid": extra.get("WorkflowSid"),
                "task_channel": extra.get("TaskChannelUniqueName"),
                "event_date": now,
            },
        )
        url = workspace["event_callback_url"]
        if url and _subscribed(workspace["events_filter"], event_type):
            params = {
                "EventType": event_type,
                "AccountSid": self.store.get_meta("account_sid") or "",
                "WorkspaceSid": workspace_sid,
                "WorkspaceName": workspace["friendly_name"],
                "EventDescription": description,
                "ResourceType": resource_type,
                "ResourceSid": resource_sid,
                "Timestamp": str(int(now)),
                "TimestampMs": str(int(now * 1000)),
                "Sid": sid,
                **extra,
            }
            self.enqueue_callback("event", workspace_sid, url, None, params, f"{sid}", None)
        return sid

    def enqueue_callback(
        self: Backend,
        kind: str,
        workspace_sid: str,
        url: str,
        fallback_url: str | None,
        params: dict[str, str],
        idempotency_token: str,
        reservation_sid: str | None,
    ) -> None:
        """Add an outbox row inside the current transaction; the delivery thread sends it."""
        self.store.insert(
            "outbox",
            {
                "kind": kind,
                "workspace_sid": workspace_sid,
                "url": url,
                "fallback_url": fallback_url,
                "params": json.dumps(params),
                "idempotency_token": idempotency_token,
                "reservation_sid": reservation_sid,
                "created": self.now(),
            },
        )


def queue_fields(queue: Row) -> dict[str, str]:
    """The TaskQueue fields of a task event (also sent before the task has entered the queue)."""
    return {
        "TaskQueueSid": queue["sid"],
        "TaskQueueName": queue["friendly_name"],
        "TaskQueueTargetExpression": queue["target_workers"],
    }


def _subscribed(events_filter: str | None, event_type: str) -> bool:
    if not events_filter:
        return True
    wanted = {part.strip() for part in events_filter.split(",") if part.strip()}
    return event_type in wanted
