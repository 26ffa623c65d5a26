"""`trctl explain TASK`: the routing trace of one task, evaluated locally with trctl.expr and
trctl.workflow from what routing_facts read (filters, the target now and ahead, one verdict per
worker, the path from the task's events, and a one-line summary)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from trctl.expr import Explanation, ExpressionError, parse
from trctl.services.resolve import Resolver
from trctl.services.routing_facts import (
    TaskFacts,
    epoch,
    field_of,
    newest_task_sid,
    read_capacity,
    read_task_facts,
    worker_view,
)
from trctl.workflow.config import Target, WorkflowConfig
from trctl.workflow.matching import TaskView
from trctl.workflow.verdicts import (
    BUSY,
    NOT_ELIGIBLE,
    REJECTED_BEFORE,
    RESERVED,
    UNAVAILABLE,
    VERDICTS,
    WOULD_RESERVE,
    Situation,
    Verdict,
    judge,
    needs_capacity,
    rank,
)
from trctl.workflow.walk import Placement, first_placement, next_placement

NO_MATCH = "it matched no filter and the workflow has no default_filter"
WAITING = ("pending", "reserved")
MAX_STEPS = 1000


@dataclass
class FilterResult:
    index: int
    name: str
    expression: str
    matched: bool
    failing: str | None
    chosen: bool = False


@dataclass
class Trace:
    """The answer to "why is this task (not) routed", as plain data."""

    task: dict[str, Any]
    summary: str
    workflow: dict[str, Any] | None
    filters: list[FilterResult]
    target: dict[str, Any] | None
    workers: list[Verdict]
    path: list[dict[str, Any]]
    problem: str | None = None  # why part of the trace could not be computed
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def status(self) -> str:
        return str(self.task.get("assignment_status") or "")

    def as_json(self) -> dict[str, Any]:
        return {
            "task": self.task.get("sid"),
            "summary": self.summary,
            "status": self.status,
            "workflow": self.workflow,
            "filters": [
                {
                    "index": f.index,
                    "name": f.name,
                    "expression": f.expression,
                    "matched": f.matched,
                    "failing": f.failing,
                    "chosen": f.chosen,
                }
                for f in self.filters
            ],
            "target": self.target,
            "workers": [
                {
                    "friendly_name": v.friendly_name,
                    "sid": v.worker_sid,
                    "verdict": v.verdict,
                    "reason": v.reason,
                }
                for v in self.workers
            ],
            "worker_counts": self.counts,
            "path": self.path,
            "problem": self.problem,
        }


def explain_task(resolver: Resolver, task: str | None) -> Trace:
    """The trace of TASK (None: the newest task), from plain GETs only."""
    sid = task or newest_task_sid(resolver)
    facts = read_task_facts(resolver, sid)
    steps = walk(facts.config, _attributes(facts.task)) if facts.config else []
    position, entered = locate(steps, facts)
    situation = None
    if facts.task.get("assignment_status") in WAITING:
        situation, problem = _situation(
            facts, steps[position].target if position is not None else None
        )
        if situation is not None:
            _read_capacities(resolver, facts, situation)
    else:
        problem = None
    return build_trace(facts, steps, position, entered, situation, problem or facts.config_error)


# -- the workflow walk and where the task is on it ---------------------------------------------
def walk(config: WorkflowConfig, attributes: Mapping[str, Any]) -> list[Placement]:
    """Every step the task would take if each target timed out in turn (skip_if ignored); a
    target without a timeout is the last one reached."""
    steps: list[Placement] = []
    placement = first_placement(config, attributes, is_skipped=_never)
    while placement is not None and len(steps) < MAX_STEPS:
        steps.append(placement)
        if placement.target.timeout is None:
            break
        placement = next_placement(config, attributes, placement, is_skipped=_never)
    return steps


def _never(_target: Target) -> bool:
    return False


def locate(steps: list[Placement], facts: TaskFacts) -> tuple[int | None, float | None]:
    """The step the task is in and when it entered it, from its workflow.target-matched events
    (each one the next step with that filter name and queue); without events, the first step
    with the task's queue."""
    position: int | None = None
    entered: float | None = None
    for event in facts.events:
        kind = event.get("event_type")
        if kind == "workflow.entered":
            position = None
        if kind != "workflow.target-matched":
            continue
        data = event.get("event_data")
        name, queue = field_of(data, "WorkflowFilterName"), field_of(data, "TaskQueueSid")
        start = -1 if position is None else position
        order = [*range(start + 1, len(steps)), *range(0, start + 1)]
        found = next(
            (
                i
                for i in order
                if steps[i].filter_name == name and steps[i].target.queue_sid == queue
            ),
            None,
        )
        if found is not None:
            position, entered = found, _event_time(event)
    if position is None and facts.task.get("task_queue_sid"):
        queue = facts.task["task_queue_sid"]
        position = next((i for i, s in enumerate(steps) if s.target.queue_sid == queue), None)
        entered = epoch(facts.task.get("task_queue_entered_date"))
    return position, entered


