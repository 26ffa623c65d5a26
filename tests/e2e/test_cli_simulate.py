"""`trctl simulate`: a scripted contact centre through the REST API, on the emulator's manual
clock (simulated time, no waiting) and on a real clock the test records instead of waiting."""

from __future__ import annotations

import itertools
import json
import os
import re
import sys
from pathlib import Path
from typing import Any

import pytest
from cli_support import ISOLATED, as_json, failed, invoke, ok
from emulator_callbacks import CallbackServer, accept
from pty_screen import PtyScreen
from quickstart_setup import make_sdk
from run_environment import RecordingClock

from trctl.emulator import Emulator, FakeClock, SystemClock
from trctl.services.http import RetryingHttpClient

ROOT = Path(__file__).resolve().parents[2]
DAY = str(ROOT / "examples" / "simulate-day.toml")
SMALL = ("--workers", "8", "--tasks", "120", "--duration", "1h")
TRCTL = str(Path(sys.executable).with_name("trctl"))


def quickstart_env(emu: Any) -> dict[str, str]:
    env = emu.env()
    ok(env, "workspace", "apply", str(ROOT / "examples" / "quickstart.toml"))
    return {**env, "TRCTL_WORKSPACE_SID": "TaskRouter Quickstart"}


def simulated(*args: str) -> dict[str, Any]:
    """The summary of `trctl simulate DAY ARGS --json` on a fresh emulator's manual clock."""
    with Emulator(clock=FakeClock()) as emu:
        summary = as_json(quickstart_env(emu), "simulate", DAY, *args)
        workers = make_sdk(emu).taskrouter.v1.workspaces.list()[0].workers.list()
        assert {w.friendly_name for w in workers} == {"Alice", "Bob"}  # tidied up
        return summary


def test_the_same_seed_gives_the_same_day_twice() -> None:
    first = simulated(*SMALL, "--seed", "1")
    assert first == simulated(*SMALL, "--seed", "1")
    assert set(first) >= {"tasks_handled", "queues", "reservations", "occupancy"}
    assert first["tasks_created"] == 120 and 0 < first["tasks_handled"] <= 120
    assert first["reservations"].keys() == {"rejected", "timeout"}
    assert 0 < first["occupancy"] <= 1
    names = [queue["friendly_name"] for queue in first["queues"]]
    assert names == ["Customer Care Requests - English", "Customer Care Requests - Spanish"]
    for queue in first["queues"]:
        assert 0 <= queue["wait_p50"] <= queue["wait_p95"] <= queue["wait_max"]
    assert simulated(*SMALL, "--seed", "2") != first


def test_slow_workers_meet_reservation_timeouts(tmp_path: Path) -> None:
    """Workers that answer after the workflow's reservation timeout: every reservation times
    out, the workers go to the timeout activity and come back; nothing is handled."""
    scenario = tmp_path / "slow.toml"
    scenario.write_text(
        '[workers]\ncount = 2\navailable_activity = "Idle"\naccept_after = "30m"\n'
        'back_after = "1m"\n[[workers.examples]]\nattributes = { languages = ["en"] }\n'
        "[tasks]\ncount = 2\n[[tasks.examples]]\n"
        'attributes = { selected_language = "en" }\n'
    )
    with Emulator(clock=FakeClock()) as emu:
        summary = as_json(quickstart_env(emu), "simulate", str(scenario), "--duration", "2h",
                          "--seed", "4")  # fmt: skip
    assert summary["tasks_handled"] == 0 and summary["reservations"]["timeout"] >= 2
    assert summary["occupancy"] == 0


def test_a_day_on_the_real_clock_paces_its_requests() -> None:
    """On an emulator with the real clock the simulation runs in real time on the run's
    clock (here one that records its pauses) and never sends two requests closer than
    --max-rate allows."""
    with Emulator(clock=SystemClock()) as real:
        env = quickstart_env(real)
        sent: list[float] = []
        clock = RecordingClock()

        def timed(**options: Any) -> Any:
            """trctl's own client, noting when (on the run's clock) each request leaves."""
            client = RetryingHttpClient(**options)
            original = client.request

            def request(*args: Any, **kwargs: Any) -> Any:
                sent.append(clock.monotonic())
                return original(*args, **kwargs)

            client.request = request
            return client

        summary = as_json(env, "simulate", DAY, "--workers", "2", "--tasks", "6", "--duration",
                          "10m", "--seed", "5", "--max-rate", "4", clock=clock,
                          transport=timed)  # fmt: skip
    assert summary["tasks_created"] == 6 and summary["simulated_seconds"] == 600
    # after the two look-ups that come first (the workspace by name, the emulator's clock)
    gaps = [later - earlier for earlier, later in itertools.pairwise(sent[1:])]
    assert len(sent) > 20 and min(gaps) >= 0.25 - 1e-9
    assert sum(clock.slept) >= 600  # the day, waited on the run's clock


