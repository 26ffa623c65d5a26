"""One verdict per worker for one task in one queue: would it be reserved, and if not, why not.

Built from the pieces `matching.choose_workers` routes with (queue expression, known worker,
target expression, availability, free capacity, workers who rejected the task), so a worker
judged `would_reserve` is one the emulator would choose; the order of the checks differs on
purpose: what a worker *is* (not eligible) is said before what it is *doing* (busy).
"""

from __future__ import annotations

from dataclasses import dataclass

from trctl.expr import Expression
from trctl.workflow.config import Target
from trctl.workflow.matching import TaskView, WorkerView, known_worker_filter, target_context

WOULD_RESERVE = "would_reserve"
RESERVED = "reserved"
BUSY = "busy"
UNAVAILABLE = "unavailable"
REJECTED_BEFORE = "rejected_before"
NOT_ELIGIBLE = "not_eligible"
# best first: the order workers are listed in, and the order a summary looks for a reason
VERDICTS = (WOULD_RESERVE, RESERVED, BUSY, UNAVAILABLE, REJECTED_BEFORE, NOT_ELIGIBLE)


@dataclass(frozen=True)
class Capacity:
    """A worker's load on the task's channel: `used` of `configured`, the tasks holding it."""

    channel: str  # the task channel's unique name ("" in a single-tasking workspace)
    used: int
    configured: int
    channel_available: bool = True
    holders: tuple[str, ...] = ()

    @property
    def free(self) -> int:
        return max(self.configured - self.used, 0) if self.channel_available else 0

    def describe(self) -> str:
        """`voice 1/1`, or `single-tasking 1/1`."""
        return f"{self.channel or 'single-tasking'} {self.used}/{self.configured}"


@dataclass(frozen=True)
class Verdict:
    worker_sid: str
    friendly_name: str
    verdict: str
    reason: str


@dataclass(frozen=True)
class Situation:
    """Everything about the task that every worker is judged against."""

    task: TaskView
    target: Target | None
    queue_expression: Expression
    queue_name: str
    reserved_by: frozenset[str] = frozenset()  # workers holding this task's pending reservation
    rejected_by: frozenset[str] = frozenset()
    only_worker: str | None = None  # RoutingTarget WK...: only this worker may take it


def ineligibility(situation: Situation, worker: WorkerView) -> str | None:
    """Why the worker may never take this task here (queue, known worker, target expression,
    RoutingTarget), or None when it may."""
    explained = situation.queue_expression.explain(worker.context)
    if not explained.value:
        return f"queue {situation.queue_name!r}: {explained.summary()}"
    if situation.only_worker is not None and worker.sid != situation.only_worker:
        return f"the task was created for worker {situation.only_worker} only (RoutingTarget)"
    target = situation.target
    known = known_worker_filter(situation.task, target)
    if known is not None and not known(worker):
        wanted = target.known_worker_sid or target.known_worker_friendly_name  # type: ignore[union-attr]
        return f"the target takes only the known worker {wanted}"
    if target is not None and target.expression is not None:
        explained = target.expression.explain(target_context(situation.task, worker))
        if not explained.value:
            return f"target expression: {explained.summary()}"
    return None


def needs_capacity(situation: Situation, worker: WorkerView) -> bool:
    """Whether the verdict depends on the worker's capacity (so it is worth fetching)."""
    return (
        worker.sid not in situation.reserved_by
        and worker.available
        and ineligibility(situation, worker) is None
    )


def judge(situation: Situation, worker: WorkerView, capacity: Capacity | None) -> Verdict:
    """The worker's verdict; `capacity` is needed only when needs_capacity() said so (None
    otherwise, or when unknown: then free capacity is assumed)."""

    def verdict(name: str, reason: str) -> Verdict:
        return Verdict(worker.sid, worker.friendly_name, name, reason)

    if worker.sid in situation.reserved_by:
        return verdict(RESERVED, "holds this task's pending reservation")
    why_not = ineligibility(situation, worker)
    if why_not is not None:
        return verdict(NOT_ELIGIBLE, why_not)
    if not worker.available:
        return verdict(UNAVAILABLE, f"activity {worker.activity_name!r} is not available")
    if capacity is not None and capacity.free <= 0:
        if not capacity.channel_available:
            return verdict(BUSY, f"its {capacity.channel} channel is switched off")
        holders = ", ".join(capacity.holders) if capacity.holders else "other tasks"
        return verdict(BUSY, f"busy with {holders} ({capacity.describe()})")
    if worker.sid in situation.rejected_by:
        return verdict(REJECTED_BEFORE, "rejected this task before (it is not offered again)")
    return verdict(WOULD_RESERVE, "eligible, available and free: TaskRouter reserves it")


def rank(verdict: Verdict) -> int:
    return VERDICTS.index(verdict.verdict)
