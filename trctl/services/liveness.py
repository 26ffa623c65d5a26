"""Whether a callback URL points at a local server that is no longer listening (the trace a
killed serve-callback leaves behind): one TCP connect to a loopback address, no HTTP."""

from __future__ import annotations

import socket
from urllib.parse import urlsplit

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
LOCAL_HOSTS = LOOPBACK_HOSTS | {"0.0.0.0"}  # an API URL on one of these needs no tunnel
CONNECT_SECONDS = 0.5
DEFAULT_PORTS = {"http": 80, "https": 443}


def is_local(url: str) -> bool:
    """An http(s) URL on this machine (loopback, localhost or 0.0.0.0)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme in DEFAULT_PORTS and (parts.hostname or "") in LOCAL_HOSTS


def listening(url: str) -> bool:
    """Something accepts TCP connections at the URL's host and port."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    host = "127.0.0.1" if host in ("0.0.0.0", "localhost") else host
    try:
        port = parts.port or DEFAULT_PORTS.get(parts.scheme, 80)
    except ValueError:
        return False
    try:
        with socket.create_connection((host, port), timeout=CONNECT_SECONDS):
            return True
    except OSError:
        return False


def dead_local(url: str) -> bool:
    """A local URL where nothing listens (a remote URL is never judged dead here)."""
    return bool(url) and is_local(url) and not listening(url)
