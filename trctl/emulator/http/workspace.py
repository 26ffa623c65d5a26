"""Operations on Workspaces, Activities, TaskChannels, TaskQueues and Workflows (wire names)."""

from __future__ import annotations

import dataclasses
from typing import Any

from trctl.emulator.core.errors import bad_request
from trctl.emulator.core.exprs import compile_expression
from trctl.emulator.http import serializers as ser
from trctl.emulator.http.app import Call, Response
from trctl.emulator.http.common import bool_column, deleted, list_response, one, workspace_query
from trctl.emulator.http.paging import Query


def _pick(call: Call, spec: dict[str, str]) -> dict[str, Any]:
    """Present string params, PascalCase wire name -> column."""
    return {
        column: call.params.raw(param) for param, column in spec.items() if param in call.params
    }


# -- workspaces ---------------------------------------------------------------------------------
def _workspace_fields(call: Call) -> dict[str, Any]:
    p = call.params
    fields = _pick(
        call, {"EventCallbackUrl": "event_callback_url", "EventsFilter": "events_filter"}
    )
    if "FriendlyName" in p:
        fields["friendly_name"] = p.str("FriendlyName", required=True, max_len=64)
    if "MultiTaskEnabled" in p:
        fields["multi_task_enabled"] = p.bool("MultiTaskEnabled")
    if "PrioritizeQueueOrder" in p:
        fields["prioritize_queue_order"] = p.choice("PrioritizeQueueOrder", ("FIFO", "LIFO"))
    return fields


def create_workspace(call: Call) -> Response:
    call.params.str("FriendlyName", required=True)
    template = call.params.choice("Template", ("NONE", "FIFO"), "NONE")
    row = call.backend.create_workspace(_workspace_fields(call), template)
    return one(call, ser.workspace, row, 201)


def list_workspaces(call: Call) -> Response:
    where, args = [], []
    if call.params.raw("FriendlyName"):
        where.append("friendly_name = ?")
        args.append(call.params.raw("FriendlyName"))
    return list_response(call, Query("workspaces", where, args), "workspaces", ser.workspace)


def fetch_workspace(call: Call) -> Response:
    return one(call, ser.workspace, call.backend.workspace(call.ws))


def update_workspace(call: Call) -> Response:
    call.backend.workspace(call.ws)
    fields = _workspace_fields(call)
    p = call.params
    if "DefaultActivitySid" in p:
        fields["default_activity_sid"] = p.sid("DefaultActivitySid", "WA")
    if "TimeoutActivitySid" in p:
        fields["timeout_activity_sid"] = p.sid("TimeoutActivitySid", "WA")
    return one(call, ser.workspace, call.backend.update_workspace(call.ws, fields))


def delete_workspace(call: Call) -> Response:
    call.backend.delete_workspace(call.ws)
    return deleted()


# -- activities ---------------------------------------------------------------------------------
def create_activity(call: Call) -> Response:
    name = call.params.str("FriendlyName", required=True, max_len=64)
    available = bool(call.params.bool("Available", False))
    return one(
        call, ser.activity, call.backend.create_activity(call.ws, name or "", available), 201
    )


def list_activities(call: Call) -> Response:
    query = workspace_query(call, "activities", filters={"FriendlyName": "friendly_name"})
    available = bool_column(call, "Available")
    if available is not None:
        query = dataclasses.replace(
            query, where=[*query.where, "available = ?"], args=[*query.args, available]
        )
    return list_response(call, query, "activities", ser.activity)


def fetch_activity(call: Call) -> Response:
    return one(call, ser.activity, call.backend.load("activities", call.args["sid"], call.ws))


def update_activity(call: Call) -> Response:
    name = call.params.str("FriendlyName", max_len=64)
    row = call.backend.update_activity(call.ws, call.args["sid"], name)
    return one(call, ser.activity, row)


def delete_activity(call: Call) -> Response:
    call.backend.delete_activity(call.ws, call.args["sid"])
    return deleted()


# -- task channels ------------------------------------------------------------------------------
def create_task_channel(call: Call) -> Response:
    p = call.params
    row = call.backend.create_task_channel(
        call.ws,
        p.str("FriendlyName", required=True) or "",
        p.str("UniqueName", required=True) or "",
        bool(p.bool("ChannelOptimizedRouting", False)),
    )
    return one(call, ser.task_channel, row, 201)


def list_task_channels(call: Call) -> Response:
    query = workspace_query(call, "task_channels")
    return list_response(call, query, "channels", ser.task_channel)


def fetch_task_channel(call: Call) -> Response:
    call.backend.workspace(call.ws)
    row = call.backend.channel_by_ref(call.ws, call.args["sid"])
    if row is None:
        raise call.backend.missing(call.args["sid"])
    return one(call, ser.task_channel, row)


