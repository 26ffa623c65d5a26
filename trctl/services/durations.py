"""Durations (90, 90s, 1.5m, 1h30m, 500ms, 2d) and moments (ISO 8601) as people write them."""

from __future__ import annotations

import math
import re

from trctl.errors import UsageError

UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}
_NUMBER = r"\d+(?:\.\d+)?"
_PART = re.compile(rf"({_NUMBER})\s*(ms|s|m|h|d)")
_WHOLE = re.compile(rf"(?:{_NUMBER}\s*(?:ms|s|m|h|d)\s*)+")


def parse_duration(text: str, *, what: str = "duration") -> float:
    """Seconds from `90`, `90s`, `1.5m`, `1h30m`, `500ms` or `2d` (units may be combined,
    largest first or not); a usage error naming `what` for anything else, negatives included."""
    value = str(text).strip().lower()
    if re.fullmatch(_NUMBER, value):
        return float(value)
    if not value or not _WHOLE.fullmatch(value):
        raise UsageError(f"{what} {text!r}: give a duration such as 90s, 5m, 1h30m or 2d")
    seconds = sum(float(number) * UNITS[unit] for number, unit in _PART.findall(value))
    if not math.isfinite(seconds):
        raise UsageError(f"{what} {text!r} is too long")
    return seconds


def format_duration(seconds: float) -> str:
    """`4m 05s`, `1h 02m`, `12s`, `0.4s`: two units at most, for people."""
    if seconds < 10 and seconds != int(seconds):
        return f"{seconds:.1f}s"
    whole = round(seconds)
    days, rest = divmod(whole, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}d {hours:02d}h"
    if hours:
        return f"{hours}h {minutes:02d}m"
    if minutes:
        return f"{minutes}m {secs:02d}s"
    return f"{secs}s"


def parse_moment(text: str, *, what: str = "moment") -> str:
    """An ISO 8601 moment (`2026-12-24T09:00:00Z`, or with an offset; a bare one is UTC) as
    UTC `YYYY-MM-DDTHH:MM:SSZ`; a usage error for anything else."""
    from datetime import datetime, timezone

    value = str(text).strip()
    try:
        parsed = datetime.fromisoformat(value[:-1] + "+00:00" if value.endswith("Z") else value)
    except ValueError as exc:
        raise UsageError(
            f"{what} {text!r}: give a UTC moment such as 2026-12-24T09:00:00Z"
        ) from exc
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
