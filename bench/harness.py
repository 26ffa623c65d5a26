"""What the benchmarks share: the emulator in its own process, keep-alive clients, callback
receivers, the emulator's CPU time, percentiles, and target/verdict lines."""

from __future__ import annotations

import base64
import http.client
import json
import os
import queue
import secrets
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

ROOT = Path(__file__).resolve().parents[1]
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


class EmulatorProcess:
    """`python -m trctl.emulator` on a free port, with known credentials; stopped on exit."""

    def __init__(self, db: str = ":memory:", extra: Sequence[str] = ()) -> None:
        self.account_sid = "AC" + secrets.token_hex(16)
        self.auth_token = secrets.token_hex(16)
        where = ["--memory"] if db == ":memory:" else ["--db", db]
        env = {**os.environ, "TRCTL_EMULATOR_AUTH_TOKEN": self.auth_token, "PYTHONPATH": str(ROOT)}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "trctl.emulator", "--port", "0", *where,
             "--account-sid", self.account_sid, "--quiet", *extra],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env,
        )  # fmt: skip
        assert self.process.stdout is not None
        self.url = self.process.stdout.readline().strip()
        if not self.url.startswith("http://"):
            self.stop()
            raise RuntimeError(f"the emulator did not start (first line: {self.url!r})")
        threading.Thread(target=self._drain, daemon=True).start()

    def _drain(self) -> None:
        assert self.process.stdout is not None
        for _ in self.process.stdout:
            pass

    def cpu_seconds(self) -> float:
        """User + system CPU time the emulator process has used so far."""
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS

    def rss_mb(self) -> float:
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return 0.0

    def client(self) -> Client:
        return Client(self.url, self.account_sid, self.auth_token)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()

    def __enter__(self) -> EmulatorProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


class ApiError(RuntimeError):
    """A request the emulator refused: status and Twilio's envelope."""

    def __init__(self, status: int, body: Any) -> None:
        super().__init__(f"{status} {body}")
        self.status = status
        self.body = body


class Client:
    """A keep-alive HTTP client for one thread (Basic auth, form bodies, JSON answers)."""

    def __init__(self, url: str, user: str, password: str) -> None:
        parts = urlsplit(url)
        self.conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
        token = base64.b64encode(f"{user}:{password}".encode()).decode()
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
        parsed = json.loads(data) if data else None
        if response.status >= 300:
            raise ApiError(response.status, parsed)
        return parsed

    def list_all(self, path: str, key: str) -> Iterator[dict[str, Any]]:
        page = self.request("GET", f"{path}{'&' if '?' in path else '?'}PageSize=1000")
        while True:
            yield from page[key]
            following = page["meta"]["next_page_url"]
            if not following:
                return
            parts = urlsplit(following)
            page = self.request("GET", f"{parts.path}?{parts.query}")


class Receiver:
    """A local app that receives TaskRouter callbacks: assignment callbacks are answered with
    `answer` and their form parameters (plus the receive time) queued; anything else gets 204."""

    def __init__(self, answer: dict[str, Any] | None = None) -> None:
        self.calls: queue.Queue[tuple[float, dict[str, str]]] = queue.Queue()
        self.events = 0
        self.unsigned = 0
        body = json.dumps(answer if answer is not None else {"instruction": "accept"}).encode()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                return

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                params = dict(parse_qsl(self.rfile.read(length).decode()))
                if not self.headers.get("X-Twilio-Signature"):
                    receiver.unsigned += 1
                if self.path.startswith("/events"):
                    receiver.events += 1
                    self.send_response(204)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                receiver.calls.put((time.perf_counter(), params))

        class Server(ThreadingHTTPServer):
            def handle_error(self, request: Any, client_address: Any) -> None:
                return  # a peer closing a kept-alive connection at the end is no news

        self.httpd = Server(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/assignment"

    @property
    def events_url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/events"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@contextmanager
def receiver(answer: dict[str, Any] | None = None) -> Iterator[Receiver]:
    app = Receiver(answer)
    try:
        yield app
    finally:
        app.close()


class EventSink:
    """bench/sink.py in its own process: receives event callbacks, checks their signatures."""

    def __init__(self, auth_token: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, str(ROOT / "bench" / "sink.py"), auth_token],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        assert self.process.stdout is not None
        self.port = int(self.process.stdout.readline())
        self.url = f"http://127.0.0.1:{self.port}/events"

    def count(self) -> dict[str, int]:
        """{"received": n, "signed": n} so far."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            conn.request("GET", "/count")
            return dict(json.loads(conn.getresponse().read()))
        finally:
            conn.close()

    def wait_for(self, expected: int, timeout: float) -> tuple[dict[str, int], float]:
        """Wait until `expected` events arrived (or timeout); the count and the time taken."""
        started = time.perf_counter()
        counts = self.count()
        while counts["received"] < expected and time.perf_counter() - started < timeout:
            time.sleep(0.05)
            counts = self.count()
        return counts, time.perf_counter() - started

    def __enter__(self) -> EventSink:
        return self

    def __exit__(self, *exc: object) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait(10)


class Measured:
    """One finished child process: its wall time, peak RSS and exit code."""

    def __init__(self, seconds: float, peak_rss_mb: float, returncode: int) -> None:
        self.seconds, self.peak_rss_mb, self.returncode = seconds, peak_rss_mb, returncode


# A small launcher between the benchmark and the measured command. Linux counts, in a child's
# ru_maxrss, the memory of the process it was forked from (exec keeps the old high-water mark),
# so a command forked straight from a benchmark that holds 50,000 parsed records would report
# the benchmark's RSS. Forked from this launcher (python -S: ~8 MB), it reports its own peak.
RSS_LAUNCHER = """
import os, sys, time
report, argv = sys.argv[1], sys.argv[2:]
started = time.perf_counter()
pid = os.fork()
if pid == 0:
    os.execvp(argv[0], argv)
_, status, usage = os.wait4(pid, 0)
seconds = time.perf_counter() - started
with open(report, "w") as file:
    file.write(f"{seconds} {usage.ru_maxrss} {os.waitstatus_to_exitcode(status)}")
"""


def measured_run(argv: Sequence[str], env: dict[str, str], stdout: Any, stderr: Any) -> Measured:
    """Run `argv` with its output into the open files `stdout` and `stderr`; the wall time from
    its fork to its exit, and its peak RSS as the kernel counted it (wait4's ru_maxrss, KiB on
    Linux; not a sample), through RSS_LAUNCHER."""
    with tempfile.NamedTemporaryFile("r", suffix=".rusage") as report:
        launcher = [sys.executable, "-S", "-c", RSS_LAUNCHER, report.name, *argv]
        subprocess.run(launcher, env=env, stdout=stdout, stderr=stderr, check=True)
        seconds, rss_kib, returncode = report.read().split()
    return Measured(float(seconds), int(rss_kib) / 1024, int(returncode))


def percentile(values: Sequence[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


def verdict(name: str, value: str, ok: bool, target: str) -> str:
    """One result line: what, the figure, the target and whether it is met."""
    return f"{name}: {value} (target {target}: {'MET' if ok else 'NOT MET'})"


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])
