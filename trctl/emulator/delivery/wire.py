"""HTTP/1.1 for callbacks on the loop: a signed form POST as bytes, and an incremental reader of
the answer (Content-Length, chunked or until close; 1xx skipped; bodies capped)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from urllib.parse import SplitResult, quote_plus

MAX_BODY_BYTES = 64 * 1024
MAX_HEAD_BYTES = 32 * 1024


class BadResponse(Exception):
    """The bytes are not an HTTP/1.x answer we can read."""


_PLAIN = re.compile(r"[A-Za-z0-9_.~-]*\Z")  # what form encoding leaves as it is


def form_encode(params: Mapping[str, str]) -> str:
    """application/x-www-form-urlencoded, as urlencode does it, without quoting what needs
    none (SIDs, numbers, statuses: most of a callback's values)."""
    return "&".join(
        (key if _PLAIN.match(key) else quote_plus(key))
        + "="
        + (value if _PLAIN.match(value) else quote_plus(value))
        for key, value in params.items()
    )


def encode_post(parts: SplitResult, params: Mapping[str, str], headers: Mapping[str, str]) -> bytes:
    """A POST of `params`, form-encoded, to the URL's path and query, with keep-alive."""
    body = form_encode(params).encode("utf-8")
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    lines = [f"POST {target} HTTP/1.1", f"Host: {host}"]
    lines.extend(f"{name}: {value}" for name, value in headers.items())
    lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8") + body


class ResponseReader:
    """Feed it bytes as they arrive; `done` once a whole answer is in. `keep_alive` says whether
    the connection may carry another request afterwards."""

    def __init__(self) -> None:
        self.buffer = bytearray()
        self.status: int | None = None
        self.headers: dict[str, str] = {}
        self.challenges: list[str] = []
        self.body = bytearray()
        self.done = False
        self.keep_alive = True
        self.oversized = False
        self._mode = ""  # "length", "chunked", "close"
        self._remaining = 0
        self._chunk_left = -1  # -1: expecting a chunk-size line

    def feed(self, data: bytes) -> None:
        self.buffer += data
        while not self.done:
            if self.status is None:
                if not self._read_head():
                    return
                continue
            if not self._read_body():
                return

    def end_of_stream(self) -> None:
        """The peer closed: that completes a body read until close, and nothing else."""
        if self.done:
            return
        if self.status is not None and self._mode == "close":
            self._take(len(self.buffer))
            self.done = True
            self.keep_alive = False
            return
        raise BadResponse("connection closed before the answer was complete")

    @property
    def content_type(self) -> str | None:
        return self.headers.get("content-type")

    # -- inside ---------------------------------------------------------------------------------
    def _read_head(self) -> bool:
        end = self.buffer.find(b"\r\n\r\n")
        if end < 0:
            if len(self.buffer) > MAX_HEAD_BYTES:
                raise BadResponse("response headers too large")
            return False
        head = bytes(self.buffer[:end]).decode("latin-1")
        del self.buffer[: end + 4]
        lines = head.split("\r\n")
        parts = lines[0].split(" ", 2)
        if len(parts) < 2 or not parts[0].startswith("HTTP/1.") or not parts[1].isdigit():
            raise BadResponse("not an HTTP/1.x status line")
        status = int(parts[1])
        headers: dict[str, str] = {}
        challenges: list[str] = []
        for line in lines[1:]:
            name, colon, value = line.partition(":")
            if not colon:
                raise BadResponse("malformed response header")
            key, value = name.strip().lower(), value.strip()
            if key == "www-authenticate":
                challenges.append(value)
            headers[key] = f"{headers[key]}, {value}" if key in headers else value
        if 100 <= status < 200:  # an interim answer (100 Continue): the real one follows
            return True
        self.status, self.headers, self.challenges = status, headers, challenges
        connection = headers.get("connection", "").lower()
        self.keep_alive = "close" not in connection and parts[0] == "HTTP/1.1"
        if "chunked" in headers.get("transfer-encoding", "").lower():
            self._mode = "chunked"
        elif "content-length" in headers:
            length = headers["content-length"]
            if not (length.isascii() and length.isdigit()):
                raise BadResponse("bad Content-Length in the answer")
            self._mode, self._remaining = "length", int(length)
        elif status in (204, 304):
            self._mode, self._remaining = "length", 0
        else:
            self._mode, self.keep_alive = "close", False
        return True

    def _read_body(self) -> bool:
        if self._mode == "length":
            taken = self._take(min(self._remaining, len(self.buffer)))
            self._remaining -= taken
            if self._remaining == 0:
                self.done = True
                return True
            return False
        if self._mode == "chunked":
            return self._read_chunk()
        self._take(len(self.buffer))  # until close
        return False

    def _read_chunk(self) -> bool:
        if self._chunk_left < 0:
            end = self.buffer.find(b"\r\n")
            if end < 0:
                return False
            size_text = bytes(self.buffer[:end]).split(b";")[0].strip()
            del self.buffer[: end + 2]
            try:
                self._chunk_left = int(size_text, 16)
            except ValueError as exc:
                raise BadResponse("bad chunk size in the answer") from exc
            if self._chunk_left == 0:  # the last chunk: skip trailers up to the blank line
                self._chunk_left = -2
        if self._chunk_left == -2:
            end = self.buffer.find(b"\r\n\r\n") if self.buffer[:2] != b"\r\n" else -2
            if end == -2:
                del self.buffer[:2]
            elif end < 0:
                return False
            else:
                del self.buffer[: end + 4]
            self.done = True
            return True
        if len(self.buffer) < self._chunk_left + 2:
            return False
        self._take(self._chunk_left)
        del self.buffer[:2]  # the chunk's CRLF
        self._chunk_left = -1
        return True

    def _take(self, count: int) -> int:
        room = MAX_BODY_BYTES + 1 - len(self.body)
        if room > 0:
            self.body += self.buffer[: min(count, room)]
        if len(self.body) > MAX_BODY_BYTES:
            self.oversized = True
            del self.body[MAX_BODY_BYTES:]
        del self.buffer[:count]
        return count
