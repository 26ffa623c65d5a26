"""Keyset pagination in SQL: pages that start after (or before) a sort key, never an offset."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from trctl.emulator.core.errors import bad_request
from trctl.emulator.core.store import Row, Store

Ordering = Sequence[tuple[str, bool]]  # (column, descending)
R = TypeVar("R")


@dataclass(frozen=True)
class Cursor:
    """Where a page starts: after (forward) or before a sort key, and how many records."""

    size: int = 50
    key: Sequence[Any] | None = None
    forward: bool = True


@dataclass(frozen=True)
class Page(Generic[R]):
    """One page of records, the sort keys of its first and last, and whether more lie beyond."""

    records: list[R]
    first_key: list[Any] | None
    last_key: list[Any] | None
    more: bool

    def map(self, build: Callable[[Any], Any]) -> Page[Any]:
        return Page(
            [build(item) for item in self.records], self.first_key, self.last_key, self.more
        )


def keyset(columns: Ordering, key: Sequence[Any], after: bool) -> tuple[str, list[Any]]:
    """WHERE clause selecting rows strictly after (or before) key in the given order."""
    if len(key) != len(columns):
        raise bad_request("PageToken does not belong to this list")
    clauses: list[str] = []
    args: list[Any] = []
    for index, (column, descending) in enumerate(columns):
        forward = after != descending
        parts = [f"{col} = ?" for col, _ in columns[:index]]
        parts.append(f"{column} {'>' if forward else '<'} ?")
        clauses.append("(" + " AND ".join(parts) + ")")
        args.extend(key[:index])
        args.append(key[index])
    return "(" + " OR ".join(clauses) + ")", args


def fetch_page(
    store: Store,
    table: str,
    conditions: Sequence[str],
    args: Sequence[Any],
    cursor: Cursor,
    order: Ordering = (),
    predicate: Callable[[Row], bool] | None = None,
) -> Page[Row]:
    """One page of rows of `table` matching every condition (and the predicate), in `order`
    then id, starting at the cursor."""
    columns = [*order, ("id", False)]
    conditions, args = [*conditions], [*args]
    if cursor.key is not None:
        clause, extra = keyset(columns, cursor.key, after=cursor.forward)
        conditions.append(clause)
        args.extend(extra)
    direction = [desc if cursor.forward else not desc for _, desc in columns]
    order_sql = ", ".join(
        f"{col} {'DESC' if desc else 'ASC'}" for (col, _), desc in zip(columns, direction)
    )
    sql = f"SELECT * FROM {table}"
    if conditions:
        sql += " WHERE " + " AND ".join(conditions)
    rows = _collect(store, f"{sql} ORDER BY {order_sql}", args, cursor.size + 1, predicate)
    more = len(rows) > cursor.size
    rows = rows[: cursor.size]
    if not cursor.forward:
        rows.reverse()
    names = [col for col, _ in columns]
    first = [rows[0][n] for n in names] if rows else None
    last = [rows[-1][n] for n in names] if rows else None
    return Page(rows, first, last, more)


def _collect(
    store: Store, sql: str, args: list[Any], wanted: int, predicate: Callable[[Row], bool] | None
) -> list[Row]:
    if predicate is None:
        return store.all(sql + " LIMIT ?", [*args, wanted])
    out: list[Row] = []
    with store.read() as conn:
        rows = conn.execute(sql, args)
        while len(out) < wanted:
            batch = rows.fetchmany(max(wanted, 200))
            if not batch:
                break
            out.extend(row for row in batch if predicate(row))
    return out[:wanted]
