"""Retention periods: how long finished tasks, events and delivered callbacks are kept."""

from __future__ import annotations

from dataclasses import dataclass

# TaskRouter deletes a completed or canceled task "five minutes after" it ends (the task
# lifecycle page; the limits page says 15): we take the shorter figure, so code that must
# handle the 404 meets it at least as early as on Twilio. Events are kept 30 days (the Event
# resource page). Delivered callbacks are not visible through the API; they go with the tasks.
FINISHED_TASK_SECONDS = 5 * 60
EVENT_SECONDS = 30 * 24 * 3600
DELIVERY_SECONDS = 5 * 60


@dataclass(frozen=True)
class Retention:
    """How long finished things are kept, in seconds; None keeps them forever."""

    finished_tasks: float | None = FINISHED_TASK_SECONDS
    events: float | None = EVENT_SECONDS
    deliveries: float | None = DELIVERY_SECONDS

    @classmethod
    def forever(cls) -> Retention:
        """Keep everything (`--keep-finished`): a session can be inspected afterwards."""
        return cls(None, None, None)

    @classmethod
    def uniform(cls, seconds: float) -> Retention:
        """One period for all three (`--retention SECONDS`, for load tests)."""
        return cls(seconds, seconds, seconds)

    def describe(self) -> str:
        """For the start-up line: `finished tasks kept 5 min, events 30 days`."""
        if self.finished_tasks is None and self.events is None:
            return "finished tasks and events kept forever"
        return f"finished tasks kept {_span(self.finished_tasks)}, events {_span(self.events)}"


def _span(seconds: float | None) -> str:
    if seconds is None:
        return "forever"
    for unit, size in (("days", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{seconds // size:g} {unit}"
    return f"{seconds:g} s"
