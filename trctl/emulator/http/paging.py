"""Keyset paging (opaque PageToken) and Twilio's list envelope with absolute meta URLs."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from trctl.emulator.core.errors import bad_request
from trctl.emulator.core.store import Row, Store
from trctl.emulator.http.forms import Params

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 1000
PAGING_PARAMS = ("Page", "PageSize", "PageToken")


@dataclass(frozen=True)
class Query:
    """What to list: table, WHERE clauses with their arguments, and the ORDER BY columns."""

    table: str
    where: Sequence[str] = ()
    args: Sequence[Any] = ()
    order: Sequence[tuple[str, bool]] = ()  # (column, descending); "id" is appended
    predicate: Callable[[Row], bool] | None = None  # extra filter that SQL cannot express


@dataclass(frozen=True)
class Page:
    rows: list[Row]
    page: int
    page_size: int
    next_token: str | None
    previous_token: str | None


def _encode(direction: str, key: Sequence[Any]) -> str:
    raw = json.dumps({"d": direction, "k": list(key)}, separators=(",", ":")).encode()
    return "PT" + base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(token: str) -> tuple[str, list[Any]]:
    try:
        if not token.startswith("PT"):
            raise ValueError("prefix")
        body = token[2:]
        data = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
        direction, key = data["d"], data["k"]
        if direction not in ("a", "b") or not isinstance(key, list):
            raise ValueError("shape")
        return direction, key
    except (ValueError, KeyError, TypeError) as exc:
        raise bad_request("PageToken is not a token this API issued") from exc


def keyset(
    columns: Sequence[tuple[str, bool]], key: Sequence[Any], after: bool
) -> tuple[str, list]:
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


def page_size_of(params: Params) -> int:
    return params.int("PageSize", default=DEFAULT_PAGE_SIZE, low=1, high=MAX_PAGE_SIZE) or 50


def fetch_page(store: Store, query: Query, params: Params) -> Page:
    """One page of rows for query, positioned by the request's PageToken."""
    size = page_size_of(params)
    page_number = params.int("Page", default=0, low=0) or 0
    columns = [*query.order, ("id", False)]
    token = params.raw("PageToken")
    direction, key = _decode(token) if token else ("a", None)
    forward = direction == "a"
    where = list(query.where)
    args = list(query.args)
    if key is not None:
        clause, extra = keyset(columns, key, after=forward)
        where.append(clause)
        args.extend(extra)
    order_sql = ", ".join(
        f"{col} {'DESC' if (desc if forward else not desc) else 'ASC'}" for col, desc in columns
    )
    sql = f"SELECT * FROM {query.table}"
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += f" ORDER BY {order_sql}"
    rows = _collect(store, sql, args, size + 1, query.predicate)
    more = len(rows) > size
    rows = rows[:size]
    if not forward:
        rows.reverse()
    names = [col for col, _ in columns]
    first_key = [rows[0][n] for n in names] if rows else None
    last_key = [rows[-1][n] for n in names] if rows else None
    if forward:
        next_token = _encode("a", last_key) if more and last_key else None
        prev_token = _encode("b", first_key) if key is not None and first_key else None
    else:
        next_token = _encode("a", last_key) if last_key else None
        prev_token = _encode("b", first_key) if more and first_key else None
    return Page(rows, page_number, size, next_token, prev_token)


def _collect(
    store: Store, sql: str, args: list, wanted: int, predicate: Callable[[Row], bool] | None
) -> list[Row]:
    if predicate is None:
        return store.all(sql + " LIMIT ?", [*args, wanted])
    out: list[Row] = []
    with store.read() as conn:
        cursor = conn.execute(sql, args)
        while len(out) < wanted:
            batch = cursor.fetchmany(max(wanted, 200))
            if not batch:
                break
            out.extend(row for row in batch if predicate(row))
    return out[:wanted]


def envelope(
    base_url: str,
    path: str,
    params: Params,
    key: str,
    records: list[dict[str, Any]],
    page: Page,
) -> dict[str, Any]:
    """Twilio's list body: {meta: {...}, key: records} with absolute paging URLs."""
    kept = [(name, value) for name, value in params.items() if name not in PAGING_PARAMS]

    def url(page_number: int, token: str | None) -> str:
        query = [*kept, ("PageSize", str(page.page_size)), ("Page", str(page_number))]
        if token:
            query.append(("PageToken", token))
        return f"{base_url}{path}?{urlencode(query)}"

    current_token = params.raw("PageToken")
    return {
        "meta": {
            "page": page.page,
            "page_size": page.page_size,
            "first_page_url": url(0, None),
            "previous_page_url": url(max(page.page - 1, 0), page.previous_token)
            if page.previous_token
            else None,
            "next_page_url": url(page.page + 1, page.next_token) if page.next_token else None,
            "url": url(page.page, current_token),
            "key": key,
        },
        key: records,
    }
