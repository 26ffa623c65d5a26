"""trctl.workflow.lint: each finding from plain data, with its severity, location and fix."""

from __future__ import annotations

from trctl.expr import parse
from trctl.workflow.lint import ERROR, WARNING, QueueFacts, Samples, implies, lint_workflow

QUEUES = {
    "Spanish": QueueFacts("Spanish", 'languages HAS "es"'),
    "English": QueueFacts("English", 'languages HAS "en"'),
}
WORKERS = [
    {"friendly_name": "Alice", "languages": ["en", "es"]},
    {"friendly_name": "Bob", "languages": ["en"]},
]


def routing(*filters: dict, default: str | None = "English") -> dict:
    body: dict = {"filters": list(filters)}
    if default:
        body["default_filter"] = {"queue": default}
    return {"task_routing": body}


def spanish(**target: object) -> dict:
    return {
        "filter_friendly_name": "Spanish",
        "expression": 'selected_language == "es"',
        "targets": [{"queue": "Spanish", **target}],
    }


def lint(config: dict, samples: Samples | None = None, **options: object) -> list[tuple]:
    findings = lint_workflow(
        config, queues=QUEUES, samples=samples or Samples(workers=WORKERS), **options
    )
    return [(f.severity, f.location, f.message) for f in findings]


def test_a_clean_workflow_has_no_findings():
    assert lint(routing(spanish())) == []


def test_no_default_filter_is_a_warning():
    assert lint(routing(spanish(), default=None)) == [
        (WARNING, "task_routing", "no default_filter: a task that matches no filter is canceled")
    ]


def test_a_filter_after_a_catch_all_or_a_wider_filter_is_unreachable():
    everyone = {
        "filter_friendly_name": "All",
        "expression": "1 == 1",
        "targets": [{"queue": "English"}],
    }
    [(severity, location, message)] = lint(routing(everyone, spanish()))
    assert (severity, location) == (ERROR, "filters[1] 'Spanish'")
    assert (
        message == "no task can reach this filter: filters[0] 'All' (1 == 1) always matches first"
    )
    vip = {
        "expression": 'selected_language == "es" AND vip == true',
        "targets": [{"queue": "Spanish"}],
    }
    [(_, location, message)] = lint(routing(spanish(), vip))
    assert location == "filters[1]"
    assert message.endswith("is matched first by filters[0] 'Spanish'")
    assert lint(routing(vip, spanish())) == []  # the narrow one first is fine


def test_implication_is_syntactic_and_sound():
    assert implies(parse("a == 1 AND b == 2").tree, parse("a == 1").tree)
    assert implies(parse("a == 1 OR a == 2").tree, parse("a == 1 OR a == 2 OR a == 3").tree)
    assert not implies(parse("a == 1").tree, parse("a == 1 AND b == 2").tree)
    assert not implies(parse("a == 1 OR c == 3").tree, parse("a == 1").tree)


def test_targets_without_timeout_before_the_last_and_timeouts_against_ttl_and_reservations():
    config = routing(
        {
            "filter_friendly_name": "Spanish",
            "expression": 'selected_language == "es"',
            "targets": [{"queue": "Spanish"}, {"queue": "English", "timeout": 90000}],
        },
        {
            "filter_friendly_name": "English",
            "expression": 'selected_language == "en"',
            "targets": [{"queue": "English", "timeout": 30}, {"queue": "Spanish"}],
        },
    )
    found = lint(config, reservation_timeout=120)
    assert found[0] == (
        ERROR,
        "filters[0] 'Spanish' targets[0]",
        "no timeout before the last target: targets[1..1] are never reached",
    )
    messages = {location: message for _, location, message in found[1:]}
    assert (
        "not shorter than the task TTL (86400s, the default)"
        in messages["filters[0] 'Spanish' targets[1]"]
    )
    assert (
        "task_reservation_timeout (120s) is longer than this target's timeout (30s)"
        in (messages["filters[1] 'English' targets[0]"])
    )
    ttl = lint(config, Samples(workers=WORKERS, task_ttls=[100_000]), reservation_timeout=10)
    assert all("TTL" not in message for _, _, message in ttl)


def test_a_queue_no_worker_matches_is_a_warning():
    queues = {**QUEUES, "French": QueueFacts("French", 'languages HAS "fr"')}
    config = routing(spanish(), {"expression": "x == 1", "targets": [{"queue": "French"}]})
    findings = lint_workflow(config, queues=queues, samples=Samples(workers=WORKERS))
    [finding] = findings
    assert (finding.severity, finding.location) == (WARNING, "queue 'French'")
    assert "matches none of the 2 workers" in finding.message
    offline = lint_workflow(config, queues=queues, samples=Samples(workers_known=False))
    assert offline == []  # without a worker list there is nothing to say


def test_has_on_values_that_are_never_lists_is_an_error_sometimes_a_warning():
    config = routing(
        {"expression": 'tags HAS "vip"', "targets": [{"queue": "English"}]},
    )
    tasks = [{"tags": "vip"}, {"tags": "gold"}, {"other": 1}]
    [(severity, location, message)] = lint(config, Samples(workers=WORKERS, tasks=tasks))
    assert (severity, location) == (ERROR, "filters[0]")
    assert message == (
        'tags HAS "vip": tags is a string in 2 of the 2 recent tasks that have it ("vip", '
        '"gold"); HAS needs a list there, so it never matches any of them'
    )
    mixed = [{"tags": "vip"}, {"tags": ["vip"]}]
    [(severity, _, _)] = lint(config, Samples(workers=WORKERS, tasks=mixed))
    assert severity == WARNING


def test_target_expressions_are_checked_against_tasks_and_workers():
    config = routing(
        {
            "expression": "1 == 1",
            "targets": [{"queue": "English", "expression": "task.code IN worker.skills"}],
        }
    )
    workers = [*WORKERS, {"friendly_name": "Carla", "skills": "billing", "languages": ["en"]}]
    [(_, location, message)] = lint(config, Samples(workers=workers))
    assert location == "filters[0] targets[0]"
    assert "worker.skills is a string in 1 of the 1 workers that have it (Carla:" in message


def test_hyphens_in_expressions_and_in_sampled_attributes():
    config = routing(
        {
            "filter_friendly_name": "X",
            "expression": 'first-name == "Ana"',
            "targets": [{"queue": "English"}],
        }
    )
    [(severity, location, message)] = lint(config)
    assert (severity, location) == (ERROR, "filters[0] 'X'")
    assert message.startswith("hyphenated key 'first-name': TaskRouter reads it as 'first - name'")
    samples = Samples(workers=WORKERS, tasks=[{"customer": {"first-name": "Ana"}}, {}])
    [(severity, location, message)] = lint(routing(spanish()), samples)
    assert (severity, location) == (WARNING, "attributes of recent tasks")
    assert message.startswith("1 of 2 recent tasks have the hyphenated key 'customer.first-name'")


def test_an_unknown_queue_or_a_bad_shape_is_one_error_with_its_path():
    [(severity, location, message)] = lint(routing(spanish(), default="Nowhere"))
    assert (severity, location) == (ERROR, "task_routing.default_filter.queue")
    assert message == "TaskQueue Nowhere does not exist"
    [(_, location, _)] = lint({"task_routing": {"filters": "no"}})
    assert location == "task_routing.filters"
