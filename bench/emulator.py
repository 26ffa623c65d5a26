"""Emulator benchmarks: lifecycle throughput, assignment latency, routing cost vs backlog.

1. Throughput: 50 available workers; client threads create tasks; each reservation's signed
   assignment callback goes to a local stdlib server answering {"instruction": "accept"}; a
   completer thread completes every assigned task. Tasks per second from first create to last
   completion. Target >= 200 tasks/s.
2. Assignment latency: one worker, a pending task; time from the request that makes the worker
   available to the task being assigned (callback answered and applied). p50/p99; target p99
   <= 50 ms.
3. Routing cost per task with 100 vs 10,000 pending tasks: in-process (no HTTP), the time for a
   worker that becomes available to be reserved the head task of the backlog, and the time to
   create one more task into the backlog. Target: cost at 10,000 <= 2x cost at 100.

Usage: python bench/emulator.py [--tasks 1000] [--samples 200] [--json]
"""

from __future__ import annotations

import argparse
import base64
import http.client
import json
import queue
import statistics
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from trctl.emulator import Emulator

COMPLETE = {"AssignmentStatus": "completed", "Reason": "bench"}


class Client:
    """A keep-alive HTTP client for one thread."""

    def __init__(self, emu: Emulator) -> None:
        parts = urlsplit(emu.url)
        self.conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        token = base64.b64encode(f"{emu.account_sid}:{emu.auth_token}".encode()).decode()
        self.headers = {"Authorization": f"Basic {token}", "Host": parts.netloc}

    def request(self, method: str, path: str, form: dict[str, str] | None = None) -> Any:
        headers = dict(self.headers)
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        self.conn.request(method, path, body=body, headers=headers)
        response = self.conn.getresponse()
        data = response.read()
        if response.status >= 300:
            raise RuntimeError(f"{method} {path}: {response.status} {data[:200]!r}")
        return json.loads(data) if data else None


class AcceptServer:
    """Answers every assignment callback with accept and hands the TaskSid to a queue."""

    def __init__(self) -> None:
        self.assigned: queue.Queue[str] = queue.Queue()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                return

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode()
                params = dict(pair.split("=", 1) for pair in raw.split("&") if "=" in pair)
                assert self.headers.get("X-Twilio-Signature")
                body = b'{"instruction": "accept"}'
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                server.assigned.put(params.get("TaskSid", ""))

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/assignment"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def make_workspace(
    client: Client, *, callback: str | None, workers: int, available: bool
) -> dict[str, Any]:
    ws = client.request(
        "POST", "/v1/Workspaces", {"FriendlyName": "Bench", "MultiTaskEnabled": "false"}
    )
    base = f"/v1/Workspaces/{ws['sid']}"
    activities = {
        a["friendly_name"]: a["sid"]
        for a in client.request("GET", base + "/Activities")["activities"]
    }
    queue_ = client.request(
        "POST", base + "/TaskQueues", {"FriendlyName": "All", "TargetWorkers": "1==1"}
    )
    config = json.dumps({"task_routing": {"default_filter": {"queue": queue_["sid"]}}})
    form = {"FriendlyName": "All", "Configuration": config}
    if callback:
        form["AssignmentCallbackUrl"] = callback
    flow = client.request("POST", base + "/Workflows", form)
    activity = activities["Available" if available else "Offline"]
    worker_sids = [
        client.request(
            "POST", base + "/Workers", {"FriendlyName": f"W{n}", "ActivitySid": activity}
        )["sid"]
        for n in range(workers)
    ]
    return {"base": base, "flow": flow["sid"], "workers": worker_sids, "activities": activities,
            "queue": queue_["sid"], "sid": ws["sid"]}  # fmt: skip


