"""`trctl workflows lint`: a live workflow (or a configuration file) checked with
trctl.workflow.lint against the workspace's queues, its workers and a sample of recent tasks,
read with plain GETs only."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from trctl.errors import NotFoundError, UsageError
from trctl.services.attributes import load_json_document
from trctl.services.resolve import QUEUE, TASK, WORKER, Resolver, find
from trctl.workflow.lint import Finding, QueueFacts, Samples, lint_workflow
from trctl.workflow.matching import context_of

DEFAULT_SAMPLE = 50


def worker_contexts(workers: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What a queue's TargetWorkers sees for each worker record."""
    contexts = []
    for record in workers:
        attributes = record.get("attributes")
        contexts.append(
            context_of(
                attributes if isinstance(attributes, dict) else {},
                sid=record.get("sid"),
                friendly_name=record.get("friendly_name"),
                activity_sid=record.get("activity_sid"),
                activity_name=record.get("activity_name"),
            )
        )
    return contexts


def read_samples(resolver: Resolver, sample: int) -> Samples:
    """Every worker and the newest `sample` tasks, with their attributes (a list answer leaves
    them null: one fetch each, a few at a time)."""
    from trctl.services.listed import fill_attributes

    workers = resolver.records_with_attributes(WORKER)
    tasks = (
        resolver.api.list(resolver.path(TASK), {"Ordering": "DateCreated:desc"}, limit=sample)
        if sample
        else []
    )
    fill_attributes(resolver.api, tasks, lambda task: resolver.path(TASK, task["sid"]))
    return Samples(
        workers=worker_contexts(workers),
        tasks=[t["attributes"] for t in tasks if isinstance(t.get("attributes"), dict)],
        task_ttls=[int(t["timeout"]) for t in tasks if isinstance(t.get("timeout"), int)],
    )


def queue_facts(resolver: Resolver) -> dict[str, QueueFacts]:
    return {
        str(q["sid"]): QueueFacts(
            str(q.get("friendly_name") or q["sid"]), q.get("target_workers") or "1==1"
        )
        for q in resolver.records(QUEUE)
    }


def lint_live(
    resolver: Resolver, workflow: str | None, *, sample: int
) -> tuple[dict, list[Finding]]:
    """The workflow (by name or SID, else the configured or only one) and its findings."""
    record = resolver.workflow(workflow)
    findings = lint_workflow(
        record.get("configuration") or "",
        queues=queue_facts(resolver),
        samples=read_samples(resolver, sample),
        reservation_timeout=int(record.get("task_reservation_timeout") or 120),
    )
    return record, findings


def lint_file(
    resolver: Resolver, file_name: str, *, sample: int, reservation_timeout: int
) -> list[Finding]:
    """A configuration file whose queues may be names or SIDs (as `workflows create` takes)."""
    document = load_json_document(f"@{file_name}", option="--config")
    queues = queue_facts(resolver)
    by_reference = dict(queues)
    for facts in queues.values():
        by_reference.setdefault(facts.name, facts)
    records = resolver.records(QUEUE)
    for target in _queue_references(document):
        reference = target.get("queue")
        if isinstance(reference, str) and reference not in by_reference:
            try:
                found = find(QUEUE, records, reference)
            except (NotFoundError, UsageError):
                continue  # the linter reports the unknown queue with its JSON path
            by_reference[reference] = queues[str(found["sid"])]
    return lint_workflow(
        document,
        queues=by_reference,
        samples=read_samples(resolver, sample),
        reservation_timeout=reservation_timeout,
    )


def _queue_references(document: Any) -> list[Mapping[str, Any]]:
    routing = document.get("task_routing") if isinstance(document, dict) else None
    if not isinstance(routing, dict):
        return []
    targets = [
        target
        for item in routing.get("filters") or []
        if isinstance(item, dict)
        for target in item.get("targets") or []
        if isinstance(target, dict)
    ]
    if isinstance(routing.get("default_filter"), dict):
        targets.append(routing["default_filter"])
    return targets
