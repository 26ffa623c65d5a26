"""Helpers shared by the operation handlers: list responses, fetch-or-404, name filters."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from trctl.emulator.core.store import Row
from trctl.emulator.http.app import Call, Response, json_response
from trctl.emulator.http.paging import Query, envelope, fetch_page
from trctl.emulator.http.serializers import Names

Serializer = Callable[[Row, str, Names], dict[str, Any]]


def list_response(call: Call, query: Query, key: str, serialize: Serializer) -> Response:
    page = fetch_page(call.backend.store, query, call.params)
    names = call.names()
    records = [serialize(row, call.base_url, names) for row in page.rows]
    body = envelope(call.base_url, call.request.path, call.params, key, records, page)
    return json_response(200, body)


def workspace_query(call: Call, table: str, *, filters: dict[str, str] | None = None) -> Query:
    """Rows of table in the workspace; filters maps a param name to an equality column."""
    call.backend.workspace(call.ws)
    where = ["workspace_sid = ?"]
    args: list[Any] = [call.ws]
    for param, column in (filters or {}).items():
        value = call.params.raw(param)
        if value is not None and value != "":
            where.append(f"{column} = ?")
            args.append(value)
    return Query(table, where, args)


def one(call: Call, serialize: Serializer, row: Row, status: int = 200) -> Response:
    return json_response(status, serialize(row, call.base_url, call.names()))


def deleted() -> Response:
    return Response(204)


def bool_column(call: Call, param: str) -> int | None:
    value = call.params.raw(param)
    if value is None or value == "":
        return None
    return 1 if value.strip().lower() in ("true", "1", "yes") else 0
