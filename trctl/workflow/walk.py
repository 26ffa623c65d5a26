"""The routing walk over a parsed workflow configuration: which filter and target come next."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from trctl.workflow.config import Target, WorkflowConfig

DEFAULT_FILTER_NAME = "Default Filter"


@dataclass(frozen=True)
class Placement:
    """Where a task is routed now: filter `filter_index` (-1 = default_filter), target index."""

    filter_index: int
    target_index: int
    target: Target
    filter_name: str

    @property
    def is_default(self) -> bool:
        return self.filter_index == -1


def effective_priority(target: Target, task_priority: int) -> int:
    """A target's priority replaces the task's; otherwise the task keeps its own."""
    return task_priority if target.priority is None else target.priority


def _placeable(
    config: WorkflowConfig,
    task_attributes: Mapping[str, Any],
    start: tuple[int, int],
    is_skipped: Callable[[Target], bool],
) -> Placement | None:
    """The first unskipped target at or after `start` (filter, target) in a matching filter."""
    first_filter, first_target = start
    for filter_index in range(first_filter, len(config.filters)):
        item = config.filters[filter_index]
        continuing = filter_index == first_filter and first_target > 0
        if not continuing and not item.expression.evaluate(task_attributes):
            continue
        for target_index in range(first_target if continuing else 0, len(item.targets)):
            target = item.targets[target_index]
            if target.skip_if is None or not is_skipped(target):
                return Placement(filter_index, target_index, target, item.name)
        first_target = 0
    return None


def first_placement(
    config: WorkflowConfig,
    task_attributes: Mapping[str, Any],
    *,
    is_skipped: Callable[[Target], bool],
) -> Placement | None:
    """Where a new (or re-evaluated) task goes; None when nothing matched and no default_filter.

    Filters are tried top to bottom; the first matching one whose targets are not all skipped
    wins. `is_skipped` is only asked about targets that have a skip_if.
    """
    placement = _placeable(config, task_attributes, (0, 0), is_skipped)
    if placement is not None:
        return placement
    if config.default_filter is not None:
        return Placement(-1, 0, config.default_filter, DEFAULT_FILTER_NAME)
    return None


def next_placement(
    config: WorkflowConfig,
    task_attributes: Mapping[str, Any],
    current: Placement,
    *,
    is_skipped: Callable[[Target], bool],
) -> Placement | None:
    """Where the task goes after `current` timed out (or was skipped); None = it falls out.

    Later targets of the same filter come first, then later filters that match. The
    default_filter is never reached this way (it is not a later filter, and has no timeout).
    """
    if current.is_default:
        return None
    start = (current.filter_index, current.target_index + 1)
    if current.target_index + 1 >= len(config.filters[current.filter_index].targets):
        start = (current.filter_index + 1, 0)
    return _placeable(config, task_attributes, start, is_skipped)
