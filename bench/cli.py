"""Benchmark: the trctl CLI against the plain twilio SDK, the emulator in its own process.

The emulator runs as `python -m trctl.emulator --memory` (bench/harness.py EmulatorProcess);
trctl and the SDK scripts run as subprocesses; this process only seeds, starts them, and checks
what each one printed (never inside the emulator's process). Every timed run is checked before
it counts.

1. create: `trctl task create --attr selected_language=es` against a minimal script creating
   the same task with the twilio SDK, in paired, alternating runs; each run must print its task,
   and the workspace must hold exactly the tasks the runs created. Target: trctl's median
   <= 1.25x the SDK script's.
2. list: 50,000 tasks; rounds that alternate the order of
   a. `trctl tasks list --all --json`: 50 list requests, the records as the list answers
      give them (attributes null, as Twilio's), and stderr's line on --fetch-attributes;
   b. a script that only iterates the SDK's `tasks.stream(page_size=1000)` (the issue's
      baseline: the same 50 list requests);
   c. `trctl tasks list --all --json --fetch-attributes`: also each task fetched for its
      attributes, a page at a time, 8 at once;
   d. the SDK's stream plus a fetch of each task in turn: the same requests and records as c.
   For each run the child's peak RSS (os.wait4's rusage, the kernel's count) and wall time; each
   output is parsed and checked (50,000 tasks, oldest first, attributes null or present as
   asked; the SDK scripts print their count). Targets (issue 16): a's peak RSS <= 1.5x b's and
   wall <= 1.2x b's; the same for c against d. Then `trctl tasks list` (the newest 50).
3. export: `trctl workspace export` of a workspace with 1,000 workers (one list, then each
   worker fetched for its attributes, 8 at a time) against SDK scripts that list the workers
   only and that also fetch each one; the exported file is checked. Then `trctl workers list`.

Both sides run from bytecode, as after a normal install: twilio's .pyc files come with its
wheel, so trctl's are compiled first (an editable install under PYTHONDONTWRITEBYTECODE=1 would
otherwise recompile every trctl module on each run, ~15 ms).

Run: .venv/bin/python bench/cli.py [--pairs 21] [--tasks 50000] [--list-runs 3]
     [--workers 1000] [--export-runs 5] [--only create list export]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from harness import ROOT, Client, EmulatorProcess, load_average, measured_run, verdict

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

# the baseline: a script that only iterates the SDK's stream
SDK_STREAM = """
import os
from twilio.rest import Client
client = Client(os.environ["TWILIO_ACCOUNT_SID"], os.environ["TWILIO_AUTH_TOKEN"])
client.taskrouter.base_url = os.environ["TRCTL_API_URL"]
tasks = client.taskrouter.v1.workspaces(os.environ["TRCTL_WORKSPACE_SID"]).tasks
print(sum(1 for task in tasks.stream(page_size=1000)))
"""

# the same records as `trctl tasks list --all --json --fetch-attributes`: each task fetched
SDK_STREAM_FETCH = """
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

TRCTL = str(Path(sys.executable).with_name("trctl"))
PYTHON = sys.executable


def timed(argv: list[str], env: dict[str, str]) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=600)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{argv[:3]} failed ({done.returncode}): {done.stderr.strip()}")
    return elapsed, done.stdout


def paired(a: list[str], b: list[str], env: dict[str, str], pairs: int) -> tuple[list, list]:
    """Alternate which command goes first, so drift hits both sides equally; each run's
    output must name the task it created."""
    times_a: list[float] = []
    times_b: list[float] = []
    for index in range(pairs):
        order = [(a, times_a), (b, times_b)]
        for argv, sink in order if index % 2 == 0 else reversed(order):
            seconds, text = timed(argv, env)
            assert "WT" in text and "pending" in text, f"{argv[:3]} printed no task: {text!r}"
            sink.append(seconds)
    return times_a, times_b


def count_tasks(client: Client, workspace_sid: str) -> int:
    return sum(1 for _ in client.list_all(f"/v1/Workspaces/{workspace_sid}/Tasks", "tasks"))


