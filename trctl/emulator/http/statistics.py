"""Statistics operations (workspace, task queues, workers, workflows) in the spec's shapes."""

from __future__ import annotations

import json
from typing import Any

from trctl.documents import loads_json
from trctl.emulator.core.errors import bad_request
from trctl.emulator.core.queries import TaskQueueFilter
from trctl.emulator.core.stats import Stats
from trctl.emulator.http.app import Call, Handler, Response, json_response
from trctl.emulator.http.paging import cursor_of, envelope
from trctl.emulator.http.serializers import ws_url

W = r"/v1/Workspaces/(?P<ws>[A-Za-z0-9]+)"
DEFAULT_MINUTES = 15


def _stats(call: Call) -> Stats:
    return call.core.statistics.scope(call.ws, call.params.raw("TaskChannel"))


def _window(call: Call) -> tuple[float, float]:
    end = call.params.date("EndDate") or call.core.now()
    start = call.params.date("StartDate")
    if start is None:
        minutes = call.params.int("Minutes", default=DEFAULT_MINUTES, low=1, high=43_200)
        start = end - (minutes or DEFAULT_MINUTES) * 60
    if start > end:
        raise bad_request("StartDate must be before EndDate")
    return start, end


def _split(call: Call) -> list[int]:
    text = call.params.raw("SplitByWaitTime")
    if not text:
        return []
    try:
        return [int(part) for part in text.split(",") if part.strip()]
    except ValueError as exc:
        raise bad_request("SplitByWaitTime must be comma-separated seconds, e.g. 5,30") from exc


def _base(call: Call, path: str) -> dict[str, Any]:
    return {
        "account_sid": call.account_sid,
        "workspace_sid": call.ws,
        "url": f"{ws_url(call.base_url, call.ws)}{path}",
    }


# -- workspace ----------------------------------------------------------------------------------
def _ws_realtime(call: Call, stats: Stats) -> dict[str, Any]:
    tasks = stats.tasks()
    for key in ("longest_relative_task_age_in_queue", "longest_relative_task_sid_in_queue"):
        tasks.pop(key)
    activity = stats.activity_statistics()
    return {
        **tasks,
        "activity_statistics": activity,
        "total_workers": sum(a["workers"] for a in activity),
    }


def _ws_cumulative(call: Call, stats: Stats) -> dict[str, Any]:
    data = stats.cumulative(*_window(call), split=_split(call))
    for key in ("tasks_entered", "wait_duration_in_queue_until_accepted"):
        data.pop(key)
    return data


def workspace_realtime(call: Call) -> Response:
    return json_response(
        200, {**_base(call, "/RealTimeStatistics"), **_ws_realtime(call, _stats(call))}
    )


def workspace_cumulative(call: Call) -> Response:
    return json_response(
        200, {**_base(call, "/CumulativeStatistics"), **_ws_cumulative(call, _stats(call))}
    )


def workspace_statistics(call: Call) -> Response:
    stats = _stats(call)
    body = {
        **_base(call, "/Statistics"),
        "realtime": _ws_realtime(call, stats),
        "cumulative": _ws_cumulative(call, stats),
    }
    return json_response(200, body)


# -- task queues --------------------------------------------------------------------------------
def _queue_realtime(stats: Stats, queue: str) -> dict[str, Any]:
    activity, eligible, available = stats.queue_workers(queue)
    return {
        "task_queue_sid": queue,
        **stats.tasks("task_queue_sid", queue),
        "activity_statistics": activity,
        "total_eligible_workers": eligible,
        "total_available_workers": available,
    }


def _queue_cumulative(call: Call, stats: Stats, queue: str) -> dict[str, Any]:
    data = stats.cumulative(*_window(call), "task_queue_sid", queue, _split(call))
    return _as_queue_cumulative(queue, data)


def _as_queue_cumulative(queue: str, data: dict[str, Any]) -> dict[str, Any]:
    for key in ("tasks_created", "tasks_timed_out_in_workflow"):
        data.pop(key)
    return {"task_queue_sid": queue, **data}


def _queue(call: Call) -> str:
    return _stats(call).require("task_queues", call.args["queue"])


def queue_realtime(call: Call) -> Response:
    queue = _queue(call)
    path = f"/TaskQueues/{queue}/RealTimeStatistics"
    return json_response(200, {**_base(call, path), **_queue_realtime(_stats(call), queue)})


