"""Events as lines for people: time, type and what happened in names, fitted to a width."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from trctl.cli.output import clip
from trctl.services.events import event_ms
from trctl.services.resolve import looks_like_sid
from trctl.vocab.events import describe

TYPE_WIDTH = len("workflow.target-matched")  # the longest type routing always shows
SHORT_SID = 8  # WT0c3f1a…: the prefix and 6 hex digits, enough to tell tasks apart on a screen
TYPE_STYLES = {"reservation": "yellow", "task": "cyan", "worker": "green", "task-queue": "blue"}


def short_sid(sid: str) -> str:
    """`WT0c3f1a…` for a SID; anything else as it is."""
    return sid[:SHORT_SID] + "…" if looks_like_sid(sid) else sid


def clock_time(event: Mapping[str, Any]) -> str:
    """HH:MM:SS.mmm (UTC, as the API's dates) of the event."""
    ms = event_ms(event)
    return time.strftime("%H:%M:%S", time.gmtime(ms // 1000)) + f".{ms % 1000:03d}"


def description(
    event: Mapping[str, Any], *, short: bool = False, names: Mapping[str, str] | None = None
) -> str:
    data = event.get("event_data")
    return describe(
        str(event.get("event_type", "")),
        data if isinstance(data, Mapping) else {},
        fallback=str(event.get("description") or ""),
        short=short_sid if short else str,
        names=names,
    )


def event_parts(
    event: Mapping[str, Any], *, width: int | None = None, names: Mapping[str, str] | None = None
) -> tuple[str, str, str]:
    """(time, type, description): full SIDs when the line fits `width` (or there is none),
    else short ones, and a description clipped with an ellipsis rather than wrapped."""
    stamp, kind = clock_time(event), str(event.get("event_type", ""))
    text = description(event, names=names)
    if width is None:
        return stamp, kind, text
    room = width - len(stamp) - max(len(kind), TYPE_WIDTH) - 4
    if len(text) > room:
        text = clip(description(event, short=True, names=names), max(room, 1))
    return stamp, kind, text


def event_line(
    event: Mapping[str, Any], *, width: int | None = None, names: Mapping[str, str] | None = None
) -> str:
    stamp, kind, text = event_parts(event, width=width, names=names)
    return f"{stamp}  {kind:<{TYPE_WIDTH}}  {text}".rstrip()


def type_style(event_type: str) -> str:
    """The colour of an event type's family (`reservation.created` -> yellow)."""
    family = event_type.split(".", 1)[0]
    return TYPE_STYLES.get(family, "magenta")
