"""POSTing callbacks from the loop without a thread each: keep-alive connections per origin,
non-blocking connect, send and read under deadlines; https and DNS names go through threads."""

from __future__ import annotations

import contextlib
import errno
import ipaddress
import selectors
import socket
import time
from collections import deque
from collections.abc import Callable, Mapping
from concurrent.futures import Executor
from typing import Any, NamedTuple
from urllib.parse import SplitResult, urlsplit

from trctl.emulator.delivery.client import (
    FIXED_HEADERS,
    UNSUPPORTED_URL,
    CallbackResult,
    basic_authorization,
    callback_timeouts,
    credentials_in,
    offers_basic,
    post_callback,
    signed_headers,
)
from trctl.emulator.delivery.signing import signing_url
from trctl.emulator.delivery.wire import (
    MAX_BODY_BYTES,
    BadResponse,
    ResponseReader,
    encode_post,
    request_head,
)
from trctl.emulator.loop import Loop, Timer

Done = Callable[[CallbackResult], None]
IDLE_KEEP = 30.0  # an unused keep-alive connection is closed after this long
MAX_IDLE_PER_ORIGIN = 64
PIPELINE_WINDOW = 32  # requests outstanding at once on a pipelined connection
UNANSWERED = "connection closed by the server"  # before it answered a pipelined request
READ_SIZE = 65536


Answer = Callable[[ResponseReader | None, str | None], None]


