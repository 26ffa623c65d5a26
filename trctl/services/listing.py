"""Lists cut to their newest N records, and what is known of the rest (for `Showing 50 of 6,000`).

TaskRouter's list answers carry no total count, so each list learns it its own way:
- in an order the API sorts by (Tasks: `Ordering=DateCreated:desc`), one record more than shown
  is read: the list was cut when it came; the total comes from elsewhere or stays unknown;
- without such an order (workers, queues, activities, workflows, workspaces, reservations, the
  events of a time window), every page is read (1,000 records a request) and the newest N are
  kept: the total is exact, and the cost is one request per 1,000 records.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
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
) -> Listing:
    """The newest `limit` records of a list (None: all): every page read, then sorted by
    creation. `in_api_order`: the first `limit` in the order the params ask the API for, one
    more read to know whether the list goes on (its total then stays unknown)."""
    if not in_api_order:
        return newest_of(api.list(path, params, on_page=on_page), limit, noun)
    if limit is None:
        records = api.list(path, params, on_page=on_page)
        return Listing(records, noun, len(records), False)
    records = api.list(path, params, limit=limit + 1, on_page=on_page)
    if len(records) <= limit:
        return Listing(records, noun, len(records), False)
    return Listing(records[:limit], noun, None, True)
