"""HTTP/1.1 for callbacks on the loop: a signed form POST as bytes, and an incremental reader of
the answer (Content-Length, chunked or until close; 1xx skipped; bodies capped)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache
from typing import NamedTuple
from urllib.parse import SplitResult, quote_plus

MAX_BODY_BYTES = 64 * 1024
MAX_HEAD_BYTES = 32 * 1024


class BadResponse(Exception):
    """The bytes are not an HTTP/1.x answer we can read."""


_PLAIN = re.compile(r"[A-Za-z0-9_.~-]*\Z")  # what form encoding leaves as it is
_WORDS = re.compile(r"[A-Za-z0-9_.~ -]*\Z")  # ... and spaces, which become "+"


@lru_cache(maxsize=8192)
def _quoted(text: str) -> str:
    """One form-encoded name or value; names and attributes recur from callback to callback.
    Words and spaces (an event's description, new each time) skip quote_plus's dozen calls."""
    if _PLAIN.match(text):
        return text
    if _WORDS.match(text):
        return text.replace(" ", "+")
    return quote_plus(text)


@lru_cache(maxsize=16384)
def _field(item: tuple[str, str]) -> str:
    """One name=value; most of a callback's fields recur from one callback to the next."""
    return f"{_quoted(item[0])}={_quoted(item[1])}"


def form_encode(params: Mapping[str, str]) -> str:
    """application/x-www-form-urlencoded, exactly as urlencode does it (a test checks), with
    the quoting of what recurs remembered."""
    return "&".join(map(_field, params.items()))


def request_head(parts: SplitResult, fixed: Mapping[str, str]) -> str:
    """The request line, Host header and `fixed` headers of a POST to the URL (worked out once
    per URL)."""
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    lines = "".join(f"{name}: {value}\r\n" for name, value in fixed.items())
    return f"POST {target} HTTP/1.1\r\nHost: {host}\r\n{lines}"


def encode_post(head: str, params: Mapping[str, str], headers: Mapping[str, str]) -> bytes:
    """A POST of `params`, form-encoded, after `head` (request_head), with keep-alive. The
    encoded form is ASCII (everything else is %-quoted), so its length in characters is its
    length in bytes."""
    body = form_encode(params)
    lines = "".join([f"{name}: {value}\r\n" for name, value in headers.items()])
    return f"{head}{lines}Content-Length: {len(body)}\r\n\r\n{body}".encode()


class Head(NamedTuple):
    """An answer's status line and headers, and how its body is framed."""

    status: int
    headers: dict[str, str]  # lower-case names; repeated ones joined with ", "
    challenges: list[str]  # each WWW-Authenticate
    keep_alive: bool
    mode: str  # "length", "chunked" or "close"
    length: int  # with "length"


@lru_cache(maxsize=256)
def parse_head(raw: bytes) -> Head:
    """The head of an answer, without its blank line. A server answers a URL's callbacks with
    the same bytes time after time (its Date changes once a second), so parses are remembered;
    readers never change what they are given."""
    lines = raw.decode("latin-1").split("\r\n")
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
    keep_alive = "close" not in headers.get("connection", "").lower() and parts[0] == "HTTP/1.1"
    mode, length = "close", 0
    if "chunked" in headers.get("transfer-encoding", "").lower():
        mode = "chunked"
    elif "content-length" in headers:
        text = headers["content-length"]
        if not (text.isascii() and text.isdigit()):
            raise BadResponse("bad Content-Length in the answer")
        mode, length = "length", int(text)
    elif status in (204, 304):
        mode = "length"
    else:
        keep_alive = False
    return Head(status, headers, challenges, keep_alive, mode, length)


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
        head = parse_head(bytes(self.buffer[:end]))
        del self.buffer[: end + 4]
        if 100 <= head.status < 200:  # an interim answer (100 Continue): the real one follows
            return True
        self.status, self.headers, self.challenges = head.status, head.headers, head.challenges
        self.keep_alive, self._mode, self._remaining = head.keep_alive, head.mode, head.length
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
