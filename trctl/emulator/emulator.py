"""The Emulator object: store, core, HTTP server, scheduler and outbox, as a context manager."""

from __future__ import annotations

import logging
from pathlib import Path
from types import TracebackType
from typing import Any

from trctl.emulator.core.clock import Clock, FakeClock, SystemClock
from trctl.emulator.core.core import Core
from trctl.emulator.core.credentials import credential
from trctl.emulator.core.ids import SidFactory, random_sid
from trctl.emulator.core.owner import StoreOwner
from trctl.emulator.core.retention import Retention
from trctl.emulator.core.store import Store
from trctl.emulator.delivery.outbox import Outbox
from trctl.emulator.faults import Faults
from trctl.emulator.http.app import App
from trctl.emulator.http.clock import clock_routes
from trctl.emulator.http.deliveries import delivery_routes
from trctl.emulator.http.faults import fault_routes
from trctl.emulator.http.routes import build_routes
from trctl.emulator.http.server import EmulatorHTTPServer
from trctl.emulator.http.statistics import ROUTES as STATS_ROUTES
from trctl.emulator.loop import Loop
from trctl.emulator.requestlog import Logged, Observer
from trctl.emulator.scheduler import Scheduler
from trctl.emulator.timecontrol import STORED_AT, TimeControl

log = logging.getLogger("trctl.emulator")
SETTLE_TIMEOUT = 60.0  # a clock move waits this long at most for the callbacks it caused


