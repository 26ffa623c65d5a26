"""Durable callback delivery: worker threads send outbox rows (signed) and apply the answers."""

from __future__ import annotations

import logging
import threading
from typing import Any

from trctl.emulator.core.core import Core
from trctl.emulator.core.deliveries import Delivery
from trctl.emulator.requestlog import Logged, Observer, public_url

log = logging.getLogger("trctl.emulator")

CALLBACK_TIMEOUT = 5.0
EVENT_TIMEOUT = 15.0
EVENT_ATTEMPTS = 2  # one retry, Twilio's default for webhooks


class Outbox:
    """Claims pending outbox rows, posts them outside the lock, records the outcome."""

    def __init__(
        self, core: Core, auth_token: str, threads: int = 4, observer: Observer | None = None
    ) -> None:
        self.core = core
        self.auth_token = auth_token
        self.observer = observer  # told of every POST: URL, status, time taken, the answer
        self.cond = threading.Condition()
        self.in_flight: set[int] = set()
        self.stopping = False
        self.threads = [
            threading.Thread(target=self._run, name=f"trctl-outbox-{n}", daemon=True)
            for n in range(threads)
        ]
        core.kernel.commit_hooks.append(self.kick)

    def start(self) -> None:
        for thread in self.threads:
            thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        with self.cond:
            self.stopping = True
            self.cond.notify_all()
        for thread in self.threads:
            if thread.is_alive():
                thread.join(timeout)

    def kick(self) -> None:
        with self.cond:
            self.cond.notify_all()

    # -- idle detection -------------------------------------------------------------------------
    def idle(self) -> bool:
        return not self.in_flight and self.core.deliveries.pending_count() == 0

    def wait_idle(self, timeout: float) -> bool:
        with self.cond:
            return self.cond.wait_for(self.idle, timeout)

    # -- delivery -------------------------------------------------------------------------------
    def _claim(self) -> Delivery | None:
        delivery = self.core.deliveries.next(self.in_flight)
        if delivery is not None:
            self.in_flight.add(delivery.id)
        return delivery

    def _run(self) -> None:
        while True:
            with self.cond:
                row = None
                while not self.stopping:
                    row = self._claim()
                    if row is not None:
                        break
                    self.cond.wait()
                if self.stopping:
                    return
            try:
                self._deliver(row)
            except Exception:  # delivery problems must not kill the thread
                log.exception("outbox delivery of row %s failed", row.id)
                self._finish(row.id, "failed", "internal error")
            finally:
                with self.cond:
                    self.in_flight.discard(row.id)
                    self.cond.notify_all()

    def _deliver(self, row: Delivery) -> None:
        from trctl.emulator.delivery.answers import parse_instruction
        from trctl.emulator.delivery.client import post_callback

        params = row.params
        token = row.idempotency_token
        if row.kind == "event":
            result = None
            for _ in range(EVENT_ATTEMPTS):
                result = post_callback(
                    row.url, params, auth_token=self.auth_token, idempotency_token=token,
                    timeout=EVENT_TIMEOUT,
                )  # fmt: skip
                self._report("event", result, params.get("EventType", ""))
                if result.error is None and result.status is not None and result.status < 300:
                    break
            ok = result is not None and result.error is None and (result.status or 500) < 300
            self._finish(row.id, "delivered" if ok else "failed", _describe(result))
            return
        result = post_callback(
            row.url, params, auth_token=self.auth_token, idempotency_token=token,
            timeout=CALLBACK_TIMEOUT,
        )  # fmt: skip
        instruction = parse_instruction(result)
        self._report("callback", result, _answered(instruction))
        if instruction.kind == "invalid" and row.fallback_url:
            log.info(
                "assignment callback failed (%s); trying the fallback URL", instruction.problem
            )
            result = post_callback(
                row.fallback_url, params, auth_token=self.auth_token, idempotency_token=token,
                timeout=CALLBACK_TIMEOUT,
            )  # fmt: skip
            instruction = parse_instruction(result)
            self._report("callback", result, _answered(instruction))
        outcome = "no action"
        if instruction.kind != "invalid" and row.reservation_sid:
            outcome = self.core.reservations.apply_answer(
                row.reservation_sid, instruction.kind, dict(instruction.params)
            )
        state = "failed" if instruction.kind == "invalid" else "delivered"
        self._finish(row.id, state, f"{_describe(result)}; {instruction.kind}: {outcome}")

    def _finish(self, row_id: int, state: str, result: str) -> None:
        self.core.deliveries.finish(row_id, state, result)

    def _report(self, kind: str, result: Any, outcome: str) -> None:
        if self.observer is not None:
            status = result.status if result.error is None else None
            outcome = f"error: {result.error}" if result.error else outcome
            entry = Logged(kind, self.core.now(), status, result.elapsed * 1000,
                           url=public_url(result.url), outcome=outcome)  # fmt: skip
            self.observer(entry)


def _answered(instruction: Any) -> str:
    """The instruction as the log shows it: `accept`, `none` ({}), `invalid: why`."""
    if instruction.kind == "invalid" and instruction.problem:
        return f"invalid: {instruction.problem}"
    return str(instruction.kind)


def _describe(result: Any) -> str:
    if result is None:
        return "not sent"
    if result.error:
        return f"error: {result.error}"
    return f"HTTP {result.status}"
