"""Operations on Workers, WorkerChannels and worker-scoped Reservations (wire names)."""

from __future__ import annotations

from typing import Any

from trctl.emulator.core.errors import bad_request
from trctl.emulator.core.exprs import compile_expression
from trctl.emulator.core.store import Row
from trctl.emulator.http import serializers as ser
from trctl.emulator.http.app import Call, Response, json_response
from trctl.emulator.http.common import bool_column, deleted, list_response, workspace_query
from trctl.emulator.http.paging import Query


def _worker_response(call: Call, row: Row, status: int = 200) -> Response:
    body = ser.worker(row, call.base_url, call.names())
    return json_response(status, body, etag=str(row["version"]))


def _worker_fields(call: Call) -> dict[str, Any]:
    p = call.params
    fields: dict[str, Any] = {}
    if "FriendlyName" in p:
        fields["friendly_name"] = p.str("FriendlyName", required=True, max_len=64)
    if "Attributes" in p:
        fields["attributes"] = p.json_object("Attributes") or "{}"
    if "ActivitySid" in p:
        fields["activity_sid"] = p.sid("ActivitySid", "WA")
    return fields


def create_worker(call: Call) -> Response:
    call.params.str("FriendlyName", required=True)
    return _worker_response(call, call.backend.create_worker(call.ws, _worker_fields(call)), 201)


def fetch_worker(call: Call) -> Response:
    return _worker_response(call, call.backend.load("workers", call.args["sid"], call.ws))


def update_worker(call: Call) -> Response:
    reject = bool(call.params.bool("RejectPendingReservations", False))
    row = call.backend.update_worker(
        call.ws,
        call.args["sid"],
        _worker_fields(call),
        reject_pending=reject,
        if_match=call.if_match(),
    )
    return _worker_response(call, row)


def delete_worker(call: Call) -> Response:
    call.backend.delete_worker(call.ws, call.args["sid"], call.if_match())
    return deleted()


def list_workers(call: Call) -> Response:
    backend = call.backend
    p = call.params
    query = workspace_query(
        call, "workers", filters={"FriendlyName": "friendly_name", "ActivitySid": "activity_sid"}
    )
    where, args = list(query.where), list(query.args)
    if p.raw("ActivityName"):
        where.append(
            "activity_sid IN (SELECT sid FROM activities "
            "WHERE workspace_sid = ? AND friendly_name = ?)"
        )
        args.extend([call.ws, p.raw("ActivityName")])
    available = bool_column(call, "Available")
    if available is not None:
        where.append("available = ?")
        args.append(available)
    predicates = []
    queue = _queue_filter(call)
    if queue is not None:
        queue_expr = compile_expression("TargetWorkers", queue["target_workers"])
        predicates.append(lambda row: bool(queue_expr.evaluate(_context(call, row))))
    if p.raw("TargetWorkersExpression"):
        expr = compile_expression("TargetWorkersExpression", p.raw("TargetWorkersExpression") or "")
        predicates.append(lambda row: bool(expr.evaluate(_context(call, row))))
    order: list[tuple[str, bool]] = []
    if p.raw("Ordering"):
        order = _ordering(p.raw("Ordering") or "", {"DateStatusChanged": "date_status_changed"})
    del backend

    def predicate(row: Row) -> bool:
        return all(check(row) for check in predicates)

    query = Query("workers", where, args, order, predicate if predicates else None)
    return list_response(call, query, "workers", ser.worker)


def _context(call: Call, row: Row) -> dict[str, Any]:
    """Worker attributes plus sid, friendly_name, activity_sid, activity_name (top level)."""
    context = dict(call.backend.worker_attributes(row))
    context["sid"] = row["sid"]
    context["friendly_name"] = row["friendly_name"]
    context["activity_sid"] = row["activity_sid"]
    activity = call.backend.store.get("activities", row["activity_sid"])
    context["activity_name"] = activity["friendly_name"] if activity else None
    return context


def _queue_filter(call: Call) -> Row | None:
    sid = call.params.raw("TaskQueueSid")
    name = call.params.raw("TaskQueueName")
    if not sid and not name:
        return None
    if sid:
        row = call.backend.store.get("task_queues", sid, call.ws)
    else:
        row = call.backend.store.one(
            "SELECT * FROM task_queues WHERE workspace_sid = ? AND friendly_name = ?",
            (call.ws, name),
        )
    if row is None:
        raise bad_request(f"TaskQueue {sid or name} does not exist in this workspace")
    return row


def _ordering(text: str, allowed: dict[str, str]) -> list[tuple[str, bool]]:
    """'Attribute:asc|desc[,...]' -> [(column, descending)]; 400 for anything else."""
    out = []
    for clause in text.split(","):
        name, _, direction = clause.strip().partition(":")
        direction = direction.strip().lower() or "asc"
        if name not in allowed or direction not in ("asc", "desc"):
            raise bad_request(
                f"Ordering clause {clause.strip()!r} is invalid; use "
                f"{'|'.join(allowed)} with :asc or :desc"
            )
        out.append((allowed[name], direction == "desc"))
    return out


