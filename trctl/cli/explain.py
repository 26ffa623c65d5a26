"""`trctl explain TASK`: why a task is (not) routed, evaluated locally from plain GETs."""

from __future__ import annotations

from typing import Any

import click

from trctl.cli.output import fit_line, out, store_flag, wrap_line
from trctl.cli.params import TASK_SID, make_resolver
from trctl.errors import UsageError

SHOWN_WORKERS = 10


@click.command("explain")
@click.argument("task", type=TASK_SID, required=False, metavar="TASK_SID")
@click.option("--last", is_flag=True, help="Explain the workspace's newest task.")
@click.option(
    "--workers",
    "shown_workers",
    type=click.IntRange(min=0),
    default=SHOWN_WORKERS,
    show_default=True,
    metavar="N",
    help="Workers listed in the table, best verdict first (--json lists every one).",
)
@click.option("--json", "as_json", is_flag=True, help="The trace as one JSON object.")
@click.option(
    "--wide",
    is_flag=True,
    expose_value=False,
    callback=store_flag,
    help="Lines whole, even past the terminal's width.",
)
def explain(task: str | None, last: bool, shown_workers: int, as_json: bool) -> None:
    """Explain why a task is or is not routed.

    Shows the workflow's filters, the target, and each worker's verdict.

    Reads the task, its workflow, queues, workers, reservations and events with plain GETs
    (never the rate-limited expression filters) and evaluates the routing locally, so it works
    the same against the emulator and TaskRouter.
    """
    if (task is None) == (not last):
        raise UsageError("give a TASK_SID or --last (not both)")
    from trctl.redact import redact  # the workflow's callback URL may carry user:pass@
    from trctl.services.explain import explain_task

    trace = explain_task(make_resolver(), task)
    if as_json:
        import json

        out(redact(json.dumps(trace.as_json(), indent=2, ensure_ascii=False)))
        return
    summary, *rest = render(trace, shown_workers)
    for line in wrap_line(redact(summary), 2):  # the answer: broken between words, never cut
        out(line)
    for line in rest:
        out(fit_line(redact(line)))  # on a terminal, cut at its width rather than wrapped


def render(trace: Any, shown_workers: int) -> list[str]:
    """The trace as plain lines, summary first."""
    task = trace.task
    lines = [trace.summary, ""]
    details = [
        str(task.get("assignment_status")),
        f"priority {task.get('priority')}",
        f"age {task.get('age')}s",
        f"channel {task.get('task_channel_unique_name')}",
    ]
    lines.append(f"task      {task.get('sid')}  {', '.join(details)}")
    lines.append(f"attrs     {_json(task.get('attributes'))}")
    if trace.workflow:
        lines.append(f"workflow  {trace.workflow['friendly_name']} ({trace.workflow['sid']})")
    if trace.problem:
        lines.append(f"problem   {trace.problem}")
    if trace.filters:
        lines += ["", "filters (the first that matches wins)"]
        chosen = next((f.index for f in trace.filters if f.chosen), None)
        for item in trace.filters:
            name = item.name or "(unnamed)"
            state = "no"
            if item.matched:
                state = "matched, chosen" if item.chosen else "matched"
                if chosen is not None and chosen < item.index:
                    state = f"matched, but [{chosen}] comes first"
            lines.append(f"  [{item.index}] {name}: {state}  {item.expression}")
            if item.failing:
                lines.append(f"      {item.failing}")
    lines += _target_lines(trace.target)
    if trace.workers:
        lines += _worker_lines(trace, shown_workers)
    if trace.path:
        lines += ["", "path"]
        lines += [f"  {p['time']}  {p['event']}  {p['detail']}" for p in trace.path]
    return lines


def _target_lines(target: dict[str, Any] | None) -> list[str]:
    if target is None:
        return []
    lines = [""]
    where = f"queue {target['queue']!r}"
    if "filter" in target:
        where += f" (filter {target['filter']!r}, target {target['target_index']})"
    if target.get("time_left") is not None:
        where += f", {target['time_left']}s left of its {target['timeout']}s timeout"
    elif target.get("timeout"):
        where += f", timeout {target['timeout']}s"
    lines.append(f"target    {where}")
    if target.get("expression"):
        lines.append(f"          target expression: {target['expression']}")
    ahead = target.get("ahead") or []
    if ahead:
        steps = [
            f"queue {s['queue']!r}" + (f" ({s['timeout']}s)" if s["timeout"] else "") for s in ahead
        ]
        lines.append(f"ahead     {' -> '.join(steps)}")
    else:
        lines.append("ahead     nothing: this is the last target")
    return lines


def _worker_lines(trace: Any, shown: int) -> list[str]:
    counts = ", ".join(f"{n} {v.replace('_', ' ')}" for v, n in trace.counts.items())
    lines = ["", f"workers   {len(trace.workers)}: {counts}"]
    width = max(len(v.friendly_name) for v in trace.workers[:shown]) if shown else 0
    for verdict in trace.workers[:shown]:
        lines.append(f"  {verdict.verdict:<15} {verdict.friendly_name:<{width}}  {verdict.reason}")
    if len(trace.workers) > shown:
        lines.append(f"  ... {len(trace.workers) - shown} more (--workers N, or --json)")
    return lines


def _json(value: Any) -> str:
    import json

    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