def _event_time(event: Mapping[str, Any]) -> float | None:
    if isinstance(event.get("event_date_ms"), (int, float)):
        return float(event["event_date_ms"]) / 1000
    return epoch(event.get("event_date"))


# -- worker verdicts ---------------------------------------------------------------------------
def _attributes(record: Mapping[str, Any]) -> dict[str, Any]:
    value = record.get("attributes")
    return value if isinstance(value, dict) else {}


def _situation(facts: TaskFacts, target: Target | None) -> tuple[Situation | None, str | None]:
    task = facts.task
    queue = facts.queues.get(str(task.get("task_queue_sid") or ""))
    if queue is None:
        return None, "the task is in no queue trctl can read"
    return make_situation(task, queue, target, facts.reservations)


def make_situation(
    task: Mapping[str, Any],
    queue: Mapping[str, Any],
    target: Target | None,
    reservations: list[dict[str, Any]],
) -> tuple[Situation | None, str | None]:
    """What every worker is judged against for this task in this queue (or why not)."""
    try:
        expression = parse(str(queue.get("target_workers") or "1==1"))
    except ExpressionError as exc:
        return None, f"queue {queue.get('friendly_name')!r} target_workers: {exc}"
    routing_target = str(task.get("routing_target") or "")
    situation = Situation(
        task=TaskView(
            sid=str(task["sid"]),
            attributes=_attributes(task),
            priority=int(task.get("priority") or 0),
            created=epoch(task.get("date_created")) or 0.0,
        ),
        target=target,
        queue_expression=expression,
        queue_name=str(queue.get("friendly_name") or queue["sid"]),
        reserved_by=frozenset(_workers_with(reservations, "pending")),
        rejected_by=frozenset(_workers_with(reservations, "rejected")),
        only_worker=routing_target if routing_target.startswith("WK") else None,
    )
    return situation, None


def _workers_with(reservations: list[dict[str, Any]], status: str) -> list[str]:
    return [str(r.get("worker_sid")) for r in reservations if r.get("reservation_status") == status]


def _read_capacities(resolver: Resolver, facts: TaskFacts, situation: Situation) -> None:
    """Fetch the load of exactly the workers whose verdict depends on it."""
    for record in facts.workers:
        view = worker_view(record)
        if needs_capacity(situation, view):
            facts.capacities[view.sid] = read_capacity(
                resolver, view.sid, facts.task, multi_task=facts.multi_task
            )


def verdicts(facts: TaskFacts, situation: Situation) -> list[Verdict]:
    """Every worker's verdict, best first, then by name."""
    judged = [
        judge(situation, view, facts.capacities.get(view.sid))
        for view in (worker_view(record) for record in facts.workers)
    ]
    return sorted(judged, key=lambda v: (rank(v), v.friendly_name.casefold(), v.worker_sid))


# -- the trace ---------------------------------------------------------------------------------
def build_trace(
    facts: TaskFacts,
    steps: list[Placement],
    position: int | None,
    entered: float | None,
    situation: Situation | None,
    problem: str | None,
) -> Trace:
    task = facts.task
    attributes = _attributes(task)
    filters = filter_results(facts.config, attributes)
    if position is not None and steps[position].filter_index >= 0:
        filters[steps[position].filter_index].chosen = True
    target = _target(facts, steps, position, entered)
    workers = verdicts(facts, situation) if situation is not None else []
    counts = dict(Counter(v.verdict for v in workers))
    workflow = None
    if facts.workflow is not None:
        workflow = {
            "sid": facts.workflow.get("sid"),
            "friendly_name": facts.workflow.get("friendly_name"),
            "assignment_callback_url": facts.workflow.get("assignment_callback_url") or "",
        }
    trace = Trace(task, "", workflow, filters, target, workers, path(facts), problem, counts)
    trace.summary = summarize(trace, facts)
    return trace


