"""The socket side: the loop thread accepts, reads and parses requests under deadlines, runs
App.handle and writes the answer (at once, or when a Future App.handle gave is done); an idle or
slow connection holds no thread, only a buffer."""

from __future__ import annotations

import contextlib
import errno
import logging
import resource
import selectors
import socket
import time
from concurrent.futures import Future
from typing import Any
from urllib.parse import urlsplit

from trctl.emulator.core.errors import ApiError
from trctl.emulator.http.app import App, Request, Response, error_response
from trctl.emulator.loop import Loop

log = logging.getLogger("trctl.emulator")

MAX_HEADER_BYTES = 16 * 1024  # request line and headers together
MAX_HEADER_LINES = 100
MAX_BODY = 2 * 1024 * 1024  # a workflow configuration may be up to 1 MB, form-encoded
HEADER_DEADLINE = 10.0  # seconds from a request's first byte to the end of its headers
BODY_DEADLINE = 30.0  # seconds from a request's first byte to the end of its body
IDLE_TIMEOUT = 30.0  # a keep-alive connection with no request in progress is closed after this
LINGER = 2.0  # after answering and half-closing, wait this long for the client to close
SWEEP_INTERVAL = 0.5
READ_SIZE = 65536


def connection_cap() -> int:
    """How many connections to hold at once: leave room under the process's file limit."""
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    return max(64, min(4096, soft - 64))


class _BadRequest(Exception):
    """The bytes are not an HTTP/1.x request we serve; answered, then the connection closes."""

    def __init__(self, error: ApiError) -> None:
        super().__init__(error.message)
        self.error = error


def _refusal(status: int, code: int, message: str) -> _BadRequest:
    return _BadRequest(ApiError(status, code, message))


