"""Routing: free workers, matching them with queued tasks, and creating reservations."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from trctl.emulator.core.events import EventLog
from trctl.emulator.core.kernel import Service
from trctl.emulator.core.keyset import keyset
from trctl.emulator.core.store import Row
from trctl.emulator.core.worker_state import WorkerState
from trctl.workflow.matching import TaskView, WorkerView, choose_workers, eligible

LIVE = "('pending','accepted','wrapping')"


@dataclass(eq=False)
class Router(Service):
    """Finds free eligible workers for queued tasks (and tasks for free workers) and reserves."""

    events: EventLog
    worker_state: WorkerState

    # -- worker views ---------------------------------------------------------------------------
    def _view(self, worker: Row, free: int) -> Any:
        return WorkerView(
            sid=worker["sid"],
            friendly_name=worker["friendly_name"],
            activity_sid=worker["activity_sid"],
            activity_name=worker["activity_name"],
            available=bool(worker["available"]),
            attributes=self.kernel.worker_attributes(worker),
            idle_since=worker["date_status_changed"],
            free_capacity=free,
        )

    def _workers_sql(self, only_available: bool) -> str:
        sql = (
            "SELECT w.*, a.friendly_name AS activity_name FROM workers w "
            "JOIN activities a ON a.sid = w.activity_sid WHERE w.workspace_sid = ?"
        )
        return sql + (" AND w.available = 1" if only_available else "")

    def free_capacity(self, workspace: Row, worker_sid: str, channel_sid: str) -> int:
        if not workspace["multi_task_enabled"]:
            live = self.store.scalar(
                f"SELECT COUNT(*) FROM reservations WHERE worker_sid = ? AND status IN {LIVE}",
                (worker_sid,),
            )
            return 0 if live else 1
        channel = self.store.one(
            "SELECT capacity, available FROM worker_channels WHERE worker_sid = ? "
            "AND task_channel_sid = ?",
            (worker_sid, channel_sid),
        )
        if channel is None or not channel["available"]:
            return 0
        live = self.store.scalar(
            f"SELECT COUNT(*) FROM reservations WHERE worker_sid = ? AND task_channel_sid = ? "
            f"AND status IN {LIVE}",
            (worker_sid, channel_sid),
        )
        return max(channel["capacity"] - live, 0)

    def free_views(self, workspace_sid: str, channel_sid: str) -> list[Any]:
        """Available workers with free capacity on the channel, as matching.WorkerView."""
        workspace = self.kernel.workspace(workspace_sid)
        views = []
        for worker in self.store.all(self._workers_sql(True), (workspace_sid,)):
            free = self.free_capacity(workspace, worker["sid"], channel_sid)
            if free > 0:
                views.append(self._view(worker, free))
        return views

    def member_views(self, queue: Row) -> list[Any]:
        """Every worker (any activity) that the queue's TargetWorkers matches."""
        expr = self.kernel.queue_expression(queue)
        views = [
            self._view(worker, 0)
            for worker in self.store.all(self._workers_sql(False), (queue["workspace_sid"],))
        ]
        return [view for view in views if eligible(view, expr)]

    def task_view(self, task: Row) -> Any:
        return TaskView(
            sid=task["sid"],
            attributes=json.loads(task["attributes"]),
            priority=task["priority"],
            created=task["date_created"],
            queue_entered=task["queue_entered"] or task["date_created"],
        )

    # -- matching -------------------------------------------------------------------------------
    def free_channels(self, workspace: Row, worker_sid: str) -> list[str] | None:
        """Channels the worker can take a task on: None means any, [] means none."""
        if not workspace["multi_task_enabled"]:
            return None if self.free_capacity(workspace, worker_sid, "") > 0 else []
        rows = self.store.all(
            "SELECT wc.task_channel_sid AS channel, wc.capacity - (SELECT COUNT(*) FROM "
            f"reservations r WHERE r.worker_sid = wc.worker_sid AND r.task_channel_sid = "
            f"wc.task_channel_sid AND r.status IN {LIVE}) AS free FROM worker_channels wc "
            "WHERE wc.worker_sid = ? AND wc.available = 1",
            (worker_sid,),
        )
        return [row["channel"] for row in rows if row["free"] > 0]

    def _queue_tasks(self, queue: Row, channels: list[str] | None = None) -> Iterator[Row]:
        """Routable tasks of a queue in queue order (optionally only on some channels)."""
        lifo = queue["task_order"] == "LIFO"
        columns = [("priority", True), ("queue_entered", lifo), ("id", False)]
        states = "('pending')" if queue["max_reserved_workers"] <= 1 else "('pending','reserved')"
        order = ", ".join(f"{c} {'DESC' if d else 'ASC'}" for c, d in columns)
        key: list[Any] | None = None
        while True:
            where = f"task_queue_sid = ? AND assignment_status IN {states}"
            args: list[Any] = [queue["sid"]]
            if channels is not None:
                where += f" AND task_channel_sid IN ({', '.join('?' for _ in channels)})"
                args.extend(channels)
            if key is not None:
                clause, extra = keyset(columns, key, after=True)
                where += " AND " + clause
                args.extend(extra)
            rows = self.store.all(
                f"SELECT * FROM tasks WHERE {where} ORDER BY {order} LIMIT 64", args
            )
            if not rows:
                return
            yield from rows
            last = rows[-1]
            key = [last["priority"], last["queue_entered"], last["id"]]

    def _open_slots(self, task: Row, queue: Row) -> int:
        live = self.store.scalar(
            "SELECT COUNT(*) FROM reservations WHERE task_sid = ? AND status = 'pending'",
            (task["sid"],),
        )
        return max(queue["max_reserved_workers"] - live, 0)

    def _excluded(self, task_sid: str) -> set[str]:
        """Workers who already hold or rejected a reservation for this task."""
        return {
            row["worker_sid"]
            for row in self.store.all(
                "SELECT worker_sid FROM reservations WHERE task_sid = ? AND status IN "
                "('pending','rejected')",
                (task_sid,),
            )
        }

    def free_pools(self, workspace: Row, queue: Row) -> dict[str | None, list[Any]]:
        """Free eligible workers of the queue, by task channel (key None: single-tasking)."""
        expr = self.kernel.queue_expression(queue)
        base = self._workers_sql(True)
        if not workspace["multi_task_enabled"]:
            rows = self.store.all(
                base + " AND NOT EXISTS (SELECT 1 FROM reservations r WHERE r.worker_sid = w.sid "
                f"AND r.status IN {LIVE})",
                (workspace["sid"],),
            )
            views = [self._view(row, 1) for row in rows]
            return {None: [view for view in views if eligible(view, expr)]}
        rows = self.store.all(
            "SELECT w.*, a.friendly_name AS activity_name, wc.task_channel_sid AS channel, "
            "wc.capacity - (SELECT COUNT(*) FROM reservations r WHERE r.worker_sid = w.sid "
            f"AND r.task_channel_sid = wc.task_channel_sid AND r.status IN {LIVE}) AS free "
            "FROM workers w JOIN activities a ON a.sid = w.activity_sid "
            "JOIN worker_channels wc ON wc.worker_sid = w.sid AND wc.available = 1 "
            "WHERE w.workspace_sid = ? AND w.available = 1",
            (workspace["sid"],),
        )
        pools: dict[str | None, list[Any]] = {}
        verdict: dict[str, bool] = {}
        for row in rows:
            if row["free"] <= 0:
                continue
            view = self._view(row, row["free"])
            if row["sid"] not in verdict:
                verdict[row["sid"]] = eligible(view, expr)
            if verdict[row["sid"]]:
                pools.setdefault(row["channel"], []).append(view)
        return pools

    def route_queue(self, queue: Row) -> None:
        """Offer the queue's tasks, in order, to its free eligible workers."""
        expr = self.kernel.queue_expression(queue)
        workspace = self.kernel.workspace(queue["workspace_sid"])
        pools = self.free_pools(workspace, queue)
        if not any(pools.values()):
            return
        single = not workspace["multi_task_enabled"]
        channels = None if single else [c for c, views in pools.items() if views]
        for task in self._queue_tasks(queue, channels):
            pool = pools.get(None if single else task["task_channel_sid"])
            if not pool:
                continue
            slots = self._open_slots(task, queue)
            if slots <= 0:
                continue
            excluded = self._excluded(task["sid"])
            candidates = [view for view in pool if view.sid not in excluded]
            direct = task["routing_target"] or ""
            if direct.startswith("WK"):  # only the named worker may take it
                candidates = [view for view in candidates if view.sid == direct]
            target = self.kernel.current_target(task)
            chosen = choose_workers(self.task_view(task), target, expr, candidates, slots)
            for view in chosen:
                self.reserve(
                    self.kernel.load("tasks", task["sid"]),
                    self.kernel.load("workers", view.sid),
                    queue,
                )
            if chosen:
                pools = self.free_pools(workspace, queue)
                if not any(pools.values()):
                    return

    def route_worker(self, worker: Row) -> None:
        """A worker became available or gained capacity: give it the best task it can take."""
        workspace = self.kernel.workspace(worker["workspace_sid"])
        queues = self.store.all(
            "SELECT * FROM task_queues WHERE workspace_sid = ? ORDER BY id",
            (worker["workspace_sid"],),
        )
        for _ in range(64):  # bounded: one reservation per round
            row = self.store.one(
                self._workers_sql(True) + " AND w.sid = ?", (worker["workspace_sid"], worker["sid"])
            )
            if row is None:
                return
            channels = self.free_channels(workspace, row["sid"])
            if channels == []:
                return
            best: tuple[tuple, Row, Row] | None = None
            probe = self._view(row, 1)
            for queue in queues:
                expr = self.kernel.queue_expression(queue)
                if not eligible(probe, expr):
                    continue
                for task in self._queue_tasks(queue, channels):
                    free = self.free_capacity(workspace, row["sid"], task["task_channel_sid"])
                    if free <= 0 or self._open_slots(task, queue) <= 0:
                        continue
                    if row["sid"] in self._excluded(task["sid"]):
                        continue
                    direct = task["routing_target"] or ""
                    if direct.startswith("WK") and direct != row["sid"]:
                        continue
                    view = self._view(row, free)
                    if choose_workers(
                        self.task_view(task), self.kernel.current_target(task), expr, [view], 1
                    ):
                        rank = (-task["priority"], task["queue_entered"] or 0, task["id"])
                        if best is None or rank < best[0]:
                            best = (rank, task, queue)
                        break
            if best is None:
                return
            _, task, queue = best
            self.reserve(task, self.kernel.load("workers", row["sid"]), queue)
            if queue["max_reserved_workers"] > 1:
                self.route_queue(queue)

    # -- reservations ---------------------------------------------------------------------------
    def reserve(self, task: Row, worker: Row, queue: Row) -> Row:
        """Create a pending reservation (and its assignment callback in the same transaction)."""
        now = self.kernel.now()
        sid = self.kernel.sids("WR")
        workflow = (
            self.store.get("workflows", task["workflow_sid"]) if task["workflow_sid"] else None
        )
        timeout = workflow["task_reservation_timeout"] if workflow else 120
        workspace = self.kernel.workspace(task["workspace_sid"])
        self.store.insert(
            "reservations",
            {
                "sid": sid,
                "workspace_sid": task["workspace_sid"],
                "task_sid": task["sid"],
                "worker_sid": worker["sid"],
                "task_channel_sid": task["task_channel_sid"],
                "task_queue_sid": queue["sid"],
                "workflow_sid": task["workflow_sid"],
                "status": "pending",
                "deadline": self.kernel.arm(now + timeout),
                "worker_previous_activity_sid": worker["activity_sid"],
                "date_created": now,
                "date_updated": now,
            },
        )
        self.store.update(
            "tasks",
            task["sid"],
            {
                "assignment_status": "reserved",
                "assignment_count": task["assignment_count"] + 1,
                "version": task["version"] + 1,
                "date_updated": now,
            },
        )
        if not workspace["multi_task_enabled"] and queue["reservation_activity_sid"]:
            worker = self.worker_state.set_activity(worker, queue["reservation_activity_sid"])
        reservation = self.kernel.load("reservations", sid)
        self.events.reservation_event(reservation, "reservation.created", "created")
        if workflow is not None and workflow["assignment_callback_url"]:
            self.events.enqueue_callback(
                "assignment",
                task["workspace_sid"],
                workflow["assignment_callback_url"],
                workflow["fallback_assignment_callback_url"],
                self.assignment_params(reservation),
                f"{sid}-assignment",
                sid,
            )
        return reservation

    def assignment_params(self, reservation: Row) -> dict[str, str]:
        task = self.kernel.load("tasks", reservation["task_sid"])
        worker = self.kernel.load("workers", reservation["worker_sid"])
        now = self.kernel.now()
        return {
            "AccountSid": self.store.get_meta("account_sid") or "",
            "WorkspaceSid": reservation["workspace_sid"],
            "WorkflowSid": task["workflow_sid"] or "",
            "TaskQueueSid": reservation["task_queue_sid"] or "",
            "WorkerSid": worker["sid"],
            "WorkerAttributes": worker["attributes"],
            "TaskSid": task["sid"],
            "TaskAttributes": task["attributes"],
            "TaskAge": str(max(int(now - task["date_created"]), 0)),
            "TaskPriority": str(task["priority"]),
            "ReservationSid": reservation["sid"],
            "Timestamp": str(int(now)),
        }

    def route_worker_sid(self, worker_sid: str) -> None:
        """Route a worker (by SID) if it still exists and is available."""
        worker = self.store.get("workers", worker_sid)
        if worker is not None and worker["available"]:
            self.route_worker(worker)

    def route_direct(self, task: Row, queue: Row) -> None:
        """RoutingTarget=WK with IgnoreCapacity: reserve that worker whatever its capacity."""
        worker = self.store.get("workers", task["routing_target"])
        if worker is None or task["assignment_status"] != "pending":
            return
        if worker["sid"] not in self._excluded(task["sid"]):
            self.reserve(task, worker, queue)
