"""Raw TaskRouter v1 requests through the official twilio client, returning plain JSON dicts."""

from __future__ import annotations

import contextlib
import functools
import json
import threading
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from trctl.errors import ApiError
from trctl.services.errors import api_errors

MAX_PAGE_SIZE = 1000
THROTTLED_HINT = "TaskRouter kept throttling after trctl's retries; wait a moment and run it again"
JSON_FIELDS = ("attributes", "configuration", "worker_attributes", "task_attributes")

Params = Mapping[str, Any]
PageCallback = Callable[[int, bool], None]


def clean(params: Params | None) -> dict[str, Any]:
    """Drop unset (None) parameters and spell booleans the way Twilio expects."""
    result: dict[str, Any] = {}
    for key, value in (params or {}).items():
        if value is None:
            continue
        if isinstance(value, bool):
            value = "true" if value else "false"
        result[key] = value
    return result


def parse_json_fields(record: dict[str, Any]) -> dict[str, Any]:
    """Turn the JSON-string fields of a record (attributes, configuration) into objects."""
    for name in JSON_FIELDS:
        value = record.get(name)
        if isinstance(value, str) and value[:1] in ("{", "["):
            with contextlib.suppress(ValueError):
                record[name] = json.loads(value)
    return record


class TaskRouterApi:
    """GET/POST/DELETE on TaskRouter v1 paths with the client's auth, timeout and retries.

    Records come back as the API sent them (snake_case), with JSON-string fields parsed.
    Every twilio/requests failure leaves as a TrctlError.
    """

    def __init__(self, client: Any) -> None:
        self._client = client
        self._client_factory: Callable[[], Any] | None = None
        self.requests_made = 0
        self._count_lock = threading.Lock()  # fetches may run in a few threads at once

    @classmethod
    def lazy(cls, client_factory: Callable[[], Any]) -> TaskRouterApi:
        """An api whose client is built on the first request, so input checks that come
        first fail before credentials are even looked at."""
        api = cls(None)
        api._client_factory = client_factory
        return api

    @property
    def client(self) -> Any:
        if self._client is None and self._client_factory is not None:
            self._client = self._client_factory()
        return self._client

    @property
    def _version(self) -> Any:
        return self.client.taskrouter.v1

    @contextlib.contextmanager
    def _request(self) -> Iterator[None]:
        """Count one request; its failure leaves as a TrctlError, a final 429 with a hint."""
        with self._count_lock:
            self.requests_made += 1
        try:
            with api_errors():
                yield
        except ApiError as exc:
            if exc.status == 429 and not exc.hint:
                exc.hint = THROTTLED_HINT
            raise

    def fetch(self, path: str, params: Params | None = None) -> dict[str, Any]:
        with self._request():
            payload = self._version.fetch(method="GET", uri=path, params=clean(params))
        return parse_json_fields(payload)

    def fetch_versioned(self, path: str) -> tuple[dict[str, Any], str | None]:
        """A record and its version (the ETag header), for an update sent with If-Match."""
        response = self._get(lambda: self._version.request("GET", path), path)
        etag = (response.headers or {}).get("ETag")
        return parse_json_fields(json.loads(response.text)), etag

    def create(self, path: str, data: Params) -> dict[str, Any]:
        with self._request():
            payload = self._version.create(method="POST", uri=path, data=clean(data))
        return parse_json_fields(payload)

    def update(self, path: str, data: Params, *, if_match: str | None = None) -> dict[str, Any]:
        headers = {"If-Match": if_match} if if_match else None
        with self._request():
            payload = self._version.update(
                method="POST", uri=path, data=clean(data), headers=headers
            )
        return parse_json_fields(payload)

    def delete(self, path: str) -> None:
        with self._request():
            self._version.delete(method="DELETE", uri=path)

    def pages(
        self,
        path: str,
        params: Params | None = None,
        *,
        page_size: int = MAX_PAGE_SIZE,
        on_page: PageCallback | None = None,
    ) -> Iterator[list[dict[str, Any]]]:
        """Each page's records as it arrives, the next page requested only when the caller
        asks for it: one page in memory, however long the list.

        `on_page(records_so_far, more_pages)` is called as each page arrives.
        """
        query = clean(params)
        query["PageSize"] = page_size
        send = functools.partial(self._version.page, "GET", path, params=query)
        received = 0
        while True:
            payload = self._get_page(send, path)
            records = [parse_json_fields(record) for record in _page_records(payload)]
            next_url = (payload.get("meta") or {}).get("next_page_url")
            received += len(records)
            more = bool(next_url and records)
            if on_page is not None:
                on_page(received, more)
            yield records
            if not more:
                return
            send = functools.partial(self._version.domain.twilio.request, "GET", next_url)

    def stream(
        self,
        path: str,
        params: Params | None = None,
        *,
        limit: int | None = None,
        on_page: PageCallback | None = None,
        page_size: int | None = None,
    ) -> Iterator[dict[str, Any]]:
        """Yield records page by page (pages of up to 1000, or `page_size`), stopping after
        `limit` records (no page is requested beyond them)."""
        if page_size is None:
            page_size = MAX_PAGE_SIZE if limit is None else max(1, min(limit, MAX_PAGE_SIZE))
        yielded = 0
        for page in self.pages(path, params, page_size=page_size, on_page=on_page):
            for record in page:
                if limit is not None and yielded >= limit:
                    return
                yielded += 1
                yield record
            if limit is not None and yielded >= limit:
                return

    def list(self, path: str, params: Params | None = None, **kwargs: Any) -> list[dict[str, Any]]:
        return list(self.stream(path, params, **kwargs))

    def _get_page(self, send: Callable[[], Any], path: str) -> dict[str, Any]:
        return json.loads(self._get(send, path).text)

    def _get(self, send: Callable[[], Any], path: str) -> Any:
        """Send a GET and return the response, or raise its error as a TrctlError."""
        with self._request():
            response = send()
            if response.status_code != 200:
                # the header of a fetch, which the error funnel strips from the message
                raise self._version.exception("GET", path, response, "Unable to fetch record")
            return response


def _page_records(payload: Mapping[str, Any]) -> list[dict[str, Any]]:
    key = (payload.get("meta") or {}).get("key")
    if key and key in payload:
        return list(payload[key])
    others = [k for k in payload if k != "meta"]
    if len(others) == 1 and isinstance(payload[others[0]], list):
        return list(payload[others[0]])
    return []
