"""The shell blocks of the README and docs/, and terminals to run them in as a reader would.

A block is a fenced ```sh, ```bash, ```shell or ```console block (for console, the `$ ` lines).
It runs verbatim, in order, in terminal 1 of its page unless an HTML comment on the line before
its fence says otherwise; the comment's parts, separated by `;`:

    <!-- terminal 2 -->                                   run it in terminal 2 (opened when first
                                                          named, a fresh shell like terminal 1)
    <!-- terminal 2; keeps running; ready at "Ready." --> its last command runs until Ctrl-C: go on
                                                          once its terminal shows the text; at the
                                                          end of the page, Ctrl-C it (exit 0)
    <!-- not run: REASON -->                              not run (a Twilio account, or the test
                                                          suite itself); the test counts them

Each terminal is a non-interactive bash whose output is a pseudo-terminal of 80 columns, so
commands meet a terminal as a reader's do; their stdin is /dev/null (nothing can prompt). A
command that fails stops its block (`set -e`, `pipefail`).
"""

from __future__ import annotations

import fcntl
import os
import re
import select
import signal
import struct
import subprocess
import termios
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

SHELLS = ("sh", "bash", "shell", "console")
FENCE = re.compile(r"^```(\w*)\s*$")
NOTE = re.compile(r"^<!--\s*(.*?)\s*-->$")
READY = re.compile(r'^ready at "(.+)"$')
TERMINAL = re.compile(r"^terminal (\d+)$")
ESCAPES = re.compile(r"\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[@-Z\\-_])")
COLUMNS = 80
BLOCK_GUARD = 90.0  # seconds a block may take before the test calls it hung (not a timing check)


class DocError(AssertionError):
    """A block, or its note, that cannot be run as written."""


@dataclass(frozen=True)
class Block:
    page: Path
    line: int  # of the opening fence, 1-based
    code: str
    section: str = ""  # the heading it is under
    terminal: int = 1
    keeps_running: bool = False
    ready: str | None = None
    not_run: str | None = None

    @property
    def where(self) -> str:
        return f"{self.page.name}:{self.line}"


def read_note(page: Path, line: int, note: str) -> dict[str, object]:
    """The settings an HTML comment before a fence gives its block."""
    if note.startswith("not run:"):
        reason = note.removeprefix("not run:").strip()
        if not reason:
            raise DocError(f"{page.name}:{line}: `not run:` needs a reason")
        return {"not_run": reason}
    settings: dict[str, object] = {}
    for part in (p.strip() for p in note.split(";")):
        if match := TERMINAL.match(part):
            settings["terminal"] = int(match.group(1))
        elif part == "keeps running":
            settings["keeps_running"] = True
        elif match := READY.match(part):
            settings["ready"] = match.group(1)
        else:
            raise DocError(f"{page.name}:{line}: unknown note part {part!r} in <!-- {note} -->")
    if settings.get("keeps_running") and not settings.get("ready"):
        raise DocError(f'{page.name}:{line}: "keeps running" needs `ready at "TEXT"`')
    return settings


def console_commands(code: str) -> str:
    """The commands of a console transcript: its `$ ` lines."""
    return "".join(line[2:] + "\n" for line in code.splitlines() if line.startswith("$ "))


def blocks(page: Path) -> list[Block]:
    """Every shell block of a Markdown page, in order, with its note."""
    found: list[Block] = []
    lines = page.read_text(encoding="utf-8").splitlines()
    index = 0
    section = ""
    while index < len(lines):
        match = FENCE.match(lines[index])
        if not match:
            if lines[index].startswith("#"):
                section = lines[index].lstrip("#").strip()
            index += 1
            continue
        start = index
        end = next(
            (i for i in range(start + 1, len(lines)) if lines[i].startswith("```")), len(lines)
        )
        index = end + 1
        if match.group(1) not in SHELLS:
            continue
        code = "\n".join(lines[start + 1 : end]) + "\n"
        if match.group(1) == "console":
            code = console_commands(code)
        before = next((lines[i] for i in range(start - 1, -1, -1) if lines[i].strip()), "")
        note = NOTE.match(before.strip())
        settings = read_note(page, start + 1, note.group(1)) if note else {}
        found.append(Block(page, start + 1, code, section, **settings))  # type: ignore[arg-type]
    return found


def plain(text: str) -> str:
    """Terminal output as a reader sees its characters: no escapes, no carriage returns."""
    return ESCAPES.sub("", text).replace("\r\n", "\n").replace("\r", "\n")


