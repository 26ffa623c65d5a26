"""Operations on Workspaces, Activities, TaskChannels, TaskQueues and Workflows (wire names)."""

from __future__ import annotations

from typing import Any

from trctl.emulator.core.errors import bad_request
from trctl.emulator.core.queries import ActivityFilter, NameFilter, TaskQueueFilter
from trctl.emulator.core.workspaces import TEMPLATES
from trctl.emulator.http import serializers as ser
from trctl.emulator.http.app import Call, Response
from trctl.emulator.http.common import deleted, list_response, one, optional_bool
from trctl.emulator.http.forms import parse_json_object
from trctl.emulator.http.paging import cursor_of


def _pick(call: Call, spec: dict[str, str]) -> dict[str, Any]:
    """Present string params, PascalCase wire name -> field."""
    return {field: call.params.raw(param) for param, field in spec.items() if param in call.params}


def _names(call: Call) -> NameFilter:
    return NameFilter(call.params.raw("FriendlyName"))


# -- workspaces ---------------------------------------------------------------------------------
def _workspace_fields(call: Call) -> dict[str, Any]:
    p = call.params
    fields = _pick(
        call, {"EventCallbackUrl": "event_callback_url", "EventsFilter": "events_filter"}
    )
    if "FriendlyName" in p:
        fields["friendly_name"] = p.name()
    if "MultiTaskEnabled" in p:
        fields["multi_task_enabled"] = p.bool("MultiTaskEnabled")
    if "PrioritizeQueueOrder" in p:
        fields["prioritize_queue_order"] = p.choice("PrioritizeQueueOrder", ("FIFO", "LIFO"))
    return fields


def create_workspace(call: Call) -> Response:
    call.params.name()
    template = call.params.choice("Template", TEMPLATES, "NONE")
    sid = call.core.workspaces.create(_workspace_fields(call), template)
    return one(call, ser.workspace, call.core.queries.workspace(sid), 201)


def list_workspaces(call: Call) -> Response:
    page = call.core.queries.workspaces(_names(call), cursor_of(call.params))
    return list_response(call, page, "workspaces", ser.workspace)


def fetch_workspace(call: Call) -> Response:
    return one(call, ser.workspace, call.core.queries.workspace(call.ws))


def update_workspace(call: Call) -> Response:
    call.core.queries.workspace(call.ws)
    fields = _workspace_fields(call)
    p = call.params
    if "DefaultActivitySid" in p:
        fields["default_activity_sid"] = p.sid("DefaultActivitySid", "WA")
    if "TimeoutActivitySid" in p:
        fields["timeout_activity_sid"] = p.sid("TimeoutActivitySid", "WA")
    call.core.workspaces.update(call.ws, fields)
    return one(call, ser.workspace, call.core.queries.workspace(call.ws))


def delete_workspace(call: Call) -> Response:
    call.core.workspaces.delete(call.ws)
    return deleted()


# -- activities ---------------------------------------------------------------------------------
def create_activity(call: Call) -> Response:
    name = call.params.name()
    available = bool(call.params.bool("Available", False))
    sid = call.core.activities.create(call.ws, name or "", available)
    return one(call, ser.activity, call.core.queries.activity(call.ws, sid), 201)


def list_activities(call: Call) -> Response:
    flt = ActivityFilter(call.params.raw("FriendlyName"), optional_bool(call, "Available"))
    page = call.core.queries.activities(call.ws, flt, cursor_of(call.params))
    return list_response(call, page, "activities", ser.activity)


def fetch_activity(call: Call) -> Response:
    return one(call, ser.activity, call.core.queries.activity(call.ws, call.args["sid"]))


def update_activity(call: Call) -> Response:
    name = call.params.name(required=False)
    sid = call.core.activities.update(call.ws, call.args["sid"], name)
    return one(call, ser.activity, call.core.queries.activity(call.ws, sid))


def delete_activity(call: Call) -> Response:
    call.core.activities.delete(call.ws, call.args["sid"])
    return deleted()


# -- task channels ------------------------------------------------------------------------------
def create_task_channel(call: Call) -> Response:
    p = call.params
    sid = call.core.channels.create(
        call.ws,
        p.name() or "",
        p.name("UniqueName") or "",
        bool(p.bool("ChannelOptimizedRouting", False)),
    )
    return one(call, ser.task_channel, call.core.queries.task_channel(call.ws, sid), 201)


def list_task_channels(call: Call) -> Response:
    page = call.core.queries.task_channels(call.ws, cursor_of(call.params))
    return list_response(call, page, "channels", ser.task_channel)


def fetch_task_channel(call: Call) -> Response:
    return one(call, ser.task_channel, call.core.queries.task_channel(call.ws, call.args["sid"]))


