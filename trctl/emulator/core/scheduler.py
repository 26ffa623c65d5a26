"""The timer thread: sleeps on a Condition until the next stored deadline, then fires it."""

from __future__ import annotations

import logging
import threading

from trctl.emulator.core.kernel import Kernel
from trctl.emulator.core.timers import Timers

log = logging.getLogger("trctl.emulator")
MAX_SLEEP = 60.0


class Scheduler:
    """Fires due timers with the system clock; with a manual (fake) clock it does nothing."""

    def __init__(self, kernel: Kernel, timers: Timers, *, manual: bool) -> None:
        self.kernel = kernel
        self.timers = timers
        self.manual = manual
        self.cond = threading.Condition()
        self.stopping = False
        self.changed = True
        self.planned = 0.0  # when the thread plans to wake next (epoch seconds)
        self.thread = threading.Thread(target=self._run, name="trctl-scheduler", daemon=True)
        kernel.commit_hooks.append(self.wake)

    def start(self) -> None:
        if not self.manual:
            self.thread.start()

    def stop(self) -> None:
        with self.cond:
            self.stopping = True
            self.cond.notify_all()
        if self.thread.is_alive():
            self.thread.join(5.0)

    def wake(self) -> None:
        """Commit hook: wake the thread only when a new deadline is earlier than its plan."""
        hint = self.kernel.take_deadline_hint()
        if self.manual or hint is None:
            return
        with self.cond:
            if hint < self.planned:
                self.changed = True
                self.cond.notify_all()

    def poke(self) -> None:
        """Re-check the timers now (e.g. after an injected clock jumped)."""
        with self.cond:
            self.changed = True
            self.cond.notify_all()

    def _run(self) -> None:
        while True:
            with self.cond:
                if self.stopping:
                    return
                self.changed = False
                self.planned = float("inf")  # any new deadline re-runs the loop while computing
            try:
                deadline = self.timers.next_deadline()
                if deadline is not None and deadline <= self.kernel.now():
                    self.timers.fire_due()
                    deadline = self.timers.next_deadline()
            except Exception:
                log.exception("timer processing failed")
                deadline = None
            with self.cond:
                if self.stopping:
                    return
                if self.changed:
                    continue
                wait = MAX_SLEEP
                if deadline is not None:
                    wait = min(max(deadline - self.kernel.now(), 0.0), MAX_SLEEP)
                self.planned = self.kernel.now() + wait
                if wait > 0:
                    self.cond.wait(wait)