def queue_cumulative(call: Call) -> Response:
    queue = _queue(call)
    path = f"/TaskQueues/{queue}/CumulativeStatistics"
    return json_response(200, {**_base(call, path), **_queue_cumulative(call, _stats(call), queue)})


def _queue_statistics(
    call: Call, stats: Stats, queue: str, cumulative: dict[str, Any] | None = None
) -> dict[str, Any]:
    """A queue's Statistics record; `cumulative` when already worked out for a whole page."""
    realtime = _queue_realtime(stats, queue)
    if cumulative is None:
        cumulative = _queue_cumulative(call, stats, queue)
    realtime.pop("task_queue_sid")
    cumulative.pop("task_queue_sid")
    return {"task_queue_sid": queue, "realtime": realtime, "cumulative": cumulative}


def queue_statistics(call: Call) -> Response:
    queue = _queue(call)
    body = {
        **_base(call, f"/TaskQueues/{queue}/Statistics"),
        **_queue_statistics(call, _stats(call), queue),
    }
    return json_response(200, body)


def list_queue_statistics(call: Call) -> Response:
    stats = _stats(call)
    flt = TaskQueueFilter(call.params.raw("FriendlyName"))
    page = call.core.queries.task_queues(call.ws, flt, cursor_of(call.params))
    base = _base(call, "")
    sids = [record.sid for record in page.records]
    cumulative = stats.cumulative_each(*_window(call), "task_queue_sid", sids, _split(call))
    records = [
        {
            "account_sid": base["account_sid"],
            "workspace_sid": call.ws,
            **_queue_statistics(call, stats, sid, _as_queue_cumulative(sid, cumulative[sid])),
        }
        for sid in sids
    ]
    body = envelope(
        call.base_url, call.request.path, call.params, "task_queues_statistics", records, page
    )
    return json_response(200, body)


def bulk_queue_realtime(call: Call) -> Response:
    """POST /TaskQueues/RealTimeStatistics: JSON body, a list of WQ SIDs or {TaskQueueSids}."""
    try:
        body = loads_json(call.request.body or b"[]")
    except UnicodeDecodeError as exc:
        raise bad_request(f"Request body is not UTF-8 ({exc.reason})") from exc
    except json.JSONDecodeError as exc:
        raise bad_request(f"Request body is not valid JSON: {exc.msg}") from exc
    except ValueError as exc:  # nested too deep
        raise bad_request(f"Request body: {exc}") from exc
    sids = (
        body.get("TaskQueueSids", body.get("task_queue_sids")) if isinstance(body, dict) else body
    )
    if not isinstance(sids, list) or not all(isinstance(s, str) for s in sids):
        raise bad_request("Body must be a JSON list of TaskQueue SIDs")
    if len(sids) > 50:
        raise bad_request("At most 50 TaskQueue SIDs per request")
    stats = _stats(call)
    data = []
    for sid in sids:
        if not stats.has_queue(sid):
            raise bad_request(f"TaskQueue {sid} does not exist in this workspace")
        realtime = _queue_realtime(stats, sid)
        for key in ("longest_relative_task_age_in_queue", "longest_relative_task_sid_in_queue"):
            realtime.pop(key)
        data.append(realtime)
    payload = {
        **_base(call, "/TaskQueues/RealTimeStatistics"),
        "task_queue_data": data,
        "task_queue_response_count": len(data),
    }
    return json_response(200, payload)


# -- workers ------------------------------------------------------------------------------------
def _workers_realtime(stats: Stats, workers: set[str] | None = None) -> dict[str, Any]:
    activity = stats.activity_statistics(workers)
    return {"activity_statistics": activity, "total_workers": sum(a["workers"] for a in activity)}


def _workers_cumulative(
    call: Call, stats: Stats, workers: str | set[str] | None = None
) -> dict[str, Any]:
    """Reservation counts and activity durations of one worker, a set of them, or all (None)."""
    start, end = _window(call)
    data = stats.cumulative(start, end, "worker_sid" if workers is not None else None, workers)
    keep = ("start_time", "end_time", *[k for k in data if k.startswith("reservations_")])
    return {
        **{key: data[key] for key in keep},
        "activity_durations": stats.activity_durations(start, end, workers),
    }


def workers_realtime(call: Call) -> Response:
    return json_response(
        200, {**_base(call, "/Workers/RealTimeStatistics"), **_workers_realtime(_stats(call))}
    )


