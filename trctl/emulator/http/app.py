"""The HTTP application without sockets: handle(Request) -> Response (host check, auth, routing)."""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import logging
import re
import time
from collections.abc import Callable, Mapping
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from trctl.emulator.core.core import Core
from trctl.emulator.core.errors import ApiError, Missing, not_found, unauthorized
from trctl.emulator.http.errors import encode
from trctl.emulator.http.forms import Params, parse_form
from trctl.emulator.requestlog import Logged, Observer

if TYPE_CHECKING:
    from trctl.emulator.faults import FaultAction, Faults

log = logging.getLogger("trctl.emulator")


@dataclass
class Request:
    method: str
    path: str
    query: str = ""
    headers: Mapping[str, str] = field(default_factory=dict)  # lower-case names
    body: bytes = b""

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


@dataclass
class Response:
    status: int
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class Call:
    """One routed request, as the operation handlers see it."""

    core: Core
    request: Request
    params: Params
    args: dict[str, str]
    base_url: str
    account_sid: str

    @property
    def ws(self) -> str:
        return self.args["ws"]

    def if_match(self) -> str | None:
        return self.request.header("if-match")


Answer = Response | Future[Response]  # a Future: answered when done (see http/server.py)
Handler = Callable[[Call], Answer]


def json_response(status: int, body: Any, etag: str | None = None) -> Response:
    headers = [("Content-Type", "application/json; charset=utf-8")]
    if etag is not None:
        headers.append(("ETag", etag))
    return Response(status, json.dumps(body).encode(), headers)


def error_response(error: ApiError) -> Response:
    headers = [("Content-Type", "application/json; charset=utf-8")]
    if error.status == 401:
        headers.append(("WWW-Authenticate", 'Basic realm="Twilio API"'))
    return Response(error.status, encode(error), headers)


class App:
    """Checks Host and credentials, dispatches to the route table, maps errors to envelopes."""

    def __init__(
        self,
        core: Core,
        routes: list[tuple[str, re.Pattern[str], Handler]],
        account_sid: str,
        auth_token: str,
        api_key: tuple[str, str] | None = None,
        observer: Observer | None = None,
        faults: Faults | None = None,
    ) -> None:
        self.core = core
        self.observer = observer  # told of every request: method, path, status, time taken
        self.faults = faults  # API fault rules (trctl emulator faults), applied before anything
        self.routes = routes
        self.account_sid = account_sid
        self.auth_token = auth_token
        # Basic auth accepts the account SID + auth token, or the API key SID + its secret.
        self.credentials = [(account_sid, auth_token), *([api_key] if api_key else [])]
        self.allowed_hosts: set[str] = set()

    def allow_port(self, host: str, port: int) -> None:
        """Accept Host headers naming the loopback names (and the bound host) with this port."""
        names = {"127.0.0.1", "localhost", "[::1]"}
        if host not in ("0.0.0.0", "::", ""):
            names.add(f"[{host}]" if ":" in host else host)
        self.allowed_hosts = {f"{name}:{port}" for name in names}

    def handle(self, request: Request) -> Answer:
        """The response, or a Future of it for an answer that takes time without holding the
        server's loop (a clock move waits for the callbacks it causes)."""
        started = time.perf_counter()
        fault = self.faults.for_request(request.method, request.path) if self.faults else None
        response = self._answer(request) if fault is None else self._faulty(fault, request)
        noted = fault.describe() if fault else ""
        if isinstance(response, Future):
            answer: Future[Response] = Future()

            def done(later: Future[Response]) -> None:
                result = self._outcome(request, later)
                self._log(request, result, started, noted)
                answer.set_result(result)

            response.add_done_callback(done)
            return answer
        self._log(request, response, started, noted)
        return response

    def _outcome(self, request: Request, later: Future[Response]) -> Response:
        """What a later answer says; if making it failed, a 500 as for any handler's error (the
        client must not wait for an answer that never comes)."""
        error = later.exception()
        if error is None:
            return later.result()
        log.error("internal error on %s %s", request.method, request.path, exc_info=error)
        return error_response(ApiError(500, 20500, "Internal Server Error"))

    def _faulty(self, fault: FaultAction, request: Request) -> Answer:
        """An injected fault: refuse as an overloaded or failing TaskRouter would, without doing
        the work (a 429 or 503 says when to retry), and/or answer `delay` seconds late."""
        if fault.status is None:
            response = self._answer(request)
        else:
            response = error_response(ApiError(fault.status, fault.code, fault.message))
            if fault.retry_after is not None:
                response.headers.append(("Retry-After", f"{fault.retry_after:g}"))
        if not fault.delay or self.faults is None or isinstance(response, Future):
            return response
        late: Future[Response] = Future()
        self.faults.later(fault.delay, lambda: late.set_result(response))
        return late

    def _log(self, request: Request, response: Response, started: float, fault: str) -> None:
        if self.observer is not None:
            elapsed = (time.perf_counter() - started) * 1000
            self.observer(
                Logged("request", self.core.now(), response.status, elapsed,
                       method=request.method, path=request.path, fault=fault)
            )  # fmt: skip

    def _answer(self, request: Request) -> Answer:
        try:
            return self._handle(request)
        except ApiError as exc:
            return error_response(exc)
        except Missing:
            return error_response(not_found(request.path))
        except Exception:  # one bad request must never kill the server
            log.exception("internal error on %s %s", request.method, request.path)
            return error_response(ApiError(500, 20500, "Internal Server Error"))

    def _handle(self, request: Request) -> Answer:
        host = (request.header("host") or "").lower()
        if self.allowed_hosts and host not in self.allowed_hosts:
            raise ApiError(400, 20001, f"Host header {host or '(missing)'} is not allowed")
        self._authenticate(request.header("authorization"))
        method = request.method.upper()
        allowed: list[str] = []
        for route_method, pattern, handler in self.routes:
            match = pattern.fullmatch(request.path)
            if match is None:
                continue
            if route_method != method:
                allowed.append(route_method)
                continue
            raw = request.body if method == "POST" else request.query
            params = Params(parse_form(raw) if not _is_json(request) else parse_form(request.query))
            call = Call(
                self.core, request, params, match.groupdict(), f"http://{host}", self.account_sid
            )
            return handler(call)
        if allowed:
            refused = error_response(
                ApiError(405, 20004, f"Method {method} not allowed on {request.path}")
            )
            refused.headers.append(("Allow", ", ".join(sorted(set(allowed)))))
            return refused
        raise not_found(request.path)

    def _authenticate(self, header: str | None) -> None:
        if not header or not header.lower().startswith("basic "):
            raise unauthorized()
        try:
            decoded = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError) as exc:
            raise unauthorized() from exc
        user, _, password = decoded.partition(":")
        if not any(_matches(user, password, pair) for pair in self.credentials):
            raise unauthorized()


def _matches(user: str, password: str, expected: tuple[str, str]) -> bool:
    """Both halves compared in constant time (no early exit on a wrong user)."""
    user_ok = hmac.compare_digest(user.encode(), expected[0].encode())
    password_ok = hmac.compare_digest(password.encode(), expected[1].encode())
    return user_ok and password_ok


def _is_json(request: Request) -> bool:
    return (request.header("content-type") or "").lower().startswith("application/json")