def filter_results(
    config: WorkflowConfig | None, attributes: Mapping[str, Any]
) -> list[FilterResult]:
    if config is None:
        return []
    results = []
    for index, item in enumerate(config.filters):
        explained = item.expression.explain(attributes)
        failing = None if explained.value else with_near_misses(explained, attributes)
        results.append(
            FilterResult(index, item.name, str(item.expression), explained.value, failing)
        )
    return results


def with_near_misses(explained: Explanation, context: Mapping[str, Any]) -> str:
    """The failing parts, each missing key followed by an attribute it was probably meant to be
    (`selected-language` for `selected_language`: a hyphen cannot be used in an expression)."""
    parts = []
    for part in explained.failing():
        text = f"{part.text}: {part.reason}"
        for seen in part.seen:
            if not seen.present:
                near = near_miss(seen.key, context)
                if near is not None:
                    text += f" (the attributes have {near!r}{_hint(near, seen.key)})"
        parts.append(text)
    return "; ".join(parts)


def normalized(key: str) -> str:
    return key.casefold().replace("-", "_").replace(" ", "_")


def near_miss(dotted: str, context: Mapping[str, Any]) -> str | None:
    """An attribute name that differs from the missing key only by case, '-' or ' '."""
    *parents, last = dotted.split(".")
    mapping: Any = context
    for name in parents:
        mapping = mapping.get(name) if isinstance(mapping, Mapping) else None
    if not isinstance(mapping, Mapping):
        return None
    wanted = normalized(last)
    for key in mapping:
        if isinstance(key, str) and key != last and normalized(key) == wanted:
            return ".".join([*parents, key])
    return None


def _hint(found: str, wanted: str) -> str:
    if "-" in found:
        return f": TaskRouter reads a hyphen as minus, so rename the attribute {wanted!r}"
    return ": keys are case-sensitive"


def _step(facts: TaskFacts, step: Placement) -> dict[str, Any]:
    queue = facts.queues.get(step.target.queue_sid, {})
    return {
        "filter": step.filter_name,
        "filter_index": step.filter_index,
        "target_index": step.target_index,
        "queue": queue.get("friendly_name") or step.target.queue_sid,
        "queue_sid": step.target.queue_sid,
        "timeout": step.target.timeout,
        "priority": step.target.priority,
        "expression": str(step.target.expression) if step.target.expression else None,
    }


def _target(
    facts: TaskFacts, steps: list[Placement], position: int | None, entered: float | None
) -> dict[str, Any] | None:
    if position is None:
        queue_sid = facts.task.get("task_queue_sid")
        if not queue_sid:
            return None
        queue = facts.queues.get(str(queue_sid), {})
        return {
            "queue": queue.get("friendly_name") or queue_sid,
            "queue_sid": queue_sid,
            "ahead": [],
            "time_left": None,
        }
    current = _step(facts, steps[position])
    time_left = None
    timeout = steps[position].target.timeout
    if timeout and entered is not None and facts.task.get("assignment_status") in WAITING:
        time_left = max(round(timeout - (facts.now - entered)), 0)
    current["time_left"] = time_left
    current["ahead"] = [_step(facts, step) for step in steps[position + 1 :]]
    return current


def path(facts: TaskFacts) -> list[dict[str, Any]]:
    """The task's events, oldest first, each as time, type and one line."""
    return [
        {"time": e.get("event_date"), "event": e.get("event_type"), "detail": _detail(e)}
        for e in facts.events
    ]


def _detail(event: Mapping[str, Any]) -> str:
    kind = str(event.get("event_type") or "")
    data = event.get("event_data")
    if kind == "workflow.target-matched":
        return (
            f"filter {field_of(data, 'WorkflowFilterName')!r} -> "
            f"queue {field_of(data, 'TaskQueueName')!r}"
        )
    if kind.startswith("reservation."):
        return f"{field_of(data, 'WorkerName') or field_of(data, 'WorkerSid')}: {kind[12:]}"
    if kind == "task.canceled" and field_of(data, "TaskCanceledReason"):
        return f"canceled: {field_of(data, 'TaskCanceledReason')}"
    description = str(event.get("description") or "")
    prefix = f"Task {event.get('resource_sid')} "
    return description[len(prefix) :] if description.startswith(prefix) else description


