"""Benchmark: what enforcing TaskRouter's limits costs one create, with 10,000 workers present.

In process, without sockets (`App.handle`, as the emulator's HTTP server calls it), on an
in-memory store: 10,000 workers are created in one workspace (5,000 available, under the 7,500
available-workers limit; the workers table's largest id is then above it, so every available
worker's create runs the indexed COUNT), then `--samples` more worker creates are timed with
TaskRouter's limits and again with `limits=none`, alternating, each answer checked to be 201.
Targets: every count a limit runs uses an index (EXPLAIN QUERY PLAN), and the median create with
limits costs at most 0.25 ms more than without (a create over HTTP takes about 1 ms).

Usage: python bench/limits.py [--workers 10000] [--samples 2000]
"""

from __future__ import annotations

import argparse
import base64
import json
import statistics
import time
from urllib.parse import urlencode

from trctl.emulator.core.clock import FakeClock
from trctl.emulator.core.core import Core
from trctl.emulator.core.ids import random_sid
from trctl.emulator.core.store import Store
from trctl.emulator.http.app import App, Request
from trctl.emulator.http.routes import build_routes
from trctl.emulator.http.statistics import ROUTES as STATS_ROUTES
from trctl.vocab.limits import parse_overrides

ACCOUNT = "AC" + "1" * 32
TOKEN = "t" * 32
HEADERS = {
    "host": "127.0.0.1:1",
    "authorization": "Basic " + base64.b64encode(f"{ACCOUNT}:{TOKEN}".encode()).decode(),
}


class World:
    """One workspace of `workers` workers, every other one available."""

    def __init__(self, workers: int, limits: dict[str, int] | None) -> None:
        self.core = Core(Store(":memory:"), FakeClock(), random_sid, limits=limits)
        self.app = App(self.core, build_routes(STATS_ROUTES), ACCOUNT, TOKEN)
        self.app.allow_port("127.0.0.1", 1)
        self.ws = self.post("/v1/Workspaces", {"FriendlyName": "Bench"})["sid"]
        rows = self.core.store.all(
            "SELECT sid, available FROM activities WHERE workspace_sid = ?", (self.ws,)
        )
        self.available = next(r["sid"] for r in rows if r["available"])
        self.offline = next(r["sid"] for r in rows if not r["available"])
        self.count = 0
        for n in range(workers):
            self.create(available=n % 2 == 0)

    def post(self, path: str, form: dict[str, str]) -> dict:
        response = self.app.handle(Request("POST", path, "", HEADERS, urlencode(form).encode()))
        if response.status != 201:
            raise SystemExit(f"POST {path} answered {response.status}: {response.body[:200]!r}")
        return json.loads(response.body)

    def create(self, *, available: bool) -> float:
        self.count += 1
        form = {
            "FriendlyName": f"W{self.count}",
            "ActivitySid": self.available if available else self.offline,
        }
        started = time.perf_counter()
        self.post(f"/v1/Workspaces/{self.ws}/Workers", form)
        return (time.perf_counter() - started) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=10_000)
    parser.add_argument("--samples", type=int, default=2_000)
    args = parser.parse_args()
    limited = World(args.workers, None)
    lifted = World(args.workers, parse_overrides("none"))
    times: dict[str, list[float]] = {"limits": [], "none": []}
    for n in range(args.samples):  # alternate, so both meet the same machine load
        available = n % 2 == 0  # half the creates reach the available-workers COUNT
        times["limits"].append(limited.create(available=available))
        times["none"].append(lifted.create(available=available))
    medians = {name: statistics.median(values) for name, values in times.items()}
    for name, values in times.items():
        p99 = statistics.quantiles(values, n=100)[98]
        print(f"worker create among {args.workers:,} workers, limits={name}: "
              f"median {medians[name]:.3f} ms, p99 {p99:.3f} ms")  # fmt: skip
    cost = medians["limits"] - medians["none"]
    print(f"cost of the limit checks: {cost:+.3f} ms per create (target <= 0.25 ms): "
          f"{'PASS' if cost <= 0.25 else 'FAIL'}")  # fmt: skip
    store = limited.core.store
    for table, where in COUNTS:
        plan = " ".join(
            str(row[-1])
            for row in store.all(
                f"EXPLAIN QUERY PLAN SELECT COUNT(*) FROM {table} WHERE workspace_sid = ?{where}",
                ("WS",),
            )
        )
        verdict = "PASS" if "INDEX" in plan else "FAIL"
        print(f"count of {table}{where or ''}: {plan} (target: an index): {verdict}")


# every count Kernel.check_room runs (tables and conditions of the core's calls)
COUNTS = [
    ("workers", ""),
    ("workers", " AND available = 1"),
    ("activities", ""),
    ("task_queues", ""),
    ("workflows", ""),
    ("task_channels", ""),
    ("tasks", ""),
]


if __name__ == "__main__":
    main()