def throughput(total: int, db: str) -> dict[str, float]:
    server = AcceptServer()
    with Emulator(db_path=db, outbox_threads=8) as emu:
        setup = make_workspace(Client(emu), callback=server.url, workers=50, available=True)
        base, flow = setup["base"], setup["flow"]
        done = threading.Event()
        completed = 0

        def complete() -> None:
            nonlocal completed
            client = Client(emu)
            while completed < total:
                sid = server.assigned.get()
                for _ in range(200):  # the accept is applied right after the callback answer
                    try:
                        client.request("POST", f"{base}/Tasks/{sid}", COMPLETE)
                        break
                    except RuntimeError:
                        time.sleep(0.001)
                completed += 1
            done.set()

        def create(count: int) -> None:
            client = Client(emu)
            for _ in range(count):
                client.request("POST", f"{base}/Tasks", {"Attributes": "{}", "WorkflowSid": flow})

        started = time.perf_counter()
        completers = [threading.Thread(target=complete, daemon=True) for _ in range(1)]
        creators = [threading.Thread(target=create, args=(total // 4,)) for _ in range(4)]
        for thread in (*completers, *creators):
            thread.start()
        done.wait(300)
        elapsed = time.perf_counter() - started
    server.close()
    return {"tasks": total, "seconds": elapsed, "tasks_per_second": total / elapsed}


def latency(samples: int, db: str) -> dict[str, float]:
    server = AcceptServer()
    with Emulator(db_path=db) as emu:
        client = Client(emu)
        setup = make_workspace(client, callback=server.url, workers=1, available=False)
        base, flow, worker = setup["base"], setup["flow"], setup["workers"][0]
        idle, offline = setup["activities"]["Available"], setup["activities"]["Offline"]
        timings = []
        for _ in range(samples):
            task = client.request(
                "POST", f"{base}/Tasks", {"Attributes": "{}", "WorkflowSid": flow}
            )
            started = time.perf_counter()
            client.request("POST", f"{base}/Workers/{worker}", {"ActivitySid": idle})
            server.assigned.get(timeout=10)
            assert emu.wait_idle(10)
            timings.append(time.perf_counter() - started)
            status = emu.store.scalar(
                "SELECT assignment_status FROM tasks WHERE sid = ?", (task["sid"],)
            )
            assert status == "assigned", status
            client.request(
                "POST",
                f"{base}/Tasks/{task['sid']}",
                {"AssignmentStatus": "completed", "Reason": "b"},
            )
            client.request("POST", f"{base}/Workers/{worker}", {"ActivitySid": offline})
    server.close()
    timings.sort()
    return {
        "samples": samples,
        "p50_ms": 1000 * statistics.median(timings),
        "p99_ms": 1000 * timings[min(len(timings) - 1, int(len(timings) * 0.99))],
    }


def routing_cost(backlog: int, rounds: int, db: str) -> dict[str, float]:
    """In-process: reserve-the-head and create-into-backlog costs with `backlog` pending tasks."""
    with Emulator(db_path=db) as emu:
        setup = make_workspace(Client(emu), callback=None, workers=1, available=False)
        core, ws = emu.core, setup["sid"]
        for _ in range(backlog):
            core.tasks.create(ws, {"workflow_sid": setup["flow"], "attributes": "{}"})
        worker = setup["workers"][0]
        available, offline = setup["activities"]["Available"], setup["activities"]["Offline"]
        reserve, create = [], []
        for _ in range(rounds):
            started = time.perf_counter()
            core.workers.update(ws, worker, {"activity_sid": available})
            reserve.append(time.perf_counter() - started)
            sid = emu.store.scalar(
                "SELECT sid FROM reservations WHERE worker_sid = ? AND status = 'pending'",
                (worker,),
            )
            core.reservations.update(sid, status="rejected", worker_activity_sid=offline,
                                     instruction=None, instruction_params={})  # fmt: skip
            started = time.perf_counter()
            core.tasks.create(ws, {"workflow_sid": setup["flow"], "attributes": "{}"})
            create.append(time.perf_counter() - started)
        pending = emu.store.scalar("SELECT COUNT(*) FROM tasks WHERE assignment_status = 'pending'")
    return {
        "backlog": pending,
        "reserve_ms": 1000 * statistics.median(reserve),
        "create_ms": 1000 * statistics.median(create),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=1000)
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        results = {
            "throughput": throughput(args.tasks, str(Path(tmp) / "t.db")),
            "latency": latency(args.samples, str(Path(tmp) / "l.db")),
            "routing_100": routing_cost(100, 100, str(Path(tmp) / "r1.db")),
            "routing_10000": routing_cost(10_000, 100, str(Path(tmp) / "r2.db")),
        }
    small, large = results["routing_100"], results["routing_10000"]
    results["routing_ratio"] = {
        "reserve": large["reserve_ms"] / small["reserve_ms"],
        "create": large["create_ms"] / small["create_ms"],
    }
    if args.json:
        print(json.dumps(results, indent=2))
        return 0
    t, lat = results["throughput"], results["latency"]
    ratio = results["routing_ratio"]
    lines = [
        f"lifecycle throughput: {t['tasks_per_second']:.0f} tasks/s "
        f"({t['tasks']} tasks, 50 workers; target >= 200)",
        f"assignment latency: p50 {lat['p50_ms']:.1f} ms, p99 {lat['p99_ms']:.1f} ms "
        "(target p99 <= 50 ms)",
        f"routing, {small['backlog']} pending: reserve {small['reserve_ms']:.2f} ms, "
        f"create {small['create_ms']:.2f} ms",
        f"routing, {large['backlog']} pending: reserve {large['reserve_ms']:.2f} ms, "
        f"create {large['create_ms']:.2f} ms",
        f"ratio large/small: reserve {ratio['reserve']:.2f}x, create {ratio['create']:.2f}x "
        "(target <= 2x)",
    ]
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
