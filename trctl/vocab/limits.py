"""TaskRouter's per-workspace limits and name rules: the emulator enforces them, the CLI checks
them before sending, and docs/emulator.md's limits table lists them (one source for all three)."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

MAX_FRIENDLY_NAME = 64  # error 20002 "Invalid FriendlyName": 1 to 64 characters
FRIENDLY_NAME_CODE = 20002
INVALID_PARAMETER = 20001
MAX_CHANNEL_CAPACITY = 50


@dataclass(frozen=True)
class Limit:
    """One limit: its name for --limits, its default, what it counts, where the figure comes
    from, and the Twilio error code of a refusal (documented, or our choice)."""

    name: str
    default: int
    counts: str
    source: str
    code: int = INVALID_PARAMETER
    code_documented: bool = False


LIMITS = (
    Limit("workers", 15_000, "workers in a workspace",
          "Worker resource page (an older page says 7,500)"),
    Limit("available_workers", 7_500, "workers in an available activity at once",
          "TaskRouter limits page; error 14240 \"Max concurrent Workers exceeded\"", 14_240, True),
    Limit("activities", 100, "activities in a workspace", "TaskRouter limits page"),
    Limit("task_queues", 5_000, "task queues in a workspace", "TaskRouter limits page"),
    Limit("workflows", 1_000, "workflows in a workspace", "TaskRouter limits page"),
    Limit("task_channels", 15, "task channels in a workspace, the 5 default ones included",
          "TaskRouter limits page"),
    Limit("channel_capacity", MAX_CHANNEL_CAPACITY, "capacity of one worker channel",
          "TaskRouter limits page; the WorkerChannel page"),
    Limit("tasks", 500_000, "tasks in a workspace, in any state", "TaskRouter limits page"),
    Limit("attributes", 4_096, "characters of a task's or worker's attributes, whitespace "
          "included", "Task and Worker resource pages; TaskRouter limits page"),
)  # fmt: skip
BY_NAME = {limit.name: limit for limit in LIMITS}
MAX_ATTRIBUTES_CHARS = BY_NAME["attributes"].default


def defaults() -> dict[str, int]:
    return {limit.name: limit.default for limit in LIMITS}


def parse_overrides(text: str) -> dict[str, int]:
    """`workers=200000,tasks=1000000` -> {name: value}; `none` lifts every limit. ValueError
    with a one-line reason for anything else."""
    if text.strip().lower() == "none":
        return {limit.name: 2**62 for limit in LIMITS}
    found: dict[str, int] = {}
    for part in (p.strip() for p in text.split(",") if p.strip()):
        name, sep, value = part.partition("=")
        name = name.strip()
        if not sep or name not in BY_NAME:
            raise ValueError(
                f"{part!r} is not NAME=NUMBER with NAME one of {', '.join(BY_NAME)} (or 'none')"
            )
        if not value.strip().isdigit() or int(value) < 1:
            raise ValueError(f"{name} must be a positive whole number, not {value.strip()!r}")
        found[name] = int(value)
    if not found:
        raise ValueError("give NAME=NUMBER pairs separated by commas, or 'none'")
    return found


def resolve(overrides: Mapping[str, int] | None = None) -> dict[str, int]:
    """The defaults with overrides applied (unknown names are a ValueError)."""
    unknown = set(overrides or {}) - set(BY_NAME)
    if unknown:
        raise ValueError(f"unknown limit(s): {', '.join(sorted(unknown))}")
    return {**defaults(), **(overrides or {})}


def friendly_name_problem(text: str) -> str | None:
    """Why TaskRouter would refuse this friendly name (1 to 64 characters; our choice where the
    docs are silent: no control characters such as NUL, tab or newline), or None."""
    if not text.strip():
        return "must not be empty"
    if len(text) > MAX_FRIENDLY_NAME:
        return f"must be at most {MAX_FRIENDLY_NAME} characters, got {len(text)}"
    bad = next((c for c in text if unicodedata.category(c) in ("Cc", "Cs")), None)
    if bad is not None:
        return f"must not contain control characters (found U+{ord(bad):04X})"
    return None
