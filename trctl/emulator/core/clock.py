"""Clocks for the emulator: the system clock and a fake one that tests move by hand."""

from __future__ import annotations

import threading
import time
from typing import Protocol


class Clock(Protocol):
    """Anything with now() -> epoch seconds."""

    def now(self) -> float: ...


class SystemClock:
    """Wall-clock time; timers fire from the scheduler thread."""

    manual = False

    def now(self) -> float:
        return time.time()


DEFAULT_FAKE_START = 1_767_225_600.0  # 2026-01-01T00:00:00Z


class FakeClock:
    """Time that only moves when advance() or set() is called (the manual clock of
    `emulator start --clock manual`); timers fire when the Emulator moves it."""

    manual = True

    def __init__(self, start: float = DEFAULT_FAKE_START) -> None:
        self._now = float(start)
        self._lock = threading.Lock()

    def now(self) -> float:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> float:
        if seconds < 0:
            raise ValueError("a FakeClock cannot go backwards")
        with self._lock:
            self._now += seconds
            return self._now

    def set(self, moment: float) -> float:
        """Move to `moment` (epoch seconds); never backwards: stored dates would go wrong."""
        with self._lock:
            if moment < self._now:
                raise ValueError("a FakeClock cannot go backwards")
            self._now = float(moment)
            return self._now


def iso(ts: float | None) -> str | None:
    """Twilio's date format, YYYY-MM-DDTHH:MM:SSZ (UTC)."""
    if ts is None:
        return None
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))


def parse_iso(text: str) -> float:
    """Parse an ISO 8601 date (Z or offset, or a bare date) to epoch seconds; ValueError if bad."""
    from datetime import datetime, timezone

    value = text.strip()
    if value.endswith("Z"):
        value = value[:-1] + "+00:00"
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.timestamp()
