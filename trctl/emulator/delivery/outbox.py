"""Durable callback delivery on the loop: a lane per destination URL, so a stuck or dead URL
delays nobody else; assignment callbacks never wait behind events; events to one URL go in
order; a backlog is bounded and its drops counted; outcomes are recorded in batches."""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from trctl.emulator.core.callbacks import Delivery
from trctl.emulator.core.core import Core
from trctl.emulator.delivery.answers import Instruction, parse_instruction
from trctl.emulator.delivery.client import CallbackResult, callback_retries
from trctl.emulator.delivery.poster import Poster
from trctl.emulator.loop import Loop
from trctl.emulator.requestlog import Logged, Observer, public_url

log = logging.getLogger("trctl.emulator")

CALLBACK_TIMEOUT = 5.0  # TaskRouter's deadline for an assignment callback
EVENT_TIMEOUT = 15.0  # ... and for an event callback
ASSIGNMENTS_IN_FLIGHT = 64  # per destination URL; more wait their turn
EVENTS_IN_FLIGHT = 32  # per URL, pipelined on one connection, so they arrive in order
MAX_BACKLOG = 10_000  # waiting deliveries per lane; beyond it the oldest is dropped


@dataclass(eq=False)
class Lane:
    """The deliveries of one kind to one URL: waiting, in flight, and what became of them."""

    kind: str
    url: str
    waiting: deque[Delivery] = field(default_factory=deque)
    in_flight: int = 0
    # event lanes: the log ids taken, in order, and those done out of order; what is done from
    # the start of `order` moves the URL's cursor
    order: deque[int] = field(default_factory=deque)
    done: set[int] = field(default_factory=set)
    delivered: int = 0
    failed: int = 0
    dropped: int = 0
    limit: int = field(init=False)  # in flight at once

    def __post_init__(self) -> None:
        self.limit = EVENTS_IN_FLIGHT if self.kind == "event" else ASSIGNMENTS_IN_FLIGHT

    @cached_property
    def event_attempts(self) -> int:
        """How many times an event is sent before it counts as failed (the URL's `#rc=`)."""
        return 1 + callback_retries(self.url, default=1)

    def progress(self, event_id: int) -> int | None:
        """Note an event done; the id every event up to which is done, when that moved."""
        self.done.add(event_id)
        moved = None
        while self.order and self.order[0] in self.done:
            moved = self.order.popleft()
            self.done.discard(moved)
        return moved

    def summary(self) -> dict[str, Any]:
        return {
            "kind": self.kind, "url": public_url(self.url), "waiting": len(self.waiting),
            "in_flight": self.in_flight, "delivered": self.delivered, "failed": self.failed,
            "dropped": self.dropped,
        }  # fmt: skip


