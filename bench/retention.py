"""Benchmark: the memory of a `--memory` emulator over 100,000 task lifecycles, with retention.

The emulator runs in its own process: `python -m trctl.emulator --memory --retention 10`, i.e.
TaskRouter's retention (finished tasks 5 minutes, events 30 days, delivered callbacks with their
tasks) compressed to 10 s for all three, so the run takes minutes instead of a month; the
retention code that runs is the default one, only the periods are shorter.

Each lifecycle, from client threads over keep-alive HTTP: create a task (a free worker is reserved
at once), read its pending reservation, accept it, complete the task. Every answer is checked
(status codes, states) before the lifecycle counts. The emulator's RSS (VmRSS of its process) is
sampled every 5,000 lifecycles. Target: RSS at the end within 10% of RSS at 20,000 (after the
warm-up: by then retention deletes as fast as tasks finish). Then the retention is checked through
the API: the first task and the first event answer 404, and fewer completed tasks are listed than
10 s of throughput allows. For contrast, the same load with `--keep-finished` over 10,000
lifecycles: how many MB per 1,000 tasks the emulator grows without retention.

Usage: python bench/retention.py [--lifecycles 100000] [--retention 10] [--threads 4]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from emulator import COMPLETE
from harness import Client, EmulatorProcess

SAMPLE_EVERY = 5_000
WARM_UP = 20_000
TARGET_GROWTH = 0.10


def setup(client: Client, workers: int) -> dict[str, str]:
    """A multi-tasking workspace, one queue for everyone, `workers` available workers."""
    ws = client.request("POST", "/v1/Workspaces", {"FriendlyName": "Retention"})
    base = f"/v1/Workspaces/{ws['sid']}"
    activities = client.request("GET", base + "/Activities")["activities"]
    available = next(a["sid"] for a in activities if a["available"])
    queue = client.request("POST", base + "/TaskQueues", {"FriendlyName": "All"})
    config = json.dumps({"task_routing": {"default_filter": {"queue": queue["sid"]}}})
    flow = client.request(
        "POST", base + "/Workflows", {"FriendlyName": "F", "Configuration": config}
    )
    for n in range(workers):
        form = {"FriendlyName": f"W{n}", "ActivitySid": available}
        client.request("POST", base + "/Workers", form)
    return {"base": base, "flow": flow["sid"]}


def lifecycle(client: Client, ws: dict[str, str], n: int) -> str:
    """Create, reserve (at once), accept, complete; every answer checked. Returns the task SID."""
    base = ws["base"]
    task = client.request(
        "POST", base + "/Tasks", {"WorkflowSid": ws["flow"], "Attributes": json.dumps({"n": n})}
    )
    if task["assignment_status"] != "reserved":
        raise RuntimeError(f"task {n} was not reserved at once: {task['assignment_status']}")
    path = f"{base}/Tasks/{task['sid']}"
    (reservation,) = client.request("GET", path + "/Reservations")["reservations"]
    accepted = client.request(
        "POST", f"{path}/Reservations/{reservation['sid']}", {"ReservationStatus": "accepted"}
    )
    if accepted["reservation_status"] != "accepted":
        raise RuntimeError(f"task {n}: reservation {accepted['reservation_status']}")
    if client.request("POST", path, COMPLETE)["assignment_status"] != "completed":
        raise RuntimeError(f"task {n} was not completed")
    return str(task["sid"])


def run(proc: EmulatorProcess, total: int, threads: int) -> dict[str, Any]:
    """`total` lifecycles from `threads` threads; RSS sampled every SAMPLE_EVERY."""
    clients = threading.local()

    def client() -> Client:
        if not hasattr(clients, "c"):
            clients.c = proc.client()
        return clients.c

    ws = setup(proc.client(), workers=2 * threads)  # more workers than tasks in flight
    first_task = lifecycle(proc.client(), ws, 0)
    events = proc.client().request("GET", ws["base"] + "/Events?PageSize=1")["events"]
    samples = [(1, proc.rss_mb())]
    started = time.perf_counter()
    done = 1
    with ThreadPoolExecutor(threads) as pool:
        while done < total:
            batch = min(SAMPLE_EVERY - done % SAMPLE_EVERY, total - done)
            list(pool.map(lambda n: lifecycle(client(), ws, n), range(done, done + batch)))
            done += batch
            samples.append((done, proc.rss_mb()))
            print(f"  {done:>7} lifecycles  RSS {samples[-1][1]:7.1f} MB", file=sys.stderr)
    elapsed = time.perf_counter() - started
    return {"ws": ws, "first_task": first_task, "first_event": events[0]["sid"],
            "samples": samples, "elapsed": elapsed, "rate": (total - 1) / elapsed}  # fmt: skip


def status_of(proc: EmulatorProcess, path: str) -> int:
    try:
        proc.client().request("GET", path)
    except RuntimeError as exc:
        return int(str(exc).split(": ")[1].split()[0])
    return 200


def completed_listed(proc: EmulatorProcess, base: str) -> int:
    client, count = proc.client(), 0
    page = client.request("GET", base + "/Tasks?AssignmentStatus=completed&PageSize=1000")
    while True:
        count += len(page["tasks"])
        following = page["meta"]["next_page_url"]
        if not following:
            return count
        page = client.request("GET", following.split(proc.url, 1)[1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lifecycles", type=int, default=100_000)
    parser.add_argument("--retention", type=float, default=10.0)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--contrast", type=int, default=10_000, help="lifecycles, keep-finished")
    args = parser.parse_args()
    load = os.getloadavg()
    print(f"load average at start: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")

    proc = EmulatorProcess(extra=["--retention", str(args.retention)])
    try:
        result = run(proc, args.lifecycles, args.threads)
        base = result["ws"]["base"]
        first_task = status_of(proc, f"{base}/Tasks/{result['first_task']}")
        first_event = status_of(proc, f"{base}/Events/{result['first_event']}")
        kept = completed_listed(proc, base)
    finally:
        proc.stop()
    samples = dict(result["samples"])
    warm = samples[min(samples, key=lambda n: abs(n - WARM_UP))]
    end = samples[max(samples)]
    growth = (end - warm) / warm
    bound = result["rate"] * args.retention * 1.5 + 1000
    print(f"{args.lifecycles} lifecycles in {result['elapsed']:.0f} s ({result['rate']:.0f}/s), "
          f"{args.threads} threads, retention {args.retention:g} s")  # fmt: skip
    print(f"RSS: {samples[1]:.1f} MB at start, {warm:.1f} MB at {WARM_UP}, {end:.1f} MB at the "
          f"end, peak {max(samples.values()):.1f} MB: {growth:+.1%} after the warm-up "
          f"(target <= {TARGET_GROWTH:.0%})")  # fmt: skip
    print(f"retention: first task {first_task}, first event {first_event}, completed tasks "
          f"still listed {kept} (bound {bound:.0f})")  # fmt: skip
    verdicts = {
        "RSS flat": growth <= TARGET_GROWTH,
        "first task deleted (404)": first_task == 404,
        "first event deleted (404)": first_event == 404,
        "finished tasks bounded": kept <= bound,
    }

    if args.contrast:
        keep = EmulatorProcess(extra=["--keep-finished"])
        try:
            contrast = run(keep, args.contrast, args.threads)
        finally:
            keep.stop()
        points = dict(contrast["samples"])
        slope = (points[max(points)] - points[1]) / (max(points) - 1) * 1000
        print(f"contrast, --keep-finished: {points[1]:.1f} -> {points[max(points)]:.1f} MB over "
              f"{args.contrast} lifecycles: {slope:.1f} MB per 1,000 tasks")  # fmt: skip
    load = os.getloadavg()
    print(f"load average at the end: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    for name, ok in verdicts.items():
        print(f"{'PASS' if ok else 'FAIL'}  {name}")
    return 0 if all(verdicts.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
