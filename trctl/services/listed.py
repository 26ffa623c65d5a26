"""What list answers leave out: TaskRouter shows `attributes` only when one resource is fetched."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from trctl.errors import NotFoundError
from trctl.services.rest import TaskRouterApi

# Fetches in flight at once: enough to hide the round trips, well under Twilio's per-account
# concurrency limit (its 429s would be retried, but slow everything down).
MAX_CONCURRENT_FETCHES = 8


def fill_attributes(
    api: TaskRouterApi, records: list[dict[str, Any]], path_of: Callable[[dict[str, Any]], str]
) -> list[dict[str, Any]]:
    """Give each listed record whose `attributes` is null the value a fetch shows.

    The spec: attributes appear "only in FETCH actions that return a single resource", null in
    lists "even if it has a value". Records that already carry them (an older server) cost no
    request; one deleted since the listing (a fetch answers 404) keeps null.
    """
    missing = [record for record in records if record.get("attributes") is None]
    if not missing:
        return records

    def fetch(record: dict[str, Any]) -> Any:
        try:
            return api.fetch(path_of(record)).get("attributes")
        except NotFoundError:
            return None

    with ThreadPoolExecutor(min(MAX_CONCURRENT_FETCHES, len(missing))) as pool:
        for record, attributes in zip(missing, pool.map(fetch, missing)):
            record["attributes"] = attributes
    return records
