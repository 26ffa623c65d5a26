"""The form fields of TaskRouter's callbacks (assignment and event), built in one place: the
emulator fills them from its store, `trctl callback send` from made-up or fetched resources."""

from __future__ import annotations

from collections.abc import Mapping

# An assignment callback carries exactly these (the real captures in shared/fixtures, plus the
# documented Timestamp), all strings.
ASSIGNMENT_FIELDS = (
    "AccountSid",
    "WorkspaceSid",
    "WorkflowSid",
    "TaskQueueSid",
    "WorkerSid",
    "WorkerAttributes",
    "TaskSid",
    "TaskAttributes",
    "TaskAge",
    "TaskPriority",
    "ReservationSid",
    "Timestamp",
)


def assignment_token(reservation_sid: str) -> str:
    """The I-Twilio-Idempotency-Token of a reservation's assignment callback (our choice)."""
    return f"{reservation_sid}-assignment"


def assignment_callback(
    *,
    account_sid: str,
    workspace_sid: str,
    workflow_sid: str,
    task_queue_sid: str,
    worker_sid: str,
    worker_attributes: str,
    task_sid: str,
    task_attributes: str,
    task_age: float,
    task_priority: int,
    reservation_sid: str,
    now: float,
) -> dict[str, str]:
    """The assignment callback's fields; attributes are JSON text, as TaskRouter sends them."""
    return {
        "AccountSid": account_sid,
        "WorkspaceSid": workspace_sid,
        "WorkflowSid": workflow_sid,
        "TaskQueueSid": task_queue_sid,
        "WorkerSid": worker_sid,
        "WorkerAttributes": worker_attributes,
        "TaskSid": task_sid,
        "TaskAttributes": task_attributes,
        "TaskAge": str(max(int(task_age), 0)),
        "TaskPriority": str(task_priority),
        "ReservationSid": reservation_sid,
        "Timestamp": str(int(now)),
    }


def queue_fields(sid: str, name: str, target_workers: str) -> dict[str, str]:
    """The TaskQueue fields of a task's event."""
    return {"TaskQueueSid": sid, "TaskQueueName": name, "TaskQueueTargetExpression": target_workers}


def task_fields(
    *,
    sid: str,
    attributes: str,
    age: float,
    priority: int,
    status: str,
    channel_sid: str,
    channel_name: str,
    queue: Mapping[str, str] | None = None,
    workflow: tuple[str, str] | None = None,
    reason: str | None = None,
) -> dict[str, str]:
    """The task fields of an event (queue: queue_fields(); workflow: (SID, name)); a canceled
    or completed task's reason as TaskCanceledReason or TaskCompletedReason."""
    fields = {
        "TaskSid": sid,
        "TaskAttributes": attributes,
        "TaskAge": str(max(int(age), 0)),
        "TaskPriority": str(priority),
        "TaskAssignmentStatus": status,
        "TaskChannelSid": channel_sid,
        "TaskChannelUniqueName": channel_name,
        **(queue or {}),
    }
    if workflow is not None:
        fields["WorkflowSid"], fields["WorkflowName"] = workflow
    if reason and status in ("canceled", "completed"):
        fields[f"Task{status.capitalize()}Reason"] = reason
    return fields


def worker_fields(
    *, sid: str, name: str, attributes: str, activity_sid: str, activity_name: str, version: int
) -> dict[str, str]:
    """The worker fields of an event."""
    return {
        "WorkerSid": sid,
        "WorkerName": name,
        "WorkerAttributes": attributes,
        "WorkerActivitySid": activity_sid,
        "WorkerActivityName": activity_name,
        "WorkerVersion": str(version),
    }


def event_callback(
    *,
    event_type: str,
    account_sid: str,
    workspace_sid: str,
    workspace_name: str,
    description: str,
    resource_type: str,
    resource_sid: str,
    now: float,
    sid: str,
    fields: Mapping[str, str],
) -> dict[str, str]:
    """An event callback: the common fields (Timestamp in epoch seconds, TimestampMs, the event's
    Sid) and those of the resources it is about."""
    return {
        "EventType": event_type,
        "AccountSid": account_sid,
        "WorkspaceSid": workspace_sid,
        "WorkspaceName": workspace_name,
        "EventDescription": description,
        "ResourceType": resource_type,
        "ResourceSid": resource_sid,
        "Timestamp": str(int(now)),
        "TimestampMs": str(int(now * 1000)),
        "Sid": sid,
        **fields,
    }


# Twilio's error and warning codes for what TaskRouter meets when it posts a callback, as its
# error pages name them (11200 also stands for a timeout: Twilio files both under it).
CALLBACK_ERRORS: dict[int, tuple[str, str]] = {
    11200: ("error", "HTTP retrieval failure"),
    11205: ("error", "HTTP connection failure"),
    40001: ("warning", "Assignment Instruction response is not valid JSON"),
    40005: ("warning", "Assignment Callback response does not contain 'instruction'"),
    55555: ("error", "Invalid Instruction passed to TaskRouter"),
}
ASSIGNMENT_DEADLINE = 5.0  # seconds TaskRouter waits for an assignment callback's answer
EVENT_DEADLINE = 15.0  # seconds it waits for an event callback's


def callback_error(code: int) -> str:
    """`warning 40001 (Assignment Instruction response is not valid JSON)`."""
    level, title = CALLBACK_ERRORS[code]
    return f"{level} {code} ({title})"
