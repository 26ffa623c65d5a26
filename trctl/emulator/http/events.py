"""Operations on Events: list (with Twilio's filters and the Minutes window) and fetch."""

from __future__ import annotations

from typing import Any

from trctl.emulator.http import serializers as ser
from trctl.emulator.http.app import Call, Response
from trctl.emulator.http.common import list_response, one
from trctl.emulator.http.paging import Query

DEFAULT_MINUTES = 15
FILTERS = {
    "EventType": "event_type",
    "TaskSid": "task_sid",
    "WorkerSid": "worker_sid",
    "ReservationSid": "reservation_sid",
    "TaskQueueSid": "task_queue_sid",
    "WorkflowSid": "workflow_sid",
    "Sid": "sid",
}


def list_events(call: Call) -> Response:
    p = call.params
    call.backend.workspace(call.ws)
    where = ["workspace_sid = ?"]
    args: list[Any] = [call.ws]
    for param, column in FILTERS.items():
        if p.raw(param):
            where.append(f"{column} = ?")
            args.append(p.raw(param))
    channel = p.raw("TaskChannel")
    if channel:  # a unique_name or a TC SID; events record the unique_name
        row = call.backend.channel_by_ref(call.ws, channel)
        where.append("task_channel = ?")
        args.append(row["unique_name"] if row is not None else channel)
    start = p.date("StartDate")
    end = p.date("EndDate")
    if start is None:
        minutes = p.int("Minutes", default=DEFAULT_MINUTES, low=1, high=43_200) or DEFAULT_MINUTES
        start = (end if end is not None else call.backend.now()) - minutes * 60
    where.append("event_date >= ?")
    args.append(start)
    if end is not None:
        where.append("event_date <= ?")
        args.append(end)
    return list_response(call, Query("events", where, args), "events", ser.event)


def fetch_event(call: Call) -> Response:
    return one(call, ser.event, call.backend.load("events", call.args["sid"], call.ws))
