"""Keyset paging: every row exactly once in both directions, mixed orders, predicates, tokens."""

from __future__ import annotations

import pytest

from trctl.emulator.core.errors import ApiError
from trctl.emulator.core.store import Store
from trctl.emulator.http.forms import Params
from trctl.emulator.http.paging import Query, envelope, fetch_page


@pytest.fixture
def store() -> Store:
    db = Store(":memory:")
    with db.tx():
        db.execute("CREATE TABLE items (id INTEGER PRIMARY KEY, sid TEXT, prio INTEGER)")
        for n in range(37):
            db.execute("INSERT INTO items (sid, prio) VALUES (?, ?)", (f"S{n:02d}", n % 4))
    return db


def walk(store: Store, query: Query, size: int) -> list[str]:
    seen: list[str] = []
    params = Params([("PageSize", str(size))])
    while True:
        page = fetch_page(store, query, params)
        seen.extend(row["sid"] for row in page.rows)
        if page.next_token is None:
            return seen
        params = Params([("PageSize", str(size)), ("PageToken", page.next_token)])


@pytest.mark.parametrize("size", [1, 5, 36, 37, 1000])
def test_every_row_once_in_insert_order(store: Store, size: int) -> None:
    assert walk(store, Query("items"), size) == [f"S{n:02d}" for n in range(37)]


def test_mixed_direction_order(store: Store) -> None:
    seen = walk(store, Query("items", order=[("prio", True)]), 4)
    expected = sorted((f"S{n:02d}" for n in range(37)), key=lambda s: (-(int(s[1:]) % 4), s))
    assert seen == expected


def test_predicate_pages_are_full_and_complete(store: Store) -> None:
    query = Query("items", predicate=lambda row: row["prio"] == 1)
    assert walk(store, query, 3) == [f"S{n:02d}" for n in range(37) if n % 4 == 1]


def test_previous_page_goes_back(store: Store) -> None:
    first = fetch_page(store, Query("items"), Params([("PageSize", "10")]))
    second = fetch_page(
        store,
        Query("items"),
        Params([("PageSize", "10"), ("Page", "1"), ("PageToken", first.next_token or "")]),
    )
    assert second.previous_token is not None
    back = fetch_page(
        store, Query("items"), Params([("PageSize", "10"), ("PageToken", second.previous_token)])
    )
    assert [r["sid"] for r in back.rows] == [r["sid"] for r in first.rows]


@pytest.mark.parametrize("token", ["nope", "PTnotbase64!!", "PT" + "e30"])
def test_foreign_tokens_are_400(store: Store, token: str) -> None:
    with pytest.raises(ApiError) as caught:
        fetch_page(store, Query("items"), Params([("PageToken", token)]))
    assert caught.value.status == 400


def test_envelope_urls_keep_filters_and_are_absolute(store: Store) -> None:
    params = Params([("PageSize", "5"), ("Color", "red")])
    page = fetch_page(store, Query("items"), params)
    body = envelope("http://127.0.0.1:1", "/v1/Things", params, "things", [], page)
    meta = body["meta"]
    assert meta["first_page_url"] == "http://127.0.0.1:1/v1/Things?Color=red&PageSize=5&Page=0"
    assert meta["next_page_url"].startswith(
        "http://127.0.0.1:1/v1/Things?Color=red&PageSize=5&Page=1&PageToken="
    )
    assert meta["previous_page_url"] is None and meta["key"] == "things"
