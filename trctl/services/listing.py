"""Lists cut to their newest N records, and what is known of the rest (for `Showing 50 of 6,000`);
or every record (--all), streamed page by page.

TaskRouter's list answers carry no total count, so each list learns it its own way:
- in an order the API sorts by (Tasks: `Ordering=DateCreated:desc`), one record more than shown
  is read: the list was cut when it came; the total comes from elsewhere or stays unknown;
- without such an order (workers, queues, activities, workflows, workspaces, reservations, the
  events of a time window), every page is read (1,000 records a request) and the newest N are
  kept: the total is exact, and the cost is one request per 1,000 records.
Every record (no limit) is a Streamed list instead: pages handed on as they arrive, in the API's
order, so a list of any length holds one page in memory.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from trctl.services.rest import PageCallback, Params, TaskRouterApi


@dataclass
class Listing:
    """Records to show, oldest first, and whether (and how many) others match."""

    records: list[dict[str, Any]]
    noun: str  # plural: "tasks"
    total: int | None  # every matching record, when known
    more: bool  # matching records that are not in `records` exist


def by_date_created(record: Mapping[str, Any]) -> str:
    """ISO 8601 UTC dates sort as text."""
    return str(record.get("date_created") or "")


Fill = Callable[[list[dict[str, Any]]], Any]  # completes records in place (fill_attributes)


class Streamed:
    """Every matching record, page by page as the API sends them (for --all): one page in
    memory however long the list, in the API's order. That is oldest first where the API sorts
    by creation (Tasks); the other lists have no documented order, so records that come after a
    newer one are counted in `out_of_order` (by `when`; None: no check), for a note that the
    order was the API's. `printed` counts the records of the pages the consumer took."""

    def __init__(
        self,
        pages: Iterable[list[dict[str, Any]]],
        noun: str,
        *,
        when: Callable[[Mapping[str, Any]], Any] | None = by_date_created,
    ) -> None:
        self._pages = pages
        self.noun = noun
        self.when = when
        self.printed = 0
        self.out_of_order = 0

    def pages(self) -> Iterator[list[dict[str, Any]]]:
        newest = None
        for page in self._pages:
            if self.when is not None:
                for record in page:
                    stamp = self.when(record)
                    if newest is not None and stamp < newest:
                        self.out_of_order += 1
                    else:
                        newest = stamp
            yield page
            self.printed += len(page)


def stream_list(
    api: TaskRouterApi,
    path: str,
    params: Params | None,
    *,
    noun: str,
    fill: Fill | None = None,
    when: Callable[[Mapping[str, Any]], Any] | None = by_date_created,
) -> Streamed:
    """Every record of a list, pages of 1,000 requested one at a time as the consumer reads;
    `fill` completes each page before it is handed on (the attributes of its records: so at
    most one page's fetches at a time)."""

    def pages() -> Iterator[list[dict[str, Any]]]:
        for page in api.pages(path, params):
            if fill is not None:
                fill(page)
            yield page

    return Streamed(pages(), noun, when=when)


def newest_of(
    records: list[dict[str, Any]],
    limit: int | None,
    noun: str,
    *,
    when: Callable[[Mapping[str, Any]], Any] = by_date_created,
) -> Listing:
    """All `records` read: the newest `limit` (None: all), oldest first. The sort is stable, so
    records of the same second keep the API's order."""
    ordered = sorted(records, key=when)
    if limit is None or len(ordered) <= limit:
        return Listing(ordered, noun, len(ordered), False)
    return Listing(ordered[len(ordered) - limit :], noun, len(ordered), True)


def read_list(
    api: TaskRouterApi,
    path: str,
    params: Params | None,
    *,
    limit: int | None,
    noun: str,
    on_page: PageCallback | None = None,
    in_api_order: bool = False,
    fill: Fill | None = None,
) -> Listing | Streamed:
    """The newest `limit` records of a list: every page read, then sorted by creation.
    `in_api_order`: the first `limit` in the order the params ask the API for, one more read
    to know whether the list goes on (its total then stays unknown). No limit: every record,
    Streamed in the API's order. `fill` completes the records shown (one page at a time)."""
    if limit is None:
        when = None if in_api_order and (params or {}).get("Ordering") else by_date_created
        return stream_list(api, path, params, noun=noun, fill=fill, when=when)
    if in_api_order:
        listing = first_of(api, path, params, limit=limit, noun=noun, on_page=on_page)
    else:
        listing = newest_of(api.list(path, params, on_page=on_page), limit, noun)
    if fill is not None:
        fill(listing.records)
    return listing


def first_of(
    api: TaskRouterApi,
    path: str,
    params: Params | None,
    *,
    limit: int,
    noun: str,
    on_page: PageCallback | None = None,
) -> Listing:
    """The first `limit` records in the order the params ask the API for, one more read to
    know whether the list goes on (its total then stays unknown)."""
    records = api.list(path, params, limit=limit + 1, on_page=on_page)
    if len(records) <= limit:
        return Listing(records, noun, len(records), False)
    return Listing(records[:limit], noun, None, True)
