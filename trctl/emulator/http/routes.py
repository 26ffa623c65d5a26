"""The route table: (method, path pattern) -> operation handler, for every implemented operation."""

from __future__ import annotations

import re

from trctl.emulator.http import events as ev
from trctl.emulator.http import tasks as tk
from trctl.emulator.http import workers as wk
from trctl.emulator.http import workspace as ws
from trctl.emulator.http.app import Handler

SID = r"[A-Za-z0-9_\-]+"
W = rf"/v1/Workspaces/(?P<ws>{SID})"

_TABLE: list[tuple[str, str, Handler]] = [
    ("GET", "/v1/Workspaces", ws.list_workspaces),
    ("POST", "/v1/Workspaces", ws.create_workspace),
    ("GET", W, ws.fetch_workspace),
    ("POST", W, ws.update_workspace),
    ("DELETE", W, ws.delete_workspace),
    ("GET", W + "/Activities", ws.list_activities),
    ("POST", W + "/Activities", ws.create_activity),
    ("GET", W + rf"/Activities/(?P<sid>{SID})", ws.fetch_activity),
    ("POST", W + rf"/Activities/(?P<sid>{SID})", ws.update_activity),
    ("DELETE", W + rf"/Activities/(?P<sid>{SID})", ws.delete_activity),
    ("GET", W + "/TaskChannels", ws.list_task_channels),
    ("POST", W + "/TaskChannels", ws.create_task_channel),
    ("GET", W + rf"/TaskChannels/(?P<sid>{SID})", ws.fetch_task_channel),
    ("POST", W + rf"/TaskChannels/(?P<sid>{SID})", ws.update_task_channel),
    ("DELETE", W + rf"/TaskChannels/(?P<sid>{SID})", ws.delete_task_channel),
    ("GET", W + "/TaskQueues", ws.list_task_queues),
    ("POST", W + "/TaskQueues", ws.create_task_queue),
    ("GET", W + rf"/TaskQueues/(?P<sid>WQ{SID})", ws.fetch_task_queue),
    ("POST", W + rf"/TaskQueues/(?P<sid>WQ{SID})", ws.update_task_queue),
    ("DELETE", W + rf"/TaskQueues/(?P<sid>WQ{SID})", ws.delete_task_queue),
    ("GET", W + "/Workflows", ws.list_workflows),
    ("POST", W + "/Workflows", ws.create_workflow),
    ("GET", W + rf"/Workflows/(?P<sid>WW{SID})", ws.fetch_workflow),
    ("POST", W + rf"/Workflows/(?P<sid>WW{SID})", ws.update_workflow),
    ("DELETE", W + rf"/Workflows/(?P<sid>WW{SID})", ws.delete_workflow),
    ("GET", W + "/Workers", wk.list_workers),
    ("POST", W + "/Workers", wk.create_worker),
    ("GET", W + rf"/Workers/(?P<sid>WK{SID})", wk.fetch_worker),
    ("POST", W + rf"/Workers/(?P<sid>WK{SID})", wk.update_worker),
    ("DELETE", W + rf"/Workers/(?P<sid>WK{SID})", wk.delete_worker),
    ("GET", W + rf"/Workers/(?P<worker>{SID})/Channels", wk.list_worker_channels),
    ("GET", W + rf"/Workers/(?P<worker>{SID})/Channels/(?P<sid>{SID})", wk.fetch_worker_channel),
    ("POST", W + rf"/Workers/(?P<worker>{SID})/Channels/(?P<sid>{SID})", wk.update_worker_channel),
    ("GET", W + rf"/Workers/(?P<worker>{SID})/Reservations", wk.list_worker_reservations),
    (
        "GET",
        W + rf"/Workers/(?P<worker>{SID})/Reservations/(?P<sid>{SID})",
        wk.fetch_worker_reservation,
    ),
    (
        "POST",
        W + rf"/Workers/(?P<worker>{SID})/Reservations/(?P<sid>{SID})",
        wk.update_worker_reservation,
    ),
    ("GET", W + "/Tasks", tk.list_tasks),
    ("POST", W + "/Tasks", tk.create_task),
    ("GET", W + rf"/Tasks/(?P<sid>{SID})", tk.fetch_task),
    ("POST", W + rf"/Tasks/(?P<sid>{SID})", tk.update_task),
    ("DELETE", W + rf"/Tasks/(?P<sid>{SID})", tk.delete_task),
    ("GET", W + rf"/Tasks/(?P<task>{SID})/Reservations", tk.list_task_reservations),
    ("GET", W + rf"/Tasks/(?P<task>{SID})/Reservations/(?P<sid>{SID})", tk.fetch_task_reservation),
    (
        "POST",
        W + rf"/Tasks/(?P<task>{SID})/Reservations/(?P<sid>{SID})",
        tk.update_task_reservation,
    ),
    ("GET", W + "/Events", ev.list_events),
    ("GET", W + rf"/Events/(?P<sid>{SID})", ev.fetch_event),
]


def build_routes(
    extra: list[tuple[str, str, Handler]] | None = None,
) -> list[tuple[str, re.Pattern[str], Handler]]:
    """Compile the table; statistics routes come first so /Workers/Statistics is not a worker."""
    table = [*(extra or []), *_TABLE]
    return [(method, re.compile(pattern), handler) for method, pattern, handler in table]
