"""`trctl doctor`: the workspace's health, read with plain GETs (and the callback URLs
serve-callback saved), each finding with the command that fixes it."""

from __future__ import annotations

import shlex
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from trctl.services.explain import make_situation, walk
from trctl.services.liveness import dead_local, listening
from trctl.services.resolve import QUEUE, TASK, WORKER, WORKFLOW, Resolver
from trctl.services.routing_facts import epoch, parse_configuration, read_capacity, worker_view
from trctl.workflow.config import Target
from trctl.workflow.lint import ERROR, WARNING, Finding
from trctl.workflow.verdicts import WOULD_RESERVE, Capacity, Situation, judge, needs_capacity

DEFAULT_PENDING_AFTER = 60
DEFAULT_CHECKED_WORKERS = 100
GRACE_SECONDS = 5  # a reservation just past its timeout may be being timed out right now


@dataclass
class Checkup:
    """What doctor was asked to look at."""

    pending_after: int = DEFAULT_PENDING_AFTER
    checked_workers: int = DEFAULT_CHECKED_WORKERS
    environ: Mapping[str, str] | None = None  # locates the saved serve-callback URLs
    api_url: str | None = None
    spec_file: tuple[Any, str] | None = None  # (WorkspaceSpec, file name) for drift


def q(text: Any) -> str:
    """A value quoted for the shell, as the fix commands show it."""
    return shlex.quote(str(text))


