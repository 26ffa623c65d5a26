"""E2E: how many HTTP requests each command makes (one list per resource type, no extras)."""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest
from cli_support import as_json, invoke, ok
from run_environment import RequestLog

from trctl.services.http import RetryingHttpClient
from trctl.services.listed import MAX_CONCURRENT_FETCHES


@pytest.fixture
def requests_seen() -> RequestLog:
    return RequestLog()


def paths(seen: list[tuple[str, str, dict[str, Any]]]) -> list[tuple[str, str]]:
    """Requests with the workspace prefix cut off: ("GET", "Workers")."""
    return [(method, path.split("/", 2)[2] if "/" in path else path) for method, path, _ in seen]


def test_task_create_is_one_request(cli_env, quickstart, requests_seen) -> None:
    ok(cli_env, "task", "create", "--attr", "selected_language=es", transport=requests_seen)
    assert paths(requests_seen) == [("POST", "Tasks")]


def test_a_create_refused_for_another_reason_is_not_retried_with_a_workflow(
    cli_env, quickstart, requests_seen
) -> None:
    """Only a refusal about the missing WorkflowSid makes trctl pick the workspace's workflow."""
    result = invoke(
        cli_env,
        *("task", "create", "--attr", "x=1", "--channel", "no-such-channel"),
        transport=requests_seen,
    )
    assert result.exit_code == 5 and "TaskChannel" in result.stderr
    assert paths(requests_seen) == [("POST", "Tasks")]


def test_set_activity_by_names_lists_each_type_once(cli_env, quickstart, requests_seen) -> None:
    ok(cli_env, "worker", "set-activity", "alice", "IDLE", transport=requests_seen)
    assert paths(requests_seen) == [
        ("GET", "Activities"),
        ("GET", "Workers"),
        ("POST", f"Workers/{quickstart.workers['Alice']}"),
        ("GET", f"Workers/{quickstart.workers['Alice']}/Reservations"),  # what the change caused,
        ("GET", f"Workers/{quickstart.workers['Alice']}/Reservations"),  # pending, then accepted
    ]


def test_set_activity_by_sids_fetches_only_the_worker(cli_env, quickstart, requests_seen) -> None:
    alice, idle = quickstart.workers["Alice"], quickstart.activities["Idle"]
    ok(cli_env, "worker", "set-activity", alice, idle, transport=requests_seen)
    assert paths(requests_seen) == [
        ("GET", f"Workers/{alice}"),
        ("POST", f"Workers/{alice}"),
        ("GET", f"Workers/{alice}/Reservations"),  # Idle is available: a reservation may follow
        ("GET", f"Workers/{alice}/Reservations"),  # (pending or already accepted)
    ]


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
    ok(cli_env, "workflow", "create", "W2", "--config", str(config), transport=requests_seen)
    assert paths(requests_seen) == [("GET", "TaskQueues"), ("POST", "Workflows")]


def test_tasks_list_with_names_and_a_workspace_name(cli_env, quickstart, requests_seen) -> None:
    env = {**cli_env, "TRCTL_WORKSPACE_SID": "taskrouter quickstart"}
    ok(
        env,
        "tasks", "list",
        "--queue", "Customer Care Requests - Spanish",
        "--workflow", "Incoming Customer Care Requests",
        "--where", 'selected_language == "es"',
        transport=requests_seen,
    )  # fmt: skip
    assert paths(requests_seen) == [
        ("GET", "Workspaces"),
        ("GET", "TaskQueues"),
        ("GET", "Workflows"),
        ("GET", "Tasks"),
    ]