def test_real_taskrouter_needs_yes() -> None:
    env = {"TWILIO_ACCOUNT_SID": "AC" + "1" * 32, "TWILIO_AUTH_TOKEN": "t" * 32,
           "TRCTL_WORKSPACE_SID": "WS" + "2" * 32}  # fmt: skip
    line = failed(env, 2, "simulate", "--workers", "3", "--tasks", "10")
    assert "would create 3 workers and 10 tasks" in line and "--yes" in line


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("[workers]\ncount = 'many'\n", "[workers]: count must be a whole number"),
        ("[workers]\nhandle_time = { mean = '4m' }\n", "handle_time: give a duration"),
        ("[tasks]\nexamples = [{ weight = -1 }]\n", "[[tasks.examples]] 1: weight must be"),
        ("[day]\nlength = '8h'\n", "[day]: unknown key 'length'"),
        ("[workers]\navailable_activity = 'Offline'\n", "activity 'Offline' is not available"),
    ],
)
def test_a_bad_scenario_is_one_line(emulator: Any, tmp_path: Path, text: str, says: str) -> None:
    scenario = tmp_path / "day.toml"
    scenario.write_text(text)
    line = failed(quickstart_env(emulator), 2, "simulate", str(scenario), "--seed", "1")
    assert says in line, line


def test_the_live_summary_on_a_terminal_fits_80_columns(emulator: Any) -> None:
    env = quickstart_env(emulator)
    terminal = {k: v for k, v in os.environ.items() if not k.startswith(("TWILIO_", "TRCTL_"))}
    for name in ("COLUMNS", "LINES", "NO_COLOR"):
        terminal.pop(name, None)
    screen = PtyScreen([TRCTL, "simulate", DAY, *SMALL, "--seed", "3"],
                       {**terminal, **ISOLATED, **env, "TERM": "xterm-256color"})  # fmt: skip
    try:
        assert screen.finish(60) == 0
        lines = [line.strip() for line in screen.text.split("\n") if line.strip()]
        shown = screen.output.decode().split("\r")
    finally:
        screen.close()
    progress = [text.split("\n")[0] for text in shown if " of 1h 00m simulated: " in text]
    assert progress and all(len(text.rstrip()) <= 79 for text in progress)
    pattern = r"^[0-9hms. ]+ of 1h 00m simulated: \d+ tasks, \d+ handled, \d+ waiting, \d/8 busy *$"
    assert all(re.match(pattern, text) for text in progress), [
        text for text in progress if not re.match(pattern, text)
    ]
    assert lines[0].startswith("Simulated 1h 00m: 120 tasks created")  # the live line is gone
    assert lines[3].startswith("Customer Care Requests - English")


def test_workers_may_be_kept(emulator: Any) -> None:
    env = quickstart_env(emulator)
    ok(env, "simulate", DAY, "--workers", "3", "--tasks", "5", "--duration", "10m", "--seed",
       "1", "--keep-workers")  # fmt: skip
    names = {
        w["friendly_name"] for w in json.loads(invoke(env, "workers", "list", "--json").stdout)
    }
    assert names == {"Alice", "Bob", "sim-001", "sim-002", "sim-003"}
    again = as_json(env, "simulate", DAY, "--workers", "3", "--tasks", "5", "--duration", "10m",
                    "--seed", "1")  # fmt: skip
    assert again["tasks_created"] == 5  # the kept workers are used again, then removed


def test_an_app_that_accepts_in_the_callback_is_played_along_with(emulator: Any) -> None:
    """When the workspace's own assignment callback accepts first, the scripted worker's
    accept is refused, and the worker handles the task the app accepted for it."""
    env = quickstart_env(emulator)
    with CallbackServer(emulator.auth_token, accept) as app:
        ws = make_sdk(emulator).taskrouter.v1.workspaces.list()[0]
        (workflow,) = ws.workflows.list()
        ws.workflows(workflow.sid).update(assignment_callback_url=app.url())
        summary = as_json(env, "simulate", DAY, "--workers", "3", "--tasks", "20", "--duration",
                          "1h", "--seed", "6")  # fmt: skip
        assert len(app.received) >= 20
    assert summary["tasks_handled"] >= 15 and summary["reservations"]["timeout"] == 0
