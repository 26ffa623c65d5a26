"""Benchmark: the trctl CLI against the plain twilio SDK, on the same in-process emulator.

1. `trctl task create --attr selected_language=es` (console script, subprocess) against a
   minimal Python script that creates the same task with the twilio SDK (subprocess), in
   paired, alternating runs; target: trctl median <= 1.25x the SDK script's.
2. `trctl tasks list --all --json` over 10,000 tasks against the SDK's own
   `tasks.stream(page_size=1000)` plus a fetch of each task (a list answer has attributes null,
   as Twilio's, so that is what the same records cost with the SDK; both subprocesses).
3. `trctl workspace export` of a workspace with 1,000 workers: one list of the workers, then
   their attributes fetched 8 at a time. Compared with an SDK script that lists the workers only
   (the one request export made before attributes were hidden from lists) and one that also
   fetches each worker in turn. The exported file is checked: 1,000 workers, each with its
   attributes. Then `trctl workers list` there: every page read, the newest 50 shown.
Section 2 also times `trctl tasks list` (the newest 50 of 10,000, checked against --all's last
50).

Both sides run from bytecode, as after a normal install: twilio's .pyc files come with its
wheel, so trctl's are compiled first (an editable install under PYTHONDONTWRITEBYTECODE=1 would
otherwise recompile every trctl module on each run, ~15 ms).

Run: .venv/bin/python bench/cli.py [--pairs 21] [--tasks 10000] [--list-runs 5] [--workers 1000]
     [--export-runs 5] [--only create list export]
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
print(sum(1 for task in tasks.stream(page_size=1000) if tasks(task.sid).fetch().attributes))
"""

