"""Keyset paging: every row exactly once in both directions, mixed orders, predicates, tokens."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from trctl.emulator.core.errors import ApiError
from trctl.emulator.core.keyset import Ordering, Page, fetch_page
from trctl.emulator.core.store import Row, Store
from trctl.emulator.http.forms import Params
from trctl.emulator.http.paging import cursor_of, envelope


class Listed:
    """One page as a client sees it: rows plus the tokens of its next and previous page URLs."""

    def __init__(self, page: Page[Row], meta: dict[str, Any]) -> None:
        self.rows = page.records
        self.next_token = _token(meta["next_page_url"])
        self.previous_token = _token(meta["previous_page_url"])


def _token(url: str | None) -> str | None:
    return parse_qs(urlsplit(url).query).get("PageToken", [None])[0] if url else None


def listing(
    store: Store,
    params: Params,
    order: Ordering = (),
    predicate: Callable[[Row], bool] | None = None,
) -> Listed:
    page = fetch_page(store, "items", [], [], cursor_of(params), order, predicate)
    return Listed(page, envelope("http://h:1", "/v1/Things", params, "things", [], page)["meta"])


@pytest.fixture
def store() -> Store:
    db = Store(":memory:")
    with db.tx():
        db.execute("CREATE TABLE items (id INTEGER PRIMARY KEY, sid TEXT, prio INTEGER)")
        for n in range(37):
            db.execute("INSERT INTO items (sid, prio) VALUES (?, ?)", (f"S{n:02d}", n % 4))
    return db


def walk(store: Store, size: int, order: Ordering = (), predicate: Any = None) -> list[str]:
    seen: list[str] = []
    params = Params([("PageSize", str(size))])
    while True:
        page = listing(store, params, order, predicate)
        seen.extend(row["sid"] for row in page.rows)
        if page.next_token is None:
            return seen
        params = Params([("PageSize", str(size)), ("PageToken", page.next_token)])


@pytest.mark.parametrize("size", [1, 5, 36, 37, 1000])
def test_every_row_once_in_insert_order(store: Store, size: int) -> None:
    assert walk(store, size) == [f"S{n:02d}" for n in range(37)]


def test_mixed_direction_order(store: Store) -> None:
    seen = walk(store, 4, order=[("prio", True)])
    expected = sorted((f"S{n:02d}" for n in range(37)), key=lambda s: (-(int(s[1:]) % 4), s))
    assert seen == expected


def test_predicate_pages_are_full_and_complete(store: Store) -> None:
    assert walk(store, 3, predicate=lambda row: row["prio"] == 1) == [
        f"S{n:02d}" for n in range(37) if n % 4 == 1
    ]


def test_previous_page_goes_back(store: Store) -> None:
    first = listing(store, Params([("PageSize", "10")]))
    second = listing(
        store,
        Params([("PageSize", "10"), ("Page", "1"), ("PageToken", first.next_token or "")]),
    )
    assert second.previous_token is not None
    back = listing(store, Params([("PageSize", "10"), ("PageToken", second.previous_token)]))
    assert [r["sid"] for r in back.rows] == [r["sid"] for r in first.rows]


@pytest.mark.parametrize("token", ["nope", "PTnotbase64!!", "PT" + "e30"])
def test_foreign_tokens_are_400(store: Store, token: str) -> None:
    with pytest.raises(ApiError) as caught:
        listing(store, Params([("PageToken", token)]))
    assert caught.value.status == 400


def test_envelope_urls_keep_filters_and_are_absolute(store: Store) -> None:
    params = Params([("PageSize", "5"), ("Color", "red")])
    page = fetch_page(store, "items", [], [], cursor_of(params))
    body = envelope("http://127.0.0.1:1", "/v1/Things", params, "things", [], page)
    meta = body["meta"]
    assert meta["first_page_url"] == "http://127.0.0.1:1/v1/Things?Color=red&PageSize=5&Page=0"
    assert meta["next_page_url"].startswith(
        "http://127.0.0.1:1/v1/Things?Color=red&PageSize=5&Page=1&PageToken="
    )
    assert meta["previous_page_url"] is None and meta["key"] == "things"
