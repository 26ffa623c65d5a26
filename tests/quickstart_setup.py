"""Builds the TaskRouter quickstart workspace through the official twilio SDK (tests, scripts)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

WORKSPACE_NAME = "TaskRouter Quickstart"
WORKFLOW_NAME = "Incoming Customer Care Requests"
SPANISH_QUEUE = "Customer Care Requests - Spanish"
ENGLISH_QUEUE = "Customer Care Requests - English"


def make_sdk(emu: Any) -> Any:
    """A twilio Client pointed at an emulator (anything with account_sid, auth_token, url)."""
    from twilio.rest import Client

    client = Client(emu.account_sid, emu.auth_token)
    client.taskrouter.base_url = emu.url
    return client


@dataclass
class Quickstart:
    """SIDs of the quickstart resources, by friendly name."""

    workspace_sid: str
    workflow_sid: str
    activities: dict[str, str] = field(default_factory=dict)
    workers: dict[str, str] = field(default_factory=dict)
    queues: dict[str, str] = field(default_factory=dict)


def build_quickstart(
    client: Any,
    *,
    assignment_callback_url: str | None = None,
    fallback_url: str | None = None,
    reservation_timeout: int = 1200,
    multi_task_enabled: bool = False,
) -> Quickstart:
    """Create the quickstart workspace (Part 1 of Twilio's TaskRouter quickstart)."""
    taskrouter = client.taskrouter.v1
    workspace = taskrouter.workspaces.create(
        friendly_name=WORKSPACE_NAME, multi_task_enabled=multi_task_enabled
    )
    ws = taskrouter.workspaces(workspace.sid)
    activities = {a.friendly_name: a.sid for a in ws.activities.list()}
    for name, available in (("Idle", True), ("Busy", False), ("Reserved", False)):
        activities[name] = ws.activities.create(friendly_name=name, available=available).sid
    workers = {
        "Alice": ws.workers.create(
            friendly_name="Alice",
            attributes=json.dumps({"languages": ["en", "es"]}),
            activity_sid=activities["Offline"],
        ).sid,
        "Bob": ws.workers.create(
            friendly_name="Bob",
            attributes=json.dumps({"languages": ["en"]}),
            activity_sid=activities["Offline"],
        ).sid,
    }
    queues = {}
    for name, language in ((SPANISH_QUEUE, "es"), (ENGLISH_QUEUE, "en")):
        queues[name] = ws.task_queues.create(
            friendly_name=name,
            target_workers=f'languages HAS "{language}"',
            reservation_activity_sid=activities["Reserved"],
            assignment_activity_sid=activities["Busy"],
        ).sid
    configuration = {
        "task_routing": {
            "filters": [
                {
                    "filter_friendly_name": "Spanish",
                    "expression": 'selected_language == "es"',
                    "targets": [{"queue": queues[SPANISH_QUEUE]}],
                },
                {
                    "filter_friendly_name": "English",
                    "expression": 'selected_language == "en"',
                    "targets": [{"queue": queues[ENGLISH_QUEUE]}],
                },
            ]
        }
    }
    extra: dict[str, Any] = {}
    if assignment_callback_url:
        extra["assignment_callback_url"] = assignment_callback_url
    if fallback_url:
        extra["fallback_assignment_callback_url"] = fallback_url
    workflow = ws.workflows.create(
        friendly_name=WORKFLOW_NAME,
        configuration=json.dumps(configuration),
        task_reservation_timeout=reservation_timeout,
        **extra,
    )
    return Quickstart(workspace.sid, workflow.sid, activities, workers, queues)
