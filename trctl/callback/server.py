"""CallbackServer: the hardened stdlib HTTP server that answers TaskRouter's callbacks.

Usage as a library::

    from trctl.callback import CallbackServer, instructions

    server = CallbackServer(auth_token, decide=instructions.constant({"instruction": "accept"}))
    server.start()            # binds 127.0.0.1 on a free port
    print(server.url)         # set this as the workflow's AssignmentCallbackUrl
    ...
    server.stop()

Every POST is checked in this order, each failure answered without calling decide():
route (404), Transfer-Encoding / Content-Length (411), size (413), signature header present
once (403), body read within a deadline (408), form type (415), strict form (400), signature
against the public URL (403), required parameters (400). Then the answer: cached for a replayed
ReservationSid or I-Twilio-Idempotency-Token, else decide(request).
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections import Counter, deque
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

from trctl.callback.guards import ConnectionReaper, ReplayCache
from trctl.callback.httpd import CallbackHandler, PooledHTTPServer, Reply, send
from trctl.callback.instructions import Decide, constant, instruction_of
from trctl.callback.payload import (
    CallbackRequest,
    InvalidCallback,
    parse_assignment,
    parse_event,
)
from trctl.callback.signature import (
    SIGNATURE_HEADER,
    BadForm,
    FormParams,
    SignatureChecker,
    parse_form,
    public_base,
)

IDEMPOTENCY_HEADER = "I-Twilio-Idempotency-Token"
FORM_TYPE = "application/x-www-form-urlencoded"
MAX_RECORDS = 1000
Record = dict[str, Any]


class CallbackServer:
    """Answers assignment callbacks (and, optionally, event callbacks) with signature checks."""

    def __init__(
        self,
        auth_token: str | None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        path: str = "/assignment",
        events_path: str | None = "/events",
        decide: Decide | None = None,
        public_url: str | None = None,
        verify: bool = True,
        max_body: int = 65536,
        header_timeout: float = 5.0,
        body_deadline: float = 5.0,
        max_threads: int = 32,
        on_record: Callable[[Record], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if verify and not auth_token:
            raise ValueError("an auth token is required unless verify=False")
        for name, value in (("path", path), ("events_path", events_path)):
            if value is not None and (not value.startswith("/") or "?" in value):
                raise ValueError(f"{name} must start with '/' and have no query: {value!r}")
        self.checker = SignatureChecker(auth_token) if verify and auth_token else None
        self.host = host
        self.port = port
        self.path = path
        self.events_path = events_path
        self.decide = decide or constant({"instruction": "accept"})
        self.max_body = max_body
        self.header_timeout = header_timeout
        self.body_deadline = body_deadline
        self.max_threads = max_threads
        self.on_record = on_record
        self.clock = clock
        self.reaper = ConnectionReaper(clock)
        self.replays = ReplayCache()
        self.records: deque[Record] = deque(maxlen=MAX_RECORDS)
        self._counts: Counter[str] = Counter()
        self._counts_lock = threading.Lock()
        self._public_base = public_base(public_url) if public_url else None
        self._httpd: PooledHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # lifecycle ---------------------------------------------------------------------------
    def start(self) -> CallbackServer:
        """Bind and serve in a background thread; `port` is the bound port afterwards."""
        self._httpd = PooledHTTPServer((self.host, self.port), self)
        self.port = self._httpd.server_address[1]
        self.reaper.start()
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.02},
            name="callback-server",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop accepting, close the socket and the reaper; safe to call twice."""
        httpd, self._httpd = self._httpd, None
        if httpd is None:
            return
        httpd.closing = True
        httpd.shutdown()
        httpd.server_close()
        self.reaper.stop()
        if self._thread is not None:
            self._thread.join(timeout=2)

    def __enter__(self) -> CallbackServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # URLs ----------------------------------------------------------------------------------
    @property
    def local_base(self) -> str:
        host = "127.0.0.1" if self.host in ("", "0.0.0.0") else self.host
        return f"http://{host}:{self.port}"

    @property
    def base(self) -> str:
        """The public base URL signatures are checked against: the tunnel's, else the local one."""
        return self._public_base or self.local_base

    @property
    def url(self) -> str:
        return self.base + self.path

    @property
    def local_url(self) -> str:
        return self.local_base + self.path

    @property
    def events_url(self) -> str | None:
        return self.base + self.events_path if self.events_path else None

    def set_public_url(self, url: str | None) -> None:
        """Check signatures against this base (e.g. the tunnel's https URL) from now on."""
        self._public_base = public_base(url) if url else None

    # summary -------------------------------------------------------------------------------
    def summary(self) -> dict[str, int]:
        """Counts so far: `answered:<instruction>`, `status:<code>`, `replayed`, `events`."""
        with self._counts_lock:
            return dict(sorted(self._counts.items()))

    # request handling ----------------------------------------------------------------------
    def handle_post(self, handler: CallbackHandler) -> None:
        route = handler.path.partition("?")[0]
        try:
            if route == self.path:
                kind = "assignment"
            elif self.events_path is not None and route == self.events_path:
                kind = "event"
            else:
                raise Reply(404, "unknown path")
            params = self._read_verified(handler)
            if kind == "assignment":
                self._answer_assignment(handler, params)
            else:
                self._answer_event(handler, params)
        except Reply as reply:
            self.refuse(handler, reply)

    def _read_verified(self, handler: CallbackHandler) -> FormParams:
        headers = handler.headers
        if headers.get_all("Transfer-Encoding"):
            raise Reply(411, "Transfer-Encoding not supported; send Content-Length")
        lengths = headers.get_all("Content-Length") or []
        if len(lengths) != 1 or not lengths[0].strip().isdigit():
            raise Reply(411, "missing or invalid Content-Length")
        length = int(lengths[0].strip())
        if length > self.max_body:
            raise Reply(413, f"body larger than {self.max_body} bytes")
        signatures = headers.get_all(SIGNATURE_HEADER) or []
        if self.checker is not None and (len(signatures) != 1 or not signatures[0].strip()):
            raise Reply(403, "X-Twilio-Signature missing, empty or repeated")
        body = self._read_body(handler, length)
        content_type = (headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if content_type != FORM_TYPE:
            raise Reply(415, "Content-Type must be application/x-www-form-urlencoded")
        try:
            params = parse_form(body)
        except BadForm as exc:
            raise Reply(400, str(exc)) from exc
        if self.checker is not None and not self.checker.valid(
            self.base + handler.path, params, signatures
        ):
            raise Reply(403, "X-Twilio-Signature does not match")
        return params

    def _read_body(self, handler: CallbackHandler, length: int) -> bytes:
        deadline = handler.body_due  # set when the accept thread handed the connection over
        chunks: list[bytes] = []
        remaining = length
        while remaining > 0:
            left = deadline - self.clock()
            if left <= 0:
                raise Reply(408, "body not received in time")
            handler.connection.settimeout(left)
            try:
                chunk = handler.rfile.read1(remaining)
            except TimeoutError as exc:
                raise Reply(408, "body not received in time") from exc
            except OSError as exc:
                raise Reply(400, "connection failed while reading the body") from exc
            if not chunk:
                raise Reply(400, "body shorter than Content-Length")
            chunks.append(chunk)
            remaining -= len(chunk)
        return b"".join(chunks)

    def _answer_assignment(self, handler: CallbackHandler, params: FormParams) -> None:
        token = handler.headers.get(IDEMPOTENCY_HEADER) or None
        try:
            request = parse_assignment(params, token)
        except InvalidCallback as exc:
            raise Reply(400, str(exc)) from exc
        keys: list[tuple[str, str]] = [("reservation", request.reservation_sid)]
        if token:
            keys.append(("token", token))
        try:
            answer, replayed = self.replays.answer(keys, lambda: self._decide(request))
        except Exception as exc:
            raise Reply(500, f"decide() failed: {type(exc).__name__}") from exc
        self._finish(
            handler,
            json.dumps(answer).encode("utf-8"),
            {
                "kind": "assignment",
                "status": 200,
                "reservation_sid": request.reservation_sid,
                "task_sid": request.task_sid,
                "task_attributes": request.task_attributes,
                "worker_sid": request.worker_sid,
                "worker_attributes": request.worker_attributes,
                "task_queue_sid": request.task_queue_sid,
                "instruction": instruction_of(answer),
                "answer": answer,
                "replayed": replayed,
                **request.notes,
            },
        )

    def _decide(self, request: CallbackRequest) -> dict:
        answer = self.decide(request)
        if not isinstance(answer, dict):
            raise TypeError("decide() must return a dict")
        return answer

    def _answer_event(self, handler: CallbackHandler, params: FormParams) -> None:
        try:
            event = parse_event(params)
        except InvalidCallback as exc:
            raise Reply(400, str(exc)) from exc
        token = handler.headers.get(IDEMPOTENCY_HEADER) or None
        keys = [("event", k) for k in (event.event_sid, token) if k]
        replayed = bool(keys) and self.replays.answer(keys, dict)[1]
        self._finish(
            handler,
            None,
            {
                "kind": "event",
                "status": 204,
                "event_type": event.event_type,
                "resource_type": event.resource_type,
                "resource_sid": event.resource_sid,
                "description": event.description,
                "replayed": replayed,
            },
        )

    def refuse(self, handler: CallbackHandler, reply: Reply) -> None:
        body = None if handler.command == "HEAD" else json.dumps({"error": reply.reason}).encode()
        extra = {"Allow": "POST"} if reply.status == 405 else {}
        record = {"kind": "refused", "status": reply.status, "reason": reply.reason}
        self._finish(handler, body, record, extra)

    def _finish(
        self,
        handler: CallbackHandler,
        body: bytes | None,
        record: Record,
        extra: dict[str, str] | None = None,
    ) -> None:
        """Count the outcome, then answer, then tell on_record (slow listeners never delay it)."""
        record = self._count(handler, record)
        send(handler, record["status"], body, extra, timeout=self.header_timeout)
        if self.on_record is not None:
            with contextlib.suppress(Exception):
                self.on_record(record)

    def _count(self, handler: CallbackHandler, record: Record) -> Record:
        record = {
            "time": datetime.now(timezone.utc).isoformat(timespec="milliseconds"),
            "method": handler.command,
            "path": handler.path.partition("?")[0],
            **record,
            "latency_ms": round((self.clock() - handler.started) * 1000, 2),
        }
        with self._counts_lock:
            self.records.append(record)
            self._counts[f"status:{record['status']}"] += 1
            if record.get("replayed"):
                self._counts["replayed"] += 1
            elif record["kind"] == "assignment":
                self._counts[f"answered:{record['instruction']}"] += 1
            elif record["kind"] == "event":
                self._counts["events"] += 1
        return record