def create_section(emu: EmulatorProcess, env: dict[str, str], scratch: Path, options) -> str:
    script = scratch / "sdk_create.py"
    script.write_text(SDK_CREATE)
    cli, sdk = [TRCTL, "task", "create", "--attr", "selected_language=es"], [PYTHON, str(script)]
    before = count_tasks(emu.client(), env["TRCTL_WORKSPACE_SID"])
    timed(cli, env), timed(sdk, env)  # warm the page cache
    cli_times, sdk_times = paired(cli, sdk, env, options.pairs)
    created = count_tasks(emu.client(), env["TRCTL_WORKSPACE_SID"]) - before
    assert created == 2 + 2 * options.pairs, f"{created} tasks created, not {2 * options.pairs}"
    ratio = statistics.median(cli_times) / statistics.median(sdk_times)
    return verdict(
        "task create",
        f"trctl median {statistics.median(cli_times) * 1000:.0f} ms, SDK script median "
        f"{statistics.median(sdk_times) * 1000:.0f} ms, {ratio:.2f}x over {options.pairs} pairs",
        ratio <= 1.25,
        "<= 1.25x",
    )


def seed_tasks(emu: EmulatorProcess, workspace_sid: str, workflow_sid: str, count: int) -> None:
    """`count` pending Spanish tasks, 4 keep-alive clients at once, each answer checked."""
    path = f"/v1/Workspaces/{workspace_sid}/Tasks"
    local = threading.local()

    def create(index: int) -> None:
        if not hasattr(local, "client"):
            local.client = emu.client()
        attributes = json.dumps({"selected_language": "es", "n": index})
        task = local.client.request(
            "POST", path, {"Attributes": attributes, "WorkflowSid": workflow_sid}
        )
        assert task["assignment_status"] == "pending", task

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(create, range(count)))


class ListRun:
    """One of the list section's commands: its argv and how its output is checked."""

    def __init__(self, name: str, argv: list[str], check: Any, stderr: str = "") -> None:
        self.name, self.argv, self.check, self.stderr = name, argv, check, stderr
        self.seconds: list[float] = []
        self.rss_mb: list[float] = []

    def run(self, env: dict[str, str], scratch: Path) -> None:
        out, err = scratch / "stdout", scratch / "stderr"
        with out.open("w") as stdout, err.open("w") as stderr:
            done = measured_run(self.argv, env, stdout, stderr)
        said = err.read_text()
        assert done.returncode == 0, f"{self.name}: exit {done.returncode} {said!r}"
        assert said == self.stderr, f"{self.name} said {said!r}"
        self.check(out)
        out.unlink()
        self.seconds.append(done.seconds)
        self.rss_mb.append(done.peak_rss_mb)

    @property
    def wall(self) -> float:
        return statistics.median(self.seconds)

    @property
    def rss(self) -> float:
        return statistics.median(self.rss_mb)


def whole_tasks(total: int, fetched: bool) -> Any:
    """The check of `trctl tasks list --all --json`: every task once, oldest first, each with
    its attributes if `fetched` (--fetch-attributes), else null as the list answers give them."""

    def check(out: Path) -> None:
        records = json.loads(out.read_text())
        assert len(records) == total == len({r["sid"] for r in records}), len(records)
        if fetched:
            assert all(isinstance(r["attributes"], dict) for r in records), "attributes missing"
        else:
            assert all(r["attributes"] is None for r in records), "attributes not as listed"
        created = [r["date_created"] for r in records]
        assert created == sorted(created), "not oldest first"

    return check


def counted(total: int) -> Any:
    def check(out: Path) -> None:
        assert int(out.read_text()) == total, f"the SDK script counted {out.read_text()!r}"

    return check


