"""The HTTP layer of the callback server: whole requests read by the accept thread, a fixed pool
of handler threads, and one-write answers."""

from __future__ import annotations

import contextlib
import io
import logging
import queue
import re
import selectors
import sys
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from trctl.callback.server import CallbackServer

log = logging.getLogger("trctl.callback")


class Reply(Exception):
    """Ends request handling with this status and a short reason (never the body)."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


class PooledHTTPServer(HTTPServer):
    """http.server whose accept thread reads every request in full before a handler sees it.

    One thread accepts connections and reads them without blocking (a selector), until the
    request's head and its Content-Length body are in: only then does a connection go to the
    fixed pool of `max_threads` handler threads, which therefore never wait for a client. A
    connection that has not sent its head within `header_timeout` is closed; one whose body is
    late goes to a handler marked late, which answers 408. So idle or drip-feeding connections
    cost a buffer each, never a handler thread: with 32 threads each held by an idle socket for
    its 5 s header deadline, 100 such sockets delayed a valid callback by 12 s.

    ThreadingHTTPServer starts a thread per connection, and Thread.start() blocks the accept loop
    until the new thread runs: on a busy 2-core machine that capped throughput near 1,000
    callbacks/s with a p99 above 100 ms; the fixed pool answered about 3x faster
    (bench/callback.py).
    """

    request_queue_size = 128
    max_pending = 512  # connections being read; beyond it the oldest is dropped

    def __init__(self, address: tuple[str, int], app: CallbackServer) -> None:
        self.app = app
        self.closing = False
        self._selector = selectors.DefaultSelector()
        self._pending: dict[Any, _Pending] = {}
        self._ready: dict[Any, tuple[bytes, float]] = {}  # socket -> (bytes read, body deadline)
        self._ready_lock = threading.Lock()
        self._stop = threading.Event()
        self._stopped = threading.Event()
        self._stopped.set()
        self._work: queue.SimpleQueue[tuple[Any, Any] | None] = queue.SimpleQueue()
        self._workers: list[threading.Thread] = []  # server_close() runs if binding fails
        super().__init__(address, CallbackHandler)
        self._workers = [
            threading.Thread(target=self._worker, name=f"callback-{n}", daemon=True)
            for n in range(app.max_threads)
        ]
        for worker in self._workers:
            worker.start()

    # -- the accept thread: accept, read whole requests, hand them to the pool ------------------
    def serve_forever(self, poll_interval: float = 0.5) -> None:
        self._stop.clear()
        self._stopped.clear()
        self.socket.setblocking(False)
        self._selector.register(self.socket, selectors.EVENT_READ, None)
        try:
            while not self._stop.is_set():
                for key, _ in self._selector.select(self._wait(poll_interval)):
                    if key.data is None:
                        self._accept()
                    else:
                        self._read(key.data)
                self._expire()
        finally:
            self._selector.unregister(self.socket)
            self._stopped.set()

    def shutdown(self) -> None:
        self._stop.set()
        self._stopped.wait()

    def _wait(self, poll_interval: float) -> float:
        if not self._pending:
            return poll_interval
        soonest = min(p.deadline for p in self._pending.values())
        return max(0.0, min(poll_interval, soonest - self.app.clock()))

    def _accept(self) -> None:
        try:
            sock, address = self.socket.accept()
        except OSError:  # gone before we took it, or out of descriptors for now
            return
        if len(self._pending) >= self.max_pending:
            self._drop(min(self._pending.values(), key=lambda p: p.deadline))
        sock.setblocking(False)
        pending = _Pending(sock, address, self.app.clock() + self.app.header_timeout)
        self._pending[sock] = pending
        self._selector.register(sock, selectors.EVENT_READ, pending)

    def _read(self, pending: _Pending) -> None:
        try:
            chunk = pending.sock.recv(65536)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            chunk = b""
        if not chunk:  # the client went away before its request was complete
            self._drop(pending)
            return
        pending.data += chunk
        if pending.needed is None:
            end = _head_end(pending.data)
            if end is None:
                if len(pending.data) > MAX_HEAD:
                    self._dispatch(pending)  # http.server answers 414/431
                return
            body = _body_length(bytes(pending.data[:end]), self.app.max_body)
            if body is None:  # no body to wait for, or one the handler refuses at once
                self._dispatch(pending)
                return
            pending.needed = end + body
            pending.deadline = self.app.clock() + self.app.body_deadline
        if len(pending.data) >= pending.needed:
            self._dispatch(pending)

    def _expire(self) -> None:
        now = self.app.clock()
        for pending in [p for p in self._pending.values() if p.deadline <= now]:
            if pending.needed is None:
                self._drop(pending)  # no head in time: cut, as http.server's timeout would
            else:
                self._dispatch(pending, late=True)  # the handler answers 408

    def _forget(self, pending: _Pending) -> None:
        del self._pending[pending.sock]
        self._selector.unregister(pending.sock)

    def _drop(self, pending: _Pending) -> None:
        self._forget(pending)
        self.shutdown_request(pending.sock)

    def _dispatch(self, pending: _Pending, *, late: bool = False) -> None:
        self._forget(pending)
        pending.sock.setblocking(True)
        deadline = self.app.clock() + (0.0 if late else self.app.body_deadline)
        with self._ready_lock:
            self._ready[pending.sock] = (bytes(pending.data), deadline)
        self._work.put((pending.sock, pending.address))

    def take(self, sock: Any) -> tuple[bytes, float]:
        """What the accept thread read from this connection, and when its body is due."""
        with self._ready_lock:
            return self._ready.pop(sock, (b"", self.app.clock() + self.app.body_deadline))

    # -- the pool -------------------------------------------------------------------------------
    def _worker(self) -> None:
        while (item := self._work.get()) is not None:
            request, client_address = item
            try:
                self.finish_request(request, client_address)
            except Exception:
                self.handle_error(request, client_address)
            finally:
                self.shutdown_request(request)

    def server_close(self) -> None:
        super().server_close()
        for pending in list(self._pending.values()):
            self._drop(pending)
        self._selector.close()
        for _ in self._workers:
            self._work.put(None)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that vanished mid-answer (OSError) is not worth a word; anything else is a
        bug in answering, logged with its traceback rather than lost with the connection."""
        if isinstance(sys.exc_info()[1], OSError):
            return
        log.error("answering a callback failed", exc_info=True)


