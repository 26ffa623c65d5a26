"""One line on a terminal's stderr that says what trctl waits for, once it waited a second."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

DELAY_SECONDS = 1.0  # a request answered sooner shows nothing
TICK_SECONDS = 0.1  # how often the line is redrawn while something waits
FRAMES = "|/-\\"  # plain ASCII: no escape code, whatever the terminal or NO_COLOR


class Spinner:
    """Draws `| waiting for 127.0.0.1:7401 (3 s)` on `stream` while a request (or a longer
    operation, such as a listing of many pages) has been running for DELAY_SECONDS, and erases
    it when nothing runs any more. Only carriage returns and spaces are written.

    Time comes from `clock` (the run Environment's): `tick()` draws what is due at
    clock.monotonic(), so a test drives it with its own clock and no thread. With `threaded`,
    a daemon thread calls tick() every TICK_SECONDS while something runs.
    """

    def __init__(self, stream: Any, clock: Any, *, width: int, threaded: bool = True) -> None:
        self._stream = stream
        self._clock = clock
        self._width = max(width - 1, 10)  # the last column would wrap on some terminals
        self._threaded = threaded
        self._lock = threading.Lock()
        self._running: dict[int, tuple[float, str]] = {}  # id -> (started, what)
        self._next_id = 0
        self._note = ""
        self._shown = 0  # characters on the line now
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @contextmanager
    def busy(self, what: str) -> Iterator[None]:
        """While the block runs, `what` (`waiting for HOST`, `listing tasks`) is under way."""
        with self._lock:
            self._next_id += 1
            key = self._next_id
            self._running[key] = (self._clock.monotonic(), what)
        self._start_thread()
        try:
            yield
        finally:
            with self._lock:
                del self._running[key]
                if not self._running:
                    self._note = ""
                    self._erase()

    def note(self, text: str) -> None:
        """Progress shown after the oldest thing under way (`fetched 2000 tasks`)."""
        with self._lock:
            self._note = text

    def tick(self) -> None:
        """Draw the line if the oldest thing under way has run for DELAY_SECONDS."""
        with self._lock:
            if not self._running:
                return
            started, what = min(self._running.values())
            elapsed = self._clock.monotonic() - started
            if elapsed < DELAY_SECONDS:
                return
            frame = FRAMES[int(elapsed / TICK_SECONDS) % len(FRAMES)]  # the same at one time
            note = f", {self._note}" if self._note else ""
            self._draw(f"{frame} {what}{note} ({elapsed:.0f} s)")

    def close(self) -> None:
        """Stop the thread and leave the line empty."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        with self._lock:
            self._erase()

    def _start_thread(self) -> None:
        if not self._threaded or self._thread is not None:
            return
        self._thread = threading.Thread(target=self._run, name="trctl-spinner", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(TICK_SECONDS):
            self.tick()

    def _draw(self, text: str) -> None:
        text = text if len(text) <= self._width else text[: self._width - 1] + "…"
        self._stream.write("\r" + text.ljust(self._shown))
        self._stream.flush()
        self._shown = max(len(text), self._shown)

    def _erase(self) -> None:
        if self._shown:
            self._stream.write("\r" + " " * self._shown + "\r")
            self._stream.flush()
            self._shown = 0
