"""E2E: `trctl stats` against the emulator: its counts are what the task and worker lists say,
narrowed to a queue or a worker, in every format."""

from __future__ import annotations

import json
from collections import Counter

import pytest
from cli_support import as_csv, as_json, failed, ok

SPANISH = "Customer Care Requests - Spanish"
ENGLISH = "Customer Care Requests - English"


@pytest.fixture
def busy(emulator, sdk, quickstart) -> dict[str, str]:
    """Alice holds an assigned Spanish task, Bob a reserved English one, 2 Spanish tasks wait
    (the oldest for 30 s) and one English task was canceled."""
    ws = sdk.taskrouter.v1.workspaces(quickstart.workspace_sid)

    def task(language: str) -> str:
        return ws.tasks.create(attributes=json.dumps({"selected_language": language})).sid

    first = task("es")
    ws.workers(quickstart.workers["Alice"]).update(activity_sid=quickstart.activities["Idle"])
    (reservation,) = ws.tasks(first).reservations.list()
    ws.tasks(first).reservations(reservation.sid).update(reservation_status="accepted")
    waiting = task("es")
    emulator.advance(30)
    task("es")
    ws.tasks(task("en")).update(assignment_status="canceled", reason="hung up")
    english = task("en")
    ws.workers(quickstart.workers["Bob"]).update(activity_sid=quickstart.activities["Idle"])
    return {"assigned": first, "waiting": waiting, "reserved": english}


def test_stats_json_counts_what_the_lists_say(cli_env, busy) -> None:
    stats = as_json(cli_env, "stats")
    tasks = as_json(cli_env, "tasks", "list", "--all")
    by_status = Counter(t["assignment_status"] for t in tasks)
    for status in ("pending", "reserved", "assigned", "wrapping"):
        assert stats["tasks"][status] == by_status[status], status
    assert (stats["tasks"]["pending"], stats["tasks"]["reserved"]) == (2, 1)
    assert stats["tasks"]["longest_waiting_task"] == busy["waiting"]
    assert stats["tasks"]["longest_wait"] == 30
    workers = Counter(w["activity_name"] for w in as_json(cli_env, "workers", "list"))
    assert {name: n for name, n in stats["workers"].items() if n} == dict(workers)
    assert stats["workers"]["Busy"] == 1 and stats["workers"]["Reserved"] == 1
    rows = {q["friendly_name"]: q for q in stats["queues"]}
    assert list(rows) == [SPANISH, ENGLISH]
    for name, row in rows.items():
        in_queue = Counter(
            t["assignment_status"] for t in tasks if t["task_queue_friendly_name"] == name
        )
        assert {s: row[s] for s in ("pending", "reserved", "assigned", "wrapping")} == {
            s: in_queue[s] for s in ("pending", "reserved", "assigned", "wrapping")
        }
    assert rows[SPANISH]["longest_wait"] == 30
    assert rows[ENGLISH]["eligible_workers"] == 2 and rows[ENGLISH]["available_workers"] == 0
    cumulative = stats["cumulative"]
    assert cumulative["minutes"] == 15
    assert cumulative["reservations_created"] == 2 and cumulative["reservations_accepted"] == 1
    assert cumulative["tasks_created"] == 5 and cumulative["tasks_canceled"] == 1


def test_stats_narrowed_to_a_queue_or_a_worker(cli_env, busy) -> None:
    spanish = as_json(cli_env, "stats", "--queue", SPANISH)
    assert [q["friendly_name"] for q in spanish["queues"]] == [SPANISH]
    assert (spanish["tasks"]["pending"], spanish["tasks"]["assigned"]) == (2, 1)
    assert spanish["workers"]["Busy"] == 1 and sum(spanish["workers"].values()) == 1  # eligible
    assert spanish["cumulative"]["reservations_accepted"] == 1
    bob = as_json(cli_env, "stats", "--worker", "bob")
    assert bob["workers"] == {"Reserved": 1}
    assert [q["friendly_name"] for q in bob["queues"]] == [ENGLISH]  # the queue Bob serves
    assert bob["tasks"]["reserved"] == 1 and bob["tasks"]["pending"] == 0
    assert bob["cumulative"]["reservations_created"] == 1
    assert bob["cumulative"]["reservations_accepted"] == 0
    both = as_json(cli_env, "stats", "--worker", "Bob", "--queue", SPANISH)
    assert both["queues"] == []  # Bob does not serve the Spanish queue
    line = failed(cli_env, 4, "stats", "--queue", "Spanish queue")
    assert "unknown queue 'Spanish queue'" in line


def test_stats_as_a_table_and_as_csv(cli_env, busy) -> None:
    table = ok(cli_env, "stats", "--minutes", "60").stdout
    assert table.startswith("Tasks:    2 pending · 1 reserved · 1 assigned · 0 wrapping")
    assert f"longest waiting 30s ({busy['waiting']})" in table
    assert "Workers:  Offline 0 · Available 0 · Unavailable 0 · Idle 0 · Busy 1 · Reserved 1" in (
        table
    )
    assert "Last 60 minutes:" in table and "2 created · 1 accepted" in table
    queue_line = next(line for line in table.splitlines() if line.startswith(SPANISH))
    assert queue_line.split()[-7:] == ["2", "0", "1", "0", "30s", "0", "1"]
    rows = as_csv(cli_env, "stats")
    assert {"section": "tasks", "name": "", "field": "pending", "value": "2"} in rows
    assert {"section": "workers", "name": "Busy", "field": "workers", "value": "1"} in rows
    assert {"section": "queues", "name": ENGLISH, "field": "reserved", "value": "1"} in rows


def test_at_80_columns_every_queue_column_and_name_is_whole(cli_env, busy) -> None:
    env = {**cli_env, "COLUMNS": "80", "NO_COLOR": "1"}
    lines = ok(env, "stats", stdout_isatty=True).stdout.splitlines()
    assert max(len(line) for line in lines) <= 80
    assert next(line for line in lines if line.startswith("QUEUE")).split()[-1] == "ELIG"
    spanish = next(line for line in lines if line.startswith(SPANISH + " "))  # not cut with …
    assert spanish.split()[-7:] == ["2", "0", "1", "0", "30s", "0", "1"]


@pytest.mark.parametrize("minutes", ["0", "43201"])
def test_a_window_beyond_30_days_is_refused(cli_env, minutes) -> None:
    assert "--minutes must be between 1 and 43200" in failed(
        cli_env, 2, "stats", "--minutes", minutes
    )
