"""Paging on the wire: the opaque PageToken, PageSize/Page, and Twilio's list envelope."""

from __future__ import annotations

import base64
import json
import math
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlencode

from trctl.documents import loads_json
from trctl.emulator.core.errors import bad_request
from trctl.emulator.core.keyset import Cursor, Page
from trctl.emulator.http.forms import Params

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 1000
PAGING_PARAMS = ("Page", "PageSize", "PageToken")
MAX_KEY_PARTS = 8  # a list's sort columns and its id; no list orders by more


def encode_token(direction: str, key: Sequence[Any]) -> str:
    raw = json.dumps({"d": direction, "k": list(key)}, separators=(",", ":")).encode()
    return "PT" + base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_token(token: str) -> tuple[str, list[Any]]:
    """(direction, sort key) of a token encode_token made; 400 for anything else, forged ones
    included: the key must be a short list of values SQLite can compare (no lists or objects,
    integers within 64 bits, finite numbers)."""
    try:
        if not token.startswith("PT"):
            raise ValueError("prefix")
        body = token[2:]
        data = loads_json(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
        direction, key = data["d"], data["k"]
        if direction not in ("a", "b") or not isinstance(key, list) or len(key) > MAX_KEY_PARTS:
            raise ValueError("shape")
        if not all(_storable(part) for part in key):
            raise ValueError("key")
        return direction, key
    except (ValueError, KeyError, TypeError) as exc:
        raise bad_request("PageToken is not a token this API issued") from exc


def _storable(value: Any) -> bool:
    """A value SQLite binds and compares: text, NULL, a 64-bit integer or a finite float."""
    if value is None or isinstance(value, (str, bool)):
        return True
    if isinstance(value, int):
        return -(2**63) <= value < 2**63
    return isinstance(value, float) and math.isfinite(value)


def page_size_of(params: Params) -> int:
    return params.int("PageSize", default=DEFAULT_PAGE_SIZE, low=1, high=MAX_PAGE_SIZE) or 50


def cursor_of(params: Params) -> Cursor:
    """The Cursor a request's PageSize and PageToken describe."""
    size = page_size_of(params)
    token = params.raw("PageToken")
    if not token:
        return Cursor(size)
    direction, key = decode_token(token)
    return Cursor(size, key, forward=direction == "a")


def envelope(
    base_url: str,
    path: str,
    params: Params,
    key: str,
    records: list[dict[str, Any]],
    page: Page[Any],
) -> dict[str, Any]:
    """Twilio's list body: {meta: {...}, key: records} with absolute paging URLs."""
    size = page_size_of(params)
    number = params.int("Page", default=0, low=0) or 0
    cursor = cursor_of(params)
    if cursor.forward:
        next_token = encode_token("a", page.last_key) if page.more and page.last_key else None
        previous_token = (
            encode_token("b", page.first_key) if cursor.key is not None and page.first_key else None
        )
    else:
        next_token = encode_token("a", page.last_key) if page.last_key else None
        previous_token = encode_token("b", page.first_key) if page.more and page.first_key else None
    kept = [(name, value) for name, value in params.items() if name not in PAGING_PARAMS]

    def url(page_number: int, token: str | None) -> str:
        query = [*kept, ("PageSize", str(size)), ("Page", str(page_number))]
        if token:
            query.append(("PageToken", token))
        return f"{base_url}{path}?{urlencode(query)}"

    return {
        "meta": {
            "page": number,
            "page_size": size,
            "first_page_url": url(0, None),
            "previous_page_url": url(max(number - 1, 0), previous_token)
            if previous_token
            else None,
            "next_page_url": url(number + 1, next_token) if next_token else None,
            "url": url(number, params.raw("PageToken")),
            "key": key,
        },
        key: records,
    }
