"""Durations and moments as people write them."""

from __future__ import annotations

import pytest

from trctl.errors import UsageError
from trctl.services.durations import format_duration, parse_duration, parse_moment


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("90", 90), ("90s", 90), ("1.5m", 90), ("1h30m", 5400), ("1h 30m", 5400), ("500ms", 0.5),
     ("2d", 172800), (" 8H ", 28800), ("0s", 0)],
)  # fmt: skip
def test_durations(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "ten minutes", "-5s", "5 x", "1.s", "s", "5s-", "1e3s"])
def test_not_durations(text: str) -> None:
    with pytest.raises(UsageError, match="give a duration such as 90s"):
        parse_duration(text)


def test_durations_shown_with_two_units_at_most() -> None:
    assert [format_duration(s) for s in (0.4, 12, 245, 3720, 90000)] == [
        "0.4s", "12s", "4m 05s", "1h 02m", "1d 01h",
    ]  # fmt: skip


def test_moments_become_utc() -> None:
    assert parse_moment("2026-12-24T10:00:00+01:00") == "2026-12-24T09:00:00Z"
    assert parse_moment("2026-12-24T09:00:00Z") == "2026-12-24T09:00:00Z"
    assert parse_moment("2026-12-24 09:00") == "2026-12-24T09:00:00Z"
    with pytest.raises(UsageError, match="2026-12-24T09:00:00Z"):
        parse_moment("Christmas")
