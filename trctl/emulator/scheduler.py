"""Timers on the loop: one loop timer set for the earliest stored deadline, fired when due."""

from __future__ import annotations

import logging

from trctl.emulator.core.kernel import Kernel
from trctl.emulator.core.timers import Timers
from trctl.emulator.loop import Loop, Timer

log = logging.getLogger("trctl.emulator")
MAX_SLEEP = 60.0  # re-read the deadlines at least this often (the clock may have jumped)


class Scheduler:
    """Fires due timers with the system clock; with a manual clock it never fires by itself
    (the test or `clock advance` fires them)."""

    def __init__(self, kernel: Kernel, timers: Timers, loop: Loop, *, manual: bool) -> None:
        self.kernel = kernel
        self.timers = timers
        self.loop = loop
        self.manual = manual
        self.timer: Timer | None = None
        self.planned = float("inf")  # the deadline the loop timer is set for (epoch seconds)
        kernel.commit_hooks.append(self.wake)

    def start(self) -> None:
        if not self.manual:
            self.loop.call_soon_threadsafe(self._plan)

    def poke(self) -> None:
        """Read the deadlines again now (after an injected clock jumped)."""
        self.loop.call_soon_threadsafe(self._plan)

    def wake(self) -> None:
        """Commit hook: re-plan only when the new deadline is earlier than the planned one."""
        hint = self.kernel.take_deadline_hint()
        if self.manual or hint is None or hint >= self.planned:
            return
        self.planned = hint  # a later commit's later hint must not re-plan again
        self.loop.call_soon_threadsafe(self._plan)

    def _plan(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
        try:
            deadline = self.timers.next_deadline()
        except Exception:
            log.exception("reading the timers failed")
            deadline = None
        now = self.kernel.now()
        wait = MAX_SLEEP if deadline is None else min(max(deadline - now, 0.0), MAX_SLEEP)
        self.planned = now + wait
        self.timer = self.loop.call_later(wait, self._fire)

    def _fire(self) -> None:
        self.timer = None
        try:
            self.timers.fire_due()
        except Exception:
            log.exception("timer processing failed")
        self._plan()
