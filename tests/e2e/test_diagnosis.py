"""E2E: `trctl explain` and `trctl workflows lint` on the failures TaskRouter developers meet,
each built for real on the emulator (fake clock, no sleeping), and the requests they make."""

from __future__ import annotations

import json
from typing import Any

import pytest
from cli_support import as_json, invoke, ok
from quickstart_setup import ENGLISH_QUEUE, SPANISH_QUEUE, WORKFLOW_NAME, build_quickstart
from run_environment import RequestLog

RATE_LIMITED = ("EvaluateTaskAttributes", "TargetWorkersExpression", "EvaluateWorkerAttributes")


def workspace(sdk: Any, quickstart: Any) -> Any:
    return sdk.taskrouter.v1.workspaces(quickstart.workspace_sid)


def new_task(sdk: Any, quickstart: Any, emulator: Any, attributes: dict, **options: Any) -> str:
    """Create a task, then let a second pass on the fake clock (so --last is unambiguous)."""
    task = workspace(sdk, quickstart).tasks.create(
        attributes=json.dumps(attributes), workflow_sid=quickstart.workflow_sid, **options
    )
    emulator.advance(1)
    return task.sid


def set_activity(sdk: Any, quickstart: Any, worker: str, activity: str) -> None:
    sid = quickstart.workers[worker]
    workspace(sdk, quickstart).workers(sid).update(activity_sid=quickstart.activities[activity])


def set_filters(sdk: Any, quickstart: Any, *filters: dict) -> None:
    """The quickstart workflow routes with these filters (queues by SID) and no default."""
    workspace(sdk, quickstart).workflows(quickstart.workflow_sid).update(
        configuration=json.dumps({"task_routing": {"filters": list(filters)}})
    )


def explain(env: dict[str, str], task: str) -> dict[str, Any]:
    return as_json(env, "explain", task)


def verdicts(trace: dict[str, Any]) -> dict[str, tuple[str, str]]:
    return {w["friendly_name"]: (w["verdict"], w["reason"]) for w in trace["workers"]}


def test_a_spanish_task_with_only_an_english_worker(cli_env, sdk, quickstart, emulator):
    workspace(sdk, quickstart).workers(quickstart.workers["Alice"]).delete()
    set_activity(sdk, quickstart, "Bob", "Idle")
    task = new_task(sdk, quickstart, emulator, {"selected_language": "es"})
    trace = explain(cli_env, task)
    assert trace["status"] == "pending"
    assert trace["summary"] == (
        f"{task} waits: no worker is eligible for queue '{SPANISH_QUEUE}' (1 checked; Bob: "
        f'queue \'{SPANISH_QUEUE}\': languages HAS "es": languages is ["en"])'
    )
    assert [(f["name"], f["matched"], f["chosen"]) for f in trace["filters"]] == [
        ("Spanish", True, True),
        ("English", False, False),
    ]
    assert trace["filters"][1]["failing"] == (
        'selected_language == "en": selected_language is "es"'
    )
    assert trace["target"]["queue"] == SPANISH_QUEUE and trace["target"]["ahead"] == []
    assert verdicts(trace)["Bob"][0] == "not_eligible"
    table = ok(cli_env, "explain", task).stdout
    assert table.splitlines()[0] == trace["summary"]
    assert "  not_eligible    Bob  queue" in table


def test_has_on_a_string_attribute(cli_env, sdk, quickstart, emulator):
    """Carla's languages is "es", not ["es"]: HAS never matches her, and both commands say so."""
    ws = workspace(sdk, quickstart)
    ws.workers.create(
        friendly_name="Carla",
        attributes=json.dumps({"languages": "es"}),
        activity_sid=quickstart.activities["Idle"],
    )
    task = new_task(sdk, quickstart, emulator, {"selected_language": "es"})
    verdict, reason = verdicts(explain(cli_env, task))["Carla"]
    assert verdict == "not_eligible"
    assert reason == (
        f'queue \'{SPANISH_QUEUE}\': languages HAS "es": languages is "es"; '
        "HAS needs a list on the left, found a string"
    )
    findings = json.loads(invoke(cli_env, "workflows", "lint", "--json").stdout)
    has = [f for f in findings if f["location"] == f"queue '{SPANISH_QUEUE}'"]
    assert has and "languages is a string in 1 of the 3 workers that have it" in has[0]["message"]
    assert '(Carla: "es")' in has[0]["message"]
    assert has[0]["fix"] == 'store languages as a list, or compare with languages == "es"'


