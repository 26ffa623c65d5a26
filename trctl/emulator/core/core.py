"""Core: the domain services wired together once; the one object the wire layer calls."""

from __future__ import annotations

from trctl.emulator.core.activities import Activities
from trctl.emulator.core.channels import TaskChannels
from trctl.emulator.core.clock import Clock
from trctl.emulator.core.deliveries import Deliveries
from trctl.emulator.core.eligibility import Eligibility
from trctl.emulator.core.events import EventLog
from trctl.emulator.core.ids import SidFactory
from trctl.emulator.core.kernel import Kernel
from trctl.emulator.core.lifecycle import Lifecycle
from trctl.emulator.core.placement import Placer
from trctl.emulator.core.queries import Queries
from trctl.emulator.core.queues import TaskQueues
from trctl.emulator.core.reservations import Reservations
from trctl.emulator.core.retainer import Retainer
from trctl.emulator.core.retention import Retention
from trctl.emulator.core.routing import Router
from trctl.emulator.core.stats import Statistics
from trctl.emulator.core.store import Store
from trctl.emulator.core.tasks import Tasks
from trctl.emulator.core.timers import Timers
from trctl.emulator.core.worker_state import WorkerState
from trctl.emulator.core.workers import Workers
from trctl.emulator.core.workflows import Workflows
from trctl.emulator.core.workspaces import Workspaces


class Core:
    """Every TaskRouter operation: `queries` reads; the resource services write, each change in
    one transaction. Each service receives the ones below it, so the order of the lines below
    is the layering: nothing calls a service wired after it."""

    def __init__(
        self,
        store: Store,
        clock: Clock,
        sids: SidFactory,
        retention: Retention | None = None,
        limits: dict[str, int] | None = None,
    ) -> None:
        k = self.kernel = Kernel(store, clock, sids, retention, limits)
        events = self.events = EventLog(k)
        worker_state = WorkerState(k, events=events)
        eligibility = Eligibility(k)
        router = self.router = Router(
            k, events=events, worker_state=worker_state, eligibility=eligibility
        )
        lifecycle = Lifecycle(k, events=events, worker_state=worker_state, router=router)
        placer = Placer(k, events=events, router=router, lifecycle=lifecycle)
        self.reservations = Reservations(
            k, worker_state=worker_state, router=router, lifecycle=lifecycle, placer=placer
        )
        retainer = Retainer(k, events=events)
        self.timers = Timers(
            k, reservations=self.reservations, lifecycle=lifecycle, placer=placer,
            retainer=retainer,
        )  # fmt: skip
        self.tasks = Tasks(k, events=events, router=router, lifecycle=lifecycle, placer=placer)
        self.workers = Workers(
            k, events=events, worker_state=worker_state, router=router,
            reservations=self.reservations,
        )  # fmt: skip
        self.activities = Activities(k, events=events)
        self.channels = TaskChannels(k, events=events, worker_state=worker_state)
        self.queues = TaskQueues(k, events=events, router=router)
        self.workflows = Workflows(k, events=events, placer=placer)
        self.workspaces = Workspaces(
            k, events=events, activities=self.activities, channels=self.channels,
            queues=self.queues, workflows=self.workflows,
        )  # fmt: skip
        self.queries = Queries(k)
        self.statistics = Statistics(k, router=router)
        self.deliveries = Deliveries(k, events=events)
        if store.get_meta("classify_waiting"):  # a store from before routing classes
            router.classify_waiting()
            with store.tx():
                store.execute("DELETE FROM meta WHERE key = 'classify_waiting'")

    @property
    def store(self) -> Store:
        return self.kernel.store

    def now(self) -> float:
        return self.kernel.now()
