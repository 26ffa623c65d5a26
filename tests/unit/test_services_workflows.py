"""Unit tests: the local workflow-configuration check (queue names to SIDs, then the parser)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from trctl.errors import NotFoundError, UsageError
from trctl.services.resolve import Resolver
from trctl.services.rest import TaskRouterApi
from trctl.services.workflows import ConfigChecker, load_configuration, queue_lookup

WS = "WS" + "0" * 32
SPANISH = {"sid": "WQ" + "a" * 32, "friendly_name": "Customer Care Requests - Spanish"}
ENGLISH = {"sid": "WQ" + "b" * 32, "friendly_name": "Customer Care Requests - English"}


class QueuesOnly(TaskRouterApi):
    def __init__(self) -> None:
        self.lists = 0

    def list(self, path: str, params: Any = None, **kwargs: Any) -> list[dict[str, Any]]:
        assert path.endswith("/TaskQueues")
        self.lists += 1
        return [SPANISH, ENGLISH]


def checker() -> tuple[ConfigChecker, QueuesOnly]:
    api = QueuesOnly()
    return ConfigChecker(queue_lookup(Resolver(api, WS)), "--config wf.json"), api


def quickstart_config(spanish: str, english: str) -> dict[str, Any]:
    return {
        "task_routing": {
            "filters": [
                {
                    "filter_friendly_name": "Spanish",
                    "expression": 'selected_language == "es"',
                    "targets": [{"queue": spanish, "priority": 5}, {"timeout": "30"}],
                },
                {
                    "expression": "selected_language == 'en'",
                    "targets": [{"queue": english, "expression": "worker.level > task.level"}],
                },
            ],
            "default_filter": {"queue": english},
        }
    }


def test_queue_names_become_sids_with_one_listing() -> None:
    check, api = checker()
    original = quickstart_config("customer care requests - spanish", ENGLISH["sid"])
    config = json.loads(check.check(original))
    filters = config["task_routing"]["filters"]
    assert filters[0]["targets"][0]["queue"] == SPANISH["sid"]
    assert filters[1]["targets"][0]["queue"] == ENGLISH["sid"]
    assert config["task_routing"]["default_filter"]["queue"] == ENGLISH["sid"]
    assert api.lists == 1
    assert original["task_routing"]["filters"][0]["targets"][0]["queue"].islower()  # not mutated


@pytest.mark.parametrize(
    ("mutate", "error", "fragment"),
    [
        (lambda c: c.pop("task_routing"), UsageError, "task_routing: must be a JSON object"),
        (
            lambda c: c["task_routing"]["filters"][0].update(expression="x =="),
            UsageError,
            "filters[0].expression: missing operand after '==' at position 4: x ==^",
        ),
        (
            lambda c: c["task_routing"]["filters"][0]["targets"][0].pop("queue"),
            UsageError,
            "filters[0].targets[0].queue: is required (the first target names one)",
        ),
        (
            lambda c: c["task_routing"]["filters"][1]["targets"][0].update(expression="level > 1"),
            UsageError,
            "targets[0].expression: key 'level' is not allowed here at position 0 (use task.",
        ),
        (
            lambda c: c["task_routing"]["filters"][0]["targets"][1].update(timeout=0),
            UsageError,
            "targets[1].timeout: must be a positive whole number",
        ),
        (
            lambda c: c["task_routing"]["filters"][0]["targets"][0].update(priority="high"),
            UsageError,
            "targets[0].priority: must be a whole number from 0 to 2147483647",
        ),
        (
            lambda c: c["task_routing"]["filters"][0]["targets"][0].update(priority=2**31),
            UsageError,
            "targets[0].priority: must be a whole number from 0 to 2147483647",
        ),
        (
            lambda c: c["task_routing"]["filters"][1]["targets"][0].update(order_by="level"),
            UsageError,
            "filters[1].targets[0].order_by: clause 'level' is not 'worker.<attribute> ASC|DESC'",
        ),
        (
            lambda c: c["task_routing"]["filters"][1]["targets"][0].update(
                known_worker_sid="task.a", known_worker_friendly_name="task.b"
            ),
            UsageError,
            "filters[1].targets[0]: known_worker_sid and known_worker_friendly_name cannot both",
        ),
        (
            lambda c: c["task_routing"]["filters"][0]["targets"][0].update(queue=5),
            UsageError,
            "filters[0].targets[0].queue: must be a queue SID or name",
        ),
        (
            lambda c: c["task_routing"]["filters"][0]["targets"][0].update(queue="Spanihs"),
            NotFoundError,
            "did you mean 'Customer Care Requests - Spanish'",
        ),
        (
            lambda c: c["task_routing"]["default_filter"].update(queue="WA" + "1" * 32),
            UsageError,
            "default_filter.queue: 'WA",
        ),
        (
            lambda c: c["task_routing"].update(filters={}),
            UsageError,
            "filters: must be a list",
        ),
    ],
)
def test_bad_configurations_name_the_place(mutate: Any, error: type, fragment: str) -> None:
    check, _ = checker()
    config = quickstart_config(SPANISH["sid"], ENGLISH["sid"])
    mutate(config)
    with pytest.raises(error) as caught:
        check.check(config)
    assert fragment in caught.value.message
    assert caught.value.message.startswith("--config wf.json: ")


def test_load_configuration_reads_and_normalises_a_file(tmp_path) -> None:
    path = tmp_path / "wf.json"
    path.write_text(
        json.dumps(quickstart_config("Customer Care Requests - Spanish", "WQ" + "b" * 32))
    )
    text = load_configuration(Resolver(QueuesOnly(), WS), str(path))
    assert json.loads(text)["task_routing"]["filters"][0]["targets"][0]["queue"] == SPANISH["sid"]


def test_load_configuration_rejects_invalid_json(tmp_path) -> None:
    path = tmp_path / "wf.json"
    path.write_text("{task_routing: }")
    with pytest.raises(UsageError, match="invalid JSON"):
        load_configuration(Resolver(QueuesOnly(), WS), str(path))
