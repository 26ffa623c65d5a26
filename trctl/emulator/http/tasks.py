"""Operations on Tasks and task-scoped Reservations (wire names, filters, ETag/If-Match)."""

from __future__ import annotations

import json
from typing import Any

from trctl.emulator.core.errors import bad_request
from trctl.emulator.core.exprs import compile_expression
from trctl.emulator.core.store import Row
from trctl.emulator.core.tasks import MAX_TTL
from trctl.emulator.http import serializers as ser
from trctl.emulator.http.app import Call, Response, json_response
from trctl.emulator.http.common import deleted, list_response
from trctl.emulator.http.paging import Query
from trctl.emulator.http.workers import (
    _ordering,
    list_reservations,
    reservation_response,
    update_reservation,
)

TASK_STATES = ("pending", "reserved", "assigned", "wrapping", "completed", "canceled")
MAX_PRIORITY = 2**31 - 1


def _task_response(call: Call, row: Row, status: int = 200) -> Response:
    body = ser.task(row, call.base_url, call.names(), call.backend.now())
    return json_response(status, body, etag=str(row["version"]))


def _task_fields(call: Call) -> dict[str, Any]:
    p = call.params
    fields: dict[str, Any] = {}
    if "Attributes" in p:
        fields["attributes"] = p.json_object("Attributes") or "{}"
    if "Priority" in p:
        fields["priority"] = p.int("Priority", low=0, high=MAX_PRIORITY)
    if "TaskChannel" in p:
        fields["task_channel"] = p.str("TaskChannel", required=True)
    if "VirtualStartTime" in p:
        fields["virtual_start_time"] = p.date("VirtualStartTime")
    return fields


def create_task(call: Call) -> Response:
    p = call.params
    fields = _task_fields(call)
    fields["workflow_sid"] = p.sid("WorkflowSid", "WW")
    fields["task_queue_sid"] = p.sid("TaskQueueSid", "WQ")
    if "Timeout" in p:
        fields["timeout"] = p.int("Timeout", low=1, high=MAX_TTL)
    routing_target = p.str("RoutingTarget")
    if routing_target and routing_target[:2] not in ("WK", "WQ", "WW"):
        raise bad_request("RoutingTarget must be a WK, WQ or WW SID")
    fields["routing_target"] = routing_target or None
    if routing_target and routing_target.startswith("WQ") and not fields["task_queue_sid"]:
        fields["task_queue_sid"] = p.sid("RoutingTarget", "WQ")
    if routing_target and routing_target.startswith("WW") and not fields["workflow_sid"]:
        fields["workflow_sid"] = p.sid("RoutingTarget", "WW")
    if routing_target and routing_target.startswith("WK"):
        p.sid("RoutingTarget", "WK")
        fields["ignore_capacity"] = p.bool("IgnoreCapacity", True)
    elif "IgnoreCapacity" in p:
        raise bad_request("IgnoreCapacity is valid only with a worker RoutingTarget")
    return _task_response(call, call.backend.create_task(call.ws, fields), 201)


def fetch_task(call: Call) -> Response:
    return _task_response(call, call.backend.load("tasks", call.args["sid"], call.ws))


def update_task(call: Call) -> Response:
    p = call.params
    status = p.choice("AssignmentStatus", TASK_STATES)
    row = call.backend.update_task(
        call.ws,
        call.args["sid"],
        _task_fields(call),
        status=status,
        reason=p.str("Reason"),
        if_match=call.if_match(),
    )
    return _task_response(call, row)


def delete_task(call: Call) -> Response:
    call.backend.delete_task(call.ws, call.args["sid"], call.if_match())
    return deleted()


def list_tasks(call: Call) -> Response:
    p = call.params
    call.backend.workspace(call.ws)
    where: list[str] = ["workspace_sid = ?"]
    args: list[Any] = [call.ws]
    statuses = [s.lower() for s in p.list("AssignmentStatus")]
    bad = [s for s in statuses if s not in TASK_STATES]
    if bad:
        raise bad_request(f"AssignmentStatus {bad[0]!r} is not one of {', '.join(TASK_STATES)}")
    if statuses:
        where.append(f"assignment_status IN ({', '.join('?' for _ in statuses)})")
        args.extend(statuses)
    _named(call, where, args, "WorkflowSid", "WorkflowName", "workflows", "workflow_sid")
    _named(call, where, args, "TaskQueueSid", "TaskQueueName", "task_queues", "task_queue_sid")
    if "Priority" in p:
        where.append("priority = ?")
        args.append(p.int("Priority", low=0, high=MAX_PRIORITY))
    if p.raw("RoutingTarget"):
        where.append("routing_target = ?")
        args.append(p.raw("RoutingTarget"))
    if p.raw("HasAddons") is not None and p.bool("HasAddons"):
        where.append("0")  # the emulator never attaches add-ons
    order: list[tuple[str, bool]] = []
    if p.raw("Ordering"):
        order = _ordering(
            p.raw("Ordering") or "",
            {
                "DateCreated": "date_created",
                "Priority": "priority",
                "VirtualStartTime": "virtual_start_time",
            },
        )
        columns = [column for column, _ in order]
        if "date_created" in columns and "virtual_start_time" in columns:
            raise bad_request("Ordering cannot combine DateCreated and VirtualStartTime")
    predicate = None
    if p.raw("EvaluateTaskAttributes"):
        expr = compile_expression("EvaluateTaskAttributes", p.raw("EvaluateTaskAttributes") or "")

        def predicate(row: Row) -> bool:
            return bool(expr.evaluate(json.loads(row["attributes"])))

    query = Query("tasks", where, args, order, predicate)
    now = call.backend.now()
    return list_response(
        call, query, "tasks", lambda row, base, names: ser.task(row, base, names, now)
    )


def _named(
    call: Call,
    where: list[str],
    args: list[Any],
    sid_param: str,
    name_param: str,
    table: str,
    column: str,
) -> None:
    sid = call.params.raw(sid_param)
    name = call.params.raw(name_param)
    if sid:
        where.append(f"{column} = ?")
        args.append(sid)
    if name:
        where.append(
            f"{column} IN (SELECT sid FROM {table} WHERE workspace_sid = ? AND friendly_name = ?)"
        )
        args.extend([call.ws, name])


# -- task-scoped reservations -------------------------------------------------------------------
def _task_reservation(call: Call) -> Row:
    row = call.backend.store.one(
        "SELECT * FROM reservations WHERE sid = ? AND task_sid = ? AND workspace_sid = ?",
        (call.args["sid"], call.args["task"], call.ws),
    )
    if row is None:
        raise call.backend.missing(call.args["sid"])
    return row


def list_task_reservations(call: Call) -> Response:
    call.backend.load("tasks", call.args["task"], call.ws)
    return list_reservations(call, "task_sid", call.args["task"], by_worker=False)


def fetch_task_reservation(call: Call) -> Response:
    return reservation_response(call, _task_reservation(call), by_worker=False)


def update_task_reservation(call: Call) -> Response:
    return update_reservation(call, _task_reservation(call), by_worker=False)
