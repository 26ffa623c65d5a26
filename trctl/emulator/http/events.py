"""Operations on Events: list (with Twilio's filters and the Minutes window) and fetch."""

from __future__ import annotations

from trctl.emulator.core.queries import EventFilter
from trctl.emulator.http import serializers as ser
from trctl.emulator.http.app import Call, Response
from trctl.emulator.http.common import list_response, one
from trctl.emulator.http.paging import cursor_of

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
    start = p.date("StartDate")
    end = p.date("EndDate")
    if start is None:
        minutes = p.int("Minutes", default=DEFAULT_MINUTES, low=1, high=43_200) or DEFAULT_MINUTES
        start = (end if end is not None else call.core.now()) - minutes * 60
    flt = EventFilter(
        start=start,
        end=end,
        equals={field: p.raw(param) or "" for param, field in FILTERS.items() if p.raw(param)},
        task_channel=p.raw("TaskChannel") or None,
    )
    page = call.core.queries.events(call.ws, flt, cursor_of(p))
    return list_response(call, page, "events", ser.event)


def fetch_event(call: Call) -> Response:
    return one(call, ser.event, call.core.queries.event(call.ws, call.args["sid"]))
