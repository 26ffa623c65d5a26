"""A tiny stdlib callback receiver for emulator tests: records signed POSTs, answers as told."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

from twilio.request_validator import RequestValidator

Answer = tuple[int, str, str]  # status, content type, body


@dataclass
class Received:
    path: str
    params: dict[str, str]
    headers: dict[str, str]
    signature_valid: bool


def accept(_: Received) -> Answer:
    return 200, "application/json", json.dumps({"instruction": "accept"})


def defer(_: Received) -> Answer:
    return 200, "application/json", "{}"


class CallbackServer:
    """Answers each POST with answer(received); validates X-Twilio-Signature with twilio's code."""

    def __init__(self, auth_token: str, answer: Callable[[Received], Answer] = accept) -> None:
        self.validator = RequestValidator(auth_token)
        self.answer = answer
        self.received: list[Received] = []
        self.cond = threading.Condition()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                return

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                params = dict(parse_qsl(self.rfile.read(length).decode(), keep_blank_values=True))
                url = f"http://{self.headers['Host']}{self.path}"
                signature = self.headers.get("X-Twilio-Signature", "")
                item = Received(
                    self.path,
                    params,
                    {k.lower(): v for k, v in self.headers.items()},
                    server.validator.validate(url, params, signature),
                )
                status, content_type, body = server.answer(item)
                with server.cond:
                    server.received.append(item)
                    server.cond.notify_all()
                data = body.encode()
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def url(self, path: str = "/assignment") -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}{path}"

    def wait_for(self, count: int, timeout: float = 5.0) -> list[Received]:
        with self.cond:
            self.cond.wait_for(lambda: len(self.received) >= count, timeout)
            return list(self.received)

    def __enter__(self) -> CallbackServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
