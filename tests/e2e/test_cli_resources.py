"""E2E: every TaskRouter command in table, JSON and CSV, checked against the emulator's state."""

from __future__ import annotations

import csv
import io
import json

import pytest
from cli_support import as_csv, as_json, failed, invoke, ok

SPANISH = "Customer Care Requests - Spanish"
ENGLISH = "Customer Care Requests - English"
WORKFLOW = "Incoming Customer Care Requests"


def create_task(env, *args: str) -> dict:
    return as_json(env, "task", "create", *args)


def test_task_create_attribute_forms_and_options(cli_env, quickstart, sdk, tmp_path) -> None:
    document = tmp_path / "attrs.json"
    document.write_text(json.dumps({"customer": {"id": 7}, "tags": ["a"]}))
    task = create_task(
        cli_env,
        "--attributes", f"@{document}",
        "--attr", "selected_language=en",
        "--attr", "customer.tier=gold",
        "--attr", 'langs=["en","es"]',
        "--attr", "vip=true",
        "--attr", "note=null",
        "--attr", "count=3",
        "--workflow", WORKFLOW.lower(),
        "--priority", "7",
        "--timeout", "600",
        "--channel", "voice",
    )  # fmt: skip
    expected = {
        "customer": {"id": 7, "tier": "gold"},
        "tags": ["a"],
        "selected_language": "en",
        "langs": ["en", "es"],
        "vip": True,
        "note": None,
        "count": 3,
    }
    assert task["attributes"] == expected
    fetched = sdk.taskrouter.v1.workspaces(quickstart.workspace_sid).tasks(task["sid"]).fetch()
    assert json.loads(fetched.attributes) == expected
    assert (fetched.priority, fetched.timeout) == (7, 600)
    assert fetched.task_channel_unique_name == "voice"
    assert fetched.task_queue_sid == quickstart.queues[ENGLISH]


def test_task_create_formats(cli_env, quickstart) -> None:
    rows = as_csv(cli_env, "task", "create", "--attr", "selected_language=es")
    assert len(rows) == 1 and rows[0]["sid"].startswith("WT")
    assert json.loads(rows[0]["attributes"]) == {"selected_language": "es"}
    assert rows[0]["task_queue_friendly_name"] == SPANISH
    table = ok(cli_env, "task", "create", "--attr", "selected_language=en", "--format", "table")
    assert "STATUS" in table.stdout and "pending" in table.stdout and ENGLISH in table.stdout


def test_task_create_uses_trctl_workflow_sid(cli_env, quickstart, sdk) -> None:
    """With two workflows, TaskRouter cannot choose: ignoring TRCTL_WORKFLOW_SID (the mutant
    `chosen = name_or_sid` in Resolver.workflow_sid) exits 2 asking which one; the variable
    names the second, so the task goes to its queue."""
    english = {"task_routing": {"default_filter": {"queue": quickstart.queues[ENGLISH]}}}
    ws = sdk.taskrouter.v1.workspaces(quickstart.workspace_sid)
    second = ws.workflows.create(friendly_name="All English", configuration=json.dumps(english))
    env = {**cli_env, "TRCTL_WORKFLOW_SID": second.sid}
    task = create_task(env, "--attr", "selected_language=es")
    assert task["workflow_sid"] == second.sid
    assert task["task_queue_sid"] == quickstart.queues[ENGLISH]
    by_name = {**cli_env, "TRCTL_WORKFLOW_SID": "all english"}  # a name works as well as a SID
    assert create_task(by_name, "--attr", "x=1")["workflow_sid"] == second.sid
    assert "--workflow" in failed(cli_env, 2, "task", "create", "--attr", "x=1")