class _Connection:
    """One client socket to an origin, on the loop. Requests go out in the order given and
    their answers come back in that order (HTTP/1.1), several outstanding at once when the
    connection is a pipeline; a pooled connection carries one exchange at a time."""

    def __init__(self, poster: Poster, address: tuple, *, pipeline: Any = None) -> None:
        self.poster = poster
        self.origin = address
        self.pipeline = pipeline  # the key of the posts it carries, or None: pooled
        self.pooled = pipeline is None
        family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        self.sock = socket.socket(family, socket.SOCK_STREAM)
        self.sock.setblocking(False)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.connected = False
        self.closed = False
        self.used = False  # has carried an answer before (a failure then may be a stale reuse)
        self.idle_since = 0.0
        self.outgoing = bytearray()
        # one per request sent or to send, oldest first: its callback, and on a pipeline the
        # time its answer is due by (one timer per pipeline: the posts on it set none)
        self.waiting: deque[tuple[Answer, float | None]] = deque()
        self.timer: Timer | None = None  # due no later than the earliest deadline in `waiting`
        self.reader: ResponseReader | None = None
        self.on_connect: list[Callable[[], None]] = []
        self.mask = 0  # the events the loop watches for on the socket
        self.flush_planned = False
        code = self.sock.connect_ex(address)
        if code not in (0, errno.EINPROGRESS, errno.EWOULDBLOCK):
            self.sock.close()
            self.closed = True
            raise OSError(code, errno.errorcode.get(code, "connect failed"))

    def exchange(
        self, data: bytes, on_answer: Answer, on_connect: Callable[[], None] | None = None,
        deadline: float | None = None,
    ) -> None:  # fmt: skip
        """Send a request after those already given; on_answer(reader, None) with its whole
        answer, or (None, why) if it never comes: (None, "timed out") once `deadline` (a
        monotonic time) passes without it."""
        if on_connect is not None and not self.connected:
            self.on_connect.append(on_connect)
        self.outgoing += data
        self.waiting.append((on_answer, deadline))
        if deadline is not None and (self.timer is None or deadline < self.timer.when):
            self._check_deadlines_at(deadline)
        if not self.connected:
            self._watch(selectors.EVENT_READ | selectors.EVENT_WRITE)
        elif not self.flush_planned:  # send once at the end of this turn: requests given in
            self.flush_planned = True  # the same turn (a pipeline's) leave in one write
            self.poster.loop.call_soon(self._flush_planned)

    def _flush_planned(self) -> None:
        self.flush_planned = False
        if self.closed or not self.outgoing:
            return
        self._send()
        if not self.closed:
            self._watch(selectors.EVENT_READ | (selectors.EVENT_WRITE if self.outgoing else 0))

    def _check_deadlines_at(self, when: float) -> None:
        if self.timer is not None:
            self.timer.cancel()
        self.timer = self.poster.loop.call_at(when, self._check_deadlines)

    def _check_deadlines(self) -> None:
        """The timer is due: the oldest request whose deadline passed times out, and the
        requests behind it fail with it (the connection is dropped); else wait for the next.
        The timer stays set while the connection idles, so a request costs it nothing."""
        self.timer = None
        if self.closed:
            return
        now = time.monotonic()
        deadlines = [entry for entry in self.waiting if entry[1] is not None]
        overdue = next((entry for entry in deadlines if entry[1] <= now), None)
        if overdue is None:
            if deadlines:
                self._check_deadlines_at(min(deadline for _, deadline in deadlines))
            return
        self.waiting.remove(overdue)
        self._fail_all("timed out behind an earlier request")
        overdue[0](None, "timed out")

    def _watch(self, mask: int) -> None:
        if mask != self.mask:
            self.mask = mask
            self.poster.loop.watch(self.sock, mask, self._ready)

    def _send(self) -> None:
        try:
            sent = self.sock.send(self.outgoing)
        except (BlockingIOError, InterruptedError):
            return
        except OSError as exc:
            self._fail_all(_reason(exc.errno or 0))
            return
        del self.outgoing[:sent]

    def _ready(self, events: int) -> None:
        if not self.connected:
            code = self.sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            if code:
                self._fail_all(_reason(code))
                return
            if not events & selectors.EVENT_WRITE:
                return  # still connecting
            self.connected = True
            hooks, self.on_connect = self.on_connect, []
            for hook in hooks:
                hook()
        if events & selectors.EVENT_WRITE and self.outgoing:
            self._send()
            if self.closed:
                return
            if not self.outgoing:
                self._watch(selectors.EVENT_READ)
        if events & selectors.EVENT_READ:
            self._read()

    def _read(self) -> None:
        try:
            data = self.sock.recv(READ_SIZE)
        except (BlockingIOError, InterruptedError):
            return
        except OSError as exc:
            self._fail_all(_reason(exc.errno or 0))
            return
        if not self.waiting:  # bytes or a close while idle: the server is done with us
            self.close()
            return
        if self.reader is None:
            self.reader = ResponseReader()
        try:
            if data:
                self.reader.feed(data)
            else:
                self.reader.end_of_stream()
            self._deliver_answers()
        except BadResponse as exc:
            self._fail_all(f"bad HTTP response ({exc})")
            return
        if self.closed:
            return
        if not data and self.waiting:
            self._fail_all("connection closed before the answer was complete")
        elif not self.waiting and self.pooled:
            self.poster.release(self)

    def _deliver_answers(self) -> None:
        """Hand each complete answer to its request's callback, oldest first."""
        while self.reader is not None and (self.reader.done or self.reader.oversized):
            reader, self.reader = self.reader, None
            callback = self.waiting.popleft()[0]
            self.used = True
            leftover = bytes(reader.buffer)
            if not reader.keep_alive or reader.oversized:
                if self.pipeline is not None and not reader.keep_alive:
                    self.poster.windows[self.pipeline] = 1  # it closes after each answer
                rest = list(self.waiting)
                self.waiting.clear()
                self.close()
                callback(reader, None)
                for later, _ in rest:
                    later(None, UNANSWERED)
                return
            callback(reader, None)  # it may send more on this connection
            if self.closed:
                return
            if self.waiting:
                self.reader = ResponseReader()
                if leftover:
                    self.reader.feed(leftover)
            elif leftover:  # an answer nobody asked for
                self.close()
                return

    def _fail_all(self, why: str) -> None:
        waiting = list(self.waiting)
        self.waiting.clear()
        self.close()
        for callback, _ in waiting:
            callback(None, why)

    def abandon(self, callback: Answer) -> None:
        """That request's deadline passed: drop the connection; it is not called back, the
        requests behind it on a pipeline fail."""
        for entry in self.waiting:
            if entry[0] == callback:
                self.waiting.remove(entry)
                break
        self._fail_all("timed out behind an earlier request")

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        self.mask = 0
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
        self.poster.loop.forget(self.sock)
        self.poster.discard(self)
        with contextlib.suppress(OSError):
            self.sock.close()


