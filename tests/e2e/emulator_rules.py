"""Workspaces and workflows for the emulator's routing-rule tests, built through the SDK."""

from __future__ import annotations

import json
from typing import Any


def workspace(sdk: Any, *, multi: bool = False, name: str = "Rules") -> tuple[Any, dict[str, str]]:
    """A new workspace (its SDK context) and its activities' SIDs by name."""
    ws_record = sdk.taskrouter.v1.workspaces.create(friendly_name=name, multi_task_enabled=multi)
    ws = sdk.taskrouter.v1.workspaces(ws_record.sid)
    activities = {a.friendly_name: a.sid for a in ws.activities.list()}
    return ws, activities


def flow(ws: Any, routing: dict[str, Any], **kwargs: Any) -> str:
    """A workflow with this task_routing; returns its SID."""
    return ws.workflows.create(
        friendly_name="Flow", configuration=json.dumps({"task_routing": routing}), **kwargs
    ).sid


def held_by(ws: Any, worker_sid: str, status: str = "pending") -> list[str]:
    """The task SIDs of the worker's reservations in this status."""
    return [r.task_sid for r in ws.workers(worker_sid).reservations.list(reservation_status=status)]


def one_target(
    sdk: Any, target: dict[str, Any], *, multi: bool = False, **queue: Any
) -> tuple[Any, str, dict[str, str], str]:
    """A workspace (multitasking if `multi`) whose one filter (1==1) sends every task to queue Q
    through `target` (its rules: expression, known_worker_*, ...). Returns the workspace, the
    workflow, the activities and the queue."""
    ws, activities = workspace(sdk, multi=multi)
    queue_sid = ws.task_queues.create(friendly_name="Q", **queue).sid
    routing = {
        "filters": [
            {"filter_friendly_name": "All", "expression": "1==1",
             "targets": [{"queue": queue_sid, **target}]}
        ]
    }  # fmt: skip
    return ws, flow(ws, routing), activities, queue_sid
