"""Watch: snapshots of workers (and what they hold), queues and the latest events, each refresh
at a cost that does not grow with the number of tasks."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from trctl.services.events import EventFollower, event_ms, events_path, iso_second
from trctl.services.resolve import QUEUE, WORKER, Resolver
from trctl.services.rest import MAX_PAGE_SIZE
from trctl.services.stats import queue_statistics, rows_of

LATEST_EVENTS = 20  # kept for the screen and for --once --json
SEED_MINUTES = 1  # the first refresh reads the last minute's events
LOOKUPS_PER_REFRESH = 10  # reservation look-ups (one request each) a live refresh may spend
STATISTICS_MINUTES = 1  # the queues' cumulative part is not shown: the smallest window
HELD = {"pending": "reserved", "accepted": "assigned", "wrapping": "wrapping"}
HOLDING_EVENTS = ("reservation.", "task.")  # events that may change what their worker holds


def epoch(stamp: Any) -> float | None:
    """An API date (`2026-01-01T00:00:00Z`) as epoch seconds."""
    if not stamp:
        return None
    try:
        return datetime.fromisoformat(str(stamp).replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def seconds_since(stamp: Any, now: float | None) -> int | None:
    then = epoch(stamp)
    if then is None or now is None:
        return None
    return max(int(now - then), 0)


class Watcher:
    """Refreshes a snapshot of one workspace: {"time", "workers", "queues", "events"}.

    One refresh is 3 requests while the workspace has up to 1,000 workers and queues and
    fewer than 1,000 new events: the workers list, the TaskQueues statistics list, and the
    events since the last refresh (EventFollower). What a worker holds comes from its
    reservations (one request per worker), looked up when an event names the worker or its
    activity is one a queue gives to reserved or assigned workers, and kept until the next
    such sign: at most `lookups` a refresh (None: all of them, for a one-off snapshot).
    """

    def __init__(
        self,
        resolver: Resolver,
        *,
        lookups: int | None = LOOKUPS_PER_REFRESH,
        page_size: int = MAX_PAGE_SIZE,
    ) -> None:
        self.resolver = resolver
        self.lookups = lookups
        self.page_size = page_size
        self.follower = EventFollower(
            resolver.api,
            events_path(resolver),
            {},
            window_minutes=SEED_MINUTES,
            page_size=page_size,
        )
        self.latest: deque[dict[str, Any]] = deque(maxlen=LATEST_EVENTS)
        self.holdings: dict[str, list[dict[str, Any]]] = {}
        self.stale: set[str] = set()  # workers whose holdings must be looked up
        self.states: dict[str, tuple[Any, Any]] = {}  # worker -> (activity, status changed)

    def refresh(self) -> dict[str, Any]:
        api = self.resolver.api
        workers = api.list(self.resolver.path(WORKER), page_size=self.page_size)
        statistics = queue_statistics(self.resolver, minutes=STATISTICS_MINUTES)
        queues = rows_of(self.resolver, statistics)
        events = self.follower.poll(now=_server_time(statistics))
        self.latest.extend(events)
        self._notice(workers, events)
        self._look_up(workers)
        now = _server_time(statistics, events, self.latest)
        return {
            "time": iso_second(int(now)) if now is not None else None,
            "workers": [self._worker_row(w, now) for w in workers],
            "queues": queues,
            "events": list(self.latest),
        }

    # -- what workers hold ---------------------------------------------------------------------
    def _holding_activities(self) -> set[str]:
        """Activities a queue moves workers to when it reserves or assigns them a task."""
        found = set()
        for queue in self.resolver.records(QUEUE):
            for key in ("reservation_activity_sid", "assignment_activity_sid"):
                if queue.get(key):
                    found.add(str(queue[key]))
        return found

    def _notice(self, workers: Iterable[Mapping[str, Any]], events: Iterable[Mapping[str, Any]]):
        """Mark for a look-up the workers a reservation or task event names and those whose
        activity changed to one that holds tasks; a worker that changed to another activity
        holds nothing new."""
        for event in events:
            data = event.get("event_data")
            named = data.get("worker_sid") if isinstance(data, Mapping) else None
            if named and str(event.get("event_type", "")).startswith(HOLDING_EVENTS):
                self.stale.add(str(named))
        holding = self._holding_activities()
        for worker in workers:
            sid = str(worker.get("sid"))
            state = (worker.get("activity_sid"), worker.get("date_status_changed"))
            if self.states.get(sid) == state:
                continue
            self.states[sid] = state
            if str(worker.get("activity_sid")) in holding:
                self.stale.add(sid)
            elif sid not in self.stale:
                self.holdings.setdefault(sid, [])

    def _look_up(self, workers: Iterable[Mapping[str, Any]]) -> None:
        budget = self.lookups
        for worker in workers:  # in the order shown, so the top of the screen fills first
            sid = str(worker.get("sid"))
            if sid not in self.stale:
                continue
            if budget is not None:
                if budget <= 0:
                    return
                budget -= 1
            path = f"{self.resolver.path(WORKER, sid)}/Reservations"
            reservations = self.resolver.api.list(path, page_size=self.page_size)
            self.holdings[sid] = [
                {
                    "task_sid": r.get("task_sid"),
                    "reservation_sid": r.get("sid"),
                    "status": HELD[str(r.get("reservation_status"))],
                    "since": r.get("date_updated") or r.get("date_created"),
                }
                for r in reservations
                if r.get("reservation_status") in HELD
            ]
            self.stale.discard(sid)

    def _worker_row(self, worker: Mapping[str, Any], now: float | None) -> dict[str, Any]:
        sid = str(worker.get("sid"))
        return {
            "sid": sid,
            "friendly_name": worker.get("friendly_name"),
            "activity_name": worker.get("activity_name"),
            "available": worker.get("available"),
            "in_activity": seconds_since(worker.get("date_status_changed"), now),
            "tasks": [
                {**held, "for": seconds_since(held["since"], now)}
                for held in self.holdings.get(sid, [])
            ],
            "tasks_known": sid not in self.stale,
        }


def _server_time(
    statistics: Iterable[Mapping[str, Any]], *event_lists: Iterable[Mapping[str, Any]]
) -> float | None:
    """TaskRouter's clock, not ours: the end of the statistics window (which is "now"), else
    the newest event seen."""
    for record in statistics:
        cumulative = record.get("cumulative")
        if isinstance(cumulative, Mapping) and (end := epoch(cumulative.get("end_time"))):
            return end
    stamps = [event_ms(e) / 1000 for events in event_lists for e in events]
    return max(stamps) if stamps else None
