"""Routing: workflow placement, queue entry, and matching tasks with free workers (reservations)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from trctl.emulator.apierror import bad_request
from trctl.emulator.paging import _keyset
from trctl.emulator.store import Row

if TYPE_CHECKING:
    from trctl.emulator.backend import Backend

MAX_CONFIGURATION = 1_048_576
LIVE = "('pending','accepted','wrapping')"
NO_MATCH_REASON = "Task did not match any workflow filter and the workflow has no default_filter"
FELL_OUT_REASON = "Task timed out of the last workflow target"


class RoutingOps:
    """Mixed into Backend."""

    # -- workflow configuration -----------------------------------------------------------------
    def parse_config(self: Backend, workspace_sid: str, text: str) -> Any:
        from trctl.emulator.workflow_config import ConfigurationError, parse_workflow_config

        if len(text.encode()) > MAX_CONFIGURATION:
            raise bad_request("Configuration must be at most 1 MB")
        try:
            return parse_workflow_config(
                text,
                queue_exists=lambda sid: (
                    self.store.get("task_queues", sid, workspace_sid) is not None
                ),
            )
        except ConfigurationError as exc:
            raise bad_request(f"Invalid Configuration: {exc}") from exc

    def workflow_config(self: Backend, workflow: Row) -> Any:
        cached = self._configs.get(workflow["sid"])
        if cached is not None and cached[0] == workflow["configuration"]:
            return cached[1]
        from trctl.emulator.workflow_config import parse_workflow_config

        config = parse_workflow_config(workflow["configuration"])
        self._configs[workflow["sid"]] = (workflow["configuration"], config)
        return config

    def current_target(self: Backend, task: Row) -> Any:
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

    # -- placement ------------------------------------------------------------------------------
    def place_task(self: Backend, task: Row, *, entering: bool = False) -> None:
        """(Re-)run the workflow for a pending task from its first filter."""
        from trctl.emulator.workflow_config import first_placement

        workflow = self.load("workflows", task["workflow_sid"])
        config = self.workflow_config(workflow)
        attributes = json.loads(task["attributes"])
        placement = first_placement(
            config, attributes, is_skipped=lambda target: self.target_skipped(task, target)
        )
        if entering:
            self.task_event(
                task,
                "workflow.entered",
                f"Task {task['sid']} entered Workflow {workflow['friendly_name']}",
            )
        if placement is None:
            self.cancel_task(self.load("tasks", task["sid"]), NO_MATCH_REASON, "task.canceled")
            return
        self.apply_placement(task, placement)

    def advance_target(self: Backend, task: Row) -> None:
        """The task's current target timed out: move to the next one or fall out (cancel)."""
        from trctl.emulator.workflow_config import Placement, next_placement

        workflow = self.load("workflows", task["workflow_sid"])
        config = self.workflow_config(workflow)
        target = self.current_target(task)
        filter_index = task["filter_index"]
        current = Placement(
            filter_index=filter_index,
            target_index=task["target_index"],
            target=target,
            filter_name=config.filters[filter_index].name if filter_index >= 0 else "default",
        )
        placement = next_placement(
            config,
            json.loads(task["attributes"]),
            current,
            is_skipped=lambda t: self.target_skipped(task, t),
        )
        if placement is None:
            self.task_event(
                task,
                "workflow.timeout",
                f"Task {task['sid']} timed out of Workflow {workflow['friendly_name']}",
            )
            self.cancel_task(self.load("tasks", task["sid"]), FELL_OUT_REASON, "task.canceled")
            return
        self.apply_placement(task, placement)

    def apply_placement(self: Backend, task: Row, placement: Any) -> None:
        target = placement.target
        queue = self.store.get("task_queues", target.queue_sid, task["workspace_sid"])
        if queue is None:
            self.cancel_task(
                task, f"TaskQueue {target.queue_sid} no longer exists", "task.canceled"
            )
            return
        priority = target.priority if target.priority is not None else task["base_priority"]
        deadline = self.now() + target.timeout if target.timeout else None
        self.arm(deadline)
        self.store.update(
            "tasks",
            task["sid"],
            {
                "filter_index": placement.filter_index,
                "target_index": placement.target_index,
                "target_deadline": deadline,
                "priority": priority,
            },
        )
        task = self.load("tasks", task["sid"])
        self.task_event(
            task,
            "workflow.target-matched",
            f"Task {task['sid']} matched a workflow target",
            {"WorkflowFilterName": placement.filter_name},
        )
        self.enter_queue(task, queue)

    def enter_queue(self: Backend, task: Row, queue: Row, *_: Any) -> None:
        previous = task["task_queue_sid"]
        if previous != queue["sid"]:
            self.store.update(
                "tasks", task["sid"], {"task_queue_sid": queue["sid"], "queue_entered": self.now()}
            )
            task = self.load("tasks", task["sid"])
            if previous:
                self.task_event(
                    task,
                    "task-queue.moved",
                    f"Task {task['sid']} moved to TaskQueue {queue['friendly_name']}",
                )
            self.task_event(
                task,
                "task-queue.entered",
                f"Task {task['sid']} entered TaskQueue {queue['friendly_name']}",
            )
        if task["ignore_capacity"] and (task["routing_target"] or "").startswith("WK"):
            self.route_direct(self.load("tasks", task["sid"]), queue)
            return
        self.route_queue(queue)

    def route_direct(self: Backend, task: Row, queue: Row) -> None:
        """RoutingTarget=WK with IgnoreCapacity: reserve that worker whatever its capacity."""
        worker = self.store.get("workers", task["routing_target"])
        if worker is None or task["assignment_status"] != "pending":
            return
        if worker["sid"] not in self._excluded(task["sid"]):
            self.reserve(task, worker, queue)

    def target_skipped(self: Backend, task: Row, target: Any) -> bool:
        """skip_if applies only when entering the target would not reserve a worker at once."""
        from trctl.emulator.matching import choose_workers, skip_if_context

        if target.skip_if is None:
            return False
        queue = self.store.get("task_queues", target.queue_sid)
        if queue is None:
            return True
        expr = self.queue_expression(queue)
        free = self.free_views(task["workspace_sid"], task["task_channel_sid"])
        if choose_workers(self.task_view(task), target, expr, free, 1):
            return False
        members = self.member_views(queue)
        return bool(target.skip_if.evaluate(skip_if_context(members)))

    # -- worker views ---------------------------------------------------------------------------
    def _view(self: Backend, worker: Row, free: int) -> Any:
        from trctl.emulator.matching import WorkerView

        return WorkerView(
            sid=worker["sid"],
            friendly_name=worker["friendly_name"],
            activity_sid=worker["activity_sid"],
            activity_name=worker["activity_name"],
            available=bool(worker["available"]),
            attributes=self.worker_attributes(worker),
            idle_since=worker["date_status_changed"],
            free_capacity=free,
        )

    def _workers_sql(self: Backend, only_available: bool) -> str:
        sql = (
            "SELECT w.*, a.friendly_name AS activity_name FROM workers w "
            "JOIN activities a ON a.sid = w.activity_sid WHERE w.workspace_sid = ?"
        )
        return sql + (" AND w.available = 1" if only_available else "")

    def free_capacity(self: Backend, workspace: Row, worker_sid: str, channel_sid: str) -> int:
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

    def free_views(self: Backend, workspace_sid: str, channel_sid: str) -> list[Any]:
        """Available workers with free capacity on the channel, as matching.WorkerView."""
        workspace = self.workspace(workspace_sid)
        views = []
        for worker in self.store.all(self._workers_sql(True), (workspace_sid,)):
            free = self.free_capacity(workspace, worker["sid"], channel_sid)
            if free > 0:
                views.append(self._view(worker, free))
        return views

    def member_views(self: Backend, queue: Row) -> list[Any]:
        """Every worker (any activity) that the queue's TargetWorkers matches."""
        from trctl.emulator.matching import eligible

        expr = self.queue_expression(queue)
        views = [
            self._view(worker, 0)
            for worker in self.store.all(self._workers_sql(False), (queue["workspace_sid"],))
        ]
        return [view for view in views if eligible(view, expr)]

    def task_view(self: Backend, task: Row) -> Any:
        from trctl.emulator.matching import TaskView

        return TaskView(
            sid=task["sid"],
            attributes=json.loads(task["attributes"]),
            priority=task["priority"],
            created=task["date_created"],
            queue_entered=task["queue_entered"] or task["date_created"],
        )

    # -- matching -------------------------------------------------------------------------------
    def free_channels(self: Backend, workspace: Row, worker_sid: str) -> list[str] | None:
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

    def _queue_tasks(self: Backend, queue: Row, channels: list[str] | None = None) -> Iterator[Row]:
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
                clause, extra = _keyset(columns, key, after=True)
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

    def _open_slots(self: Backend, task: Row, queue: Row) -> int:
        live = self.store.scalar(
            "SELECT COUNT(*) FROM reservations WHERE task_sid = ? AND status = 'pending'",
            (task["sid"],),
        )
        return max(queue["max_reserved_workers"] - live, 0)

    def _excluded(self: Backend, task_sid: str) -> set[str]:
        """Workers who already hold or rejected a reservation for this task."""
        return {
            row["worker_sid"]
            for row in self.store.all(
                "SELECT worker_sid FROM reservations WHERE task_sid = ? AND status IN "
                "('pending','rejected')",
                (task_sid,),
            )
        }

    def free_pools(self: Backend, workspace: Row, queue: Row) -> dict[str | None, list[Any]]:
        """Free eligible workers of the queue, by task channel (key None: single-tasking)."""
        from trctl.emulator.matching import eligible

        expr = self.queue_expression(queue)
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

    def route_queue(self: Backend, queue: Row) -> None:
        """Offer the queue's tasks, in order, to its free eligible workers."""
        from trctl.emulator.matching import choose_workers

        expr = self.queue_expression(queue)
        workspace = self.workspace(queue["workspace_sid"])
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
            target = self.current_target(task)
            chosen = choose_workers(self.task_view(task), target, expr, candidates, slots)
            for view in chosen:
                self.reserve(self.load("tasks", task["sid"]), self.load("workers", view.sid), queue)
            if chosen:
                pools = self.free_pools(workspace, queue)
                if not any(pools.values()):
                    return

    def route_worker(self: Backend, worker: Row) -> None:
        """A worker became available or gained capacity: give it the best task it can take."""
        from trctl.emulator.matching import choose_workers, eligible

        workspace = self.workspace(worker["workspace_sid"])
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
                expr = self.queue_expression(queue)
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
                        self.task_view(task), self.current_target(task), expr, [view], 1
                    ):
                        rank = (-task["priority"], task["queue_entered"] or 0, task["id"])
                        if best is None or rank < best[0]:
                            best = (rank, task, queue)
                        break
            if best is None:
                return
            _, task, queue = best
            self.reserve(task, self.load("workers", row["sid"]), queue)
            if queue["max_reserved_workers"] > 1:
                self.route_queue(queue)

    # -- reservations ---------------------------------------------------------------------------
    def _armed(self: Backend, deadline: float) -> float:
        self.arm(deadline)
        return deadline

    def reserve(self: Backend, task: Row, worker: Row, queue: Row) -> Row:
        """Create a pending reservation (and its assignment callback in the same transaction)."""
        now = self.now()
        sid = self.sids("WR")
        workflow = (
            self.store.get("workflows", task["workflow_sid"]) if task["workflow_sid"] else None
        )
        timeout = workflow["task_reservation_timeout"] if workflow else 120
        workspace = self.workspace(task["workspace_sid"])
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
                "deadline": self._armed(now + timeout),
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
            worker = self.set_worker_activity(worker, queue["reservation_activity_sid"])
        reservation = self.load("reservations", sid)
        self.reservation_event(reservation, "reservation.created", "created")
        if workflow is not None and workflow["assignment_callback_url"]:
            self.enqueue_callback(
                "assignment",
                task["workspace_sid"],
                workflow["assignment_callback_url"],
                workflow["fallback_assignment_callback_url"],
                self.assignment_params(reservation),
                f"{sid}-assignment",
                sid,
            )
        return reservation

    def assignment_params(self: Backend, reservation: Row) -> dict[str, str]:
        task = self.load("tasks", reservation["task_sid"])
        worker = self.load("workers", reservation["worker_sid"])
        now = self.now()
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

    def reservation_event(self: Backend, reservation: Row, event_type: str, verb: str) -> None:
        task = self.load("tasks", reservation["task_sid"])
        worker = self.store.get("workers", reservation["worker_sid"])
        fields = {**self.task_fields(task)}
        if worker is not None:
            fields.update(self.worker_fields(worker))
        fields["ReservationSid"] = reservation["sid"]
        if reservation["task_queue_sid"]:
            fields["TaskQueueSid"] = reservation["task_queue_sid"]
        self.record_event(
            reservation["workspace_sid"],
            event_type,
            resource_type="reservation",
            resource_sid=reservation["sid"],
            resource_path=f"Tasks/{reservation['task_sid']}/Reservations/{reservation['sid']}",
            description=f"Reservation {reservation['sid']} {verb}",
            fields=fields,
        )
