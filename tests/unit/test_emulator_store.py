"""Store, clock and SID basics: WAL on files, rollback, reset keeps credentials, formats."""

from __future__ import annotations

from pathlib import Path

import pytest

from trctl.emulator.core.clock import FakeClock, iso, parse_iso
from trctl.emulator.core.ids import SequentialSids, looks_like, random_sid
from trctl.emulator.core.store import Store


def test_file_store_uses_wal_and_keeps_credentials_across_reset(tmp_path: Path) -> None:
    store = Store(tmp_path / "sub" / "e.db")
    assert store.scalar("PRAGMA journal_mode") == "wal"
    store.set_meta("auth_token", "secret")
    with store.tx():
        store.execute(
            "INSERT INTO workspaces (sid, friendly_name, multi_task_enabled, "
            "prioritize_queue_order, date_created, date_updated) "
            "VALUES ('WS1', 'x', 1, 'FIFO', 0, 0)"
        )
    store.reset()
    assert store.scalar("SELECT COUNT(*) FROM workspaces") == 0
    assert store.get_meta("auth_token") == "secret"
    assert store.integrity_check() == "ok"
    store.close()


def test_failed_transaction_rolls_back_and_drops_the_cache() -> None:
    store = Store(":memory:")
    with store.tx():
        store.execute(
            "INSERT INTO activities (sid, workspace_sid, friendly_name, available, date_created, "
            "date_updated) VALUES ('WA1', 'WS1', 'Idle', 1, 0, 0)"
        )
    assert store.get("activities", "WA1")["friendly_name"] == "Idle"
    with pytest.raises(RuntimeError), store.tx():
        store.update("activities", "WA1", {"friendly_name": "Changed"})
        raise RuntimeError("abort")
    assert store.get("activities", "WA1")["friendly_name"] == "Idle"
    assert store.get("activities", "WA1", "WS2") is None  # wrong workspace: not found


def test_nested_transactions_join_the_outer_one() -> None:
    store = Store(":memory:")
    with store.tx(), store.tx():
        store.set_meta("k", "v")
    assert store.get_meta("k") == "v"


def test_dates_and_sids() -> None:
    assert iso(0) == "1970-01-01T00:00:00Z"
    assert iso(None) is None
    assert parse_iso("2026-01-01T00:00:00Z") == 1_767_225_600
    assert parse_iso("2026-01-01") == 1_767_225_600
    with pytest.raises(ValueError):
        parse_iso("yesterday")
    sids = SequentialSids()
    assert sids("WT") == "WT" + "0" * 31 + "1" and sids("WK").endswith("2")
    assert looks_like(random_sid("WR"), "WR") and not looks_like("WRxyz", "WR")


def test_fake_clock_only_moves_forward() -> None:
    clock = FakeClock(start=100)
    assert clock.advance(5) == 105 == clock.now()
    with pytest.raises(ValueError):
        clock.advance(-1)


def test_a_store_made_before_reservation_versions_gets_the_column(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "old.db"
    old = sqlite3.connect(path)
    old.execute(
        "CREATE TABLE reservations (id INTEGER PRIMARY KEY, sid TEXT NOT NULL UNIQUE, "
        "workspace_sid TEXT NOT NULL, task_sid TEXT NOT NULL, worker_sid TEXT NOT NULL, "
        "task_channel_sid TEXT NOT NULL, task_queue_sid TEXT, workflow_sid TEXT, "
        "status TEXT NOT NULL, deadline REAL, worker_previous_activity_sid TEXT, "
        "instruction TEXT, date_created REAL NOT NULL, date_updated REAL NOT NULL)"
    )
    old.execute(
        "INSERT INTO reservations (sid, workspace_sid, task_sid, worker_sid, task_channel_sid, "
        "status, date_created, date_updated) VALUES ('WR1', 'WS1', 'WT1', 'WK1', 'TC1', "
        "'pending', 0, 0)"
    )
    old.commit()
    old.close()
    store = Store(path)
    try:
        assert store.one("SELECT version FROM reservations WHERE sid = 'WR1'")["version"] == 0
    finally:
        store.close()