def test_a_hyphenated_key(cli_env, sdk, quickstart, emulator, tmp_path):
    """The task says selected-language: no expression can read it. explain points at the
    attribute; lint refuses the expression that tries to."""
    task = new_task(sdk, quickstart, emulator, {"selected-language": "es"})
    trace = explain(cli_env, task)
    assert trace["status"] == "canceled"
    assert trace["filters"][0]["failing"] == (
        'selected_language == "es": selected_language is missing (the attributes have '
        "'selected-language': TaskRouter reads a hyphen as minus, so rename the attribute "
        "'selected_language')"
    )
    routing = {
        "task_routing": {
            "filters": [
                {
                    "filter_friendly_name": "Spanish",
                    "expression": 'selected-language == "es"',
                    "targets": [{"queue": SPANISH_QUEUE}],
                }
            ]
        }
    }
    config = tmp_path / "routing.json"
    config.write_text(json.dumps(routing))
    result = invoke(cli_env, "workflows", "lint", "--config", str(config), "--json")
    assert result.exit_code == 1
    [finding] = json.loads(result.stdout)
    assert finding["severity"] == "error" and finding["location"] == "filters[0] 'Spanish'"
    assert finding["message"].startswith("hyphenated key 'selected-language': TaskRouter reads")
    assert "rename the attribute 'selected_language'" in finding["fix"]
    hyphens = json.loads(invoke(cli_env, "workflows", "lint", "--json").stdout)
    assert any("'selected-language'" in f["message"] for f in hyphens)  # seen in recent tasks


def test_an_idle_worker_whose_only_channel_is_at_capacity(cli_env, sdk, emulator):
    quickstart = build_quickstart(sdk, multi_task_enabled=True)
    env = {**cli_env, "TRCTL_WORKSPACE_SID": quickstart.workspace_sid}
    ws = workspace(sdk, quickstart)
    set_activity(sdk, quickstart, "Alice", "Idle")
    first = new_task(sdk, quickstart, emulator, {"selected_language": "es"}, task_channel="voice")
    [reservation] = ws.tasks(first).reservations.list()
    ws.tasks(first).reservations(reservation.sid).update(reservation_status="accepted")
    second = new_task(sdk, quickstart, emulator, {"selected_language": "es"}, task_channel="voice")
    trace = explain(env, second)
    assert trace["summary"] == (
        f"{second} waits: the only eligible worker, Alice, is busy with {first} (voice 1/1)"
    )
    assert verdicts(trace)["Alice"] == ("busy", f"busy with {first} (voice 1/1)")
    assert ws.workers(quickstart.workers["Alice"]).fetch().activity_name == "Idle"
    first_chat = new_task(
        sdk, quickstart, emulator, {"selected_language": "es"}, task_channel="chat"
    )
    assert explain(env, first_chat)["status"] == "reserved"


def test_a_filter_shadowed_by_a_catch_all(cli_env, sdk, quickstart, emulator):
    spanish, english = quickstart.queues[SPANISH_QUEUE], quickstart.queues[ENGLISH_QUEUE]
    set_filters(
        sdk,
        quickstart,
        {"filter_friendly_name": "Everyone", "expression": "1==1", "targets": [{"queue": english}]},
        {
            "filter_friendly_name": "Spanish",
            "expression": 'selected_language == "es"',
            "targets": [{"queue": spanish}],
        },
    )
    task = new_task(sdk, quickstart, emulator, {"selected_language": "es"})
    trace = explain(cli_env, task)
    assert [(f["name"], f["matched"], f["chosen"]) for f in trace["filters"]] == [
        ("Everyone", True, True),
        ("Spanish", True, False),
    ]
    assert trace["target"]["queue"] == ENGLISH_QUEUE
    assert trace["target"]["ahead"] == []  # no timeout: the Spanish filter is never reached
    table = ok(cli_env, "explain", task).stdout
    assert '  [1] Spanish: matched, but [0] comes first  selected_language == "es"' in table
    result = invoke(cli_env, "workflows", "lint", "--json")
    assert result.exit_code == 1
    [shadow] = [f for f in json.loads(result.stdout) if f["severity"] == "error"]
    assert shadow == {
        "severity": "error",
        "location": "filters[1] 'Spanish'",
        "message": "no task can reach this filter: filters[0] 'Everyone' (1 == 1) always "
        "matches first",
        "fix": "move it above filters[0] 'Everyone', or narrow that filter",
    }