# -- worker channels ----------------------------------------------------------------------------
def _channel_body(call: Call, row: Row) -> dict[str, Any]:
    assigned = call.backend.store.scalar(
        "SELECT COUNT(*) FROM reservations WHERE worker_sid = ? AND task_channel_sid = ? "
        "AND status IN ('accepted','wrapping')",
        (row["worker_sid"], row["task_channel_sid"]),
    )
    return ser.worker_channel(row, call.base_url, call.names(), int(assigned or 0))


def list_worker_channels(call: Call) -> Response:
    call.backend.load("workers", call.args["worker"], call.ws)
    query = Query("worker_channels", ["worker_sid = ?"], [call.args["worker"]])
    return list_response(call, query, "channels", lambda row, base, names: _channel_body(call, row))


def fetch_worker_channel(call: Call) -> Response:
    call.backend.load("workers", call.args["worker"], call.ws)
    row = call.backend.worker_channel(call.args["worker"], call.args["sid"])
    return json_response(200, _channel_body(call, row))


def update_worker_channel(call: Call) -> Response:
    p = call.params
    changes: dict[str, Any] = {}
    if "Capacity" in p:
        changes["capacity"] = p.int("Capacity", low=0, high=50)
    if "Available" in p:
        changes["available"] = p.bool("Available")
    row = call.backend.update_worker_channel(
        call.ws, call.args["worker"], call.args["sid"], changes
    )
    return json_response(200, _channel_body(call, row))


# -- reservations (shared by the task- and worker-scoped paths) ---------------------------------
INSTRUCTION_PREFIXES = {"dequeue": "Dequeue", "call": "Call", "redirect": "Redirect"}
RESERVATION_STATES = (
    "pending", "accepted", "rejected", "timeout", "canceled", "rescinded", "wrapping", "completed",
)  # fmt: skip


def reservation_etag(row: Row) -> str:
    return str(round(row["date_updated"] * 1000))


def reservation_response(call: Call, row: Row, *, by_worker: bool) -> Response:
    body = ser.reservation(row, call.base_url, call.names(), by_worker=by_worker)
    return json_response(200, body, etag=reservation_etag(row))


def list_reservations(call: Call, column: str, parent: str, *, by_worker: bool) -> Response:
    where = [f"{column} = ?", "workspace_sid = ?"]
    args: list[Any] = [parent, call.ws]
    status = call.params.raw("ReservationStatus")
    if status:
        call.params.choice("ReservationStatus", RESERVATION_STATES)
        where.append("status = ?")
        args.append(status.lower())
    if not by_worker and call.params.raw("WorkerSid"):
        where.append("worker_sid = ?")
        args.append(call.params.raw("WorkerSid"))
    query = Query("reservations", where, args)
    return list_response(
        call,
        query,
        "reservations",
        lambda row, base, names: ser.reservation(row, base, names, by_worker=by_worker),
    )


def update_reservation(call: Call, row: Row, *, by_worker: bool) -> Response:
    p = call.params
    if_match = call.if_match()
    if if_match is not None and if_match.strip('"') not in ("*", reservation_etag(row)):
        from trctl.emulator.core.errors import precondition_failed

        raise precondition_failed(f"Reservation {row['sid']} has changed (If-Match)")
    status = p.choice("ReservationStatus", RESERVATION_STATES)
    instruction = p.choice(
        "Instruction", ("conference", "dequeue", "call", "redirect", "supervise")
    )
    updated = call.backend.update_reservation(
        row,
        status=status,
        worker_activity_sid=p.sid("WorkerActivitySid", "WA"),
        instruction=instruction,
        instruction_params=_instruction_params(call, instruction),
    )
    return reservation_response(call, updated, by_worker=by_worker)


def _instruction_params(call: Call, instruction: str | None) -> dict[str, str]:
    """The instruction's parameters, snake_case without the Dequeue/Call/Redirect prefix."""
    if not instruction:
        return {}
    from trctl.emulator.core.events import snake

    prefix = INSTRUCTION_PREFIXES.get(instruction, "")
    out: dict[str, str] = {}
    for name, value in call.params.items():
        if name in ("ReservationStatus", "Instruction", "WorkerActivitySid"):
            continue
        if prefix and name.startswith(prefix):
            out[snake(name[len(prefix) :])] = value
        elif not prefix:
            out[snake(name)] = value
    return out


def list_worker_reservations(call: Call) -> Response:
    call.backend.load("workers", call.args["worker"], call.ws)
    return list_reservations(call, "worker_sid", call.args["worker"], by_worker=True)


def _worker_reservation(call: Call) -> Row:
    row = call.backend.store.one(
        "SELECT * FROM reservations WHERE sid = ? AND worker_sid = ? AND workspace_sid = ?",
        (call.args["sid"], call.args["worker"], call.ws),
    )
    if row is None:
        raise call.backend.missing(call.args["sid"])
    return row


def fetch_worker_reservation(call: Call) -> Response:
    return reservation_response(call, _worker_reservation(call), by_worker=True)


def update_worker_reservation(call: Call) -> Response:
    return update_reservation(call, _worker_reservation(call), by_worker=True)