def test_tasks_list_filters_order_and_limits(cli_env, quickstart, sdk) -> None:
    low = create_task(cli_env, "--attr", "selected_language=es", "--priority", "1")
    high = create_task(cli_env, "--attr", "selected_language=es", "--priority", "9")
    english = create_task(cli_env, "--attr", "selected_language=en", "--attr", "tier=gold")
    ws = sdk.taskrouter.v1.workspaces(quickstart.workspace_sid)
    ws.tasks(low["sid"]).update(assignment_status="canceled", reason="test")

    def sids(*args: str) -> list[str]:
        return [t["sid"] for t in as_json(cli_env, "tasks", "list", *args)]

    assert sids() == [low["sid"], high["sid"], english["sid"]]
    assert sids("--status", "pending") == [high["sid"], english["sid"]]
    assert sids("--status", "pending", "--status", "canceled") == sids()
    assert sids("--queue", "customer care requests - english") == [english["sid"]]
    assert sids("--workflow", WORKFLOW) == sids()
    assert sids("--where", 'tier == "gold"') == [english["sid"]]
    assert sids("--order", "priority:desc", "--status", "pending") == [high["sid"], english["sid"]]
    assert sids("--limit", "2") == [high["sid"], english["sid"]]  # the newest, oldest first
    assert sids("--all") == sids()

    rows = as_csv(cli_env, "tasks", "list", "--status", "pending")
    assert [r["sid"] for r in rows] == [high["sid"], english["sid"]]
    assert list(rows[0]) == ["sid", "status", "priority", "age", "queue", "attributes"]
    whole = as_csv(cli_env, "tasks", "list", "--status", "pending", "--all-columns")
    assert "assignment_status" in whole[0] and "workflow_sid" in whole[0]
    table = ok(cli_env, "tasks", "list", "--queue", SPANISH).stdout
    assert high["sid"] in table and english["sid"] not in table


def test_task_show_update_cancel(cli_env, quickstart, sdk) -> None:
    task = create_task(cli_env, "--attr", "selected_language=es", "--attr", "customer.tier=silver")
    shown = ok(cli_env, "task", "show", task["sid"]).stdout
    assert task["sid"] in shown and f"{SPANISH} (WQ" in shown
    assert as_csv(cli_env, "task", "show", task["sid"])[0]["sid"] == task["sid"]

    updated = as_json(
        cli_env, "task", "update", task["sid"], "--attr", "customer.tier=gold", "--priority", "4"
    )
    assert updated["attributes"] == {"selected_language": "es", "customer": {"tier": "gold"}}
    assert updated["priority"] == 4
    replaced = as_json(
        cli_env, "task", "update", task["sid"], "--replace", "--attr", "selected_language=en"
    )
    assert replaced["attributes"] == {"selected_language": "en"}

    canceled = as_json(cli_env, "task", "cancel", task["sid"], "--reason", "caller hung up")
    assert (canceled["assignment_status"], canceled["reason"]) == ("canceled", "caller hung up")
    fetched = sdk.taskrouter.v1.workspaces(quickstart.workspace_sid).tasks(task["sid"]).fetch()
    assert fetched.assignment_status == "canceled"


def test_workers_commands(cli_env, quickstart, sdk) -> None:
    names = [w["friendly_name"] for w in as_json(cli_env, "workers", "list")]
    assert sorted(names) == ["Alice", "Bob"]
    spanish = as_json(cli_env, "workers", "list", "--where", 'languages HAS "es"')
    assert [w["friendly_name"] for w in spanish] == ["Alice"]
    assert spanish[0]["attributes"] == {"languages": ["en", "es"]}
    assert as_json(cli_env, "workers", "list", "--available") == []
    assert len(as_json(cli_env, "workers", "list", "--unavailable")) == 2
    assert len(as_json(cli_env, "workers", "list", "--activity", "offline")) == 2
    assert [
        w["friendly_name"] for w in as_json(cli_env, "workers", "list", "--queue", SPANISH)
    ] == ["Alice"]

    carol = as_json(
        cli_env, "worker", "create", "Carol", "--attr", 'languages=["es"]', "--activity", "Idle"
    )
    assert carol["activity_name"] == "Idle" and carol["attributes"] == {"languages": ["es"]}
    updated = as_json(cli_env, "worker", "update", "carol", "--attr", "level=3", "--name", "Caro")
    assert updated["friendly_name"] == "Caro"
    assert updated["attributes"] == {"languages": ["es"], "level": 3}
    moved = as_json(
        cli_env, "worker", "update", "Caro", "--activity", "Offline", "--reject-pending"
    )
    assert moved["activity_name"] == "Offline"
    fetched = sdk.taskrouter.v1.workspaces(quickstart.workspace_sid).workers(carol["sid"]).fetch()
    assert json.loads(fetched.attributes) == {"languages": ["es"], "level": 3}

    table = ok(cli_env, "workers", "list").stdout
    assert table.splitlines()[0].split() == ["SID", "NAME", "ACTIVITY", "AVAILABLE", "ATTRIBUTES"]
    assert "Caro" in table
    rows = as_csv(cli_env, "workers", "list")
    assert {r["name"] for r in rows} == {"Alice", "Bob", "Caro"}
    shown = ok(cli_env, "worker", "show", "alice").stdout
    assert quickstart.workers["Alice"] in shown and "Offline" in shown
    assert as_json(cli_env, "worker", "show", quickstart.workers["Bob"])["friendly_name"] == "Bob"
    assert as_csv(cli_env, "worker", "show", "Bob")[0]["friendly_name"] == "Bob"