def update_task_channel(call: Call) -> Response:
    changes: dict[str, Any] = {}
    if "FriendlyName" in call.params:
        changes["friendly_name"] = call.params.name()
    if "ChannelOptimizedRouting" in call.params:
        changes["channel_optimized_routing"] = call.params.bool("ChannelOptimizedRouting")
    sid = call.core.channels.update(call.ws, call.args["sid"], changes)
    return one(call, ser.task_channel, call.core.queries.task_channel(call.ws, sid))


def delete_task_channel(call: Call) -> Response:
    call.core.channels.delete(call.ws, call.args["sid"])
    return deleted()


# -- task queues --------------------------------------------------------------------------------
def _queue_fields(call: Call) -> dict[str, Any]:
    p = call.params
    fields: dict[str, Any] = {}
    if "FriendlyName" in p:
        fields["friendly_name"] = p.name()
    if "TargetWorkers" in p:
        fields["target_workers"] = p.str("TargetWorkers") or "1==1"
    if "MaxReservedWorkers" in p:
        fields["max_reserved_workers"] = p.int("MaxReservedWorkers", low=1, high=50)
    if "TaskOrder" in p:
        fields["task_order"] = p.choice("TaskOrder", ("FIFO", "LIFO"))
    for param, field in (
        ("ReservationActivitySid", "reservation_activity_sid"),
        ("AssignmentActivitySid", "assignment_activity_sid"),
    ):
        if param in p:
            fields[field] = p.sid(param, "WA")
    return fields


def create_task_queue(call: Call) -> Response:
    call.params.name()
    sid = call.core.queues.create(call.ws, _queue_fields(call))
    return one(call, ser.task_queue, call.core.queries.task_queue(call.ws, sid), 201)


def list_task_queues(call: Call) -> Response:
    attributes = call.params.raw("EvaluateWorkerAttributes")
    flt = TaskQueueFilter(
        friendly_name=call.params.raw("FriendlyName"),
        worker_sid=call.params.raw("WorkerSid") or None,
        worker_attributes=(
            parse_json_object("EvaluateWorkerAttributes", attributes or "{}")
            if attributes is not None
            else None
        ),
    )
    page = call.core.queries.task_queues(call.ws, flt, cursor_of(call.params))
    return list_response(call, page, "task_queues", ser.task_queue)


def fetch_task_queue(call: Call) -> Response:
    return one(call, ser.task_queue, call.core.queries.task_queue(call.ws, call.args["sid"]))


def update_task_queue(call: Call) -> Response:
    sid = call.core.queues.update(call.ws, call.args["sid"], _queue_fields(call))
    return one(call, ser.task_queue, call.core.queries.task_queue(call.ws, sid))


def delete_task_queue(call: Call) -> Response:
    call.core.queues.delete(call.ws, call.args["sid"])
    return deleted()


# -- workflows ----------------------------------------------------------------------------------
def _workflow_fields(call: Call) -> dict[str, Any]:
    p = call.params
    fields = _pick(
        call,
        {
            "AssignmentCallbackUrl": "assignment_callback_url",
            "FallbackAssignmentCallbackUrl": "fallback_assignment_callback_url",
        },
    )
    for field in ("assignment_callback_url", "fallback_assignment_callback_url"):
        if fields.get(field) == "":
            fields[field] = None
        elif fields.get(field) and not fields[field].startswith(("http://", "https://")):
            raise bad_request(f"{field} must be an http(s) URL, got {fields[field]!r}")
    if "FriendlyName" in p:
        fields["friendly_name"] = p.name()
    if "Configuration" in p:
        fields["configuration"] = p.str("Configuration", required=True)
    if "TaskReservationTimeout" in p:
        fields["task_reservation_timeout"] = p.int("TaskReservationTimeout", low=1, high=86_400)
    return fields


def create_workflow(call: Call) -> Response:
    call.params.name()
    call.params.str("Configuration", required=True)
    sid = call.core.workflows.create(call.ws, _workflow_fields(call))
    return one(call, ser.workflow, call.core.queries.workflow(call.ws, sid), 201)


def list_workflows(call: Call) -> Response:
    page = call.core.queries.workflows(call.ws, _names(call), cursor_of(call.params))
    return list_response(call, page, "workflows", ser.workflow)


def fetch_workflow(call: Call) -> Response:
    return one(call, ser.workflow, call.core.queries.workflow(call.ws, call.args["sid"]))


def update_workflow(call: Call) -> Response:
    re_evaluate = bool(call.params.bool("ReEvaluateTasks", False))
    sid = call.core.workflows.update(call.ws, call.args["sid"], _workflow_fields(call), re_evaluate)
    return one(call, ser.workflow, call.core.queries.workflow(call.ws, sid))


def delete_workflow(call: Call) -> Response:
    call.core.workflows.delete(call.ws, call.args["sid"])
    return deleted()
