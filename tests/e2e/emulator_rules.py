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
