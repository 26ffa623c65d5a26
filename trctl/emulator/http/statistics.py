"""Statistics operations (workspace, task queues, workers, workflows) in the spec's shapes."""

from __future__ import annotations

import json
from typing import Any

from trctl.emulator.core.errors import bad_request
from trctl.emulator.core.stats import Stats
from trctl.emulator.http.app import Call, Handler, Response, json_response
from trctl.emulator.http.paging import Page, envelope
from trctl.emulator.http.serializers import ws_url

W = r"/v1/Workspaces/(?P<ws>[A-Za-z0-9]+)"
DEFAULT_MINUTES = 15


def _stats(call: Call) -> Stats:
    call.backend.workspace(call.ws)
    channel = call.params.raw("TaskChannel")
    channel_sid = None
    if channel:
        row = call.backend.channel_by_ref(call.ws, channel)
        if row is None:
            raise bad_request(f"TaskChannel {channel!r} does not exist in this workspace")
        channel_sid = row["sid"]
    return Stats(call.backend.store, call.ws, call.backend.now(), channel_sid)


def _window(call: Call) -> tuple[float, float]:
    end = call.params.date("EndDate") or call.backend.now()
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
        "account_sid": call.backend.store.get_meta("account_sid"),
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
def _queue_realtime(call: Call, stats: Stats, queue: Any) -> dict[str, Any]:
    members = {view.sid for view in call.backend.member_views(queue)}
    activity = stats.activity_statistics(members)
    available = {
        row["sid"]
        for row in call.backend.store.all(
            "SELECT sid FROM workers WHERE workspace_sid = ? AND available = 1", (call.ws,)
        )
    }
    return {
        "task_queue_sid": queue["sid"],
        **stats.tasks("task_queue_sid", queue["sid"]),
        "activity_statistics": activity,
        "total_eligible_workers": len(members),
        "total_available_workers": len(members & available),
    }


def _queue_cumulative(call: Call, stats: Stats, queue: Any) -> dict[str, Any]:
    data = stats.cumulative(*_window(call), "task_queue_sid", queue["sid"], _split(call))
    for key in ("tasks_created", "tasks_timed_out_in_workflow"):
        data.pop(key)
    return {"task_queue_sid": queue["sid"], **data}


def _queue(call: Call) -> Any:
    return call.backend.load("task_queues", call.args["queue"], call.ws)


def queue_realtime(call: Call) -> Response:
    queue = _queue(call)
    path = f"/TaskQueues/{queue['sid']}/RealTimeStatistics"
    return json_response(200, {**_base(call, path), **_queue_realtime(call, _stats(call), queue)})


def queue_cumulative(call: Call) -> Response:
    queue = _queue(call)
    path = f"/TaskQueues/{queue['sid']}/CumulativeStatistics"
    return json_response(200, {**_base(call, path), **_queue_cumulative(call, _stats(call), queue)})


def _queue_statistics(call: Call, stats: Stats, queue: Any) -> dict[str, Any]:
    realtime = _queue_realtime(call, stats, queue)
    cumulative = _queue_cumulative(call, stats, queue)
    realtime.pop("task_queue_sid")
    cumulative.pop("task_queue_sid")
    return {"task_queue_sid": queue["sid"], "realtime": realtime, "cumulative": cumulative}


def queue_statistics(call: Call) -> Response:
    queue = _queue(call)
    body = {
        **_base(call, f"/TaskQueues/{queue['sid']}/Statistics"),
        **_queue_statistics(call, _stats(call), queue),
    }
    return json_response(200, body)


def list_queue_statistics(call: Call) -> Response:
    from trctl.emulator.http.paging import Query, fetch_page

    stats = _stats(call)
    where, args = ["workspace_sid = ?"], [call.ws]
    if call.params.raw("FriendlyName"):
        where.append("friendly_name = ?")
        args.append(call.params.raw("FriendlyName"))
    page: Page = fetch_page(call.backend.store, Query("task_queues", where, args), call.params)
    base = _base(call, "")
    records = [
        {
            "account_sid": base["account_sid"],
            "workspace_sid": call.ws,
            **_queue_statistics(call, stats, row),
        }
        for row in page.rows
    ]
    body = envelope(
        call.base_url, call.request.path, call.params, "task_queues_statistics", records, page
    )
    return json_response(200, body)