def test_a_task_canceled_for_matching_nothing(cli_env, sdk, quickstart, emulator):
    task = new_task(sdk, quickstart, emulator, {"selected_language": "fr"})
    trace = as_json(cli_env, "explain", "--last")
    assert trace["task"] == task
    assert trace["summary"] == (
        f"{task} was canceled: it matched no filter and the workflow has no default_filter"
    )
    assert [f["failing"] for f in trace["filters"]] == [
        'selected_language == "es": selected_language is "fr"',
        'selected_language == "en": selected_language is "fr"',
    ]
    assert trace["target"] is None and trace["workers"] == []
    assert [p["event"] for p in trace["path"]] == [
        "task.created",
        "workflow.entered",
        "task.canceled",
    ]
    result = invoke(cli_env, "workflows", "lint", "--json")
    assert result.exit_code == 0  # warnings only
    assert any(f["message"].startswith("no default_filter") for f in json.loads(result.stdout))


def test_a_task_that_moved_to_its_second_target_after_a_timeout(cli_env, sdk, quickstart, emulator):
    spanish, english = quickstart.queues[SPANISH_QUEUE], quickstart.queues[ENGLISH_QUEUE]
    set_filters(
        sdk,
        quickstart,
        {
            "filter_friendly_name": "Spanish",
            "expression": 'selected_language == "es"',
            "targets": [{"queue": spanish, "timeout": 30}, {"queue": english}],
        },
    )
    task = new_task(sdk, quickstart, emulator, {"selected_language": "es"})  # 1 s passes
    before = explain(cli_env, task)
    assert (before["target"]["queue"], before["target"]["target_index"]) == (SPANISH_QUEUE, 0)
    assert before["target"]["time_left"] == 29
    assert [s["queue"] for s in before["target"]["ahead"]] == [ENGLISH_QUEUE]
    assert before["summary"].endswith(f"; it moves to queue '{ENGLISH_QUEUE}' in 29s")

    emulator.advance(30)
    after = explain(cli_env, task)
    assert after["status"] == "pending"
    assert (after["target"]["queue"], after["target"]["target_index"]) == (ENGLISH_QUEUE, 1)
    assert after["target"]["ahead"] == [] and after["target"]["time_left"] is None
    assert after["summary"] == (
        f"{task} waits: none of the 2 eligible workers can take it now (2 unavailable)"
    )
    events = [p["event"] for p in after["path"]]
    assert events.count("workflow.target-matched") == 2
    assert events.index("task-queue.timeout") < events.index("task-queue.moved")
    table = ok(cli_env, "explain", task).stdout
    assert f"target    queue '{ENGLISH_QUEUE}' (filter 'Spanish', target 1)" in table


def test_a_finished_task_shows_the_path_it_took(cli_env, sdk, quickstart, emulator):
    set_activity(sdk, quickstart, "Alice", "Idle")
    task = new_task(sdk, quickstart, emulator, {"selected_language": "es"})
    ws = workspace(sdk, quickstart)
    [reservation] = ws.tasks(task).reservations.list()
    ws.tasks(task).reservations(reservation.sid).update(reservation_status="accepted")
    trace = explain(cli_env, task)
    assert trace["summary"] == f"{task} is assigned to Alice (queue '{SPANISH_QUEUE}')"
    assert ("reservation.accepted", "Alice: accepted") in [
        (p["event"], p["detail"]) for p in trace["path"]
    ]


@pytest.mark.parametrize("args", [(), ("WT" + "0" * 32, "--last")], ids=["neither", "both"])
def test_explain_needs_exactly_one_task(cli_env, args):
    result = invoke(cli_env, "explain", *args)
    assert result.exit_code == 2 and "give a TASK_SID or --last" in result.stderr


def test_an_unknown_task_is_exit_4(cli_env):
    result = invoke(cli_env, "explain", "WT" + "0" * 32)
    assert result.exit_code == 4 and result.stderr.startswith("Error: ")