class _Connection:
    """One client socket: bytes read but not yet handled, bytes to write, and its deadline."""

    __slots__ = (
        "closing", "deadline", "fd", "inbox", "last_active", "outbox", "server", "sock", "started",
        "waiting",
    )  # fmt: skip

    def __init__(self, server: EmulatorHTTPServer, sock: socket.socket) -> None:
        self.server = server
        self.sock = sock
        self.fd = sock.fileno()
        self.inbox = bytearray()
        self.outbox = bytearray()
        self.started: float | None = None  # when the first byte of the current request came
        self.deadline: float | None = None  # set while a request is arriving
        self.last_active = time.monotonic()
        self.closing = False
        self.waiting = False  # an answer that comes later (App.handle gave a Future) is due

    # -- reading --------------------------------------------------------------------------------
    def on_ready(self, events: int) -> None:
        if events & selectors.EVENT_WRITE:
            self._flush()
        if events & selectors.EVENT_READ:
            if self.closing:
                self._discard()
            else:
                self._read()

    def _discard(self) -> None:
        """After the last answer: read and drop what the client still sends until it closes,
        so its unread bytes cannot make our close a reset that destroys the answer."""
        try:
            data = self.sock.recv(READ_SIZE)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        if not data:
            self.close()

    def _read(self) -> None:
        try:
            data = self.sock.recv(READ_SIZE)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            self.close()
            return
        if not data:
            self.close()
            return
        now = time.monotonic()
        if self.started is None:
            self._begin(now)
        self.last_active = now
        self.inbox += data
        self._handle_buffered()

    def _handle_buffered(self) -> None:
        """Answer every complete request in the buffer, in order (pipelining)."""
        while self.inbox and not self.closing and not self.waiting:
            try:
                parsed = self._parse()
            except _BadRequest as exc:
                self.respond(error_response(exc.error), keep_alive=False)
                return
            if parsed is None:
                return
            request, keep_alive = parsed
            self.started = self.deadline = None
            response = self.server.app.handle(request)
            if isinstance(response, Future):  # answered later, from another thread
                self._await(response, keep_alive=keep_alive, head=request.method == "HEAD")
                return
            self.respond(response, keep_alive=keep_alive, head=request.method == "HEAD")
            if self.inbox:
                self._begin(time.monotonic())

    def _await(self, future: Future[Response], *, keep_alive: bool, head: bool) -> None:
        """Hold this connection (later requests wait in the buffer) until the answer is ready;
        the loop goes on serving everyone else meanwhile."""
        self.waiting = True

        def answered() -> None:
            self.waiting = False
            if self.sock.fileno() == -1:  # the client went away meanwhile
                return
            self.respond(future.result(), keep_alive=keep_alive, head=head)
            if self.inbox:
                self._begin(time.monotonic())
                self._handle_buffered()

        future.add_done_callback(lambda _: self.server.loop.call_soon_threadsafe(answered))

    def _begin(self, now: float) -> None:
        """A request has started to arrive: its headers are due within the header deadline."""
        self.started = now
        self.deadline = now + self.server.header_deadline

    def _parse(self) -> tuple[Request, bool] | None:
        """The next complete request and whether the connection stays open after it, or None
        until more bytes arrive."""
        end = self.inbox.find(b"\r\n\r\n")
        if end < 0:
            if len(self.inbox) > MAX_HEADER_BYTES:
                raise _refusal(431, 20431, f"Request headers larger than {MAX_HEADER_BYTES} bytes")
            return None
        if end > MAX_HEADER_BYTES:
            raise _refusal(431, 20431, f"Request headers larger than {MAX_HEADER_BYTES} bytes")
        method, target, version, headers = _parse_head(bytes(self.inbox[:end]))
        if "transfer-encoding" in headers:
            raise _refusal(411, 20411, "Content-Length required (no chunked bodies)")
        length = _content_length(headers.get("content-length"))
        if length > MAX_BODY:
            raise _refusal(413, 20413, f"Request body larger than {MAX_BODY} bytes")
        start = end + 4
        if len(self.inbox) < start + length:
            self.deadline = (self.started or time.monotonic()) + self.server.body_deadline
            return None
        body = bytes(self.inbox[start : start + length])
        del self.inbox[: start + length]
        connection = headers.get("connection", "").lower()
        keep_alive = "close" not in connection and (
            version == "HTTP/1.1" or "keep-alive" in connection
        )
        parts = urlsplit(target)
        request = Request(method, parts.path, parts.query, headers, body)
        return request, keep_alive

    # -- writing --------------------------------------------------------------------------------
    def respond(self, response: Response, *, keep_alive: bool, head: bool = False) -> None:
        lines = [f"HTTP/1.1 {response.status} {_reason(response.status)}"]
        lines.extend(f"{name}: {value}" for name, value in response.headers)
        lines.append(f"Content-Length: {len(response.body)}")
        lines.append("Server: trctl-emulator")
        if not keep_alive:
            lines.append("Connection: close")
            self.closing = True
        self.outbox += ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        if not head:
            self.outbox += response.body
        self._flush()

    def _flush(self) -> None:
        while self.outbox:
            try:
                sent = self.sock.send(self.outbox)
            except (BlockingIOError, InterruptedError):
                self.server.loop.watch(self.sock, selectors.EVENT_READ | selectors.EVENT_WRITE,
                                       self.on_ready)  # fmt: skip
                return
            except OSError:
                self.close()
                return
            del self.outbox[:sent]
        self.last_active = time.monotonic()
        if self.closing:
            self._linger()
        else:
            self.server.loop.watch(self.sock, selectors.EVENT_READ, self.on_ready)

    def _linger(self) -> None:
        """Half-close: the answer is out; wait (LINGER seconds at most) for the client's close."""
        try:
            self.sock.shutdown(socket.SHUT_WR)
        except OSError:
            self.close()
            return
        self.inbox.clear()
        self.deadline = time.monotonic() + LINGER
        self.server.loop.watch(self.sock, selectors.EVENT_READ, self.on_ready)

    # -- deadlines and closing ------------------------------------------------------------------
    def expired(self, now: float) -> bool:
        if self.waiting:
            return False
        if self.deadline is not None:
            return now >= self.deadline
        return not self.outbox and now - self.last_active >= self.server.idle_timeout

    def time_out(self) -> None:
        """A request that did not arrive in time is answered 408; an idle connection closes."""
        if self.closing:
            self.close()  # lingered long enough
        elif self.deadline is not None and self.inbox:
            error = ApiError(408, 20408, "Request not received in time")
            self.respond(error_response(error), keep_alive=False)
        else:
            self.close()

    def close(self) -> None:
        self.server.forget(self)
        self.server.loop.forget(self.sock)
        with contextlib.suppress(OSError):
            self.sock.close()


