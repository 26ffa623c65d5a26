"""POSTing callbacks from the loop without a thread each: keep-alive connections per origin,
non-blocking connect, send and read under deadlines; https and DNS names go through threads."""

from __future__ import annotations

import contextlib
import errno
import ipaddress
import selectors
import socket
import time
from collections.abc import Callable, Mapping
from concurrent.futures import Executor
from urllib.parse import SplitResult, urlsplit

from trctl.emulator.delivery.client import (
    UNSUPPORTED_URL,
    CallbackResult,
    basic_authorization,
    callback_headers,
    callback_timeouts,
    credentials_in,
    offers_basic,
    post_callback,
)
from trctl.emulator.delivery.signing import signing_url
from trctl.emulator.delivery.wire import MAX_BODY_BYTES, BadResponse, ResponseReader, encode_post
from trctl.emulator.loop import Loop, Timer

Done = Callable[[CallbackResult], None]
IDLE_KEEP = 30.0  # an unused keep-alive connection is closed after this long
MAX_IDLE_PER_ORIGIN = 64
READ_SIZE = 65536


class _Connection:
    """One client socket to an origin, on the loop: connect once, then one exchange at a time."""

    def __init__(self, poster: Poster, address: tuple) -> None:
        self.poster = poster
        self.origin = address
        family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        self.sock = socket.socket(family, socket.SOCK_STREAM)
        self.sock.setblocking(False)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.connected = False
        self.closed = False
        self.used = False  # has carried an answer before (a failure then may be a stale reuse)
        self.idle_since = 0.0
        self.outgoing = b""
        self.reader: ResponseReader | None = None
        self.on_answer: Callable[[ResponseReader | None, str | None], None] | None = None
        self.on_connect: Callable[[], None] | None = None
        code = self.sock.connect_ex(address)
        if code not in (0, errno.EINPROGRESS, errno.EWOULDBLOCK):
            self.sock.close()
            self.closed = True
            raise OSError(code, errno.errorcode.get(code, "connect failed"))

    def exchange(
        self,
        data: bytes,
        on_answer: Callable[[ResponseReader | None, str | None], None],
        on_connect: Callable[[], None] | None = None,
    ) -> None:
        """Send one request; on_answer(reader, None) with the whole answer, or (None, why)."""
        self.on_connect = on_connect
        self.outgoing = data
        self.reader = ResponseReader()
        self.on_answer = on_answer
        self.poster.loop.watch(self.sock, selectors.EVENT_WRITE, self._ready)

    def _ready(self, events: int) -> None:
        if not self.connected:
            code = self.sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            if code:
                self._fail(_reason(code))
                return
            self.connected = True
            if self.on_connect is not None:
                self.on_connect()
        if events & selectors.EVENT_WRITE and self.outgoing:
            try:
                sent = self.sock.send(self.outgoing)
            except (BlockingIOError, InterruptedError):
                return
            except OSError as exc:
                self._fail(_reason(exc.errno or 0))
                return
            self.outgoing = self.outgoing[sent:]
            if not self.outgoing:
                self.poster.loop.watch(self.sock, selectors.EVENT_READ, self._ready)
            return
        if events & selectors.EVENT_READ:
            self._read()

    def _read(self) -> None:
        reader = self.reader
        try:
            data = self.sock.recv(READ_SIZE)
        except (BlockingIOError, InterruptedError):
            return
        except OSError as exc:
            self._fail(_reason(exc.errno or 0))
            return
        try:
            if reader is None:  # bytes or a close while idle: the server is done with us
                self.close()
                return
            if data:
                reader.feed(data)
            else:
                reader.end_of_stream()
        except BadResponse as exc:
            self._fail(f"bad HTTP response ({exc})")
            return
        if reader.done or reader.oversized:
            self._finish(reader)
        elif not data:
            self._fail("connection closed before the answer was complete")

    def _finish(self, reader: ResponseReader) -> None:
        callback, self.on_answer, self.reader = self.on_answer, None, None
        self.used = True
        if reader.keep_alive and not reader.oversized and not reader.buffer:
            self.poster.release(self)
        else:
            self.close()
        if callback is not None:
            callback(reader, None)

    def _fail(self, why: str) -> None:
        callback, self.on_answer, self.reader = self.on_answer, None, None
        self.close()
        if callback is not None:
            callback(None, why)

    def abandon(self) -> None:
        """The exchange's deadline passed: drop the connection without calling back."""
        self.on_answer = None
        self.close()

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        self.poster.loop.forget(self.sock)
        self.poster.discard(self)
        with contextlib.suppress(OSError):
            self.sock.close()


