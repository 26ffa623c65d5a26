"""A simulated contact centre's script: its workers (how many, what they are like, how fast they
answer, how long they talk), its tasks (how many, what they look like) and its day, from a TOML
or JSON file and the command line, checked with errors that name the key."""

from __future__ import annotations

import json
import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from trctl.errors import UsageError
from trctl.services.durations import parse_duration

MAX_WORKERS = 15_000  # TaskRouter's registered workers per workspace
MAX_TASKS = 500_000  # tasks in any state per workspace
MAX_ATTRIBUTES_CHARS = 4096


@dataclass(frozen=True)
class Spread:
    """A duration drawn at random: fixed, uniform between two, or lognormal of a mean and a
    standard deviation (handling times: most are short, a few are long)."""

    low: float
    high: float | None = None
    mean: float | None = None
    sd: float | None = None

    def draw(self, rng: random.Random) -> float:
        if self.mean is not None and self.sd:
            sigma2 = math.log(1 + (self.sd / self.mean) ** 2)
            return rng.lognormvariate(math.log(self.mean) - sigma2 / 2, math.sqrt(sigma2))
        if self.high is not None:
            return rng.uniform(self.low, self.high)
        return self.low

    @property
    def average(self) -> float:
        if self.mean is not None:
            return self.mean
        return (self.low + self.high) / 2 if self.high is not None else self.low


@dataclass(frozen=True)
class Example:
    """A weighted example: attributes (and, for tasks, a priority) drawn in proportion."""

    weight: float
    attributes: Mapping[str, Any]
    priority: int | None = None


@dataclass
class Scenario:
    """The script of one simulated day."""

    duration: float = 8 * 3600.0
    workers: int = 50
    tasks: int = 5000
    name_prefix: str = "sim"
    available_activity: str | None = None  # default: the workspace's first available one
    offline_activity: str | None = None  # default: its default activity, if unavailable
    accept_after: Spread = field(default_factory=lambda: Spread(2.0, 10.0))
    reject_share: float = 0.05
    handle_time: Spread = field(default_factory=lambda: Spread(0, mean=240.0, sd=120.0))
    wrap_up: Spread = field(default_factory=lambda: Spread(10.0, 40.0))
    back_after: Spread = field(default_factory=lambda: Spread(30.0))  # after a missed reservation
    worker_examples: list[Example] = field(default_factory=lambda: [Example(1, {})])
    task_examples: list[Example] = field(default_factory=lambda: [Example(1, {})])
    workflow: str | None = None

    def check(self) -> Scenario:
        if not 1 <= self.workers <= MAX_WORKERS:
            raise UsageError(f"workers must be from 1 to {MAX_WORKERS} (TaskRouter's limit)")
        if not 0 <= self.tasks <= MAX_TASKS:
            raise UsageError(f"tasks must be from 0 to {MAX_TASKS} (TaskRouter's limit)")
        if not self.duration > 0:
            raise UsageError("the duration must be longer than 0 s")
        return self


def pick(examples: Sequence[Example], rng: random.Random) -> Example:
    return rng.choices(list(examples), weights=[e.weight for e in examples])[0]


def load_scenario(path: str | None) -> Scenario:
    """The scenario of a file (TOML, or JSON), else the defaults: 50 workers, 5,000 tasks,
    an 8-hour day."""
    if path is None:
        return Scenario()
    from trctl.services.workspace_read import parse_text

    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(
            f"{path}: cannot read it ({getattr(exc, 'strerror', None) or exc})"
        ) from exc
    return scenario_from(parse_text(text, source=path), source=path)


