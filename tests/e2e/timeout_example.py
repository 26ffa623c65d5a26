"""The docs' Timeout Evaluation example as a workspace: shared by the fidelity and clock tests."""

from __future__ import annotations

import json
from typing import Any


def timeout_evaluation_workspace(sdk: Any) -> tuple[Any, list[str], str, Any]:
    """The docs' Timeout Evaluation example: targets Q1, Q2, Q3 of 10 s each, reservations time
    out after 5 s; one worker every queue targets, Offline (the timeout activity)."""
    record = sdk.taskrouter.v1.workspaces.create(friendly_name="Timeouts", multi_task_enabled=False)
    ws = sdk.taskrouter.v1.workspaces(record.sid)
    queues = [ws.task_queues.create(friendly_name=f"Q{n}").sid for n in (1, 2, 3)]
    routing = {
        "filters": [
            {
                "filter_friendly_name": "All",
                "expression": "1==1",
                "targets": [{"queue": queue, "timeout": 10} for queue in queues],
            }
        ]
    }
    workflow = ws.workflows.create(
        friendly_name="Flow",
        configuration=json.dumps({"task_routing": routing}),
        task_reservation_timeout=5,
    )
    worker = ws.workers.create(friendly_name="W")
    return ws, queues, workflow.sid, worker
