"""The emulator's socket server: idle and slow clients cost no one else, every answer is Twilio's
JSON envelope, requests are framed strictly."""

from __future__ import annotations

import base64
import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any

import pytest

from trctl.emulator import Emulator
from trctl.emulator.http.server import EmulatorHTTPServer


def auth_header(emulator: Any) -> bytes:
    token = base64.b64encode(f"{emulator.account_sid}:{emulator.auth_token}".encode())
    return b"Authorization: Basic " + token + b"\r\n"


def exchange(emulator: Any, raw: bytes, timeout: float = 5.0) -> tuple[int, dict[str, str], bytes]:
    """Send raw bytes on a new connection; the status, headers and body of the answer."""
    with socket.create_connection(("127.0.0.1", emulator.port), timeout=timeout) as sock:
        sock.sendall(raw)
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
        length = int(headers.get("content-length", "0"))
        while len(body) < length and not raw.startswith(b"HEAD"):
            chunk = sock.recv(65536)
            if not chunk:
                break
            body += chunk
    return int(lines[0].split()[1]), headers, body


def request_bytes(emulator: Any, method: str, path: str, extra: bytes = b"") -> bytes:
    host = f"Host: 127.0.0.1:{emulator.port}\r\n".encode()
    return f"{method} {path} HTTP/1.1\r\n".encode() + host + auth_header(emulator) + extra + b"\r\n"


def assert_envelope(body: bytes, status: int) -> dict[str, Any]:
    document = json.loads(body)
    assert document["status"] == status and isinstance(document["code"], int)
    assert document["more_info"].startswith("https://www.twilio.com/docs/errors/")
    return document


@pytest.mark.parametrize("method", ["HEAD", "OPTIONS", "TRACE", "PATCH", "BREW"])
def test_methods_the_api_lacks_get_a_json_405_with_allow(emulator: Any, method: str) -> None:
    status, headers, body = exchange(emulator, request_bytes(emulator, method, "/v1/Workspaces"))
    assert status == 405
    assert headers["allow"] == "GET, POST"
    assert headers["content-type"].startswith("application/json")
    if method == "HEAD":
        assert body == b""  # a HEAD answer never carries a body, only its length
        assert int(headers["content-length"]) > 0
    else:
        assert_envelope(body, 405)


def test_oversized_and_too_many_headers_get_a_json_431(emulator: Any) -> None:
    huge = b"X-Filler: " + b"a" * 20_000 + b"\r\n"
    status, _, body = exchange(emulator, request_bytes(emulator, "GET", "/v1/Workspaces", huge))
    assert status == 431
    assert_envelope(body, 431)
    many = b"".join(f"X-H{n}: 1\r\n".encode() for n in range(150))
    status, _, body = exchange(emulator, request_bytes(emulator, "GET", "/v1/Workspaces", many))
    assert status == 431
    assert_envelope(body, 431)


@pytest.mark.parametrize("length", ["+2", "1_0", " 2", "2x", "-1", "0x2", "٢"])
def test_content_length_is_plain_digits_only(emulator: Any, length: str) -> None:
    raw = request_bytes(
        emulator, "POST", "/v1/Workspaces", f"Content-Length: {length}\r\n".encode()
    )
    status, _, body = exchange(emulator, raw + b"FriendlyName=x")
    assert status == 400
    assert_envelope(body, 400)


def test_conflicting_content_lengths_are_refused(emulator: Any) -> None:
    raw = request_bytes(
        emulator, "POST", "/v1/Workspaces", b"Content-Length: 3\r\nContent-Length: 4\r\n"
    )
    status, _, body = exchange(emulator, raw + b"abcd")
    assert status == 400
    assert_envelope(body, 400)


