"""Events: the workspace's event log, listed with filters or followed with a cursor."""

from __future__ import annotations

import itertools
import re
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from trctl.errors import UsageError
from trctl.services.listing import Listing, Streamed, newest_of, stream_list
from trctl.services.resolve import ACTIVITY, TASK, WORKER, Resolver, require_sid
from trctl.services.rest import MAX_PAGE_SIZE, TaskRouterApi
from trctl.vocab.events import EVENT_TYPES, RETENTION_MINUTES, closest_event_type

NOW_WINDOW_MINUTES = 2  # what "from now on" reads first, and re-reads until an event shows up
OVERLAP_SECONDS = 1  # each poll re-reads this far behind the newest event seen (late arrivals)
SINCE_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
SINCE_PATTERN = re.compile(r"^\s*(\d+)\s*([smhd])\s*$", re.IGNORECASE)


def check_event_type(text: str, option: str = "--type") -> str:
    """A known event type (`task.created`), or a usage error with the closest one."""
    name = text.strip().lower()
    if name in EVENT_TYPES:
        return name
    guess = closest_event_type(name)
    did_you_mean = f"did you mean {guess!r}? " if guess else ""
    raise UsageError(
        f"{option}: unknown event type {text!r} ({did_you_mean}see `trctl events types`)"
    )


