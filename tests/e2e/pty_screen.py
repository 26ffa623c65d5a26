"""A command on a real pseudo-terminal of a given size, and what its screen shows (pyte reads the
escape sequences as a terminal would), for tests of full-screen commands."""

from __future__ import annotations

import fcntl
import os
import select
import struct
import subprocess
import termios
import time
from collections.abc import Callable, Mapping, Sequence

import pyte


def _controlling_terminal() -> None:
    """In the child: a new session whose controlling terminal is its stdin (so ^C is SIGINT)."""
    os.setsid()
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


class PtyScreen:
    """Runs argv with a pty as its terminal; `screen` is what a user would see."""

    def __init__(
        self, argv: Sequence[str], env: Mapping[str, str], *, columns: int = 80, lines: int = 24
    ) -> None:
        self.leader, self.follower = os.openpty()
        fcntl.ioctl(self.follower, termios.TIOCSWINSZ, struct.pack("HHHH", lines, columns, 0, 0))
        self.settings_before = self.stty()
        self.screen = pyte.Screen(columns, lines)
        self.stream = pyte.ByteStream(self.screen)
        self.output = b""
        self.process = subprocess.Popen(
            list(argv),
            stdin=self.follower,
            stdout=self.follower,
            stderr=self.follower,
            env=dict(env),
            preexec_fn=_controlling_terminal,
            close_fds=True,
        )

    def stty(self) -> str:
        """`stty -g` of the terminal: every setting, as the shell would restore them."""
        done = subprocess.run(
            ["stty", "-g"], stdin=self.follower, capture_output=True, text=True, check=True
        )
        return done.stdout.strip()

    @property
    def text(self) -> str:
        return "\n".join(self.screen.display)

    def read(self, timeout: float = 0.1) -> None:
        ready, _, _ = select.select([self.leader], [], [], timeout)
        if ready:
            try:
                data = os.read(self.leader, 65536)
            except OSError:  # the child is gone and the pty is closed
                return
            self.output += data
            self.stream.feed(data)

    def wait_for(self, shows: Callable[[str], bool], timeout: float = 20.0) -> str:
        """Read until the screen shows what `shows` wants; the screen, or AssertionError."""
        deadline = time.monotonic() + timeout  # a guard against a hang, not a wait for time
        while time.monotonic() < deadline:
            self.read()
            if shows(self.text):
                return self.text
        raise AssertionError(f"the screen never showed it; it shows:\n{self.text}")

    def type(self, keys: bytes) -> None:
        os.write(self.leader, keys)

    def finish(self, timeout: float = 10.0) -> int:
        """Wait for the command to exit (reading what it still writes); its exit code."""
        deadline = time.monotonic() + timeout
        while self.process.poll() is None and time.monotonic() < deadline:
            self.read()
        code = self.process.wait(max(deadline - time.monotonic(), 0.1))
        self.read(0.2)
        return code

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(5)
        os.close(self.leader)
        os.close(self.follower)