def test_set_activity_formats_and_reject_pending(cli_env, quickstart, sdk) -> None:
    change = as_json(cli_env, "worker", "set-activity", "BOB", quickstart.activities["Idle"])
    assert change["activity_name"] == "Idle" and change["previous_activity_name"] == "Offline"
    assert (change["previous_available"], change["available"]) == (False, True)
    rows = as_csv(cli_env, "worker", "set-activity", "Bob", "Offline", "--reject-pending")
    assert rows[0]["activity_name"] == "Offline" and rows[0]["previous_activity_name"] == "Idle"
    bob = sdk.taskrouter.v1.workspaces(quickstart.workspace_sid).workers(quickstart.workers["Bob"])
    assert bob.fetch().activity_sid == quickstart.activities["Offline"]


def test_set_activity_shows_the_requested_availability_when_a_task_grabs_the_worker(
    cli_env, quickstart
) -> None:
    """The emulator reserves Alice for the waiting task within the update: the change still
    reads Offline -> Idle and no -> yes, with what she is now beside it."""
    create_task(cli_env, "--attr", "selected_language=es")
    table = ok(cli_env, "worker", "set-activity", "Alice", "Idle").stdout
    assert "Offline -> Idle (now Reserved)" in table
    assert "no -> yes (now no)" in table
    change = as_json(cli_env, "worker", "set-activity", "Alice", "Offline", "--reject-pending")
    assert (change["previous_activity_name"], change["requested_activity_name"]) == (
        "Reserved",
        "Offline",
    )
    assert (change["previous_available"], change["requested_available"]) == (False, False)


def test_activities_commands(cli_env, quickstart, sdk) -> None:
    names = {a["friendly_name"] for a in as_json(cli_env, "activities", "list")}
    assert {"Offline", "Idle", "Busy", "Reserved"} <= names
    available = {a["friendly_name"] for a in as_json(cli_env, "activities", "list", "--available")}
    assert "Idle" in available and "Offline" not in available
    created = as_json(cli_env, "activity", "create", "Break", "--unavailable")
    assert (created["friendly_name"], created["available"]) == ("Break", False)
    assert "Break" in ok(cli_env, "activities", "list").stdout
    rows = as_csv(cli_env, "activity", "create", "Training", "--available")
    assert rows[0]["available"] == "true"
    listed = sdk.taskrouter.v1.workspaces(quickstart.workspace_sid).activities.list()
    assert {"Break", "Training"} <= {a.friendly_name for a in listed}
    missing = invoke(cli_env, "activity", "create", "Nap")
    assert missing.exit_code == 2 and "--available" in missing.stderr


def test_queues_commands(cli_env, quickstart, sdk) -> None:
    queues = as_json(cli_env, "queues", "list")
    assert {q["friendly_name"] for q in queues} == {SPANISH, ENGLISH}
    assert [q["friendly_name"] for q in as_json(cli_env, "queues", "list", "--worker", "Bob")] == [
        ENGLISH
    ]
    created = as_json(
        cli_env, "queue", "create", "VIP",
        "--target-workers", "level >= 3",
        "--reservation-activity", "reserved",
        "--assignment-activity", "busy",
        "--max-reserved-workers", "2",
        "--task-order", "lifo",
    )  # fmt: skip
    assert created["target_workers"] == "level >= 3"
    assert created["reservation_activity_sid"] == quickstart.activities["Reserved"]
    assert created["assignment_activity_sid"] == quickstart.activities["Busy"]
    assert (created["max_reserved_workers"], created["task_order"]) == (2, "LIFO")
    updated = as_json(cli_env, "queue", "update", "vip", "--target-workers", 'languages HAS "es"')
    assert updated["target_workers"] == 'languages HAS "es"'
    shown = ok(cli_env, "queue", "show", "VIP").stdout
    assert created["sid"] in shown and 'languages HAS "es"' in shown
    assert as_csv(cli_env, "queue", "show", created["sid"])[0]["friendly_name"] == "VIP"
    assert "VIP" in ok(cli_env, "queues", "list").stdout
    assert len(as_csv(cli_env, "queues", "list")) == 3
    fetched = sdk.taskrouter.v1.workspaces(quickstart.workspace_sid).task_queues(created["sid"])
    assert fetched.fetch().target_workers == 'languages HAS "es"'


