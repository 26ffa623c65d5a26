"""What serve-callback sets up and takes down: the session, signal handling and the live log."""

from __future__ import annotations

import contextlib
import json
import signal
import threading
from collections.abc import Iterator
from typing import Any

import click

from trctl.cli.context import get_app
from trctl.cli.output import info


class Session:
    """Everything serve-callback sets up, so one `finally` can take it all down in order."""

    def __init__(self) -> None:
        self.server: Any = None
        self.tunnel: Any = None
        self.wiring: Any = None
        self._resolver: Any = None
        self.stop = threading.Event()
        self.ready = False  # the summary is printed only for a server that got this far

    def resolver(self) -> Any:
        if self._resolver is None:
            from trctl.services.resolve import Resolver
            from trctl.services.workspaces import resolve_workspace

            app = get_app()
            workspace = resolve_workspace(app.client, app.settings, fetch=False)
            self._resolver = Resolver(
                app.client, workspace["sid"], default_workflow=app.settings.workflow
            )
        return self._resolver

    @property
    def has_api(self) -> bool:
        return self._resolver is not None

    def activity_sid(self, name_or_sid: str) -> str:
        from trctl.services.resolve import ACTIVITY

        return str(self.resolver().sid(ACTIVITY, name_or_sid))

    def close(self) -> None:
        if self.wiring is not None:
            problems = self.wiring.restore()
            for line in problems:
                info(f"Warning: {line}")
            if not problems:
                info("Restored the callback URLs.")
        if self.tunnel is not None:
            self.tunnel.close()
        if self.server is not None:
            self.server.stop()


@contextlib.contextmanager
def stop_on_signals(stop: threading.Event) -> Iterator[None]:
    """SIGINT/SIGTERM ask for a clean stop; a second one interrupts whatever is still running."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: Any) -> None:
        if stop.is_set():
            raise KeyboardInterrupt
        stop.set()

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


class LiveLog:
    """Prints one line per callback record: rich on a terminal, plain when piped, or JSON lines."""

    def __init__(self, *, json_lines: bool) -> None:
        self.json_lines = json_lines
        self.worker_name: Any = None
        self._lock = threading.Lock()
        self._console: Any = None
        env = get_app().env
        self._stdout = env.stdout  # write() runs on the server's threads, outside click's context
        # on a terminal a line wider than it is broken between words, never inside a SID
        self._width = env.width if env.stdout_isatty else None
        if not json_lines and env.color:
            from trctl.cli.output import console

            self._console = console(highlight=False)

    def write(self, record: dict[str, Any]) -> None:
        from trctl.callback.livelog import fields, plain_line

        with self._lock:
            if self.json_lines:
                click.echo(json.dumps(record, ensure_ascii=False, default=str), file=self._stdout)
            elif self._console is not None:
                self._console.print(self._styled(fields(record, self.worker_name), record))
            else:
                line = plain_line(record, self.worker_name)
                if self._width is not None:
                    from trctl.cli.output import fit_lines

                    line = fit_lines(line, self._width)
                click.echo(line, file=self._stdout)

    @staticmethod
    def _styled(columns: list[str], record: dict[str, Any]) -> Any:
        from rich.text import Text

        kind = str(record.get("kind"))
        accent = {"assignment": (4, "bold green"), "event": (2, "cyan")}.get(kind, (1, "bold red"))
        text = Text()
        for index, column in enumerate(columns):
            edge = index in (0, len(columns) - 1)
            style = accent[1] if index == accent[0] else ("dim" if edge else "")
            text.append(("  " if index else "") + column, style=style)
        return text


def worker_names(session: Session) -> Any:
    """sid -> friendly name for the live log, one worker list per unknown SID at most."""
    from trctl.errors import TrctlError
    from trctl.services.resolve import WORKER

    names: dict[str, str] = {}
    lock = threading.Lock()
    unavailable: list[bool] = []

    def lookup(sid: str) -> str | None:
        with lock:
            if sid not in names:
                if unavailable:
                    return None  # one failed listing is enough: never stall the log on it
                try:
                    records = session.resolver().api.list(session.resolver().path(WORKER))
                except TrctlError:
                    unavailable.append(True)
                    return None
                names.update({r["sid"]: str(r.get("friendly_name") or r["sid"]) for r in records})
                names.setdefault(sid, sid)
            return names[sid]

    return lookup
