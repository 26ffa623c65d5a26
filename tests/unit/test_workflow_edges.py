"""Edges of trctl.workflow that mutation testing found unchecked: the 1 MB limit to the byte,
lint on odd shapes (bad JSON, non-object filters, several shadowing filters, several kinds
checks, list indexes in keys) and worker order between numbers and strings."""

from __future__ import annotations

import json

import pytest

from trctl.expr import parse
from trctl.workflow.config import ConfigurationError, Target, parse_workflow_config
from trctl.workflow.lint import ERROR, WARNING, QueueFacts, Samples, lint_workflow
from trctl.workflow.matching import TaskView, WorkerView, choose_workers, queue_sort_key
from trctl.workflow.verdicts import Capacity

ONE_MB = 1_048_576  # the documented limit, written out
QUEUES = {"English": QueueFacts("English", "1 == 1"), "Spanish": QueueFacts("Spanish", "1 == 1")}


def sized(size: int) -> str:
    """A valid configuration of exactly `size` bytes (padded inside a JSON string)."""
    empty = json.dumps({"task_routing": {"default_filter": {"queue": "WQ1"}}, "pad": ""})
    return empty[:-2] + "x" * (size - len(empty)) + '"}'


def test_a_configuration_of_exactly_one_megabyte_is_accepted() -> None:
    assert len(sized(ONE_MB)) == ONE_MB
    assert parse_workflow_config(sized(ONE_MB)).default_filter is not None
    with pytest.raises(ConfigurationError, match="larger than 1 MB"):
        parse_workflow_config(sized(ONE_MB + 1))


def target_config(**target: object) -> str:
    return json.dumps({"task_routing": {"default_filter": {"queue": "WQ1"}, "filters": [
        {"expression": "1 == 1", "targets": [{"queue": "WQ1", **target}]}]}})  # fmt: skip


def test_the_ranges_of_priority_and_timeout_include_their_ends() -> None:
    assert parse_workflow_config(target_config(priority=0)).filters[0].targets[0].priority == 0
    top = 2**31 - 1
    assert parse_workflow_config(target_config(priority=top)).filters[0].targets[0].priority == top
    assert parse_workflow_config(target_config(timeout=1)).filters[0].targets[0].timeout == 1
    with pytest.raises(ConfigurationError, match="timeout: must be a positive whole number"):
        parse_workflow_config(target_config(timeout=0))


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        (5, "targets[0].expression: must be a non-empty expression string"),
        ("", "targets[0].expression: must be a non-empty expression string"),
        ("a[0].b == 1", "targets[0].expression: key 'a.b' is not allowed here (use "
         "task.<attribute> or worker.<attribute>)"),  # the key as written is not in the text
        ("x == 1", "targets[0].expression: key 'x' is not allowed here at position 0"),
    ],
)  # fmt: skip
def test_target_expressions_must_be_non_empty_text_over_task_and_worker(
    expression: object, message: str
) -> None:
    with pytest.raises(ConfigurationError) as caught:
        parse_workflow_config(target_config(expression=expression))
    assert message in str(caught.value)


def findings(configuration: str | dict, **samples: object) -> list[tuple[str, str, str]]:
    found = lint_workflow(
        configuration,
        queues=QUEUES,
        samples=Samples(**{"workers_known": False, **samples}),  # type: ignore[arg-type]
    )
    return [(f.severity, f.location, f.message) for f in found]


def routing(*filters: object) -> dict:
    return {"task_routing": {"filters": list(filters), "default_filter": {"queue": "English"}}}


def test_a_configuration_that_is_not_json_is_one_error() -> None:
    assert findings("{not json") == [
        (ERROR, "configuration", "configuration is not valid JSON: Expecting property name "
         "enclosed in double quotes: line 1 column 2 (char 1)"),
    ]  # fmt: skip


def test_hyphens_are_found_past_a_filter_that_is_not_an_object_and_in_targets() -> None:
    second = {
        "filter_friendly_name": "Named",
        "expression": "1 == 1",
        "targets": [5, {"queue": "English", "expression": "task.first-name == worker.name"}],
    }
    [(severity, location, message)] = findings(routing(5, second))
    assert (severity, location) == (ERROR, "filters[1] 'Named' targets[1]")
    assert message.startswith("hyphenated key 'task.first-name': TaskRouter reads it as")


