"""Benchmark: the trctl CLI against the plain twilio SDK, on the same in-process emulator.

1. `trctl task create --attr selected_language=es` (console script, subprocess) against a
   minimal Python script that creates the same task with the twilio SDK (subprocess), in
   paired, alternating runs; target: trctl median <= 1.25x the SDK script's.
2. `trctl tasks list --all --json` over 10,000 tasks against the SDK's own
   `tasks.stream(page_size=1000)` (both subprocesses, both read every record).

Both sides run from bytecode, as after a normal install: twilio's .pyc files come with its
wheel, so trctl's are compiled first (an editable install under PYTHONDONTWRITEBYTECODE=1 would
otherwise recompile every trctl module on each run, ~15 ms).

Run: .venv/bin/python bench/cli.py [--pairs 21] [--tasks 10000] [--list-runs 5]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

SDK_CREATE = """
import json, os
from twilio.rest import Client
client = Client(os.environ["TWILIO_ACCOUNT_SID"], os.environ["TWILIO_AUTH_TOKEN"])
client.taskrouter.base_url = os.environ["TRCTL_API_URL"]
task = client.taskrouter.v1.workspaces(os.environ["TRCTL_WORKSPACE_SID"]).tasks.create(
    attributes=json.dumps({"selected_language": "es"}),
    workflow_sid=os.environ["TRCTL_WORKFLOW_SID"],
)
print(task.sid, task.assignment_status, task.task_queue_friendly_name, task.attributes)
"""

SDK_STREAM = """
import os
from twilio.rest import Client
client = Client(os.environ["TWILIO_ACCOUNT_SID"], os.environ["TWILIO_AUTH_TOKEN"])
client.taskrouter.base_url = os.environ["TRCTL_API_URL"]
tasks = client.taskrouter.v1.workspaces(os.environ["TRCTL_WORKSPACE_SID"]).tasks
print(sum(1 for _ in tasks.stream(page_size=1000)))
"""


def timed(argv: list[str], env: dict[str, str]) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=300)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{argv[:3]} failed ({done.returncode}): {done.stderr.strip()}")
    return elapsed, done.stdout


def paired(a: list[str], b: list[str], env: dict[str, str], pairs: int) -> tuple[list, list]:
    """Alternate which command goes first, so drift hits both sides equally."""
    times_a: list[float] = []
    times_b: list[float] = []
    for index in range(pairs):
        order = [(a, times_a), (b, times_b)]
        for argv, sink in order if index % 2 == 0 else reversed(order):
            sink.append(timed(argv, env)[0])
    return times_a, times_b


def seed_tasks(client, workspace_sid: str, workflow_sid: str, count: int) -> None:
    tasks = client.taskrouter.v1.workspaces(workspace_sid).tasks

    def create(index: int) -> None:
        tasks.create(attributes=json.dumps({"n": index}), workflow_sid=workflow_sid)

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(create, range(count)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=21)
    parser.add_argument("--tasks", type=int, default=10_000)
    parser.add_argument("--list-runs", type=int, default=5)
    options = parser.parse_args()

    from quickstart_setup import build_quickstart
    from twilio.rest import Client

    from trctl.emulator import Emulator

    trctl = str(Path(sys.executable).with_name("trctl"))
    python = sys.executable
    subprocess.run([python, "-m", "compileall", "-q", str(ROOT / "trctl")], check=True)
    with tempfile.TemporaryDirectory() as scratch, Emulator(db_path=":memory:") as emu:
        sdk = Client(emu.account_sid, emu.auth_token)
        sdk.taskrouter.base_url = emu.url
        quickstart = build_quickstart(sdk)
        env = {
            **os.environ,
            **emu.env(),
            "TRCTL_WORKSPACE_SID": quickstart.workspace_sid,
            "TRCTL_WORKFLOW_SID": quickstart.workflow_sid,
            "TRCTL_CONFIG_DIR": str(Path(scratch) / "trctl"),
            "TWILIO_CONFIG_DIR": str(Path(scratch) / "twilio-cli"),
            "TWILIO_API_KEY": "",
            "TWILIO_API_SECRET": "",
            "TRCTL_PROFILE": "",
        }
        create_script = Path(scratch) / "sdk_create.py"
        create_script.write_text(SDK_CREATE)
        stream_script = Path(scratch) / "sdk_stream.py"
        stream_script.write_text(SDK_STREAM)

        cli_create = [trctl, "task", "create", "--attr", "selected_language=es"]
        timed(cli_create, env), timed([python, str(create_script)], env)  # warm caches
        cli_times, sdk_times = paired(cli_create, [python, str(create_script)], env, options.pairs)
        create_ratio = statistics.median(cli_times) / statistics.median(sdk_times)

        existing = sum(
            1 for _ in sdk.taskrouter.v1.workspaces(quickstart.workspace_sid).tasks.stream()
        )
        started = time.perf_counter()
        seed_tasks(sdk, quickstart.workspace_sid, quickstart.workflow_sid, options.tasks - existing)
        seeding = time.perf_counter() - started
        cli_list = [trctl, "tasks", "list", "--all", "--json"]
        _, listed = timed(cli_list, env)
        assert len(json.loads(listed)) == options.tasks, "trctl did not list every task"
        list_cli, list_sdk = paired(cli_list, [python, str(stream_script)], env, options.list_runs)
        list_ratio = statistics.median(list_cli) / statistics.median(list_sdk)

    print(
        f"task create: trctl median {statistics.median(cli_times) * 1000:.0f} ms, "
        f"SDK script median {statistics.median(sdk_times) * 1000:.0f} ms, "
        f"ratio {create_ratio:.2f}x over {options.pairs} pairs (target <= 1.25x)"
    )
    print(
        f"tasks list --all --json over {options.tasks} tasks: trctl median "
        f"{statistics.median(list_cli) * 1000:.0f} ms, SDK stream(page_size=1000) median "
        f"{statistics.median(list_sdk) * 1000:.0f} ms, ratio {list_ratio:.2f}x "
        f"over {options.list_runs} pairs (seeding took {seeding:.1f} s)"
    )


if __name__ == "__main__":
    main()
