"""Made-up but realistic TaskRouter callbacks for `trctl callback send`: the fields of the real
payloads (built by trctl.vocab.callbacks, as the emulator builds them), fresh SIDs, and the
task and worker you describe."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Any

from trctl.vocab import callbacks
from trctl.vocab.events import EVENT_TYPES, resource_type


def made_up_sid(prefix: str) -> str:
    return prefix + secrets.token_hex(16)


def _sid(prefix: str) -> Any:
    """A dataclass field whose default is a fresh SID with this prefix."""
    return field(default_factory=lambda: made_up_sid(prefix))


@dataclass
class Scene:
    """Who and what a sample callback is about; every SID is fresh unless given."""

    account_sid: str = _sid("AC")
    workspace_sid: str = _sid("WS")
    workspace_name: str = "trctl sample workspace"
    workflow_sid: str = _sid("WW")
    workflow_name: str = "trctl sample workflow"
    queue_sid: str = _sid("WQ")
    queue_name: str = "trctl sample queue"
    queue_expression: str = "1==1"
    channel_sid: str = _sid("TC")
    channel_name: str = "default"
    worker_sid: str = _sid("WK")
    worker_name: str = "Alice"
    worker_attributes: str = "{}"
    worker_version: int = 1
    activity_sid: str = _sid("WA")
    activity_name: str = "Available"
    task_sid: str = _sid("WT")
    task_attributes: str = "{}"
    task_priority: int = 0
    task_age: int = 0
    reservation_sid: str = _sid("WR")


def assignment(scene: Scene, now: float) -> dict[str, str]:
    """The assignment callback for the scene's reservation."""
    return callbacks.assignment_callback(
        account_sid=scene.account_sid,
        workspace_sid=scene.workspace_sid,
        workflow_sid=scene.workflow_sid,
        task_queue_sid=scene.queue_sid,
        worker_sid=scene.worker_sid,
        worker_attributes=scene.worker_attributes,
        task_sid=scene.task_sid,
        task_attributes=scene.task_attributes,
        task_age=scene.task_age,
        task_priority=scene.task_priority,
        reservation_sid=scene.reservation_sid,
        now=now,
    )


def event(scene: Scene, event_type: str, now: float) -> dict[str, str]:
    """An event callback of `event_type` about the scene's task, worker or reservation."""
    kind = resource_type(event_type)
    fields: dict[str, str] = {}
    if kind in ("task", "reservation"):
        fields.update(_task(scene, "reserved" if kind == "reservation" else "pending"))
    if kind in ("worker", "reservation") or event_type in ("task.completed", "task.wrapup"):
        fields.update(_worker(scene))
    if kind == "reservation":
        fields["ReservationSid"] = scene.reservation_sid
    fields.update(_extra(scene, event_type))
    sids = {"task": scene.task_sid, "reservation": scene.reservation_sid,
            "worker": scene.worker_sid, "workflow": scene.workflow_sid,
            "taskqueue": scene.queue_sid, "activity": scene.activity_sid,
            "task_channel": scene.channel_sid}  # fmt: skip
    return callbacks.event_callback(
        event_type=event_type,
        account_sid=scene.account_sid,
        workspace_sid=scene.workspace_sid,
        workspace_name=scene.workspace_name,
        description=f"{EVENT_TYPES[event_type]} (a sample sent by trctl callback send)",
        resource_type=kind,
        resource_sid=sids.get(kind, scene.workspace_sid),
        now=now,
        sid=made_up_sid("EV"),
        fields=fields,
    )


def _task(scene: Scene, status: str) -> dict[str, str]:
    return callbacks.task_fields(
        sid=scene.task_sid,
        attributes=scene.task_attributes,
        age=scene.task_age,
        priority=scene.task_priority,
        status=status,
        channel_sid=scene.channel_sid,
        channel_name=scene.channel_name,
        queue=callbacks.queue_fields(scene.queue_sid, scene.queue_name, scene.queue_expression),
        workflow=(scene.workflow_sid, scene.workflow_name),
    )


def _worker(scene: Scene) -> dict[str, str]:
    return callbacks.worker_fields(
        sid=scene.worker_sid,
        name=scene.worker_name,
        attributes=scene.worker_attributes,
        activity_sid=scene.activity_sid,
        activity_name=scene.activity_name,
        version=scene.worker_version,
    )


def _extra(scene: Scene, event_type: str) -> dict[str, str]:
    """The fields only some event types carry (as the real payloads show them)."""
    if event_type == "worker.activity.update":
        return {
            "WorkerPreviousActivitySid": made_up_sid("WA"),
            "WorkerPreviousActivityName": "Offline",
            "WorkerTimeInPreviousActivity": "60",
            "WorkerTimeInPreviousActivityMs": "60000",
        }
    if event_type == "workflow.target-matched":
        return {"WorkflowFilterName": "sample filter", "WorkflowFilterExpression": '["1==1"]'}
    return {}
