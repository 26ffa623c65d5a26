"""Operations on Workers, WorkerChannels and worker-scoped Reservations (wire names)."""

from __future__ import annotations

from typing import Any

from trctl.emulator.core.errors import bad_request
from trctl.emulator.core.exprs import compile_expression
from trctl.emulator.core.keyset import Ordering
from trctl.emulator.core.queries import ReservationFilter, WorkerFilter
from trctl.emulator.core.records import ReservationRecord, WorkerRecord
from trctl.emulator.http import serializers as ser
from trctl.emulator.http.app import Call, Response
from trctl.emulator.http.common import deleted, list_response, one, optional_bool
from trctl.emulator.http.paging import cursor_of
from trctl.vocab.instructions import REST_INSTRUCTIONS, REST_PREFIXES


def _worker_response(call: Call, record: WorkerRecord, status: int = 200) -> Response:
    return one(call, ser.worker, record, status, etag=str(record.version))


def _worker_fields(call: Call) -> dict[str, Any]:
    p = call.params
    fields: dict[str, Any] = {}
    if "FriendlyName" in p:
        fields["friendly_name"] = p.name()
    if "Attributes" in p:
        fields["attributes"] = p.json_object("Attributes") or "{}"
    if "ActivitySid" in p:
        fields["activity_sid"] = p.sid("ActivitySid", "WA")
    return fields


def create_worker(call: Call) -> Response:
    call.params.name()
    sid = call.core.workers.create(call.ws, _worker_fields(call))
    return _worker_response(call, call.core.queries.worker(call.ws, sid), 201)


def fetch_worker(call: Call) -> Response:
    return _worker_response(call, call.core.queries.worker(call.ws, call.args["sid"]))


def update_worker(call: Call) -> Response:
    reject = bool(call.params.bool("RejectPendingReservations", False))
    sid = call.core.workers.update(
        call.ws,
        call.args["sid"],
        _worker_fields(call),
        reject_pending=reject,
        if_match=call.if_match(),
    )
    return _worker_response(call, call.core.queries.worker(call.ws, sid))


def delete_worker(call: Call) -> Response:
    call.core.workers.delete(call.ws, call.args["sid"], call.if_match())
    return deleted()


def list_workers(call: Call) -> Response:
    p = call.params
    expression = p.raw("TargetWorkersExpression")
    flt = WorkerFilter(
        friendly_name=p.raw("FriendlyName"),
        activity_sid=p.raw("ActivitySid"),
        activity_name=p.raw("ActivityName"),
        available=optional_bool(call, "Available"),
        task_queue_sid=p.raw("TaskQueueSid"),
        task_queue_name=p.raw("TaskQueueName"),
        expression=(
            compile_expression("TargetWorkersExpression", expression) if expression else None
        ),
        ordering=ordering(p.raw("Ordering"), {"DateStatusChanged": "date_status_changed"}),
    )
    page = call.core.queries.workers(call.ws, flt, cursor_of(p))
    return list_response(call, page, "workers", ser.listed(ser.worker))


def ordering(text: str | None, allowed: dict[str, str]) -> Ordering:
    """'Attribute:asc|desc[,...]' -> [(field, descending)]; 400 for anything else."""
    if not text:
        return ()
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
def list_worker_channels(call: Call) -> Response:
    page = call.core.queries.worker_channels(call.ws, call.args["worker"], cursor_of(call.params))
    return list_response(call, page, "channels", ser.worker_channel)


def fetch_worker_channel(call: Call) -> Response:
    record = call.core.queries.worker_channel(call.ws, call.args["worker"], call.args["sid"])
    return one(call, ser.worker_channel, record)


def update_worker_channel(call: Call) -> Response:
    p = call.params
    changes: dict[str, Any] = {}
    if "Capacity" in p:
        changes["capacity"] = p.int("Capacity", low=0)  # the most: the core's limit
    if "Available" in p:
        changes["available"] = p.bool("Available")
    sid = call.core.workers.update_channel(call.ws, call.args["worker"], call.args["sid"], changes)
    return one(
        call,
        ser.worker_channel,
        call.core.queries.worker_channel(call.ws, call.args["worker"], sid),
    )


# -- reservations (shared by the task- and worker-scoped paths) ---------------------------------
RESERVATION_STATES = (
    "pending", "accepted", "rejected", "timeout", "canceled", "rescinded", "wrapping", "completed",
)  # fmt: skip


def reservation_etag(record: ReservationRecord) -> str:
    return str(record.version)


def reservation_response(call: Call, record: ReservationRecord, *, by_worker: bool) -> Response:
    def serialize(r: ReservationRecord, base: str, account: str) -> dict[str, Any]:
        return ser.reservation(r, base, account, by_worker=by_worker)

    return one(call, serialize, record, etag=reservation_etag(record))


def list_reservations(call: Call, flt: ReservationFilter, *, by_worker: bool) -> Response:
    status = call.params.raw("ReservationStatus")
    if status:
        call.params.choice("ReservationStatus", RESERVATION_STATES)
        flt = ReservationFilter(flt.task_sid, flt.worker_sid, status.lower())
    page = call.core.queries.reservations(call.ws, flt, cursor_of(call.params))

    def serialize(r: ReservationRecord, base: str, account: str) -> dict[str, Any]:
        return ser.reservation(r, base, account, by_worker=by_worker)

    return list_response(call, page, "reservations", serialize)


def update_reservation(call: Call, record: ReservationRecord, *, by_worker: bool) -> Response:
    p = call.params
    status = p.choice("ReservationStatus", RESERVATION_STATES)
    instruction = p.choice("Instruction", REST_INSTRUCTIONS)
    call.core.reservations.update(
        record.sid,
        status=status,
        worker_activity_sid=p.sid("WorkerActivitySid", "WA"),
        instruction=instruction,
        instruction_params=_instruction_params(call, instruction),
        if_match=call.if_match(),
    )
    updated = call.core.queries.reservation(call.ws, record.sid)
    return reservation_response(call, updated, by_worker=by_worker)


def _instruction_params(call: Call, instruction: str | None) -> dict[str, str]:
    """The instruction's parameters, snake_case without the Dequeue/Call/Redirect prefix."""
    if not instruction:
        return {}
    from trctl.emulator.core.eventcodec import snake

    prefix = REST_PREFIXES.get(instruction, "")
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
    worker = call.args["worker"]
    worker_only = ReservationFilter(worker_sid=worker)
    return list_reservations(call, worker_only, by_worker=True)


def _worker_reservation(call: Call) -> ReservationRecord:
    return call.core.queries.reservation(call.ws, call.args["sid"], worker_sid=call.args["worker"])


def fetch_worker_reservation(call: Call) -> Response:
    return reservation_response(call, _worker_reservation(call), by_worker=True)


def update_worker_reservation(call: Call) -> Response:
    return update_reservation(call, _worker_reservation(call), by_worker=True)
