"""Benchmark: signed assignment callbacks into CallbackServer vs a bare ThreadingHTTPServer.

5,000 callbacks to each (each a new ReservationSid, so no replay-cache hits) from 16 concurrent
loopback clients, one connection per request (keep-alive off, like Twilio). The bare server
answers the same JSON with no checks at all, so the difference is the cost of the checks. Each
server runs in its own process (as it would against Twilio), both started before the first
round; the clients are 16 threads using http.client in this process. The load comes in rounds
(--rounds, default 10) that alternate which server goes first, so a change in the machine's load
falls on both alike; throughput is all callbacks over the rounds' summed time, percentiles over
all latencies. Every answer is checked (200 and the accept instruction); one that is not counts
as an error.

Targets (the checked server): 0 errors, p99 <= 20 ms.

    .venv/bin/python bench/callback.py [--requests 5000] [--clients 16] [--rounds 10] [--json]
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import statistics
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import load_average, verdict

from trctl.callback import CallbackServer, constant
from trctl.callback.signature import compute_signature

TOKEN = "bench-auth-token-0123456789abcdef"
ANSWER = json.dumps({"instruction": "accept"}).encode()


def params(n: int) -> dict[str, str]:
    return {
        "AccountSid": "AC" + "a" * 32,
        "WorkspaceSid": "WS" + "1" * 32,
        "WorkflowSid": "WW" + "2" * 32,
        "TaskQueueSid": "WQ" + "3" * 32,
        "WorkerSid": "WK" + "4" * 32,
        "TaskSid": "WT" + f"{n:032x}",
        "ReservationSid": "WR" + f"{n:032x}",
        "TaskAttributes": '{"selected_language":"es","type":"support"}',
        "WorkerAttributes": '{"languages":["en","es"]}',
        "TaskAge": "3",
        "TaskPriority": "0",
        "Timestamp": "1764472000",
    }


def prepare(url: str, first: int, count: int) -> list[tuple[bytes, dict[str, str]]]:
    """Bodies and headers, signed ahead of time so the clients measure only the server."""
    requests = []
    for n in range(first, first + count):
        form = params(n)
        body = urlencode(form).encode()
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Twilio-Signature": compute_signature(TOKEN, url, form),
            "I-Twilio-Idempotency-Token": f"bench-{n}",
            "Connection": "close",
        }
        requests.append((body, headers))
    return requests


class BareServer(ThreadingHTTPServer):
    """The same backlog and daemon threads as CallbackServer: a fair baseline."""

    daemon_threads = True
    request_queue_size = 64


class BareHandler(BaseHTTPRequestHandler):
    """The baseline: read the body, answer the JSON, check nothing."""

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(ANSWER)))
        self.end_headers()
        self.wfile.write(ANSWER)


def load(url: str, requests: list[tuple[bytes, dict[str, str]]], clients: int) -> dict:
    """Send `requests` from `clients` threads; the wall time, each latency and the errors."""
    parts = urlsplit(url)
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    cursor = iter(range(len(requests)))

    def client() -> None:
        mine: list[float] = []
        while True:
            with lock:
                index = next(cursor, None)
            if index is None:
                break
            body, headers = requests[index]
            started = time.perf_counter()
            try:
                conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
                conn.request("POST", parts.path, body=body, headers=headers)
                response = conn.getresponse()
                payload = response.read()
                conn.close()
                if response.status != 200 or json.loads(payload) != {"instruction": "accept"}:
                    with lock:
                        errors.append(f"HTTP {response.status}")
            except Exception as exc:  # counted, not raised: the benchmark reports errors
                with lock:
                    errors.append(type(exc).__name__)
            mine.append(time.perf_counter() - started)
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    wall = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {"seconds": time.perf_counter() - wall, "latencies": latencies, "errors": errors}


class ServerProcess:
    """One server (`bare` or `checked`) in its own process, serving until stop()."""

    def __init__(self, name: str, kind: str) -> None:
        context = multiprocessing.get_context("spawn")
        urls: Any = context.Queue()
        self.name = name
        self.halt = context.Event()
        self.process = context.Process(target=serve, args=(kind, urls, self.halt), daemon=True)
        self.process.start()
        self.url = urls.get(timeout=30)
        self.seconds = 0.0
        self.latencies: list[float] = []
        self.errors: list[str] = []

    def send(self, requests: list[tuple[bytes, dict[str, str]]], clients: int) -> None:
        result = load(self.url, requests, clients)
        self.seconds += result["seconds"]
        self.latencies.extend(result["latencies"])
        self.errors.extend(result["errors"])

    def summary(self, clients: int) -> dict:
        ordered = sorted(self.latencies)
        return {
            "server": self.name,
            "requests": len(ordered),
            "clients": clients,
            "seconds": round(self.seconds, 3),
            "throughput_rps": round(len(ordered) / self.seconds, 1),
            "p50_ms": round(statistics.median(ordered) * 1000, 2),
            "p99_ms": round(ordered[int(len(ordered) * 0.99) - 1] * 1000, 2),
            "max_ms": round(ordered[-1] * 1000, 2),
            "errors": len(self.errors),
        }

    def stop(self) -> None:
        self.halt.set()
        self.process.join(timeout=10)


def serve(kind: str, urls: Any, stop: Any) -> None:
    """Child process: start the server, report its URL, serve until told to stop."""
    if kind == "checked":
        server = CallbackServer(TOKEN, decide=constant({"instruction": "accept"})).start()
        urls.put(server.url)
        stop.wait()
        server.stop()
        return
    httpd = BareServer(("127.0.0.1", 0), BareHandler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    urls.put(f"http://127.0.0.1:{httpd.server_address[1]}/assignment")
    stop.wait()
    httpd.shutdown()
    httpd.server_close()


def measure(args: argparse.Namespace) -> list[dict]:
    """Both servers up, then rounds that alternate which one is loaded first."""
    servers = [
        ServerProcess("bare ThreadingHTTPServer (no checks)", "bare"),
        ServerProcess("trctl CallbackServer (signed, checked)", "checked"),
    ]
    try:
        for server in servers:  # warm-up, not counted
            load(server.url, prepare(server.url, 0, min(200, args.requests)), args.clients)
        per_round = max(1, args.requests // args.rounds)
        first = 200  # fresh reservations after the warm-up's: no replays
        for round_number in range(args.rounds):
            order = servers if round_number % 2 == 0 else servers[::-1]
            for server in order:
                server.send(prepare(server.url, first, per_round), args.clients)
            first += per_round
        return [server.summary(args.clients) for server in servers]
    finally:
        for server in servers:
            server.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args()
    before = load_average()
    results = measure(args)
    bare, checked = results
    met_errors, met_p99 = checked["errors"] == 0, checked["p99_ms"] <= 20
    if args.json:
        print(json.dumps({"load_average_before": before, "results": results,
                          "load_average_after": load_average()}, indent=2))  # fmt: skip
        return 0 if met_errors and met_p99 else 1
    print(
        f"{checked['requests']} callbacks to each server, {args.clients} concurrent clients, "
        f"no keep-alive, {args.rounds} alternating rounds"
    )
    print(f"{'server':40} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} {'errors':>6}")
    for r in results:
        print(
            f"{r['server']:40} {r['throughput_rps']:>8} {r['p50_ms']:>8} "
            f"{r['p99_ms']:>8} {r['max_ms']:>8} {r['errors']:>6}"
        )
    print(verdict("checked server errors", str(checked["errors"]), met_errors, "0"))
    print(verdict("checked server p99", f"{checked['p99_ms']} ms", met_p99, "<= 20 ms"))
    print(
        f"checked/bare throughput {checked['throughput_rps'] / bare['throughput_rps']:.2f}x "
        "(no target: the cost of the checks)"
    )
    print(f"load average before/after: {before} / {load_average()}")
    return 0 if met_errors and met_p99 else 1


if __name__ == "__main__":
    sys.exit(main())
