"""The emulator's loop: timers run in deadline order, cancelled ones never, and cancelled ones
do not pile up in the heap (a callback POST's timeout is nearly always cancelled)."""

from __future__ import annotations

import threading

from trctl.emulator.loop import PURGE_AT_LEAST, Loop


def run_on(loop: Loop, function: object) -> None:
    loop.start()
    try:
        loop.run_and_wait(function)  # type: ignore[arg-type]
    finally:
        loop.stop()


def test_due_timers_run_in_deadline_order_and_cancelled_ones_never() -> None:
    loop = Loop()
    ran: list[str] = []
    finished = threading.Event()

    def schedule() -> None:
        loop.call_later(0.02, lambda: ran.append("second"))
        loop.call_later(0.01, lambda: ran.append("first"))
        loop.call_later(0.015, lambda: ran.append("cancelled")).cancel()
        loop.call_later(0.03, finished.set)

    loop.start()
    try:
        loop.run_and_wait(schedule)
        assert finished.wait(5)
    finally:
        loop.stop()
    assert ran == ["first", "second"]


def test_cancelled_timers_are_purged_once_they_are_most_of_the_heap() -> None:
    loop = Loop()
    sizes: list[int] = []

    def churn() -> None:
        keep = loop.call_later(3600, lambda: None)
        for _ in range(10 * PURGE_AT_LEAST):
            loop.call_later(3600, lambda: None).cancel()
            loop._timeout()  # what each turn of the loop does first
            sizes.append(len(loop._timers))
        keep.cancel()

    run_on(loop, churn)
    assert max(sizes) <= 2 * PURGE_AT_LEAST  # without the purge: 10 * PURGE_AT_LEAST + 1
    assert sizes[-1] < PURGE_AT_LEAST


def test_cancelling_a_timer_that_already_ran_changes_no_count() -> None:
    loop = Loop()
    fired = threading.Event()
    timers = []
    loop.start()
    try:
        loop.run_and_wait(lambda: timers.append(loop.call_later(0, fired.set)))
        assert fired.wait(5)
        loop.run_and_wait(timers[0].cancel)
        assert loop.run_and_wait(lambda: loop.cancelled_timers) == 0
    finally:
        loop.stop()


def test_no_hand_over_from_other_threads_is_lost() -> None:
    """Wake-ups are sent only when none is pending; every callback still runs, promptly."""
    loop = Loop()
    ran: list[int] = []
    done = threading.Event()
    total = 4 * 2000

    def count(n: int) -> None:
        ran.append(n)
        if len(ran) == total:
            done.set()

    def hand_over(offset: int) -> None:
        for n in range(offset, offset + 2000):
            loop.call_soon_threadsafe(lambda n=n: count(n))

    loop.start()
    try:
        threads = [threading.Thread(target=hand_over, args=(k * 2000,)) for k in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert done.wait(5), f"{len(ran)} of {total} ran"
        late = threading.Event()
        loop.call_soon_threadsafe(late.set)  # after a quiet spell, a new hand-over still wakes it
        assert late.wait(5)
    finally:
        loop.stop()
    assert sorted(ran) == list(range(total))


def test_a_hand_over_from_the_loop_itself_sends_no_wake_up() -> None:
    loop = Loop()
    sent: list[bytes] = []
    real_writer = loop._wake_writer

    class Counting:
        def send(self, data: bytes) -> int:
            sent.append(data)
            return real_writer.send(data)

    loop.start()
    try:
        loop.run_and_wait(lambda: setattr(loop, "_wake_writer", Counting()))
        ran = threading.Event()

        def from_the_loop() -> int:
            before = len(sent)
            loop.call_soon_threadsafe(ran.set)
            return len(sent) - before

        assert loop.run_and_wait(from_the_loop) == 0
        assert ran.wait(5)
    finally:
        loop._wake_writer = real_writer
        loop.stop()