def list_section(emu: EmulatorProcess, env: dict[str, str], scratch: Path, options) -> list[str]:
    """`tasks list --all` over options.tasks tasks: peak RSS and wall time against the SDK."""
    workspace_sid, total = env["TRCTL_WORKSPACE_SID"], options.tasks
    started = time.perf_counter()
    seed_tasks(emu, workspace_sid, env["TRCTL_WORKFLOW_SID"], total - count_tasks(
        emu.client(), workspace_sid))  # fmt: skip
    seeding = time.perf_counter() - started
    assert count_tasks(emu.client(), workspace_sid) == total, "seeding lost tasks"
    (scratch / "sdk_stream.py").write_text(SDK_STREAM)
    (scratch / "sdk_stream_fetch.py").write_text(SDK_STREAM_FETCH)
    listed = ListRun(
        "trctl --json",
        [TRCTL, "tasks", "list", "--all", "--json"],
        whole_tasks(total, fetched=False),
        stderr="Attributes are null in TaskRouter's list answers: --fetch-attributes fetches "
        f"them, a request per record ({total:,} here)\n",
    )
    loop = ListRun("SDK stream", [PYTHON, str(scratch / "sdk_stream.py")], counted(total))
    fetched = ListRun(
        "trctl --json --fetch-attributes",
        [TRCTL, "tasks", "list", "--all", "--json", "--fetch-attributes"],
        whole_tasks(total, fetched=True),
    )
    same = ListRun(
        "SDK stream + fetch", [PYTHON, str(scratch / "sdk_stream_fetch.py")], counted(total)
    )
    runs = [listed, loop, fetched, same]
    for round_number in range(options.list_runs):
        shift = round_number % len(runs)  # each command first in turn: load drifts over all
        for run in runs[shift:] + runs[:shift]:
            run.run(env, scratch)
    lines = [
        f"{total:,} tasks seeded in {seeding:.0f} s; {options.list_runs} rounds, medians; "
        "peak RSS per child from os.wait4"
    ]
    pages = f"{-(-total // 1000)} pages"
    for name, subject, baseline in (
        (f"tasks list --all --json ({pages}) vs the SDK stream loop ({pages})", listed, loop),
        (f"tasks list --all --json --fetch-attributes ({pages} + {total:,} fetches) vs the SDK "
         "stream + a fetch each (the same requests)", fetched, same),
    ):  # fmt: skip
        rss, wall = subject.rss / baseline.rss, subject.wall / baseline.wall
        lines.append(verdict(
            f"{name}: peak RSS", f"{subject.rss:.1f} MB vs {baseline.rss:.1f} MB, {rss:.2f}x",
            rss <= 1.5, "<= 1.5x"))  # fmt: skip
        lines.append(verdict(
            f"{name}: wall", f"{subject.wall:.2f} s vs {baseline.wall:.2f} s, {wall:.2f}x",
            wall <= 1.2, "<= 1.2x"))  # fmt: skip
    return [*lines, newest_tasks(env, options)]


def timed_trctl(env: dict[str, str], *args: str) -> tuple[subprocess.CompletedProcess, float]:
    """Run the trctl console script once; its result (for the caller to check) and wall time."""
    started = time.perf_counter()
    done = subprocess.run([TRCTL, *args], env=env, capture_output=True, text=True)
    return done, time.perf_counter() - started


def newest_tasks(env: dict[str, str], options) -> str:
    """`trctl tasks list`: one page of 51, newest first, the count from the statistics and 50
    fetches; checked: 50 tasks, oldest first, and the count on stderr."""
    times = []
    for _ in range(options.list_runs):
        done, seconds = timed_trctl(env, "tasks", "list", "--json")
        times.append(seconds)
        records = json.loads(done.stdout)
        assert len(records) == 50 and all(isinstance(r["attributes"], dict) for r in records)
        said = f"Showing 50 of {options.tasks:,} tasks (--all or --limit N for more)"
        assert done.stderr.strip() == said, done.stderr
    return (
        f"tasks list (the newest 50 of {options.tasks:,}: one page of 51, the statistics, 50 "
        f"fetches): trctl median {statistics.median(times) * 1000:.0f} ms over "
        f"{options.list_runs} runs"
    )