class _Post:
    """One callback POST in progress: the deadline, the 401 retry, one reconnect after a reused
    connection turned out stale."""

    def __init__(self, poster: Poster, url: str, params: Mapping[str, str], *, auth_token: str,
                 token: str, timeout: float, done: Done) -> None:  # fmt: skip
        self.poster = poster
        self.url = url
        self.started = time.monotonic()
        self.done = done
        self.finished = False
        self.target = signing_url(url)
        self.parts: SplitResult = urlsplit(self.target)
        self.timeouts = callback_timeouts(url, timeout)
        self.headers = callback_headers(self.target, params, auth_token, token)
        self.params = params
        self.connection: _Connection | None = None
        self.retried_stale = False
        self.authorized = False
        # the whole exchange within `total`; connecting within `connect`; the answer within
        # `read` of the request being sent (the URL fragment's #ct/#rt/#tt)
        self.timer: Timer = poster.loop.call_later(self.timeouts.total, self._time_out)
        self.step_timer: Timer | None = None

    def send(self) -> None:
        address = self.poster.address_of(self.parts)
        if address is None:
            self.poster.resolve_then(self)  # DNS in a thread; send() runs again after
            return
        try:
            connection = self.poster.connection(address)
        except OSError as exc:
            self._end(None, _reason(exc.errno or 0))
            return
        self.connection = connection
        wait = self.timeouts.read if connection.connected else self.timeouts.connect
        self._step(wait)
        request = encode_post(self.parts, self.params, self.headers)
        connection.exchange(request, self._answered, self._on_connected)

    def _step(self, seconds: float) -> None:
        if self.step_timer is not None:
            self.step_timer.cancel()
        self.step_timer = self.poster.loop.call_later(seconds, self._time_out)

    def _on_connected(self) -> None:
        """Told by the connection once it is up: from now on the answer is due within `read`."""
        self._step(self.timeouts.read)

    def _answered(self, reader: ResponseReader | None, why: str | None) -> None:
        connection, self.connection = self.connection, None
        if self.finished:
            return
        if reader is None:
            stale = connection is not None and connection.used and not self.retried_stale
            if stale:  # the server closed a kept-alive connection just as we reused it
                self.retried_stale = True
                self.send()
                return
            self._end(None, why)
            return
        credentials = credentials_in(self.url)
        challenged = reader.status == 401 and offers_basic(reader.challenges)
        if challenged and credentials and not self.authorized:  # as Twilio: creds only after 401
            self.authorized = True
            self.headers = {**self.headers, "Authorization": basic_authorization(credentials)}
            self.send()
            return
        self._end(reader, None)

    def _time_out(self) -> None:
        if self.connection is not None:
            self.connection.abandon()
            self.connection = None
        self._end(None, "timed out")

    def _end(self, reader: ResponseReader | None, why: str | None) -> None:
        if self.finished:
            return
        self.finished = True
        self.timer.cancel()
        if self.step_timer is not None:
            self.step_timer.cancel()
        elapsed = time.monotonic() - self.started
        if reader is None:
            result = CallbackResult(self.target, None, None, "", elapsed, why)
        else:
            error = None
            if reader.oversized:
                error = f"response body larger than {MAX_BODY_BYTES} bytes"
            text = bytes(reader.body).decode("utf-8", errors="replace")
            result = CallbackResult(self.target, reader.status, reader.content_type, text,
                                    elapsed, error)  # fmt: skip
        self.done(result)