class Emulator:
    """An offline TaskRouter on 127.0.0.1 that the official twilio SDK talks to unmodified."""

    def __init__(
        self,
        db_path: str | Path = ":memory:",
        host: str = "127.0.0.1",
        port: int = 0,
        account_sid: str | None = None,
        auth_token: str | None = None,
        clock: Clock | None = None,
        sids: SidFactory | None = None,
        deliver: bool = True,
        observer: Observer | None = None,
        keep_finished: bool = False,
        retention: Retention | None = None,
        limits: dict[str, int] | None = None,
        faults: Faults | None = None,
    ) -> None:
        """observer is told of every API request and callback delivery (the request log; None:
        silent; it may be set later: the demo turns its log on once the tutorial has played).
        keep_finished keeps finished tasks, events and delivered callbacks forever; otherwise
        they go as TaskRouter's do (`retention`, default: Retention(), TaskRouter's periods).
        deliver=False leaves callbacks in the outbox (a test of what a restart resumes).
        limits raises (or lowers) TaskRouter's per-workspace limits by name, e.g.
        {"workers": 200_000} (trctl.vocab.limits lists them). faults: the fault rules in force
        (`emu.faults`; none by default, add them at any time)."""
        self._observer = observer
        self.clock = clock or SystemClock()
        # one emulator per store file, taken before anything is read or served (StoreBusy)
        self.owner = None if str(db_path) == ":memory:" else StoreOwner(db_path).acquire()
        try:
            self.store = Store(db_path)
        except BaseException:
            self._release_owner()
            raise
        self.account_sid = credential(self.store, "account_sid", account_sid)
        self.auth_token = credential(self.store, "auth_token", auth_token)
        self.api_key_sid = credential(self.store, "api_key_sid")
        self.api_key_secret = credential(self.store, "api_key_secret")
        if keep_finished:
            retention = Retention.forever()
        self.core = Core(self.store, self.clock, sids or random_sid, retention, limits)
        self.time = TimeControl(self.clock, self.core.timers, self._settle, self._remember_clock)
        self._resume_clock()
        self.faults = faults or Faults()
        own_routes = [
            *clock_routes(self.time),
            *fault_routes(self.faults),
            *delivery_routes(lambda: self.outbox.summary()),  # built below; read on the loop
        ]
        self.app = App(
            self.core,
            build_routes([*STATS_ROUTES, *own_routes]),
            self.account_sid,
            self.auth_token,
            api_key=(self.api_key_sid, self.api_key_secret),
            observer=self._observe,
            faults=self.faults,
        )
        self.host = host
        self._port = port
        self.loop = Loop()
        self.server: EmulatorHTTPServer | None = None
        self.deliver = deliver
        self.faults.attach(self.loop, self._observe, self.clock.now)
        self.outbox = Outbox(
            self.core, self.auth_token, self.loop, observer=self._observe, faults=self.faults
        )
        self.scheduler = Scheduler(
            self.core.kernel,
            self.core.timers,
            self.loop,
            manual=bool(getattr(self.clock, "manual", False)),
        )
        self._wire_observer()

    # -- lifecycle ------------------------------------------------------------------------------
    def start(self) -> Emulator:
        self.server = EmulatorHTTPServer(self.loop, (self.host, self._port), self.app)
        self.app.allow_port(self.host, self.port)
        if self.owner is not None:
            self.owner.note(self.port)
        self.server.start()
        self.loop.start()
        if self.deliver:
            self.outbox.start()
        self.scheduler.start()
        return self

    def stop(self) -> None:
        self.time.close()
        self.outbox.stop()
        if self.server is not None:
            server, self.server = self.server, None
            self.loop.call_soon_threadsafe(server.close)
            self.loop.call_soon_threadsafe(self.outbox.poster.close)
            self.loop.stop()
        self.store.close()
        self._release_owner()

    def _release_owner(self) -> None:
        if self.owner is not None:
            self.owner.release()

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def observer(self) -> Observer | None:
        """Told of every API request and callback delivery (the request log), or None."""
        return self._observer

    @observer.setter
    def observer(self, observer: Observer | None) -> None:
        self._observer = observer
        self._wire_observer()

    def _wire_observer(self) -> None:
        """Hand the log to those who report, or None so they build no entries at all."""
        observing = self._observe if self._observer is not None else None
        self.app.observer = observing
        self.outbox.observer = observing
        self.faults.delivery.observer = observing

    def _observe(self, entry: Logged) -> None:
        observer = self._observer
        if observer is None:
            return
        try:
            observer(entry)
        except Exception:  # a failing log (its stream closed) must not fail the request
            log.exception("the request log failed; it is off from now on")
            self.observer = None

    # -- public API -----------------------------------------------------------------------------
    @property
    def port(self) -> int:
        if self.server is None:
            return self._port
        return int(self.server.server_address[1])

    @property
    def url(self) -> str:
        host = self.host if self.host not in ("0.0.0.0", "::", "") else "127.0.0.1"
        if ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{self.port}"

    def env(self) -> dict[str, str]:
        return {
            "TWILIO_ACCOUNT_SID": self.account_sid,
            "TWILIO_AUTH_TOKEN": self.auth_token,
            "TRCTL_API_URL": self.url,
        }

    def advance(self, seconds: float) -> int:
        """FakeClock only: move time forward and fire every due timer synchronously, without
        waiting for the callbacks they queue (`emu.time.advance()` moves the clock as
        `trctl emulator clock advance` does: deadline by deadline, callbacks delivered)."""
        if not isinstance(self.clock, FakeClock):
            raise TypeError("advance() needs an Emulator built with clock=FakeClock()")
        self.clock.advance(seconds)
        return self.core.timers.fire_due()

    def delivery_summary(self) -> list[dict[str, Any]]:
        """Per destination URL and kind (assignment, event): callbacks waiting, in flight,
        delivered, failed, and dropped because the backlog was full."""
        return list(self.loop.run_and_wait(self.outbox.summary))

    def _settle(self) -> bool:
        """What a clock move waits for at each deadline: every queued callback delivered, and
        those a reorder rule still holds back sent."""
        if not self.deliver:
            return True
        settled = self.outbox.wait_idle(SETTLE_TIMEOUT)
        while True:  # a held event the next POST released may still be on its way
            settled = self.faults.wait_sent(SETTLE_TIMEOUT) and settled
            if not self.faults.flush():
                return settled
            settled = self.outbox.wait_idle(SETTLE_TIMEOUT) and settled

    def _remember_clock(self, now: float) -> None:
        """Where a manual clock stands, so a manual clock on this store goes on from there."""
        self.store.set_meta(STORED_AT, repr(now))

    def _resume_clock(self) -> None:
        """A manual clock behind where this store's manual clock stood moves up to it: the
        stored dates must never lie in its future."""
        stood = self.store.get_meta(STORED_AT)
        if self.time.mode == "manual" and stood and float(stood) > self.clock.now():
            self.clock.set(float(stood))

    def wait_idle(self, timeout: float = 5.0) -> bool:
        """True once every queued callback was delivered, its answer applied and its outcome
        recorded."""
        return self.outbox.wait_idle(timeout)