MAX_HEAD = 65536 + 4096  # http.server's longest line, and some
_HEAD_END = re.compile(rb"\r?\n\r?\n")


class _Pending:
    """A connection the accept thread is still reading."""

    __slots__ = ("address", "data", "deadline", "needed", "sock")

    def __init__(self, sock: Any, address: Any, deadline: float) -> None:
        self.sock = sock
        self.address = address
        self.data = bytearray()
        self.deadline = deadline
        self.needed: int | None = None  # head and body length, once the head is in


def _head_end(data: bytearray) -> int | None:
    match = _HEAD_END.search(data)
    return match.end() if match else None


def _body_length(head: bytes, max_body: int) -> int | None:
    """Bytes of body to wait for, or None when the handler should see the request now: not a
    POST, chunked, no single valid Content-Length, or too large (it answers 411/413)."""
    lines = head.decode("latin-1").splitlines()
    if not lines or not lines[0].startswith("POST "):
        return None
    values = {"content-length": [], "transfer-encoding": []}
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if sep and name.strip().lower() in values:
            values[name.strip().lower()].append(value.strip())
    lengths = values["content-length"]
    if values["transfer-encoding"] or len(lengths) != 1 or not lengths[0].isdigit():
        return None
    length = int(lengths[0])
    return length if length <= max_body else None


class _Prefixed(io.RawIOBase):
    """A socket's byte stream that first yields what was already read from it."""

    def __init__(self, prefix: bytes, sock: Any) -> None:
        self._prefix = memoryview(prefix)
        self._sock = sock

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self._prefix:
            count = min(len(buffer), len(self._prefix))
            buffer[:count] = self._prefix[:count]
            self._prefix = self._prefix[count:]
            return count
        return self._sock.recv_into(buffer)


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
        read, self.body_due = self.server.take(self.request)
        self.rfile.close()  # the plain socket file: the request starts in what was read
        self.rfile = io.BufferedReader(_Prefixed(read, self.connection))

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
