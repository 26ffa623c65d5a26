"""Workflows: list, create and update, with the routing configuration checked locally first."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from typing import Any

from trctl.errors import NotFoundError, UsageError
from trctl.services.attributes import load_json_document
from trctl.services.listing import Listing, Streamed, read_list
from trctl.services.resolve import QUEUE, WORKFLOW, Resolver, find

MAX_RESERVATION_TIMEOUT = 86_400


def list_workflows(resolver: Resolver, *, limit: int | None = None) -> Listing | Streamed:
    """The newest `limit` workflows (every page read), or every one, Streamed."""
    return read_list(resolver.api, resolver.path(WORKFLOW), None, limit=limit, noun="workflows")


class ConfigChecker:
    """A workflow configuration checked before any request: queue names (or SIDs) become SIDs
    through `queue_sid`, then trctl.workflow's parser, the one the emulator uses, checks the rest.
    """

    def __init__(self, queue_sid: Callable[[str], str], source: str) -> None:
        self.queue_sid = queue_sid
        self.source = source

    def check(self, config: Any) -> str:
        """The configuration JSON to send (queues as SIDs); a UsageError names the JSON path."""
        from trctl.workflow.config import ConfigurationError, parse_workflow_config

        config = copy.deepcopy(config)
        resolved: set[str] = set()
        for where, target in _targets_naming_a_queue(config):
            target["queue"] = self.resolve(target["queue"], f"{where}.queue")
            resolved.add(target["queue"])
        text = json.dumps(config, separators=(",", ":"), ensure_ascii=False)
        try:
            parse_workflow_config(text, queue_exists=resolved.__contains__)
        except ConfigurationError as error:
            raise UsageError(f"{self.source}: {error}") from None
        return text

    def resolve(self, value: Any, where: str) -> str:
        if not isinstance(value, str) or not value.strip():
            raise UsageError(f"{self.source}: {where}: must be a queue SID or name")
        try:
            return self.queue_sid(value)
        except (UsageError, NotFoundError) as exc:
            raise type(exc)(f"{self.source}: {where}: {exc.message}", hint=exc.hint) from None


def _targets_naming_a_queue(config: Any) -> Iterator[tuple[str, dict[str, Any]]]:
    """(JSON path, target) for each target with a queue; a wrong shape is the parser's to report."""
    routing = config.get("task_routing") if isinstance(config, dict) else None
    if not isinstance(routing, dict):
        return
    filters = routing.get("filters")
    for filter_index, item in enumerate(filters if isinstance(filters, list) else []):
        targets = item.get("targets") if isinstance(item, dict) else None
        for index, target in enumerate(targets if isinstance(targets, list) else []):
            if isinstance(target, dict) and target.get("queue") is not None:
                yield f"task_routing.filters[{filter_index}].targets[{index}]", target
    default = routing.get("default_filter")
    if isinstance(default, dict) and default.get("queue") is not None:
        yield "task_routing.default_filter", default


def load_configuration(resolver: Resolver, file_name: str) -> str:
    """Read, check and normalise a configuration file; returns the JSON string to send."""
    config = load_json_document(f"@{file_name}", option="--config")
    return ConfigChecker(queue_lookup(resolver), f"--config {file_name}").check(config)


def queue_lookup(resolver: Resolver) -> Callable[[str], str]:
    """Queue name or SID -> SID, against one listing of the workspace's queues."""
    return lambda name_or_sid: str(find(QUEUE, resolver.records(QUEUE), name_or_sid)["sid"])


def check_timeout(timeout: int | None) -> None:
    if timeout is not None and not 1 <= timeout <= MAX_RESERVATION_TIMEOUT:
        raise UsageError(f"--timeout must be between 1 and {MAX_RESERVATION_TIMEOUT} seconds")


def workflow_params(
    resolver: Resolver,
    *,
    name: str | None = None,
    config_file: str | None = None,
    assignment_callback_url: str | None = None,
    fallback_url: str | None = None,
    timeout: int | None = None,
    re_evaluate_tasks: bool | None = None,
) -> dict[str, Any]:
    """Form parameters for create/update; the configuration file is checked locally first."""
    check_timeout(timeout)
    return {
        "FriendlyName": name,
        "Configuration": load_configuration(resolver, config_file) if config_file else None,
        "AssignmentCallbackUrl": assignment_callback_url,
        "FallbackAssignmentCallbackUrl": fallback_url,
        "TaskReservationTimeout": timeout,
        "ReEvaluateTasks": re_evaluate_tasks,
    }


def create_workflow(
    resolver: Resolver, name: str, *, config_file: str, **options: Any
) -> dict[str, Any]:
    data = workflow_params(resolver, name=name, config_file=config_file, **options)
    return resolver.api.create(resolver.path(WORKFLOW), data)


def update_workflow(resolver: Resolver, workflow: str, **options: Any) -> dict[str, Any]:
    """Update a workflow (name or SID); --re-evaluate-tasks alone is an update too."""
    data = workflow_params(resolver, **options)
    if all(v is None for v in data.values()):
        raise UsageError("nothing to update", hint="see `trctl workflows update --help`")
    sid = resolver.sid(WORKFLOW, workflow)
    return resolver.api.update(resolver.path(WORKFLOW, sid), data)