def scenario_from(data: Mapping[str, Any], *, source: str = "scenario") -> Scenario:
    """Read the tables `[day]`, `[workers]` (with `[[workers.examples]]`) and `[tasks]` (with
    `[[tasks.examples]]`); unknown keys are errors (a typo must not pass unnoticed)."""
    _known(data, ("day", "workers", "tasks"), source, "the top level")
    day = _table(data, "day", source)
    workers = _table(data, "workers", source)
    tasks = _table(data, "tasks", source)
    _known(day, ("duration", "workflow"), source, "[day]")
    _known(workers, ("count", "name_prefix", "available_activity", "offline_activity",
                     "accept_after", "reject_share", "handle_time", "wrap_up", "back_after",
                     "examples"), source, "[workers]")  # fmt: skip
    _known(tasks, ("count", "examples"), source, "[tasks]")
    scenario = Scenario()
    where = f"{source}: [day]"
    if "duration" in day:
        scenario.duration = parse_duration(str(day["duration"]), what=f"{where} duration")
    scenario.workflow = _text(day, "workflow", where, None)
    where = f"{source}: [workers]"
    scenario.workers = _count(workers, "count", where, scenario.workers)
    scenario.name_prefix = _text(workers, "name_prefix", where, scenario.name_prefix) or "sim"
    scenario.available_activity = _text(workers, "available_activity", where, None)
    scenario.offline_activity = _text(workers, "offline_activity", where, None)
    for key in ("accept_after", "handle_time", "wrap_up", "back_after"):
        if key in workers:
            setattr(scenario, key, spread(workers[key], f"{where} {key}"))
    if "reject_share" in workers:
        scenario.reject_share = _fraction(workers["reject_share"], f"{where} reject_share")
    if "examples" in workers:
        scenario.worker_examples = examples(workers["examples"], f"{source}: [[workers.examples]]")
    where = f"{source}: [tasks]"
    scenario.tasks = _count(tasks, "count", where, scenario.tasks)
    if "examples" in tasks:
        scenario.task_examples = examples(
            tasks["examples"], f"{source}: [[tasks.examples]]", priority=True
        )
    return scenario.check()


def spread(value: Any, where: str) -> Spread:
    """`"30s"`, `["2s", "10s"]` (uniform) or `{mean = "4m", sd = "2m"}` (lognormal)."""
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        return Spread(parse_duration(str(value), what=where))
    if isinstance(value, list) and len(value) == 2:
        low, high = (parse_duration(str(v), what=where) for v in value)
        if low > high:
            raise UsageError(f"{where}: the range {value!r} runs backwards")
        return Spread(low, high)
    if isinstance(value, Mapping) and set(value) == {"mean", "sd"}:
        mean = parse_duration(str(value["mean"]), what=f"{where} mean")
        sd = parse_duration(str(value["sd"]), what=f"{where} sd")
        if mean <= 0:
            raise UsageError(f"{where}: the mean must be longer than 0 s")
        return Spread(0, mean=mean, sd=sd)
    raise UsageError(f'{where}: give a duration ("30s"), a range (["2s", "10s"]) or '
                     '{mean = "4m", sd = "2m"}')  # fmt: skip


def examples(value: Any, where: str, *, priority: bool = False) -> list[Example]:
    """Weighted examples: a list of tables {weight, attributes[, priority]}."""
    if not isinstance(value, list) or not value:
        raise UsageError(f"{where}: give at least one example table")
    found = []
    for number, item in enumerate(value, 1):
        here = f"{where} {number}"
        if not isinstance(item, Mapping):
            raise UsageError(f"{here}: expected a table")
        _known(item, ("weight", "attributes", *(("priority",) if priority else ())), "", here)
        weight = item.get("weight", 1)
        if isinstance(weight, bool) or not isinstance(weight, (int, float)) or not weight > 0:
            raise UsageError(f"{here}: weight must be a positive number, not {weight!r}")
        attributes = item.get("attributes", {})
        if not isinstance(attributes, Mapping):
            raise UsageError(f"{here}: attributes must be a table")
        if len(json.dumps(attributes)) > MAX_ATTRIBUTES_CHARS:
            raise UsageError(f"{here}: attributes longer than {MAX_ATTRIBUTES_CHARS} characters")
        level = item.get("priority")
        if level is not None and (isinstance(level, bool) or not isinstance(level, int)
                                  or not 0 <= level < 2**31):  # fmt: skip
            raise UsageError(f"{here}: priority must be a whole number from 0, not {level!r}")
        found.append(Example(float(weight), dict(attributes), level))
    return found


def _known(data: Mapping[str, Any], keys: Sequence[str], source: str, where: str) -> None:
    unknown = [key for key in data if key not in keys]
    if unknown:
        prefix = f"{source}: " if source else ""
        raise UsageError(f"{prefix}{where}: unknown key {unknown[0]!r} (known: {', '.join(keys)})")


def _table(data: Mapping[str, Any], key: str, source: str) -> Mapping[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, Mapping):
        raise UsageError(f"{source}: [{key}] must be a table")
    return value


def _text(data: Mapping[str, Any], key: str, where: str, default: str | None) -> str | None:
    value = data.get(key, default)
    if value is not None and not isinstance(value, str):
        raise UsageError(f"{where}: {key} must be text, not {value!r}")
    return value


def _count(data: Mapping[str, Any], key: str, where: str, default: int) -> int:
    value = data.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise UsageError(f"{where}: {key} must be a whole number, not {value!r}")
    return value


def _fraction(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
        raise UsageError(f"{where} must be a number from 0 to 1, not {value!r}")
    return float(value)