def seed_workers(emu: EmulatorProcess, count: int) -> str:
    """A workspace with `count` workers, each with its own attributes; its SID."""
    client = emu.client()
    workspace = client.request("POST", "/v1/Workspaces", {"FriendlyName": "Export"})["sid"]
    path = f"/v1/Workspaces/{workspace}/Workers"
    for index in range(count):
        attributes = {"n": index, "languages": ["en", "es"][: 1 + index % 2]}
        form = {"FriendlyName": f"Worker {index:04d}", "Attributes": json.dumps(attributes)}
        client.request("POST", path, form)
    return workspace


def export_section(emu: EmulatorProcess, env: dict[str, str], scratch: Path, options) -> str:
    """Time `trctl workspace export` of 1,000 workers against the SDK listing them."""
    import tomllib

    env = {**env, "TRCTL_WORKSPACE_SID": seed_workers(emu, options.workers)}
    script = scratch / "sdk_workers.py"
    script.write_text(SDK_WORKERS)
    export = [TRCTL, "workspace", "export"]
    runs: dict[str, list[float]] = {"export": [], "list": [], "fetch": []}
    for _ in range(options.export_runs):
        seconds, text = timed(export, env)
        workers = tomllib.loads(text)["workers"]
        assert len(workers) == options.workers, "export lost workers"
        assert all(w["attributes"]["n"] == int(w["name"][-4:]) for w in workers), "attributes"
        runs["export"].append(seconds)
        for name, argv in (("list", [PYTHON, str(script)]),
                           ("fetch", [PYTHON, str(script), "fetch"])):  # fmt: skip
            seconds, text = timed(argv, env)
            assert int(text) == options.workers, "the SDK script missed workers"
            runs[name].append(seconds)
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
    times = []
    for _ in range(options.export_runs):
        done, seconds = timed_trctl(env, "workers", "list", "--json")
        times.append(seconds)
        names = [w["friendly_name"] for w in json.loads(done.stdout)]
        recent = [f"Worker {index:04d}" for index in range(options.workers - 50, options.workers)]
        assert names == recent, "workers list: not the newest 50, oldest first"
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
    parser.add_argument("--tasks", type=int, default=50_000)
    parser.add_argument("--list-runs", type=int, default=3)
    parser.add_argument("--workers", type=int, default=1_000)
    parser.add_argument("--export-runs", type=int, default=5)
    sections = ("create", "list", "export")
    parser.add_argument("--only", nargs="+", choices=sections, default=sections)
    options = parser.parse_args()
    print(f"load average at start: {load_average()}", flush=True)
    results = []

    from quickstart_setup import build_quickstart, make_sdk

    subprocess.run([PYTHON, "-m", "compileall", "-q", str(ROOT / "trctl")], check=True)
    with tempfile.TemporaryDirectory() as temporary, EmulatorProcess() as emu:
        scratch = Path(temporary)
        quickstart = build_quickstart(make_sdk(emu))
        env = {
            **os.environ,
            "TWILIO_ACCOUNT_SID": emu.account_sid,
            "TWILIO_AUTH_TOKEN": emu.auth_token,
            "TRCTL_API_URL": emu.url,
            "TRCTL_WORKSPACE_SID": quickstart.workspace_sid,
            "TRCTL_WORKFLOW_SID": quickstart.workflow_sid,
            "TRCTL_CONFIG_DIR": str(scratch / "trctl"),
            "TWILIO_CONFIG_DIR": str(scratch / "twilio-cli"),
            "TWILIO_API_KEY": "",
            "TWILIO_API_SECRET": "",
            "TRCTL_PROFILE": "",
        }
        if "create" in options.only:
            results.append(create_section(emu, env, scratch, options))
        if "list" in options.only:
            results.extend(list_section(emu, env, scratch, options))
        if "export" in options.only:
            results.append(export_section(emu, env, scratch, options))

    for line in results:
        print(line)
    print(f"load average at the end: {load_average()}")


if __name__ == "__main__":
    main()