class Doctor:
    def __init__(self, resolver: Resolver, checkup: Checkup) -> None:
        self.resolver = resolver
        self.checkup = checkup
        self.findings: list[Finding] = []
        self.notes: list[str] = []  # what was not checked, for stderr
        self.capacities: dict[str, Capacity] = {}
        api = resolver.api
        self.workspace = api.fetch(f"/Workspaces/{resolver.workspace_sid}")
        self.workflows = resolver.records(WORKFLOW)
        self.queues = {str(q["sid"]): q for q in resolver.records(QUEUE)}
        self.workers = resolver.records_with_attributes(WORKER)
        tasks = resolver.path(TASK)
        self.pending = api.list(tasks, {"AssignmentStatus": "pending"}, limit=1000)
        self.reserved = api.list(tasks, {"AssignmentStatus": "reserved"}, limit=1000)

    def add(self, severity: str, location: str, message: str, fix: str) -> None:
        self.findings.append(Finding(severity, location, message, fix))

    def run(self) -> list[Finding]:
        checks: list[Callable[[], None]] = [
            self.callback_urls,
            self.unanswered_reservations,
            self.waiting_with_free_workers,
            self.available_without_capacity,
        ]
        if self.checkup.spec_file is not None:
            checks.append(self.drift)
        for check in checks:
            check()
        return self.findings

    @property
    def multi_task(self) -> bool:
        return bool(self.workspace.get("multi_task_enabled"))

    def capacity(self, worker_sid: str, task: Mapping[str, Any]) -> Capacity:
        key = f"{worker_sid}:{task.get('task_channel_sid')}"
        if key not in self.capacities:
            self.capacities[key] = read_capacity(
                self.resolver, worker_sid, task, multi_task=self.multi_task
            )
        return self.capacities[key]

    # -- callback URLs -------------------------------------------------------------------------
    def callback_urls(self) -> None:
        """Local callback URLs where nothing listens, and the original a killed serve-callback
        saved for each."""
        saved = self._saved()
        for workflow in self.workflows:
            name = workflow.get("friendly_name") or workflow["sid"]
            for field, option in (
                ("assignment_callback_url", "--assignment-callback-url"),
                ("fallback_assignment_callback_url", "--fallback-url"),
            ):
                fix = f"trctl workflows update {q(name)} {option} "
                self._url(f"workflow {name!r} {field}", workflow, field, saved, fix)
        self._url(
            "workspace event_callback_url",
            self.workspace,
            "event_callback_url",
            saved,
            "trctl workspace export -o ws.toml, set event_callback_url, trctl workspace apply "
            "ws.toml; the URL: ",
        )

    def _saved(self) -> dict[tuple[str, str], Any]:
        if self.checkup.environ is None:
            return {}
        from trctl.config.wired_urls import saved_for

        entries = saved_for(self.checkup.environ, self.checkup.api_url, self.resolver.workspace_sid)
        return {(e.resource_sid, e.field): e for e in entries}

    def _url(
        self,
        where: str,
        record: Mapping[str, Any],
        field: str,
        saved: Mapping[tuple[str, str], Any],
        fix: str,
    ) -> None:
        current = str(record.get(field) or "")
        if not current:
            return
        entry = saved.get((str(record.get("sid")), field))
        if entry is not None and entry.ours == current and not listening(entry.local_url):
            previous = entry.previous
            withheld = " (it held credentials, which trctl does not save: add them)"
            self.add(
                ERROR,
                where,
                f"{current} was set by a serve-callback (pid {entry.pid}) that is no longer "
                f"running: callbacks fail; before it the URL was {previous or 'empty'!r}"
                + (withheld if entry.withheld else ""),
                f"{fix}{q(previous)}",
            )
        elif dead_local(current):
            self.add(
                ERROR,
                where,
                f"{current} is a local URL where nothing listens: callbacks fail",
                f"start the server there (e.g. trctl serve-callback), or {fix}URL",
            )

    # -- reservations --------------------------------------------------------------------------
    def unanswered_reservations(self) -> None:
        """Reservations pending past the workflow's timeout, and workflows without a callback
        URL whose reserved tasks wait for an answer nobody sends."""
        workflows = {str(w["sid"]): w for w in self.workflows}
        waiting: dict[str, list[str]] = {}
        for task in self.reserved:
            workflow = workflows.get(str(task.get("workflow_sid") or ""))
            if workflow is not None and not workflow.get("assignment_callback_url"):
                waiting.setdefault(str(workflow["sid"]), []).append(str(task["sid"]))
            timeout = int((workflow or {}).get("task_reservation_timeout") or 120)
            now = (epoch(task.get("date_created")) or 0.0) + float(task.get("age") or 0)
            path = f"{self.resolver.path(TASK, str(task['sid']))}/Reservations"
            for reservation in self.resolver.api.list(path, {"ReservationStatus": "pending"}):
                age = now - (epoch(reservation.get("date_created")) or now)
                if age > timeout + GRACE_SECONDS:
                    self.add(
                        ERROR,
                        f"reservation {reservation['sid']}",
                        f"pending for {int(age)}s, past the workflow's {timeout}s "
                        f"task_reservation_timeout (task {task['sid']}, worker "
                        f"{reservation.get('worker_name') or reservation.get('worker_sid')}): "
                        "TaskRouter should have timed it out; accept or reject it",
                        f"trctl reservation reject {task['sid']} {reservation['sid']}",
                    )
        for sid, tasks in waiting.items():
            name = workflows[sid].get("friendly_name") or sid
            shown = ", ".join(tasks[:3]) + (f" and {len(tasks) - 3} more" if len(tasks) > 3 else "")
            self.add(
                WARNING,
                f"workflow {name!r}",
                f"no AssignmentCallbackUrl, and {len(tasks)} reserved task(s) wait for an answer "
                f"that only a REST accept or reject can give: {shown}",
                f"trctl serve-callback --workflow {q(name)}, or trctl reservation accept "
                f"{tasks[0]}",
            )

    # -- waiting tasks -------------------------------------------------------------------------
    def waiting_with_free_workers(self) -> None:
        """Tasks pending longer than the threshold while a worker of their queue is free."""
        views = [worker_view(w) for w in self.workers]
        for task in self.pending:
            age = int(task.get("age") or 0)
            queue = self.queues.get(str(task.get("task_queue_sid") or ""))
            if age < self.checkup.pending_after or queue is None:
                continue
            situation = self._situation(task, queue, self._target(task))
            if situation is None:
                continue
            free = []
            for view in views:
                if not needs_capacity(situation, view):
                    continue
                verdict = judge(situation, view, self.capacity(view.sid, task))
                if verdict.verdict == WOULD_RESERVE:
                    free.append(view.friendly_name)
            if free:
                self.add(
                    ERROR,
                    f"task {task['sid']}",
                    f"pending for {age}s in queue {queue.get('friendly_name')!r} while "
                    f"{', '.join(free[:3])} {'is' if len(free) == 1 else 'are'} eligible, "
                    "available and free",
                    f"trctl explain {task['sid']}",
                )

    def _target(self, task: Mapping[str, Any]) -> Target | None:
        """The first step of the task's walk in its current queue (one GET less than reading
        its events; a queue that appears twice in a workflow is judged by its first target)."""
        workflow = next((w for w in self.workflows if w["sid"] == task.get("workflow_sid")), None)
        if workflow is None:
            return None
        config, _ = parse_configuration(workflow)
        attributes = task.get("attributes")
        if config is None or not isinstance(attributes, dict):
            return None
        queue = task.get("task_queue_sid")
        return next(
            (s.target for s in walk(config, attributes) if s.target.queue_sid == queue), None
        )

    def _situation(
        self, task: Mapping[str, Any], queue: Mapping[str, Any], target: Target | None
    ) -> Situation | None:
        return make_situation(task, queue, target, [])[0]

    # -- workers -------------------------------------------------------------------------------
    def available_without_capacity(self) -> None:
        """Workers in an available activity who cannot take any task (all channels full or
        off; single-tasking: already holding one)."""
        available = [w for w in self.workers if w.get("available")]
        limit = self.checkup.checked_workers
        if len(available) > limit:
            self.notes.append(
                f"checked the capacity of {limit} of {len(available)} available workers "
                "(--workers N for more)"
            )
        for worker in available[:limit]:
            name = worker.get("friendly_name") or worker["sid"]
            blocked = self._no_capacity(str(worker["sid"]))
            if blocked is not None:
                self.add(
                    WARNING,
                    f"worker {name!r}",
                    f"available ({worker.get('activity_name')}) but {blocked}: TaskRouter "
                    "offers it nothing",
                    blocked_fix(blocked, name),
                )

    def _no_capacity(self, worker_sid: str) -> str | None:
        if not self.multi_task:
            load = read_capacity(self.resolver, worker_sid, {}, multi_task=False)
            return (
                f"holds {', '.join(load.holders)} (single-tasking: 1/1)" if load.free <= 0 else None
            )
        channels = self.resolver.api.list(f"{self.resolver.path(WORKER, worker_sid)}/Channels")
        shown = []
        for channel in channels:
            configured = int(channel.get("configured_capacity") or 0)
            used = int(channel.get("assigned_tasks") or 0)
            if channel.get("available") and used < configured:
                return None
            state = f"{used}/{configured}" if channel.get("available") else "off"
            shown.append(f"{channel.get('task_channel_unique_name')} {state}")
        return f"has no free capacity on any channel ({', '.join(shown) or 'no channels'})"

    # -- drift ---------------------------------------------------------------------------------
    def drift(self) -> None:
        from trctl.services.workspace_apply import plan_spec

        spec, file_name = self.checkup.spec_file  # type: ignore[misc]
        plan = plan_spec(self.resolver.api, spec, workspace=self.resolver.workspace_sid)
        for change in plan.changes:
            if change.action == "unchanged":
                continue
            fields = f" ({', '.join(change.fields)})" if change.fields else ""
            verb = {"create": "is missing", "update": "differs", "delete": "is not in the file"}
            self.add(
                WARNING,
                f"{change.kind} {change.name!r}",
                f"{verb.get(change.action, change.action)} from {file_name}{fields}",
                f"trctl workspace apply {q(file_name)}",
            )


def blocked_fix(blocked: str, name: str) -> str:
    if "off" in blocked or "no channels" in blocked:
        return "switch the worker's channel on (Workers/{sid}/Channels Available=true)"
    return (
        f"complete or wrap up its tasks (trctl task complete TASK_SID), or move it: trctl "
        f"worker set-activity {q(name)} ACTIVITY"
    )


def check_workspace(resolver: Resolver, checkup: Checkup) -> tuple[list[Finding], list[str]]:
    doctor = Doctor(resolver, checkup)
    return doctor.run(), doctor.notes
