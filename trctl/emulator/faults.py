"""Faults on demand: the rules in force (from a file, `trctl emulator faults add`, or POST
/trctl/faults) and where they bite: API requests in App.handle, callback POSTs in the outbox."""

from __future__ import annotations

import random
import threading
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from trctl.emulator.delivery.faulty import FaultyPost, Post
from trctl.emulator.delivery.signing import signing_url
from trctl.emulator.faultrules import FaultAction, FaultError, Rule, load_rules, parse_rule
from trctl.emulator.loop import Loop
from trctl.emulator.requestlog import Observer

OWN_PATHS = "/trctl/"  # the emulator's own endpoints never fail: faults can always be cleared

__all__ = ["FaultAction", "FaultError", "Faults", "load_rules"]


def after(seconds: float, callback: Callable[[], None]) -> None:
    """Run callback in `seconds` (real time), from a timer thread."""
    timer = threading.Timer(seconds, callback)
    timer.daemon = True
    timer.start()


class Faults:
    """The rules in force, in order: the first that matches (and wins its probability draw)
    injects its fault, and counts it. Thread-safe. `rng` and `later` (how a delay is waited:
    later(seconds, callback)) may be a test's."""

    def __init__(
        self,
        rules: Iterable[Mapping[str, Any]] = (),
        *,
        rng: random.Random | None = None,
        later: Callable[[float, Callable[[], None]], None] = after,
    ) -> None:
        self.rng = rng or random.Random()
        self.later = later
        self._lock = threading.Lock()
        self._rules: list[Rule] = []
        self._next_id = 1
        self.delivery = FaultyPost(self.for_delivery)
        for fields in rules:
            self.add(fields)

    def attach(self, loop: Loop, observer: Observer | None, now: Callable[[], float]) -> None:
        """Callback faults happen on the emulator's loop and go to its request log, timed by
        its clock."""
        delivery = self.delivery
        delivery.soon = loop.call_soon
        delivery.later = lambda seconds, callback: self.later(
            seconds, lambda: loop.call_soon_threadsafe(callback)
        )
        delivery.on_loop = loop.run_and_wait
        delivery.observer = observer
        delivery.now = now

    # -- the rules ------------------------------------------------------------------------------
    def add(self, fields: Mapping[str, Any]) -> dict[str, Any]:
        """Check and add one rule (FaultError if it cannot be used); its id is F1, F2, ..."""
        with self._lock:
            rule = parse_rule(fields, f"F{self._next_id}")
            self._next_id += 1
            self._rules.append(rule)
            return rule.shown()

    def rules(self) -> list[dict[str, Any]]:
        with self._lock:
            return [rule.shown() for rule in self._rules]

    def clear(self, rule_id: str | None = None) -> int:
        """Remove one rule (KeyError if unknown) or all; held callbacks are sent."""
        with self._lock:
            if rule_id is None:
                gone, self._rules = len(self._rules), []
            else:
                kept = [rule for rule in self._rules if rule.id != rule_id]
                if len(kept) == len(self._rules):
                    raise KeyError(rule_id)
                gone, self._rules = 1, kept
        self.flush()
        return gone

    # -- where they bite ------------------------------------------------------------------------
    def for_request(self, method: str, path: str) -> FaultAction | None:
        """The fault for one API request (App.handle applies it), or None."""
        if path.startswith(OWN_PATHS):
            return None
        return self._pick("api", method, path)

    def for_delivery(self, url: str) -> FaultAction | None:
        """The fault for one callback POST to `url` (matched without credentials or fragment)."""
        if not self._rules:  # the usual case: no rules, nothing to match
            return None
        try:
            shown = signing_url(url)
        except ValueError:
            shown = url
        return self._pick("callback", None, shown)

    def wrap(self, post: Post) -> Post:
        """The outbox's POST with the callback rules applied to each one."""
        return self.delivery.wrap(post)

    def flush(self) -> int:
        """Send the callbacks a reorder rule still holds back (a clock move does)."""
        return self.delivery.flush()

    def wait_sent(self, timeout: float) -> bool:
        """True once the held event callbacks released so far were answered."""
        return self.delivery.wait_sent(timeout)

    def _pick(self, kind: str, method: str | None, target: str) -> FaultAction | None:
        with self._lock:
            for rule in self._rules:
                if rule.kind != kind or rule.times == 0 or not rule.matches(method, target):
                    continue
                if rule.probability < 1 and self.rng.random() >= rule.probability:
                    continue
                rule.injected += 1
                if rule.times is not None:
                    rule.times -= 1
                return rule.fault()
        return None
