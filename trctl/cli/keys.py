"""Keys from a terminal one at a time (no Enter, no echo), and the terminal put back as found."""

from __future__ import annotations

import contextlib
import os
import select
import signal
from collections.abc import Iterator
from typing import Any

RESIZED = "resize"


class Keys:
    """Waits for a key or a terminal resize, at most a given time."""

    def __init__(self, key_fd: int | None, wake_fd: int) -> None:
        self.key_fd = key_fd
        self.wake_fd = wake_fd

    def wait(self, timeout: float) -> str | None:
        """The keys typed (`q`), RESIZED, or None when the time ran out first."""
        watched = [self.wake_fd] if self.key_fd is None else [self.key_fd, self.wake_fd]
        ready, _, _ = select.select(watched, [], [], max(timeout, 0.0))
        if self.wake_fd in ready:
            os.read(self.wake_fd, 512)
            return RESIZED
        if self.key_fd is not None and self.key_fd in ready:
            data = os.read(self.key_fd, 64)
            return data.decode("utf-8", errors="ignore") if data else None
        return None


@contextlib.contextmanager
def keys_from(stream: Any, *, terminal: bool) -> Iterator[Keys]:
    """Keys typed on `stream` when it is a terminal (in cbreak mode: one key at a time, not
    echoed, Ctrl-C still interrupts), and SIGWINCH as RESIZED; the terminal's settings and the
    previous SIGWINCH handler are restored on the way out, whatever happened inside."""
    import termios
    import tty

    key_fd = stream.fileno() if terminal else None
    saved = termios.tcgetattr(key_fd) if key_fd is not None else None
    wake_read, wake_write = os.pipe()
    os.set_blocking(wake_write, False)

    def on_resize(signum: int, frame: Any) -> None:
        with contextlib.suppress(BlockingIOError):
            os.write(wake_write, b"r")

    previous = signal.signal(signal.SIGWINCH, on_resize)
    try:
        if key_fd is not None:
            tty.setcbreak(key_fd)
        yield Keys(key_fd, wake_read)
    finally:
        if key_fd is not None and saved is not None:
            termios.tcsetattr(key_fd, termios.TCSADRAIN, saved)
        signal.signal(signal.SIGWINCH, previous)
        os.close(wake_read)
        os.close(wake_write)
