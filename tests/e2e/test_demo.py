"""E2E: `trctl demo` as a user runs it (a subprocess), whole, broken, and kept running."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from cli_support import ok

SPANISH = "Customer Care Requests - Spanish"
STEPS = [
    ("Create the quickstart workspace from a file", "$ trctl workspace apply quickstart.toml"),
    ("Point the workflow's assignment callback", "$ trctl workflow update 'Incoming Customer"),
    ("Alice goes Offline", "$ trctl worker set-activity Alice Offline"),
    ("Create a task for a Spanish speaker", "$ trctl task create --attr selected_language=es"),
    ("Alice goes Idle: TaskRouter reserves her", "$ trctl worker set-activity Alice Idle"),
    ("Finish the first task", "$ trctl task complete WT"),
    ("Create another Spanish task", "$ trctl task create --attr selected_language=es"),
    ("Alice goes Idle: the callback answers {}", "$ trctl worker set-activity Alice Idle"),
    ("Accept the reservation over REST", "$ trctl reservation accept WT"),
    ("List the tasks", "$ trctl tasks list"),
]


def demo_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """The user's environment, minus anything that would point trctl at a real account."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TWILIO_", "TRCTL_"))}
    env.update(TRCTL_CONFIG_DIR=str(tmp_path / "config"), NO_COLOR="1", **extra)
    return env


def run_demo(tmp_path: Path, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "trctl", "demo", *args],
        env=demo_env(tmp_path, **extra),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_demo_plays_every_step_of_the_tutorial(tmp_path):
    started = time.monotonic()
    result = run_demo(tmp_path)
    elapsed = time.monotonic() - started
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert "Error" not in result.stderr
    out = result.stdout
    position = 0
    for number, (title, command) in enumerate(STEPS, start=1):
        header = out.find(f"[{number}] {title}", position)
        assert header >= 0, f"step {number} missing or out of order: {title}"
        position = out.find(command, header)
        assert position >= 0, f"step {number} did not run `{command}`"
    checks = [
        r"ok: workspace 'TaskRouter Quickstart' is WS[0-9a-f]{32}",
        r"ok: Alice is Offline",
        rf"ok: task (WT[0-9a-f]{{32}}) is pending in '{SPANISH}'",
        r"ok: signed assignment callback for WT\w+ \(Alice\) verified, answered "
        r'\{"instruction": "accept"\}',
        r"ok: reservation WR[0-9a-f]{32} for Alice is accepted",
        rf"ok: task WT[0-9a-f]{{32}} is assigned in '{SPANISH}'",
        r"ok: Alice is Busy",
        r"ok: task WT[0-9a-f]{32} is completed",
        r"\(Alice\) verified, answered \{\}",
        r"ok: reservation WR[0-9a-f]{32} for Alice is pending",
        rf"ok: task WT[0-9a-f]{{32}} is reserved in '{SPANISH}'",
        r"All 10 steps happened as the tutorial says \(\d+\.\d s\)\.",
        r"What to try next:",
    ]
    for pattern in checks:
        assert re.search(pattern, out), pattern
    assert out.count("ok: Alice is Busy") == 2
    assert elapsed < 30, f"the demo took {elapsed:.1f} s"


def test_a_callback_that_never_arrives_fails_the_demo_with_exit_8(tmp_path):
    result = run_demo(tmp_path, TRCTL_DEMO_BREAK="callback")
    assert result.returncode == 8, (result.returncode, result.stderr)
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("Error: demo step 5 (Alice goes Idle")
    assert "the assignment callback for WT" in last and "never arrived" in last
    assert "Traceback" not in result.stderr
    assert "All 10 steps" not in result.stdout
    assert "[6]" not in result.stdout


def test_an_unknown_break_is_a_usage_error(tmp_path):
    result = run_demo(tmp_path, TRCTL_DEMO_BREAK="everything")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "Error: TRCTL_DEMO_BREAK='everything' is not one of: callback"
    ]


def keep_running(tmp_path: Path) -> subprocess.Popen[str]:
    """`trctl demo --keep-running` as a user starts it, its output read by the test."""
    return subprocess.Popen(
        [sys.executable, "-m", "trctl", "demo", "--keep-running"],
        env=demo_env(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM])
