"""The typed form of a workspace file: names only, no SIDs, with TaskRouter's limits."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

ORDERS = ("FIFO", "LIFO")
# the fields that name an activity; None there leaves the live value alone
ACTIVITY_FIELDS = frozenset(
    {
        "default_activity",
        "timeout_activity",
        "activity",
        "reservation_activity",
        "assignment_activity",
    }
)
TARGET_KEYS = (
    "queue",
    "priority",
    "timeout",
    "expression",
    "order_by",
    "skip_if",
    "known_worker_sid",
    "known_worker_friendly_name",
)


@dataclass
class WorkspaceSettings:
    """The [workspace] table. None means "leave the live value as it is"."""

    name: str
    multi_task_enabled: bool = True
    default_activity: str | None = None
    timeout_activity: str | None = None
    event_callback_url: str = ""
    events_filter: str = ""
    prioritize_queue_order: str = "FIFO"


@dataclass
class ActivitySpec:
    """An activity; `available` is fixed when TaskRouter creates it."""

    name: str
    available: bool = False


@dataclass
class WorkerSpec:
    """A worker; `activity` is where a new one starts (None: the default); a live one's stays."""

    name: str
    activity: str | None = None
    attributes: dict[str, Any] = field(default_factory=dict)


@dataclass
class QueueSpec:
    """A task queue; activities by name, None leaves the live one alone."""

    name: str
    target_workers: str = "1==1"
    reservation_activity: str | None = None
    assignment_activity: str | None = None
    max_reserved_workers: int = 1
    task_order: str = "FIFO"


@dataclass
class TargetSpec:
    """One workflow target; `queue` is a queue name (SIDs only on the wire)."""

    queue: str | None = None
    priority: int | None = None
    timeout: int | None = None
    expression: str | None = None
    order_by: str | None = None
    skip_if: str | None = None
    known_worker_sid: str | None = None
    known_worker_friendly_name: str | None = None


@dataclass
class FilterSpec:
    """One workflow filter: an expression over task attributes, and its targets."""

    expression: str
    targets: list[TargetSpec]
    name: str | None = None


@dataclass
class WorkflowSpec:
    """A workflow: its settings and routing, queues by name."""

    name: str
    task_reservation_timeout: int = 120
    assignment_callback_url: str = ""
    fallback_assignment_callback_url: str = ""
    filters: list[FilterSpec] = field(default_factory=list)
    default_filter: TargetSpec | None = None

    def queue_names(self) -> list[str]:
        """The queue names its targets use, in order (a name may repeat)."""
        targets = [t for f in self.filters for t in f.targets]
        if self.default_filter:
            targets.append(self.default_filter)
        return [t.queue for t in targets if t.queue]


@dataclass
class WorkspaceSpec:
    """Everything a workspace file says, names only (no SIDs)."""

    workspace: WorkspaceSettings
    activities: list[ActivitySpec] = field(default_factory=list)
    workers: list[WorkerSpec] = field(default_factory=list)
    queues: list[QueueSpec] = field(default_factory=list)
    workflows: list[WorkflowSpec] = field(default_factory=list)

    def activity_names(self) -> list[str]:
        return [a.name for a in self.activities]

    def queue_names(self) -> list[str]:
        return [q.name for q in self.queues]

    def activity_references(self) -> list[tuple[str, str]]:
        """(where, activity name) for every activity the file refers to by name."""
        refs = [
            ("workspace.default_activity", self.workspace.default_activity),
            ("workspace.timeout_activity", self.workspace.timeout_activity),
        ]
        refs += [(f"workers {w.name!r} activity", w.activity) for w in self.workers]
        for q in self.queues:
            refs.append((f"queues {q.name!r} reservation_activity", q.reservation_activity))
            refs.append((f"queues {q.name!r} assignment_activity", q.assignment_activity))
        return [(where, name) for where, name in refs if name]

    def queue_references(self) -> list[tuple[str, str]]:
        """(where, queue name) for every queue a workflow targets."""
        return [(f"workflows {w.name!r}", q) for w in self.workflows for q in w.queue_names()]