def test_tasks_list_pages_of_1000_cost_one_request_each(
    cli_env, quickstart, sdk, requests_seen
) -> None:
    """2,000 tasks: --all is 2 requests of PageSize=1000 (no extra one after a full last page),
    so 10,000 tasks are 10; --limit 1500 is 2 (the newest 1,501, newest first: one more than
    shown says the list was cut; then the count of the rest asks with AssignmentStatus); the
    2,001st task makes --all 3. JSON carries whole records."""
    ws = sdk.taskrouter.v1.workspaces(quickstart.workspace_sid)
    for index in range(2000):
        ws.tasks.create(attributes=json.dumps({"n": index}), workflow_sid=quickstart.workflow_sid)

    def listing(*args: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        requests_seen.clear()
        records = as_json(cli_env, "tasks", "list", *args, transport=requests_seen)
        listed = [p for _, path, p in requests_seen if path.endswith("/Tasks")]
        return records, [params for params in listed if "AssignmentStatus" not in params]

    records, pages = listing("--all", "--fetch-attributes")
    assert [r["attributes"]["n"] for r in records] == list(range(2000))
    assert {"sid", "assignment_status", "workflow_sid", "url", "links"} <= set(records[0])
    assert [str(page.get("PageSize")) for page in pages] == ["1000", "1000"]
    records, pages = listing("--limit", "1500")
    assert [r["attributes"]["n"] for r in records] == list(range(500, 2000))
    assert [page.get("Ordering") for page in pages] == ["DateCreated:desc"] * 2
    assert len(listing()[1]) == 1, "the default 50 is one request"
    ws.tasks.create(attributes="{}", workflow_sid=quickstart.workflow_sid)
    records, pages = listing("--all")
    assert len(records) == 2001 and len(pages) == 3


class Overlapping(RetryingHttpClient):
    """Holds each single-task fetch until `width` of them are in flight together (a barrier,
    so nothing waits on time), and records the most ever in flight."""

    lock = threading.Lock()

    def __init__(self, barrier: threading.Barrier, seen: list[int], **options: Any) -> None:
        super().__init__(**options)
        self.barrier, self.seen = barrier, seen

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        if "/Tasks/WT" not in url:
            return super().request(method, url, *args, **kwargs)
        with self.lock:
            self.seen[0] += 1
            self.seen[1] = max(self.seen[1], self.seen[0])
        try:
            self.barrier.wait(timeout=10)
            return super().request(method, url, *args, **kwargs)
        finally:
            with self.lock:
                self.seen[0] -= 1


def test_tasks_list_fetches_the_attributes_eight_at_a_time(cli_env, quickstart, sdk) -> None:
    """A list answer has attributes null (as Twilio's): trctl fetches each task, 8 at once."""
    ws = sdk.taskrouter.v1.workspaces(quickstart.workspace_sid)
    for index in range(24):
        ws.tasks.create(attributes=json.dumps({"n": index}), workflow_sid=quickstart.workflow_sid)
    barrier, seen = threading.Barrier(MAX_CONCURRENT_FETCHES), [0, 0]
    records = as_json(
        cli_env, "tasks", "list", transport=lambda **o: Overlapping(barrier, seen, **o)
    )
    assert [r["attributes"] for r in records] == [{"n": index} for index in range(24)]
    assert seen[1] == MAX_CONCURRENT_FETCHES == 8


def test_tasks_list_fetches_only_what_the_list_left_out(cli_env, quickstart, requests_seen) -> None:
    ws_tasks = f"Workspaces/{quickstart.workspace_sid}/Tasks"
    ok(cli_env, "tasks", "list", transport=requests_seen)
    assert [path for _, path, _ in requests_seen] == [ws_tasks]  # no task, nothing to fetch


@pytest.mark.parametrize("kind", ["task", "worker"])
def test_a_merge_update_never_overwrites_a_change_made_in_between(
    cli_env, quickstart, sdk, kind: str
) -> None:
    """Another client changes the attributes right after trctl read them: trctl's write carries
    If-Match, gets 412, reads again and merges again, so both changes survive."""
    ws = sdk.taskrouter.v1.workspaces(quickstart.workspace_sid)
    if kind == "task":
        sid = as_json(cli_env, "task", "create", "--attr", "selected_language=es")["sid"]
        resource = ws.tasks(sid)
    else:
        sid = quickstart.workers["Bob"]
        resource = ws.workers(sid)
    sent: list[tuple[str, str | None]] = []

    class Interfering(RetryingHttpClient):
        def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
            response = super().request(method, url, *args, **kwargs)
            sent.append((method, (kwargs.get("headers") or {}).get("If-Match")))
            if method == "GET" and url.endswith(sid) and len(sent) == 1:
                current = json.loads(resource.fetch().attributes)
                resource.update(attributes=json.dumps({**current, "other": 1}))
            return response

    updated = as_json(cli_env, kind, "update", sid, "--attr", "level=3", transport=Interfering)
    assert updated["attributes"]["other"] == 1 and updated["attributes"]["level"] == 3
    assert json.loads(resource.fetch().attributes)["other"] == 1
    assert [method for method, _ in sent] == ["GET", "POST", "GET", "POST"]
    assert all(version for method, version in sent if method == "POST")
