"""Server-side guards: a connection reaper for slow headers and a replay cache for answers."""

from __future__ import annotations

import contextlib
import socket
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from typing import Any

Clock = Callable[[], float]


class ConnectionReaper:
    """Shuts down sockets that have not finished sending their headers by a deadline.

    The per-recv socket timeout alone lets a client drip one header byte every few seconds
    forever; one thread watching every connection's total deadline closes that hole cheaply.
    """

    def __init__(self, clock: Clock, *, tick: float = 0.1) -> None:
        self._clock = clock
        self._tick = tick
        self._deadlines: dict[socket.socket, float] = {}
        self._reaped: set[socket.socket] = set()
        self._cond = threading.Condition()
        self._running = False
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._running = True
        self._thread = threading.Thread(target=self._run, name="callback-reaper", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        with self._cond:
            self._running = False
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join(timeout=2)

    def watch(self, sock: socket.socket, seconds: float) -> None:
        with self._cond:
            self._deadlines[sock] = self._clock() + seconds

    def release(self, sock: socket.socket) -> bool:
        """Stop watching; False when the socket was already reaped (the request is void)."""
        with self._cond:
            self._deadlines.pop(sock, None)
            if sock in self._reaped:
                self._reaped.discard(sock)
                return False
            return True

    def forget(self, sock: socket.socket) -> None:
        """The connection is finished: drop every trace of it."""
        with self._cond:
            self._deadlines.pop(sock, None)
            self._reaped.discard(sock)

    def _run(self) -> None:
        with self._cond:
            while self._running:
                now = self._clock()
                for sock, deadline in list(self._deadlines.items()):
                    if deadline <= now:
                        del self._deadlines[sock]
                        self._reaped.add(sock)
                        with contextlib.suppress(OSError):
                            sock.shutdown(socket.SHUT_RDWR)
                self._cond.wait(self._tick)


class ReplayCache:
    """The first answer per key (ReservationSid, idempotency token), computed once, bounded LRU.

    Concurrent duplicates wait for the first computation instead of running decide() twice.
    """

    def __init__(self, capacity: int = 10_000, *, wait_seconds: float = 5.0) -> None:
        self._capacity = capacity
        self._wait = wait_seconds
        self._answers: OrderedDict[Hashable, Any] = OrderedDict()
        self._pending: dict[Hashable, threading.Event] = {}
        self._lock = threading.Lock()

    def _cached(self, keys: Sequence[Hashable]) -> tuple[bool, Any]:
        for key in keys:
            if key in self._answers:
                self._answers.move_to_end(key)
                return True, self._answers[key]
        return False, None

    def answer(self, keys: Sequence[Hashable], compute: Callable[[], Any]) -> tuple[Any, bool]:
        """(answer, replayed): the cached answer for any key, else compute() once and cache it."""
        with self._lock:
            found, value = self._cached(keys)
            if found:
                return value, True
            waiting = next((self._pending[k] for k in keys if k in self._pending), None)
            if waiting is None:
                mine = threading.Event()
                for key in keys:
                    self._pending[key] = mine
        if waiting is not None:
            waiting.wait(self._wait)
            with self._lock:
                found, value = self._cached(keys)
            if found:
                return value, True
            return compute(), False  # the first attempt failed: this one is not a replay
        try:
            value = compute()
            with self._lock:
                for key in keys:
                    self._answers[key] = value
                while len(self._answers) > self._capacity:
                    self._answers.popitem(last=False)
            return value, False
        finally:
            with self._lock:
                for key in keys:
                    self._pending.pop(key, None)
            mine.set()
