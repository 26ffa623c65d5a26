"""Static findings on a workflow configuration and the queues it names (pure): what makes tasks
silently not route, each with a severity, where it is and a one-line fix.

The inputs are plain data: the configuration JSON, the queues by the reference the
configuration uses (SID, or a name in a workspace file), the workers' contexts and a sample of
recent tasks' attributes. `trctl workflows lint` and `trctl workspace apply` both call
`lint_workflow`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from trctl.documents import loads_json
from trctl.expr import Expression, ExpressionError, parse
from trctl.expr.evaluate import ARRAY, STRING, kind_of
from trctl.expr.explain import constant_value, kind_name, show
from trctl.expr.nodes import And, Compare, Key, Node, Or
from trctl.workflow.config import ConfigurationError, WorkflowConfig, parse_workflow_config

ERROR = "error"
WARNING = "warning"
DEFAULT_TASK_TTL = 86_400  # TaskRouter's default task Timeout, in seconds
# operator -> (the operand that must be a key of this kind, the kind, its name)
_NEEDS = {
    "HAS": ("left", ARRAY, "a list"),
    "IN": ("right", ARRAY, "a list"),
    "NOT IN": ("right", ARRAY, "a list"),
    "CONTAINS": ("left", STRING, "a string"),
}


@dataclass(frozen=True)
class Finding:
    severity: str
    location: str
    message: str
    fix: str

    def as_json(self) -> dict[str, str]:
        return asdict(self)


@dataclass(frozen=True)
class QueueFacts:
    """A queue as lint sees it: its name and worker expression."""

    name: str
    target_workers: str


@dataclass(frozen=True)
class Samples:
    """What the live data says: worker contexts (attributes plus sid, friendly_name,
    activity_name...), recent tasks' attributes and their TTLs (Timeout)."""

    workers: Sequence[Mapping[str, Any]] = ()
    tasks: Sequence[Mapping[str, Any]] = ()
    task_ttls: Sequence[int] = ()
    workers_known: bool = True  # False: no worker list (a file checked offline)


def lint_workflow(
    configuration: str | Mapping[str, Any],
    *,
    queues: Mapping[str, QueueFacts],
    samples: Samples,
    reservation_timeout: int = 120,
) -> list[Finding]:
    """Every finding, errors first; an empty list is a clean workflow."""
    text = configuration if isinstance(configuration, str) else json.dumps(configuration)
    findings = list(_expression_errors(text))
    if findings:
        return findings
    try:
        config = parse_workflow_config(text, queue_exists=queues.__contains__)
    except ConfigurationError as exc:
        return [Finding(ERROR, exc.path or "configuration", exc.message, _config_fix(exc))]
    linter = _Linter(config, queues, samples, reservation_timeout)
    found = linter.run()
    return sorted(found, key=lambda f: f.severity != ERROR)


# -- expressions that do not parse (a hyphenated key above all) --------------------------------
def _expression_errors(text: str) -> Iterator[Finding]:
    """Each expression of the raw JSON that trctl.expr cannot parse, with its location."""
    try:
        document = loads_json(text)
    except ValueError:
        return
    routing = document.get("task_routing") if isinstance(document, dict) else None
    filters = routing.get("filters") if isinstance(routing, dict) else None
    for index, item in enumerate(filters if isinstance(filters, list) else []):
        if not isinstance(item, dict):
            continue
        where = _filter_location(index, item.get("filter_friendly_name"))
        yield from _unparsable(item.get("expression"), where)
        targets = item.get("targets")
        for number, target in enumerate(targets if isinstance(targets, list) else []):
            if isinstance(target, dict):
                yield from _unparsable(target.get("expression"), f"{where} targets[{number}]")


def _unparsable(expression: Any, where: str) -> Iterator[Finding]:
    if not isinstance(expression, str) or not expression.strip():
        return
    try:
        parse(expression)
    except ExpressionError as exc:
        if "hyphen" in exc.message:
            key = _hyphenated_word(expression, exc.position)
            yield Finding(
                ERROR,
                where,
                f"hyphenated key {key!r}: TaskRouter reads it as {key.replace('-', ' - ')!r}, "
                f"a subtraction, so the expression never matches",
                f"rename the attribute {key.replace('-', '_')!r} (in the tasks or workers and "
                "here); keys may hold letters, digits and _",
            )
            return
        yield Finding(
            ERROR, where, f"the expression does not parse: {exc}: {exc.marked()}", "fix the syntax"
        )


def _hyphenated_word(text: str, position: int) -> str:
    start = position
    while start > 0 and (text[start - 1].isalnum() or text[start - 1] in "_.-"):
        start -= 1
    end = position
    while end < len(text) and (text[end].isalnum() or text[end] in "_.-"):
        end += 1
    return text[start:end]