@pytest.mark.parametrize(
    ("expression", "key"),
    [
        ('first-name == "a"', "first-name"),
        ('x == 1 AND task.first-name == "a"', "task.first-name"),
        ("(a.b-c == 1)", "a.b-c"),
        ("first-name == 1", "first-name"),  # the text ends in a name character
        ("1 == first-name", "first-name"),  # the key ends the text
        ('x == 1 AND _a.b-c == "z"', "_a.b-c"),
    ],
)
def test_the_hyphenated_key_is_named_whole(expression: str, key: str) -> None:
    [(_, _, message)] = findings(
        routing({"expression": expression, "targets": [{"queue": "English"}]})
    )
    assert message.startswith(f"hyphenated key {key!r}:")


def test_a_filter_shadowed_twice_is_reported_once_naming_the_first() -> None:
    everyone = {
        "filter_friendly_name": "All",
        "expression": "1 == 1",
        "targets": [{"queue": "English"}],
    }
    again = {**everyone, "filter_friendly_name": "Again"}
    spanish = {
        "filter_friendly_name": "Es",
        "expression": 'lang == "es"',
        "targets": [{"queue": "Spanish"}],
    }
    shadowed = "no task can reach this filter: filters[0] 'All' (1 == 1) always matches first"
    assert [(loc, msg) for _, loc, msg in findings(routing(everyone, again, spanish))] == [
        ("filters[1] 'Again'", shadowed),
        ("filters[2] 'Es'", shadowed),
    ]


def test_a_filter_shadowed_by_a_later_catch_all_is_found_past_the_first() -> None:
    def item(name: str, expression: str) -> dict:
        return {"filter_friendly_name": name, "expression": expression,
                "targets": [{"queue": "English"}]}  # fmt: skip

    filters = [item("Es", 'lang == "es"'), item("All", "1 == 1"), item("Fr", 'lang == "fr"')]
    assert [loc for _, loc, _ in findings(routing(*filters))] == ["filters[2] 'Fr'"]


def test_every_comparison_of_an_expression_is_checked_for_kinds() -> None:
    """An `==` before the HAS, and a HAS that is fine before one that is not, are passed over."""
    expression = 'x == 1 AND ["a"] HAS "a" AND langs HAS "es" AND tags HAS "vip"'
    config = routing({"expression": expression, "targets": [{"queue": "English"}]})
    tasks = [{"langs": ["es"], "tags": "vip"}]
    [(severity, location, message)] = findings(config, tasks=tasks)
    assert (severity, location) == (ERROR, "filters[0]")
    assert message.startswith('tags HAS "vip": tags is a string in 1 of the 1 recent tasks')


def test_a_kinds_finding_shows_three_examples() -> None:
    config = routing({"expression": 'tags HAS "vip"', "targets": [{"queue": "English"}]})
    tasks = [{"tags": f"t{n}"} for n in range(4)]
    [(_, _, message)] = findings(config, tasks=tasks)
    assert '4 of the 4 recent tasks that have it ("t0", "t1", "t2");' in message


def test_list_indexes_in_a_checked_key() -> None:
    """skills[0] of an empty list or of an object is absent; of a list, its first element."""
    config = routing({"expression": 'skills[0] HAS "es"', "targets": [{"queue": "English"}]})
    tasks = [{"skills": []}, {"skills": {"0": ["es"]}}, {"skills": ["es"]}, {"skills": [["es"]]}]
    [(severity, _, message)] = findings(config, tasks=tasks)
    assert severity == WARNING
    assert 'skills[0] is a string in 1 of the 2 recent tasks that have it ("es")' in message


def test_each_kind_of_finding_says_how_to_fix_it() -> None:
    def fixes(expression: str, tasks: list) -> list[str]:
        config = routing({"expression": expression, "targets": [{"queue": "English"}]})
        samples = Samples(tasks=tasks, workers_known=False)
        return [f.fix for f in lint_workflow(config, queues=QUEUES, samples=samples)]

    assert fixes('tags HAS "vip"', [{"tags": "vip"}]) == [
        'store tags as a list, or compare with tags == "vip"'
    ]
    assert fixes('"vip" IN tags', [{"tags": "vip"}]) == ["store tags as a list, or compare with =="]
    assert fixes('tags CONTAINS "v"', [{"tags": ["v"]}]) == [
        'use HAS to look in a list: tags HAS "v"'
    ]
    unknown = routing({"expression": "1 == 1", "targets": [{"queue": "Nowhere"}]})
    [finding] = lint_workflow(unknown, queues=QUEUES, samples=Samples(workers_known=False))
    assert finding.fix == "create the queue or name an existing one"


