"""The assignment and event callback parameters: required fields, formats, parsed attributes."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from trctl.callback.signature import FormParams
from trctl.documents import TooDeep, loads_json

SID_FORMAT = "{prefix}[0-9a-fA-F]{{32}}"
INTEGER = re.compile(r"^[0-9]{1,12}$")
# Twilio documents Timestamp without a format; the 2018 captures show epoch seconds (guess: also
# tolerate fractional seconds and ISO 8601, refuse anything else)
TIMESTAMP = re.compile(
    r"^([0-9]{9,13}(\.[0-9]{1,9})?|[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+(Z|[+-][0-9:]+))$"
)

# parameter -> SID prefix, every one required on an assignment callback (quirk Q5 defence)
ASSIGNMENT_SIDS = {
    "AccountSid": "AC",
    "WorkspaceSid": "WS",
    "WorkflowSid": "WW",
    "TaskQueueSid": "WQ",
    "WorkerSid": "WK",
    "TaskSid": "WT",
    "ReservationSid": "WR",
}
ASSIGNMENT_JSON = ("TaskAttributes", "WorkerAttributes")
ASSIGNMENT_INTEGERS = ("TaskAge", "TaskPriority")
EVENT_SIDS = {"AccountSid": "AC", "WorkspaceSid": "WS"}
EVENT_TYPE = re.compile(r"^[a-z][a-z0-9.\-]{0,63}$")
OPTIONAL_SID = re.compile(r"^[A-Z]{2}[0-9a-fA-F]{32}$")


class InvalidCallback(ValueError):
    """A signed request whose parameters are missing or malformed (answered 400)."""


def _single(params: FormParams, name: str) -> str:
    count = params.count(name)
    if count == 0:
        raise InvalidCallback(f"missing {name}")
    if count > 1:
        raise InvalidCallback(f"{name} given {count} times")
    return params[name]


def _sid(params: FormParams, name: str, prefix: str) -> str:
    value = _single(params, name)
    if not re.fullmatch(SID_FORMAT.format(prefix=prefix), value):
        raise InvalidCallback(f"{name} is not a {prefix} SID")
    return value


def _json_object(params: FormParams, name: str) -> dict[str, Any]:
    try:
        value = loads_json(_single(params, name))
    except TooDeep as exc:
        raise InvalidCallback(f"{name}: {exc}") from exc
    except ValueError as exc:
        raise InvalidCallback(f"{name} is not JSON") from exc
    if not isinstance(value, dict):
        raise InvalidCallback(f"{name} is not a JSON object")
    return value


def _integer(params: FormParams, name: str) -> int:
    value = _single(params, name)
    if not INTEGER.match(value):
        raise InvalidCallback(f"{name} is not a non-negative integer")
    return int(value)


def _timestamp(params: FormParams) -> str | None:
    if params.count("Timestamp") == 0:
        return None  # documented but absent from real captures: optional, checked when present
    value = _single(params, "Timestamp")
    if not TIMESTAMP.match(value):
        raise InvalidCallback("Timestamp is neither epoch seconds nor ISO 8601")
    return value


@dataclass
class CallbackRequest:
    """One verified assignment callback, parsed; `notes` lets decide() explain its answer."""

    account_sid: str
    workspace_sid: str
    workflow_sid: str
    task_queue_sid: str
    worker_sid: str
    task_sid: str
    reservation_sid: str
    task_attributes: dict[str, Any]
    worker_attributes: dict[str, Any]
    task_age: int
    task_priority: int
    timestamp: str | None
    params: FormParams
    idempotency_token: str | None = None
    notes: dict[str, str] = field(default_factory=dict)

    def expression_context(self) -> dict[str, Any]:
        """What rules are evaluated against: task.* and worker.* attributes."""
        return {"task": self.task_attributes, "worker": self.worker_attributes}


def parse_assignment(params: FormParams, idempotency_token: str | None = None) -> CallbackRequest:
    """Check every parameter TaskRouter always sends; unknown extra parameters are ignored."""
    sids = {name: _sid(params, name, prefix) for name, prefix in ASSIGNMENT_SIDS.items()}
    attributes = {name: _json_object(params, name) for name in ASSIGNMENT_JSON}
    numbers = {name: _integer(params, name) for name in ASSIGNMENT_INTEGERS}
    return CallbackRequest(
        account_sid=sids["AccountSid"],
        workspace_sid=sids["WorkspaceSid"],
        workflow_sid=sids["WorkflowSid"],
        task_queue_sid=sids["TaskQueueSid"],
        worker_sid=sids["WorkerSid"],
        task_sid=sids["TaskSid"],
        reservation_sid=sids["ReservationSid"],
        task_attributes=attributes["TaskAttributes"],
        worker_attributes=attributes["WorkerAttributes"],
        task_age=numbers["TaskAge"],
        task_priority=numbers["TaskPriority"],
        timestamp=_timestamp(params),
        params=params,
        idempotency_token=idempotency_token,
    )


@dataclass(frozen=True)
class EventCallback:
    """One verified workspace event callback: what the live log shows of it."""

    event_type: str
    resource_type: str
    resource_sid: str
    description: str
    event_sid: str | None


def parse_event(params: FormParams) -> EventCallback:
    """Events carry many type-specific fields; only the common identity fields are required."""
    for name, prefix in EVENT_SIDS.items():
        _sid(params, name, prefix)
    event_type = _single(params, "EventType")
    if not EVENT_TYPE.match(event_type):
        raise InvalidCallback("EventType is malformed")
    resource_sid = params.get("ResourceSid", "")
    if resource_sid and not OPTIONAL_SID.match(resource_sid):
        raise InvalidCallback("ResourceSid is not a SID")
    event_sid = params.get("Sid") or None
    if event_sid and not OPTIONAL_SID.match(event_sid):
        raise InvalidCallback("Sid is not a SID")
    return EventCallback(
        event_type=event_type,
        resource_type=params.get("ResourceType", ""),
        resource_sid=resource_sid,
        description=params.get("EventDescription", ""),
        event_sid=event_sid,
    )
