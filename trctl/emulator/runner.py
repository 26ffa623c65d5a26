"""Running the emulator as a process: default db path, export lines, serve until a signal."""

from __future__ import annotations

import ipaddress
import os
import shlex
import signal
import socket
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from trctl.emulator.core.clock import FakeClock
from trctl.emulator.core.store import Store
from trctl.emulator.requestlog import Observer

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 7401
TOKEN_ENV = "TRCTL_EMULATOR_AUTH_TOKEN"
CLOCKS = ("real", "manual")


def parity_report() -> str:
    """Where the parity report is: the file beside this package in a source checkout (also an
    editable install), else its place in trctl's sources."""
    path = Path(__file__).resolve().parents[2] / "docs" / "emulator-parity.md"
    return str(path) if path.exists() else "docs/emulator-parity.md in trctl's source"


def data_dir() -> Path:
    """TRCTL_DATA_DIR, else $XDG_DATA_HOME/trctl, else ~/.local/share/trctl."""
    if os.environ.get("TRCTL_DATA_DIR"):
        return Path(os.environ["TRCTL_DATA_DIR"])
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "trctl"


def default_db_path() -> Path:
    return data_dir() / "emulator.db"


def export_lines(env: dict[str, str]) -> str:
    """`export NAME=value` lines for eval in a POSIX shell."""
    return "".join(f"export {name}={shlex.quote(value)}\n" for name, value in env.items())


def stored_env(db_path: Path, *, api_key: bool = False) -> dict[str, str]:
    """The client environment for the emulator that uses db_path (credentials made if new);
    with api_key, also TWILIO_API_KEY/TWILIO_API_SECRET (which clients then prefer)."""
    from trctl.emulator.core.credentials import credential

    store = Store(db_path)
    try:
        env = {
            "TWILIO_ACCOUNT_SID": credential(store, "account_sid"),
            "TWILIO_AUTH_TOKEN": credential(store, "auth_token"),
            "TRCTL_API_URL": store.get_meta("last_url") or f"http://{DEFAULT_HOST}:{DEFAULT_PORT}",
        }
        if api_key:
            env["TWILIO_API_KEY"] = credential(store, "api_key_sid")
            env["TWILIO_API_SECRET"] = credential(store, "api_key_secret")
    finally:
        store.close()
    return env


def answering(url: str, timeout: float = 0.5) -> bool | None:
    """Whether something accepts TCP connections at the URL's host and port; None (not asked)
    when the host is not a loopback address: only this machine is ever probed."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        return None
    try:
        port = parts.port or 80
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except (OSError, ValueError):
        return False


def manual_clock() -> FakeClock:
    """A clock that stands still until moved, at now (whole seconds); on a store where a manual
    clock stood later, the emulator goes on from there (Emulator.__init__)."""
    return FakeClock(float(int(time.time())))


def reset(db_path: Path) -> None:
    store = Store(db_path)
    try:
        store.reset()
    finally:
        store.close()


def serve(
    *,
    db_path: str,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    account_sid: str | None = None,
    auth_token: str | None = None,
    keep_finished: bool = False,
    retention: float | None = None,
    limits: dict[str, int] | None = None,
    clock: str = "real",
    faults: list[dict[str, Any]] | None = None,
    out: Callable[[str], None] = print,
    note: Callable[[str], None] = print,
    log: Observer | None = None,
) -> None:
    """Start the emulator, print its URL and export lines, block until SIGINT/SIGTERM; `log`
    is told of every request and callback delivery from then on.

    keep_finished keeps finished tasks, events and delivered callbacks forever; retention
    (seconds) replaces TaskRouter's periods with one for all three (load tests); limits raises
    TaskRouter's per-workspace limits by name (load tests); clock "manual" stands still until
    `trctl emulator clock` moves it; faults are the rules of a faults file
    (faults.load_rules), in force from the start."""
    from trctl.emulator.core.clock import iso
    from trctl.emulator.core.retention import Retention
    from trctl.emulator.emulator import Emulator
    from trctl.emulator.faults import Faults

    # SIGINT and SIGTERM are blocked (in every thread the emulator starts) and taken with
    # sigwait: a handler calling Event.set() could deadlock on the Event's own lock when the
    # signal landed while this thread was entering Event.wait(), leaving a SIGTERM unanswered.
    stopping = {signal.SIGINT, signal.SIGTERM}
    previous_mask = signal.pthread_sigmask(signal.SIG_BLOCK, stopping)
    try:
        with Emulator(
            db_path=db_path,
            host=host,
            port=port,
            account_sid=account_sid,
            auth_token=auth_token,
            observer=log,
            keep_finished=keep_finished,
            retention=None if retention is None else Retention.uniform(retention),
            limits=limits,
            clock=manual_clock() if clock == "manual" else None,
            faults=Faults(faults or ()),
        ) as emu:
            if db_path != ":memory:":
                emu.store.set_meta("last_url", emu.url)
            out(emu.url)
            out(export_lines(emu.env()).rstrip("\n"))
            kept = emu.core.kernel.retention.describe()
            note(f"TaskRouter emulator on {emu.url} (store: {db_path}; {kept}); Ctrl-C stops it.")
            if limits:
                raised = ", ".join(f"{name}={value:,}" for name, value in sorted(limits.items()))
                note(f"Limits changed from TaskRouter's: {raised}")
            note(
                "An offline emulator, not Twilio: what it covers and where it differs, "
                f"operation by operation: {parity_report()}"
            )
            if emu.time.mode == "manual":
                note(
                    f"The clock stands still at {iso(emu.time.now())}: move it with "
                    "`trctl emulator clock advance 90s` (or POST /trctl/clock)."
                )
            if faults:
                note(
                    f"{len(faults)} fault rule{'s' * (len(faults) != 1)} in force: "
                    "`trctl emulator faults list` shows them, `faults clear` removes them."
                )
            signal.sigwait(stopping)
            note("stopping the emulator")
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous_mask)
