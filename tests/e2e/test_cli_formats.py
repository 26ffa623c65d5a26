"""E2E: every command that prints a record or a list, in table, JSON and CSV."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from typing import Any

import pytest
from cli_support import ok

from trctl.cli.output import to_text

ES_TASK = json.dumps({"selected_language": "es"})

Setup = Callable[[Any, Any, Any, Any], tuple[list[str], str, Any]]


def workspace(sdk, quickstart):
    return sdk.taskrouter.v1.workspaces(quickstart.workspace_sid)


def new_task(sdk, quickstart, attributes: str = ES_TASK) -> str:
    return workspace(sdk, quickstart).tasks.create(attributes=attributes).sid


def reserved_task(sdk, quickstart, emulator) -> str:
    """An es task with a pending reservation for Alice."""
    sid = new_task(sdk, quickstart)
    ws = workspace(sdk, quickstart)
    ws.workers(quickstart.workers["Alice"]).update(activity_sid=quickstart.activities["Idle"])
    emulator.wait_idle()
    return sid


def assigned_task(sdk, quickstart, emulator) -> str:
    sid = reserved_task(sdk, quickstart, emulator)
    reservation = workspace(sdk, quickstart).tasks(sid).reservations.list()[0]
    reservation.update(reservation_status="accepted")
    return sid


def write_workflow_file(tmp_path, quickstart) -> str:
    path = tmp_path / "wf.json"
    target = {"queue": "Customer Care Requests - Spanish"}
    routing = {"filters": [{"expression": "1==1", "targets": [target]}]}
    path.write_text(json.dumps({"task_routing": routing}))
    return str(path)


CASES: dict[str, Setup] = {
    "task show": lambda sdk, q, emu, tmp: (
        ["task", "show", sid := new_task(sdk, q)],
        "sid",
        sid,
    ),
    "task update": lambda sdk, q, emu, tmp: (
        ["task", "update", new_task(sdk, q), "--priority", "3"],
        "priority",
        3,
    ),
    "task cancel": lambda sdk, q, emu, tmp: (
        ["task", "cancel", new_task(sdk, q), "--reason", "gone"],
        "assignment_status",
        "canceled",
    ),
    "task wrap": lambda sdk, q, emu, tmp: (
        ["task", "wrap", assigned_task(sdk, q, emu)],
        "assignment_status",
        "wrapping",
    ),
    "task complete": lambda sdk, q, emu, tmp: (
        ["task", "complete", assigned_task(sdk, q, emu), "--reason", "done"],
        "reason",
        "done",
    ),
    "worker create": lambda sdk, q, emu, tmp: (
        ["worker", "create", "Dora", "--attr", "level=2"],
        "friendly_name",
        "Dora",
    ),
    "worker update": lambda sdk, q, emu, tmp: (
        ["worker", "update", "Bob", "--attr", "level=4"],
        "attributes",
        {"languages": ["en"], "level": 4},
    ),
    "activity create": lambda sdk, q, emu, tmp: (
        ["activity", "create", "Lunch", "--unavailable"],
        "friendly_name",
        "Lunch",
    ),
    "activities list": lambda sdk, q, emu, tmp: (
        ["activities", "list", "--columns", "sid,name"],
        "name",
        "Busy",
    ),
    "queue create": lambda sdk, q, emu, tmp: (
        ["queue", "create", "Gold", "--target-workers", 'tier == "gold"'],
        "target_workers",
        'tier == "gold"',
    ),
    "queue update": lambda sdk, q, emu, tmp: (
        ["queue", "update", "Customer Care Requests - English", "--max-reserved-workers", "3"],
        "max_reserved_workers",
        3,
    ),
    "workflow create": lambda sdk, q, emu, tmp: (
        ["workflow", "create", "Catch-all", "--config", write_workflow_file(tmp, q)],
        "friendly_name",
        "Catch-all",
    ),
    "workflow update": lambda sdk, q, emu, tmp: (
        ["workflow", "update", "Incoming Customer Care Requests", "--timeout", "90"],
        "task_reservation_timeout",
        90,
    ),
    "reservation accept": lambda sdk, q, emu, tmp: (
        ["reservation", "accept", reserved_task(sdk, q, emu)],
        "reservation_status",
        "accepted",
    ),
    "reservation reject": lambda sdk, q, emu, tmp: (
        ["reservation", "reject", reserved_task(sdk, q, emu), "--activity", "Offline"],
        "reservation_status",
        "rejected",
    ),
    "queue show": lambda sdk, q, emu, tmp: (
        ["queue", "show", "customer care requests - spanish"],
        "sid",
        q.queues["Customer Care Requests - Spanish"],
    ),
    "workspace show": lambda sdk, q, emu, tmp: (
        ["workspace", "show", "TaskRouter Quickstart"],
        "sid",
        q.workspace_sid,
    ),
}


def records_of(stdout: str, fmt: str) -> list[dict[str, Any]]:
    if fmt == "json":
        data = json.loads(stdout)
        return data if isinstance(data, list) else [data]
    return list(csv.DictReader(io.StringIO(stdout)))


@pytest.mark.parametrize("fmt", ["table", "json", "csv"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_command_output(case, fmt, cli_env, sdk, quickstart, emulator, tmp_path) -> None:
    args, field, value = CASES[case](sdk, quickstart, emulator, tmp_path)
    stdout = ok(cli_env, *args, "--format", fmt).stdout
    if fmt == "table":
        assert to_text(value) in stdout
        return
    records = records_of(stdout, fmt)
    expected = value if fmt == "json" else to_text(value)
    assert expected in [record[field] for record in records]
