"""The shared workflow configuration: errors name the JSON path; the filter/target walk."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from trctl.workflow.config import (
    ConfigurationError,
    Target,
    WorkflowConfig,
    parse_workflow_config,
    referenced_queues,
)
from trctl.workflow.walk import (
    DEFAULT_FILTER_NAME,
    Placement,
    effective_priority,
    first_placement,
    next_placement,
)

WQ_ES, WQ_EN, WQ_ALL, WQ_VIP = ("WQ" + c * 32 for c in "1234")
QUEUES = {WQ_ES, WQ_EN, WQ_ALL, WQ_VIP}


def config(routing: dict) -> WorkflowConfig:
    return parse_workflow_config(
        json.dumps({"task_routing": routing}), queue_exists=QUEUES.__contains__
    )


def never(_target: Target) -> bool:
    return False


QUICKSTART = {
    "filters": [
        {
            "filter_friendly_name": "Spanish",
            "expression": 'selected_language == "es"',
            "targets": [{"queue": WQ_ES}],
        },
        {
            "filter_friendly_name": "English",
            "expression": 'selected_language == "en"',
            "targets": [{"queue": WQ_EN}],
        },
    ]
}

ESCALATION = {
    "filters": [
        {
            "filter_friendly_name": "VIP",
            "expression": "vip == true",
            "targets": [
                {"queue": WQ_VIP, "timeout": 30, "priority": "10"},
                {"timeout": "60", "expression": "worker.level >= 2"},
                {"queue": WQ_ALL, "priority": 20, "skip_if": "workers.available == 0"},
            ],
        },
        {
            "filter_friendly_name": "Spanish",
            "expression": 'lang == "es"',
            "targets": [{"queue": WQ_ES, "timeout": 10}],
        },
        {"filter_friendly_name": "Anyone", "expression": "1==1", "targets": [{"queue": WQ_EN}]},
    ],
    "default_filter": {"queue": WQ_ALL},
}


# --- parsing -----------------------------------------------------------------------------------


def test_quickstart_parses() -> None:
    parsed = config(QUICKSTART)
    assert [f.name for f in parsed.filters] == ["Spanish", "English"]
    assert parsed.filters[0].targets[0].queue_sid == WQ_ES
    assert parsed.default_filter is None
    assert referenced_queues(parsed) == {WQ_ES, WQ_EN}


def test_targets_inherit_the_queue_and_numbers_may_be_strings() -> None:
    vip = config(ESCALATION).filters[0]
    assert [t.queue_sid for t in vip.targets] == [WQ_VIP, WQ_VIP, WQ_ALL]
    assert [t.priority for t in vip.targets] == [10, None, 20]
    assert [t.timeout for t in vip.targets] == [30, 60, None]
    assert vip.targets[1].expression is not None and vip.targets[2].skip_if is not None


def test_simplest_fifo_configuration() -> None:
    parsed = config({"default_filter": {"queue": WQ_ALL}})
    assert parsed.filters == () and parsed.default_filter == Target(WQ_ALL)


def test_order_by_and_known_worker() -> None:
    target = (
        config(
            {
                "filters": [
                    {
                        "expression": "1==1",
                        "targets": [
                            {
                                "queue": WQ_ALL,
                                "order_by": "worker.level DESC, worker.stats.handled asc,worker.x",
                                "known_worker_sid": "task.agent_sid",
                            }
                        ],
                    }
                ]
            }
        )
        .filters[0]
        .targets[0]
    )
    assert target.order_by == (("level", True), ("stats.handled", False), ("x", False))
    assert target.known_worker_sid == "task.agent_sid"
    assert target.known_worker_friendly_name is None


def test_default_filter_has_no_timeout_or_skip() -> None:
    parsed = config({"default_filter": {"queue": WQ_ALL, "timeout": 5, "skip_if": "1==1"}})
    assert parsed.default_filter == Target(WQ_ALL)


def test_unknown_keys_are_ignored() -> None:
    parsed = config({"default_filter": {"queue": WQ_ALL, "future": 1}, "future": []})
    assert parsed.default_filter == Target(WQ_ALL)


def target_config(**target: object) -> dict:
    return {"filters": [{"expression": "1==1", "targets": [{"queue": WQ_ALL, **target}]}]}


@pytest.mark.parametrize(
    ("routing", "error"),
    [
        ({}, "task_routing: needs at least one filter or a default_filter"),
        ({"filters": {}}, "task_routing.filters: must be a list"),
        ({"filters": [[]]}, "task_routing.filters[0]: must be a JSON object"),
        (
            {"filters": [{"targets": [{"queue": WQ_ALL}]}]},
            "task_routing.filters[0].expression: is required",
        ),
        (
            {"filters": [{"expression": "1==1", "targets": []}]},
            "task_routing.filters[0].targets: must be a non-empty list of targets",
        ),
        (
            {"filters": [{"expression": "1==1", "targets": [{"priority": 1}]}]},
            "task_routing.filters[0].targets[0].queue: is required (the first target names one)",
        ),
        (
            {"filters": [{"expression": "1==1", "targets": [{"queue": "WQnope"}]}]},
            "task_routing.filters[0].targets[0].queue: TaskQueue WQnope does not exist",
        ),
        (
            {"default_filter": {"queue": 7}},
            "task_routing.default_filter.queue: must be a TaskQueue",
        ),
        ({"default_filter": {}}, "task_routing.default_filter.queue: is required"),
        (
            {
                "filters": [
                    {"expression": "1==1", "targets": [{"queue": WQ_ALL}]},
                    {
                        "expression": "1==1",
                        "targets": [{"queue": WQ_ALL, "expression": "worker.a = 1"}],
                    },
                ]
            },
            "task_routing.filters[1].targets[0].expression: unexpected character '='",
        ),
        (
            {"filters": [{"expression": "lang ==", "targets": [{"queue": WQ_ALL}]}]},
            "task_routing.filters[0].expression: ",
        ),
        (target_config(expression="level > 2"), "key 'level' is not allowed here at position 0"),
        (target_config(expression="task == 2"), "key 'task' is not allowed here"),
        (target_config(skip_if="available == 0"), "skip_if: key 'available' is not allowed"),
        (target_config(skip_if="workers.a.b == 0"), "skip_if: key 'workers.a.b' is not allowed"),
        (target_config(order_by="level DESC"), "order_by: clause 'level DESC' is not"),
        (target_config(order_by="worker.level DOWN"), "order_by: clause 'worker.level DOWN'"),
        (target_config(order_by=3), "order_by: must be a string"),
        (target_config(timeout=0), "timeout: must be a positive whole number"),
        (target_config(timeout=-5), "timeout: must be a positive whole number"),
        (target_config(timeout="soon"), "timeout: must be a positive whole number"),
        (target_config(timeout=1.5), "timeout: must be a positive whole number"),
        (target_config(timeout=True), "timeout: must be a positive whole number"),
        (target_config(priority=-1), "priority: must be a whole number from 0 to 2147483647"),
        (target_config(priority=2**31), "priority: must be a whole number from 0 to 2147483647"),
        (
            target_config(known_worker_sid="task.a", known_worker_friendly_name="task.b"),
            "cannot both be set",
        ),
        (target_config(known_worker_sid=""), "known_worker_sid: must be a non-empty string"),
    ],
)
def test_invalid_configurations_name_the_path(routing: dict, error: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        config(routing)
    assert error in str(caught.value)
    assert str(caught.value).startswith(caught.value.path)


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("", "configuration is not valid JSON"),
        ("{", "configuration is not valid JSON"),
        ("[]", "configuration: must be a JSON object"),
        ('{"task_routing": 1}', "task_routing: must be a JSON object"),
        ('{"other": {}}', "task_routing: must be a JSON object"),
    ],
)
def test_invalid_documents(text: str, error: str) -> None:
    with pytest.raises(ConfigurationError, match=error):
        parse_workflow_config(text)


def test_size_limit_is_one_megabyte() -> None:
    padding = " " * (1024 * 1024)
    with pytest.raises(ConfigurationError, match="larger than 1 MB"):
        parse_workflow_config('{"task_routing": {"default_filter": {"queue": "WQ1"}}}' + padding)


def test_expression_error_keeps_its_position() -> None:
    with pytest.raises(ConfigurationError) as caught:
        config({"filters": [{"expression": 'lang == "es" AND', "targets": [{"queue": WQ_ES}]}]})
    assert caught.value.path == "task_routing.filters[0].expression"
    assert caught.value.message.endswith('at position 16: lang == "es" AND^')


def test_without_queue_exists_any_queue_is_accepted() -> None:
    parsed = parse_workflow_config('{"task_routing": {"default_filter": {"queue": "WQx"}}}')
    assert parsed.default_filter == Target("WQx")


# --- the walk ------------------------------------------------------------------------------------


def where(placement: Placement | None) -> tuple[int, int] | None:
    return None if placement is None else (placement.filter_index, placement.target_index)


@pytest.mark.parametrize(
    ("attributes", "expected"),
    [
        ({"selected_language": "es"}, (0, 0)),
        ({"selected_language": "en"}, (1, 0)),
        ({"selected_language": "fr"}, None),
        ({}, None),
    ],
)
def test_first_matching_filter_wins(attributes: dict, expected) -> None:
    assert where(first_placement(config(QUICKSTART), attributes, is_skipped=never)) == expected


def test_first_match_only_even_when_later_filters_match_too() -> None:
    placement = first_placement(config(ESCALATION), {"vip": True, "lang": "es"}, is_skipped=never)
    assert (where(placement), placement.filter_name, placement.target.queue_sid) == (
        (0, 0),
        "VIP",
        WQ_VIP,
    )


def test_default_filter_only_when_nothing_matched() -> None:
    routing = {**QUICKSTART, "default_filter": {"queue": WQ_ALL}}
    matched = first_placement(config(routing), {"selected_language": "en"}, is_skipped=never)
    assert where(matched) == (1, 0)
    unmatched = first_placement(config(routing), {"selected_language": "fr"}, is_skipped=never)
    assert where(unmatched) == (-1, 0)
    assert unmatched.is_default and unmatched.filter_name == DEFAULT_FILTER_NAME
    assert unmatched.target.queue_sid == WQ_ALL


def test_timeouts_walk_targets_then_later_matching_filters_then_fall_out() -> None:
    parsed = config(ESCALATION)
    task = {"vip": True, "lang": "es"}
    steps = [first_placement(parsed, task, is_skipped=never)]
    while steps[-1] is not None:
        steps.append(next_placement(parsed, task, steps[-1], is_skipped=never))
    assert [where(step) for step in steps] == [(0, 0), (0, 1), (0, 2), (1, 0), (2, 0), None]


def test_later_filters_that_do_not_match_are_passed_over() -> None:
    parsed = config({**ESCALATION, "filters": ESCALATION["filters"][:2]})
    task = {"vip": True, "lang": "fr"}
    last = Placement(0, 2, parsed.filters[0].targets[2], "VIP")
    # falling off: no later matching filter, and the default_filter is not a later filter
    assert next_placement(parsed, task, last, is_skipped=never) is None


def test_the_current_filter_is_not_re_evaluated_between_its_targets() -> None:
    parsed = config(ESCALATION)
    current = Placement(0, 0, parsed.filters[0].targets[0], "VIP")
    assert where(next_placement(parsed, {"vip": False}, current, is_skipped=never)) == (0, 1)


def test_default_filter_has_no_next_step() -> None:
    parsed = config({**ESCALATION, "filters": ESCALATION["filters"][:2]})
    default = first_placement(parsed, {}, is_skipped=never)
    assert where(default) == (-1, 0)
    assert next_placement(parsed, {}, default, is_skipped=never) is None


def skipping(*queues: str) -> Callable[[Target], bool]:
    return lambda target: target.queue_sid in queues


def test_skip_if_moves_to_the_next_target() -> None:
    routing = {
        "filters": [
            {
                "expression": "1==1",
                "targets": [
                    {"queue": WQ_VIP, "skip_if": "workers.available == 0"},
                    {"queue": WQ_ALL},
                ],
            }
        ]
    }
    parsed = config(routing)
    assert where(first_placement(parsed, {}, is_skipped=skipping(WQ_VIP))) == (0, 1)
    assert where(first_placement(parsed, {}, is_skipped=never)) == (0, 0)


def test_is_skipped_is_only_asked_about_targets_with_skip_if() -> None:
    asked: list[Target] = []

    def record(target: Target) -> bool:
        asked.append(target)
        return True

    parsed = config(ESCALATION)
    placement = first_placement(parsed, {"vip": True}, is_skipped=record)
    assert where(placement) == (0, 0)
    assert asked == []
    after = next_placement(
        parsed,
        {"vip": True},
        Placement(0, 1, parsed.filters[0].targets[1], "VIP"),
        is_skipped=record,
    )
    assert asked == [parsed.filters[0].targets[2]]
    assert where(after) == (2, 0)  # skipped the last VIP step; "Spanish" does not match


def test_a_filter_whose_targets_are_all_skipped_counts_as_not_matched() -> None:
    routing = {
        "filters": [
            {"expression": "1==1", "targets": [{"queue": WQ_VIP, "skip_if": "1==1"}]},
            {"expression": 'lang == "es"', "targets": [{"queue": WQ_ES, "skip_if": "1==1"}]},
        ],
        "default_filter": {"queue": WQ_ALL},
    }
    parsed = config(routing)
    assert where(first_placement(parsed, {"lang": "es"}, is_skipped=skipping(WQ_VIP))) == (1, 0)
    everything = skipping(WQ_VIP, WQ_ES)
    assert where(first_placement(parsed, {"lang": "es"}, is_skipped=everything)) == (-1, 0)


def test_target_priority_overrides_the_task_priority() -> None:
    vip = config(ESCALATION).filters[0]
    assert effective_priority(vip.targets[0], 3) == 10
    assert effective_priority(vip.targets[1], 3) == 3
    assert effective_priority(vip.targets[2], 3) == 20
