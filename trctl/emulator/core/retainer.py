"""The retention timers: finished tasks, old events and delivered callbacks, deleted when due."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from trctl.emulator.core.events import EventLog
from trctl.emulator.core.kernel import Service
from trctl.emulator.core.store import Row

FINISHED = "('completed','canceled')"
TASK_BATCH = 200  # tasks deleted per transaction (each gets its task.system-deleted event)
ROW_BATCH = 5000  # events or outbox rows deleted per transaction


@dataclass(eq=False)
class Retainer(Service):
    """The retention timers: each kind's earliest deadline, and deleting what is due, oldest
    first. The deadlines are computed from stored times (when a task ended, an event happened,
    a callback was queued), so nothing extra is stored and a restart re-arms them."""

    events: EventLog

    def heads(self) -> list[tuple[float, str]]:
        """(deadline, kind) of the oldest row of each kind that is kept for a limited time."""
        found = []
        for kind, period in self._periods():
            row = self.store.one(_HEAD_SQL[kind])
            if row is not None:
                found.append((row[0] + period, kind))
        return found

    def purge(self, kind: str, until: float) -> None:
        """Delete (in the caller's transaction) one batch of rows of `kind` due by `until`."""
        period = dict(self._periods())[kind]
        rows = self.store.all(_BATCH_SQL[kind], (TASK_BATCH if kind == "tasks" else ROW_BATCH,))
        due = []
        for row in rows:
            if row[1] + period > until:  # the same sum as heads(): no rounding gap
                break
            due.append(row)
        if kind == "tasks":
            for task in due:
                with self.kernel.as_of(task["date_updated"] + period):
                    self._delete_task(task)
        elif due:
            self.store.execute(_DELETE_SQL[kind], (due[-1]["id"],))

    def _periods(self) -> list[tuple[str, float]]:
        retention = self.kernel.retention
        periods: list[tuple[str, Any]] = [
            ("tasks", retention.finished_tasks),
            ("events", retention.events),
            ("deliveries", retention.deliveries),
        ]
        return [(kind, float(period)) for kind, period in periods if period is not None]

    def _delete_task(self, task: Row) -> None:
        """A finished task goes, with its reservations; its events stay (their own retention)."""
        sid = task["sid"]
        task = self.kernel.load("tasks", sid)
        self.events.task_event(
            task, "task.system-deleted", f"Task {sid} deleted by TaskRouter after it ended"
        )
        self.store.execute("DELETE FROM reservations WHERE task_sid = ?", (sid,))
        self.store.execute("DELETE FROM tasks WHERE sid = ?", (sid,))


# Each kind walks an index in deadline order (tasks_finished, the rowid, outbox_finished).
_HEAD_SQL = {
    "tasks": f"SELECT date_updated FROM tasks WHERE assignment_status IN {FINISHED} "
    "ORDER BY date_updated LIMIT 1",
    "events": "SELECT event_date FROM events ORDER BY id LIMIT 1",
    "deliveries": "SELECT created FROM outbox WHERE state != 'pending' ORDER BY id LIMIT 1",
}
_BATCH_SQL = {
    "tasks": f"SELECT sid, date_updated FROM tasks WHERE assignment_status IN {FINISHED} "
    "ORDER BY date_updated LIMIT ?",
    "events": "SELECT id, event_date FROM events ORDER BY id LIMIT ?",
    "deliveries": "SELECT id, created FROM outbox WHERE state != 'pending' ORDER BY id LIMIT ?",
}
_DELETE_SQL = {
    "events": "DELETE FROM events WHERE id <= ?",
    "deliveries": "DELETE FROM outbox WHERE state != 'pending' AND id <= ?",
}