def workers_cumulative(call: Call) -> Response:
    body = {
        **_base(call, "/Workers/CumulativeStatistics"),
        **_workers_cumulative(call, _stats(call)),
    }
    return json_response(200, body)


def workers_statistics(call: Call) -> Response:
    """Only this operation takes TaskQueueSid, TaskQueueName and FriendlyName (the spec)."""
    stats = _stats(call)
    p = call.params
    workers = stats.workers_named(
        p.raw("TaskQueueSid"), p.raw("TaskQueueName"), p.raw("FriendlyName")
    )
    body = {
        **_base(call, "/Workers/Statistics"),
        "realtime": _workers_realtime(stats, workers),
        "cumulative": _workers_cumulative(call, stats, workers),
    }
    return json_response(200, body)


def worker_statistics(call: Call) -> Response:
    stats = _stats(call)
    worker = stats.require("workers", call.args["worker"])
    body = {
        **_base(call, f"/Workers/{worker}/Statistics"),
        "worker_sid": worker,
        "cumulative": _workers_cumulative(call, stats, worker),
    }
    return json_response(200, body)


# -- workflows ----------------------------------------------------------------------------------
def _flow(call: Call) -> str:
    return _stats(call).require("workflows", call.args["flow"])


def _flow_realtime(stats: Stats, flow: str) -> dict[str, Any]:
    tasks = stats.tasks("workflow_sid", flow)
    for key in ("longest_relative_task_age_in_queue", "longest_relative_task_sid_in_queue"):
        tasks.pop(key)
    return {"workflow_sid": flow, **tasks}


def _flow_cumulative(call: Call, stats: Stats, flow: str) -> dict[str, Any]:
    data = stats.cumulative(*_window(call), "workflow_sid", flow, _split(call))
    for key in ("tasks_created", "wait_duration_in_queue_until_accepted"):
        data.pop(key)
    return {"workflow_sid": flow, **data}


def workflow_realtime(call: Call) -> Response:
    flow = _flow(call)
    path = f"/Workflows/{flow}/RealTimeStatistics"
    return json_response(200, {**_base(call, path), **_flow_realtime(_stats(call), flow)})


def workflow_cumulative(call: Call) -> Response:
    flow = _flow(call)
    path = f"/Workflows/{flow}/CumulativeStatistics"
    return json_response(200, {**_base(call, path), **_flow_cumulative(call, _stats(call), flow)})


def workflow_statistics(call: Call) -> Response:
    flow = _flow(call)
    stats = _stats(call)
    realtime = _flow_realtime(stats, flow)
    cumulative = _flow_cumulative(call, stats, flow)
    realtime.pop("workflow_sid")
    cumulative.pop("workflow_sid")
    body = {
        **_base(call, f"/Workflows/{flow}/Statistics"),
        "workflow_sid": flow,
        "realtime": realtime,
        "cumulative": cumulative,
    }
    return json_response(200, body)


Q = r"/TaskQueues/(?P<queue>WQ[0-9a-fA-F]{32})"
F = r"/Workflows/(?P<flow>WW[0-9a-fA-F]{32})"
ROUTES: list[tuple[str, str, Handler]] = [
    ("GET", W + "/Statistics", workspace_statistics),
    ("GET", W + "/RealTimeStatistics", workspace_realtime),
    ("GET", W + "/CumulativeStatistics", workspace_cumulative),
    ("GET", W + "/TaskQueues/Statistics", list_queue_statistics),
    ("POST", W + "/TaskQueues/RealTimeStatistics", bulk_queue_realtime),
    ("GET", W + Q + "/Statistics", queue_statistics),
    ("GET", W + Q + "/RealTimeStatistics", queue_realtime),
    ("GET", W + Q + "/CumulativeStatistics", queue_cumulative),
    ("GET", W + "/Workers/Statistics", workers_statistics),
    ("GET", W + "/Workers/RealTimeStatistics", workers_realtime),
    ("GET", W + "/Workers/CumulativeStatistics", workers_cumulative),
    ("GET", W + r"/Workers/(?P<worker>WK[0-9a-fA-F]{32})/Statistics", worker_statistics),
    ("GET", W + F + "/Statistics", workflow_statistics),
    ("GET", W + F + "/RealTimeStatistics", workflow_realtime),
    ("GET", W + F + "/CumulativeStatistics", workflow_cumulative),
]