class Outbox:
    """Sends what the core queued at commit time (and, after a restart, every row not yet
    delivered). All of its state lives on the loop's thread; other threads only hand
    deliveries over (accept) and wait for quiet (wait_idle)."""

    def __init__(
        self, core: Core, auth_token: str, loop: Loop, observer: Observer | None = None,
        faults: Any = None,
    ) -> None:  # fmt: skip
        self.core = core
        self.auth_token = auth_token
        self.loop = loop
        self.observer = observer  # told of every POST: URL, status, time taken, the answer
        self.executor = ThreadPoolExecutor(max_workers=4, thread_name_prefix="trctl-callback")
        self.poster = Poster(loop, self.executor)
        # every POST goes through the fault rules (trctl.emulator.faults), if any are in use
        self.post = faults.wrap(self.poster.post) if faults is not None else self.poster.post
        self.lanes: dict[tuple[str, str], Lane] = {}
        self.outcomes: list[tuple[int, str, str]] = []
        self.cursors: dict[str, int] = {}  # event callback URL -> every event up to this id done
        self._flush_planned = False
        self.outstanding = 0  # accepted and not yet finished (delivered, failed or dropped)
        self._finished = 0  # finished this turn, not yet recorded (_flush)
        self.max_backlog = MAX_BACKLOG
        self.quiet = threading.Condition()

    # -- from any thread ------------------------------------------------------------------------
    def start(self) -> None:
        """Deliver again whatever a previous run left undelivered, then everything new."""
        with self.core.store.lock:  # no commit between reading the rows and taking new ones
            pending = self.core.deliveries.pending()
            self.core.kernel.delivery_sink = self.accept
        if pending:
            self.accept(pending)

    def accept(self, deliveries: list[Delivery]) -> None:
        """Take committed deliveries (called by the kernel right after the commit)."""
        with self.quiet:
            self.outstanding += len(deliveries)
        self.loop.call_soon_threadsafe(lambda: self._enqueue(deliveries))

    def wait_idle(self, timeout: float) -> bool:
        """True once every accepted callback was delivered, its answer applied and its outcome
        recorded (or the recording failed: logged by the loop, not retried)."""
        with self.quiet:
            return self.quiet.wait_for(lambda: self.outstanding == 0, timeout)

    def stop(self) -> None:
        """Stop sending (the loop stops separately) and record what was done; whatever was not
        sent is sent after the next start."""
        self.core.kernel.delivery_sink = None
        try:
            self.loop.run_and_wait(self._flush)
        except TimeoutError:  # a stuck loop: the next start delivers those again (at least once)
            log.warning("could not record the last delivery outcomes")
        self.executor.shutdown(wait=False, cancel_futures=True)

    def summary(self) -> list[dict[str, Any]]:
        """Per lane: waiting, in flight, delivered, failed, dropped (read on the loop)."""
        return [lane.summary() for lane in self.lanes.values()]

    # -- on the loop ----------------------------------------------------------------------------
    def _enqueue(self, deliveries: list[Delivery]) -> None:
        touched = []
        for delivery in deliveries:
            key = (delivery.kind, delivery.url)
            lane = self.lanes.get(key)
            if lane is None:
                lane = self.lanes[key] = Lane(delivery.kind, delivery.url)
            lane.waiting.append(delivery)
            if delivery.from_log:
                lane.order.append(delivery.id)
            if len(lane.waiting) > self.max_backlog:
                self._drop(lane, lane.waiting.popleft())
            touched.append(lane)
        for lane in dict.fromkeys(touched):
            self._pump(lane)

    def _pump(self, lane: Lane) -> None:
        while lane.waiting and lane.in_flight < lane.limit:
            delivery = lane.waiting.popleft()
            lane.in_flight += 1
            if delivery.kind == "event":
                self._send_event(lane, delivery, lane.event_attempts)
            else:
                self._send_assignment(lane, delivery, delivery.url)

    def _post(self, url: str, delivery: Delivery, timeout: float,
              then: Callable[[CallbackResult], None], pipeline: Any = None) -> None:  # fmt: skip
        self.post(
            url, delivery.params, auth_token=self.auth_token,
            token=delivery.idempotency_token, timeout=timeout, done=then, pipeline=pipeline,
        )  # fmt: skip

    def _send_event(self, lane: Lane, delivery: Delivery, attempts_left: int) -> None:
        def answered(result: CallbackResult) -> None:
            self._report("event", result, delivery.params.get("EventType", ""))
            ok = result.error is None and result.status is not None and result.status < 300
            if not ok and attempts_left > 1:
                self._send_event(lane, delivery, attempts_left - 1)
                return
            self._finish(lane, delivery, ok, _describe(result))

        # one pipelined connection per lane: sent in order, received in order
        self._post(delivery.url, delivery, EVENT_TIMEOUT, answered, pipeline=lane)

    def _send_assignment(self, lane: Lane, delivery: Delivery, url: str) -> None:
        def answered(result: CallbackResult) -> None:
            instruction = _read_answer(result)
            self._report("callback", result, _answered(instruction))
            fallback = delivery.fallback_url
            if instruction.kind == "invalid" and fallback and url != fallback:
                log.info("assignment callback failed (%s); trying the fallback URL",
                         instruction.problem)  # fmt: skip
                self._send_assignment(lane, delivery, delivery.fallback_url)
                return
            self._apply(lane, delivery, result, instruction)

        self._post(url, delivery, CALLBACK_TIMEOUT, answered)

    def _apply(
        self, lane: Lane, delivery: Delivery, result: CallbackResult, instruction: Instruction
    ) -> None:
        outcome = "no action"
        if instruction.kind != "invalid" and delivery.reservation_sid:
            try:
                outcome = self.core.reservations.apply_answer(
                    delivery.reservation_sid, instruction.kind, dict(instruction.params)
                )
            except Exception:  # a failed answer must not stop the deliveries behind it
                log.exception("applying the answer to %s failed", delivery.reservation_sid)
                outcome = "internal error"
        ok = instruction.kind != "invalid"
        self._finish(lane, delivery, ok, f"{_describe(result)}; {instruction.kind}: {outcome}")

    def _finish(self, lane: Lane, delivery: Delivery, ok: bool, result: str) -> None:
        lane.in_flight -= 1
        if ok:
            lane.delivered += 1
        else:
            lane.failed += 1
        self._record(lane, delivery, "delivered" if ok else "failed", result)
        self._pump(lane)

    def _drop(self, lane: Lane, delivery: Delivery) -> None:
        lane.dropped += 1
        if lane.dropped == 1 or lane.dropped % 1000 == 0:
            log.warning("%d %s callback(s) to %s dropped: more than %d waiting",
                        lane.dropped, lane.kind, public_url(lane.url),
                        self.max_backlog)  # fmt: skip
        self._record(lane, delivery, "failed", f"dropped: more than {self.max_backlog} waiting")

    def _record(self, lane: Lane, delivery: Delivery, state: str, result: str) -> None:
        if delivery.from_log:
            moved = lane.progress(delivery.id)
            if moved is not None:
                self.cursors[lane.url] = moved
        else:
            self.outcomes.append((delivery.id, state, result))
        self._finished += 1
        if not self._flush_planned:
            self._flush_planned = True
            self.loop.call_soon(self._flush)

    def _flush(self) -> None:
        """Write the outcomes and cursors gathered this turn in one transaction; then those
        deliveries no longer count as outstanding (wait_idle: done and recorded)."""
        self._flush_planned = False
        outcomes, self.outcomes = self.outcomes, []
        cursors, self.cursors = self.cursors, {}
        finished, self._finished = self._finished, 0
        try:
            if outcomes or cursors:
                self.core.deliveries.finish(outcomes, cursors)
        finally:
            if finished:
                with self.quiet:
                    self.outstanding -= finished
                    if self.outstanding == 0:
                        self.quiet.notify_all()

    def _report(self, kind: str, result: CallbackResult, outcome: str) -> None:
        if self.observer is not None:
            status = result.status if result.error is None else None
            outcome = f"error: {result.error}" if result.error else outcome
            entry = Logged(kind, self.core.now(), status, result.elapsed * 1000,
                           url=public_url(result.url), outcome=outcome)  # fmt: skip
            self.observer(entry)


def _read_answer(result: CallbackResult) -> Instruction:
    """The answer's instruction; a bug while reading it makes the answer invalid (logged), so the
    delivery still ends instead of staying in flight for ever (wait_idle and clock moves wait
    for it)."""
    try:
        return parse_instruction(result)
    except Exception:
        log.exception("reading the answer from %s failed", public_url(result.url))
        return Instruction("invalid", problem="the answer could not be read (an emulator bug)")


def _answered(instruction: Instruction) -> str:
    """The instruction as the log shows it: `accept`, `none` ({}), `invalid: why`."""
    if instruction.kind == "invalid" and instruction.problem:
        return f"invalid: {instruction.problem}"
    return str(instruction.kind)


def _describe(result: CallbackResult | None) -> str:
    if result is None:
        return "not sent"
    if result.error:
        return f"error: {result.error}"
    return f"HTTP {result.status}"
