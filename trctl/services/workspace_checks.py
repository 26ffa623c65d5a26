"""Checks of a workspace file that need no API: names, expressions, workflow configurations,
and references to activities and queues."""

from __future__ import annotations

from collections.abc import Iterable

from trctl.errors import UsageError
from trctl.services.checks import check_expression
from trctl.services.workspace_spec import WorkflowSpec, WorkspaceSpec
from trctl.services.workspace_wire import workflow_configuration


def check_spec(spec: WorkspaceSpec, *, source: str) -> None:
    """Unique names, parsable expressions, workflow configurations TaskRouter would accept."""
    for kind, names in (
        ("activities", spec.activity_names()),
        ("workers", [w.name for w in spec.workers]),
        ("queues", spec.queue_names()),
        ("workflows", [w.name for w in spec.workflows]),
    ):
        _check_unique(kind, names, source)
    for queue in spec.queues:
        check_expression(queue.target_workers, f"{source}: queues {queue.name!r} target_workers")
    for workflow in spec.workflows:
        check_workflow_configuration(workflow, source=source)


def _check_unique(kind: str, names: list[str], source: str) -> None:
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise UsageError(f"{source}: {kind}: the name {name!r} appears twice")
        seen.add(name)


def check_workflow_configuration(workflow: WorkflowSpec, *, source: str) -> None:
    """The wire configuration through the checker `trctl workflow create --config` uses; queue
    names stay names here (whether they exist is check_references' job, file and live ones)."""
    from trctl.services.workflows import ConfigChecker

    configuration = workflow_configuration(workflow, {})
    ConfigChecker(str, f"{source}: workflows {workflow.name!r}").check(configuration)


def check_references(
    spec: WorkspaceSpec, *, activities: Iterable[str], queues: Iterable[str], source: str
) -> None:
    """Every activity and queue the file names must be in the file or in `activities`/`queues`."""
    for kind, references, known in (
        ("activity", spec.activity_references(), set(spec.activity_names()) | set(activities)),
        ("queue", spec.queue_references(), set(spec.queue_names()) | set(queues)),
    ):
        for where, name in references:
            if name not in known:
                raise UsageError(
                    f"{source}: {where}: unknown {kind} {name!r}",
                    hint=f"known: {', '.join(sorted(known)) or 'none'}",
                )
