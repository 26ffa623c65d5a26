"""Worker matching (pure, shared by the emulator's routing and trctl explain): queue order, who
may take a task, and the order workers are tried."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from trctl.expr import Expression
from trctl.workflow.config import Target

_MISSING = object()


@dataclass(frozen=True)
class WorkerView:
    """A worker as routing sees it; `free_capacity` is on the task's channel."""

    sid: str
    friendly_name: str
    activity_sid: str
    activity_name: str
    available: bool
    attributes: Mapping[str, Any]
    idle_since: float
    free_capacity: int

    @cached_property
    def context(self) -> dict[str, Any]:
        """Attributes plus the worker's own fields (which win); built once, treat as read-only."""
        return context_of(
            self.attributes,
            sid=self.sid,
            friendly_name=self.friendly_name,
            activity_sid=self.activity_sid,
            activity_name=self.activity_name,
        )


def context_of(attributes: Mapping[str, Any], **fields: Any) -> dict[str, Any]:
    """What TargetWorkers and TargetWorkersExpression see: the attributes plus the worker's
    sid, friendly_name, activity_sid and activity_name, which win over attributes so named."""
    context = dict(attributes)
    context.update(fields)
    return context


@dataclass(frozen=True)
class TaskView:
    sid: str
    attributes: Mapping[str, Any]
    priority: int
    created: float
    queue_entered: float = field(default=0.0)


def queue_sort_key(task: TaskView, task_order: str) -> tuple:
    """Sort key for a queue: higher priority first, then oldest (FIFO) or newest (LIFO) task.

    Age is the task's age (`created`); time in the queue and then the SID break ties.
    """
    if task_order.upper() == "LIFO":
        return (-task.priority, -task.created, -task.queue_entered, task.sid)
    return (-task.priority, task.created, task.queue_entered, task.sid)


def worker_context(worker: WorkerView) -> dict[str, Any]:
    """What TargetWorkers and TargetWorkersExpression see: attributes + sid, friendly_name,
    activity_sid, activity_name."""
    return worker.context


def eligible(worker: WorkerView, queue_target_workers: Expression) -> bool:
    """True when the worker belongs to the queue (its TargetWorkers holds for the worker)."""
    return queue_target_workers.evaluate(worker.context)


def _lookup(mapping: Mapping[str, Any], dotted: str) -> Any:
    value: Any = mapping
    for part in dotted.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return _MISSING
        value = value[part]
    return value


def known_worker_value(reference: str, task_attributes: Mapping[str, Any]) -> Any:
    """The value a known_worker_* setting names: `task.<attr>` is read from the task, anything
    else is taken literally; None when the attribute is missing."""
    if reference.startswith("task."):
        value = _lookup(task_attributes, reference[len("task.") :])
        return None if value is _MISSING else value
    return reference


def known_worker_filter(
    task: TaskView, target: Target | None
) -> Callable[[WorkerView], bool] | None:
    """A predicate for the known-worker rule of `target`, or None when it has none."""
    if target is None:
        return None
    if target.known_worker_sid is not None:
        wanted = known_worker_value(target.known_worker_sid, task.attributes)
        return lambda worker: worker.sid == wanted
    if target.known_worker_friendly_name is not None:
        wanted = known_worker_value(target.known_worker_friendly_name, task.attributes)
        return lambda worker: worker.friendly_name == wanted
    return None


def target_context(task: TaskView, worker: WorkerView) -> dict[str, Any]:
    """What a workflow target's expression sees: {"task": attributes, "worker": context}."""
    return {"task": task.attributes, "worker": worker.context}


def _sortable(value: Any) -> tuple[int, Any] | None:
    """Numbers sort before strings; anything else (missing, bool, lists) counts as missing."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return (0, value)
    if isinstance(value, str):
        return (1, value)
    return None


def order_workers(
    workers: list[WorkerView], order_by: tuple[tuple[str, bool], ...]
) -> list[WorkerView]:
    """Longest idle first (then SID), re-sorted stably by each order_by clause, last clause first.

    A worker without the attribute sorts after every worker that has it, in either direction.
    """
    ordered = sorted(workers, key=lambda worker: (worker.idle_since, worker.sid))
    for path, descending in reversed(order_by):
        keyed = [(_sortable(_lookup(worker.context, path)), worker) for worker in ordered]
        present = [(key, worker) for key, worker in keyed if key is not None]
        present.sort(key=lambda pair: pair[0], reverse=descending)
        missing = [worker for key, worker in keyed if key is None]
        ordered = [worker for _, worker in present] + missing
    return ordered


def choose_workers(
    task: TaskView,
    target: Target | None,
    queue_target_workers: Expression,
    workers: Sequence[WorkerView],
    count: int,
) -> list[WorkerView]:
    """Up to `count` (MaxReservedWorkers) workers to reserve for `task`, best first.

    A worker qualifies when its activity is available, it has free capacity on the task's
    channel, it belongs to the queue (TargetWorkers), the target expression holds for
    {"task": task attributes, "worker": worker context}, and it is the known worker if the
    target names one.
    """
    if count <= 0:
        return []
    known = known_worker_filter(task, target)
    expression = target.expression if target is not None else None
    chosen = []
    for worker in workers:
        if not worker.available or worker.free_capacity <= 0:
            continue
        if known is not None and not known(worker):
            continue
        if not queue_target_workers.evaluate(worker.context):
            continue
        if expression is not None and not expression.evaluate(target_context(task, worker)):
            continue
        chosen.append(worker)
    order_by = target.order_by if target is not None else ()
    return order_workers(chosen, order_by)[:count]


def skip_if_context(queue_workers: Sequence[WorkerView]) -> dict[str, dict[str, int]]:
    """Variables for skip_if: the queue's workers counted as available, unavailable and per
    activity SID (`workers.WAxx`)."""
    counts: dict[str, int] = {"available": 0, "unavailable": 0}
    for worker in queue_workers:
        counts["available" if worker.available else "unavailable"] += 1
        counts[worker.activity_sid] = counts.get(worker.activity_sid, 0) + 1
    return {"workers": counts}
