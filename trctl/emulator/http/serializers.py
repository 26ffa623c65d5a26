"""Rows to spec-shaped JSON: snake_case fields, Twilio dates, absolute url and links."""

from __future__ import annotations

import json
from typing import Any

from trctl.emulator.core.clock import iso
from trctl.emulator.core.store import Row, Store


class Names:
    """Per-request cache of friendly names looked up by SID (activity, queue, workflow...)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._cache: dict[tuple[str, str], Row | None] = {}
        self.account_sid = store.get_meta("account_sid")

    def row(self, table: str, sid: str | None) -> Row | None:
        if not sid:
            return None
        key = (table, sid)
        if key not in self._cache:
            self._cache[key] = self.store.get(table, sid)
        return self._cache[key]

    def name(self, table: str, sid: str | None, column: str = "friendly_name") -> str | None:
        row = self.row(table, sid)
        return None if row is None else row[column]


def ws_url(base: str, workspace_sid: str) -> str:
    return f"{base}/v1/Workspaces/{workspace_sid}"


def workspace(row: Row, base: str, names: Names) -> dict[str, Any]:
    url = ws_url(base, row["sid"])
    return {
        "account_sid": names.account_sid,
        "date_created": iso(row["date_created"]),
        "date_updated": iso(row["date_updated"]),
        "default_activity_name": names.name("activities", row["default_activity_sid"]),
        "default_activity_sid": row["default_activity_sid"],
        "event_callback_url": row["event_callback_url"],
        "events_filter": row["events_filter"],
        "friendly_name": row["friendly_name"],
        "multi_task_enabled": bool(row["multi_task_enabled"]),
        "sid": row["sid"],
        "timeout_activity_name": names.name("activities", row["timeout_activity_sid"]),
        "timeout_activity_sid": row["timeout_activity_sid"],
        "prioritize_queue_order": row["prioritize_queue_order"],
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


def _common(row: Row, names: Names) -> dict[str, Any]:
    return {
        "account_sid": names.account_sid,
        "date_created": iso(row["date_created"]),
        "date_updated": iso(row["date_updated"]),
        "sid": row["sid"],
        "workspace_sid": row["workspace_sid"],
    }


def activity(row: Row, base: str, names: Names) -> dict[str, Any]:
    ws = ws_url(base, row["workspace_sid"])
    return {
        **_common(row, names),
        "available": bool(row["available"]),
        "friendly_name": row["friendly_name"],
        "url": f"{ws}/Activities/{row['sid']}",
        "links": {"workspace": ws},
    }


def task_channel(row: Row, base: str, names: Names) -> dict[str, Any]:
    ws = ws_url(base, row["workspace_sid"])
    return {
        **_common(row, names),
        "friendly_name": row["friendly_name"],
        "unique_name": row["unique_name"],
        "channel_optimized_routing": bool(row["channel_optimized_routing"]),
        "url": f"{ws}/TaskChannels/{row['sid']}",
        "links": {"workspace": ws},
    }


def worker(row: Row, base: str, names: Names) -> dict[str, Any]:
    ws = ws_url(base, row["workspace_sid"])
    url = f"{ws}/Workers/{row['sid']}"
    return {
        **_common(row, names),
        "activity_name": names.name("activities", row["activity_sid"]),
        "activity_sid": row["activity_sid"],
        "attributes": row["attributes"],
        "available": bool(row["available"]),
        "date_status_changed": iso(row["date_status_changed"]),
        "friendly_name": row["friendly_name"],
        "url": url,
        "links": {
            "channels": f"{url}/Channels",
            "activity": f"{ws}/Activities/{row['activity_sid']}",
            "workspace": ws,
            "statistics": f"{ws}/Workers/Statistics",
            "real_time_statistics": f"{ws}/Workers/RealTimeStatistics",
            "cumulative_statistics": f"{ws}/Workers/CumulativeStatistics",
            "worker_statistics": f"{url}/Statistics",
            "worker_channels": f"{url}/Channels",
            "reservations": f"{url}/Reservations",
        },
    }


def worker_channel(row: Row, base: str, names: Names, assigned: int) -> dict[str, Any]:
    ws = ws_url(base, row["workspace_sid"])
    capacity = int(row["capacity"])
    free = max(capacity - assigned, 0)
    return {
        **_common(row, names),
        "assigned_tasks": assigned,
        "available": bool(row["available"]),
        "available_capacity_percentage": (free * 100 // capacity) if capacity else 0,
        "configured_capacity": capacity,
        "task_channel_sid": row["task_channel_sid"],
        "task_channel_unique_name": names.name(
            "task_channels", row["task_channel_sid"], "unique_name"
        ),
        "worker_sid": row["worker_sid"],
        "url": f"{ws}/Workers/{row['worker_sid']}/Channels/{row['sid']}",
    }


def task_queue(row: Row, base: str, names: Names) -> dict[str, Any]:
    ws = ws_url(base, row["workspace_sid"])
    url = f"{ws}/TaskQueues/{row['sid']}"
    return {
        **_common(row, names),
        "assignment_activity_sid": row["assignment_activity_sid"],
        "assignment_activity_name": names.name("activities", row["assignment_activity_sid"]),
        "friendly_name": row["friendly_name"],
        "max_reserved_workers": int(row["max_reserved_workers"]),
        "reservation_activity_sid": row["reservation_activity_sid"],
        "reservation_activity_name": names.name("activities", row["reservation_activity_sid"]),
        "target_workers": row["target_workers"],
        "task_order": row["task_order"],
        "url": url,
        "links": {
            "assignment_activity": f"{ws}/Activities/{row['assignment_activity_sid']}",
            "reservation_activity": f"{ws}/Activities/{row['reservation_activity_sid']}",
            "workspace": ws,
            "statistics": f"{url}/Statistics",
            "real_time_statistics": f"{url}/RealTimeStatistics",
            "cumulative_statistics": f"{url}/CumulativeStatistics",
            "list_statistics": f"{ws}/TaskQueues/Statistics",
            "bulk_real_time_statistics": f"{ws}/TaskQueues/RealTimeStatistics",
        },
    }


def workflow(row: Row, base: str, names: Names) -> dict[str, Any]:
    ws = ws_url(base, row["workspace_sid"])
    url = f"{ws}/Workflows/{row['sid']}"
    return {
        **_common(row, names),
        "assignment_callback_url": row["assignment_callback_url"],
        "configuration": row["configuration"],
        "document_content_type": "application/json",
        "fallback_assignment_callback_url": row["fallback_assignment_callback_url"],
        "friendly_name": row["friendly_name"],
        "task_reservation_timeout": int(row["task_reservation_timeout"]),
        "url": url,
        "links": {
            "statistics": f"{url}/Statistics",
            "real_time_statistics": f"{url}/RealTimeStatistics",
            "cumulative_statistics": f"{url}/CumulativeStatistics",
        },
    }


def task(row: Row, base: str, names: Names, now: float) -> dict[str, Any]:
    ws = ws_url(base, row["workspace_sid"])
    url = f"{ws}/Tasks/{row['sid']}"
    return {
        **_common(row, names),
        "age": max(int(now - row["date_created"]), 0),
        "assignment_status": row["assignment_status"],
        "attributes": row["attributes"],
        "addons": "{}",
        "task_queue_entered_date": iso(row["queue_entered"]),
        "priority": int(row["priority"]),
        "reason": row["reason"],
        "task_queue_sid": row["task_queue_sid"],
        "task_queue_friendly_name": names.name("task_queues", row["task_queue_sid"]),
        "task_channel_sid": row["task_channel_sid"],
        "task_channel_unique_name": names.name(
            "task_channels", row["task_channel_sid"], "unique_name"
        ),
        "timeout": int(row["timeout"]),
        "workflow_sid": row["workflow_sid"],
        "workflow_friendly_name": names.name("workflows", row["workflow_sid"]),
        "url": url,
        "links": {
            "task_queue": f"{ws}/TaskQueues/{row['task_queue_sid']}",
            "workflow": f"{ws}/Workflows/{row['workflow_sid']}",
            "workspace": ws,
            "reservations": f"{url}/Reservations",
        },
        "virtual_start_time": iso(row["virtual_start_time"]),
        "ignore_capacity": bool(row["ignore_capacity"]),
        "routing_target": row["routing_target"],
    }


def reservation(row: Row, base: str, names: Names, *, by_worker: bool) -> dict[str, Any]:
    ws = ws_url(base, row["workspace_sid"])
    parent = f"{ws}/Workers/{row['worker_sid']}" if by_worker else f"{ws}/Tasks/{row['task_sid']}"
    return {
        **_common(row, names),
        "reservation_status": row["status"],
        "task_sid": row["task_sid"],
        "worker_name": names.name("workers", row["worker_sid"]),
        "worker_sid": row["worker_sid"],
        "url": f"{parent}/Reservations/{row['sid']}",
        "links": {
            "task": f"{ws}/Tasks/{row['task_sid']}",
            "worker": f"{ws}/Workers/{row['worker_sid']}",
            "workspace": ws,
        },
    }


def event(row: Row, base: str, names: Names) -> dict[str, Any]:
    ws = ws_url(base, row["workspace_sid"])
    return {
        "account_sid": names.account_sid,
        "actor_sid": row["actor_sid"],
        "actor_type": row["actor_type"],
        "actor_url": base + row["actor_url"],
        "description": row["description"],
        "event_data": json.loads(row["event_data"]),
        "event_date": iso(row["event_date"]),
        "event_date_ms": round(row["event_date"] * 1000),
        "event_type": row["event_type"],
        "resource_sid": row["resource_sid"],
        "resource_type": row["resource_type"],
        "resource_url": base + row["resource_url"],
        "sid": row["sid"],
        "source": "twilio",
        "source_ip_address": "127.0.0.1",
        "url": f"{ws}/Events/{row['sid']}",
        "workspace_sid": row["workspace_sid"],
    }