def test_explain_and_lint_read_with_plain_gets_only(cli_env, sdk, quickstart, emulator, tmp_path):
    """Never a write, never a list filter that evaluates an expression (rate limited on
    TaskRouter), and explain's cost is fixed: 7 requests, one fetch per worker (a list answer
    leaves attributes null), plus the load of the workers whose verdict depends on it."""
    set_activity(sdk, quickstart, "Alice", "Idle")
    busy = new_task(sdk, quickstart, emulator, {"selected_language": "es"})
    task = new_task(sdk, quickstart, emulator, {"selected_language": "es"})
    config = tmp_path / "routing.json"
    config.write_text(json.dumps({"task_routing": {"filters": [
        {"expression": "1==1", "targets": [{"queue": SPANISH_QUEUE}]}]}}))  # fmt: skip
    seen = RequestLog()
    ok(cli_env, "explain", task, transport=seen)
    explain_requests = list(seen)
    ok(cli_env, "explain", "--last", "--json", transport=seen)
    ok(cli_env, "workflows", "lint", transport=seen)
    invoke(cli_env, "workflows", "lint", "--config", str(config), transport=seen)
    assert seen and all(method == "GET" for method, _, _ in seen)
    assert not [params for _, _, params in seen if set(params) & set(RATE_LIMITED)]
    paths = [path.split("/", 2)[-1] for _, path, _ in explain_requests]
    worker_fetches = sorted(paths[5 : 5 + len(quickstart.workers)])
    paths[5 : 5 + len(quickstart.workers)] = worker_fetches
    assert paths[: 7 + len(quickstart.workers)] == [
        f"Tasks/{task}",
        quickstart.workspace_sid,
        f"Workflows/{quickstart.workflow_sid}",
        "TaskQueues",
        "Workers",
        *sorted(f"Workers/{sid}" for sid in quickstart.workers.values()),
        f"Tasks/{task}/Reservations",
        "Events",
    ]
    assert paths[7 + len(quickstart.workers) :] == []  # Alice holds `busy`: no load to read
    assert busy != task


def test_a_worker_who_rejected_the_task_is_not_offered_it_again(cli_env, sdk, quickstart, emulator):
    """The verdict comes from the task's reservations: Alice rejected it and is Idle again."""
    set_activity(sdk, quickstart, "Alice", "Idle")
    task = new_task(sdk, quickstart, emulator, {"selected_language": "es"})
    ws = workspace(sdk, quickstart)
    [reservation] = ws.tasks(task).reservations.list()
    ws.tasks(task).reservations(reservation.sid).update(
        reservation_status="rejected", worker_activity_sid=quickstart.activities["Idle"]
    )
    trace = explain(cli_env, task)
    assert trace["status"] == "pending"
    assert verdicts(trace)["Alice"] == (
        "rejected_before",
        "rejected this task before (it is not offered again)",
    )
    assert trace["summary"] == (
        f"{task} waits: the only eligible worker, Alice, rejected it before "
        "(it is not offered again)"
    )


def test_many_workers_are_counted_and_the_first_n_listed(cli_env, sdk, quickstart, emulator):
    task = new_task(sdk, quickstart, emulator, {"selected_language": "es"})
    lines = ok(cli_env, "explain", task, "--workers", "1").stdout.splitlines()
    start = lines.index("workers   2: 1 unavailable, 1 not eligible")
    assert lines[start + 1 : start + 3] == [
        "  unavailable     Alice  activity 'Offline' is not available",  # the best verdict first
        "  ... 1 more (--workers N, or --json)",
    ]


def test_on_a_terminal_the_summary_is_broken_between_words_the_rest_cut(
    cli_env, sdk, quickstart, emulator
):
    note = "a note long enough to be cut on an eighty column terminal, " * 2
    task = new_task(sdk, quickstart, emulator, {"selected_language": "es", "note": note})
    summary = explain(cli_env, task)["summary"]
    assert len(summary) > 80
    env = {**cli_env, "COLUMNS": "80", "NO_COLOR": "1"}
    lines = invoke(env, "explain", task, stdout_isatty=True).stdout.splitlines()
    assert max(len(line) for line in lines) <= 80
    blank = lines.index("")
    assert " ".join(line.strip() for line in lines[:blank]) == summary  # whole, not cut
    assert lines[blank + 2].startswith("attrs     {") and lines[blank + 2].endswith("…")


def test_lint_samples_the_newest_tasks_and_refuses_a_workflow_and_a_file(
    cli_env, sdk, quickstart, emulator, tmp_path
):
    new_task(sdk, quickstart, emulator, {"selected-language": "es"})
    new_task(sdk, quickstart, emulator, {"selected_language": "es"})

    def hyphen_findings(*args: str) -> list[dict]:
        findings = json.loads(ok(cli_env, "workflows", "lint", "--json", *args).stdout)
        return [f for f in findings if "'selected-language'" in f["message"]]

    assert hyphen_findings()  # the default sample (50) holds the older task
    assert hyphen_findings("--sample", "1") == []  # the newest task only
    config = tmp_path / "routing.json"
    config.write_text(json.dumps({"task_routing": {"filters": []}}))
    both = invoke(cli_env, "workflows", "lint", WORKFLOW_NAME, "--config", str(config))
    assert both.exit_code == 2 and "not both" in both.stderr