class _Post:
    """One callback POST in progress: the deadline, the 401 retry, one reconnect after a reused
    connection turned out stale."""

    def __init__(self, poster: Poster, url: str, destination: _Destination,
                 params: Mapping[str, str], *, auth_token: str, token: str, done: Done,
                 pipeline: Any = None) -> None:  # fmt: skip
        self.poster = poster
        self.url = url
        self.pipeline = pipeline  # a key: posts with the same key share one pipelined connection
        self.started = time.monotonic()
        self.done = done
        self.finished = False
        self.target, self.parts, self.timeouts = (
            destination.target,
            destination.parts,
            destination.timeouts,
        )
        self.head = destination.head
        self.host_port = destination.host_port
        self.headers = signed_headers(self.target, params, auth_token, token)
        self.params = params
        self.connection: _Connection | None = None
        self.retried_stale = False
        self.resent = 0
        self.authorized = False
        # the whole exchange within `total`; connecting within `connect`; the answer within
        # `read` of the request being sent (the URL fragment's #ct/#rt/#tt): one timer, for
        # whichever of those deadlines comes first
        self.deadline = self.started + self.timeouts.total
        self.timer: Timer | None = None

    def send(self) -> None:
        address = self.poster.address_of(self.host_port)
        if address is None:
            self._step(None)
            self.poster.resolve_then(self)  # DNS in a thread; send() runs again after
            return
        if self.pipeline is not None and not self.poster.admit(self):
            self._step(None)
            return  # its pipeline is full: send() runs again when a place frees up
        try:
            connection = self.poster.connection(address, self.pipeline)
        except OSError as exc:
            self._end(None, _reason(exc.errno or 0))
            return
        self.connection = connection
        request = encode_post(self.head, self.params, self.headers)
        if connection.connected and connection.pipeline is not None:  # its timer watches this
            if self.timer is not None:
                self.timer.cancel()
                self.timer = None
            deadline = min(self.deadline, time.monotonic() + self.timeouts.read)
            connection.exchange(request, self._answered, deadline=deadline)
            return
        self._step(self.timeouts.read if connection.connected else self.timeouts.connect)
        connection.exchange(request, self._answered, self._on_connected)

    def _step(self, seconds: float | None) -> None:
        """Time out within `seconds` from now (None: by the whole exchange's deadline)."""
        deadline = self.deadline
        if seconds is not None:
            deadline = min(deadline, time.monotonic() + seconds)
        if self.timer is not None:
            if self.timer.when == deadline:
                return
            self.timer.cancel()
        self.timer = self.poster.loop.call_at(deadline, self._time_out)

    def _on_connected(self) -> None:
        """Told by the connection once it is up: from now on the answer is due within `read`."""
        self._step(self.timeouts.read)

    def _answered(self, reader: ResponseReader | None, why: str | None) -> None:
        connection, self.connection = self.connection, None
        try:
            self._handle_answer(connection, reader, why)
        finally:
            if self.pipeline is not None:
                self.poster.pump(self.pipeline)

    def _handle_answer(
        self, connection: _Connection | None, reader: ResponseReader | None, why: str | None
    ) -> None:
        if self.finished:
            return
        if reader is None and why == UNANSWERED and self.resent < 3:
            self.resent += 1  # never read: the server closed after an earlier answer
            self.send()
            return
        if reader is None:
            stale = (
                connection is not None
                and connection.pooled
                and connection.used
                and not self.retried_stale
            )
            if stale:  # the server closed a kept-alive connection just as we reused it
                self.retried_stale = True
                self.send()
                return
            self._end(None, why)
            return
        challenged = reader.status == 401 and offers_basic(reader.challenges)
        credentials = credentials_in(self.url) if challenged else None
        if credentials and not self.authorized:  # as Twilio: credentials only after a 401
            self.authorized = True
            self.headers = {**self.headers, "Authorization": basic_authorization(credentials)}
            self.send()
            return
        self._end(reader, None)

    def _time_out(self) -> None:
        if self.connection is not None:
            self.connection.abandon(self._answered)
            self.connection = None
        self._end(None, "timed out")

    def _end(self, reader: ResponseReader | None, why: str | None) -> None:
        if self.finished:
            return
        self.finished = True
        if self.timer is not None:
            self.timer.cancel()
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


