"""The events service's pure parts: time order whichever way the API lists, --since, --type."""

from __future__ import annotations

import pytest

from trctl.errors import UsageError
from trctl.services.events import check_event_type, event_ms, oldest_first, since_minutes


def event(sid: str, ms: int) -> dict[str, object]:
    return {"sid": sid, "event_date_ms": ms}


def test_oldest_first_whichever_way_the_api_lists() -> None:
    ascending = [event("a", 1000), event("b", 1000), event("c", 2000), event("d", 3000)]
    assert [e["sid"] for e in oldest_first(ascending)] == ["a", "b", "c", "d"]
    descending = list(reversed(ascending))  # newest first: same-millisecond events come back
    assert [e["sid"] for e in oldest_first(descending)] == ["a", "b", "c", "d"]


def test_event_time_from_milliseconds_or_the_iso_date() -> None:
    assert event_ms({"event_date_ms": 1767225600123}) == 1767225600123
    assert event_ms({"event_date": "2026-01-01T00:00:01Z"}) == 1767225601000


@pytest.mark.parametrize(("text", "minutes"), [("90s", 2), ("10m", 10), ("2h", 120), ("1D", 1440)])
def test_since_is_whole_minutes(text: str, minutes: int) -> None:
    assert since_minutes(text) == minutes


@pytest.mark.parametrize("text", ["10", "ten minutes", "31d", "-5m"])
def test_since_refuses_what_is_not_a_duration_within_30_days(text: str) -> None:
    with pytest.raises(UsageError):
        since_minutes(text)


def test_event_types_are_checked_case_insensitively() -> None:
    assert check_event_type(" Task.Created ") == "task.created"
    with pytest.raises(UsageError, match=r"did you mean 'task\.created'"):
        check_event_type("task.create")
