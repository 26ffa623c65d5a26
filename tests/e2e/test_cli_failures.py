"""E2E: failing commands print one line, exit with the documented code, and change nothing."""

from __future__ import annotations

import json

import pytest
from cli_support import failed, invoke, ok


class Snapshot:
    """The emulator's state as the SDK sees it, to prove a failed command changed nothing."""

    def __init__(self, sdk, quickstart) -> None:
        self.ws = sdk.taskrouter.v1.workspaces(quickstart.workspace_sid)

    def take(self) -> dict:
        return {
            "tasks": sorted(  # attributes are shown by a fetch only, as on Twilio
                (t.sid, t.fetch().attributes, t.assignment_status) for t in self.ws.tasks.list()
            ),
            "workers": sorted(
                (w.sid, w.friendly_name, w.activity_sid, w.fetch().attributes)
                for w in self.ws.workers.list()
            ),
            "queues": sorted(
                (q.sid, q.friendly_name, q.target_workers) for q in self.ws.task_queues.list()
            ),
            "activities": sorted(a.sid for a in self.ws.activities.list()),
            "workflows": sorted(
                (w.sid, w.friendly_name, w.configuration) for w in self.ws.workflows.list()
            ),
        }


@pytest.fixture
def unchanged(sdk, quickstart):
    snapshot = Snapshot(sdk, quickstart)
    before = snapshot.take()
    yield
    assert snapshot.take() == before


NOT_FOUND = [
    (["worker", "set-activity", "Alcie", "Idle"], "unknown worker 'Alcie' (did you mean 'Alice'?"),
    (["worker", "set-activity", "Alice", "Idel"], "unknown activity 'Idel' (did you mean 'Idle'?"),
    (
        [
            "task",
            "create",
            "--attr",
            "selected_language=es",
            "--workflow",
            "Incoming Customer Care",
        ],
        "did you mean 'Incoming Customer Care Requests'?",
    ),
    (["tasks", "list", "--queue", "Spanihs"], "did you mean 'Customer Care Requests - Spanish'?"),
    (
        ["queue", "update", "Englsh", "--target-workers", "1==1"],
        "did you mean 'Customer Care Requests - English'?",
    ),
    (["worker", "update", "Bob", "--activity", "Lunch"], "unknown activity 'Lunch' (known: "),
    (["workers", "list", "--activity", "Lunch"], "known: "),
    (["worker", "show", "Zed"], "unknown worker 'Zed' (known: Alice, Bob)"),
    (["task", "show", "WT" + "0" * 32], "TaskRouter 404"),
    (["reservation", "accept", "WT" + "0" * 32], "TaskRouter 404 (20404): The requested resource"),
]


@pytest.mark.parametrize(("args", "fragment"), NOT_FOUND)
def test_unknown_names_exit_4_with_suggestions(cli_env, unchanged, args, fragment) -> None:
    assert fragment in failed(cli_env, 4, *args)


def test_unknown_queue_in_a_workflow_file(cli_env, unchanged, tmp_path) -> None:
    config = tmp_path / "wf.json"
    routing = {"filters": [{"expression": "1==1", "targets": [{"queue": "Spansh"}]}]}
    config.write_text(json.dumps({"task_routing": routing}))
    line = failed(cli_env, 4, "workflow", "create", "W", "--config", str(config))
    assert "filters[0].targets[0].queue" in line and "did you mean" in line


USAGE = [
    (["task", "create", "--attr", "selected_language"], "has no '='"),
    (["task", "create", "--attr", "=es"], "empty key"),
    (["task", "create", "--attr", "a=1", "--attr", "a.b=2"], "non-object"),
    (["task", "create", "--attributes", "{selected_language: es}"], "invalid JSON"),
    (["task", "create", "--attributes", "@missing.json"], "no such file"),
    (["worker", "set-activity", "WA" + "1" * 32, "Idle"], "is an activity SID, not a worker SID"),
    (["worker", "set-activity", "Alice", "WK" + "1" * 32], "is a worker SID, not an activity SID"),
    (["task", "create", "--workflow", "WQ" + "1" * 32], "is a queue SID, not a workflow SID"),
    (["tasks", "list", "--where", "selected_language =="], "at position"),
    (["queue", "create", "Q", "--target-workers", 'languages HAS "es" AND'], "at position"),
    (["worker", "set-activity", "Alice", " "], "the activity name is empty"),
    (["tasks", "list", "--queue", ""], "the queue name is empty"),
    (["reservation", "reject", "WT" + "1" * 32, "--activity", ""], "the activity name is empty"),
    (["worker", "update", "Alice"], "nothing to update"),
    (["worker", "update", "Alice", "--name", "A", "--reject-pending"], "needs --activity"),
    (["workflow", "update", "Incoming Customer Care Requests"], "nothing to update"),
]


