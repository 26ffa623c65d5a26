"""The run environment: streams, terminals, colour, width, variables, clock and HTTP transport."""

from __future__ import annotations

import io
import os
import sys
import time
from collections.abc import Callable, Mapping
from typing import Any

DEFAULT_WIDTH = 80
DEFAULT_HEIGHT = 24


class Clock:
    """The process's monotonic time and sleep; a test passes one that records instead."""

    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


def _writes_whole(name: str) -> Any:
    """sys.stdout or sys.stderr, made to finish every write. Under PYTHONUNBUFFERED=1 (python
    -u) a text stream writes straight to its file, and when the OS writes only part of a long
    write (the reader of a pipe left, a signal came) the rest is dropped without an error:
    `trctl tasks list --all | head` ended 0, and a long table could be cut short. A buffered
    writer finishes each write or raises (a closed pipe: BrokenPipeError, exit 141); lines
    still go out as they are written."""
    stream = getattr(sys, name)
    raw = getattr(stream, "buffer", None)
    if stream is getattr(sys, f"__{name}__") and isinstance(raw, io.FileIO):  # the process's own
        file = io.FileIO(raw.fileno(), "w", closefd=False)
        stream = io.TextIOWrapper(io.BufferedWriter(file), encoding=stream.encoding,
                                  errors=stream.errors, line_buffering=True)  # fmt: skip
        setattr(sys, name, stream)  # flushed at exit like the one it replaces
    return stream


def _isatty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):  # no isatty, or a closed file
        return False


class Environment:
    """What one trctl run meets besides its arguments, made once at start and handed down
    through the click context (AppContext.env).

    With no arguments it is the process itself: sys.stdin/stdout/stderr, os.environ, the system
    clock and trctl's RetryingHttpClient as the transport. Tests and the demo pass their own
    streams, variables, terminal flags, clock (monotonic() and sleep()) or transport (called
    with timeout, api_url, sleep and clock; returns a twilio HttpClient) instead of patching
    modules. This module is the
    only one in trctl.cli, trctl.services and trctl.config that reads sys.std* or os.environ.
    A plain class, as AppContext: it is built on every run, `--help` included.
    """

    def __init__(
        self,
        *,
        environ: Mapping[str, str] | None = None,
        stdin: Any = None,
        stdout: Any = None,
        stderr: Any = None,
        stdin_isatty: bool | None = None,
        stdout_isatty: bool | None = None,
        stderr_isatty: bool | None = None,
        clock: Any = None,
        transport: Callable[..., Any] | None = None,
    ) -> None:
        self.environ: Mapping[str, str] = os.environ if environ is None else environ
        self.stdin = sys.stdin if stdin is None else stdin
        self.stdout = _writes_whole("stdout") if stdout is None else stdout
        self.stderr = _writes_whole("stderr") if stderr is None else stderr
        self.stdin_isatty = _isatty(self.stdin) if stdin_isatty is None else stdin_isatty
        self.stdout_isatty = _isatty(self.stdout) if stdout_isatty is None else stdout_isatty
        self.stderr_isatty = _isatty(self.stderr) if stderr_isatty is None else stderr_isatty
        self.clock = Clock() if clock is None else clock
        self.transport = transport

    def __repr__(self) -> str:
        ttys = [n for n in ("stdin", "stdout", "stderr") if getattr(self, f"{n}_isatty")]
        return f"Environment(terminals={ttys!r}, color={self.color!r})"

    def with_environ(self, environ: Mapping[str, str]) -> Environment:
        """The same streams, terminals, clock and transport with other variables."""
        return Environment(
            environ=environ,
            stdin=self.stdin,
            stdout=self.stdout,
            stderr=self.stderr,
            stdin_isatty=self.stdin_isatty,
            stdout_isatty=self.stdout_isatty,
            stderr_isatty=self.stderr_isatty,
            clock=self.clock,
            transport=self.transport,
        )

    @property
    def no_color(self) -> bool:
        """NO_COLOR is set to something (https://no-color.org)."""
        return bool(self.environ.get("NO_COLOR"))

    @property
    def color(self) -> bool:
        """Colour on stdout: a terminal, and NO_COLOR unset."""
        return self.stdout_isatty and not self.no_color

    @property
    def debug(self) -> bool:
        """TRCTL_DEBUG is set to anything but 0: tracebacks on errors."""
        return self.environ.get("TRCTL_DEBUG", "") not in ("", "0")

    @property
    def width(self) -> int:
        """Terminal columns: COLUMNS when it is a number, else the terminal's, else 80."""
        return self._terminal_size("COLUMNS", 0, DEFAULT_WIDTH)

    @property
    def height(self) -> int:
        """Terminal lines: LINES when it is a number, else the terminal's, else 24."""
        return self._terminal_size("LINES", 1, DEFAULT_HEIGHT)

    def _terminal_size(self, variable: str, index: int, default: int) -> int:
        value = self.environ.get(variable, "")
        if value.isdigit() and int(value) > 0:
            return int(value)
        for stream in (self.stdout, self.stderr, self.stdin):
            try:
                return os.get_terminal_size(stream.fileno())[index]
            except (AttributeError, ValueError, OSError):  # not a file, or not a terminal
                continue
        return default

    def http_client(self, *, timeout: float, api_url: str | None) -> Any:
        """The HttpClient the twilio Client sends through; its retries wait on this clock."""
        transport = self.transport
        if transport is None:
            from trctl.services.http import RetryingHttpClient

            transport = RetryingHttpClient
        return transport(
            timeout=timeout,
            api_url=api_url,
            sleep=self.clock.sleep,
            clock=self.clock.monotonic,
        )