def bulk_queue_realtime(call: Call) -> Response:
    """POST /TaskQueues/RealTimeStatistics: JSON body, a list of WQ SIDs or {TaskQueueSids}."""
    try:
        body = json.loads(call.request.body or b"[]")
    except json.JSONDecodeError as exc:
        raise bad_request(f"Request body is not valid JSON: {exc.msg}") from exc
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
        queue = call.backend.store.get("task_queues", sid, call.ws)
        if queue is None:
            raise bad_request(f"TaskQueue {sid} does not exist in this workspace")
        realtime = _queue_realtime(call, stats, queue)
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
def _workers_realtime(stats: Stats) -> dict[str, Any]:
    activity = stats.activity_statistics()
    return {"activity_statistics": activity, "total_workers": sum(a["workers"] for a in activity)}


def _workers_cumulative(call: Call, stats: Stats, worker_sid: str | None = None) -> dict[str, Any]:
    start, end = _window(call)
    data = stats.cumulative(start, end, "worker_sid" if worker_sid else None, worker_sid)
    keep = ("start_time", "end_time", *[k for k in data if k.startswith("reservations_")])
    return {
        **{key: data[key] for key in keep},
        "activity_durations": stats.activity_durations(start, end, worker_sid),
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
    stats = _stats(call)
    body = {
        **_base(call, "/Workers/Statistics"),
        "realtime": _workers_realtime(stats),
        "cumulative": _workers_cumulative(call, stats),
    }
    return json_response(200, body)


def worker_statistics(call: Call) -> Response:
    worker = call.backend.load("workers", call.args["worker"], call.ws)
    body = {
        **_base(call, f"/Workers/{worker['sid']}/Statistics"),
        "worker_sid": worker["sid"],
        "cumulative": _workers_cumulative(call, _stats(call), worker["sid"]),
    }
    return json_response(200, body)


# -- workflows ----------------------------------------------------------------------------------
def _flow(call: Call) -> Any:
    return call.backend.load("workflows", call.args["flow"], call.ws)


def _flow_realtime(stats: Stats, flow: Any) -> dict[str, Any]:
    tasks = stats.tasks("workflow_sid", flow["sid"])
    for key in ("longest_relative_task_age_in_queue", "longest_relative_task_sid_in_queue"):
        tasks.pop(key)
    return {"workflow_sid": flow["sid"], **tasks}


def _flow_cumulative(call: Call, stats: Stats, flow: Any) -> dict[str, Any]:
    data = stats.cumulative(*_window(call), "workflow_sid", flow["sid"], _split(call))
    for key in ("tasks_created", "wait_duration_in_queue_until_accepted"):
        data.pop(key)
    return {"workflow_sid": flow["sid"], **data}


def workflow_realtime(call: Call) -> Response:
    flow = _flow(call)
    path = f"/Workflows/{flow['sid']}/RealTimeStatistics"
    return json_response(200, {**_base(call, path), **_flow_realtime(_stats(call), flow)})


def workflow_cumulative(call: Call) -> Response:
    flow = _flow(call)
    path = f"/Workflows/{flow['sid']}/CumulativeStatistics"
    return json_response(200, {**_base(call, path), **_flow_cumulative(call, _stats(call), flow)})


def workflow_statistics(call: Call) -> Response:
    flow = _flow(call)
    stats = _stats(call)
    realtime = _flow_realtime(stats, flow)
    cumulative = _flow_cumulative(call, stats, flow)
    realtime.pop("workflow_sid")
    cumulative.pop("workflow_sid")
    body = {
        **_base(call, f"/Workflows/{flow['sid']}/Statistics"),
        "workflow_sid": flow["sid"],
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