SDK_WORKERS = """
import os, sys
from twilio.rest import Client
client = Client(os.environ["TWILIO_ACCOUNT_SID"], os.environ["TWILIO_AUTH_TOKEN"])
client.taskrouter.base_url = os.environ["TRCTL_API_URL"]
workers = client.taskrouter.v1.workspaces(os.environ["TRCTL_WORKSPACE_SID"]).workers
listed = workers.list(page_size=1000)
if sys.argv[1:] == ["fetch"]:
    listed = [workers(worker.sid).fetch() for worker in listed]
print(sum(1 for worker in listed if worker.attributes or sys.argv[1:] != ["fetch"]))
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


def seed_workers(client, count: int) -> str:
    """A workspace with `count` workers, each with its own attributes; its SID."""
    workspace = client.taskrouter.v1.workspaces.create(friendly_name="Export")
    workers = client.taskrouter.v1.workspaces(workspace.sid).workers

    def create(index: int) -> None:
        attributes = {"n": index, "languages": ["en", "es"][: 1 + index % 2]}
        workers.create(friendly_name=f"Worker {index:04d}", attributes=json.dumps(attributes))

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(create, range(count)))
    return workspace.sid


def export_section(sdk, env: dict[str, str], scratch: Path, options) -> str:
    """Time `trctl workspace export` of 1,000 workers against the SDK listing them."""
    import tomllib

    trctl, python = str(Path(sys.executable).with_name("trctl")), sys.executable
    env = {**env, "TRCTL_WORKSPACE_SID": seed_workers(sdk, options.workers)}
    script = scratch / "sdk_workers.py"
    script.write_text(SDK_WORKERS)
    export = [trctl, "workspace", "export"]
    _, text = timed(export, env)
    workers = tomllib.loads(text)["workers"]
    assert len(workers) == options.workers, "export lost workers"
    assert all(w["attributes"]["n"] == int(w["name"][-4:]) for w in workers), "attributes"
    for argv in ([python, str(script)], [python, str(script), "fetch"]):
        assert int(timed(argv, env)[1]) == options.workers, "the SDK script missed workers"
    runs = {"export": [], "list": [], "fetch": []}
    for _ in range(options.export_runs):
        runs["export"].append(timed(export, env)[0])
        runs["list"].append(timed([python, str(script)], env)[0])
        runs["fetch"].append(timed([python, str(script), "fetch"], env)[0])
    median = {name: statistics.median(times) * 1000 for name, times in runs.items()}
    return (
        f"workspace export of {options.workers} workers (list + 8 concurrent fetches): trctl "
        f"median {median['export']:.0f} ms; SDK list only {median['list']:.0f} ms "
        f"(what export cost before attributes were hidden from lists), SDK list + a fetch each "
        f"in turn {median['fetch']:.0f} ms; {options.export_runs} runs each\n"
        + newest_workers(env, options)
    )


def newest_workers(env: dict[str, str], options) -> str:
    """`trctl workers list`: every page of the Workers list (no order by creation), then the
    newest 50 with their attributes; checked: the 50 newest names, and the count on stderr."""
    argv = [str(Path(sys.executable).with_name("trctl")), "workers", "list", "--json"]
    times = []
    for _ in range(options.export_runs):
        started = time.perf_counter()
        done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=300)
        times.append(time.perf_counter() - started)
        names = [w["friendly_name"] for w in json.loads(done.stdout)]
        # 4 threads seeded them: creation times and the names' order differ by a few
        recent = {f"Worker {index:04d}" for index in range(options.workers - 100, options.workers)}
        assert len(names) == 50 and set(names) <= recent, "workers list: not the newest 50"
        said = f"Showing 50 of {options.workers:,} workers (--all or --limit N for more)"
        assert done.stderr.strip() == said, done.stderr
    return (
        f"workers list (the newest 50 of {options.workers}: "
        f"{-(-options.workers // 1000)} page(s) + 50 fetches): trctl median "
        f"{statistics.median(times) * 1000:.0f} ms over {options.export_runs} runs"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=21)
    parser.add_argument("--tasks", type=int, default=10_000)
    parser.add_argument("--list-runs", type=int, default=5)
    parser.add_argument("--workers", type=int, default=1_000)
    parser.add_argument("--export-runs", type=int, default=5)
    sections = ("create", "list", "export")
    parser.add_argument("--only", nargs="+", choices=sections, default=sections)
    options = parser.parse_args()
    load = os.getloadavg()
    print(f"load average at start: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    results = []

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
        if "create" in options.only:
            timed(cli_create, env), timed([python, str(create_script)], env)  # warm caches
            cli_times, sdk_times = paired(
                cli_create, [python, str(create_script)], env, options.pairs
            )
            create_ratio = statistics.median(cli_times) / statistics.median(sdk_times)
            results.append(
                f"task create: trctl median {statistics.median(cli_times) * 1000:.0f} ms, "
                f"SDK script median {statistics.median(sdk_times) * 1000:.0f} ms, "
                f"ratio {create_ratio:.2f}x over {options.pairs} pairs (target <= 1.25x)"
            )

        if "list" in options.only:
            existing = sum(
                1 for _ in sdk.taskrouter.v1.workspaces(quickstart.workspace_sid).tasks.stream()
            )
            started = time.perf_counter()
            seed_tasks(
                sdk, quickstart.workspace_sid, quickstart.workflow_sid, options.tasks - existing
            )
            seeding = time.perf_counter() - started
            cli_list = [trctl, "tasks", "list", "--all", "--json"]
            _, listed = timed(cli_list, env)
            records = json.loads(listed)
            assert len(records) == options.tasks, "trctl did not list every task"
            assert all(isinstance(r["attributes"], dict) for r in records), "attributes missing"
            stream = [python, str(stream_script)]
            assert int(timed(stream, env)[1]) == options.tasks, "the SDK script missed tasks"
            list_cli, list_sdk = paired(cli_list, stream, env, options.list_runs)
            list_ratio = statistics.median(list_cli) / statistics.median(list_sdk)
            newest = []
            for _ in range(options.list_runs):
                started = time.perf_counter()
                _, shown = timed([trctl, "tasks", "list", "--json"], env)
                newest.append(time.perf_counter() - started)
                sids = [r["sid"] for r in json.loads(shown)]
                # 4 threads seeded them: creation times and SIDs' order differ by a few
                recent = {r["sid"] for r in records[-100:]}
                assert len(sids) == 50 and set(sids) <= recent, "not the newest 50 tasks"
            results.append(
                f"tasks list (the newest 50 of {options.tasks}: Ordering=DateCreated:desc, "
                f"one page of 51, statistics and the finished tasks counted, 50 fetches): trctl "
                f"median {statistics.median(newest) * 1000:.0f} ms over {options.list_runs} runs"
            )
            results.append(
                f"tasks list --all --json over {options.tasks} tasks: trctl median "
                f"{statistics.median(list_cli) * 1000:.0f} ms, SDK stream(page_size=1000) + a "
                f"fetch each median {statistics.median(list_sdk) * 1000:.0f} ms, ratio "
                f"{list_ratio:.2f}x over {options.list_runs} pairs (seeding took {seeding:.1f} s)"
            )

        if "export" in options.only:
            results.append(export_section(sdk, env, Path(scratch), options))

    for line in results:
        print(line)
    load = os.getloadavg()
    print(f"load average at the end: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")


if __name__ == "__main__":
    main()