@pytest.mark.parametrize(("args", "fragment"), USAGE)
def test_bad_input_exits_2_before_any_change(cli_env, unchanged, args, fragment) -> None:
    assert fragment in failed(cli_env, 2, *args)


def test_bad_workflow_configs_exit_2(cli_env, unchanged, tmp_path) -> None:
    config = tmp_path / "wf.json"
    config.write_text('{"task_routing": {"filters": [{"expression": "a ==", "targets": []}]}}')
    assert "filters[0].expression" in failed(
        cli_env, 2, "workflow", "create", "W", "--config", str(config)
    )
    config.write_text("not json")
    assert "invalid JSON" in failed(cli_env, 2, "workflow", "create", "W", "--config", str(config))
    config.write_text(
        '{"task_routing": {"default_filter": '
        '{"queue": "Customer Care Requests - English", "order_by": "level DESC"}}}'
    )
    assert "default_filter.order_by: clause 'level DESC'" in failed(
        cli_env, 2, "workflow", "create", "W", "--config", str(config)
    )


def test_no_credentials_is_exit_3(cli_env, unchanged, tmp_path) -> None:
    env = {
        **cli_env,
        "TWILIO_AUTH_TOKEN": "",
        "TWILIO_API_KEY": "",
        "TWILIO_API_SECRET": "",
        "TRCTL_CONFIG_DIR": str(tmp_path / "trctl"),
        "TWILIO_CONFIG_DIR": str(tmp_path / "twilio-cli"),
    }
    assert "credentials" in failed(env, 3, "task", "create", "--attr", "selected_language=es")


def test_wrong_credentials_are_exit_3(cli_env, unchanged) -> None:
    env = {**cli_env, "TWILIO_AUTH_TOKEN": "0" * 32}
    line = failed(env, 3, "worker", "set-activity", "Alice", "Idle")
    assert "401" in line
    assert "0" * 32 not in line


def test_api_error_on_create_is_one_line_exit_5(cli_env, unchanged) -> None:
    line = failed(cli_env, 5, "task", "create", "--attr", "x=1", "--channel", "no-such-channel")
    assert line.startswith("Error: TaskRouter 4")


def test_debug_adds_a_traceback_but_keeps_the_exit_code(cli_env) -> None:
    result = invoke(cli_env, "--debug", "worker", "set-activity", "Alcie", "Idle")
    assert result.exit_code == 4
    assert "Traceback" in result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith("Error: unknown worker 'Alcie'")


def test_accept_with_several_pending_reservations_needs_a_sid(cli_env, quickstart, sdk, emulator):
    ws = sdk.taskrouter.v1.workspaces(quickstart.workspace_sid)
    ws.task_queues(quickstart.queues["Customer Care Requests - English"]).update(
        max_reserved_workers=2
    )
    task = json.loads(
        ok(cli_env, "task", "create", "--attr", "selected_language=en", "--json").stdout
    )
    ok(cli_env, "worker", "set-activity", "Alice", "Idle")
    ok(cli_env, "worker", "set-activity", "Bob", "Idle")
    emulator.wait_idle()
    pending = ws.tasks(task["sid"]).reservations.list(reservation_status="pending")
    if len(pending) < 2:
        pytest.fail(f"expected two pending reservations, got {len(pending)}")
    line = failed(cli_env, 2, "reservation", "accept", task["sid"])
    assert "2 pending reservations" in line and "(Alice)" in line and "(Bob)" in line
    assert ws.tasks(task["sid"]).fetch().assignment_status == "reserved"
