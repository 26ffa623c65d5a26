"""E2E: `trctl doctor` on an emulator workspace with each problem made for real; every finding
carries the command that fixes it, exit 1 with findings and 0 when healthy."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from cli_support import invoke
from quickstart_setup import SPANISH_QUEUE, build_quickstart
from run_environment import RequestLog
from test_diagnosis import explain, new_task, set_activity, workspace

ROOT = Path(__file__).resolve().parents[2]
QUICKSTART = ROOT / "examples" / "quickstart.toml"
RATE_LIMITED = ("EvaluateTaskAttributes", "TargetWorkersExpression", "EvaluateWorkerAttributes")


def doctor(env: dict[str, str], *args: str, **options: Any) -> tuple[int, list[dict[str, str]]]:
    result = invoke(env, "doctor", "--json", *args, **options)
    assert result.exit_code in (0, 1), result.stderr
    return result.exit_code, json.loads(result.stdout)


def test_a_healthy_workspace_exits_0(cli_env, quickstart):
    result = invoke(cli_env, "doctor")
    assert (result.exit_code, result.stdout) == (0, "")
    assert result.stderr == f"workspace {quickstart.workspace_sid}: no findings\n"


def test_reservations_past_their_timeout_and_no_callback_url(cli_env, sdk, quickstart, emulator):
    set_activity(sdk, quickstart, "Alice", "Idle")
    task = new_task(sdk, quickstart, emulator, {"selected_language": "es"})
    [reservation] = workspace(sdk, quickstart).tasks(task).reservations.list()
    emulator.clock.advance(1300)  # time passes but the timer does not fire: a stuck reservation
    code, findings = doctor(cli_env)
    assert code == 1
    by_location = {f["location"]: f for f in findings}
    stuck = by_location[f"reservation {reservation.sid}"]
    assert stuck["message"].startswith(
        "pending for 1301s, past the workflow's 1200s task_reservation_timeout "
        f"(task {task}, worker Alice)"
    )
    assert stuck["fix"] == f"trctl reservation reject {task} {reservation.sid}"
    silent = by_location["workflow 'Incoming Customer Care Requests'"]
    assert silent["message"] == (
        "no AssignmentCallbackUrl, and 1 reserved task(s) wait for an answer that only a REST "
        f"accept or reject can give: {task}"
    )
    assert silent["fix"] == (
        "trctl serve-callback --workflow 'Incoming Customer Care Requests', or trctl "
        f"reservation accept {task}"
    )


def test_an_idle_worker_holding_a_task_in_a_single_tasking_workspace(
    cli_env, sdk, quickstart, emulator
):
    """The queue leaves Alice Idle when she is reserved and assigned: she looks available but
    holds her one task, so TaskRouter offers her nothing."""
    ws = workspace(sdk, quickstart)
    idle = quickstart.activities["Idle"]
    ws.task_queues(quickstart.queues[SPANISH_QUEUE]).update(
        reservation_activity_sid=idle, assignment_activity_sid=idle
    )
    set_activity(sdk, quickstart, "Alice", "Idle")
    first = new_task(sdk, quickstart, emulator, {"selected_language": "es"})
    [reservation] = ws.tasks(first).reservations.list()
    ws.tasks(first).reservations(reservation.sid).update(reservation_status="accepted")
    _, findings = doctor(cli_env)
    [alice] = [f for f in findings if f["location"] == "worker 'Alice'"]
    assert alice["message"] == (
        f"available (Idle) but holds {first} (single-tasking: 1/1): TaskRouter offers it nothing"
    )
    assert alice["fix"].startswith("complete or wrap up its tasks (trctl task complete TASK_SID)")
    second = new_task(sdk, quickstart, emulator, {"selected_language": "es"})
    assert explain(cli_env, second)["summary"] == (
        f"{second} waits: the only eligible worker, Alice, is busy with {first} "
        "(single-tasking 1/1)"
    )


def test_an_idle_worker_with_every_channel_off_in_a_multitasking_workspace(cli_env, sdk):
    quickstart = build_quickstart(sdk, multi_task_enabled=True)
    env = {**cli_env, "TRCTL_WORKSPACE_SID": quickstart.workspace_sid}
    set_activity(sdk, quickstart, "Alice", "Idle")
    alice = workspace(sdk, quickstart).workers(quickstart.workers["Alice"])
    channels = alice.worker_channels.list()
    for channel in channels:
        alice.worker_channels(channel.sid).update(available=False)
    _, findings = doctor(env)
    [finding] = [f for f in findings if f["location"] == "worker 'Alice'"]
    assert finding["message"].startswith("available (Idle) but has no free capacity on any ")
    off = ", ".join(f"{c.task_channel_unique_name} off" for c in channels)
    assert finding["message"].endswith(f"channel ({off}): TaskRouter offers it nothing")
    alice.worker_channels(channels[0].sid).update(available=True)
    assert not [f for f in doctor(env)[1] if f["location"] == "worker 'Alice'"]


def test_a_task_waiting_while_an_eligible_worker_is_free(cli_env, sdk, quickstart, emulator):
    task = new_task(sdk, quickstart, emulator, {"selected_language": "es"})
    # Alice becomes Idle without TaskRouter routing (as when an update is missed): a fault
    # injected in the store, under the emulator's own lock
    with emulator.core.kernel.tx():
        emulator.core.store.update(
            "workers",
            quickstart.workers["Alice"],
            {"activity_sid": quickstart.activities["Idle"], "available": 1},
        )
    emulator.advance(60)
    _, findings = doctor(cli_env)
    [waiting] = [f for f in findings if f["location"] == f"task {task}"]
    assert waiting == {
        "severity": "error",
        "location": f"task {task}",
        "message": f"pending for 61s in queue '{SPANISH_QUEUE}' while Alice is eligible, "
        "available and free",
        "fix": f"trctl explain {task}",
    }
    _, later = doctor(cli_env, "--pending-after", "120")
    assert not [f for f in later if f["location"] == f"task {task}"]


def test_a_local_callback_url_where_nothing_listens(cli_env, sdk, quickstart):
    flow = workspace(sdk, quickstart).workflows(quickstart.workflow_sid)
    flow.update(fallback_assignment_callback_url="http://localhost:9/fallback")
    _, findings = doctor(cli_env)
    [dead] = findings
    assert dead["location"] == (
        "workflow 'Incoming Customer Care Requests' fallback_assignment_callback_url"
    )
    assert (
        dead["message"]
        == "http://localhost:9/fallback is a local URL where nothing listens: callbacks fail"
    )
    assert dead["fix"] == (
        "start the server there (e.g. trctl serve-callback), or trctl workflows update "
        "'Incoming Customer Care Requests' --fallback-url URL"
    )


def test_drift_from_a_workspace_file(emulator, tmp_path):
    env = {**emulator.env(), "TRCTL_CONFIG_DIR": str(tmp_path)}
    assert invoke(env, "workspace", "apply", str(QUICKSTART)).exit_code == 0
    env["TRCTL_WORKSPACE_SID"] = "TaskRouter Quickstart"
    assert doctor(env, "--file", str(QUICKSTART)) == (0, [])
    invoke(env, "worker", "update", "Bob", "--attr", 'languages=["en","fr"]')
    code, findings = doctor(env, "--file", str(QUICKSTART))
    assert (code, findings) == (
        1,
        [
            {
                "severity": "warning",
                "location": "worker 'Bob'",
                "message": f"differs from {QUICKSTART} (attributes)",
                "fix": f"trctl workspace apply {QUICKSTART}",
            }
        ],
    )


def test_doctor_reads_with_plain_gets_only(cli_env, sdk, quickstart, emulator):
    set_activity(sdk, quickstart, "Bob", "Idle")
    new_task(sdk, quickstart, emulator, {"selected_language": "es"})
    seen = RequestLog()
    doctor(cli_env, transport=seen)
    assert seen and all(method == "GET" for method, _, _ in seen)
    assert not [params for _, _, params in seen if set(params) & set(RATE_LIMITED)]


def test_credentials_in_a_callback_url_never_reach_the_output(cli_env, sdk, quickstart):
    flow = workspace(sdk, quickstart).workflows(quickstart.workflow_sid)
    flow.update(assignment_callback_url="http://app:pw-0451@127.0.0.1:9/assignment")
    result = invoke(cli_env, "doctor", "--json")
    assert result.exit_code == 1 and "127.0.0.1:9" in result.stdout
    task = workspace(sdk, quickstart).tasks.create(
        attributes='{"selected_language": "fr"}', workflow_sid=quickstart.workflow_sid
    )
    shown = invoke(cli_env, "explain", task.sid, "--json").stdout
    assert "pw-0451" not in result.stdout + result.stderr + shown
    assert "http://***@127.0.0.1:9/assignment" in shown
