"""E2E: `trctl watch` against the emulator: one snapshot as JSON or text, the cost of a refresh,
and the full screen on a real 80-column terminal: it draws, refreshes, quits on q or Ctrl-C and
leaves the terminal as it found it."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cli_support import as_json, failed, ok, terminal_variables
from pty_screen import PtyScreen

SPANISH = "Customer Care Requests - Spanish"
TRCTL = str(Path(sys.executable).with_name("trctl"))


def spanish_task(ws: Any) -> str:
    return ws.tasks.create(attributes=json.dumps({"selected_language": "es"})).sid


@pytest.fixture
def alice_busy(emulator, sdk, quickstart) -> str:
    """Alice accepted a Spanish task 7 emulator seconds ago; its SID."""
    ws = sdk.taskrouter.v1.workspaces(quickstart.workspace_sid)
    ws.workers(quickstart.workers["Alice"]).update(activity_sid=quickstart.activities["Idle"])
    task = spanish_task(ws)
    (reservation,) = ws.tasks(task).reservations.list()
    emulator.advance(5)
    ws.tasks(task).reservations(reservation.sid).update(reservation_status="accepted")
    emulator.advance(7)
    return task


def test_once_json_shows_alice_busy_and_the_queues_assigned_count(cli_env, alice_busy) -> None:
    snapshot = as_json(cli_env, "watch", "--once")
    assert set(snapshot) == {"time", "workers", "queues", "events"}
    workers = {w["friendly_name"]: w for w in snapshot["workers"]}
    alice = workers["Alice"]
    assert (alice["activity_name"], alice["available"], alice["in_activity"]) == ("Busy", False, 7)
    assert alice["tasks"] == [
        {
            "task_sid": alice_busy,
            "reservation_sid": alice["tasks"][0]["reservation_sid"],
            "status": "assigned",
            "since": "2026-01-01T00:00:05Z",
            "for": 7,
        }
    ]
    assert workers["Bob"]["activity_name"] == "Offline" and workers["Bob"]["tasks"] == []
    queues = {q["friendly_name"]: q for q in snapshot["queues"]}
    spanish = queues[SPANISH]
    assert (spanish["pending"], spanish["reserved"], spanish["assigned"], spanish["wrapping"]) == (
        0, 0, 1, 0,
    )  # fmt: skip
    stats = {q["sid"]: q for q in as_json(cli_env, "stats")["queues"]}
    assert spanish == stats[spanish["sid"]]  # the same row as `trctl stats`
    kinds = [e["event_type"] for e in snapshot["events"]]
    assert kinds[-2:] == ["reservation.accepted", "worker.activity.update"]  # newest last


def test_once_as_text_fits_80_columns_cut_with_an_ellipsis(cli_env, alice_busy) -> None:
    for args in (["watch", "--once"], ["watch"]):  # piped, watch prints one snapshot too
        text = ok({**cli_env, "COLUMNS": "80"}, *args).stdout
        lines = text.splitlines()
        assert lines[0].startswith("trctl watch · TaskRouter Quickstart · 00:00:12 UTC")
        assert max(len(line) for line in lines) <= 80
        alice = next(line for line in lines if line.startswith("Alice "))
        assert alice.split()[1:5] == ["Busy", "no", "7s", alice_busy[:8] + "…"]
        assert "assigned 7s" in alice
        assert any("WT" in line and "accepted by Alice (WR" in line for line in lines)
        assert any(line.endswith("…") for line in lines)  # long descriptions are cut, not wrapped
        assert "\x1b[" not in text


def test_one_refresh_costs_three_requests_whatever_the_number_of_tasks(
    sdk, quickstart, alice_busy
) -> None:
    from trctl.services.resolve import Resolver
    from trctl.services.watch import Watcher

    resolver = Resolver(sdk, quickstart.workspace_sid)
    watcher = Watcher(resolver)
    watcher.refresh()
    first = resolver.api.requests_made
    assert first == 3 + 1 + 1  # the queues' names, and Alice's reservations (the last
    # minute's reservation events name her); later refreshes look up only whom events name
    ws = sdk.taskrouter.v1.workspaces(quickstart.workspace_sid)
    for _ in range(25):
        spanish_task(ws)
    watcher.refresh()
    assert resolver.api.requests_made - first == 3
    watcher.refresh()
    assert resolver.api.requests_made - first == 6


def test_json_and_csv_need_a_snapshot(cli_env) -> None:
    assert "add --once" in failed(cli_env, 2, "watch", "--json", stdout_isatty=True)
    assert "not CSV" in failed(cli_env, 2, "watch", "--once", "--csv")


@pytest.fixture
def terminal_env(cli_env) -> dict[str, str]:
    return terminal_variables(cli_env)


@pytest.fixture
def watching(terminal_env) -> Iterator[Any]:
    def start(*args: str) -> PtyScreen:
        started.append(PtyScreen([TRCTL, "watch", *args], terminal_env, columns=80, lines=24))
        return started[-1]

    started: list[PtyScreen] = []
    yield start
    for screen in started:
        screen.close()


def rows(text: str) -> list[str]:
    return text.split("\n")


def test_watch_on_a_terminal_draws_refreshes_and_quits_on_q(
    watching, emulator, sdk, quickstart
) -> None:
    screen = watching("--interval", "3600")  # refreshed by keys here, not by time
    drawn = screen.wait_for(lambda text: "Bob" in text and SPANISH[:20] in text)
    assert len(rows(drawn)) == 24 and all(len(row) == 80 for row in rows(drawn))
    assert rows(drawn)[0].startswith("trctl watch · TaskRouter Quickstart · every 3600s")
    alice = next(row for row in rows(drawn) if row.startswith("Alice "))
    assert alice.split()[1:4] == ["Offline", "no", "0s"]
    ws = sdk.taskrouter.v1.workspaces(quickstart.workspace_sid)
    ws.workers(quickstart.workers["Alice"]).update(activity_sid=quickstart.activities["Idle"])
    task = spanish_task(ws)
    emulator.advance(65)
    screen.type(b"r")
    refreshed = screen.wait_for(lambda text: "reserved for Alice" in text)
    alice = next(row for row in rows(refreshed) if row.startswith("Alice "))
    assert alice.split()[1:6] == ["Reserved", "no", "1m", task[:8] + "…", "reserved"]
    bob = next(row for row in rows(refreshed) if row.startswith("Bob "))
    assert bob.split()[1:4] == ["Offline", "no", "1m"]  # the emulator's clock, not ours
    spanish = next(row for row in rows(refreshed) if row.startswith(SPANISH[:20]))
    assert spanish.split()[-7:] == ["0", "1", "0", "0", "0s", "0", "1"]
    assert "Alice Idle -> Reserved" in refreshed
    assert all(len(row) == 80 for row in rows(refreshed))
    screen.type(b"q")
    assert screen.finish() == 0
    assert screen.stty() == screen.settings_before  # cbreak and no-echo undone
    assert b"\x1b[?1049h" in screen.output  # the alternate screen was entered ...
    assert screen.output.rstrip().endswith(b"\x1b[?1049l")  # ... and left, last
    assert b"\x1b[?25h" in screen.output.split(b"\x1b[?1049h")[-1]  # the cursor shown again


def test_watch_refreshes_by_itself_and_leaves_on_ctrl_c(watching, sdk, quickstart) -> None:
    screen = watching("--interval", "0.2")
    screen.wait_for(lambda text: "Alice" in text)
    ws = sdk.taskrouter.v1.workspaces(quickstart.workspace_sid)
    ws.workers(quickstart.workers["Bob"]).update(activity_sid=quickstart.activities["Idle"])
    screen.wait_for(lambda text: "Bob Offline -> Idle" in text)  # no key was pressed
    screen.type(b"\x03")
    assert screen.finish() == 0
    assert screen.stty() == screen.settings_before
    assert screen.output.rstrip().endswith(b"\x1b[?1049l")
    assert b"Traceback" not in screen.output and b"Error" not in screen.output


def test_after_a_burst_an_idle_refresh_reads_no_old_events(
    emulator, sdk, quickstart, alice_busy
) -> None:
    """The cursor moves to TaskRouter's time, not only to the newest event: once the burst is
    over, a refresh does not re-read its last second (pages of 2 would show it)."""
    from trctl.services.resolve import Resolver
    from trctl.services.watch import Watcher

    resolver = Resolver(sdk, quickstart.workspace_sid)
    watcher = Watcher(resolver, page_size=2)
    watcher.refresh()
    ws = sdk.taskrouter.v1.workspaces(quickstart.workspace_sid)
    for _ in range(10):
        spanish_task(ws)  # 40 events in one second
    emulator.advance(5)
    burst = resolver.api.requests_made
    seen = watcher.refresh()
    assert resolver.api.requests_made - burst > 20  # the burst, 2 events a page
    assert [e["event_type"] for e in seen["events"]][-1] == "task-queue.entered"
    idle = resolver.api.requests_made
    watcher.refresh()
    assert resolver.api.requests_made - idle == 3
