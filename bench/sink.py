"""An event-callback receiver for benchmarks, run in its own process: one selectors loop, every
POST's X-Twilio-Signature checked, 204 answered; GET /count says how many arrived and how many
were signed right. It must cost little, since it shares the machine with what it measures.

Usage: python bench/sink.py AUTH_TOKEN   (prints its port, serves until its stdin closes)
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import selectors
import socket
import sys
import threading
from urllib.parse import parse_qsl

ANSWER = b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n"


class Sink:
    def __init__(self, token: str) -> None:
        self.token = token.encode()
        self.received = 0
        self.signed = 0
        self.selector = selectors.DefaultSelector()
        self.listener = socket.create_server(("127.0.0.1", 0), backlog=128)
        self.listener.setblocking(False)
        self.selector.register(self.listener, selectors.EVENT_READ, None)
        self.buffers: dict[socket.socket, bytearray] = {}
        self.port = self.listener.getsockname()[1]

    def serve(self, stop: threading.Event) -> None:
        while not stop.is_set():
            for key, _ in self.selector.select(0.2):
                if key.data is None:
                    self._accept()
                else:
                    self._read(key.fileobj)  # type: ignore[arg-type]

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except BlockingIOError:
                return
            conn.setblocking(False)
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self.buffers[conn] = bytearray()
            self.selector.register(conn, selectors.EVENT_READ, True)

    def _read(self, conn: socket.socket) -> None:
        try:
            data = conn.recv(65536)
        except OSError:
            data = b""
        if not data:
            self.selector.unregister(conn)
            self.buffers.pop(conn, None)
            conn.close()
            return
        buffer = self.buffers[conn]
        buffer += data
        while True:
            end = buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            head = bytes(buffer[:end]).decode("latin-1").split("\r\n")
            pairs = (line.partition(":") for line in head[1:])
            headers = {name.strip().lower(): value.strip() for name, _, value in pairs}
            length = int(headers.get("content-length", "0"))
            if len(buffer) < end + 4 + length:
                return
            body = bytes(buffer[end + 4 : end + 4 + length])
            del buffer[: end + 4 + length]
            method, path = head[0].split(" ")[:2]
            if method == "GET":
                answer = json.dumps({"received": self.received, "signed": self.signed}).encode()
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                             b"Content-Length: %d\r\n\r\n%s" % (len(answer), answer))  # fmt: skip
                continue
            self.received += 1
            if self._signed(headers, path, body):
                self.signed += 1
            conn.sendall(ANSWER)

    def _signed(self, headers: dict[str, str], path: str, body: bytes) -> bool:
        params = sorted(parse_qsl(body.decode(), keep_blank_values=True))
        payload = f"http://{headers.get('host', '')}{path}" + "".join(k + v for k, v in params)
        digest = hmac.new(self.token, payload.encode(), hashlib.sha1).digest()
        expected = base64.b64encode(digest).decode()
        return hmac.compare_digest(expected, headers.get("x-twilio-signature", ""))


def main() -> int:
    sink = Sink(sys.argv[1])
    print(sink.port, flush=True)
    stop = threading.Event()
    threading.Thread(target=sink.serve, args=(stop,), daemon=True).start()
    sys.stdin.read()  # until the benchmark closes our stdin
    stop.set()
    return 0


if __name__ == "__main__":
    sys.exit(main())
