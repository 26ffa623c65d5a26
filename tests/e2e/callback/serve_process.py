"""Run `trctl serve-callback` as a subprocess: wait for its ready line, stop it with a signal."""

from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import IO

READY_SECONDS = 20


def isolated_env(extra: dict[str, str], home: Path) -> dict[str, str]:
    """The parent's environment minus anything that points at a real account, plus `extra`."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("TWILIO_", "TRCTL_", "NGROK_", "PYNGROK_"))
        and k.lower() not in ("http_proxy", "https_proxy")
    }
    env.update({"HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config"), "NO_COLOR": "1"})
    env.update(extra)
    return env


class ServeCallback:
    """A running serve-callback process; its stderr is collected line by line."""

    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "trctl", "serve-callback", *args],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.stderr_lines: list[str] = []
        self.stdout_lines: list[str] = []
        self._stdout_changed = threading.Condition()
        self._stderr: queue.Queue[str | None] = queue.Queue()
        self._threads = [
            threading.Thread(
                target=self._pump, args=(self.process.stderr, self._stderr), daemon=True
            ),
            threading.Thread(target=self._collect, args=(self.process.stdout,), daemon=True),
        ]
        for thread in self._threads:
            thread.start()

    def _pump(self, stream: IO[str], into: queue.Queue[str | None]) -> None:
        for line in stream:
            into.put(line.rstrip("\n"))
        into.put(None)

    def _collect(self, stream: IO[str]) -> None:
        for line in stream:
            with self._stdout_changed:
                self.stdout_lines.append(line.rstrip("\n"))
                self._stdout_changed.notify_all()

    def wait_stdout(self, predicate: Callable[[str], bool], timeout: float = READY_SECONDS) -> str:
        """The first stdout line (live log) for which predicate is true, waiting for it."""
        with self._stdout_changed:
            found = self._stdout_changed.wait_for(
                lambda: next((x for x in self.stdout_lines if predicate(x)), None), timeout
            )
        if found is None:
            raise AssertionError(f"no matching live-log line in {timeout}s: {self.stdout_lines}")
        return found

    def wait_for(self, pattern: str, timeout: float = READY_SECONDS) -> re.Match[str]:
        """Read stderr until a line matches; AssertionError (with the output) if it never does."""
        compiled = re.compile(pattern)
        for line in self.stderr_lines:
            if match := compiled.search(line):
                return match
        while True:
            try:
                line = self._stderr.get(timeout=timeout)
            except queue.Empty:
                raise AssertionError(
                    f"no {pattern!r} within {timeout}s: {self.stderr_lines}"
                ) from None
            if line is None:
                raise AssertionError(f"exited before {pattern!r}: {self.stderr_lines}")
            self.stderr_lines.append(line)
            if match := compiled.search(line):
                return match

    def ready(self) -> dict[str, str]:
        """Wait for `Ready.`; return the URLs it announced."""
        self.wait_for(r"^Ready\.")
        urls = {"callback": self.wait_for(r"^Callback URL: (\S+)").group(1)}
        for line in self.stderr_lines:
            if match := re.match(r"^Forwarding:\s+\S+ -> (\S+)", line):
                urls["local"] = match.group(1)
            if match := re.match(r"^Events URL:\s+(\S+)", line):
                urls["events"] = match.group(1)
        urls.setdefault("local", urls["callback"])
        return urls

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 10) -> int:
        """Send the signal, wait for the exit, drain the output; returns the exit code."""
        if self.process.poll() is None:
            self.process.send_signal(sig)
        code = self.process.wait(timeout=timeout)
        for thread in self._threads:
            thread.join(timeout=5)
        while (line := self._stderr.get_nowait() if not self._stderr.empty() else None) is not None:
            self.stderr_lines.append(line)
        return code

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
