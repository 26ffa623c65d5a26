"""E2E: the design's invocations verbatim against the emulator, then the reservation steps."""

from __future__ import annotations

import json

from cli_support import invoke, ok


def test_task_create_with_attr_verbatim(cli_env, quickstart, sdk) -> None:
    result = ok(cli_env, "task", "create", "--attr", "selected_language=es")
    sid = next(word for word in result.stdout.split() if word.startswith("WT"))
    assert "pending" in result.stdout
    assert "Customer Care Requests - Spanish" in result.stdout
    assert '{"selected_language":"es"}' in result.stdout
    task = sdk.taskrouter.v1.workspaces(quickstart.workspace_sid).tasks(sid).fetch()
    assert json.loads(task.attributes) == {"selected_language": "es"}
    assert task.workflow_sid == quickstart.workflow_sid
    assert task.task_queue_sid == quickstart.queues["Customer Care Requests - Spanish"]


def test_worker_set_activity_verbatim(cli_env, quickstart, sdk) -> None:
    result = ok(cli_env, "worker", "set-activity", "Alice", "Idle")
    assert "Offline -> Idle" in result.stdout
    assert "no -> yes" in result.stdout
    alice = sdk.taskrouter.v1.workspaces(quickstart.workspace_sid).workers(
        quickstart.workers["Alice"]
    )
    assert alice.fetch().activity_sid == quickstart.activities["Idle"]


def test_tasks_list_verbatim(cli_env, quickstart) -> None:
    created = [
        json.loads(
            ok(cli_env, "task", "create", "--attr", f"selected_language={lang}", "--json").stdout
        )
        for lang in ("es", "en")
    ]
    result = ok(cli_env, "tasks", "list")
    header, *rows = result.stdout.splitlines()
    assert header.split()[:4] == ["SID", "STATUS", "PRIORITY", "AGE"]
    assert [row.split()[0] for row in rows] == [t["sid"] for t in created]
    assert "Customer Care Requests - English" in rows[1]


def test_the_rest_accept_step(cli_env, quickstart, sdk, emulator) -> None:
    """Alice Offline, an es task waits, Alice Idle gets a reservation, accept it over REST."""
    task = json.loads(
        ok(cli_env, "task", "create", "--attr", "selected_language=es", "--json").stdout
    )
    ok(cli_env, "worker", "set-activity", "alice", "idle")
    emulator.wait_idle()
    pending = json.loads(
        ok(
            cli_env, "reservations", "list", "--task", task["sid"], "--status", "pending", "--json"
        ).stdout
    )
    assert [r["worker_name"] for r in pending] == ["Alice"]
    accepted = json.loads(ok(cli_env, "reservation", "accept", task["sid"], "--json").stdout)
    assert accepted["reservation_status"] == "accepted"
    assert accepted["sid"] == pending[0]["sid"]
    ws = sdk.taskrouter.v1.workspaces(quickstart.workspace_sid)
    assert ws.tasks(task["sid"]).fetch().assignment_status == "assigned"
    assert ws.workers(quickstart.workers["Alice"]).fetch().activity_name == "Busy"

    wrapped = json.loads(
        ok(cli_env, "task", "wrap", task["sid"], "--reason", "call ended", "--json").stdout
    )
    assert wrapped["assignment_status"] == "wrapping"
    done = ok(cli_env, "task", "complete", task["sid"], "--reason", "resolved")
    assert "completed" in done.stdout and "resolved" in done.stdout
    assert ws.tasks(task["sid"]).fetch().assignment_status == "completed"


def test_reject_moves_the_worker_and_requeues_the_task(cli_env, quickstart, sdk, emulator) -> None:
    task = json.loads(
        ok(cli_env, "task", "create", "--attr", "selected_language=en", "--json").stdout
    )
    ok(cli_env, "worker", "set-activity", "Bob", "Idle")
    emulator.wait_idle()
    rejected = json.loads(
        ok(cli_env, "reservation", "reject", task["sid"], "--activity", "Offline", "--json").stdout
    )
    assert rejected["reservation_status"] == "rejected"
    assert rejected["worker_name"] == "Bob"
    ws = sdk.taskrouter.v1.workspaces(quickstart.workspace_sid)
    assert ws.workers(quickstart.workers["Bob"]).fetch().activity_name == "Offline"
    assert ws.tasks(task["sid"]).fetch().assignment_status == "pending"


def test_accept_without_a_pending_reservation_is_exit_4(cli_env, quickstart, sdk) -> None:
    task = json.loads(
        ok(cli_env, "task", "create", "--attr", "selected_language=es", "--json").stdout
    )
    result = invoke(cli_env, "reservation", "accept", task["sid"])
    assert result.exit_code == 4
    assert "has no pending reservation" in result.stderr
    ws = sdk.taskrouter.v1.workspaces(quickstart.workspace_sid)
    assert ws.tasks(task["sid"]).fetch().assignment_status == "pending"


def test_accept_and_reject_by_worker_name_need_no_sid(cli_env, quickstart, sdk, emulator) -> None:
    """`reservation accept --worker Alice`: the worker's only pending reservation, any task."""
    none_yet = invoke(cli_env, "reservation", "accept", "--worker", "Alice")
    assert none_yet.exit_code == 4
    assert "worker Alice has no pending reservation" in none_yet.stderr
    assert invoke(cli_env, "reservation", "accept").exit_code == 2
    task = json.loads(
        ok(cli_env, "task", "create", "--attr", "selected_language=es", "--json").stdout
    )
    ok(cli_env, "worker", "set-activity", "Alice", "Idle")
    emulator.wait_idle()
    accepted = json.loads(
        ok(cli_env, "reservation", "accept", "--worker", "alice", "--json").stdout
    )
    assert accepted["reservation_status"] == "accepted" and accepted["task_sid"] == task["sid"]
    ws = sdk.taskrouter.v1.workspaces(quickstart.workspace_sid)
    assert ws.tasks(task["sid"]).fetch().assignment_status == "assigned"

    other = json.loads(
        ok(cli_env, "task", "create", "--attr", "selected_language=en", "--json").stdout
    )
    ok(cli_env, "worker", "set-activity", "Bob", "Idle")
    emulator.wait_idle()
    rejected = json.loads(
        ok(
            cli_env, "reservation", "reject", other["sid"], "--worker", "Bob",
            "--activity", "Offline", "--json",
        ).stdout
    )  # fmt: skip
    assert rejected["reservation_status"] == "rejected" and rejected["worker_name"] == "Bob"
    assert ws.tasks(other["sid"]).fetch().assignment_status == "pending"
