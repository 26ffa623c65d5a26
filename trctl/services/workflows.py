"""Workflows: list, create and update, with the routing configuration checked locally first."""

from __future__ import annotations

import json
from typing import Any

from trctl.errors import NotFoundError, UsageError
from trctl.services.attributes import load_json_document
from trctl.services.checks import check_expression
from trctl.services.resolve import QUEUE, WORKFLOW, Resolver, find

MAX_CONFIGURATION_BYTES = 1_000_000
MAX_RESERVATION_TIMEOUT = 86_400
TARGET_PREFIXES = ("task.", "worker.")


class ConfigChecker:
    """Walks a workflow configuration: shape, expressions, and queue references (names -> SIDs).

    Queue names and SIDs are checked against one listing of the workspace's queues.
    """

    def __init__(self, resolver: Resolver, source: str) -> None:
        self.resolver = resolver
        self.source = source

    def fail(self, where: str, message: str) -> UsageError:
        return UsageError(f"{self.source}: {where}: {message}")

    def check(self, config: Any) -> dict[str, Any]:
        if not isinstance(config, dict):
            raise self.fail("top level", "must be a JSON object")
        routing = config.get("task_routing")
        if not isinstance(routing, dict):
            raise self.fail("task_routing", "missing, or not an object")
        filters = routing.get("filters", [])
        if not isinstance(filters, list):
            raise self.fail("task_routing.filters", "must be a list")
        if not filters and "default_filter" not in routing:
            raise self.fail("task_routing", "needs filters or a default_filter")
        for index, routing_filter in enumerate(filters):
            self.check_filter(routing_filter, f"task_routing.filters[{index}]")
        if "default_filter" in routing:
            default = routing["default_filter"]
            if not isinstance(default, dict) or "queue" not in default:
                raise self.fail("task_routing.default_filter", "must be an object with a queue")
            default["queue"] = self.queue_sid(default["queue"], "task_routing.default_filter.queue")
        return config

    def check_filter(self, routing_filter: Any, where: str) -> None:
        if not isinstance(routing_filter, dict):
            raise self.fail(where, "must be an object")
        expression = routing_filter.get("expression")
        if not isinstance(expression, str):
            raise self.fail(f"{where}.expression", "missing, or not a string")
        check_expression(expression, f"{self.source}: {where}.expression")
        targets = routing_filter.get("targets")
        if not isinstance(targets, list) or not targets:
            raise self.fail(f"{where}.targets", "must be a non-empty list")
        for index, target in enumerate(targets):
            self.check_target(target, f"{where}.targets[{index}]", first=index == 0)

    def check_target(self, target: Any, where: str, *, first: bool) -> None:
        if not isinstance(target, dict):
            raise self.fail(where, "must be an object")
        if "queue" in target:
            target["queue"] = self.queue_sid(target["queue"], f"{where}.queue")
        elif first:
            raise self.fail(where, "the first target of a filter must name a queue")
        if "expression" in target:
            self.check_target_expression(target["expression"], f"{where}.expression")
        if "skip_if" in target:
            self.check_text_expression(target["skip_if"], f"{where}.skip_if")
        for field in ("priority", "timeout"):
            if field in target:
                self.check_number(target[field], f"{where}.{field}", positive=field == "timeout")

    def check_text_expression(self, value: Any, where: str) -> None:
        if not isinstance(value, str):
            raise self.fail(where, "must be a string")
        check_expression(value, f"{self.source}: {where}")

    def check_target_expression(self, value: Any, where: str) -> None:
        self.check_text_expression(value, where)
        from trctl.expr import parse

        referenced = parse(value).keys()
        unprefixed = sorted(k for k in referenced if not k.startswith(TARGET_PREFIXES))
        if unprefixed:
            raise self.fail(where, f"keys need a task. or worker. prefix: {', '.join(unprefixed)}")

    def check_number(self, value: Any, where: str, *, positive: bool) -> None:
        if isinstance(value, bool):
            raise self.fail(where, "must be a number")
        try:
            number = int(value)
        except (TypeError, ValueError):
            raise self.fail(where, f"must be a whole number, not {value!r}") from None
        if number < 0 or (positive and number == 0):
            raise self.fail(where, "must be positive" if positive else "must not be negative")

    def queue_sid(self, value: Any, where: str) -> str:
        if not isinstance(value, str) or not value.strip():
            raise self.fail(where, "must be a queue SID or name")
        try:
            return str(find(QUEUE, self.resolver.records(QUEUE), value)["sid"])
        except (UsageError, NotFoundError) as exc:
            raise type(exc)(f"{self.source}: {where}: {exc.message}", hint=exc.hint) from None


def load_configuration(resolver: Resolver, file_name: str) -> str:
    """Read, check and normalise a configuration file; returns the JSON string to send."""
    config = load_json_document(f"@{file_name}", option="--config")
    checked = ConfigChecker(resolver, f"--config {file_name}").check(config)
    text = json.dumps(checked, separators=(",", ":"), ensure_ascii=False)
    if len(text.encode()) > MAX_CONFIGURATION_BYTES:
        raise UsageError(f"--config {file_name}: larger than TaskRouter's 1 MB limit")
    return text


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
