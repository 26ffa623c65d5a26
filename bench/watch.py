"""What `trctl watch` and `trctl stats` cost on a big workspace: requests and time.

The emulator runs in its own process (`python -m trctl.emulator --port 0 --memory --log-format
json`); its request log (stderr) is read in a thread, so every request trctl makes is counted on
the server's side too. The workspace: 1,000 workers (100 Idle, 900 Offline), 100 queues, a
workflow with one filter per queue, 10,000 tasks. Every Idle worker is reserved one task and
accepts it, so 100 tasks are assigned (100 workers hold one) and 9,900 wait.

Measured with trctl's own services (the twilio client, trctl's transport), each stage verified
before it is counted:
1. `stats`: requests and time of one call (median of --runs); its counts must be 9,900 pending,
   100 assigned, workers Busy 100 / Offline 900, 100 queue rows.
2. `watch`: the first refresh (it reads the last minute's events and looks up what the 100 busy
   workers hold), then steady refreshes (median): requests and time, and the emulator's own
   milliseconds per endpoint from its log. The snapshot must show 1,000 workers, 100 queues, and
   each busy worker holding its task.
3. Growth: the steady refresh is measured at 1,000 tasks and again at 10,000, after one refresh
   that catches up with the events of the 9,000 tasks added in between (reported apart: it reads
   every new event, 1,000 a request).
Targets: stats 3 requests; a steady refresh 3 requests at 1,000 and at 10,000 tasks, and at most
1 s (the emulator's refresh interval).

Usage: python bench/watch.py [--workers 1000] [--queues 100] [--tasks 10000] [--runs 5] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from harness import Client  # noqa: E402  (a keep-alive HTTP client)

STEADY_TARGET_REQUESTS = 3
STATS_TARGET_REQUESTS = 3
STEADY_TARGET_SECONDS = 1.0
SETUP_THREADS = 4


class EmulatorProcess:
    """`python -m trctl.emulator` on a free port; its JSON request log counted as it comes."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "trctl.emulator", "--port", "0", "--memory",
             "--log-format", "json"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=ROOT,
            env={k: v for k, v in os.environ.items() if not k.startswith(("TWILIO_", "TRCTL_"))},
        )  # fmt: skip
        assert self.process.stdout is not None and self.process.stderr is not None
        self.url = self.process.stdout.readline().strip()
        exports = dict(
            line.strip().removeprefix("export ").split("=", 1)
            for line in (self.process.stdout.readline() for _ in range(3))
        )
        self.account_sid = exports["TWILIO_ACCOUNT_SID"]
        self.auth_token = exports["TWILIO_AUTH_TOKEN"].strip("'")
        self.logged: list[dict[str, Any]] = []
        self.lock = threading.Lock()
        threading.Thread(target=self._read_log, daemon=True).start()

    def _read_log(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            if line.startswith("{"):
                with self.lock:
                    self.logged.append(json.loads(line))

    def requests_logged(self) -> int:
        with self.lock:
            return len(self.logged)

    def settle(self, expected: int, timeout: float = 10.0) -> int:
        """The number of logged requests once it reaches `expected` (the log is a pipe away)."""
        deadline = time.monotonic() + timeout
        while self.requests_logged() < expected and time.monotonic() < deadline:
            time.sleep(0.01)
        return self.requests_logged()

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(10)


def build(emu: EmulatorProcess, workers: int, queues: int) -> dict[str, Any]:
    """The workspace without tasks: activities, `queues` queues and one filter for each, and
    `workers` workers spread over the queues (skill = n % queues), all Offline."""
    client = Client(emu.url, emu.account_sid, emu.auth_token)
    ws = client.request("POST", "/v1/Workspaces", {"FriendlyName": "Bench watch",
                                                    "MultiTaskEnabled": "false"})  # fmt: skip
    base = f"/v1/Workspaces/{ws['sid']}"
    activities = {
        a["friendly_name"]: a["sid"]
        for a in client.request("GET", base + "/Activities")["activities"]
    }
    for name, available in (("Idle", "true"), ("Busy", "false")):
        activities[name] = client.request(
            "POST", base + "/Activities", {"FriendlyName": name, "Available": available}
        )["sid"]
    queue_sids = [
        client.request("POST", base + "/TaskQueues", {
            "FriendlyName": f"Queue {n:03d}", "TargetWorkers": f"skill == {n}",
            "AssignmentActivitySid": activities["Busy"],
        })["sid"]
        for n in range(queues)
    ]  # fmt: skip
    filters = [
        {"filter_friendly_name": f"skill {n}", "expression": f"skill == {n}",
         "targets": [{"queue": sid}]}
        for n, sid in enumerate(queue_sids)
    ]  # fmt: skip
    config = json.dumps({"task_routing": {"filters": filters}})
    flow = client.request("POST", base + "/Workflows", {"FriendlyName": "By skill",
                                                        "Configuration": config})  # fmt: skip

    def make_worker(n: int) -> str:
        form = {"FriendlyName": f"Worker {n:04d}", "Attributes": json.dumps({"skill": n % queues}),
                "ActivitySid": activities["Offline"]}  # fmt: skip
        return str(own_client().request("POST", base + "/Workers", form)["sid"])

    local = threading.local()

    def own_client() -> Client:
        if not hasattr(local, "client"):
            local.client = Client(emu.url, emu.account_sid, emu.auth_token)
        return local.client

    with ThreadPoolExecutor(SETUP_THREADS) as pool:
        worker_sids = list(pool.map(make_worker, range(workers)))
    return {"sid": ws["sid"], "base": base, "flow": flow["sid"], "activities": activities,
            "workers": worker_sids, "own_client": own_client, "queues": queues}  # fmt: skip


def add_tasks(setup: dict[str, Any], first: int, count: int) -> None:
    base, own_client = setup["base"], setup["own_client"]

    def make(n: int) -> None:
        form = {"Attributes": json.dumps({"skill": n % setup["queues"]}),
                "WorkflowSid": setup["flow"]}  # fmt: skip
        own_client().request("POST", base + "/Tasks", form)

    with ThreadPoolExecutor(SETUP_THREADS) as pool:
        list(pool.map(make, range(first, first + count)))


def assign_one_per_queue(setup: dict[str, Any]) -> list[str]:
    """The first worker of each queue goes Idle, is reserved a task and accepts it."""
    client: Client = setup["own_client"]()
    base, busy = setup["base"], []
    for sid in setup["workers"][: setup["queues"]]:
        idle = {"ActivitySid": setup["activities"]["Idle"]}
        client.request("POST", f"{base}/Workers/{sid}", idle)
        pending = client.request(
            "GET", f"{base}/Workers/{sid}/Reservations?ReservationStatus=pending"
        )["reservations"]
        assert len(pending) == 1, f"worker {sid} was not reserved a task"
        task, reservation = pending[0]["task_sid"], pending[0]["sid"]
        client.request("POST", f"{base}/Tasks/{task}/Reservations/{reservation}",
                       {"ReservationStatus": "accepted"})  # fmt: skip
        busy.append(sid)
    return busy


def resolver_for(emu: EmulatorProcess, workspace_sid: str) -> Any:
    """trctl's own stack: settings, the twilio client with trctl's transport, a Resolver."""
    from trctl.cli.environment import Environment
    from trctl.config import load_settings
    from trctl.services.client import make_client
    from trctl.services.resolve import Resolver

    variables = {"TWILIO_ACCOUNT_SID": emu.account_sid, "TWILIO_AUTH_TOKEN": emu.auth_token,
                 "TRCTL_API_URL": emu.url, "TRCTL_CONFIG_DIR": "/nonexistent/bench",
                 "TWILIO_CONFIG_DIR": "/nonexistent/bench"}  # fmt: skip
    environment = Environment(environ=variables)
    settings = load_settings({}, variables)
    return Resolver(make_client(settings, environment.http_client), workspace_sid)


def measured(emu: EmulatorProcess, resolver: Any, call: Callable[[], Any]) -> dict[str, Any]:
    """One call: its result, seconds, and requests counted by trctl and by the emulator's log."""
    client_before, server_before = resolver.api.requests_made, emu.requests_logged()
    started = time.perf_counter()
    result = call()
    seconds = time.perf_counter() - started
    requests = resolver.api.requests_made - client_before
    logged = emu.settle(server_before + requests) - server_before
    assert logged == requests, f"trctl counted {requests} requests, the emulator logged {logged}"
    return {"result": result, "seconds": seconds, "requests": requests}


def verify_stats(stats: dict[str, Any], tasks: int, busy: int, workers: int, queues: int) -> None:
    assert stats["tasks"]["assigned"] == busy, stats["tasks"]
    assert stats["tasks"]["pending"] == tasks - busy, stats["tasks"]
    assert stats["workers"]["Busy"] == busy and stats["workers"]["Offline"] == workers - busy
    assert len(stats["queues"]) == queues
    assert sum(q["pending"] for q in stats["queues"]) == tasks - busy


def verify_snapshot(snapshot: dict[str, Any], busy: list[str], workers: int, queues: int) -> None:
    assert len(snapshot["workers"]) == workers and len(snapshot["queues"]) == queues
    holding = {w["sid"]: w["tasks"] for w in snapshot["workers"]}
    for sid in busy:
        assert [t["status"] for t in holding[sid]] == ["assigned"], (sid, holding[sid])


def steady(emu: EmulatorProcess, resolver: Any, watcher: Any, runs: int) -> dict[str, Any]:
    first_logged = emu.requests_logged()
    samples = [measured(emu, resolver, watcher.refresh) for _ in range(runs)]
    with emu.lock:
        logged = emu.logged[first_logged:]
    return {
        "requests": max(s["requests"] for s in samples),
        "seconds": statistics.median(s["seconds"] for s in samples),
        "snapshot": samples[-1]["result"],
        "emulator_ms": server_ms(logged, runs),
    }


def server_ms(logged: list[dict[str, Any]], runs: int) -> dict[str, float]:
    """The emulator's milliseconds per refresh for each endpoint (SIDs folded away)."""
    totals: dict[str, float] = {}
    for record in logged:
        parts = record["path"].split("/")[4:]  # after /v1/Workspaces/WS…
        endpoint = "/".join(part if not part[:2].isupper() else "{sid}" for part in parts)
        totals[endpoint] = totals.get(endpoint, 0.0) + record["ms"]
    return {endpoint: round(ms / runs, 1) for endpoint, ms in totals.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=1000)
    parser.add_argument("--queues", type=int, default=100)
    parser.add_argument("--tasks", type=int, default=10000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    from trctl.services.stats import workspace_stats
    from trctl.services.watch import LOOKUPS_PER_REFRESH, Watcher

    emu = EmulatorProcess()
    try:
        started = time.perf_counter()
        setup = build(emu, args.workers, args.queues)
        small = args.tasks // 10
        add_tasks(setup, 0, small)
        busy = assign_one_per_queue(setup)
        resolver = resolver_for(emu, setup["sid"])
        watcher = Watcher(resolver, lookups=LOOKUPS_PER_REFRESH)
        first = measured(emu, resolver, watcher.refresh)
        while any(not w["tasks_known"] for w in watcher.refresh()["workers"]):
            pass  # the look-ups of what the busy workers hold, 10 a refresh
        time.sleep(2.1)  # let TaskRouter's clock pass the burst: the cursor moves to "now"
        at_small = steady(emu, resolver, watcher, args.runs)
        verify_snapshot(at_small["snapshot"], busy, args.workers, args.queues)
        add_tasks(setup, small, args.tasks - small)
        setup_seconds = time.perf_counter() - started
        time.sleep(2.1)
        catch_up = measured(emu, resolver, watcher.refresh)
        at_full = steady(emu, resolver, watcher, args.runs)
        verify_snapshot(at_full["snapshot"], busy, args.workers, args.queues)
        cold = Watcher(resolver_for(emu, setup["sid"]), lookups=None)
        once = measured(emu, cold.resolver, cold.refresh)
        verify_snapshot(once["result"], busy, args.workers, args.queues)
        stats_runs = []
        for _ in range(args.runs):  # as `trctl stats` runs: a new client, nothing cached
            fresh = resolver_for(emu, setup["sid"])
            stats_runs.append(measured(emu, fresh, lambda fresh=fresh: workspace_stats(fresh)))
        for run in stats_runs:
            verify_stats(run["result"], args.tasks, len(busy), args.workers, args.queues)
    finally:
        emu.stop()
    stats_requests = max(r["requests"] for r in stats_runs)
    stats_seconds = statistics.median(r["seconds"] for r in stats_runs)
    report = {
        "workspace": {"workers": args.workers, "queues": args.queues, "tasks": args.tasks,
                      "busy_workers": len(busy), "setup_seconds": round(setup_seconds, 1)},
        "stats": {"requests": stats_requests, "seconds": round(stats_seconds, 4)},
        "watch_first_refresh": {"requests": first["requests"],
                                "seconds": round(first["seconds"], 4)},
        "watch_once": {"requests": once["requests"], "seconds": round(once["seconds"], 4)},
        f"watch_steady_at_{small}_tasks": {"requests": at_small["requests"],
                                           "seconds": round(at_small["seconds"], 4),
                                           "emulator_ms": at_small["emulator_ms"]},
        f"watch_catch_up_after_{args.tasks - small}_tasks": {
            "requests": catch_up["requests"], "seconds": round(catch_up["seconds"], 4)},
        f"watch_steady_at_{args.tasks}_tasks": {"requests": at_full["requests"],
                                                "seconds": round(at_full["seconds"], 4),
                                                "emulator_ms": at_full["emulator_ms"]},
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }  # fmt: skip
    verdicts = {
        f"stats: {stats_requests} requests (target {STATS_TARGET_REQUESTS})":
            stats_requests <= STATS_TARGET_REQUESTS,
        f"steady refresh: {at_small['requests']} requests at {small} tasks, "
        f"{at_full['requests']} at {args.tasks} (target {STEADY_TARGET_REQUESTS} both)":
            at_small["requests"] <= STEADY_TARGET_REQUESTS >= at_full["requests"],
        f"steady refresh: {at_full['seconds'] * 1000:.0f} ms at {args.tasks} tasks "
        f"(target <= {STEADY_TARGET_SECONDS * 1000:.0f} ms)":
            at_full["seconds"] <= STEADY_TARGET_SECONDS,
    }  # fmt: skip
    if args.json:
        print(json.dumps({**report, "verdicts": verdicts}, indent=2))
    else:
        for name, figures in report.items():
            print(f"{name}: {figures}")
        for text, passed in verdicts.items():
            print(f"{'PASS' if passed else 'FAIL'}  {text}")
    return 0 if all(verdicts.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