def _config_fix(exc: ConfigurationError) -> str:
    if "does not exist" in exc.message:
        return "create the queue or name an existing one"
    return "see `trctl workflows create --help` for the configuration's shape"


def _filter_location(index: int, name: Any) -> str:
    return f"filters[{index}] {name!r}" if name else f"filters[{index}]"


# -- checks on a parsed configuration ---------------------------------------------------------
class _Linter:
    def __init__(
        self,
        config: WorkflowConfig,
        queues: Mapping[str, QueueFacts],
        samples: Samples,
        reservation_timeout: int,
    ) -> None:
        self.config = config
        self.queues = queues
        self.samples = samples
        self.reservation_timeout = reservation_timeout
        self.findings: list[Finding] = []

    def add(self, severity: str, location: str, message: str, fix: str) -> None:
        self.findings.append(Finding(severity, location, message, fix))

    def run(self) -> list[Finding]:
        self.shadowed_filters()
        self.targets()
        if self.config.default_filter is None:
            self.add(
                WARNING,
                "task_routing",
                "no default_filter: a task that matches no filter is canceled",
                "add a default_filter naming a queue for the rest",
            )
        self.queues_without_workers()
        self.value_kinds()
        self.hyphenated_attributes()
        return self.findings

    def location(self, index: int) -> str:
        return _filter_location(index, self.config.filters[index].name)

    def shadowed_filters(self) -> None:
        filters = self.config.filters
        for later in range(len(filters)):
            for earlier in range(later):
                first = filters[earlier].expression
                if constant_value(first.tree) is True:
                    why = f"{self.location(earlier)} ({first}) always matches first"
                elif implies(filters[later].expression.tree, first.tree):
                    why = f"every task it matches is matched first by {self.location(earlier)}"
                else:
                    continue
                self.add(
                    ERROR,
                    self.location(later),
                    f"no task can reach this filter: {why}",
                    f"move it above {self.location(earlier)}, or narrow that filter",
                )
                break

    def targets(self) -> None:
        ttl = max(self.samples.task_ttls, default=DEFAULT_TASK_TTL)
        ttl_source = "the sampled tasks' Timeout" if self.samples.task_ttls else "the default"
        for index, item in enumerate(self.config.filters):
            where = self.location(index)
            last = len(item.targets) - 1
            for number, target in enumerate(item.targets):
                at = f"{where} targets[{number}]"
                if target.timeout is None and number < last:
                    self.add(
                        ERROR,
                        at,
                        f"no timeout before the last target: targets[{number + 1}..{last}] "
                        "are never reached",
                        f"give targets[{number}] a timeout (seconds)",
                    )
                if target.timeout is None:
                    continue
                if target.timeout >= ttl:
                    self.add(
                        WARNING,
                        at,
                        f"timeout {target.timeout}s is not shorter than the task TTL ({ttl}s, "
                        f"{ttl_source}): tasks expire before moving on",
                        "lower the timeout, or create tasks with a longer Timeout",
                    )
                if self.reservation_timeout > target.timeout:
                    self.add(
                        WARNING,
                        at,
                        f"the workflow's task_reservation_timeout ({self.reservation_timeout}s) "
                        f"is longer than this target's timeout ({target.timeout}s): one "
                        "unanswered reservation outlasts the whole step",
                        "lower task_reservation_timeout below the target timeout",
                    )

    def referenced(self) -> list[str]:
        seen: list[str] = []
        steps = [t for f in self.config.filters for t in f.targets]
        if self.config.default_filter is not None:
            steps.append(self.config.default_filter)
        for target in steps:
            if target.queue_sid not in seen:
                seen.append(target.queue_sid)
        return seen

    def queues_without_workers(self) -> None:
        if not self.samples.workers_known:
            return
        for reference in self.referenced():
            queue = self.queues[reference]
            where = f"queue {queue.name!r}"
            try:
                expression = parse(queue.target_workers or "1==1")
            except ExpressionError as exc:
                self.add(ERROR, where, f"target_workers does not parse: {exc}", "fix the syntax")
                continue
            if not any(expression.evaluate(w) for w in self.samples.workers):
                count = len(self.samples.workers)
                self.add(
                    WARNING,
                    where,
                    f"its worker expression ({expression}) matches none of the {count} "
                    "workers: tasks routed here wait until they time out",
                    "fix target_workers, or give some workers the attributes it needs",
                )
            self.kinds_in(expression, where, self.samples.workers, "workers")

    def value_kinds(self) -> None:
        tasks, workers = self.samples.tasks, self.samples.workers
        for index, item in enumerate(self.config.filters):
            where = self.location(index)
            self.kinds_in(item.expression, where, tasks, "recent tasks")
            for number, target in enumerate(item.targets):
                if target.expression is None:
                    continue
                at = f"{where} targets[{number}]"
                self.kinds_in(target.expression, at, [{"task": t} for t in tasks], "recent tasks")
                worker_contexts = [{"worker": w} for w in workers]
                self.kinds_in(target.expression, at, worker_contexts, "workers")

    def kinds_in(
        self, expression: Expression, where: str, contexts: Sequence[Mapping[str, Any]], what: str
    ) -> None:
        """HAS / IN / CONTAINS on a key whose sampled values are never the kind it needs."""
        for compare in comparisons(expression.tree):
            need = _NEEDS.get(compare.op)
            if need is None:
                continue
            side, kind, kind_text = need
            key = compare.left if side == "left" else compare.right
            if not isinstance(key, Key):
                continue
            seen = [(c, v) for c in contexts if (v := _value(key, c)) is not None]
            wrong = [(c, v) for c, v in seen if kind_of(v) != kind]
            if not wrong:
                continue
            kinds = " or ".join(sorted({kind_name(v) for _, v in wrong}))
            examples = ", ".join(_example(c, v) for c, v in wrong[:3])
            every = len(wrong) == len(seen)
            self.add(
                ERROR if every else WARNING,
                where,
                f"{compare}: {key} is {kinds} in {len(wrong)} of the {len(seen)} {what} that "
                f"have it ({examples}); {compare.op} needs {kind_text} there, so it never "
                f"matches {'any of them' if every else 'those'}",
                _kind_fix(compare, key),
            )

    def hyphenated_attributes(self) -> None:
        for what, rows in (("recent tasks", self.samples.tasks), ("workers", self.samples.workers)):
            counts: dict[str, int] = {}
            for row in rows:
                for key in _hyphenated_keys(row):
                    counts[key] = counts.get(key, 0) + 1
            for key, count in sorted(counts.items()):
                self.add(
                    WARNING,
                    f"attributes of {what}",
                    f"{count} of {len(rows)} {what} have the hyphenated key {key!r}, which no "
                    f"expression can read (TaskRouter reads {key.replace('-', ' - ')!r})",
                    f"rename the attribute {key.replace('-', '_')!r}",
                )