def write_config(tmp_path, spanish: str, english: str):
    path = tmp_path / "workflow.json"
    routing = {
        "filters": [
            {
                "filter_friendly_name": "Spanish",
                "expression": 'selected_language == "es"',
                "targets": [{"queue": spanish}],
            },
            {
                "filter_friendly_name": "English",
                "expression": 'selected_language == "en"',
                "targets": [{"queue": english, "priority": 2}],
            },
        ],
        "default_filter": {"queue": english},
    }
    path.write_text(json.dumps({"task_routing": routing}))
    return path


def test_workflows_commands(cli_env, quickstart, sdk, tmp_path) -> None:
    listed = as_json(cli_env, "workflows", "list")
    assert [w["friendly_name"] for w in listed] == [WORKFLOW]
    assert listed[0]["configuration"]["task_routing"]["filters"][0]["expression"]
    assert as_json(cli_env, "workflow", "show")["sid"] == quickstart.workflow_sid
    assert WORKFLOW in ok(cli_env, "workflows", "list").stdout

    config = write_config(tmp_path, SPANISH.upper(), quickstart.queues[ENGLISH])
    created = as_json(
        cli_env, "workflow", "create", "Second",
        "--config", str(config),
        "--assignment-callback-url", "http://127.0.0.1:9/assign",
        "--fallback-url", "http://127.0.0.1:9/fallback",
        "--timeout", "300",
    )  # fmt: skip
    targets = created["configuration"]["task_routing"]["filters"][0]["targets"]
    assert targets == [{"queue": quickstart.queues[SPANISH]}]
    assert created["assignment_callback_url"] == "http://127.0.0.1:9/assign"
    assert created["fallback_assignment_callback_url"] == "http://127.0.0.1:9/fallback"
    assert created["task_reservation_timeout"] == 300

    updated = as_json(cli_env, "workflow", "update", "second", "--timeout", "60", "--name", "2nd")
    assert (updated["friendly_name"], updated["task_reservation_timeout"]) == ("2nd", 60)
    rows = as_csv(cli_env, "workflow", "show", "2nd")
    assert rows[0]["sid"] == created["sid"]
    shown = ok(cli_env, "workflow", "show", created["sid"]).stdout
    assert "2nd" in shown and "http://127.0.0.1:9/assign" in shown
    assert len(as_csv(cli_env, "workflows", "list")) == 2

    result = invoke(cli_env, "workflow", "show")
    assert result.exit_code == 2 and "2 workflows" in result.stderr and "2nd (WW" in result.stderr
    task = create_task(cli_env, "--attr", "selected_language=es", "--workflow", "2nd")
    assert task["workflow_sid"] == created["sid"]
    result = invoke(cli_env, "task", "create", "--attr", "selected_language=es")
    assert result.exit_code == 2 and "pick one" in result.stderr
    fetched = sdk.taskrouter.v1.workspaces(quickstart.workspace_sid).workflows(created["sid"])
    assert fetched.fetch().task_reservation_timeout == 60


def test_reservations_list_formats(cli_env, quickstart, emulator) -> None:
    task = create_task(cli_env, "--attr", "selected_language=es")
    ok(cli_env, "worker", "set-activity", "Alice", "Idle")
    emulator.wait_idle()
    by_task = as_json(cli_env, "reservations", "list", "--task", task["sid"])
    by_worker = as_json(cli_env, "reservations", "list", "--worker", "alice", "--status", "pending")
    assert [r["sid"] for r in by_task] == [r["sid"] for r in by_worker]
    assert by_task[0]["reservation_status"] == "pending"
    table = ok(cli_env, "reservations", "list", "--task", task["sid"]).stdout
    assert "Alice" in table and "pending" in table
    rows = as_csv(cli_env, "reservations", "list", "--worker", quickstart.workers["Alice"])
    assert rows[0]["task"] == task["sid"]
    assert as_json(cli_env, "reservations", "list", "--worker", "Bob") == []
    result = invoke(cli_env, "reservations", "list")
    assert result.exit_code == 2 and "--task" in result.stderr


