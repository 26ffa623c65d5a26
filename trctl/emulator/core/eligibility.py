"""Who may take what, without re-evaluating: queue membership per worker version, whether a
routing class fits a worker, free workers in the order they are offered work."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from trctl.emulator.core.kernel import Service
from trctl.emulator.core.store import Row
from trctl.workflow.config import Target
from trctl.workflow.matching import (
    TaskView,
    WorkerView,
    known_worker_filter,
    known_worker_value,
    target_context,
)

MAX_CACHED_FITS = 200_000  # (class, worker) verdicts kept before the cache starts over
BATCH = 64  # free workers read per query while looking for enough of them


def routing_class(task: Row, target: Target | None, attributes: dict[str, Any]) -> str:
    """What decides which workers may take a task, as a short key: its queue, workflow target,
    channel, direct worker, and the values of the task attributes the target reads (its
    expression and known-worker setting). Tasks with equal keys fit exactly the same workers,
    so a worker is judged once per key, not once per task."""
    read: dict[str, Any] = {}
    rules: list[Any] = []
    if target is not None:
        rules = [str(target.expression) if target.expression else None,
                 target.known_worker_sid, target.known_worker_friendly_name]  # fmt: skip
        keys = [k for k in (target.expression.keys() if target.expression else ())]
        keys += [k for k in (target.known_worker_sid, target.known_worker_friendly_name) if k]
        for key in keys:
            if key.startswith("task."):
                read[key] = known_worker_value(key, attributes)
    where = (task["task_queue_sid"], task["workflow_sid"], task["filter_index"],
             task["target_index"], task["task_channel_sid"], task["routing_target"])  # fmt: skip
    text = json.dumps([where, rules, sorted(read.items())], default=str, separators=(",", ":"))
    return hashlib.blake2b(text.encode(), digest_size=12).hexdigest()


def _stamp(worker: Row) -> tuple:
    """What a verdict about a worker depends on. The version alone is not enough: a rolled-back
    update leaves the version it would have had, which a later update then reuses."""
    return (worker["version"], worker["activity_sid"], worker["friendly_name"],
            worker["attributes"])  # fmt: skip


@dataclass(eq=False)
class Eligibility(Service):
    """Caches that make routing cost independent of the backlog: each verdict is kept with the
    worker's state it was made for, and made again once that changes."""

    def __post_init__(self) -> None:
        super().__post_init__()
        self._members: dict[str, tuple[str, dict[str, tuple[tuple, bool]]]] = {}
        self._fits: dict[tuple[str, str], tuple[tuple, bool]] = {}

    # -- one worker -----------------------------------------------------------------------------
    def view(self, worker: Row, free: int) -> WorkerView:
        activity = self.store.get("activities", worker["activity_sid"])
        return WorkerView(
            sid=worker["sid"],
            friendly_name=worker["friendly_name"],
            activity_sid=worker["activity_sid"],
            activity_name=activity["friendly_name"] if activity else "",
            available=bool(worker["available"]),
            attributes=self.kernel.worker_attributes(worker),
            idle_since=worker["date_status_changed"],
            free_capacity=free,
        )

    def is_member(self, queue: Row, worker: Row) -> bool:
        """The queue's TargetWorkers holds for the worker (cached by worker version)."""
        cached = self._members.get(queue["sid"])
        if cached is None or cached[0] != queue["target_workers"]:
            cached = self._members[queue["sid"]] = (queue["target_workers"], {})
        verdicts = cached[1]
        stamp = _stamp(worker)
        known = verdicts.get(worker["sid"])
        if known is not None and known[0] == stamp:
            return known[1]
        member = bool(self.kernel.queue_expression(queue).evaluate(self.view(worker, 0).context))
        verdicts[worker["sid"]] = (stamp, member)
        return member

    def fits(self, task: Row, queue: Row, worker: Row) -> bool:
        """The worker may take the task when free: a member of the queue, the known worker if
        the target names one, and the target expression holds (judged once per routing class
        and worker version)."""
        if not self.is_member(queue, worker):
            return False
        key = (task["routing_class"] or task["sid"], worker["sid"])
        stamp = _stamp(worker)
        known = self._fits.get(key)
        if known is not None and known[0] == stamp:
            return known[1]
        verdict = self._target_allows(task, worker)
        if len(self._fits) >= MAX_CACHED_FITS:
            self._fits.clear()
        self._fits[key] = (stamp, verdict)
        return verdict

    def _target_allows(self, task: Row, worker: Row) -> bool:
        target = self.kernel.current_target(task)
        if target is None:
            return True
        task_view = self.task_view(task)
        worker_view = self.view(worker, 1)
        known = known_worker_filter(task_view, target)
        if known is not None and not known(worker_view):
            return False
        if target.expression is None:
            return True
        return bool(target.expression.evaluate(target_context(task_view, worker_view)))

    def task_view(self, task: Row) -> TaskView:
        return TaskView(
            sid=task["sid"],
            attributes=self.kernel.task_attributes(task),
            priority=task["priority"],
            created=task["date_created"],
            queue_entered=task["queue_entered"] or task["date_created"],
        )

    # -- sets of workers ------------------------------------------------------------------------
    def free_workers(self, workspace: Row, channel_sid: str) -> Iterator[tuple[Row, int]]:
        """Available workers with room on the channel, longest idle first, with that room."""
        if workspace["multi_task_enabled"]:
            sql = (
                "SELECT w.*, wc.capacity - wc.live AS free FROM workers w "
                "JOIN worker_channels wc ON wc.worker_sid = w.sid AND wc.task_channel_sid = ? "
                "WHERE w.workspace_sid = ? AND w.available = 1 AND wc.available = 1 "
                "AND wc.live < wc.capacity"
            )
            args: list[Any] = [channel_sid, workspace["sid"]]
        else:
            sql = (
                "SELECT w.*, 1 AS free FROM workers w "
                "WHERE w.workspace_sid = ? AND w.available = 1 AND w.live = 0"
            )
            args = [workspace["sid"]]
        after: tuple[float, str] | None = None
        while True:
            page_sql, page_args = sql, list(args)
            if after is not None:
                page_sql += " AND (w.date_status_changed > ? OR (w.date_status_changed = ? "
                page_sql += "AND w.sid > ?))"
                page_args += [after[0], after[0], after[1]]
            rows = self.store.all(
                f"{page_sql} ORDER BY w.date_status_changed, w.sid LIMIT {BATCH}", page_args
            )
            yield from ((row, row["free"]) for row in rows)
            if len(rows) < BATCH:
                return
            after = (rows[-1]["date_status_changed"], rows[-1]["sid"])

    def free_views(self, workspace_sid: str, channel_sid: str) -> list[WorkerView]:
        """Every available worker with room on the channel, as routing sees them."""
        workspace = self.kernel.workspace(workspace_sid)
        return [self.view(row, free) for row, free in self.free_workers(workspace, channel_sid)]

    def member_sids(self, queue: Row, workers: Iterable[Row]) -> set[str]:
        """The SIDs of those of `workers` the queue's TargetWorkers matches."""
        return {row["sid"] for row in workers if self.is_member(queue, row)}

    def member_views(self, queue: Row) -> list[WorkerView]:
        """Every worker (any activity) the queue's TargetWorkers matches."""
        workers = self.store.all(
            "SELECT * FROM workers WHERE workspace_sid = ? ORDER BY id", (queue["workspace_sid"],)
        )
        return [self.view(row, 0) for row in workers if self.is_member(queue, row)]