def _kind_fix(compare: Compare, key: Key) -> str:
    if compare.op == "HAS":
        return f"store {key} as a list, or compare with {key} == {compare.right}"
    if compare.op in ("IN", "NOT IN"):
        return f"store {key} as a list, or compare with =="
    return f"use HAS to look in a list: {key} HAS {compare.right}"


def _example(context: Mapping[str, Any], value: Any) -> str:
    """`Carla: "es"` for a worker, just the value for a task."""
    worker = context.get("worker") if isinstance(context.get("worker"), Mapping) else context
    name = worker.get("friendly_name")
    return f"{name}: {show(value)}" if isinstance(name, str) else show(value)


def _value(key: Key, context: Mapping[str, Any]) -> Any:
    value: Any = context
    for segment in key.path:
        if isinstance(segment, str):
            value = value.get(segment) if isinstance(value, Mapping) else None
        elif isinstance(value, list) and segment < len(value):
            value = value[segment]
        else:
            return None
    return value


def _hyphenated_keys(row: Mapping[str, Any], prefix: str = "") -> Iterator[str]:
    for key, value in row.items():
        if not isinstance(key, str):
            continue
        dotted = f"{prefix}{key}"
        if "-" in key:
            yield dotted
        if isinstance(value, Mapping):
            yield from _hyphenated_keys(value, dotted + ".")


def comparisons(node: Node) -> Iterator[Compare]:
    if isinstance(node, Compare):
        yield node
        return
    for term in node.terms:
        yield from comparisons(term)


# -- implication, syntactically: enough to see `a == 1 AND b == 2` inside `a == 1` -------------
def _disjuncts(node: Node) -> tuple[Node, ...]:
    return node.terms if isinstance(node, Or) else (node,)


def _conjuncts(node: Node) -> frozenset[str]:
    terms = node.terms if isinstance(node, And) else (node,)
    return frozenset(str(term) for term in terms)


def implies(stronger: Node, weaker: Node) -> bool:
    """True when every context `stronger` matches is matched by `weaker`, as far as the shapes
    show it: each alternative of `stronger` contains all the conditions of one of `weaker`'s."""
    options = [_conjuncts(term) for term in _disjuncts(weaker)]
    return all(
        any(option <= _conjuncts(term) for option in options) for term in _disjuncts(stronger)
    )