# -- the summary line --------------------------------------------------------------------------
def summarize(trace: Trace, facts: TaskFacts) -> str:
    sid = str(trace.task.get("sid"))
    status = trace.status
    holders = {
        r.get("reservation_status"): str(r.get("worker_name") or r.get("worker_sid"))
        for r in facts.reservations
    }
    if status == "canceled":
        return f"{sid} was canceled: {_cancel_reason(trace, facts)}"
    if status == "completed":
        by = holders.get("completed") or holders.get("accepted")
        reason = trace.task.get("reason")
        return (
            f"{sid} was completed"
            + (f" by {by}" if by else "")
            + (f" ({reason})" if reason else "")
        )
    if status in ("assigned", "wrapping"):
        who = holders.get("accepted") or holders.get("wrapping") or "a worker"
        verb = "is assigned to" if status == "assigned" else "is wrapping up with"
        return f"{sid} {verb} {who}{_queue_suffix(trace)}"
    if trace.problem and not trace.workers:
        return f"{sid} is {status}, but trctl cannot judge its workers: {trace.problem}"
    if status == "reserved":
        reserved = [v.friendly_name for v in trace.workers if v.verdict == RESERVED]
        who = ", ".join(reserved) or "a worker"
        callback = (trace.workflow or {}).get("assignment_callback_url")
        waits = (
            "waits for the assignment callback's answer"
            if callback
            else f"the workflow has no AssignmentCallbackUrl: accept it with "
            f"`trctl reservation accept {sid}`"
        )
        return f"{sid} is reserved for {who}: {waits}"
    return f"{sid} waits: {_why_waiting(trace)}{_moves_on(trace)}"


def _queue_suffix(trace: Trace) -> str:
    queue = (trace.target or {}).get("queue")
    return f" (queue {queue!r})" if queue else ""


def _cancel_reason(trace: Trace, facts: TaskFacts) -> str:
    kinds = [e.get("event_type") for e in facts.events]
    unmatched = facts.config is not None and not any(f.matched for f in trace.filters)
    if unmatched and facts.config.default_filter is None and "workflow.target-matched" not in kinds:  # type: ignore[union-attr]
        return NO_MATCH
    if "workflow.timeout" in kinds:
        return f"it timed out of its last workflow target{_queue_suffix(trace)}"
    return str(trace.task.get("reason") or "no reason given")


def _why_waiting(trace: Trace) -> str:
    by_verdict: dict[str, list[Verdict]] = {name: [] for name in VERDICTS}
    for verdict in trace.workers:
        by_verdict[verdict.verdict].append(verdict)
    queue = (trace.target or {}).get("queue", "its queue")
    if by_verdict[WOULD_RESERVE]:
        first = by_verdict[WOULD_RESERVE][0]
        return f"{first.friendly_name} would be reserved now (TaskRouter offers it within moments)"
    eligible = [v for name in (BUSY, UNAVAILABLE, REJECTED_BEFORE) for v in by_verdict[name]]
    if len(eligible) == 1:
        only = eligible[0]
        return f"the only eligible worker, {only.friendly_name}, {_predicate(only)}"
    if eligible:
        counts = ", ".join(
            f"{len(by_verdict[name])} {name.replace('_', ' ')}"
            for name in (BUSY, UNAVAILABLE, REJECTED_BEFORE)
            if by_verdict[name]
        )
        return f"none of the {len(eligible)} eligible workers can take it now ({counts})"
    if not trace.workers:
        return f"queue {queue!r} has no workers in the workspace"
    example = by_verdict[NOT_ELIGIBLE][0]
    return (
        f"no worker is eligible for queue {queue!r} ({len(trace.workers)} checked; "
        f"{example.friendly_name}: {example.reason})"
    )


def _predicate(verdict: Verdict) -> str:
    if verdict.verdict == BUSY:
        return f"is {verdict.reason}" if verdict.reason.startswith("busy") else verdict.reason
    if verdict.verdict == UNAVAILABLE:
        return f"is in an unavailable activity ({verdict.reason})"
    return "rejected it before (it is not offered again)"


def _moves_on(trace: Trace) -> str:
    target = trace.target or {}
    ahead = target.get("ahead") or []
    if target.get("time_left") is None or not ahead:
        if target.get("timeout") and target.get("time_left") is not None:
            return f"; it is canceled in {target['time_left']}s (last target)"
        return ""
    return f"; it moves to queue {ahead[0]['queue']!r} in {target['time_left']}s"