class Terminal:
    """A fresh shell whose output is a pseudo-terminal of 80 columns; blocks are sourced into it
    one at a time, each followed by a marker line carrying its exit status."""

    def __init__(self, number: int, env: Mapping[str, str], cwd: Path, scratch: Path) -> None:
        self.number = number
        self.scratch = scratch
        self.leader, follower = os.openpty()
        fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 40, COLUMNS, 0, 0))
        self.process = subprocess.Popen(
            ["bash", "--noprofile", "--norc"],
            stdin=subprocess.PIPE,
            stdout=follower,
            stderr=follower,
            cwd=cwd,
            env=dict(env),
            start_new_session=True,
            text=True,
        )
        os.close(follower)
        self.output = ""
        self.lock = threading.Lock()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        self.sent = 0
        self.running: Block | None = None
        self._send("set -e -o pipefail\ntrap 'echo \"<<failed: $BASH_COMMAND>>\"' ERR\n")

    def _read(self) -> None:
        while True:
            try:
                ready, _, _ = select.select([self.leader], [], [], 0.2)
                if not ready:
                    if self.process.poll() is not None:
                        return
                    continue
                data = os.read(self.leader, 65536)
            except OSError:  # the shell is gone and the pty closed
                return
            if not data:
                return
            with self.lock:
                self.output += data.decode("utf-8", "replace")

    def _send(self, text: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(text)
        self.process.stdin.flush()

    def text(self, start: int = 0) -> str:
        with self.lock:
            return plain(self.output[start:])

    def _wait_for(self, found, block: Block, start: int) -> str:  # type: ignore[no-untyped-def]
        deadline = time.monotonic() + BLOCK_GUARD  # a guard against a hang, not a timing check
        while time.monotonic() < deadline:
            shown = self.text(start)
            if found(shown):
                return shown
            if self.process.poll() is not None:
                time.sleep(0.2)  # let the reader drain what the shell wrote before it exited
                failed = f"{block.where}: a command failed in terminal {self.number}"
                raise DocError(f"{failed}:\n{self.text(start)}")
            time.sleep(0.02)
        raise DocError(f"{block.where}: still running after {BLOCK_GUARD:.0f} s:\n{shown}")

    def run(self, block: Block) -> str:
        """Run the block; what the terminal showed meanwhile (for a block that keeps running,
        up to its ready text)."""
        if self.running is not None:
            busy = f"terminal {self.number} is busy with {self.running.where}"
            raise DocError(f"{block.where}: {busy}")
        self.sent += 1
        script = self.scratch / f"terminal{self.number}-block{self.sent}.sh"
        script.write_text(block.code, encoding="utf-8")
        with self.lock:
            start = len(self.output)
        self._send(f'source {script} </dev/null; echo "<<done {self.sent} $?>>"\n')
        if block.keeps_running:
            self.running = block
            assert block.ready is not None
            return self._wait_for(lambda shown: block.ready in shown, block, start)
        done = f"<<done {self.sent} 0>>"
        shown = self._wait_for(lambda text: done in text, block, start)
        return shown[: shown.index(done)]

    def interrupt(self) -> None:
        """Ctrl-C what keeps running; it must stop with exit 0, as the docs say."""
        if self.running is None:
            return
        block, self.running = self.running, None
        with self.lock:
            start = len(self.output)
        os.killpg(self.process.pid, signal.SIGINT)
        done = f"<<done {self.sent} 0>>"
        self._wait_for(lambda text: done in text, block, start)

    def close(self) -> None:
        if self.process.poll() is None:
            try:
                self.process.stdin.close()  # type: ignore[union-attr]
                self.process.wait(10)
            except (OSError, subprocess.TimeoutExpired):
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(10)
        self.reader.join(5)
        os.close(self.leader)


class Page:
    """The terminals a page's reader opens, run in the page's order."""

    def __init__(self, env: Mapping[str, str], cwd: Path, scratch: Path) -> None:
        self.env, self.cwd, self.scratch = env, cwd, scratch
        self.terminals: dict[int, Terminal] = {}
        self.transcripts: dict[int, str] = {}  # what each terminal showed, once closed

    def run(self, block: Block) -> str:
        if block.terminal not in self.terminals:
            self.terminals[block.terminal] = Terminal(
                block.terminal, self.env, self.cwd, self.scratch
            )
        return self.terminals[block.terminal].run(block)

    def close(self) -> None:
        """Ctrl-C whatever keeps running (newest terminal first), then close every shell."""
        try:
            for number in sorted(self.terminals, reverse=True):
                self.terminals[number].interrupt()
        finally:
            for number, terminal in self.terminals.items():
                terminal.close()
                self.transcripts[number] = terminal.text()
