"""E2E: every runnable file in examples/ works as documented against a local emulator."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from cli_support import ok

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
BIN = Path(sys.executable).parent
SPANISH = "Customer Care Requests - Spanish"


def user_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """A clean user environment: the venv's bin first on PATH, private config and data dirs."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TWILIO_", "TRCTL_"))}
    env.update(
        PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}",
        TRCTL_CONFIG_DIR=str(tmp_path / "config"),
        TRCTL_DATA_DIR=str(tmp_path / "data"),
        TWILIO_CONFIG_DIR=str(tmp_path / "twilio-cli"),
        NO_COLOR="1",
        **extra,
    )
    return env


def test_sdk_quickstart_runs_the_rest_steps_with_the_twilio_sdk(emulator, tmp_path):
    env = {**emulator.env(), "TRCTL_CONFIG_DIR": str(tmp_path / "config")}
    ok(env, "workspace", "apply", str(EXAMPLES / "quickstart.toml"))
    result = subprocess.run(
        [sys.executable, str(EXAMPLES / "sdk_quickstart.py")],
        env=user_env(tmp_path, **emulator.env()),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    task = re.match(r"created task (WT[0-9a-f]{32}): pending in (.+)$", lines[0])
    assert task and task[2] == SPANISH, lines[0]
    assert re.match(r"reservation WR[0-9a-f]{32} for Alice: pending$", lines[1])
    assert re.match(r"reservation WR[0-9a-f]{32} for Alice: accepted$", lines[2])
    assert lines[3:] == [f"task {task[1]}: assigned", "Alice: Busy"]
    shown = json.loads(
        ok(
            {**env, "TRCTL_WORKSPACE_SID": "TaskRouter Quickstart"},
            "task",
            "show",
            task[1],
            "--json",
        ).stdout
    )
    assert shown["assignment_status"] == "assigned"


def play_tutorial(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(EXAMPLES / "tutorial.sh")],
        env=env,
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )


def test_tutorial_script_without_a_data_dir_leaves_nothing_behind(tmp_path):
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    env = user_env(tmp_path, TMPDIR=str(scratch))
    del env["TRCTL_DATA_DIR"]
    result = play_tutorial(env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert list(scratch.iterdir()) == [], "the throwaway store and log are removed on exit"


def test_tutorial_script_plays_the_quickstart_against_a_background_emulator(tmp_path):
    result = play_tutorial(user_env(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    commands = [line for line in out.splitlines() if line.startswith("$ trctl ")]
    assert [c.split()[2:4] for c in commands] == [
        ["workspace", "apply"],
        ["worker", "set-activity"],
        ["task", "create"],
        ["tasks", "list"],
        ["worker", "set-activity"],
        ["reservations", "list"],
        ["reservation", "accept"],
        ["worker", "show"],
        ["tasks", "list"],
    ]
    task = re.search(r"^created (WT[0-9a-f]{32})$", out, re.MULTILINE)[1]
    accepted = out.split("$ trctl reservation accept")[1]
    assert re.search(r"^STATUS\s+accepted$", accepted, re.MULTILINE)
    assert re.search(r"^ACTIVITY\s+Busy ", out.split("$ trctl worker show Alice")[1], re.MULTILINE)
    final = out.split("$ trctl tasks list\n")[-1].splitlines()
    assert final[1].split()[:2] == [task, "assigned"]
    assert (tmp_path / "data").is_dir(), "the emulator kept its store in TRCTL_DATA_DIR"


def test_rules_example_answers_the_quickstart_callbacks(emulator, tmp_path):
    """examples/rules.toml behind a signed callback server: Spanish is accepted by rule 1,
    English waits (rule 2 answers {}) until `trctl reservation accept`."""
    from trctl.callback import CallbackServer
    from trctl.callback.rules import load_rules

    env = {
        **emulator.env(),
        "TRCTL_CONFIG_DIR": str(tmp_path / "config"),
        "TRCTL_WORKSPACE_SID": "TaskRouter Quickstart",
    }
    ok(env, "workspace", "apply", str(EXAMPLES / "quickstart.toml"))
    listed = json.loads(ok(env, "activities", "list", "--json").stdout)
    activities = {a["friendly_name"]: a["sid"] for a in listed}
    rules = load_rules(EXAMPLES / "rules.toml", resolve_activity=activities.__getitem__)

    def status(task_sid: str) -> str:
        return json.loads(ok(env, "task", "show", task_sid, "--json").stdout)["assignment_status"]

    def create(language: str) -> str:
        args = ("task", "create", "--attr", f"selected_language={language}", "--json")
        return json.loads(ok(env, *args).stdout)["sid"]

    with CallbackServer(emulator.auth_token, decide=rules.decide) as server:
        workflow = "Incoming Customer Care Requests"
        ok(env, "workflow", "update", workflow, "--assignment-callback-url", server.url)
        spanish = create("es")
        ok(env, "worker", "set-activity", "Alice", "Idle")
        assert emulator.wait_idle(10)
        assert status(spanish) == "assigned"
        english = create("en")
        ok(env, "worker", "set-activity", "Bob", "Idle")
        assert emulator.wait_idle(10)
        assert status(english) == "reserved"
        ok(env, "reservation", "accept", english)
        assert status(english) == "assigned"
        answered = [
            (r["task_sid"], r["status"], r["instruction"])
            for r in server.records
            if r.get("kind") == "assignment"
        ]
    assert answered == [(spanish, 200, "accept"), (english, 200, "none")]