def since_minutes(text: str) -> int:
    """`--since 10m` (s, m, h or d) as the whole minutes of the API's Minutes window."""
    match = SINCE_PATTERN.match(text)
    if match is None:
        raise UsageError(f"--since {text!r}: give a duration such as 90s, 10m, 2h or 1d")
    seconds = int(match.group(1)) * SINCE_UNITS[match.group(2).lower()]
    minutes = max(1, -(-seconds // 60))
    return check_minutes(minutes, "--since")


def check_minutes(minutes: int, option: str = "--minutes") -> int:
    """A time window within the 30 days TaskRouter keeps events and statistics."""
    if not 1 <= minutes <= RETENTION_MINUTES:
        raise UsageError(f"{option} must be between 1 and {RETENTION_MINUTES} minutes (30 days)")
    return minutes


def event_filters(
    resolver: Resolver,
    *,
    event_types: Sequence[str] = (),
    task: str | None = None,
    worker: str | None = None,
) -> dict[str, Any]:
    """The Events list's filters: one type is sent as EventType (several are kept locally)."""
    return {
        "EventType": event_types[0] if len(event_types) == 1 else None,
        "TaskSid": require_sid(TASK, task) if task else None,
        "WorkerSid": resolver.optional_sid(WORKER, worker),
    }


def events_path(resolver: Resolver) -> str:
    return f"/Workspaces/{resolver.workspace_sid}/Events"


def list_events(
    resolver: Resolver,
    *,
    event_type: str | None = None,
    task: str | None = None,
    worker: str | None = None,
    minutes: int | None = None,
    limit: int | None = 50,
) -> Listing | Streamed:
    """GET /Events (TaskRouter keeps 30 days; its default window is 15 minutes): every page of
    the window, and its newest `limit` events, oldest first (the docs do not say in which
    order the API lists them); no limit: every event of the window, Streamed in the API's
    order."""
    if minutes is not None:
        check_minutes(minutes)
    types = [check_event_type(event_type)] if event_type else []
    params = {
        **event_filters(resolver, event_types=types, task=task, worker=worker),
        "Minutes": minutes,
    }
    if limit is None:
        return stream_list(
            resolver.api, events_path(resolver), params, noun="events", when=event_ms
        )
    events = resolver.api.list(events_path(resolver), params)
    return newest_of(oldest_first(events), limit, "events", when=event_ms)


class _ActivityNames(Mapping[str, str]):
    """Activity SID -> name, listed (one request) only when an event needs one."""

    def __init__(self, resolver: Resolver) -> None:
        self._resolver = resolver
        self._names: dict[str, str] | None = None

    def _all(self) -> dict[str, str]:
        if self._names is None:
            records = self._resolver.records(ACTIVITY)
            self._names = {str(r["sid"]): str(r.get("friendly_name")) for r in records}
        return self._names

    def __getitem__(self, sid: str) -> str:
        return self._all()[sid]

    def __iter__(self) -> Iterator[str]:
        return iter(self._all())

    def __len__(self) -> int:
        return len(self._all())


def activity_names(resolver: Resolver) -> Mapping[str, str]:
    """The workspace's activity names by SID, for events that name an activity only by SID
    (listed on first use, at most once)."""
    return _ActivityNames(resolver)


def event_ms(event: Mapping[str, Any]) -> int:
    """When the event happened, in epoch milliseconds (event_date_ms, else event_date)."""
    value = event.get("event_date_ms")
    if isinstance(value, int) or (isinstance(value, str) and value.isdigit()):
        return int(value)
    from datetime import datetime

    stamp = str(event.get("event_date") or "1970-01-01T00:00:00Z").replace("Z", "+00:00")
    return int(datetime.fromisoformat(stamp).timestamp() * 1000)


def oldest_first(events: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The events in time order, whichever way the API listed them; events of the same
    millisecond keep the order of a list that was oldest first."""
    stamps = [event_ms(e) for e in events]
    falls = sum(1 for a, b in itertools.pairwise(stamps) if a > b)
    rises = sum(1 for a, b in itertools.pairwise(stamps) if a < b)
    ordered = list(reversed(events)) if falls > rises else list(events)
    return sorted(ordered, key=event_ms)


def iso_second(epoch_second: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch_second))


class EventFollower:
    """Follows the Events list: every poll returns the events not returned before, oldest
    first, none skipped and none twice, however many pages arrived in between.

    The Events list is a time window (StartDate, or Minutes back from TaskRouter's now) paged
    with PageToken, and events share seconds (StartDate takes whole seconds). So the cursor
    is the second of the newest event seen, minus OVERLAP_SECONDS, plus the SIDs already
    returned from that second on: each poll reads every page from that second and keeps the
    events whose SID it has not returned. Before any event is seen the window is the last
    `window_minutes` (measured by TaskRouter's clock, not ours).
    """

    def __init__(
        self,
        api: TaskRouterApi,
        path: str,
        filters: Mapping[str, Any],
        *,
        event_types: Iterable[str] = (),
        window_minutes: int = NOW_WINDOW_MINUTES,
        page_size: int = MAX_PAGE_SIZE,
    ) -> None:
        self.api = api
        self.path = path
        self.filters = dict(filters)
        self.wanted = frozenset(event_types)
        self.window_minutes = window_minutes
        self.page_size = page_size
        self.start_second: int | None = None
        self.seen: dict[str, int] = {}  # SID -> event_ms, for the events at or after the cursor

    def poll(self, now: float | None = None) -> list[dict[str, Any]]:
        """The events that appeared since the last poll (the first poll: the whole window).

        `now` is TaskRouter's time just before this poll, when the caller knows it (watch reads
        it from the statistics it fetches anyway): the next poll then starts there, less the
        overlap, even when no event came, instead of re-reading the last busy second.
        """
        params = dict(self.filters)
        if self.start_second is None:
            params["Minutes"] = self.window_minutes
        else:
            params["StartDate"] = iso_second(self.start_second)
        fetched = self.api.list(self.path, params, page_size=self.page_size)
        fresh = [event for event in oldest_first(fetched) if event.get("sid") not in self.seen]
        for event in fresh:
            self.seen[str(event.get("sid"))] = event_ms(event)
        self._advance(now)
        if not self.wanted:
            return fresh
        return [event for event in fresh if event.get("event_type") in self.wanted]

    def _advance(self, now: float | None) -> None:
        """Move the window's start to the newest event seen (or TaskRouter's `now`, if later),
        less the overlap, and forget the SIDs before it: the API cannot return them any more."""
        if not self.seen and now is None:
            return
        newest = max(self.seen.values(), default=0) // 1000
        self.start_second = max(newest, int(now or 0)) - OVERLAP_SECONDS
        floor = self.start_second * 1000
        self.seen = {sid: ms for sid, ms in self.seen.items() if ms >= floor}
