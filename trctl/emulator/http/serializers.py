"""Records to spec-shaped JSON: snake_case fields, Twilio dates, absolute url and links."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from trctl.emulator.core import records as rec
from trctl.emulator.core.clock import iso


def listed(serialize: Callable[[Any, str, str], dict[str, Any]]) -> Callable[..., dict[str, Any]]:
    """The serializer of a record in a list answer: `attributes` null, as the spec says for tasks
    and workers ("only displayed in FETCH actions that return a single resource")."""

    def without_attributes(record: Any, base: str, account: str) -> dict[str, Any]:
        return {**serialize(record, base, account), "attributes": None}

    return without_attributes


def ws_url(base: str, workspace_sid: str) -> str:
    return f"{base}/v1/Workspaces/{workspace_sid}"


def workspace(r: rec.WorkspaceRecord, base: str, account: str) -> dict[str, Any]:
    url = ws_url(base, r.sid)
    return {
        "account_sid": account,
        "date_created": iso(r.date_created),
        "date_updated": iso(r.date_updated),
        "default_activity_name": r.default_activity_name,
        "default_activity_sid": r.default_activity_sid,
        "event_callback_url": r.event_callback_url,
        "events_filter": r.events_filter,
        "friendly_name": r.friendly_name,
        "multi_task_enabled": r.multi_task_enabled,
        "sid": r.sid,
        "timeout_activity_name": r.timeout_activity_name,
        "timeout_activity_sid": r.timeout_activity_sid,
        "prioritize_queue_order": r.prioritize_queue_order,
        "url": url,
        "links": {
            "activities": f"{url}/Activities",
            "statistics": f"{url}/Statistics",
            "real_time_statistics": f"{url}/RealTimeStatistics",
            "cumulative_statistics": f"{url}/CumulativeStatistics",
            "task_queues": f"{url}/TaskQueues",
            "tasks": f"{url}/Tasks",
            "workers": f"{url}/Workers",
            "workflows": f"{url}/Workflows",
            "task_channels": f"{url}/TaskChannels",
            "events": f"{url}/Events",
        },
    }


def _common(r: Any, account: str) -> dict[str, Any]:
    return {
        "account_sid": account,
        "date_created": iso(r.date_created),
        "date_updated": iso(r.date_updated),
        "sid": r.sid,
        "workspace_sid": r.workspace_sid,
    }


def activity(r: rec.ActivityRecord, base: str, account: str) -> dict[str, Any]:
    ws = ws_url(base, r.workspace_sid)
    return {
        **_common(r, account),
        "available": r.available,
        "friendly_name": r.friendly_name,
        "url": f"{ws}/Activities/{r.sid}",
        "links": {"workspace": ws},
    }


def task_channel(r: rec.TaskChannelRecord, base: str, account: str) -> dict[str, Any]:
    ws = ws_url(base, r.workspace_sid)
    return {
        **_common(r, account),
        "friendly_name": r.friendly_name,
        "unique_name": r.unique_name,
        "channel_optimized_routing": r.channel_optimized_routing,
        "url": f"{ws}/TaskChannels/{r.sid}",
        "links": {"workspace": ws},
    }


def worker(r: rec.WorkerRecord, base: str, account: str) -> dict[str, Any]:
    ws = ws_url(base, r.workspace_sid)
    url = f"{ws}/Workers/{r.sid}"
    return {
        **_common(r, account),
        "activity_name": r.activity_name,
        "activity_sid": r.activity_sid,
        "attributes": r.attributes,
        "available": r.available,
        "date_status_changed": iso(r.date_status_changed),
        "friendly_name": r.friendly_name,
        "url": url,
        "links": {
            "channels": f"{url}/Channels",
            "activity": f"{ws}/Activities/{r.activity_sid}",
            "workspace": ws,
            "statistics": f"{ws}/Workers/Statistics",
            "real_time_statistics": f"{ws}/Workers/RealTimeStatistics",
            "cumulative_statistics": f"{ws}/Workers/CumulativeStatistics",
            "worker_statistics": f"{url}/Statistics",
            "worker_channels": f"{url}/Channels",
            "reservations": f"{url}/Reservations",
        },
    }


def worker_channel(r: rec.WorkerChannelRecord, base: str, account: str) -> dict[str, Any]:
    ws = ws_url(base, r.workspace_sid)
    capacity = r.capacity
    free = max(capacity - r.assigned_tasks, 0)
    return {
        **_common(r, account),
        "assigned_tasks": r.assigned_tasks,
        "available": r.available,
        "available_capacity_percentage": (free * 100 // capacity) if capacity else 0,
        "configured_capacity": capacity,
        "task_channel_sid": r.task_channel_sid,
        "task_channel_unique_name": r.task_channel_unique_name,
        "worker_sid": r.worker_sid,
        "url": f"{ws}/Workers/{r.worker_sid}/Channels/{r.sid}",
    }


def task_queue(r: rec.TaskQueueRecord, base: str, account: str) -> dict[str, Any]:
    ws = ws_url(base, r.workspace_sid)
    url = f"{ws}/TaskQueues/{r.sid}"
    return {
        **_common(r, account),
        "assignment_activity_sid": r.assignment_activity_sid,
        "assignment_activity_name": r.assignment_activity_name,
        "friendly_name": r.friendly_name,
        "max_reserved_workers": r.max_reserved_workers,
        "reservation_activity_sid": r.reservation_activity_sid,
        "reservation_activity_name": r.reservation_activity_name,
        "target_workers": r.target_workers,
        "task_order": r.task_order,
        "url": url,
        "links": {
            "assignment_activity": f"{ws}/Activities/{r.assignment_activity_sid}",
            "reservation_activity": f"{ws}/Activities/{r.reservation_activity_sid}",
            "workspace": ws,
            "statistics": f"{url}/Statistics",
            "real_time_statistics": f"{url}/RealTimeStatistics",
            "cumulative_statistics": f"{url}/CumulativeStatistics",
            "list_statistics": f"{ws}/TaskQueues/Statistics",
            "bulk_real_time_statistics": f"{ws}/TaskQueues/RealTimeStatistics",
        },
    }


def workflow(r: rec.WorkflowRecord, base: str, account: str) -> dict[str, Any]:
    ws = ws_url(base, r.workspace_sid)
    url = f"{ws}/Workflows/{r.sid}"
    return {
        **_common(r, account),
        "assignment_callback_url": r.assignment_callback_url,
        "configuration": r.configuration,
        "document_content_type": None,  # null in TaskRouter's recorded answers
        "fallback_assignment_callback_url": r.fallback_assignment_callback_url,
        "friendly_name": r.friendly_name,
        "task_reservation_timeout": r.task_reservation_timeout,
        "url": url,
        "links": {
            "statistics": f"{url}/Statistics",
            "real_time_statistics": f"{url}/RealTimeStatistics",
            "cumulative_statistics": f"{url}/CumulativeStatistics",
        },
    }


def task(r: rec.TaskRecord, base: str, account: str) -> dict[str, Any]:
    ws = ws_url(base, r.workspace_sid)
    url = f"{ws}/Tasks/{r.sid}"
    return {
        **_common(r, account),
        "age": r.age,
        "assignment_status": r.assignment_status,
        "attributes": r.attributes,
        "addons": "{}",
        "task_queue_entered_date": iso(r.queue_entered),
        "priority": r.priority,
        "reason": r.reason,
        "task_queue_sid": r.task_queue_sid,
        "task_queue_friendly_name": r.task_queue_name,
        "task_channel_sid": r.task_channel_sid,
        "task_channel_unique_name": r.task_channel_unique_name,
        "timeout": r.timeout,
        "workflow_sid": r.workflow_sid,
        "workflow_friendly_name": r.workflow_name,
        "url": url,
        "links": {
            "task_queue": f"{ws}/TaskQueues/{r.task_queue_sid}",
            "workflow": f"{ws}/Workflows/{r.workflow_sid}",
            "workspace": ws,
            "reservations": f"{url}/Reservations",
        },
        "virtual_start_time": iso(r.virtual_start_time),
        "ignore_capacity": r.ignore_capacity,
        "routing_target": r.routing_target,
    }


def reservation(
    r: rec.ReservationRecord, base: str, account: str, *, by_worker: bool
) -> dict[str, Any]:
    ws = ws_url(base, r.workspace_sid)
    parent = f"{ws}/Workers/{r.worker_sid}" if by_worker else f"{ws}/Tasks/{r.task_sid}"
    return {
        **_common(r, account),
        "reservation_status": r.status,
        "task_sid": r.task_sid,
        "worker_name": r.worker_name,
        "worker_sid": r.worker_sid,
        "url": f"{parent}/Reservations/{r.sid}",
        "links": {
            "task": f"{ws}/Tasks/{r.task_sid}",
            "worker": f"{ws}/Workers/{r.worker_sid}",
            "workspace": ws,
        },
    }


def event(r: rec.EventRecord, base: str, account: str) -> dict[str, Any]:
    ws = ws_url(base, r.workspace_sid)
    return {
        "account_sid": account,
        "actor_sid": r.actor_sid,
        "actor_type": r.actor_type,
        "actor_url": base + r.actor_path,
        "description": r.description,
        "event_data": r.event_data,
        "event_date": iso(r.event_date),
        "event_date_ms": round(r.event_date * 1000),
        "event_type": r.event_type,
        "resource_sid": r.resource_sid,
        "resource_type": r.resource_type,
        "resource_url": base + r.resource_path,
        "sid": r.sid,
        "source": "twilio",
        "source_ip_address": "127.0.0.1",
        "url": f"{ws}/Events/{r.sid}",
        "workspace_sid": r.workspace_sid,
    }
