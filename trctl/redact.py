"""Secret redaction for logs and messages: secret values, Authorization headers, URL passwords."""

from __future__ import annotations

import base64
import logging
import re
import sys
import threading
from collections.abc import Iterable
from typing import TextIO

MASK = "***"
MIN_SECRET_LENGTH = 4  # shorter "secrets" would mangle ordinary text; real ones are 32+ chars
DEBUG_LOGGERS = ("twilio", "trctl", "urllib3", "pyngrok", "http.server")
_AUTH_HEADER = re.compile(r"(?i)\b((?:proxy-)?authorization['\"]?\s*[:=]\s*['\"]?)[^'\"\r\n,}]+")
_URL_USERINFO = re.compile(r"(?i)(\b[a-z][a-z0-9+.-]*://)[^/@\s:]+:[^/@\s]*@")


class Redactor(logging.Filter):
    """A logging filter (and text scrubber) that replaces known secrets with ***."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self._secrets: tuple[str, ...] = ()
        self.add(*secrets)

    def add(self, *secrets: str | None) -> None:
        """Remember secret values; longest first so a secret containing another is fully hidden."""
        fresh = {s for s in secrets if s and len(s) >= MIN_SECRET_LENGTH}
        with self._lock:
            merged = set(self._secrets) | fresh
            self._secrets = tuple(sorted(merged, key=len, reverse=True))

    def add_basic_auth(self, username: str | None, password: str | None) -> None:
        """Also hide the password and its HTTP Basic encoding (base64 of "user:password")."""
        if not username or not password:
            return
        token = base64.b64encode(f"{username}:{password}".encode()).decode("ascii")
        self.add(password, token)

    def clear(self) -> None:
        with self._lock:
            self._secrets = ()

    def redact(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, MASK)
        text = _AUTH_HEADER.sub(lambda m: m.group(1) + MASK, text)
        return _URL_USERINFO.sub(lambda m: m.group(1) + MASK + "@", text)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        record.msg = self.redact(message)
        record.args = None
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        return True


REDACTOR = Redactor()
"""The process-wide redactor: settings register their secrets here as they load."""


def register_secrets(*secrets: str | None) -> None:
    REDACTOR.add(*secrets)


def redact(text: str) -> str:
    """The text with every registered secret, Authorization value and URL password hidden."""
    return REDACTOR.redact(text)


class _RedactingHandler(logging.Handler):
    """trctl's debug handler: writes to the current sys.stderr (or a given stream)."""

    def __init__(self, stream: TextIO | None = None) -> None:
        super().__init__()
        self._stream = stream

    def emit(self, record: logging.LogRecord) -> None:
        try:
            stream = self._stream or sys.stderr
            stream.write(self.format(record) + "\n")
            stream.flush()
        except Exception:
            self.handleError(record)


def enable_debug_logging(stream: TextIO | None = None) -> logging.Handler:
    """INFO logs of twilio.http_client (and friends) to stderr, through the redactor."""
    root = logging.getLogger()
    for handler in root.handlers:
        if isinstance(handler, _RedactingHandler):
            return handler
    handler = _RedactingHandler(stream)
    handler.addFilter(REDACTOR)
    handler.setFormatter(logging.Formatter("debug: %(name)s: %(message)s"))
    root.addHandler(handler)
    for name in DEBUG_LOGGERS:
        logger = logging.getLogger(name)
        logger.setLevel(logging.INFO)
        if REDACTOR not in logger.filters:
            logger.addFilter(REDACTOR)
    return handler


def disable_debug_logging() -> None:
    """Undo enable_debug_logging (tests run many commands in one process)."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if isinstance(handler, _RedactingHandler):
            root.removeHandler(handler)
    for name in DEBUG_LOGGERS:
        logger = logging.getLogger(name)
        logger.setLevel(logging.NOTSET)
        logger.removeFilter(REDACTOR)
