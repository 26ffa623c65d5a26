"""E2E: the everyday commands of issue 14 (global options anywhere, task reasons), against the
emulator."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from cli_support import ISOLATED, as_json, failed, invoke, ok
from run_environment import RecordingClock
from twilio.http.http_client import TwilioHttpClient

from trctl.cli.demo_script import listening_on_loopback
from trctl.errors import ListenError
from trctl.services.http import RetryingHttpClient

WORKSPACE = "TaskRouter Quickstart"
WORKFLOW = "Incoming Customer Care Requests"


def test_global_options_work_after_the_command(cli_env, emulator, quickstart) -> None:
    bare = {k: v for k, v in cli_env.items() if k not in ("TRCTL_WORKSPACE_SID", "TRCTL_API_URL")}
    listed = as_json(bare, "workers", "list", "-w", WORKSPACE, "--api-url", emulator.url)
    assert {w["friendly_name"] for w in listed} == {"Alice", "Bob"}
    # on a group and on the command alike; the later of two -w wins, as the later word does
    ok(bare, "--api-url", emulator.url, "-w", "nope", "workers", "-w", WORKSPACE, "list")
    assert "unknown workspace 'nope'" in failed(
        bare, 4, "workers", "list", "--api-url", emulator.url, "-w", "nope"
    )
    assert 'profile named "nope" (flag --profile)' in failed(
        cli_env, 3, "tasks", "list", "--profile", "nope"
    )
    other_account = "AC" + "9" * 32
    assert "401" in failed(cli_env, 3, "workers", "list", "--account-sid", other_account)
    # --debug after the command shows the traceback of a failure
    missing = "WT" + "0" * 32
    debugged = invoke(cli_env, "tasks", "show", missing, "--debug")
    assert debugged.exit_code == 4 and "Traceback" in debugged.stderr
    assert "Traceback" not in invoke(cli_env, "tasks", "show", missing).stderr


def test_a_command_keeps_its_own_option_of_a_global_name(cli_env, tmp_path) -> None:
    """`profiles set --account-sid` names the profile's account, not the run's."""
    sid = "AC" + "4" * 32
    done = invoke(cli_env, "profiles", "set", "p", "--account-sid", sid, "--from-env")
    assert done.exit_code == 0, done.stderr
    assert next(p["account_sid"] for p in as_json(cli_env, "profiles", "list")) == sid


def test_complete_and_cancel_without_reason_record_a_default_one(
    cli_env, sdk, quickstart, emulator
) -> None:
    """TaskRouter answers 400 to a cancel or complete without Reason; trctl sends its default."""
    waiting = as_json(cli_env, "task", "create", "--attr", "selected_language=es")
    canceled = as_json(cli_env, "task", "cancel", waiting["sid"])
    assert canceled["assignment_status"] == "canceled"
    assert canceled["reason"] == "canceled with trctl"
    tasks = [as_json(cli_env, "task", "create", "--attr", "selected_language=en") for _ in "ab"]
    for worker in ("Alice", "Bob"):
        ok(cli_env, "worker", "set-activity", worker, "Idle")
    emulator.wait_idle()
    for task in tasks:
        ok(cli_env, "reservation", "accept", task["sid"])
    done = as_json(cli_env, "task", "complete", tasks[0]["sid"])
    assert (done["assignment_status"], done["reason"]) == ("completed", "completed with trctl")
    fetched = sdk.taskrouter.v1.workspaces(quickstart.workspace_sid).tasks(tasks[0]["sid"]).fetch()
    assert fetched.reason == "completed with trctl"
    said = as_json(cli_env, "task", "complete", tasks[1]["sid"], "--reason", "call ended")
    assert said["reason"] == "call ended"
    shown = " ".join(ok(cli_env, "task", "complete", "--help").stdout.split())
    assert "[default: completed with trctl]" in shown


def test_events_list_refuses_an_unknown_type_before_any_request(cli_env) -> None:
    line = failed(cli_env, 2, "events", "list", "--type", "task.create")
    assert line == (
        "Error: --type: unknown event type 'task.create' (did you mean 'task.created'? "
        "see `trctl events types`)"
    )


@pytest.mark.parametrize(
    "command",
    [
        ["emulator", "start", "--memory", "--quiet"],
        ["serve-callback", "--no-wire", "--no-tunnel", "--api-url", "http://127.0.0.1:9"],
    ],
)
def test_a_port_in_use_is_the_same_exit_code_everywhere(command, tmp_path) -> None:
    env = {**os.environ, **ISOLATED, "TWILIO_AUTH_TOKEN": "x" * 32, "TRCTL_DATA_DIR": str(tmp_path)}
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run(
            [str(Path(sys.executable).with_name("trctl")), *command, "--port", str(port)],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert done.returncode == 9, done.stderr
    assert done.stderr == (
        f"Error: cannot listen on 127.0.0.1:{port}: address already in use "
        "(pick another --port, or --port 0 for a free one)\n"
    )


def test_the_demo_fails_to_listen_with_the_same_exit_code() -> None:
    """The demo binds free ports of its own; when even that fails, it exits as the others."""
    with pytest.raises(ListenError) as caught, listening_on_loopback():
        raise OSError(98, "Address already in use")
    assert caught.value.exit_code == 9
    assert caught.value.one_line().startswith("cannot listen on 127.0.0.1:0: address already")


class TwoSecondsEach(TwilioHttpClient):
    """Each request takes two seconds of the run's clock; the spinner is asked to draw then,
    as its thread would (without waiting for real time to pass)."""

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        self._sleep(2.0)  # type: ignore[attr-defined]  # the run's clock moves on
        if self.busy is not None:  # type: ignore[attr-defined]
            self.busy.__self__.tick()  # type: ignore[attr-defined]
        return super().request(method, url, *args, **kwargs)


class SlowApi(RetryingHttpClient, TwoSecondsEach):
    pass


@pytest.mark.parametrize("terminal", [True, False])
def test_a_slow_request_shows_a_spinner_on_a_terminal_only(cli_env, emulator, terminal) -> None:
    listed = invoke(
        cli_env,
        "activities",
        "list",
        "--json",
        transport=SlowApi,
        clock=RecordingClock(),
        stderr_isatty=terminal,
    )
    assert listed.exit_code == 0, listed.stderr
    host = emulator.url.removeprefix("http://")
    line = f"| waiting for {host} (2 s)"
    if terminal:
        assert listed.stderr.startswith(f"\r{line}")
        assert listed.stderr.endswith("\r" + " " * len(line) + "\r")  # erased before the data
    else:
        assert listed.stderr == ""
    assert {a["friendly_name"] for a in json.loads(listed.stdout)} >= {"Idle"}


def test_lists_show_the_newest_records_and_say_what_was_left_out(cli_env, sdk, quickstart):
    ws = sdk.taskrouter.v1.workspaces(quickstart.workspace_sid)
    for n in range(60):  # all pending: every worker is Offline
        attributes = json.dumps({"selected_language": "es", "n": n})
        ws.tasks.create(attributes=attributes, workflow_sid=quickstart.workflow_sid)

    def listed(*args: str) -> tuple[list[dict], str]:
        result = invoke(cli_env, *args, "--json")
        assert result.exit_code == 0, result.stderr
        return json.loads(result.stdout), result.stderr

    tasks, note = listed("tasks", "list")
    assert [t["attributes"]["n"] for t in tasks] == list(range(10, 60))  # the newest, in order
    assert note == "Showing 50 of 60 tasks (--all or --limit N for more)\n"
    tasks, note = listed("tasks", "list", "--status", "pending", "--limit", "5")
    assert [t["attributes"]["n"] for t in tasks] == list(range(55, 60))
    assert note == "Showing 5 of 60 tasks (--all or --limit N for more)\n"  # statistics count
    _, note = listed("tasks", "list", "--where", "n >= 0", "--limit", "5")
    assert note == "Showing the newest 5 tasks; more exist (--all or --limit N for more)\n"
    _, note = listed("tasks", "list", "--order", "priority:desc", "--limit", "5")
    assert note == "Showing 5 of 60 tasks (--all or --limit N for more)\n"
    every, note = listed("tasks", "list", "--all", "--fetch-attributes")
    assert len(every) == 60 and note == ""

    workers, note = listed("workers", "list", "--limit", "1")
    assert [w["friendly_name"] for w in workers] == ["Bob"]  # created after Alice
    assert note == "Showing 1 of 2 workers (--all or --limit N for more)\n"
    for group, total in (("queues", 2), ("activities", 6)):
        records, note = listed(group, "list", "--limit", "1")
        assert len(records) == 1
        assert note == f"Showing 1 of {total} {group} (--all or --limit N for more)\n"
    events, _ = listed("events", "list", "--all")
    newest, note = listed("events", "list", "--limit", "3")
    assert [e["sid"] for e in newest] == [e["sid"] for e in events[-3:]]
    assert note == f"Showing 3 of {len(events):,} events (--all or --limit N for more)\n"
    assert listed("workflows", "list")[1] == ""  # nothing left out, nothing said


@pytest.mark.parametrize(
    ("group", "target", "what"),
    [
        ("workers", "Bob", "worker 'Bob'"),
        ("queues", "Customer Care Requests - English", "queue 'Customer Care Requests - English'"),
        ("activities", "Busy", "activity 'Busy'"),
        ("workflows", WORKFLOW, f"workflow '{WORKFLOW}'"),
    ],
)
def test_delete_asks_on_a_terminal_and_refuses_without_one(cli_env, group, target, what) -> None:
    if group == "queues":  # a queue a workflow routes to is in use: the workflow goes first
        ok(cli_env, "workflows", "delete", WORKFLOW, "--yes")
    if group == "activities":
        ok(cli_env, "queues", "update", "Customer Care Requests - English",
           "--assignment-activity", "Reserved")  # fmt: skip
        ok(cli_env, "queues", "update", "Customer Care Requests - Spanish",
           "--assignment-activity", "Reserved")  # fmt: skip

    def names() -> set[str]:
        return {r["name"] for r in as_json(cli_env, group, "list", "--columns", "name")}

    assert target in names()
    refused = failed(cli_env, 2, group, "delete", target)
    assert refused.startswith(f"Error: not going to delete {what} (")
    assert refused.endswith("without confirmation (stdin is not a terminal: add --yes)")
    declined = invoke(cli_env, group, "delete", target, input="\n", stdin_isatty=True)
    assert declined.exit_code == 1 and "This cannot be undone. [y/N] " in declined.stderr
    assert target in names()
    done = invoke(cli_env, group, "delete", target, input="y\n", stdin_isatty=True)
    assert done.exit_code == 0, done.stderr
    assert f"Deleted {what} (" in done.stderr
    assert target not in names()


def test_tasks_and_workspaces_are_deleted_and_created(cli_env, emulator) -> None:
    task = as_json(cli_env, "task", "create", "--attr", "selected_language=es")
    gone = invoke(cli_env, "task", "delete", task["sid"], "--yes")
    assert gone.stderr == f"Deleted task {task['sid']} (pending).\n"
    assert failed(cli_env, 4, "task", "show", task["sid"])
    made = as_json(cli_env, "workspace", "create", "Sales", "--template", "fifo")
    assert made["friendly_name"] == "Sales"
    assert {w["friendly_name"] for w in as_json(cli_env, "workspaces", "list")} >= {"Sales"}
    refused = failed(cli_env, 2, "workspace", "delete", "sales")
    assert "every worker, queue, workflow and task in it" in refused
    ok(cli_env, "workspace", "delete", "sales", "-y")
    assert "Sales" not in {w["friendly_name"] for w in as_json(cli_env, "workspaces", "list")}
