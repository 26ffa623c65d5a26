"""Delivering one signed TaskRouter callback over HTTP; answers.py reads what came back."""

from __future__ import annotations

import base64
import http.client
import socket
import time
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit

from trctl.emulator.delivery.signing import SIGNATURE_HEADER, compute_signature, signing_url

MAX_BODY_BYTES = 64 * 1024
USER_AGENT = "TwilioProxy/1.1"
IDEMPOTENCY_HEADER = "I-Twilio-Idempotency-Token"
_READ_CHUNK = 8192
# Connection-override bounds in milliseconds (Twilio's documented ranges).
_OVERRIDE_RANGES = {"ct": (100, 10_000), "rt": (100, 15_000), "tt": (100, 15_000)}


@dataclass(frozen=True)
class CallbackResult:
    """What came back from one callback POST; `error` is set when no complete answer arrived."""

    url: str
    status: int | None
    content_type: str | None
    body: str
    elapsed: float
    error: str | None


@dataclass(frozen=True)
class _Timeouts:
    connect: float
    read: float
    total: float


def _is_ascii_digits(text: str) -> bool:
    """True for "0".."9" only (str.isdigit also accepts "²", which int() rejects)."""
    return text.isascii() and text.isdigit()


def _override_seconds(overrides: Mapping[str, str], name: str, default: float) -> float:
    """One `#ct=`/`#rt=`/`#tt=` override in seconds; absent or out-of-range values are ignored."""
    raw = overrides.get(name, "")
    low, high = _OVERRIDE_RANGES[name]
    if _is_ascii_digits(raw) and low <= int(raw) <= high:
        return int(raw) / 1000
    return default


def callback_timeouts(url: str, default: float) -> _Timeouts:
    """Timeouts for `url`: `default` everywhere unless the fragment carries connection overrides."""
    overrides = dict(parse_qsl(urlsplit(url).fragment))
    total = _override_seconds(overrides, "tt", default)
    return _Timeouts(
        connect=min(_override_seconds(overrides, "ct", total), total),
        read=min(_override_seconds(overrides, "rt", total), total),
        total=total,
    )


def callback_retries(url: str, default: int = 1) -> int:
    """How many times a failed delivery may be retried: the fragment's `#rc=` (0-5), else default.

    post_callback itself sends once; the caller (the outbox) owns retries and their timing.
    """
    try:
        raw = dict(parse_qsl(urlsplit(url).fragment)).get("rc", "")
    except ValueError:
        return default
    if _is_ascii_digits(raw) and int(raw) <= 5:
        return int(raw)
    return default


def credentials_in(url: str) -> tuple[str, str] | None:
    """(user, password) from `http://user:pass@host/...`, percent-decoded; None without userinfo."""
    parts = urlsplit(url.partition("#")[0])
    if parts.username is None:
        return None
    return unquote(parts.username), unquote(parts.password or "")


def basic_authorization(credentials: tuple[str, str]) -> str:
    token = base64.b64encode(f"{credentials[0]}:{credentials[1]}".encode()).decode("ascii")
    return f"Basic {token}"


def offers_basic(challenges: list[str]) -> bool:
    return any(challenge.strip().lower().startswith("basic") for challenge in challenges)


@dataclass
class _Response:
    status: int
    content_type: str | None
    challenges: list[str]
    body: bytes
    oversized: bool


class _Deadline:
    """A monotonic deadline shared by both attempts of one delivery."""

    def __init__(self, seconds: float) -> None:
        self._end = time.monotonic() + seconds

    def remaining(self) -> float:
        left = self._end - time.monotonic()
        if left <= 0:
            raise TimeoutError("timed out")
        return left


