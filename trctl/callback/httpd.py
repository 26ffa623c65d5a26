"""The HTTP layer of the callback server: a fixed pool of handler threads and one-write answers."""

from __future__ import annotations

import contextlib
import queue
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from trctl.callback.server import CallbackServer


class Reply(Exception):
    """Ends request handling with this status and a short reason (never the body)."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


class PooledHTTPServer(HTTPServer):
    """http.server with a fixed pool of handler threads; accepting pauses while all are busy.

    ThreadingHTTPServer starts a thread per connection, and Thread.start() blocks the accept loop
    until the new thread runs: on a busy 2-core machine that capped throughput near 1,000
    callbacks/s with a p99 above 100 ms. A pool of `max_threads` workers, fed only when one of
    the semaphore's slots is free, bounds the threads the same way and answered about 3x faster
    (bench/callback.py). Connections that find no free slot wait in the kernel backlog.
    """

    request_queue_size = 64

    def __init__(self, address: tuple[str, int], app: CallbackServer) -> None:
        self.app = app
        self.closing = False
        self._slots = threading.BoundedSemaphore(app.max_threads)
        self._work: queue.SimpleQueue[tuple[Any, Any] | None] = queue.SimpleQueue()
        self._workers: list[threading.Thread] = []  # server_close() runs if binding fails
        super().__init__(address, CallbackHandler)
        self._workers = [
            threading.Thread(target=self._worker, name=f"callback-{n}", daemon=True)
            for n in range(app.max_threads)
        ]
        for worker in self._workers:
            worker.start()

    def process_request(self, request: Any, client_address: Any) -> None:
        # blocking here pauses accept(); the kernel backlog holds new connections meanwhile
        while not self._slots.acquire(timeout=0.25):
            if self.closing:
                self.shutdown_request(request)
                return
        self._work.put((request, client_address))

    def _worker(self) -> None:
        while (item := self._work.get()) is not None:
            request, client_address = item
            try:
                self.finish_request(request, client_address)
            except Exception:
                self.handle_error(request, client_address)
            finally:
                self.shutdown_request(request)
                self._slots.release()

    def server_close(self) -> None:
        super().server_close()
        for _ in self._workers:
            self._work.put(None)

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that vanished mid-answer is not worth a traceback on stderr


class CallbackHandler(BaseHTTPRequestHandler):
    """Hands POSTs to the CallbackServer; every other method is 405; nothing is logged."""

    server: PooledHTTPServer
    protocol_version = "HTTP/1.0"
    server_version = "trctl-callback"
    sys_version = ""

    def setup(self) -> None:
        app = self.server.app
        self.timeout = app.header_timeout
        self.started = app.clock()
        app.reaper.watch(self.request, app.header_timeout)
        super().setup()

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.app.reaper.forget(self.request)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # no request lines, headers or bodies in logs: the live log has what matters

    def do_POST(self) -> None:
        if self.server.app.reaper.release(self.request):
            self.server.app.handle_post(self)

    def _not_allowed(self) -> None:
        if self.server.app.reaper.release(self.request):
            self.server.app.refuse(self, Reply(405, f"method {self.command} not allowed"))

    do_GET = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _not_allowed


def send(
    handler: CallbackHandler,
    status: int,
    body: bytes | None,
    extra: dict[str, str] | None = None,
    *,
    timeout: float,
) -> None:
    """Status line, headers and body in one write (one segment on loopback, no Nagle wait)."""
    body = body or b""
    reason = handler.responses.get(status, ("",))[0]
    lines = [
        f"HTTP/1.0 {status} {reason}",
        f"Server: {handler.server_version}",
        f"Date: {handler.date_time_string()}",
        "Content-Type: application/json",
        f"Content-Length: {len(body)}",
        "Connection: close",
        *(f"{name}: {value}" for name, value in (extra or {}).items()),
    ]
    head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
    with contextlib.suppress(OSError):
        handler.connection.settimeout(timeout)
        handler.wfile.write(head + (b"" if handler.command == "HEAD" else body))
    handler.close_connection = True
