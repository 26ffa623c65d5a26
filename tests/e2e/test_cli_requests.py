"""E2E: how many HTTP requests each command makes (one list per resource type, no extras)."""

from __future__ import annotations

from typing import Any

import pytest
from cli_support import invoke, ok

import trctl.services.http as http_module


@pytest.fixture
def requests_seen(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    seen: list[tuple[str, str]] = []

    class Counting(http_module.RetryingHttpClient):
        def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
            seen.append((method, url.split("/v1/", 1)[1].split("?")[0]))
            return super().request(method, url, *args, **kwargs)

    monkeypatch.setattr(http_module, "RetryingHttpClient", Counting)
    return seen


def paths(seen: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Requests with the workspace prefix cut off: ("GET", "Workers")."""
    return [(method, path.split("/", 2)[2] if "/" in path else path) for method, path in seen]


def test_task_create_is_one_request(cli_env, quickstart, requests_seen) -> None:
    ok(cli_env, "task", "create", "--attr", "selected_language=es")
    assert paths(requests_seen) == [("POST", "Tasks")]


def test_a_create_refused_for_another_reason_is_not_retried_with_a_workflow(
    cli_env, quickstart, requests_seen
) -> None:
    """Only a refusal about the missing WorkflowSid makes trctl pick the workspace's workflow."""
    result = invoke(cli_env, "task", "create", "--attr", "x=1", "--channel", "no-such-channel")
    assert result.exit_code == 5 and "TaskChannel" in result.stderr
    assert paths(requests_seen) == [("POST", "Tasks")]


def test_set_activity_by_names_lists_each_type_once(cli_env, quickstart, requests_seen) -> None:
    ok(cli_env, "worker", "set-activity", "alice", "IDLE")
    assert paths(requests_seen) == [
        ("GET", "Activities"),
        ("GET", "Workers"),
        ("POST", f"Workers/{quickstart.workers['Alice']}"),
    ]


def test_set_activity_by_sids_fetches_only_the_worker(cli_env, quickstart, requests_seen) -> None:
    alice, idle = quickstart.workers["Alice"], quickstart.activities["Idle"]
    ok(cli_env, "worker", "set-activity", alice, idle)
    assert paths(requests_seen) == [("GET", f"Workers/{alice}"), ("POST", f"Workers/{alice}")]


def test_workflow_config_with_queue_names_lists_queues_once(
    cli_env, quickstart, requests_seen, tmp_path
) -> None:
    config = tmp_path / "wf.json"
    config.write_text(
        '{"task_routing": {"filters": ['
        '{"expression": "a == 1", "targets": [{"queue": "Customer Care Requests - Spanish"}]},'
        '{"expression": "a == 2", "targets": [{"queue": "customer care requests - english"}]}],'
        '"default_filter": {"queue": "Customer Care Requests - English"}}}'
    )
    ok(cli_env, "workflow", "create", "W2", "--config", str(config))
    assert paths(requests_seen) == [("GET", "TaskQueues"), ("POST", "Workflows")]


def test_tasks_list_with_names_and_a_workspace_name(cli_env, quickstart, requests_seen) -> None:
    env = {**cli_env, "TRCTL_WORKSPACE_SID": "taskrouter quickstart"}
    ok(
        env,
        "tasks", "list",
        "--queue", "Customer Care Requests - Spanish",
        "--workflow", "Incoming Customer Care Requests",
        "--where", 'selected_language == "es"',
    )  # fmt: skip
    assert paths(requests_seen) == [
        ("GET", "Workspaces"),
        ("GET", "TaskQueues"),
        ("GET", "Workflows"),
        ("GET", "Tasks"),
    ]