def test_workspaces_commands(cli_env, quickstart, sdk, tmp_path) -> None:
    listed = as_json(cli_env, "workspaces", "list")
    assert [w["sid"] for w in listed] == [quickstart.workspace_sid]
    assert "TaskRouter Quickstart" in ok(cli_env, "workspaces", "list").stdout
    assert as_csv(cli_env, "workspaces", "list")[0]["name"] == "TaskRouter Quickstart"
    assert as_json(cli_env, "workspace", "show")["sid"] == quickstart.workspace_sid
    other = sdk.taskrouter.v1.workspaces.create(friendly_name="Second Workspace")

    env = {key: value for key, value in cli_env.items() if key != "TRCTL_WORKSPACE_SID"}
    env.update(TRCTL_WORKSPACE_SID="", TRCTL_CONFIG_DIR=str(tmp_path / "config"))
    result = invoke(env, "tasks", "list")
    assert result.exit_code == 3 and "Second Workspace" in result.stderr
    assert "TaskRouter Quickstart" in result.stderr
    used = invoke(env, "workspaces", "use", "second workspace")
    assert used.exit_code == 0, used.stderr
    assert "Using workspace Second Workspace" in used.stderr
    assert as_json(env, "workspace", "show")["sid"] == other.sid
    assert ok(env, "workspace", "show", "TaskRouter Quickstart").stdout.count(
        quickstart.workspace_sid
    )
    flagged = as_json(env, "--workspace", "taskrouter quickstart", "workers", "list")
    assert len(flagged) == 2
    shadowed = {**cli_env, "TRCTL_CONFIG_DIR": str(tmp_path / "shadowed")}
    noted = invoke(shadowed, "workspaces", "use", other.sid)
    assert noted.exit_code == 0, noted.stderr
    assert "env TRCTL_WORKSPACE_SID still takes precedence" in noted.stderr


@pytest.mark.parametrize("fmt", ["table", "json", "csv"])
def test_workspaces_use_formats(cli_env, quickstart, tmp_path, fmt) -> None:
    env = {**cli_env, "TRCTL_WORKSPACE_SID": "", "TRCTL_CONFIG_DIR": str(tmp_path / "config")}
    stdout = ok(env, "workspaces", "use", "TaskRouter Quickstart", "--format", fmt).stdout
    assert quickstart.workspace_sid in stdout
    if fmt == "json":
        assert json.loads(stdout)["sid"] == quickstart.workspace_sid
    if fmt == "csv":
        assert next(csv.DictReader(io.StringIO(stdout)))["sid"] == quickstart.workspace_sid
    assert as_json(env, "workspace", "show")["sid"] == quickstart.workspace_sid


@pytest.mark.parametrize("fmt", ["table", "json", "csv"])
def test_events_list(cli_env, quickstart, fmt) -> None:
    task = create_task(cli_env, "--attr", "selected_language=es")
    result = ok(cli_env, "events", "list", "--task", task["sid"], "--format", fmt)
    if fmt == "json":
        events = json.loads(result.stdout)
        assert "task.created" in {e["event_type"] for e in events}
        assert all(e["resource_sid"] == task["sid"] for e in events if e["resource_type"] == "task")
    else:
        assert "task.created" in result.stdout
    typed = as_json(cli_env, "events", "list", "--type", "task.created", "--minutes", "60")
    assert typed and {e["event_type"] for e in typed} == {"task.created"}
    if fmt == "csv":  # an event's SID for scripts, like every other list's
        rows = as_csv(cli_env, "events", "list", "--type", "task.created", "--columns", "sid,type")
        assert rows == [{"sid": e["sid"], "type": "task.created"} for e in typed]


def test_workflow_update_re_evaluate_tasks_alone(cli_env, quickstart, sdk) -> None:
    """A configuration changed without re-evaluation leaves waiting tasks where they are;
    `workflow update NAME --re-evaluate-tasks` alone re-routes them."""
    task = create_task(cli_env, "--attr", "selected_language=es")
    ws = sdk.taskrouter.v1.workspaces(quickstart.workspace_sid)
    everything_english = {"task_routing": {"default_filter": {"queue": quickstart.queues[ENGLISH]}}}
    ws.workflows(quickstart.workflow_sid).update(configuration=json.dumps(everything_english))
    assert ws.tasks(task["sid"]).fetch().task_queue_sid == quickstart.queues[SPANISH]
    ok(cli_env, "workflow", "update", WORKFLOW, "--re-evaluate-tasks")
    assert ws.tasks(task["sid"]).fetch().task_queue_sid == quickstart.queues[ENGLISH]
