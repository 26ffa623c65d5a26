"""The clock a user moves (`--clock manual`): shown, moved forward, and everything that falls due
on the way happens in order, with the callbacks it causes, before the move returns."""

from __future__ import annotations

import math
import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

from trctl.emulator.core.clock import iso
from trctl.emulator.core.timers import Timers

MANUAL = "manual"
REAL = "real"
STORED_AT = "manual_clock"  # store meta: where a manual clock stood, so a restart goes on from it
# The latest moment a manual clock may reach: every date the emulator writes has a four-digit
# year (Twilio's format), with a year to spare for the deadlines computed from it (TTL, retention)
LATEST = 253_370_764_800.0  # 9999-01-01T00:00:00Z
T = TypeVar("T")


class ClockError(ValueError):
    """The clock cannot move that way: it is the real one, or the move goes backwards."""


@dataclass(frozen=True)
class Moved:
    """Where a move ended, how many timers fired on the way, and whether every callback they
    caused was delivered (and its answer applied) before it returned."""

    now: float
    fired: int
    settled: bool
    kinds: dict[str, int] = field(default_factory=dict)  # reservation, target, ttl, retention


class TimeControl:
    """Moves a manual clock deadline by deadline: at each, the due timers fire (reservation and
    target timeouts, task TTL, retention), then `settle` lets the callbacks queued so far be
    delivered and answered, then the clock goes on to the next deadline or the target. So an
    app's answer to a callback at t=5 is applied before a timer due at t=10 fires, as it would
    be in real time. One move at a time."""

    def __init__(
        self,
        clock: Any,
        timers: Timers,
        settle: Callable[[], bool],
        remember: Callable[[float], None] | None = None,
    ) -> None:
        self.clock = clock
        self.timers = timers
        self.settle = settle  # True once every queued callback was delivered and answered
        self.remember = remember  # told where the clock stands after each move
        self._lock = threading.Lock()
        self._mover: ThreadPoolExecutor | None = None

    def submit(self, move: Callable[[], T]) -> Future[T]:
        """Run a move on the clock's own thread (one at a time): a caller on the emulator's
        loop must not wait for the callbacks the move delivers through that same loop."""
        if self._mover is None:
            self._mover = ThreadPoolExecutor(max_workers=1, thread_name_prefix="trctl-clock")
        return self._mover.submit(move)

    def close(self) -> None:
        if self._mover is not None:
            self._mover.shutdown(wait=False, cancel_futures=True)

    @property
    def mode(self) -> str:
        manual = getattr(self.clock, "manual", False) and hasattr(self.clock, "set")
        return MANUAL if manual else REAL

    def now(self) -> float:
        return float(self.clock.now())

    def advance(self, seconds: float) -> Moved:
        """Move forward by `seconds` (0 fires what is already due and delivers callbacks)."""
        if not (isinstance(seconds, (int, float)) and math.isfinite(seconds) and seconds >= 0):
            raise ClockError(f"the clock moves forward only: {seconds!r} is not seconds >= 0")
        return self._move(lambda now: now + seconds)

    def set(self, moment: float) -> Moved:
        """Move forward to `moment` (epoch seconds); never back."""
        if not (isinstance(moment, (int, float)) and math.isfinite(moment)):
            raise ClockError(f"{moment!r} is not a moment")
        return self._move(lambda now: float(moment))

    def _move(self, target_of: Callable[[float], float]) -> Moved:
        if self.mode != MANUAL:
            raise ClockError(
                "the emulator runs on the real clock; start it with --clock manual to move time"
            )
        with self._lock:
            now = self.now()
            target = target_of(now)
            if target < now:
                raise ClockError(
                    f"the clock moves forward only: it is {iso(now)}, after {iso(target)}"
                )
            if target > LATEST:
                raise ClockError(f"the clock goes no later than {iso(LATEST)}")
            kinds: Counter[str] = Counter()
            settled = self.settle()
            while True:
                due = self.timers.next_deadline()
                step = target if due is None or due > target else max(due, self.now())
                self.clock.set(step)
                fired_here = self.timers.fire_due(counts=kinds)
                settled = self.settle() and settled
                if step >= target:
                    due = self.timers.next_deadline()
                    if due is None or due > target or fired_here == 0:
                        break
            if self.remember is not None:
                self.remember(self.now())
            return Moved(self.now(), sum(kinds.values()), settled, dict(kinds))