def test_pipelined_requests_are_answered_in_order(emulator: Any) -> None:
    one = request_bytes(emulator, "GET", "/v1/Workspaces")
    missing = request_bytes(emulator, "GET", "/v1/Workspaces/WS" + "0" * 32)
    with socket.create_connection(("127.0.0.1", emulator.port), timeout=5) as sock:
        sock.sendall(one + missing)
        data = b""
        while data.count(b"HTTP/1.1 ") < 2 or not data.rstrip().endswith(b"}"):
            data += sock.recv(65536)
    first, second = data.split(b"HTTP/1.1 ")[1:3]
    assert first.startswith(b"200") and second.startswith(b"404")


@contextmanager
def crowd(port: int, idle: int, dripping: int) -> Iterator[None]:
    """Hold `idle` silent connections and `dripping` ones that send a byte every 0.2 s."""
    sockets = [socket.create_connection(("127.0.0.1", port)) for _ in range(idle + dripping)]
    stop = threading.Event()

    def drip() -> None:
        request = b"GET /v1/Workspaces HTTP/1.1\r\nX-Slow: " + b"a" * 10_000
        for position in range(len(request)):
            for sock in sockets[idle:]:
                with suppress(OSError):
                    sock.send(request[position : position + 1])
            if stop.wait(0.2):
                return

    dripper = threading.Thread(target=drip, daemon=True)
    dripper.start()
    try:
        yield
    finally:
        stop.set()
        dripper.join(5)
        for sock in sockets:
            sock.close()


def test_a_crowd_of_idle_and_slow_connections_does_not_delay_anyone(emulator: Any) -> None:
    """Before the event loop, 65 silent sockets held every thread: nobody else was answered."""
    with crowd(emulator.port, idle=200, dripping=200):
        for _ in range(10):
            started = time.monotonic()
            status, _, _ = exchange(emulator, request_bytes(emulator, "GET", "/v1/Workspaces"))
            assert status == 200
            assert time.monotonic() - started < 1.0


def drip_until_answered(sock: socket.socket, start: bytes) -> tuple[bytes, float]:
    """Send `start`, then one byte at a time (faster than any idle cut-off) until the server
    answers and closes: what it answered and how long that took."""
    started = time.monotonic()
    sock.sendall(start)
    data = b""
    while True:
        try:
            sock.send(b"X")
        except OSError:
            break
        sock.settimeout(0.05)
        try:
            chunk = sock.recv(65536)
        except TimeoutError:
            continue
        if not chunk:
            break
        data += chunk
    return data, time.monotonic() - started


def test_a_request_that_does_not_arrive_in_time_gets_408_and_the_connection_closes() -> None:
    """The header deadline counts from the request's first byte, whatever pace it comes at."""
    with Emulator() as emu:
        assert isinstance(emu.server, EmulatorHTTPServer)
        emu.server.header_deadline = 0.5
        with socket.create_connection(("127.0.0.1", emu.port), timeout=5) as sock:
            data, elapsed = drip_until_answered(sock, b"GET /v1/Workspaces HTTP/1.1\r\n")
    assert data.startswith(b"HTTP/1.1 408")
    assert_envelope(data.partition(b"\r\n\r\n")[2], 408)
    assert 0.4 < elapsed < 3.0


def test_a_body_that_does_not_arrive_in_time_gets_408_after_timely_headers() -> None:
    """Headers in time do not buy the body more time: it is due by the body deadline (issue 10
    #1 asks for a deadline on the body as well as the headers)."""
    with Emulator() as emu:
        assert isinstance(emu.server, EmulatorHTTPServer)
        emu.server.header_deadline = 5.0
        emu.server.body_deadline = 0.5
        head = request_bytes(emu, "POST", "/v1/Workspaces", b"Content-Length: 100000\r\n")
        with socket.create_connection(("127.0.0.1", emu.port), timeout=5) as sock:
            data, elapsed = drip_until_answered(sock, head + b"FriendlyName=")
        _, _, listed = exchange(emu, request_bytes(emu, "GET", "/v1/Workspaces"))
    assert json.loads(listed)["workspaces"] == []  # the cut request changed nothing
    assert data.startswith(b"HTTP/1.1 408")
    assert_envelope(data.partition(b"\r\n\r\n")[2], 408)
    assert 0.4 < elapsed < 3.0
