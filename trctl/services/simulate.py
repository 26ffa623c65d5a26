"""A simulated contact centre against the current workspace, through the REST API only (so it
runs against TaskRouter as against the emulator): scripted workers go available, accept after a
delay or reject a share, talk for a drawn handling time, wrap up and complete; tasks arrive over
the day with attributes drawn from weighted examples. On an emulator with a manual clock the
simulation moves the clock itself, so a day takes seconds; the same seed gives the same day."""

from __future__ import annotations

import contextlib
import heapq
import json
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from trctl.errors import ApiError, NotFoundError, UsageError
from trctl.services.events import EventFollower
from trctl.services.resolve import ACTIVITY, QUEUE, WORKER, Resolver
from trctl.services.scenario import Scenario, pick

RESERVED = "reservation.created"
ROUTING_TIMERS = ("reservation", "target")  # timers after which a task may be reserved anew
STAGGER = 60.0  # workers start within the first minute (distinct moments: no ties in routing)
POLL_EVERY = 2.0  # real time: seconds between looks at the event log for new reservations
END_REASON = "simulation ended"


class Timeline(Protocol):
    """Where the simulation's time comes from: seconds since its start."""

    simulated: bool

    def now(self) -> float: ...

    def move_to(self, moment: float) -> bool:
        """Get to `moment`; True when TaskRouter may have changed something on its own
        meanwhile (timers fired, or real time passed)."""
        ...


class ManualTimeline:
    """The emulator's manual clock, moved through /trctl/clock: simulated time."""

    simulated = True

    def __init__(self, control: Any) -> None:
        self.control = control
        self.origin = self.epoch = float(control.clock()["epoch"])

    def now(self) -> float:
        return self.epoch - self.origin

    def move_to(self, moment: float) -> bool:
        target = self.origin + moment
        if target <= self.epoch:
            return False
        moved = self.control.advance(target - self.epoch)
        self.epoch = float(moved["epoch"])
        timers = moved.get("timers") or {}
        return any(timers.get(kind) for kind in ROUTING_TIMERS)


class RealTimeline:
    """Real time (TaskRouter, or an emulator on the real clock), on the run's clock."""

    simulated = False

    def __init__(self, clock: Any) -> None:
        self.clock = clock
        self.origin = clock.monotonic()

    def now(self) -> float:
        return self.clock.monotonic() - self.origin

    def move_to(self, moment: float) -> bool:
        """Sleep until then; what TaskRouter did meanwhile, the periodic look finds."""
        wait = moment - self.now()
        if wait > 0:
            self.clock.sleep(wait)
        return False


class Pacer:
    """At most `rate` requests a second (TaskRouter's API limits), on the run's clock."""

    def __init__(self, clock: Any, rate: float | None) -> None:
        self.clock = clock
        self.gap = 1.0 / rate if rate else 0.0
        self.last = clock.monotonic() if rate else 0.0  # a request may have just gone out

    def wait(self) -> None:
        if not self.gap:
            return
        wait = self.last + self.gap - self.clock.monotonic()
        if wait > 0:
            self.clock.sleep(wait)
        self.last = self.clock.monotonic()


@dataclass
class SimWorker:
    index: int
    sid: str
    name: str
    started: float = 0.0
    busy_since: float | None = None
    busy: float = 0.0


@dataclass
class SimTask:
    index: int
    sid: str
    created: float
    attempts: int = 0
    queue: str = ""
    accepted: float | None = None
    state: str = "waiting"  # waiting, assigned, wrapping, done, canceled


@dataclass
class Tally:
    """What happened, as the summary reports it."""

    created: int = 0
    waiting: int = 0  # created, not yet accepted (as far as the simulation knows)
    busy: int = 0  # workers between an accept and the task's completion
    handled: int = 0
    rejected: int = 0
    timed_out: int = 0
    waits: dict[str, list[float]] = field(default_factory=dict)


