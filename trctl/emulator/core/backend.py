"""The domain core: one lock and one SQLite transaction per mutation, commit hooks, lookups."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from trctl.emulator.core.clock import Clock
from trctl.emulator.core.errors import bad_request
from trctl.emulator.core.events import EventOps
from trctl.emulator.core.exprs import compile_expression
from trctl.emulator.core.flows import FlowOps
from trctl.emulator.core.ids import SidFactory
from trctl.emulator.core.lifecycle import LifecycleOps
from trctl.emulator.core.placement import PlacementOps
from trctl.emulator.core.resources import ResourceOps
from trctl.emulator.core.routing import RoutingOps
from trctl.emulator.core.store import Row, Store
from trctl.emulator.core.tasks import TaskOps
from trctl.emulator.core.timers import TimerOps
from trctl.emulator.core.workers import WorkerOps


class Missing(Exception):
    """A resource addressed by the request does not exist (the app answers 404)."""


class Backend(
    ResourceOps,
    FlowOps,
    WorkerOps,
    TaskOps,
    PlacementOps,
    RoutingOps,
    LifecycleOps,
    TimerOps,
    EventOps,
):
    """All TaskRouter state changes. Every public mutation runs inside self.tx()."""

    def __init__(self, store: Store, clock: Clock, sids: SidFactory) -> None:
        self.store = store
        self.clock = clock
        self.sids = sids
        self.commit_hooks: list[Callable[[], None]] = []
        self._worker_attrs: dict[str, tuple[int, dict[str, Any]]] = {}
        self._configs: dict[str, tuple[str, Any]] = {}
        self._deadline_hint: float | None = None

    def arm(self, deadline: float | None) -> None:
        """Note a new timer deadline so the scheduler wakes early only when it must."""
        if deadline is not None and (self._deadline_hint is None or deadline < self._deadline_hint):
            self._deadline_hint = deadline

    def take_deadline_hint(self) -> float | None:
        hint, self._deadline_hint = self._deadline_hint, None
        return hint

    # -- transactions ---------------------------------------------------------------------------
    @contextmanager
    def tx(self) -> Iterator[None]:
        with self.store.lock:  # read the depth under the lock: another thread may be in a tx
            outer = not self.store.in_tx
            with self.store.tx():
                yield
        if outer:
            for hook in self.commit_hooks:
                hook()

    def now(self) -> float:
        return self.clock.now()

    # -- lookups --------------------------------------------------------------------------------
    def load(self, table: str, sid: str, workspace_sid: str | None = None) -> Row:
        row = self.store.get(table, sid, workspace_sid)
        if row is None:
            raise Missing(sid)
        return row

    def missing(self, sid: str) -> Missing:
        return Missing(sid)

    def workspace(self, sid: str) -> Row:
        return self.load("workspaces", sid)

    def activity_in(self, workspace_sid: str, sid: str, param: str) -> Row:
        row = self.store.get("activities", sid, workspace_sid)
        if row is None:
            raise bad_request(f"{param} {sid} is not an Activity of workspace {workspace_sid}")
        return row

    def worker_attributes(self, worker: Row) -> dict[str, Any]:
        """Parsed worker attributes, cached by worker version."""
        cached = self._worker_attrs.get(worker["sid"])
        if cached is not None and cached[0] == worker["version"]:
            return cached[1]
        parsed = json.loads(worker["attributes"])
        self._worker_attrs[worker["sid"]] = (worker["version"], parsed)
        return parsed

    def queue_expression(self, queue: Row) -> Any:
        return compile_expression("TargetWorkers", queue["target_workers"])
