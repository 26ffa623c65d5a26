"""Routing: a task that becomes routable meets the free workers; a worker that becomes free meets
the head of each routing class it fits; reservations are made here.

Routing keeps one invariant: no free worker fits a waiting task. So a new or returning task is
offered only to the free workers (longest idle first, stopping at the first that fits), and a
worker that frees up looks only at the head of each routing class of its queues (one indexed
query per class, however many tasks wait behind the heads it cannot take)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from trctl.emulator.core.eligibility import Eligibility, routing_class
from trctl.emulator.core.events import EventLog
from trctl.emulator.core.kernel import Service
from trctl.emulator.core.store import Row
from trctl.emulator.core.worker_state import WorkerState
from trctl.vocab.callbacks import assignment_callback, assignment_token
from trctl.workflow.matching import TaskView, WorkerView, order_workers


@dataclass(eq=False)
class Router(Service):
    """Finds free eligible workers for queued tasks (and tasks for free workers) and reserves."""

    events: EventLog
    worker_state: WorkerState
    eligibility: Eligibility

    # -- a task that can be routed --------------------------------------------------------------
    def route_task(self, task: Row) -> None:
        """The task entered a queue, came back to it, or changed: offer it to free workers."""
        task = self.classify(task)
        queue = self.store.get("task_queues", task["task_queue_sid"] or "")
        if queue is None or task["assignment_status"] not in ("pending", "reserved"):
            return
        direct = task["routing_target"] or ""
        if task["ignore_capacity"] and direct.startswith("WK"):
            self.route_direct(task, queue)
            return
        slots = self._open_slots(task, queue)
        if slots <= 0:
            return
        workspace = self.kernel.workspace(task["workspace_sid"])
        excluded = self._excluded(task) if task["assignment_count"] else set()
        target = self.kernel.current_target(task)
        ranked = target is not None and bool(target.order_by)
        chosen: list[tuple[Row, int]] = []
        for worker, free in self.eligibility.free_workers(workspace, task["task_channel_sid"]):
            if worker["sid"] in excluded or (direct.startswith("WK") and worker["sid"] != direct):
                continue
            if not self.eligibility.fits(task, queue, worker):
                continue
            chosen.append((worker, free))
            if not ranked and len(chosen) >= slots:
                break
        if ranked and target is not None:
            views = {view.sid: view for view in (self.eligibility.view(w, f) for w, f in chosen)}
            order = order_workers(list(views.values()), target.order_by)[:slots]
            rows = {worker["sid"]: worker for worker, _ in chosen}
            chosen = [(rows[view.sid], 1) for view in order]
        for worker, _ in chosen[:slots]:
            self.reserve(self.kernel.load("tasks", task["sid"]), worker, queue)

    def classify(self, task: Row) -> Row:
        """The task with its routing class up to date (written when it changed)."""
        wanted = routing_class(
            task, self.kernel.current_target(task), self.kernel.task_attributes(task)
        )
        if task["routing_class"] == wanted:
            return task
        self.store.update("tasks", task["sid"], {"routing_class": wanted})
        return self.kernel.load("tasks", task["sid"])

    def classify_waiting(self, workflow_sid: str | None = None) -> None:
        """Refresh the routing class of every waiting task (of one workflow, whose configuration
        changed; or all, in a store an older trctl made)."""
        sql = "SELECT * FROM tasks WHERE assignment_status IN ('pending','reserved')"
        args: tuple = ()
        if workflow_sid is not None:
            sql, args = sql + " AND workflow_sid = ?", (workflow_sid,)
        with self.kernel.tx():
            for task in self.store.all(sql, args):
                self.classify(task)

    # -- a worker that may take more ------------------------------------------------------------
    def route_worker(self, worker: Row) -> None:
        """A worker became available or gained room: give it the best task it fits, again and
        again while it has room (priority first, then the longest in its queue). Each round
        reserves one task, which takes a slot of the worker's room, so the loop ends when the
        room or the tasks it fits run out (at most its capacity summed over its channels)."""
        workspace = self.kernel.workspace(worker["workspace_sid"])
        while True:
            row = self.store.get("workers", worker["sid"])
            if row is None or not row["available"]:
                return
            room = self._room(workspace, row)
            if not room:
                return
            best: tuple[tuple, Row, Row] | None = None
            for queue in self.kernel.queues_of(workspace["sid"]):
                if not self.eligibility.is_member(queue, row):
                    continue
                found = self._best_in_queue(queue, row, room)
                if found is not None and (best is None or found[0] < best[0]):
                    best = (found[0], found[1], queue)
            if best is None:
                return
            _, task, queue = best
            self.reserve(task, row, queue)  # a slot it leaves open goes to whoever is free next

    def route_worker_sid(self, worker_sid: str) -> None:
        """Route a worker (by SID) if it still exists and is available."""
        worker = self.store.get("workers", worker_sid)
        if worker is not None and worker["available"]:
            self.route_worker(worker)

    def route_queue(self, queue: Row) -> None:
        """Everything in the queue may have changed (its TargetWorkers did): every available
        worker of the workspace that belongs to it looks again."""
        for worker in self.store.all(
            "SELECT * FROM workers WHERE workspace_sid = ? AND available = 1 "
            "ORDER BY date_status_changed, sid",
            (queue["workspace_sid"],),
        ):
            if self.eligibility.is_member(queue, worker):
                self.route_worker(worker)

    def route_direct(self, task: Row, queue: Row) -> None:
        """RoutingTarget=WK with IgnoreCapacity: reserve that worker whatever its capacity."""
        worker = self.store.get("workers", task["routing_target"])
        if worker is None or task["assignment_status"] != "pending":
            return
        if worker["sid"] not in self._excluded(task):
            self.reserve(task, worker, queue)

    # -- inside ---------------------------------------------------------------------------------
    def _room(self, workspace: Row, worker: Row) -> dict[str | None, int]:
        """Where the worker can take a task: {channel SID: free slots}, or {None: 1} for any
        channel in a single-tasking workspace; empty when it has no room."""
        if not workspace["multi_task_enabled"]:
            return {} if worker["live"] else {None: 1}
        return {
            row["task_channel_sid"]: row["free"]
            for row in self.store.all(
                "SELECT task_channel_sid, capacity - live AS free FROM worker_channels "
                "WHERE worker_sid = ? AND available = 1 AND live < capacity",
                (worker["sid"],),
            )
        }

    def _best_in_queue(
        self, queue: Row, worker: Row, room: dict[str | None, int]
    ) -> tuple[tuple, Row] | None:
        """The queue's best task the worker can take, with its rank across queues: one look at
        the head of each routing class (the classes are few; the tasks behind them may be many)."""
        states = ("pending",) if queue["max_reserved_workers"] <= 1 else ("pending", "reserved")
        best: tuple[tuple, Row] | None = None
        for status in states:
            for head in self._class_heads(queue, status):
                if None not in room and head["task_channel_sid"] not in room:
                    continue
                direct = head["routing_target"] or ""
                if direct.startswith("WK") and direct != worker["sid"]:
                    continue
                if not self.eligibility.fits(head, queue, worker):
                    continue
                task = self._first_takeable(queue, status, head, worker)
                if task is None:
                    continue
                rank = (-task["priority"], task["queue_entered"] or 0, task["id"])
                if best is None or rank < best[0]:
                    best = (rank, task)
        return best

    def _class_heads(self, queue: Row, status: str) -> list[Row]:
        """The first task of each routing class waiting in the queue with this status, found by
        skipping from class to class along the index (never reading the tasks in between)."""
        lifo = queue["task_order"] == "LIFO"
        heads = []
        after = ""
        while True:
            row = self.store.one(
                "SELECT routing_class FROM tasks WHERE task_queue_sid = ? "
                "AND assignment_status = ? AND routing_class > ? ORDER BY routing_class LIMIT 1",
                (queue["sid"], status, after),
            )
            if row is None:
                return heads
            after = row["routing_class"]
            head = self.store.one(
                "SELECT * FROM tasks WHERE task_queue_sid = ? AND assignment_status = ? "
                f"AND routing_class = ? ORDER BY priority DESC, queue_entered {_dir(lifo)}, id "
                "LIMIT 1",
                (queue["sid"], status, after),
            )
            if head is not None:
                heads.append(head)

    def _first_takeable(self, queue: Row, status: str, head: Row, worker: Row) -> Row | None:
        """The class's first task (from `head` on) with an open slot that the worker has not
        already been offered or rejected."""
        task: Row | None = head
        lifo = queue["task_order"] == "LIFO"
        while task is not None:
            open_slot = status == "pending" or self._open_slots(task, queue) > 0
            if open_slot and worker["sid"] not in self._excluded(task):
                return task
            sign = "<" if lifo else ">"
            task = self.store.one(
                "SELECT * FROM tasks WHERE task_queue_sid = ? AND assignment_status = ? "
                "AND routing_class = ? AND (priority < ? OR (priority = ? AND "
                f"(queue_entered {sign} ? OR (queue_entered = ? AND id > ?)))) "
                f"ORDER BY priority DESC, queue_entered {_dir(lifo)}, id LIMIT 1",
                (queue["sid"], status, task["routing_class"], task["priority"],
                 task["priority"], task["queue_entered"], task["queue_entered"], task["id"]),
            )  # fmt: skip
        return None

    def _open_slots(self, task: Row, queue: Row) -> int:
        if task["assignment_status"] == "pending" and queue["max_reserved_workers"] <= 1:
            return 1
        live = self.store.scalar(
            "SELECT COUNT(*) FROM reservations WHERE task_sid = ? AND status = 'pending'",
            (task["sid"],),
        )
        return max(queue["max_reserved_workers"] - live, 0)

    def _excluded(self, task: Row) -> set[str]:
        """Workers who hold or rejected a reservation for this task (none before its first)."""
        if not task["assignment_count"]:
            return set()
        return {
            row["worker_sid"]
            for row in self.store.all(
                "SELECT worker_sid FROM reservations WHERE task_sid = ? AND status IN "
                "('pending','rejected')",
                (task["sid"],),
            )
        }

    # -- views for placement (skip_if) and statistics -------------------------------------------
    def free_views(self, workspace_sid: str, channel_sid: str) -> list[WorkerView]:
        return self.eligibility.free_views(workspace_sid, channel_sid)

    def member_views(self, queue: Row) -> list[WorkerView]:
        return self.eligibility.member_views(queue)

    def member_sids(self, queue: Row, workers: Iterable[Row]) -> set[str]:
        return self.eligibility.member_sids(queue, workers)

    def task_view(self, task: Row) -> TaskView:
        return self.eligibility.task_view(task)

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
        self.worker_state.count_live(worker["sid"], task["task_channel_sid"], +1)
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
                assignment_token(sid),
                sid,
            )
        return reservation

    def assignment_params(self, reservation: Row) -> dict[str, str]:
        task = self.kernel.load("tasks", reservation["task_sid"])
        worker = self.kernel.load("workers", reservation["worker_sid"])
        now = self.kernel.now()
        return assignment_callback(
            account_sid=self.kernel.account_sid(),
            workspace_sid=reservation["workspace_sid"],
            workflow_sid=task["workflow_sid"] or "",
            task_queue_sid=reservation["task_queue_sid"] or "",
            worker_sid=worker["sid"],
            worker_attributes=worker["attributes"],
            task_sid=task["sid"],
            task_attributes=task["attributes"],
            task_age=now - task["date_created"],
            task_priority=task["priority"],
            reservation_sid=reservation["sid"],
            now=now,
        )


def _dir(lifo: bool) -> str:
    return "DESC" if lifo else "ASC"