class Simulator:
    """One simulated day: set up the workers, play the agenda, tidy up, summarise."""

    def __init__(
        self,
        resolver: Resolver,
        scenario: Scenario,
        *,
        seed: int,
        timeline: Timeline,
        pacer: Pacer,
        progress: Callable[[dict[str, Any]], None] | None = None,
        keep_workers: bool = False,
    ) -> None:
        self.resolver = resolver
        self.api = resolver.api
        self.scenario = scenario
        self.seed = seed
        self.timeline = timeline
        self.pacer = pacer
        self.progress = progress
        self.keep_workers = keep_workers
        self.workers: dict[str, SimWorker] = {}
        self.tasks: dict[str, SimTask] = {}
        self.tally = Tally()
        self._agenda: list[tuple[float, int, str, Any]] = []
        self._order = 0
        self.follower: EventFollower | None = None

    # -- randomness: one stream per decision, so a decision never depends on another's order --
    def rng(self, *key: object) -> random.Random:
        return random.Random("/".join(map(str, (self.seed, *key))))

    def _at(self, moment: float, kind: str, item: Any = None) -> None:
        self._order += 1
        heapq.heappush(self._agenda, (moment, self._order, kind, item))

    def _call(self, send: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        self.pacer.wait()
        return send(*args, **kwargs)

    # -- the day --------------------------------------------------------------------------------
    def run(self) -> dict[str, Any]:
        self._prepare()
        try:
            self._play()
        finally:
            self._tidy_up()
        return self.summary()

    def _prepare(self) -> None:
        scenario = self.scenario
        activities = self._call(self.resolver.records, ACTIVITY)
        self.available = _activity(activities, scenario.available_activity, True)
        workspace = self._call(self.api.fetch, f"/Workspaces/{self.resolver.workspace_sid}")
        default = workspace.get("default_activity_sid")
        offline = scenario.offline_activity or next(
            (a["friendly_name"] for a in activities if a["sid"] == default and not a["available"]),
            None,
        )
        self.offline = _activity(activities, offline, False)
        self.workflow = self._call(self.resolver.workflow, scenario.workflow)["sid"]
        queues = self._call(self.resolver.records, QUEUE)
        self.queue_names = {q["sid"]: q["friendly_name"] for q in queues}
        # single-tasking with a reservation activity everywhere: a worker reserved as it goes
        # available answers in that activity, so an unchanged one needs no look for reservations
        self.reservation_shows = not workspace.get("multi_task_enabled") and all(
            q.get("reservation_activity_sid") for q in queues
        )
        path = f"/Workspaces/{self.resolver.workspace_sid}/Events"
        self.follower = EventFollower(self.api, path, {"EventType": RESERVED})
        self._call(self.follower.poll)  # the cursor starts now: older reservations are not ours
        existing = {w["friendly_name"]: w for w in self._call(self.resolver.records, WORKER)}
        for index in range(scenario.workers):
            rng = self.rng("worker", index)
            name = f"{scenario.name_prefix}-{index + 1:03d}"
            fields = {
                "Attributes": json.dumps(pick(scenario.worker_examples, rng).attributes),
                "ActivitySid": self.offline,
            }
            if name in existing:
                path = self.resolver.path(WORKER, existing[name]["sid"])
                record = self._call(self.api.update, path, fields)
            else:
                record = self._call(
                    self.api.create, self.resolver.path(WORKER), {"FriendlyName": name, **fields}
                )
            worker = SimWorker(index, record["sid"], name, started=rng.uniform(0, STAGGER))
            self.workers[worker.sid] = worker
            self._at(worker.started, "start", worker)
        arriving = self.rng("arrivals")
        arrivals = sorted(arriving.uniform(0, scenario.duration) for _ in range(scenario.tasks))
        for index, moment in enumerate(arrivals):
            self._at(moment, "arrive", index)
        if not self.timeline.simulated:
            self._at(POLL_EVERY, "poll")

    def _play(self) -> None:
        handlers = {
            "start": self._start,
            "arrive": self._arrive,
            "decide": self._decide,
            "talked": self._talked,
            "wrapped": self._wrapped,
            "back": self._start,
            "poll": self._poll,
        }
        while self._agenda and self._agenda[0][0] <= self.scenario.duration:
            moment, _, kind, item = heapq.heappop(self._agenda)
            if self.timeline.move_to(moment) and kind != "poll":
                self._discover(moment)
            handlers[kind](item, moment)
            if self.progress is not None:
                self.progress(self.snapshot(moment))
        self.timeline.move_to(self.scenario.duration)

    # -- what the scripted people do ------------------------------------------------------------
    def _start(self, worker: SimWorker, now: float) -> None:
        """A worker goes available: at the start, after a task, after a missed reservation."""
        self._call(
            self.api.update, self.resolver.path(WORKER, worker.sid), {"ActivitySid": self.available}
        )
        if self._waiting():
            self._discover(now)

    def _arrive(self, index: int, now: float) -> None:
        example = pick(self.scenario.task_examples, self.rng("task", index))
        fields = {
            "Attributes": json.dumps(example.attributes),
            "WorkflowSid": self.workflow,
            "Priority": example.priority,
        }
        record = self._call(
            self.api.create, f"/Workspaces/{self.resolver.workspace_sid}/Tasks", fields
        )
        self.tasks[record["sid"]] = SimTask(index, record["sid"], now)
        self.tally.created += 1
        self.tally.waiting += 1
        if record.get("assignment_status") == "reserved":
            self._discover(now)

    def _poll(self, _: Any, now: float) -> None:
        self._discover(now)
        self._at(now + POLL_EVERY, "poll")

    def _discover(self, now: float) -> None:
        """New reservations for the scripted workers: each decides when to answer, and how."""
        assert self.follower is not None
        for event in self._call(self.follower.poll):
            data = event.get("event_data") or {}
            worker = self.workers.get(str(data.get("worker_sid")))
            task = self.tasks.get(str(data.get("task_sid")))
            if worker is None or task is None:
                continue
            task.attempts += 1
            task.queue = str(
                data.get("task_queue_name")
                or self.queue_names.get(str(data.get("task_queue_sid")), "")
            )
            rng = self.rng("answer", task.index, task.attempts)
            rejects = rng.random() < self.scenario.reject_share
            delay = self.scenario.accept_after.draw(rng)
            self._at(
                now + delay, "decide", (str(data.get("reservation_sid")), worker, task, rejects)
            )

    def _decide(self, decision: tuple[str, SimWorker, SimTask, bool], now: float) -> None:
        reservation, worker, task, rejects = decision
        path = f"/Workspaces/{self.resolver.workspace_sid}/Tasks/{task.sid}/Reservations/" + (
            reservation
        )
        status = "rejected" if rejects else "accepted"
        try:
            self._call(self.api.update, path, {"ReservationStatus": status})
        except ApiError as exc:
            if exc.status != 400:
                raise
            self._missed(path, worker, task, now)
            return
        if rejects:
            self.tally.rejected += 1
            if self._waiting():
                self._discover(now)
            return
        self._accepted(worker, task, now)

    def _accepted(self, worker: SimWorker, task: SimTask, now: float) -> None:
        task.state, task.accepted, worker.busy_since = "assigned", now, now
        self.tally.waiting -= 1
        self.tally.busy += 1
        self.tally.waits.setdefault(task.queue, []).append(now - task.created)
        talk = self.scenario.handle_time.draw(self.rng("talk", task.index))
        self._at(now + talk, "talked", (worker, task))

    def _missed(self, path: str, worker: SimWorker, task: SimTask, now: float) -> None:
        """The reservation was answered before the worker did: the app accepted it (its
        assignment callback), or it timed out (the worker went to the timeout activity and
        comes back later), or it was canceled or rescinded."""
        status = self._call(self.api.fetch, path).get("reservation_status")
        if status == "accepted":
            self._accepted(worker, task, now)
        elif status == "timeout":
            self.tally.timed_out += 1
            delay = self.scenario.back_after.draw(self.rng("back", worker.index, now))
            self._at(now + delay, "back", worker)

    def _talked(self, pair: tuple[SimWorker, SimTask], now: float) -> None:
        task = pair[1]
        self._call(
            self.api.update,
            f"/Workspaces/{self.resolver.workspace_sid}/Tasks/{task.sid}",
            {"AssignmentStatus": "wrapping"},
        )
        task.state = "wrapping"
        self._at(now + self.scenario.wrap_up.draw(self.rng("wrap", task.index)), "wrapped", pair)

    def _wrapped(self, pair: tuple[SimWorker, SimTask], now: float) -> None:
        worker, task = pair
        self._call(
            self.api.update,
            f"/Workspaces/{self.resolver.workspace_sid}/Tasks/{task.sid}",
            {"AssignmentStatus": "completed", "Reason": "handled"},
        )
        task.state = "done"
        self.tally.handled += 1
        worker.busy += now - (worker.busy_since or now)
        worker.busy_since = None
        self.tally.busy -= 1
        self._start(worker, now)

    def _waiting(self) -> bool:
        return self.tally.waiting > 0

    # -- the end of the day ---------------------------------------------------------------------
    def _tidy_up(self) -> None:
        """Finish what is open (complete assigned tasks, cancel waiting ones), send the
        workers offline and delete them unless kept. Failures here are not the day's."""
        base = f"/Workspaces/{self.resolver.workspace_sid}/Tasks"
        for task in self.tasks.values():
            wanted = {"assigned": "completed", "wrapping": "completed", "waiting": "canceled"}
            if task.state in wanted:
                self._quietly(
                    self.api.update,
                    f"{base}/{task.sid}",
                    {"AssignmentStatus": wanted[task.state], "Reason": END_REASON},
                )
        for worker in self.workers.values():
            path = self.resolver.path(WORKER, worker.sid)
            self._quietly(self.api.update, path, {"ActivitySid": self.offline})
            if not self.keep_workers:
                self._quietly(self.api.delete, path)

    def _quietly(self, send: Callable[..., Any], *args: Any) -> None:
        with contextlib.suppress(ApiError, NotFoundError):
            self._call(send, *args)

    # -- what the day came to -------------------------------------------------------------------
    def snapshot(self, now: float) -> dict[str, Any]:
        tally = self.tally
        return {
            "now": now,
            "duration": self.scenario.duration,
            "created": tally.created,
            "handled": tally.handled,
            "waiting": tally.waiting,
            "busy": tally.busy,
            "workers": len(self.workers),
        }

    def summary(self) -> dict[str, Any]:
        """tasks_handled, per-queue waits (p50, p95, max seconds until accepted), reservations
        rejected and timed out, and occupancy (time busy over time at work)."""
        end = self.scenario.duration
        busy = sum(
            w.busy + (end - w.busy_since if w.busy_since is not None else 0.0)
            for w in self.workers.values()
        )
        at_work = sum(max(end - w.started, 0.0) for w in self.workers.values())
        queues = [
            {
                "friendly_name": name,
                "wait_p50": _percentile(waits, 50),
                "wait_p95": _percentile(waits, 95),
                "wait_max": round(max(waits), 3),
            }
            for name, waits in sorted(self.tally.waits.items())
        ]
        return {
            "tasks_handled": self.tally.handled,
            "queues": queues,
            "reservations": {"rejected": self.tally.rejected, "timeout": self.tally.timed_out},
            "occupancy": round(busy / at_work, 4) if at_work else 0.0,
            "tasks_created": self.tally.created,
            "simulated_seconds": end,
        }


def _percentile(values: list[float], percent: float) -> float:
    """Nearest rank, in seconds (3 decimals)."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * percent // 100))
    return round(ordered[int(rank) - 1], 3)


def _activity(records: list[dict[str, Any]], name: str | None, available: bool) -> str:
    """The SID of the named activity (which must be available, or not), or the first one."""
    kind = "available" if available else "unavailable"
    if name is not None:
        for record in records:
            if name in (record["sid"], record["friendly_name"]) or (
                record["friendly_name"].lower() == name.lower()
            ):
                if bool(record["available"]) != available:
                    raise UsageError(f"activity {name!r} is not {kind}")
                return str(record["sid"])
        raise UsageError(f"no activity {name!r} in the workspace")
    for record in records:
        if bool(record["available"]) == available:
            return str(record["sid"])
    raise UsageError(f"the workspace has no {kind} activity for the simulated workers")
