"""The event loop: one thread owns the sockets and the timers; other threads hand it work."""

from __future__ import annotations

import contextlib
import heapq
import itertools
import logging
import selectors
import socket
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any

log = logging.getLogger("trctl.emulator")

Callback = Callable[[], None]


# cancelled timers stay in the heap until they are due, unless there are this many and they
# are over half of it: then the heap is rebuilt without them (asyncio's rule), so a timeout
# per callback POST, nearly always cancelled, keeps the heap as small as the POSTs in flight
PURGE_AT_LEAST = 64


class Timer:
    """A callback due at a monotonic time; cancel() makes it a no-op."""

    __slots__ = ("callback", "cancelled", "loop", "when")

    def __init__(self, when: float, callback: Callback, loop: Loop | None = None) -> None:
        self.when = when
        self.callback = callback
        self.cancelled = False
        self.loop = loop

    def cancel(self) -> None:
        if not self.cancelled:
            self.cancelled = True
            if self.loop is not None:
                self.loop.cancelled_timers += 1


class Loop:
    """A selectors loop with timers. Everything registered with it runs on its thread, one
    callback at a time, so the code it runs needs no locks among itself; other threads use
    call_soon_threadsafe, which wakes the loop through a socket pair."""

    def __init__(self) -> None:
        self.selector = selectors.DefaultSelector()
        self._timers: list[tuple[float, int, Timer]] = []
        self.cancelled_timers = 0  # of those still in _timers
        self._sequence = itertools.count()
        self._ready: deque[Callback] = deque()
        self._incoming: deque[Callback] = deque()
        self._incoming_lock = threading.Lock()
        self._wake_pending = False  # a wake-up byte was sent and the loop has not taken it yet
        self._wake_reader, self._wake_writer = socket.socketpair()
        self._wake_reader.setblocking(False)
        self._wake_writer.setblocking(False)
        self.selector.register(self._wake_reader, selectors.EVENT_READ, self._drain_wakeups)
        self._stopping = False
        self.thread: threading.Thread | None = None

    # -- scheduling -----------------------------------------------------------------------------
    def call_soon(self, callback: Callback) -> None:
        """Run callback on the next turn (from the loop's own thread only)."""
        self._ready.append(callback)

    def call_soon_threadsafe(self, callback: Callback) -> None:
        """Run callback on the loop's thread, from any thread (from the loop's own, it is
        call_soon: nothing to wake)."""
        if self.thread is threading.current_thread():
            self._ready.append(callback)
            return
        with self._incoming_lock:
            self._incoming.append(callback)
            if self._wake_pending:  # the loop will take this one with the others
                return
            self._wake_pending = True
        # a full pair means a wake-up is already pending; a closed one, that the loop has ended
        with contextlib.suppress(OSError):
            self._wake_writer.send(b"\0")

    def call_later(self, delay: float, callback: Callback) -> Timer:
        return self.call_at(time.monotonic() + max(delay, 0.0), callback)

    def call_at(self, when: float, callback: Callback) -> Timer:
        timer = Timer(when, callback, self)
        heapq.heappush(self._timers, (when, next(self._sequence), timer))
        return timer

    def run_and_wait(self, function: Callable[[], Any], timeout: float = 5.0) -> Any:
        """Run function on the loop's thread and return its result (from any thread)."""
        if self.in_loop_thread() or self.thread is None or not self.thread.is_alive():
            return function()
        done = threading.Event()
        box: list[Any] = []

        def run() -> None:
            try:
                box.append((True, function()))
            except BaseException as exc:  # handed to the waiting thread
                box.append((False, exc))
            finally:
                done.set()

        self.call_soon_threadsafe(run)
        if not done.wait(timeout):
            raise TimeoutError("the emulator's loop did not answer in time")
        ok, value = box[0]
        if not ok:
            raise value
        return value

    def in_loop_thread(self) -> bool:
        return self.thread is threading.current_thread()

    # -- sockets --------------------------------------------------------------------------------
    def watch(self, sock: socket.socket, events: int, handler: Callable[[int], None]) -> None:
        """Call handler(events) whenever sock is ready for `events` (selectors' EVENT_* bits)."""
        try:
            self.selector.modify(sock, events, handler)
        except KeyError:
            self.selector.register(sock, events, handler)

    def forget(self, sock: socket.socket) -> None:
        with contextlib.suppress(KeyError, ValueError):  # never registered, or already closed
            self.selector.unregister(sock)

    # -- running --------------------------------------------------------------------------------
    def start(self, name: str = "trctl-emulator-loop") -> None:
        self.thread = threading.Thread(target=self.run, name=name, daemon=True)
        self.thread.start()

    def run(self) -> None:
        """Serve until stop(): sockets, then due timers, then callbacks handed over."""
        self.thread = threading.current_thread()
        while not self._stopping:
            timeout = self._timeout()
            for key, events in self.selector.select(timeout):
                self._guarded(lambda key=key, events=events: key.data(events))
            self._run_due_timers()
            self._run_ready()
        self._close()

    def stop(self) -> None:
        """Stop the loop (from any thread) and wait for it to finish."""
        self._stopping = True
        self.call_soon_threadsafe(lambda: None)
        if self.thread is not None and self.thread is not threading.current_thread():
            self.thread.join(10)

    def _timeout(self) -> float | None:
        if self.cancelled_timers >= PURGE_AT_LEAST and 2 * self.cancelled_timers > len(
            self._timers
        ):
            self._timers = [entry for entry in self._timers if not entry[2].cancelled]
            heapq.heapify(self._timers)
            self.cancelled_timers = 0
        if self._ready or self._incoming:
            return 0.0
        while self._timers and self._timers[0][2].cancelled:
            heapq.heappop(self._timers)
            self.cancelled_timers -= 1
        if not self._timers:
            return None
        return max(self._timers[0][0] - time.monotonic(), 0.0)

    def _run_due_timers(self) -> None:
        now = time.monotonic()
        while self._timers and self._timers[0][0] <= now:
            _, _, timer = heapq.heappop(self._timers)
            if timer.cancelled:
                self.cancelled_timers -= 1
            else:
                timer.loop = None  # due: a cancel() from now on changes no count
                self._ready.append(timer.callback)

    def _run_ready(self) -> None:
        with self._incoming_lock:
            self._ready.extend(self._incoming)
            self._incoming.clear()
        for _ in range(len(self._ready)):  # callbacks added while running wait for a turn
            self._guarded(self._ready.popleft())

    def _drain_wakeups(self, events: int) -> None:
        try:
            while self._wake_reader.recv(4096):
                pass
        except BlockingIOError:
            pass
        # only now: a thread that saw a wake-up pending until here knows this turn takes its
        # callback (_run_ready comes after); from now on a hand-over sends a new byte
        with self._incoming_lock:
            self._wake_pending = False

    @staticmethod
    def _guarded(callback: Callback) -> None:
        try:
            callback()
        except Exception:  # one failing callback must never stop the loop
            log.exception("emulator loop callback failed")

    def _close(self) -> None:
        for key in list(self.selector.get_map().values()):
            if key.fileobj is not self._wake_reader:
                with contextlib.suppress(OSError):
                    key.fileobj.close()  # type: ignore[union-attr]
        self.selector.close()
        self._wake_reader.close()
        self._wake_writer.close()
