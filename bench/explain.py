"""Benchmark: `trctl explain` of one task on a workspace with 1,000 workers and a 50-filter
workflow, against the emulator in its own process.

The workspace (multitasking): 50 languages, 50 queues (`languages HAS "lNN"`), a workflow with
50 filters (`selected_language == "lNN"`, one per queue, no default_filter), 1,000 workers
(20 per language) Idle with voice capacity 1. Every worker of the last language gets a voice task
and accepts it; then one more voice task for that language waits. Explaining it walks all 50
filters (the 50th matches), judges 1,000 workers, and reads the load of the 20 eligible busy ones.

Stages, each verified before it is timed: the workspace is built and checked through the API;
the waiting task is pending in the last queue; explain's summary says all 20 eligible workers
are busy and it judged 1,000 workers. Then:
1. requests: one in-process run through a counting transport (every one a GET, none with an
   expression filter); target: 7 + 3 per busy eligible worker + 1 per worker, since lists
   carry no attributes (the spec: only a fetch shows them, and the emulator follows it), so
   each worker is fetched for the attributes its verdict needs. A server whose lists carried
   them would cost 67.
2. time: `trctl explain TASK --json` as a console-script subprocess, median of --runs; and the
   in-process explain alone (no interpreter start-up), median of --runs.
Targets: subprocess median <= 2 s; requests as above. Verdicts printed.

Run once: .venv/bin/python bench/explain.py [--runs 7]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

LANGUAGES = [f"l{n:02d}" for n in range(50)]
WORKERS_PER_LANGUAGE = 20
TARGET_SECONDS = 2.0
RATE_LIMITED = ("EvaluateTaskAttributes", "TargetWorkersExpression", "EvaluateWorkerAttributes")


def start_emulator() -> tuple[subprocess.Popen, dict[str, str]]:
    """`python -m trctl.emulator --port 0 --memory` in its own process; its URL and credentials."""
    process = subprocess.Popen(
        [sys.executable, "-m", "trctl.emulator", "--port", "0", "--memory"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    env: dict[str, str] = {}
    assert process.stdout is not None
    while len(env) < 3:
        line = process.stdout.readline()
        if not line:
            raise SystemExit("the emulator exited before printing its environment")
        match = re.match(r"export (\w+)=(\S+)", line.strip())
        if match:
            env[match.group(1)] = match.group(2)
    return process, env


def build(client: Any) -> tuple[str, str, str, list[str]]:
    """The workspace; returns its SID, the waiting task, the last queue, the busy tasks."""
    taskrouter = client.taskrouter.v1
    ws_sid = taskrouter.workspaces.create(friendly_name="Bench", multi_task_enabled=True).sid
    ws = taskrouter.workspaces(ws_sid)
    idle = ws.activities.create(friendly_name="Idle", available=True).sid
    with ThreadPoolExecutor(max_workers=4) as pool:
        queues = dict(
            pool.map(
                lambda lang: (
                    lang,
                    ws.task_queues.create(
                        friendly_name=f"Queue {lang}", target_workers=f'languages HAS "{lang}"'
                    ).sid,
                ),
                LANGUAGES,
            )
        )
        filters = [
            {
                "filter_friendly_name": lang,
                "expression": f'selected_language == "{lang}"',
                "targets": [{"queue": queues[lang]}],
            }
            for lang in LANGUAGES
        ]
        workflow = ws.workflows.create(
            friendly_name="Fifty filters",
            configuration=json.dumps({"task_routing": {"filters": filters}}),
        ).sid
        people = [(lang, n) for lang in LANGUAGES for n in range(WORKERS_PER_LANGUAGE)]
        list(
            pool.map(
                lambda p: ws.workers.create(
                    friendly_name=f"{p[0]}-{p[1]:02d}",
                    attributes=json.dumps({"languages": [p[0]], "level": p[1] % 5}),
                    activity_sid=idle,
                ),
                people,
            )
        )
    last = LANGUAGES[-1]
    busy = []
    for _ in range(WORKERS_PER_LANGUAGE):
        task = ws.tasks.create(
            attributes=json.dumps({"selected_language": last}),
            workflow_sid=workflow,
            task_channel="voice",
        )
        [reservation] = ws.tasks(task.sid).reservations.list()
        ws.tasks(task.sid).reservations(reservation.sid).update(reservation_status="accepted")
        busy.append(task.sid)
    waiting = ws.tasks.create(
        attributes=json.dumps({"selected_language": last}),
        workflow_sid=workflow,
        task_channel="voice",
    )
    return ws_sid, waiting.sid, queues[last], busy


def verify_workspace(client: Any, ws_sid: str, task: str, queue: str, busy: list[str]) -> None:
    ws = client.taskrouter.v1.workspaces(ws_sid)
    workers = ws.workers.list(page_size=1000)
    assert len(workers) == len(LANGUAGES) * WORKERS_PER_LANGUAGE, len(workers)
    record = ws.tasks(task).fetch()
    assert (record.assignment_status, record.task_queue_sid) == ("pending", queue), record
    assert all(ws.tasks(sid).fetch().assignment_status == "assigned" for sid in busy)


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    options = parser.parse_args()

    from run_environment import RequestLog, run_trctl
    from twilio.rest import Client

    from trctl.cli.environment import Environment
    from trctl.services.explain import explain_task
    from trctl.services.resolve import Resolver
    from trctl.services.rest import TaskRouterApi

    load_before = os.getloadavg()
    process, emu_env = start_emulator()
    try:
        client = Client(emu_env["TWILIO_ACCOUNT_SID"], emu_env["TWILIO_AUTH_TOKEN"])
        client.taskrouter.base_url = emu_env["TRCTL_API_URL"]
        started = time.perf_counter()
        ws_sid, task, queue, busy = build(client)
        verify_workspace(client, ws_sid, task, queue, busy)
        built = time.perf_counter() - started
        print(f"workspace built and verified in {built:.1f}s: 1,000 workers, 50 queues, "
              f"50 filters, {len(busy)} busy, task {task} pending")  # fmt: skip

        with tempfile.TemporaryDirectory() as scratch:
            env = {
                **emu_env,
                "TRCTL_WORKSPACE_SID": ws_sid,
                "TRCTL_CONFIG_DIR": str(Path(scratch) / "trctl"),
                "TWILIO_CONFIG_DIR": str(Path(scratch) / "twilio-cli"),
            }
            seen = RequestLog()
            ran = run_trctl(["explain", task, "--json"], environ=env, transport=seen)
            assert ran.exit_code == 0, ran.stderr
            trace = json.loads(ran.stdout)
            expected = f"{task} waits: none of the 20 eligible workers can take it now (20 busy)"
            assert trace["summary"] == expected, trace["summary"]
            assert len(trace["workers"]) == 1000 and trace["worker_counts"]["busy"] == 20
            assert [f["matched"] for f in trace["filters"]] == [False] * 49 + [True]
            assert all(method == "GET" for method, _, _ in seen)
            assert not [p for _, _, p in seen if set(p) & set(RATE_LIMITED)]
            requests = len(seen)
            worker_fetches = [path for _, path, _ in seen if re.search(r"/Workers/WK\w{32}$", path)]
            assert len(set(worker_fetches)) == len(worker_fetches) == 1000, "one fetch each"
            request_target = 7 + 3 * WORKERS_PER_LANGUAGE + 1000
            print(f"explain verified: {trace['summary']}")

            environment = Environment(environ=env)
            http = environment.http_client(timeout=15, api_url=env["TRCTL_API_URL"])
            sdk = Client(env["TWILIO_ACCOUNT_SID"], env["TWILIO_AUTH_TOKEN"], http_client=http)
            sdk.taskrouter.base_url = env["TRCTL_API_URL"]
            in_process = []
            for _ in range(options.runs):
                resolver = Resolver(TaskRouterApi(sdk), ws_sid)
                begun = time.perf_counter()
                again = explain_task(resolver, task)
                in_process.append(time.perf_counter() - begun)
                assert again.summary == expected

            trctl = str(Path(sys.executable).with_name("trctl"))
            full_env = {**os.environ, **env, "TWILIO_API_KEY": "", "TWILIO_API_SECRET": ""}
            subprocess_times = []
            for _ in range(options.runs):
                begun = time.perf_counter()
                done = subprocess.run(
                    [trctl, "explain", task, "--json"], env=full_env, capture_output=True,
                    text=True, timeout=120,
                )  # fmt: skip
                subprocess_times.append(time.perf_counter() - begun)
                assert done.returncode == 0, done.stderr
                assert json.loads(done.stdout)["summary"] == expected
    finally:
        process.terminate()
        process.wait(timeout=10)
    load_after = os.getloadavg()

    wall = median_ms(subprocess_times)
    print()
    print(f"requests per explain: {requests} (target {request_target}: 7 + 3 x 20 busy + "
          f"1,000 attribute fetches) "
          f"-> {'PASS' if requests <= request_target else 'FAIL'}")  # fmt: skip
    print(f"explain in-process:   median {median_ms(in_process):.0f} ms over {options.runs} runs "
          f"(min {min(in_process) * 1000:.0f}, max {max(in_process) * 1000:.0f})")  # fmt: skip
    print(f"trctl explain --json: median {wall:.0f} ms over {options.runs} runs (subprocess, "
          f"target <= {TARGET_SECONDS * 1000:.0f} ms) -> "
          f"{'PASS' if wall <= TARGET_SECONDS * 1000 else 'FAIL'}")  # fmt: skip
    print(f"load average before {load_before[0]:.2f}, after {load_after[0]:.2f} (2 cores, shared)")


if __name__ == "__main__":
    main()