def test_queues_with_a_bad_expression_or_no_worker_are_each_reported() -> None:
    queues = {"Bad": QueueFacts("Bad", "a =="), "Nobody": QueueFacts("Nobody", 'x == "y"')}
    steps = [{"queue": "Bad", "timeout": 10}, {"queue": "Nobody"}]
    config = {"task_routing": {"filters": [{"expression": "1 == 1", "targets": steps}],
                               "default_filter": {"queue": "Bad"}}}  # fmt: skip
    samples = Samples(workers=[{"friendly_name": "A"}])
    found = lint_workflow(config, queues=queues, samples=samples, reservation_timeout=5)
    assert [(f.severity, f.location, f.message[:30]) for f in found] == [
        (ERROR, "queue 'Bad'", "target_workers does not parse:"),
        (WARNING, "queue 'Nobody'", 'its worker expression (x == "y'),
    ]


def test_a_target_expression_after_a_target_without_one_is_checked() -> None:
    steps = [{"queue": "Spanish", "timeout": 600},
             {"queue": "English", "expression": 'task.tags HAS "v"'}]  # fmt: skip
    [(_, location, _)] = findings(routing({"expression": "1 == 1", "targets": steps}),
                                  tasks=[{"tags": "v"}])  # fmt: skip
    assert location == "filters[0] targets[1]"


def test_a_timeout_equal_to_the_task_ttl_is_a_warning() -> None:
    steps = [{"queue": "Spanish", "timeout": 300}, {"queue": "English"}]
    [(severity, _, message)] = findings(
        routing({"expression": "1 == 1", "targets": steps}), task_ttls=[300]
    )
    assert severity == WARNING and "timeout 300s is not shorter than the task TTL (300s" in message


def test_hyphenated_sampled_keys_are_found_past_keys_that_are_not_text() -> None:
    [(severity, location, message)] = findings(routing(), tasks=[{1: "x", "first-name": "a"}])
    assert (severity, location) == (WARNING, "attributes of recent tasks")
    assert message.startswith("1 of 1 recent tasks have the hyphenated key 'first-name'")


def test_the_reservation_timeout_warning_starts_above_the_target_timeout() -> None:
    """The default task_reservation_timeout is 120 s: a 120 s target is fine, 119 s is not."""

    def step(timeout: int) -> dict:
        return {"expression": "1 == 1", "targets": [{"queue": "Spanish", "timeout": timeout},
                                                    {"queue": "English"}]}  # fmt: skip

    assert findings(routing(step(120))) == []
    [(severity, _, message)] = findings(routing(step(119)))
    assert severity == WARNING and "task_reservation_timeout (120s)" in message


def test_numbers_sort_before_strings_in_order_by() -> None:
    def worker(sid: str, level: object, idle: float) -> WorkerView:
        return WorkerView(sid, sid, "WA1", "Idle", True, {"level": level}, idle, 1)

    workers = [worker("WKtext", "high", 1.0), worker("WKfive", 5, 2.0), worker("WKone", 1, 3.0)]
    task, everyone = TaskView("WT1", {}, 0, 0.0), parse("1==1")
    ascending = Target("WQ1", order_by=(("level", False),))
    assert [w.sid for w in choose_workers(task, ascending, everyone, workers, 3)] == [
        "WKone", "WKfive", "WKtext",
    ]  # fmt: skip
    descending = Target("WQ1", order_by=(("level", True),))
    assert [w.sid for w in choose_workers(task, descending, everyone, workers, 3)] == [
        "WKtext", "WKfive", "WKone",
    ]  # fmt: skip


def test_lifo_puts_the_task_that_entered_the_queue_last_first_among_equals() -> None:
    early = TaskView("WTa", {}, 0, created=5.0, queue_entered=6.0)
    late = TaskView("WTb", {}, 0, created=5.0, queue_entered=9.0)
    assert sorted([early, late], key=lambda t: queue_sort_key(t, "LIFO")) == [late, early]
    assert sorted([late, early], key=lambda t: queue_sort_key(t, "FIFO")) == [early, late]


def test_free_capacity_is_never_negative() -> None:
    assert Capacity("voice", used=2, configured=1).free == 0  # capacity lowered under its load
    assert Capacity("voice", used=0, configured=3, channel_available=False).free == 0
    assert Capacity("voice", used=1, configured=3).free == 2