def update_task_channel(call: Call) -> Response:
    changes = _pick(call, {"FriendlyName": "friendly_name"})
    if "ChannelOptimizedRouting" in call.params:
        changes["channel_optimized_routing"] = call.params.bool("ChannelOptimizedRouting")
    row = call.backend.update_task_channel(call.ws, call.args["sid"], changes)
    return one(call, ser.task_channel, row)


def delete_task_channel(call: Call) -> Response:
    call.backend.delete_task_channel(call.ws, call.args["sid"])
    return deleted()


# -- task queues --------------------------------------------------------------------------------
def _queue_fields(call: Call) -> dict[str, Any]:
    p = call.params
    fields: dict[str, Any] = {}
    if "FriendlyName" in p:
        fields["friendly_name"] = p.str("FriendlyName", required=True, max_len=64)
    if "TargetWorkers" in p:
        fields["target_workers"] = p.str("TargetWorkers") or "1==1"
    if "MaxReservedWorkers" in p:
        fields["max_reserved_workers"] = p.int("MaxReservedWorkers", low=1, high=50)
    if "TaskOrder" in p:
        fields["task_order"] = p.choice("TaskOrder", ("FIFO", "LIFO"))
    for param, column in (
        ("ReservationActivitySid", "reservation_activity_sid"),
        ("AssignmentActivitySid", "assignment_activity_sid"),
    ):
        if param in p:
            fields[column] = p.sid(param, "WA")
    return fields


def create_task_queue(call: Call) -> Response:
    call.params.str("FriendlyName", required=True)
    row = call.backend.create_task_queue(call.ws, _queue_fields(call))
    return one(call, ser.task_queue, row, 201)


def list_task_queues(call: Call) -> Response:
    query = workspace_query(call, "task_queues", filters={"FriendlyName": "friendly_name"})
    attributes = call.params.raw("EvaluateWorkerAttributes")
    worker_sid = call.params.raw("WorkerSid")
    if attributes is not None or worker_sid:
        query = _queues_for_worker(call, query, attributes, worker_sid)
    return list_response(call, query, "task_queues", ser.task_queue)


def _queues_for_worker(
    call: Call, query: Query, attributes: str | None, worker_sid: str | None
) -> Query:
    from trctl.emulator.http.forms import parse_json_object

    if worker_sid:
        worker = call.backend.store.get("workers", worker_sid, call.ws)
        if worker is None:
            raise bad_request(f"WorkerSid {worker_sid} is not a Worker of this workspace")
        context = dict(call.backend.worker_attributes(worker))
        context.setdefault("sid", worker["sid"])
        context.setdefault("friendly_name", worker["friendly_name"])
    else:
        context = parse_json_object("EvaluateWorkerAttributes", attributes or "{}")

    def matches(row: Any) -> bool:
        return bool(compile_expression("TargetWorkers", row["target_workers"]).evaluate(context))

    return dataclasses.replace(query, predicate=matches)


def fetch_task_queue(call: Call) -> Response:
    return one(call, ser.task_queue, call.backend.load("task_queues", call.args["sid"], call.ws))


def update_task_queue(call: Call) -> Response:
    row = call.backend.update_task_queue(call.ws, call.args["sid"], _queue_fields(call))
    return one(call, ser.task_queue, row)


def delete_task_queue(call: Call) -> Response:
    call.backend.delete_task_queue(call.ws, call.args["sid"])
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
    for column in ("assignment_callback_url", "fallback_assignment_callback_url"):
        if fields.get(column) == "":
            fields[column] = None
        elif fields.get(column) and not fields[column].startswith(("http://", "https://")):
            raise bad_request(f"{column} must be an http(s) URL, got {fields[column]!r}")
    if "FriendlyName" in p:
        fields["friendly_name"] = p.str("FriendlyName", required=True, max_len=64)
    if "Configuration" in p:
        fields["configuration"] = p.str("Configuration", required=True)
    if "TaskReservationTimeout" in p:
        fields["task_reservation_timeout"] = p.int("TaskReservationTimeout", low=1, high=86_400)
    return fields


def create_workflow(call: Call) -> Response:
    call.params.str("FriendlyName", required=True)
    call.params.str("Configuration", required=True)
    row = call.backend.create_workflow(call.ws, _workflow_fields(call))
    return one(call, ser.workflow, row, 201)


def list_workflows(call: Call) -> Response:
    query = workspace_query(call, "workflows", filters={"FriendlyName": "friendly_name"})
    return list_response(call, query, "workflows", ser.workflow)


def fetch_workflow(call: Call) -> Response:
    return one(call, ser.workflow, call.backend.load("workflows", call.args["sid"], call.ws))


def update_workflow(call: Call) -> Response:
    re_evaluate = bool(call.params.bool("ReEvaluateTasks", False))
    row = call.backend.update_workflow(
        call.ws, call.args["sid"], _workflow_fields(call), re_evaluate
    )
    return one(call, ser.workflow, row)


def delete_workflow(call: Call) -> Response:
    call.backend.delete_workflow(call.ws, call.args["sid"])
    return deleted()
