"""The kernel every domain service receives: store, clock, SIDs, transactions, cached lookups."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from trctl.emulator.core.clock import Clock
from trctl.emulator.core.errors import ApiError, Missing, bad_request
from trctl.emulator.core.eventcodec import EventCodec
from trctl.emulator.core.exprs import compile_expression
from trctl.emulator.core.ids import SidFactory
from trctl.emulator.core.retention import Retention
from trctl.emulator.core.store import Row, Store
from trctl.vocab.limits import BY_NAME, resolve
from trctl.workflow.config import Target, WorkflowConfig, parse_workflow_config


class Kernel:
    """Shared by the domain services: one lock and one SQLite transaction per mutation (tx),
    hooks run after each outermost commit, the clock, the retention periods, the per-workspace
    limits, and lookups with their caches."""

    def __init__(
        self,
        store: Store,
        clock: Clock,
        sids: SidFactory,
        retention: Retention | None = None,
        limits: dict[str, int] | None = None,
    ) -> None:
        self.store = store
        self.clock = clock
        self.sids = sids
        self.retention = retention or Retention()
        self.limits = resolve(limits)  # trctl.vocab.limits' defaults, with these raised
        self._as_of = threading.local()  # the moment a late timer fires at, in its thread
        self.commit_hooks: list[Callable[[], None]] = []
        # callbacks queued by the transaction in progress, and who sends them once committed
        self.queued_deliveries: list[Any] = []
        self.delivery_sink: Callable[[list[Any]], None] | None = None
        self._worker_attrs: dict[str, tuple[str, dict[str, Any]]] = {}
        self._task_attrs: dict[str, tuple[str, dict[str, Any]]] = {}
        self._configs: dict[str, tuple[str, WorkflowConfig]] = {}
        self._deadline_hint: float | None = None
        self._account_sid: str | None = None
        self._queries: dict[tuple[str, tuple], tuple[int, Any]] = {}
        self.events_codec = EventCodec(store)
        store.on_forget.append(self.events_codec.forget)

    # -- transactions and time ------------------------------------------------------------------
    @contextmanager
    def tx(self) -> Iterator[None]:
        """One transaction; nested calls join the outer one. After the outermost commit, the
        callbacks it queued go to the delivery sink (still under the lock, so in commit order)
        and the commit hooks run; a rollback forgets them."""
        with self.store.lock:  # read the depth under the lock: another thread may be in a tx
            outer = not self.store.in_tx
            try:
                with self.store.tx():
                    yield
            except BaseException:
                if outer:
                    self.queued_deliveries.clear()
                raise
            if outer and self.queued_deliveries:
                queued, self.queued_deliveries = self.queued_deliveries, []
                if self.delivery_sink is not None:
                    self.delivery_sink(queued)
        if outer:
            for hook in self.commit_hooks:
                hook()

    def now(self) -> float:
        moment: float | None = getattr(self._as_of, "moment", None)
        return self.clock.now() if moment is None else moment

    @contextmanager
    def as_of(self, moment: float) -> Iterator[None]:
        """In this thread, now() is `moment` (a timer's deadline): a timer that fires late, after
        the clock jumped ahead, changes things as they would have changed on time."""
        previous = getattr(self._as_of, "moment", None)
        self._as_of.moment = min(moment, self.clock.now())
        try:
            yield
        finally:
            self._as_of.moment = previous

    def arm(self, deadline: float | None) -> float | None:
        """Note a new timer deadline so the scheduler wakes early only when it must."""
        if deadline is not None and (self._deadline_hint is None or deadline < self._deadline_hint):
            self._deadline_hint = deadline
        return deadline

    def note_finished(self) -> None:
        """A task just ended: its retention deadline may be the scheduler's next wake-up."""
        if self.retention.finished_tasks is not None:
            self.arm(self.now() + self.retention.finished_tasks)

    def take_deadline_hint(self) -> float | None:
        hint, self._deadline_hint = self._deadline_hint, None
        return hint

    # -- limits ---------------------------------------------------------------------------------
    def check_room(
        self, limit: str, table: str, workspace_sid: str, where: str = "", args: tuple = ()
    ) -> None:
        """Refuse (400, the limit's Twilio code) one more row of `table` in the workspace when it
        already holds as many (matching `where`) as the limit allows. Cheap: the largest id
        bounds the table's row count, so COUNT runs (on a workspace_sid index) only near it."""
        allowed = self.limits[limit]
        if (self.store.scalar(f"SELECT max(id) FROM {table}") or 0) < allowed:
            return
        held = self.store.scalar(
            f"SELECT COUNT(*) FROM {table} WHERE workspace_sid = ?{where}", (workspace_sid, *args)
        )
        if held >= allowed:
            raise limit_reached(limit, allowed, f"Workspace {workspace_sid} has {held}")

    def check_value(self, limit: str, value: int, what: str) -> None:
        """Refuse a value above the limit (a channel's capacity, attributes' length)."""
        if value > self.limits[limit]:
            raise limit_reached(limit, self.limits[limit], f"{what} is {value}")

    def account_sid(self) -> str:
        """The emulator's account SID (set once, when the store is first made)."""
        if self._account_sid is None:
            self._account_sid = self.store.get_meta("account_sid") or ""
        return self._account_sid

    # -- lookups --------------------------------------------------------------------------------
    def load(self, table: str, sid: str, workspace_sid: str | None = None) -> Row:
        """The row, or Missing (the wire layer answers 404)."""
        row = self.store.get(table, sid, workspace_sid)
        if row is None:
            raise Missing(sid)
        return row

    def workspace(self, sid: str) -> Row:
        return self.load("workspaces", sid)

    def activity_in(self, workspace_sid: str, sid: str, param: str) -> Row:
        """An activity of the workspace, or a 400 naming the parameter that gave it."""
        row = self.store.get("activities", sid, workspace_sid)
        if row is None:
            raise bad_request(f"{param} {sid} is not an Activity of workspace {workspace_sid}")
        return row

    def channel_by_ref(self, workspace_sid: str, ref: str) -> Row | None:
        """A task channel by SID or unique_name."""
        return self._listed(
            "task_channels",
            "SELECT * FROM task_channels WHERE workspace_sid = ? AND (sid = ? OR unique_name = ?)",
            (workspace_sid, ref, ref),
            one=True,
        )

    def queues_of(self, workspace_sid: str) -> list[Row]:
        """The workspace's task queues, oldest first."""
        return self._listed(
            "task_queues",
            "SELECT * FROM task_queues WHERE workspace_sid = ? ORDER BY id",
            (workspace_sid,),
        )

    def _listed(self, table: str, sql: str, args: tuple, *, one: bool = False) -> Any:
        """A query over a table that changes rarely, asked again only after it was written."""
        key = (sql, args)
        generation = self.store.generation(table)
        cached = self._queries.get(key)
        if cached is not None and cached[0] == generation:
            return cached[1]
        rows = self.store.all(sql, args)
        answer = (rows[0] if rows else None) if one else rows
        if len(self._queries) >= 1024:
            self._queries.clear()
        self._queries[key] = (generation, answer)
        return answer

    def active_tasks(self, column: str, sid: str) -> int:
        """How many pending, reserved, assigned or wrapping tasks have `column` = sid."""
        return int(
            self.store.scalar(
                f"SELECT COUNT(*) FROM tasks WHERE {column} = ? AND assignment_status IN "
                "('pending','reserved','assigned','wrapping')",
                (sid,),
            )
            or 0
        )

    def worker_channel(self, worker_sid: str, ref: str) -> Row:
        """A worker channel by WC SID, or by its task channel's SID or unique_name."""
        row = self.store.one(
            "SELECT wc.* FROM worker_channels wc "
            "JOIN task_channels tc ON tc.sid = wc.task_channel_sid "
            "WHERE wc.worker_sid = ? AND (wc.sid = ? OR tc.sid = ? OR tc.unique_name = ?)",
            (worker_sid, ref, ref, ref),
        )
        if row is None:
            raise Missing(ref)
        return row

    def task_attributes(self, task: Row) -> dict[str, Any]:
        """Parsed task attributes, cached for recent tasks (by their text: treat as read-only)."""
        text = task["attributes"]
        cached = self._task_attrs.get(task["sid"])
        if cached is not None and cached[0] == text:
            return cached[1]
        parsed = json.loads(text)
        if len(self._task_attrs) >= 4096:
            self._task_attrs.clear()
        self._task_attrs[task["sid"]] = (text, parsed)
        return parsed

    def worker_attributes(self, worker: Row) -> dict[str, Any]:
        """Parsed worker attributes, cached by their text (a rolled-back update cannot leave a
        stale entry behind): treat as read-only."""
        text = worker["attributes"]
        cached = self._worker_attrs.get(worker["sid"])
        if cached is not None and cached[0] == text:
            return cached[1]
        parsed = json.loads(text)
        self._worker_attrs[worker["sid"]] = (text, parsed)
        return parsed

    def queue_expression(self, queue: Row) -> Any:
        return compile_expression("TargetWorkers", queue["target_workers"])

    def workflow_config(self, workflow: Row) -> WorkflowConfig:
        """The parsed configuration, cached until the workflow's text changes."""
        cached = self._configs.get(workflow["sid"])
        if cached is not None and cached[0] == workflow["configuration"]:
            return cached[1]
        config = parse_workflow_config(workflow["configuration"])
        self._configs[workflow["sid"]] = (workflow["configuration"], config)
        return config

    def current_target(self, task: Row) -> Target | None:
        """The workflow Target the task sits in (None for tasks put straight into a queue)."""
        if not task["workflow_sid"] or task["filter_index"] is None:
            return None
        workflow = self.store.get("workflows", task["workflow_sid"])
        if workflow is None:
            return None
        config = self.workflow_config(workflow)
        if task["filter_index"] < 0:
            return config.default_filter
        try:
            return config.filters[task["filter_index"]].targets[task["target_index"]]
        except IndexError:
            return None


def limit_reached(name: str, allowed: int, held: str) -> ApiError:
    spec = BY_NAME[name]
    who = "TaskRouter allows" if allowed == spec.default else "this emulator's --limits allow"
    return ApiError(
        400,
        spec.code,
        f"{held}; {who} at most {allowed:,} {spec.counts} (the emulator's "
        f"--limits {name}=N raises it)",
    )


def check_if_match(row: Row, if_match: str | None, what: str) -> None:
    """412 when an If-Match header does not name the row's current version."""
    from trctl.emulator.core.errors import precondition_failed

    if if_match is None:
        return
    wanted = if_match.strip().strip('"')
    if wanted != "*" and wanted != str(row["version"]):
        raise precondition_failed(
            f"{what} {row['sid']} is at version {row['version']}, not {wanted} (If-Match)"
        )


@dataclass(eq=False)
class Service:
    """Base of the domain services: each is a dataclass of the kernel and the services below it
    that it calls (so Core's wiring shows the layering), with the store at hand."""

    kernel: Kernel

    def __post_init__(self) -> None:
        self.store: Store = self.kernel.store
