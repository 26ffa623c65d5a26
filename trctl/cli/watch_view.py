"""The watch screen: workers, queues and the latest events as tables that fit the terminal,
cells cut with an ellipsis rather than wrapped (rich is imported when a screen is drawn)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from trctl.cli.event_lines import clock_time, description, short_sid
from trctl.cli.params import age

SECTION_LINES = 2  # a table's title and its header
HEADER_LINES = 1
TEXT = {"no_wrap": True, "overflow": "ellipsis"}
NUMBER = {**TEXT, "justify": "right"}


def _holds(worker: Mapping[str, Any]) -> str:
    """`WT3f2a1c… assigned 5s`, `+1` for each further task; `…` while not yet looked up."""
    if not worker.get("tasks_known", True):
        return "…"
    tasks = worker.get("tasks") or []
    if not tasks:
        return ""
    first = tasks[0]
    text = f"{short_sid(str(first['task_sid']))} {first['status']} {age(first.get('for'))}"
    return f"{text} +{len(tasks) - 1}" if len(tasks) > 1 else text


WORKERS: Sequence[tuple[str, dict[str, Any], Callable[[Mapping[str, Any]], str]]] = (
    ("NAME", {**TEXT, "ratio": 2, "min_width": 8}, lambda w: str(w.get("friendly_name"))),
    ("ACTIVITY", {**TEXT, "ratio": 1, "min_width": 8}, lambda w: str(w.get("activity_name"))),
    ("AVAIL", TEXT, lambda w: "yes" if w.get("available") else "no"),
    ("FOR", NUMBER, lambda w: age(w.get("in_activity"))),
    ("TASKS", {**TEXT, "ratio": 2, "min_width": 12}, _holds),
)
QUEUES: Sequence[tuple[str, dict[str, Any], Callable[[Mapping[str, Any]], str]]] = (
    ("NAME", {**TEXT, "ratio": 1, "min_width": 10}, lambda q: str(q.get("friendly_name"))),
    ("PEND", NUMBER, lambda q: str(q["pending"])),
    ("RESV", NUMBER, lambda q: str(q["reserved"])),
    ("ASGN", NUMBER, lambda q: str(q["assigned"])),
    ("WRAP", NUMBER, lambda q: str(q["wrapping"])),
    ("WAIT", NUMBER, lambda q: age(q["longest_wait"])),
    ("AVAIL", NUMBER, lambda q: str(q["available_workers"])),
    ("ELIG", NUMBER, lambda q: str(q["eligible_workers"])),
)
EVENTS: Sequence[tuple[str, dict[str, Any], Callable[[Mapping[str, Any]], str]]] = (
    ("TIME", {**TEXT, "min_width": 8}, lambda e: clock_time(e)[:8]),
    ("TYPE", {**TEXT, "max_width": 24}, lambda e: str(e.get("event_type"))),
    ("WHAT", {**TEXT, "ratio": 1, "min_width": 12}, lambda e: description(e, short=True)),
)


def allocate(budget: int, wants: Sequence[int]) -> list[int]:
    """Rows for each section: fair shares of the budget, what one section leaves going to the
    others."""
    shares = [0] * len(wants)
    remaining = max(budget, 0)
    active = [i for i, want in enumerate(wants) if want > 0]
    while remaining > 0 and active:
        share = max(remaining // len(active), 1)
        for index in list(active):
            give = min(share, wants[index] - shares[index], remaining)
            shares[index] += give
            remaining -= give
            if shares[index] >= wants[index]:
                active.remove(index)
            if remaining == 0:
                break
    return shares


def _table(
    title: str,
    columns: Sequence[tuple[str, dict[str, Any], Callable[[Mapping[str, Any]], str]]],
    records: Sequence[Mapping[str, Any]],
    rows: int | None,
    *,
    newest_last: bool = False,
) -> Any:
    from rich.table import Table

    table = Table(
        title=f"{title} ({len(records)})",
        title_justify="left",
        title_style="bold",
        header_style="dim",
        box=None,
        pad_edge=False,
        expand=True,
    )
    for header, options, _ in columns:
        table.add_column(header, **options)
    shown = list(records)
    cut = rows is not None and len(shown) > rows
    if cut and rows is not None:
        keep = max(rows - 1, 0)
        hidden = len(shown) - keep
        shown = shown[len(shown) - keep :] if newest_last else shown[:keep]
        note = f"… {hidden} {'earlier' if newest_last else 'more'}"
        if newest_last:
            table.add_row(note, style="dim")
    for record in shown:
        table.add_row(*(cell(record) for _, _, cell in columns))
    if cut and not newest_last:
        table.add_row(note, style="dim")
    return table


def render(
    snapshot: Mapping[str, Any],
    *,
    heading: str,
    height: int | None = None,
    status: str = "",
) -> Any:
    """The screen: a heading line, then workers, queues and the latest events (newest last).
    With a height, the sections share its lines; without one (a snapshot printed once), every
    row is shown."""
    from rich.console import Group
    from rich.text import Text

    workers, queues, events = snapshot["workers"], snapshot["queues"], snapshot["events"]
    rows: list[int | None] = [None, None, None]
    if height is not None:
        budget = height - HEADER_LINES - 3 * SECTION_LINES - (1 if status else 0)
        rows = list(allocate(budget, [max(len(workers), 1), max(len(queues), 1), len(events)]))
    parts: list[Any] = [Text(heading, style="bold", no_wrap=True, overflow="ellipsis")]
    if status:
        parts.append(Text(status, style="red", no_wrap=True, overflow="ellipsis"))
    parts.append(_table("Workers", WORKERS, workers, rows[0]))
    parts.append(_table("Queues", QUEUES, queues, rows[1]))
    parts.append(_table("Latest events", EVENTS, events, rows[2], newest_last=True))
    return Group(*parts)
