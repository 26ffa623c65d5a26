"""Benchmark: a simulated 8-hour day (50 workers, 5,000 tasks) on an emulator with a manual clock.

The emulator runs in its own process (`python -m trctl.emulator --memory --clock manual`), the
quickstart workspace is applied with `trctl workspace apply`, then `trctl simulate
examples/simulate-day.toml --seed 1 --json` runs as a console-script process of its own: it
creates the scripted workers, plays the day through the REST API, moving the emulator's clock
through /trctl/clock, tidies up and prints its summary. Measured: the simulation's wall time
and peak RSS (ru_maxrss of its process) and the emulator's peak RSS (VmHWM). Verified before
anything counts: the simulation exits 0, its summary says 5,000 tasks were created and most
handled, the emulator's clock moved a whole day forward, and the scripted workers are gone.
With --log, the emulator also writes its JSON request log to a file, and the time it spent is
summed per endpoint (where the time goes; the log itself costs the emulator a little).

Usage: python bench/simulate.py [--workers 50] [--tasks 5000] [--duration 8h] [--log]
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.request
from base64 import b64encode
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
TRCTL = str(Path(sys.executable).with_name("trctl"))
TARGET_SECONDS = 60.0
SID = re.compile(r"W[A-Z][0-9a-f]{32}")


class Emulator:
    """`python -m trctl.emulator --memory --port 0 --clock manual`, its stderr to a file."""

    def __init__(self, log: Path | None) -> None:
        self.log_path = log
        self.stderr = open(log or os.devnull, "w")  # noqa: SIM115 - closed in stop()
        args = ["--log-format", "json"] if log else ["--quiet"]
        self.popen = subprocess.Popen(
            [sys.executable, "-m", "trctl.emulator", "--memory", "--port", "0", "--clock",
             "manual", *args],
            stdout=subprocess.PIPE, stderr=self.stderr, text=True,
        )  # fmt: skip
        assert self.popen.stdout is not None
        self.url = self.popen.stdout.readline().strip()
        if not self.url.startswith("http://"):
            raise SystemExit("the emulator did not start")
        self.env = dict(
            line.strip().removeprefix("export ").split("=", 1)
            for line in (self.popen.stdout.readline() for _ in range(3))
        )

    def get(self, path: str) -> Any:
        request = urllib.request.Request(self.url + path)
        token = b64encode(f"{self.env['TWILIO_ACCOUNT_SID']}:{self.env['TWILIO_AUTH_TOKEN']}"
                          .encode()).decode()  # fmt: skip
        request.add_header("Authorization", f"Basic {token}")
        with urllib.request.urlopen(request, timeout=30) as answer:
            return json.loads(answer.read())

    def peak_rss_mb(self) -> float:
        for line in Path(f"/proc/{self.popen.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        raise RuntimeError("no VmHWM")

    def stop(self) -> None:
        self.popen.terminate()
        self.popen.wait(10)
        self.stderr.close()


def trctl(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([TRCTL, *args], env=env, capture_output=True, text=True, timeout=60)


def run_simulation(env: dict[str, str], args: list[str]) -> tuple[float, float, str, str, int]:
    """Wall seconds, peak RSS (MB), stdout, stderr and exit code of `trctl simulate ...`."""
    started = time.perf_counter()
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        popen = subprocess.Popen([TRCTL, "simulate", *args], env=env, stdout=out, stderr=err)
        _, status, usage = os.wait4(popen.pid, 0)
        popen.returncode = os.waitstatus_to_exitcode(status)
        wall = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        return wall, usage.ru_maxrss / 1024, out.read(), err.read(), popen.returncode


def per_endpoint(log: Path) -> list[tuple[str, int, float]]:
    """(method and path with SIDs as X, requests, emulator milliseconds) by time spent."""
    count: collections.Counter[str] = collections.Counter()
    spent: collections.Counter[str] = collections.Counter()
    for line in log.read_text().splitlines():
        if not line.startswith("{"):
            continue
        entry = json.loads(line)
        if entry.get("kind") == "request":
            key = f"{entry['method']} {SID.sub('X', entry['path'])}"
            count[key] += 1
            spent[key] += entry["ms"]
    return [(key, count[key], spent[key]) for key, _ in spent.most_common()]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workers", default="50")
    parser.add_argument("--tasks", default="5000")
    parser.add_argument("--duration", default="8h")
    parser.add_argument("--log", action="store_true", help="sum the emulator's time per endpoint")
    options = parser.parse_args()
    load_before = os.getloadavg()
    log = Path(tempfile.mkdtemp()) / "emulator.log" if options.log else None
    emulator = Emulator(log)
    try:
        env = {**os.environ, **emulator.env, "TRCTL_CONFIG_DIR": tempfile.mkdtemp(),
               "TRCTL_WORKSPACE_SID": "TaskRouter Quickstart"}  # fmt: skip
        for name in ("TWILIO_API_KEY", "TWILIO_API_SECRET", "TRCTL_PROFILE", "TRCTL_WORKFLOW_SID"):
            env.pop(name, None)
        applied = trctl(env, "workspace", "apply", str(ROOT / "examples" / "quickstart.toml"))
        if applied.returncode != 0:
            raise SystemExit(f"workspace apply failed: {applied.stderr}")
        start = emulator.get("/trctl/clock")["epoch"]
        args = [str(ROOT / "examples" / "simulate-day.toml"), "--seed", "1", "--json",
                "--workers", options.workers, "--tasks", options.tasks,
                "--duration", options.duration]  # fmt: skip
        wall, sim_rss, out, err, code = run_simulation(env, args)
        if code != 0:
            raise SystemExit(f"trctl simulate exited {code}: {err.strip()[-500:]}")
        summary = json.loads(out)
        moved = emulator.get("/trctl/clock")["epoch"] - start
        workspace = emulator.get("/v1/Workspaces")["workspaces"][0]["sid"]
        workers = emulator.get(f"/v1/Workspaces/{workspace}/Workers")["workers"]
        emulator_rss = emulator.peak_rss_mb()
    finally:
        emulator.stop()
    tasks = int(options.tasks)
    checks = {
        f"{tasks} tasks created": summary["tasks_created"] == tasks,
        "most of them handled": summary["tasks_handled"] >= 0.9 * tasks,
        "a wait per queue": all(q["wait_max"] >= q["wait_p95"] for q in summary["queues"]),
        "the clock moved the whole day": moved >= summary["simulated_seconds"],
        "the scripted workers removed": {w["friendly_name"] for w in workers} == {"Alice", "Bob"},
    }
    for what, passed in checks.items():
        print(f"check: {what}: {'ok' if passed else 'FAILED'}")
    if not all(checks.values()):
        return 1
    print(json.dumps(summary))
    print(f"simulated {summary['simulated_seconds'] / 3600:g} h, {options.workers} workers, "
          f"{tasks} tasks: wall {wall:.1f} s (target < {TARGET_SECONDS:.0f} s: "
          f"{'met' if wall < TARGET_SECONDS else 'NOT met'})")  # fmt: skip
    print(f"peak RSS: simulator {sim_rss:.1f} MB, emulator {emulator_rss:.1f} MB")
    print(f"load average before {load_before[0]:.2f}, after {os.getloadavg()[0]:.2f} (2 cores)")
    if log is not None:
        rows = per_endpoint(log)
        total = sum(ms for _, _, ms in rows)
        print(f"emulator time in requests: {total / 1000:.1f} s over {sum(n for _, n, _ in rows)}"
              " requests")  # fmt: skip
        for key, count, ms in rows[:8]:
            print(f"  {count:7d}  {ms / 1000:6.1f} s  {ms / count:5.2f} ms  {key}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