class EmulatorHTTPServer:
    """Listens on (host, port) and serves App on the loop's thread; every request's handler
    runs there, one at a time."""

    def __init__(
        self,
        loop: Loop,
        address: tuple[str, int],
        app: App,
        *,
        header_deadline: float = HEADER_DEADLINE,
        body_deadline: float = BODY_DEADLINE,
        idle_timeout: float = IDLE_TIMEOUT,
    ) -> None:
        self.loop = loop
        self.app = app
        self.header_deadline = header_deadline
        self.body_deadline = body_deadline
        self.idle_timeout = idle_timeout
        family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        self.socket = socket.socket(family, socket.SOCK_STREAM)
        try:
            self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            self.socket.bind(address)
            self.socket.listen(1024)
        except OSError:
            self.socket.close()
            raise
        self.socket.setblocking(False)
        self.server_address = self.socket.getsockname()
        self.connections: dict[int, _Connection] = {}
        self.cap = connection_cap()
        self._sweeper: Any = None

    def start(self) -> None:
        """Register with the loop (call from any thread before or after the loop starts)."""

        def begin() -> None:
            self.loop.watch(self.socket, selectors.EVENT_READ, self._accept)
            self._sweeper = self.loop.call_later(SWEEP_INTERVAL, self._sweep)

        self.loop.call_soon_threadsafe(begin)

    def close(self) -> None:
        """Stop listening and drop every connection (on the loop's thread)."""
        if self._sweeper is not None:
            self._sweeper.cancel()
        self.loop.forget(self.socket)
        with contextlib.suppress(OSError):
            self.socket.close()
        for connection in list(self.connections.values()):
            connection.close()

    def _accept(self, events: int) -> None:
        while True:
            try:
                sock, _ = self.socket.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError as exc:
                if exc.errno in (errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM):
                    self._shed()  # out of descriptors: make room, try again on the next turn
                    return
                log.warning("accept failed: %s", exc)
                return
            sock.setblocking(False)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if len(self.connections) >= self.cap:
                self._shed()
            connection = _Connection(self, sock)
            self.connections[connection.fd] = connection
            self.loop.watch(sock, selectors.EVENT_READ, connection.on_ready)

    def _shed(self) -> None:
        """At the cap: close the connection that has been quiet longest (idle ones first)."""
        if not self.connections:
            return
        victim = min(
            self.connections.values(),
            key=lambda c: (c.deadline is not None or bool(c.outbox), c.last_active),
        )
        victim.close()

    def _sweep(self) -> None:
        now = time.monotonic()
        for connection in [c for c in self.connections.values() if c.expired(now)]:
            connection.time_out()
        self._sweeper = self.loop.call_later(SWEEP_INTERVAL, self._sweep)

    def forget(self, connection: _Connection) -> None:
        if self.connections.get(connection.fd) is connection:
            del self.connections[connection.fd]


def _parse_head(head: bytes) -> tuple[str, str, str, dict[str, str]]:
    """Request line and headers (names lower-cased); _BadRequest for anything malformed."""
    try:
        text = head.decode("latin-1")
    except UnicodeDecodeError as exc:  # pragma: no cover - latin-1 decodes every byte
        raise _refusal(400, 20001, "Malformed request head") from exc
    lines = text.split("\r\n")
    if len(lines) - 1 > MAX_HEADER_LINES:
        raise _refusal(431, 20431, f"More than {MAX_HEADER_LINES} request headers")
    parts = lines[0].split(" ")
    if len(parts) != 3 or not parts[0].isalpha() or not parts[0].isupper():
        raise _refusal(400, 20001, "Malformed request line")
    method, target, version = parts
    if version not in ("HTTP/1.1", "HTTP/1.0"):
        raise _refusal(505, 20505, f"HTTP version {version[:16]!r} not supported")
    if not target.startswith("/"):
        raise _refusal(400, 20001, "Request target must be a path")
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, colon, value = line.partition(":")
        if not colon or not name or name != name.strip() or not name.isascii():
            raise _refusal(400, 20001, "Malformed request header")
        key = name.lower()
        value = value.strip()
        if key in headers:
            if key in ("content-length", "host", "authorization"):
                if headers[key] != value:
                    raise _refusal(400, 20001, f"Conflicting {name} headers")
                continue
            headers[key] = f"{headers[key]}, {value}"
        else:
            headers[key] = value
    return method, target, version, headers


def _content_length(text: str | None) -> int:
    """The body length: absent is 0; only plain decimal digits count (not +2, 1_0 or -1)."""
    if text is None or text == "":
        return 0
    if not (text.isascii() and text.isdigit()) or len(text) > 12:
        raise _refusal(400, 20001, "Bad Content-Length header")
    return int(text)


_REASONS = {
    200: "OK", 201: "Created", 204: "No Content", 400: "Bad Request", 401: "Unauthorized",
    403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed", 408: "Request Timeout",
    411: "Length Required", 412: "Precondition Failed", 413: "Payload Too Large",
    429: "Too Many Requests", 431: "Request Header Fields Too Large",
    500: "Internal Server Error", 503: "Service Unavailable", 505: "HTTP Version Not Supported",
}  # fmt: skip


def _reason(status: int) -> str:
    return _REASONS.get(status, "Status")
