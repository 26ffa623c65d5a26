"""The socket side: a ThreadingHTTPServer with bounded worker threads feeding App.handle."""

from __future__ import annotations

import logging
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from trctl.emulator.core.errors import ApiError
from trctl.emulator.http.app import App, Request, Response, error_response

log = logging.getLogger("trctl.emulator")

MAX_BODY = 2 * 1024 * 1024  # a workflow configuration may be up to 1 MB
MAX_THREADS = 64  # connection threads; beyond this, new connections wait in the listen backlog
IDLE_TIMEOUT = 10.0  # an idle keep-alive connection gives its thread back after this long


class _Handler(BaseHTTPRequestHandler):
    server: EmulatorHTTPServer
    protocol_version = "HTTP/1.1"
    server_version = "trctl-emulator"
    sys_version = ""

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s - %s", self.address_string(), format % args)

    def _serve(self) -> None:
        length_text = self.headers.get("Content-Length")
        body = b""
        if length_text:
            try:
                length = int(length_text)
            except ValueError:
                length = -1
            if length < 0:
                self._refuse(ApiError(400, 20001, "Bad Content-Length header"))
                return
            if length > MAX_BODY:
                self._refuse(ApiError(413, 20413, f"Request body larger than {MAX_BODY} bytes"))
                return
            body = self.rfile.read(length)
        elif self.headers.get("Transfer-Encoding"):
            self._refuse(ApiError(411, 20411, "Content-Length required (no chunked bodies)"))
            return
        parts = urlsplit(self.path)
        request = Request(
            method=self.command,
            path=parts.path,
            query=parts.query,
            headers={name.lower(): value for name, value in self.headers.items()},
            body=body,
        )
        self._write(self.server.app.handle(request))

    def _refuse(self, error: ApiError) -> None:
        self.close_connection = True
        self._write(error_response(error))

    def _write(self, response: Response) -> None:
        self.send_response(response.status)
        for name, value in response.headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(response.body)

    do_GET = do_POST = do_DELETE = do_PUT = do_PATCH = _serve

    def setup(self) -> None:
        super().setup()
        self.connection.settimeout(IDLE_TIMEOUT)
        # headers and body are separate writes: without NODELAY, Nagle + delayed ACK add 40 ms
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class EmulatorHTTPServer(ThreadingHTTPServer):
    """Threading server whose number of concurrent request threads is bounded."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], app: App, max_threads: int = MAX_THREADS) -> None:
        super().__init__(address, _Handler)
        self.app = app
        self._slots = threading.BoundedSemaphore(max_threads)

    def process_request(self, request: Any, client_address: Any) -> None:
        self._slots.acquire()
        try:
            super().process_request(request, client_address)
        except BaseException:
            self._slots.release()
            raise

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._slots.release()
