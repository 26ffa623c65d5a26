"""Events: the workspace's event log, filtered by type, task, worker and time window."""

from __future__ import annotations

from typing import Any

from trctl.errors import UsageError
from trctl.services.resolve import TASK, WORKER, Resolver, require_sid

MAX_MINUTES = 30 * 24 * 60


def list_events(
    resolver: Resolver,
    *,
    event_type: str | None = None,
    task: str | None = None,
    worker: str | None = None,
    minutes: int | None = None,
    limit: int | None = 50,
) -> list[dict[str, Any]]:
    """GET /Events (TaskRouter keeps 30 days; its default window is 15 minutes)."""
    if minutes is not None and not 1 <= minutes <= MAX_MINUTES:
        raise UsageError(f"--minutes must be between 1 and {MAX_MINUTES} (30 days)")
    params = {
        "EventType": event_type,
        "TaskSid": require_sid(TASK, task) if task else None,
        "WorkerSid": resolver.optional_sid(WORKER, worker),
        "Minutes": minutes,
    }
    return resolver.api.list(f"/Workspaces/{resolver.workspace_sid}/Events", params, limit=limit)
