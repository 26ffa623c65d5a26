"""SQLite persistence: one connection, WAL, BEGIN IMMEDIATE transactions, small query helpers."""

from __future__ import annotations

import re
import sqlite3
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from trctl.emulator.core.files import private_store
from trctl.emulator.core.schema import ADDED_COLUMNS, DATA_TABLES, DDL, INDEXES, SCHEMA_VERSION

Row = sqlite3.Row
_WRITE_RE = re.compile(r"\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+(\w+)", re.IGNORECASE)

# Rows cached by SID. Writes through update()/add() keep the cached row current; any other
# write to one of these tables (INSERT ... SELECT, a DELETE, an UPDATE by another key) drops
# that table's cache, and a rollback drops all of it. One process owns a store (a lock file
# says so), so nothing else writes behind the cache's back.
CACHED = frozenset({
    "workspaces", "activities", "task_channels", "task_queues", "workflows",  # read on every event
    "tasks", "workers", "reservations",  # read back after almost every change
})  # fmt: skip
MAX_CACHED_ROWS = 50_000  # per table; beyond that the table's cache starts over


class Store:
    """The database. Every access holds one re-entrant lock, so mutations are serialised."""

    def __init__(self, path: str | Path = ":memory:") -> None:
        self.path = str(path)
        if self.path != ":memory:":
            private_store(self.path)  # it holds credentials: 0600 in a 0700 directory
        self.lock = threading.RLock()
        self._depth = 0
        self._cache: dict[str, dict[str, Mapping[str, Any] | None]] = {name: {} for name in CACHED}
        self._generations: dict[str, int] = {}  # table -> writes so far (see generation())
        # called after a rollback or reset: memory that mirrors tables must be dropped
        self.on_forget: list[Callable[[], None]] = []
        self.conn = sqlite3.connect(
            self.path, timeout=5.0, isolation_level=None, check_same_thread=False
        )
        self.conn.row_factory = sqlite3.Row
        if self.path != ":memory:":
            self.conn.execute("PRAGMA journal_mode=WAL")
            self.conn.execute("PRAGMA synchronous=NORMAL")
            # a backlog of 50,000 tasks and their events does not fit the default 2 MB cache:
            # index lookups would go to the file for pages they just read
            self.conn.execute("PRAGMA cache_size=-65536")
        self.conn.execute("PRAGMA foreign_keys=OFF")
        with self.tx():
            for statement in _statements(DDL):
                self.conn.execute(statement)
            self._upgrade()
            for statement in _statements(INDEXES):
                self.conn.execute(statement)

    def _upgrade(self) -> None:
        """Bring a store made by an older trctl to SCHEMA_VERSION, keeping its data: add the
        columns it lacks and fill them from what it has."""
        row = self.conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        version = int(row[0]) if row else SCHEMA_VERSION
        if version > SCHEMA_VERSION:
            raise RuntimeError(
                f"{self.path} was made by a newer trctl (schema {version} > {SCHEMA_VERSION})"
            )
        for table, column, definition in ADDED_COLUMNS:
            present = {info[1] for info in self.conn.execute(f"PRAGMA table_info({table})")}
            if column not in present:
                self.conn.execute(f"ALTER TABLE {table} ADD COLUMN {column} {definition}")
        if version < 2:  # live reservation counters, from the reservations themselves
            self.conn.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES ('classify_waiting', '1')"
            )
            live = "status IN ('pending','accepted','wrapping')"
            self.conn.execute(
                f"UPDATE workers SET live = (SELECT COUNT(*) FROM reservations r "
                f"WHERE r.worker_sid = workers.sid AND r.{live})"
            )
            self.conn.execute(
                f"UPDATE worker_channels SET live = (SELECT COUNT(*) FROM reservations r "
                f"WHERE r.worker_sid = worker_channels.worker_sid "
                f"AND r.task_channel_sid = worker_channels.task_channel_sid AND r.{live})"
            )
        self.conn.execute(
            "INSERT INTO meta (key, value) VALUES ('schema_version', ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (str(SCHEMA_VERSION),),
        )

    # -- transactions -------------------------------------------------------------------------
    @contextmanager
    def tx(self) -> Iterator[sqlite3.Connection]:
        """A write transaction (BEGIN IMMEDIATE ... COMMIT); nested calls join the outer one."""
        with self.lock:
            if self._depth:
                self._depth += 1
                try:
                    yield self.conn
                finally:
                    self._depth -= 1
                return
            self.conn.execute("BEGIN IMMEDIATE")
            self._depth = 1
            try:
                yield self.conn
            except BaseException:
                self._depth = 0
                self._forget()
                self.conn.execute("ROLLBACK")
                raise
            self._depth = 0
            self.conn.execute("COMMIT")

    @property
    def in_tx(self) -> bool:
        return self._depth > 0

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        """Consistent reads: the same lock, no transaction needed with one connection."""
        with self.lock:
            yield self.conn

    # -- helpers --------------------------------------------------------------------------------
    def one(self, sql: str, args: Sequence[Any] = ()) -> Row | None:
        with self.lock:
            return self.conn.execute(sql, args).fetchone()

    def all(self, sql: str, args: Sequence[Any] = ()) -> list[Row]:
        with self.lock:
            return self.conn.execute(sql, args).fetchall()

    def scalar(self, sql: str, args: Sequence[Any] = ()) -> Any:
        row = self.one(sql, args)
        return None if row is None else row[0]

    def execute(self, sql: str, args: Sequence[Any] = ()) -> sqlite3.Cursor:
        """Any statement; a write to a cached table drops that table's cache."""
        with self.lock:
            self._written(sql)
            return self.conn.execute(sql, args)

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        with self.lock:
            self._written(sql)
            self.conn.executemany(sql, rows)

    def _written(self, sql: str) -> None:
        written = _WRITE_RE.match(sql)
        if written:
            table = written.group(1)
            self._generations[table] = self._generations.get(table, 0) + 1
            if table in CACHED:
                self._cache[table].clear()

    def generation(self, table: str) -> int:
        """Changes with every write to the table: a cache of a query over it keeps this and
        asks again when it differs (rollbacks count too: they clear and bump everything)."""
        return self._generations.get(table, 0)

    def insert(self, table: str, values: Mapping[str, Any]) -> int:
        """Insert one row; its rowid."""
        columns = ", ".join(values)
        marks = ", ".join("?" for _ in values)
        with self.lock:
            cursor = self.conn.execute(
                f"INSERT INTO {table} ({columns}) VALUES ({marks})", list(values.values())
            )
            self._generations[table] = self._generations.get(table, 0) + 1
            if table in CACHED and "sid" in values:
                self._cache[table].pop(values["sid"], None)  # it may be cached as missing
        return int(cursor.lastrowid or 0)

    def update(self, table: str, sid: str, values: Mapping[str, Any]) -> None:
        """Set columns of the row with this SID (the cached row follows)."""
        if not values:
            return
        assignments = ", ".join(f"{column} = ?" for column in values)
        with self.lock:
            self.conn.execute(
                f"UPDATE {table} SET {assignments} WHERE sid = ?", [*values.values(), sid]
            )
            self._generations[table] = self._generations.get(table, 0) + 1
            self._patch(table, sid, values)

    def add(self, table: str, sid: str, column: str, delta: int) -> None:
        """column += delta on the row with this SID (the cached row follows)."""
        with self.lock:
            self.conn.execute(
                f"UPDATE {table} SET {column} = {column} + ? WHERE sid = ?", (delta, sid)
            )
            cached = self._cache.get(table, {}).get(sid)
            if cached is not None:
                self._patch(table, sid, {column: cached[column] + delta})

    def get(
        self, table: str, sid: str, workspace_sid: str | None = None
    ) -> Mapping[str, Any] | None:
        """The row with this SID (in this workspace, when given), or None."""
        if table not in CACHED:
            if workspace_sid is None:
                return self.one(f"SELECT * FROM {table} WHERE sid = ?", (sid,))
            return self.one(
                f"SELECT * FROM {table} WHERE sid = ? AND workspace_sid = ?", (sid, workspace_sid)
            )
        with self.lock:
            rows = self._cache[table]
            if sid in rows:
                row = rows[sid]
            else:
                if len(rows) >= MAX_CACHED_ROWS:
                    rows.clear()
                found = self.conn.execute(f"SELECT * FROM {table} WHERE sid = ?", (sid,))
                row = rows[sid] = found.fetchone()
        if workspace_sid is not None and row is not None and row["workspace_sid"] != workspace_sid:
            return None
        return row

    def _patch(self, table: str, sid: str, values: Mapping[str, Any]) -> None:
        rows = self._cache.get(table)
        if rows is None or sid not in rows:
            return
        row = rows[sid]
        if row is None:
            del rows[sid]
            return
        patched = dict(row)
        patched.update(values)
        rows[sid] = patched

    def _forget(self) -> None:
        for rows in self._cache.values():
            rows.clear()
        for table in list(self._generations):
            self._generations[table] += 1
        for forget in self.on_forget:
            forget()

    # -- meta and maintenance -------------------------------------------------------------------
    def get_meta(self, key: str) -> str | None:
        return self.scalar("SELECT value FROM meta WHERE key = ?", (key,))

    def set_meta(self, key: str, value: str) -> None:
        with self.tx():
            self.execute(
                "INSERT INTO meta (key, value) VALUES (?, ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (key, value),
            )

    def reset(self) -> None:
        """Delete every resource; the persisted credentials stay."""
        with self.tx():
            for table in DATA_TABLES:
                self.execute(f"DELETE FROM {table}")
        self._forget()

    def integrity_check(self) -> str:
        return str(self.scalar("PRAGMA integrity_check"))

    def close(self) -> None:
        with self.lock:
            self.conn.close()


def _statements(script: str) -> Iterator[str]:
    """Split the DDL script on semicolons (it contains no string literals with ';')."""
    for statement in script.split(";"):
        if statement.strip():
            yield statement
