"""The outbox's promise to wait_idle: a delivery stops counting once its outcome is written."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest

from trctl.emulator.core.callbacks import Delivery
from trctl.emulator.delivery.client import CallbackResult
from trctl.emulator.delivery.outbox import Outbox
from trctl.emulator.loop import Loop

URL = "http://127.0.0.1:9/events"


class Deliveries:
    """The store's side of the outbox: what finish() was given, and what was outstanding then."""

    def __init__(self, outbox_of: list[Outbox], fail: bool = False) -> None:
        self.outbox_of, self.fail = outbox_of, fail
        self.finished: list[tuple[list, dict]] = []
        self.outstanding_then: list[int] = []

    def pending(self) -> list[Delivery]:
        return []

    def finish(self, outcomes: list, cursors: dict) -> None:
        self.outstanding_then.append(self.outbox_of[0].outstanding)
        if self.fail:
            raise RuntimeError("the disk is full")
        self.finished.append((outcomes, cursors))


class Core:
    """The parts of the emulator's core the outbox uses."""

    def __init__(self, deliveries: Deliveries) -> None:
        self.deliveries = deliveries
        self.kernel = type("Kernel", (), {"delivery_sink": None})()
        self.store = type("Store", (), {"lock": threading.Lock()})()

    def now(self) -> float:
        return 0.0


@pytest.fixture
def loop() -> Iterator[Loop]:
    running = Loop()
    running.start()
    yield running
    running.stop()


def outbox_with(loop: Loop, *, fail: bool = False) -> tuple[Outbox, Deliveries]:
    """An outbox whose POSTs are answered 204 on the loop's next turn."""
    made: list[Outbox] = []
    deliveries = Deliveries(made, fail=fail)
    outbox = Outbox(Core(deliveries), "token", loop)  # type: ignore[arg-type]
    made.append(outbox)

    def post(url: str, params: Any, *, done: Any, **options: Any) -> None:
        answered = CallbackResult(url, 204, None, "", 0.001, None)
        loop.call_soon(lambda: done(answered))

    outbox.post = post
    return outbox, deliveries


def events(*ids: int) -> list[Delivery]:
    return [Delivery(i, "event", "WS1", URL, None, {"EventType": "x"}, f"EV{i}", None, True)
            for i in ids]  # fmt: skip


def test_idle_means_the_outcomes_are_written(loop: Loop) -> None:
    outbox, deliveries = outbox_with(loop)
    outbox.accept(events(1, 2, 3))
    assert outbox.wait_idle(5)
    written = {url: last for _, cursors in deliveries.finished for url, last in cursors.items()}
    assert written == {URL: 3}
    # each write happened while its deliveries still counted: wait_idle could not pass it
    assert all(count > 0 for count in deliveries.outstanding_then)


def test_a_write_that_fails_is_logged_and_does_not_keep_wait_idle_waiting(
    loop: Loop, thread_errors: Any
) -> None:
    outbox, deliveries = outbox_with(loop, fail=True)
    outbox.accept(events(1, 2))
    assert outbox.wait_idle(5)
    assert deliveries.finished == [] and deliveries.outstanding_then
    loop.run_and_wait(lambda: None)  # the loop logs a failed callback before its next one
    (logged,) = thread_errors.take()
    assert "emulator loop callback failed" in logged and "the disk is full" in logged
