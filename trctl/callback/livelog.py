"""Text for serve-callback's live log: one line per callback record, and the exit summary."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

ATTRIBUTES_WIDTH = 48

NameLookup = Callable[[str], "str | None"]


def short_json(value: Any, width: int = ATTRIBUTES_WIDTH) -> str:
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=str)
    return text if len(text) <= width else text[: width - 1] + "…"


def clock_time(record: Mapping[str, Any]) -> str:
    """HH:MM:SS.mmm from the record's ISO time."""
    stamp = str(record.get("time", ""))
    return stamp[11:23] if len(stamp) >= 23 else stamp


def fields(record: Mapping[str, Any], worker_name: NameLookup | None = None) -> list[str]:
    """The columns of one live-log line: time, what, then what it was about, latency."""
    latency = f"{record.get('latency_ms', 0):.1f} ms"
    kind = record.get("kind")
    if kind == "assignment":
        worker = str(record.get("worker_sid", ""))
        name = worker_name(worker) if worker_name else None
        answered = str(record.get("instruction", ""))
        if record.get("replayed"):
            answered += " (replay)"
        if record.get("rule"):
            answered += f" [{record['rule']}]"
        return [
            clock_time(record),
            str(record.get("reservation_sid", "")),
            f"{record.get('task_sid', '')} {short_json(record.get('task_attributes', {}))}",
            f"{name} ({worker})" if name and name != worker else worker,
            answered,
            latency,
        ]
    if kind == "event":
        return [
            clock_time(record),
            "event",
            str(record.get("event_type", "")),
            str(record.get("resource_sid", "")),
            str(record.get("description", "")),
            latency,
        ]
    return [
        clock_time(record),
        f"{record.get('status')} refused",
        f"{record.get('method', '')} {record.get('path', '')}",
        str(record.get("reason", "")),
        latency,
    ]


def plain_line(record: Mapping[str, Any], worker_name: NameLookup | None = None) -> str:
    return "  ".join(fields(record, worker_name))


def summary_line(counts: Mapping[str, int]) -> str:
    """e.g. `Summary: 3 answered (accept 2, reject 1), 1 replayed, 2 refused (403 2), 4 events`."""
    answered = {k.split(":", 1)[1]: v for k, v in counts.items() if k.startswith("answered:")}
    refused = {
        k.split(":", 1)[1]: v
        for k, v in counts.items()
        if k.startswith("status:") and k not in ("status:200", "status:204")
    }
    parts = [f"{sum(answered.values())} answered"]
    if answered:
        parts[0] += " (" + ", ".join(f"{k} {v}" for k, v in sorted(answered.items())) + ")"
    parts.append(f"{counts.get('replayed', 0)} replayed")
    refused_text = f"{sum(refused.values())} refused"
    if refused:
        refused_text += " (" + ", ".join(f"{k} {v}" for k, v in sorted(refused.items())) + ")"
    parts.append(refused_text)
    if counts.get("events"):
        parts.append(f"{counts['events']} events")
    return "Summary: " + ", ".join(parts)