def test_keep_running_leaves_a_usable_emulator_until_ctrl_c_or_sigterm(tmp_path, stop):
    process = keep_running(tmp_path)
    try:
        exports: dict[str, str] = {}
        out_so_far = []
        for line in process.stdout:  # bounded by pytest-timeout
            out_so_far.append(line)
            match = re.match(r"export (\w+)=(\S+)$", line.strip())
            if match:
                exports[match[1]] = match[2].strip("'")
            if line.startswith("Press Ctrl-C"):
                break
        assert set(exports) == {
            "TWILIO_ACCOUNT_SID",
            "TWILIO_AUTH_TOKEN",
            "TRCTL_API_URL",
            "TRCTL_WORKSPACE_SID",
        }
        env = {**exports, "TRCTL_CONFIG_DIR": str(tmp_path / "config")}
        tasks = json.loads(ok(env, "tasks", "list", "--json").stdout)
        assert sorted(t["assignment_status"] for t in tasks) == ["assigned", "completed"]
        if stop == signal.SIGINT:
            try_what_the_demo_suggests(env, out_so_far)
        process.send_signal(stop)
        out, err = process.communicate(timeout=30)
        assert process.returncode == 0, err
        assert "Stopped." in out
        workspace = exports["TRCTL_WORKSPACE_SID"]  # the request log of `tasks list` above:
        assert re.search(rf"^[\d:.]+  GET    /v1/Workspaces/{workspace}/Tasks  200  ", err, re.M)
        assert "Traceback" not in err
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_a_sigterm_sent_the_moment_the_invitation_appears_stops_cleanly(tmp_path):
    """The race the suite once met under load: "Press Ctrl-C" was printed before the signal
    handlers were installed, so a SIGTERM sent on seeing it killed the demo (exit -15, no
    "Stopped."). Here the signal goes out as soon as the line is read."""
    process = keep_running(tmp_path)
    try:
        for line in process.stdout:  # bounded by pytest-timeout
            if line.startswith("Press Ctrl-C"):
                process.send_signal(signal.SIGTERM)
                break
        out, err = process.communicate(timeout=30)
        assert process.returncode == 0, (process.returncode, err)
        assert out.strip().endswith("Stopped.")
        assert "Traceback" not in err
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def try_what_the_demo_suggests(env: dict[str, str], out: list[str]) -> None:
    """Every command under "What to try next" works, in order, on the emulator left running."""
    start = next(i for i, line in enumerate(out) if line.startswith("What to try next"))
    commands = [line.split("#")[0].split() for line in out[start + 1 :] if "  trctl " in line]
    assert [c[1:3] for c in commands] == [
        ["task", "create"],
        ["worker", "set-activity"],
        ["reservation", "reject"],
        ["workspace", "export"],
    ]
    task = json.loads(ok(env, *commands[0][1:], "--json").stdout)
    assert task["assignment_status"] == "pending"
    ok(env, *commands[1][1:])
    reservation = ok(env, *commands[2][1:])
    assert "rejected" in reservation.stdout
    bob = json.loads(ok(env, "worker", "show", "Bob", "--json").stdout)
    assert bob["activity_name"] == "Offline"
    assert (
        json.loads(ok(env, "task", "show", task["sid"], "--json").stdout)["assignment_status"]
        == "pending"
    )
    assert ok(env, *commands[3][1:]).stdout.startswith("# TaskRouter workspace")


def test_a_command_that_fails_fails_its_step_naming_the_command(emulator, cli_env, tmp_path):
    """The demo trusts no command: a non-zero exit stops it at that step with exit 8."""
    from run_environment import string_environment

    from trctl.cli.demo_script import Scenario, World
    from trctl.errors import StepFailed

    env = {**cli_env, "TRCTL_CONFIG_DIR": str(tmp_path / "config")}
    lines: list[str] = []
    environment = string_environment()
    scenario = Scenario(World(emulator, None, None, {}, env), environment, lines.append)
    scenario.step("Alice goes to lunch")
    with pytest.raises(StepFailed) as caught:
        scenario.alice_goes("Lunch")
    assert caught.value.exit_code == 8
    assert caught.value.one_line() == (
        "demo step 1 (Alice goes to lunch): `trctl worker set-activity Alice Lunch` exited with 4"
    )
    assert lines == ["\n[1] Alice goes to lunch", "$ trctl worker set-activity Alice Lunch"]
    assert environment.stderr.getvalue().startswith("Error: unknown activity 'Lunch'")


def test_step_waits_for_enter_before_each_step_on_a_terminal(tmp_path):
    """`trctl demo --step` as a presenter meets it: at 80 columns, each step after the first
    waits for Enter, and the demo still checks every step and exits 0."""
    from pty_screen import PtyScreen

    terminal = PtyScreen(
        [sys.executable, "-m", "trctl", "demo", "--step"], demo_env(tmp_path), columns=80
    )
    try:
        for number in range(2, len(STEPS) + 1):
            prompt = f"-- press Enter for step {number} --".encode()
            terminal.wait_for(lambda _, prompt=prompt: prompt in terminal.output)
            shown = terminal.output.decode()
            assert f"[{number - 1}] {STEPS[number - 2][0]}" in shown
            assert f"[{number}] " not in shown, f"step {number} ran before Enter"
            terminal.type(b"\r")
        assert terminal.finish() == 0, terminal.output.decode()
        shown = terminal.output.decode()
        assert f"[{len(STEPS)}] {STEPS[-1][0]}" in shown
        assert "All 10 steps happened as the tutorial says" in shown
    finally:
        terminal.close()


def test_step_without_a_terminal_refuses_instead_of_waiting(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "trctl", "demo", "--step"],
        env=demo_env(tmp_path),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "Error: --step waits for Enter between steps and needs a terminal on stdin "
        "(leave it out to run every step at once)"
    ]
    assert "[1]" not in result.stdout
