"""Operations on Tasks and task-scoped Reservations (wire names, filters, ETag/If-Match)."""

from __future__ import annotations

from typing import Any

from trctl.emulator.core.errors import bad_request
from trctl.emulator.core.exprs import compile_expression
from trctl.emulator.core.queries import ReservationFilter, TaskFilter
from trctl.emulator.core.records import ReservationRecord, TaskRecord
from trctl.emulator.core.tasks import MAX_TTL
from trctl.emulator.http import serializers as ser
from trctl.emulator.http.app import Call, Response
from trctl.emulator.http.common import deleted, list_response, one
from trctl.emulator.http.paging import cursor_of
from trctl.emulator.http.workers import (
    list_reservations,
    ordering,
    reservation_response,
    update_reservation,
)

TASK_STATES = ("pending", "reserved", "assigned", "wrapping", "completed", "canceled")
MAX_PRIORITY = 2**31 - 1


def _task_response(call: Call, record: TaskRecord, status: int = 200) -> Response:
    return one(call, ser.task, record, status, etag=str(record.version))


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
    sid = call.core.tasks.create(call.ws, fields)
    return _task_response(call, call.core.queries.task(call.ws, sid), 201)


def fetch_task(call: Call) -> Response:
    return _task_response(call, call.core.queries.task(call.ws, call.args["sid"]))


def update_task(call: Call) -> Response:
    p = call.params
    status = p.choice("AssignmentStatus", TASK_STATES)
    sid = call.core.tasks.update(
        call.ws,
        call.args["sid"],
        _task_fields(call),
        status=status,
        reason=p.str("Reason"),
        if_match=call.if_match(),
    )
    return _task_response(call, call.core.queries.task(call.ws, sid))


def delete_task(call: Call) -> Response:
    call.core.tasks.delete(call.ws, call.args["sid"], call.if_match())
    return deleted()


def list_tasks(call: Call) -> Response:
    p = call.params
    statuses = [s.lower() for s in p.list("AssignmentStatus")]
    bad = [s for s in statuses if s not in TASK_STATES]
    if bad:
        raise bad_request(f"AssignmentStatus {bad[0]!r} is not one of {', '.join(TASK_STATES)}")
    order = ordering(
        p.raw("Ordering"),
        {
            "DateCreated": "date_created",
            "Priority": "priority",
            "VirtualStartTime": "virtual_start_time",
        },
    )
    fields = [field for field, _ in order]
    if "date_created" in fields and "virtual_start_time" in fields:
        raise bad_request("Ordering cannot combine DateCreated and VirtualStartTime")
    for field, descending in order:
        if field == "date_created":  # tasks of one instant: creation order, the same way round
            order = [*order, ("id", descending)]
    expression = p.raw("EvaluateTaskAttributes")
    flt = TaskFilter(
        statuses=statuses,
        workflow_sid=p.raw("WorkflowSid"),
        workflow_name=p.raw("WorkflowName"),
        task_queue_sid=p.raw("TaskQueueSid"),
        task_queue_name=p.raw("TaskQueueName"),
        priority=p.int("Priority", low=0, high=MAX_PRIORITY) if "Priority" in p else None,
        routing_target=p.raw("RoutingTarget"),
        has_addons=p.raw("HasAddons") is not None and bool(p.bool("HasAddons")),
        expression=(
            compile_expression("EvaluateTaskAttributes", expression) if expression else None
        ),
        ordering=order,
    )
    page = call.core.queries.tasks(call.ws, flt, cursor_of(p))
    return list_response(call, page, "tasks", ser.listed(ser.task))


# -- task-scoped reservations -------------------------------------------------------------------
def _task_reservation(call: Call) -> ReservationRecord:
    return call.core.queries.reservation(call.ws, call.args["sid"], task_sid=call.args["task"])


def list_task_reservations(call: Call) -> Response:
    flt = ReservationFilter(task_sid=call.args["task"], worker_sid=call.params.raw("WorkerSid"))
    return list_reservations(call, flt, by_worker=False)


def fetch_task_reservation(call: Call) -> Response:
    return reservation_response(call, _task_reservation(call), by_worker=False)


def update_task_reservation(call: Call) -> Response:
    return update_reservation(call, _task_reservation(call), by_worker=False)