def _send(
    target: str, body: bytes, headers: Mapping[str, str], timeouts: _Timeouts, deadline: _Deadline
) -> _Response:
    """One POST with http.client (header case kept, no proxies, no redirects followed)."""
    parts = urlsplit(target)
    connection_class = (
        http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    )
    host = parts.hostname or ""
    connection = connection_class(
        host, parts.port, timeout=min(timeouts.connect, deadline.remaining())
    )
    try:
        connection.connect()
        sock = connection.sock  # the response keeps using it after http.client lets go of it
        sock.settimeout(min(timeouts.read, deadline.remaining()))
        selector = parts.path + (f"?{parts.query}" if parts.query else "")
        connection.request("POST", selector, body=body, headers=dict(headers))
        response = connection.getresponse()
        chunks: list[bytes] = []
        size = 0
        while size <= MAX_BODY_BYTES and not response.isclosed():
            sock.settimeout(min(timeouts.read, deadline.remaining()))
            chunk = response.read(_READ_CHUNK)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        data = b"".join(chunks)
        return _Response(
            status=response.status,
            content_type=response.getheader("Content-Type"),
            challenges=response.headers.get_all("WWW-Authenticate") or [],
            body=data[:MAX_BODY_BYTES],
            oversized=len(data) > MAX_BODY_BYTES,
        )
    finally:
        connection.close()


def describe_failure(exc: BaseException) -> str:
    """A one-line reason for a failed delivery (never contains the URL or credentials)."""
    if isinstance(exc, (TimeoutError, socket.timeout)):
        return "timed out"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, http.client.HTTPException):
        return f"bad HTTP response ({type(exc).__name__})"
    reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    return f"connection failed: {reason}"


# the headers every callback POST carries, whatever it says
FIXED_HEADERS = {
    "Content-Type": "application/x-www-form-urlencoded",
    "Accept": "*/*",
    "User-Agent": USER_AGENT,
}


def signed_headers(
    target: str, params: Mapping[str, str], auth_token: str, idempotency_token: str
) -> dict[str, str]:
    """The headers particular to one callback POST to the signed URL `target`: the signature
    and the idempotency token."""
    return {
        SIGNATURE_HEADER: compute_signature(auth_token, target, params),
        IDEMPOTENCY_HEADER: idempotency_token,
    }


def callback_headers(
    target: str, params: Mapping[str, str], auth_token: str, idempotency_token: str
) -> dict[str, str]:
    """The headers of a callback POST to the signed URL `target`: form type, Twilio's user
    agent, the signature and the idempotency token."""
    return {**FIXED_HEADERS, **signed_headers(target, params, auth_token, idempotency_token)}


UNSUPPORTED_URL = "unsupported callback URL (need http:// or https://)"


def post_callback(
    url: str,
    params: Mapping[str, str],
    *,
    auth_token: str,
    idempotency_token: str,
    timeout: float = 5.0,
) -> CallbackResult:
    """POST `params` form-encoded to `url`, signed with `auth_token`; never raises.

    Credentials in the URL are sent only after a `401` with a Basic challenge (as Twilio does).
    The result's `url` is the signed URL: no userinfo, no fragment.
    """
    started = time.monotonic()
    try:
        target = signing_url(url)
        parts = urlsplit(target)
    except ValueError:
        target, parts = "", None

    def finished(
        status: int | None, content_type: str | None, body: str, error: str | None
    ) -> CallbackResult:
        elapsed = time.monotonic() - started
        return CallbackResult(target, status, content_type, body, elapsed, error)

    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        return finished(None, None, "", UNSUPPORTED_URL)
    headers = callback_headers(target, params, auth_token, idempotency_token)
    headers["Connection"] = "close"
    body = urlencode(list(params.items()), doseq=True).encode("utf-8")
    try:
        timeouts = callback_timeouts(url, timeout)
        deadline = _Deadline(timeouts.total)
        response = _send(target, body, headers, timeouts, deadline)
        credentials = credentials_in(url)
        if response.status == 401 and credentials and offers_basic(response.challenges):
            headers["Authorization"] = basic_authorization(credentials)
            response = _send(target, body, headers, timeouts, deadline)
    except (OSError, ValueError, http.client.HTTPException) as exc:
        return finished(None, None, "", describe_failure(exc))
    text = response.body.decode("utf-8", errors="replace")
    error = f"response body larger than {MAX_BODY_BYTES} bytes" if response.oversized else None
    return finished(response.status, response.content_type, text, error)
