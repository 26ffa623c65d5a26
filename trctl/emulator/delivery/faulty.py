"""Callback POSTs as a faulty network delivers them: late, never, twice (with the same
idempotency token, as TaskRouter's retries) or after the next one, as fault rules say. Runs on
the emulator's loop, around the poster's post(): nothing here blocks a thread."""

from __future__ import annotations

import fnmatch
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from trctl.emulator.delivery.client import CallbackResult
from trctl.emulator.delivery.signing import signing_url
from trctl.emulator.requestlog import Logged, Observer, public_url

REORDER_WAIT = 1.0  # a held callback goes anyway after this long (real time) without a next one
Done = Callable[[CallbackResult], None]
Post = Callable[..., None]  # Poster.post(url, params, *, auth_token, token, timeout, done)
Pick = Callable[[str], Any]  # url -> the FaultAction of the first matching rule, or None
Later = Callable[[float, Callable[[], None]], None]  # run a callback on the loop after seconds


def _direct(function: Callable[[], Any]) -> Any:
    return function()


@dataclass(eq=False)
class _Held:
    """A callback held back by a reorder rule until the next one matching it is sent."""

    pattern: str
    send: Callable[[], None]


class FaultyPost:
    """Wraps the outbox's post(): each POST asks `pick` for a fault and suffers it; every
    fault becomes a request-log entry. `soon` and `later` schedule on the loop; `on_loop` runs
    a function there from another thread and returns its result."""

    def __init__(self, pick: Pick) -> None:
        self.pick = pick
        self.soon: Callable[[Callable[[], None]], None] = _direct
        self.later: Later = lambda seconds, callback: callback()
        self.on_loop: Callable[[Callable[[], Any]], Any] = _direct
        self.now: Callable[[], float] = time.time
        self.observer: Observer | None = None
        self._held: list[_Held] = []
        self._sending = 0  # held event callbacks on their way (the outbox no longer counts them)
        self._quiet = threading.Condition()

    def wrap(self, post: Post) -> Post:
        """`post` with the fault rules applied to each POST (retries and fallbacks included)."""

        def send(url: str, params: Mapping[str, str], *, done: Done, **options: Any) -> None:
            fault = self.pick(url)
            if fault is None and not self._held:  # the usual case: nothing to suffer or release
                post(url, params, done=done, **options)
                return

            def finished(result: CallbackResult) -> None:
                if self._held and (fault is None or fault.action != "reorder"):
                    self._release_after(url)
                done(result)

            if fault is None:
                post(url, params, done=finished, **options)
            else:
                self._suffer(fault, post, url, params, options, finished)

        return send

    def _suffer(
        self,
        fault: Any,
        post: Post,
        url: str,
        params: Mapping[str, str],
        options: dict[str, Any],
        done: Done,
    ) -> None:
        kind = "event" if "EventType" in params else "callback"
        if fault.action == "drop":
            self._log(kind, url, None, 0.0, fault.describe())
            error = f"dropped by fault rule {fault.rule}"
            dropped = CallbackResult(signing_url(url), None, None, "", 0.0, error)
            self.soon(lambda: done(dropped))
        elif fault.action == "delay":
            self._log(kind, url, None, 0.0, fault.describe())
            self.later(fault.delay, lambda: post(url, params, done=done, **options))
        elif fault.action == "duplicate":  # TaskRouter acts on the second answer, as on a retry's

            def again(first: CallbackResult) -> None:
                self._log(kind, url, first.status, first.elapsed * 1000, fault.describe())
                post(url, params, done=done, **options)

            post(url, params, done=again, **options)
        else:
            self._hold(fault, kind, post, url, params, options, done)

    def _hold(
        self,
        fault: Any,
        kind: str,
        post: Post,
        url: str,
        params: Mapping[str, str],
        options: dict[str, Any],
        done: Done,
    ) -> None:
        """Reorder: the POST goes after the next one matching the rule (or after REORDER_WAIT).
        An event callback is handed back as accepted (202) at once, so the outbox, which sends
        the events to one URL one at a time, can send the next; an assignment callback's answer
        is awaited, because it is needed."""
        event = kind == "event"

        def sent(result: CallbackResult) -> None:
            self._log(kind, url, result.status, result.elapsed * 1000,
                      f"{fault.describe()} (sent after the next one)")  # fmt: skip
            if event:
                with self._quiet:
                    self._sending -= 1
                    self._quiet.notify_all()
            else:
                done(result)

        def send() -> None:
            if event:
                with self._quiet:
                    self._sending += 1
            post(url, params, done=sent, **options)

        held = _Held(fault.pattern, send)
        self._held.append(held)
        self._log(kind, url, None, 0.0, f"{fault.rule}: held back until the next callback")
        self.later(REORDER_WAIT, lambda: self._release(held))
        if event:
            accepted = CallbackResult(signing_url(url), 202, None, "", 0.0, None)
            self.soon(lambda: done(accepted))

    def _release(self, held: _Held) -> bool:
        """Send a held callback once (whoever comes first: the next POST, the timer, flush)."""
        if held not in self._held:
            return False
        self._held.remove(held)
        held.send()
        return True

    def _release_after(self, url: str) -> None:
        target = signing_url(url)
        for held in [h for h in self._held if fnmatch.fnmatchcase(target, h.pattern)]:
            self._release(held)

    def flush(self) -> int:
        """Send every held callback now (from any thread; a clock move does)."""
        return int(self.on_loop(lambda: sum(self._release(h) for h in list(self._held))))

    def wait_sent(self, timeout: float) -> bool:
        """True once the held event callbacks that were released have been answered."""
        with self._quiet:
            return self._quiet.wait_for(lambda: self._sending == 0, timeout)

    def _log(self, kind: str, url: str, status: int | None, ms: float, fault: str) -> None:
        if self.observer is not None:
            self.observer(Logged(kind, self.now(), status, ms, url=public_url(url), fault=fault))
