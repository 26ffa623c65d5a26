"""Helpers shared by the operation handlers: list and single-record answers, 204, booleans."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from trctl.emulator.core.keyset import Page
from trctl.emulator.http.app import Call, Response, json_response
from trctl.emulator.http.paging import envelope

Serializer = Callable[[Any, str, str], dict[str, Any]]  # (record, base url, account SID)


def list_response(call: Call, page: Page[Any], key: str, serialize: Serializer) -> Response:
    body = [serialize(record, call.base_url, call.account_sid) for record in page.records]
    return json_response(
        200, envelope(call.base_url, call.request.path, call.params, key, body, page)
    )


def one(
    call: Call, serialize: Serializer, record: Any, status: int = 200, etag: str | None = None
) -> Response:
    return json_response(status, serialize(record, call.base_url, call.account_sid), etag=etag)


def deleted() -> Response:
    return Response(204)


def optional_bool(call: Call, param: str) -> bool | None:
    """True/False when the parameter is given (true, 1, yes), None when absent or empty."""
    value = call.params.raw(param)
    if value is None or value == "":
        return None
    return call.params.bool(param)