class _Destination(NamedTuple):
    """A callback URL as a POST needs it."""

    target: str  # the URL signed and seen by the server: no fragment, no credentials
    parts: SplitResult
    timeouts: Any
    head: str  # request line and Host header
    host_port: tuple[str, int]
    supported: bool  # http(s) with a host


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
        self.pipelines: dict[Any, _Connection] = {}
        self._destinations: dict[tuple[str, float], _Destination] = {}
        self._literal: dict[tuple[str, int], tuple] = {}  # hosts that are addresses already
        self.windows: dict[Any, int] = {}  # a pipeline's window, once 1: it closes after each
        self.held: dict[Any, deque[_Post]] = {}  # posts waiting for a place in their pipeline
        self._reaper: Timer | None = None

    def post(self, url: str, params: Mapping[str, str], *, auth_token: str, token: str,
             timeout: float, done: Done, pipeline: Any = None) -> None:  # fmt: skip
        """POST params to url, signed; done(result) runs on the loop, exactly once. Posts
        given the same `pipeline` key go out in order on one connection without waiting for
        each other's answers (which come back in the same order)."""
        try:
            destination = self.destination(url, timeout)
            parts, supported = destination.parts, destination.supported
        except ValueError:
            supported = False
        if not supported:
            self.loop.call_soon(lambda: done(CallbackResult("", None, None, "", 0.0,
                                                            UNSUPPORTED_URL)))  # fmt: skip
            return
        if parts.scheme == "https":
            self._in_thread(url, params, auth_token, token, timeout, done)
            return
        _Post(self, url, destination, params, auth_token=auth_token, token=token, done=done,
              pipeline=pipeline).send()  # fmt: skip

    def _in_thread(self, url: str, params: Mapping[str, str], auth_token: str, token: str,
                   timeout: float, done: Done) -> None:  # fmt: skip
        def work() -> None:
            result = post_callback(
                url, params, auth_token=auth_token, idempotency_token=token, timeout=timeout
            )
            self.loop.call_soon_threadsafe(lambda: done(result))

        self.executor.submit(work)

    # -- addresses ------------------------------------------------------------------------------
    def destination(self, url: str, timeout: float) -> _Destination:
        """What a URL means for a POST, worked out once per URL (and timeout)."""
        key = (url, timeout)
        known = self._destinations.get(key)
        if known is None:
            target = signing_url(url)
            parts = urlsplit(target)
            known = _Destination(
                target, parts, callback_timeouts(url, timeout), request_head(parts, FIXED_HEADERS),
                (parts.hostname or "", parts.port or 80),
                parts.scheme in ("http", "https") and bool(parts.hostname),
            )  # fmt: skip
            if len(self._destinations) >= 1024:
                self._destinations.clear()
            self._destinations[key] = known
        return known

    def address_of(self, host_port: tuple[str, int]) -> tuple | None:
        """The socket address for the URL's host, or None while a thread resolves it."""
        host, port = host_port
        literal = self._literal.get((host, port))
        if literal is not None:
            return literal
        if host == "localhost":
            literal = ("127.0.0.1", port)
        else:
            try:
                ipaddress.ip_address(host)
                literal = (host, port)
            except ValueError:
                literal = None
        if literal is not None:
            self._literal[(host, port)] = literal
            return literal
        cached = self.resolved.get((host, port))
        if cached is not None and cached[1] > time.monotonic():
            return cached[0]
        return None

    def resolve_then(self, post: _Post) -> None:
        """Look the post's host up in a thread, then send it (DNS must not block the loop)."""
        key = post.host_port
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
    def connection(self, address: tuple, pipeline: Any = None) -> _Connection:
        """The pipeline's connection (made when it has none open), else an idle kept-alive
        connection to the address, else a new one."""
        if pipeline is not None:
            connection = self.pipelines.get(pipeline)
            if connection is None or connection.closed or connection.origin != address:
                connection = _Connection(self, address, pipeline=pipeline)
                self.pipelines[pipeline] = connection
            return connection
        pool = self.idle.get(address)
        while pool:
            connection = pool.pop()
            if not connection.closed:
                return connection
        return _Connection(self, address)

    def admit(self, post: _Post) -> bool:
        """Whether the post may go on its pipeline now; if not, it is held, in order."""
        pipeline = post.pipeline
        held = self.held.get(pipeline)
        connection = self.pipelines.get(pipeline)
        busy = len(connection.waiting) if connection is not None and not connection.closed else 0
        if (held and held[0] is not post) or busy >= self.windows.get(pipeline, PIPELINE_WINDOW):
            if held is None:
                held = self.held[pipeline] = deque()
            if post not in held:
                held.append(post)
            return False
        if held and held[0] is post:
            held.popleft()
        return True

    def pump(self, pipeline: Any) -> None:
        """A place may have freed up on the pipeline: send what waits for one, in order."""
        held = self.held.get(pipeline)
        while held:
            head = held[0]
            if head.finished:
                held.popleft()
                continue
            size_before = len(held)
            head.send()
            if len(held) >= size_before:  # still held: the pipeline is full
                return

    def release(self, connection: _Connection) -> None:
        """After an answer on a kept-alive connection: idle it (reading, to notice a close)."""
        pool = self.idle.setdefault(connection.origin, [])
        if connection in pool:
            return
        if len(pool) >= MAX_IDLE_PER_ORIGIN:
            connection.close()
            return
        connection.idle_since = time.monotonic()
        pool.append(connection)
        connection._watch(selectors.EVENT_READ)
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
        for connection in list(self.pipelines.values()):
            connection.close()


def _reason(code: int) -> str:
    """A delivery failure in the words the blocking client uses (never the URL)."""
    if code == errno.ECONNREFUSED:
        return "connection refused"
    if code in (errno.ETIMEDOUT,):
        return "timed out"
    return f"connection failed: {errno.errorcode.get(code, str(code))}"
