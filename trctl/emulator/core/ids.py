"""SID generators: random (prefix + 32 hex) by default, sequential for reproducible tests."""

from __future__ import annotations

import itertools
import re
import secrets
import threading
from collections.abc import Callable

SidFactory = Callable[[str], str]

SID_RE = re.compile(r"^[A-Z]{2}[0-9a-fA-F]{32}$")


def random_sid(prefix: str) -> str:
    """A Twilio-shaped SID: two-letter prefix and 32 random hex digits."""
    return prefix + secrets.token_hex(16)


class SequentialSids:
    """Deterministic SIDs: WS000...001, WK000...002, ... (one counter for all prefixes)."""

    def __init__(self, start: int = 1) -> None:
        self._counter = itertools.count(start)
        self._lock = threading.Lock()

    def __call__(self, prefix: str) -> str:
        with self._lock:
            return f"{prefix}{next(self._counter):032x}"


def looks_like(sid: str, prefix: str) -> bool:
    """True when sid is prefix + 32 hex digits."""
    return sid.startswith(prefix) and bool(SID_RE.match(sid))
