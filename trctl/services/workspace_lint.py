"""`workspace apply` runs `workflows lint`'s checks on each workflow of the file, against the
file's queues and workers plus the live ones it leaves alone: errors stop the apply before any
write, warnings are returned for the command to print."""

from __future__ import annotations

from trctl.errors import UsageError
from trctl.services.workspace_spec import WorkspaceSpec
from trctl.services.workspace_wire import workflow_configuration
from trctl.workflow.lint import ERROR, Finding, QueueFacts, Samples, lint_workflow
from trctl.workflow.matching import context_of


def lint_spec(spec: WorkspaceSpec, live: WorkspaceSpec, *, source: str) -> list[Finding]:
    """The warnings of every workflow in the file (located as `workflows 'NAME' ...`); the
    first error is raised as a UsageError (exit 2) naming the file."""
    queues = {q.name: QueueFacts(q.name, q.target_workers) for q in live.queues}
    queues.update({q.name: QueueFacts(q.name, q.target_workers) for q in spec.queues})
    workers = {w.name: w for w in live.workers}
    workers.update({w.name: w for w in spec.workers})
    contexts = [
        context_of(w.attributes, friendly_name=w.name, activity_name=w.activity or "")
        for w in workers.values()
    ]
    warnings: list[Finding] = []
    for workflow in spec.workflows:
        findings = lint_workflow(
            workflow_configuration(workflow, {}),
            queues=queues,
            samples=Samples(workers=contexts),
            reservation_timeout=workflow.task_reservation_timeout,
        )
        for finding in findings:
            located = Finding(
                finding.severity,
                f"workflows {workflow.name!r} {finding.location}",
                finding.message,
                finding.fix,
            )
            if finding.severity == ERROR:
                raise UsageError(
                    f"{source}: {located.location}: {located.message}", hint=located.fix
                )
            warnings.append(located)
    return warnings
