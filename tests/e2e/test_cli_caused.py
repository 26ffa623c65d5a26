"""E2E: commands say what they caused: `worker set-activity` the reservation it led to within a
second, `task create` where the task went."""

from __future__ import annotations

import json

from cli_support import as_json, ok
from run_environment import RecordingClock

SPANISH = "Customer Care Requests - Spanish"


def test_set_activity_names_the_reservation_it_led_to(cli_env, sdk, quickstart) -> None:
    task = as_json(cli_env, "task", "create", "--attr", "selected_language=es")
    change = as_json(cli_env, "worker", "set-activity", "Alice", "Idle")
    ws = sdk.taskrouter.v1.workspaces(quickstart.workspace_sid)
    (reservation,) = ws.tasks(task["sid"]).reservations.list()
    assert change["reservations"] == [{"sid": reservation.sid, "task_sid": task["sid"]}]
    bob = ok(cli_env, "worker", "set-activity", "Bob", "Idle").stdout
    assert "CAUSED     no reservation" in bob  # nothing waits in Bob's queue


def test_set_activity_as_a_table(cli_env) -> None:
    task = as_json(cli_env, "task", "create", "--attr", "selected_language=es")
    table = ok(cli_env, "worker", "set-activity", "Alice", "Idle").stdout
    assert "ACTIVITY   Offline -> Idle (now Reserved)" in table
    assert f"CAUSED     reserved for {task['sid']} (WR" in table


def test_against_taskrouter_a_reservation_is_waited_for_one_second(sdk, quickstart) -> None:
    """TaskRouter reserves after answering the update: the service looks again every 0.25 s,
    for a second at most (played here by a task created during the first pause)."""
    from trctl.services.resolve import Resolver
    from trctl.services.workers import set_activity

    ws = sdk.taskrouter.v1.workspaces(quickstart.workspace_sid)
    made: list[str] = []
    clock = RecordingClock()

    def routed_late(seconds: float) -> None:
        clock.sleep(seconds)
        if not made:
            made.append(ws.tasks.create(attributes=json.dumps({"selected_language": "es"})).sid)

    resolver = Resolver(sdk, quickstart.workspace_sid)
    change = set_activity(resolver, "Alice", "Idle", wait=1.0, sleep=routed_late)
    assert clock.slept == [0.25]
    assert [r["task_sid"] for r in change["reservations"]] == made
    nothing = set_activity(resolver, "Bob", "Idle", wait=1.0, sleep=clock.sleep)
    assert nothing["reservations"] == [] and clock.slept == [0.25] * 5  # a second, then no
    offline = set_activity(resolver, "Bob", "Offline", wait=1.0, sleep=clock.sleep)
    assert offline["reservations"] == [] and len(clock.slept) == 5  # unavailable: no look


def test_a_reservation_already_accepted_is_still_what_the_change_caused(sdk, quickstart) -> None:
    """An app answering the assignment callback `accept` may be quicker than the look for the
    reservation (the demo's serve-callback is, now and then, on a loaded machine): it is found
    among the accepted ones, so CAUSED does not say nothing happened."""
    from trctl.services.resolve import Resolver
    from trctl.services.workers import reservations_after

    ws = sdk.taskrouter.v1.workspaces(quickstart.workspace_sid)
    task = ws.tasks.create(attributes=json.dumps({"selected_language": "es"})).sid
    alice = ws.workers(quickstart.workers["Alice"])
    changed = alice.update(activity_sid=quickstart.activities["Idle"])
    (reservation,) = ws.tasks(task).reservations.list()
    ws.tasks(task).reservations(reservation.sid).update(reservation_status="accepted")
    resolver = Resolver(sdk, quickstart.workspace_sid)
    worker = {"sid": changed.sid, "date_status_changed": changed.date_status_changed.strftime(
        "%Y-%m-%dT%H:%M:%SZ")}  # fmt: skip
    found = reservations_after(resolver, worker, 0.0, None)
    assert found == [{"sid": reservation.sid, "task_sid": task}]


def test_task_create_says_where_the_task_went(cli_env) -> None:
    waiting = as_json(cli_env, "task", "create", "--attr", "selected_language=es")
    assert waiting["assignment_status"] == "pending" and waiting["reservations"] == []
    table = ok(cli_env, "task", "create", "--attr", "selected_language=es").stdout
    assert f"ROUTED      pending in '{SPANISH}'" in table
    ok(cli_env, "worker", "set-activity", "Bob", "Idle")
    reserved = as_json(cli_env, "task", "create", "--attr", "selected_language=en")
    (reservation,) = reserved["reservations"]
    assert reservation["worker_name"] == "Bob" and reservation["sid"].startswith("WR")
    ok(cli_env, "worker", "set-activity", "Alice", "Idle")  # takes the first Spanish task
    table = ok(cli_env, "task", "create", "--attr", "selected_language=en").stdout
    assert "ROUTED      pending in 'Customer Care Requests - English'" in table  # Bob is busy