class Poster:
    """Sends callback POSTs for the loop. Plain-http callbacks to an IP address or localhost run
    on the loop over pooled keep-alive connections; https ones, and names needing DNS, take a
    worker thread (blocking client; DNS results cached), and come back to the loop to answer."""

    def __init__(self, loop: Loop, executor: Executor) -> None:
        self.loop = loop
        self.executor = executor
        self.idle: dict[tuple, list[_Connection]] = {}
        self.resolved: dict[tuple[str, int], tuple[tuple, float]] = {}
        self.resolving: dict[tuple[str, int], list[_Post]] = {}
        self._reaper: Timer | None = None

    def post(self, url: str, params: Mapping[str, str], *, auth_token: str, token: str,
             timeout: float, done: Done) -> None:  # fmt: skip
        """POST params to url, signed; done(result) runs on the loop, exactly once."""
        try:
            parts = urlsplit(signing_url(url))
            supported = parts.scheme in ("http", "https") and bool(parts.hostname)
        except ValueError:
            supported = False
        if not supported:
            self.loop.call_soon(lambda: done(CallbackResult("", None, None, "", 0.0,
                                                            UNSUPPORTED_URL)))  # fmt: skip
            return
        if parts.scheme == "https":
            self._in_thread(url, params, auth_token, token, timeout, done)
            return
        _Post(self, url, params, auth_token=auth_token, token=token, timeout=timeout,
              done=done).send()  # fmt: skip

    def _in_thread(self, url: str, params: Mapping[str, str], auth_token: str, token: str,
                   timeout: float, done: Done) -> None:  # fmt: skip
        def work() -> None:
            result = post_callback(
                url, params, auth_token=auth_token, idempotency_token=token, timeout=timeout
            )
            self.loop.call_soon_threadsafe(lambda: done(result))

        self.executor.submit(work)

    # -- addresses ------------------------------------------------------------------------------
    def address_of(self, parts: SplitResult) -> tuple | None:
        """The socket address for the URL's host, or None while a thread resolves it."""
        host, port = parts.hostname or "", parts.port or 80
        if host == "localhost":
            return ("127.0.0.1", port)
        try:
            ipaddress.ip_address(host)
            return (host, port)
        except ValueError:
            pass
        cached = self.resolved.get((host, port))
        if cached is not None and cached[1] > time.monotonic():
            return cached[0]
        return None

    def resolve_then(self, post: _Post) -> None:
        """Look the post's host up in a thread, then send it (DNS must not block the loop)."""
        key = (post.parts.hostname or "", post.parts.port or 80)
        waiting = self.resolving.setdefault(key, [])
        waiting.append(post)
        if len(waiting) > 1:
            return

        def work() -> None:
            try:
                info = socket.getaddrinfo(key[0], key[1], type=socket.SOCK_STREAM)
                address: tuple | None = info[0][4]
            except OSError:
                address = None
            self.loop.call_soon_threadsafe(lambda: self._resolved(key, address))

        self.executor.submit(work)

    def _resolved(self, key: tuple[str, int], address: tuple | None) -> None:
        posts = self.resolving.pop(key, [])
        if address is not None:
            self.resolved[key] = (address, time.monotonic() + 60.0)
        for post in posts:
            if address is None:
                post._end(None, "connection failed: cannot resolve the callback host")
            else:
                post.send()

    # -- the pool -------------------------------------------------------------------------------
    def connection(self, address: tuple) -> _Connection:
        """An idle kept-alive connection to the address, else a new one."""
        pool = self.idle.get(address)
        while pool:
            connection = pool.pop()
            if not connection.closed:
                return connection
        return _Connection(self, address)

    def release(self, connection: _Connection) -> None:
        """After an answer on a kept-alive connection: idle it (reading, to notice a close)."""
        pool = self.idle.setdefault(connection.origin, [])
        if len(pool) >= MAX_IDLE_PER_ORIGIN:
            connection.close()
            return
        connection.idle_since = time.monotonic()
        pool.append(connection)
        self.loop.watch(connection.sock, selectors.EVENT_READ, connection._ready)
        if self._reaper is None:
            self._reaper = self.loop.call_later(IDLE_KEEP, self._reap)

    def discard(self, connection: _Connection) -> None:
        pool = self.idle.get(connection.origin)
        if pool and connection in pool:
            pool.remove(connection)

    def _reap(self) -> None:
        self._reaper = None
        cutoff = time.monotonic() - IDLE_KEEP
        for pool in self.idle.values():
            for connection in [c for c in pool if c.idle_since < cutoff]:
                connection.close()
        if any(self.idle.values()):
            self._reaper = self.loop.call_later(IDLE_KEEP, self._reap)

    def close(self) -> None:
        for pool in list(self.idle.values()):
            for connection in list(pool):
                connection.close()


def _reason(code: int) -> str:
    """A delivery failure in the words the blocking client uses (never the URL)."""
    if code == errno.ECONNREFUSED:
        return "connection refused"
    if code in (errno.ETIMEDOUT,):
        return "timed out"
    return f"connection failed: {errno.errorcode.get(code, str(code))}"
