"""Translate twilio and requests exceptions into TrctlErrors with one-line messages."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from http import HTTPStatus

from trctl.errors import ApiError, ConfigError, NetworkError, NotFoundError, TrctlError

DOCS_URL = "https://www.twilio.com/docs/errors/{code}"
_PREFIX = re.compile(r"^Unable to \w+ record:\s*")


def _rest_error(status: int, code: int | None, message: str) -> TrctlError:
    message = _PREFIX.sub("", " ".join(str(message).split())) or "request failed"
    shown_code = code or status
    text = f"TaskRouter {status} ({shown_code}): {message} - {DOCS_URL.format(code=shown_code)}"
    if status in (401, 403):
        return ConfigError(text, hint="check TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN or API key")
    if status == 404:
        return NotFoundError(text)
    return ApiError(text, status=status, code=code)


def translate_exception(exc: BaseException) -> TrctlError | None:
    """The TrctlError for a twilio or requests exception, or None if it is neither."""
    if isinstance(exc, TrctlError):
        return exc
    from twilio.base.exceptions import TwilioException, TwilioRestException

    if isinstance(exc, TwilioRestException):
        return _rest_error(int(exc.status), exc.code, exc.msg)
    service_exception = _service_exception_type()
    if service_exception is not None and isinstance(exc, service_exception):
        status = int(getattr(exc, "status", 0) or 0)
        code = getattr(exc, "code", None)
        detail = getattr(exc, "detail", None) or getattr(exc, "title", None) or str(exc)
        return _rest_error(status, code, detail)
    if isinstance(exc, TwilioException):
        page_error = _page_error(exc)
        if page_error is not None:
            return page_error
        return ConfigError(
            " ".join(str(exc.args[0] if exc.args else exc).split()) or "twilio error"
        )
    import requests

    url = getattr(getattr(exc, "request", None), "url", None)
    if isinstance(exc, requests.Timeout):
        return NetworkError(
            "TaskRouter did not answer in time",
            hint="check --api-url or retry",
            url=url,
            kind="timeout",
            reason="did not answer in time",
        )
    if isinstance(exc, requests.ConnectionError):
        reason = _short_reason(exc)
        return NetworkError(
            f"cannot reach the TaskRouter API ({reason})",
            hint="check the network or --api-url / TRCTL_API_URL",
            url=url,
            kind="connect",
            reason=reason,
        )
    if isinstance(exc, requests.RequestException):
        return NetworkError(f"HTTP request failed: {_short_reason(exc)}")
    return None


def _page_error(exc: BaseException) -> TrctlError | None:
    """List calls raise TwilioException("Unable to fetch page", response): read the response."""
    response = next((a for a in exc.args if hasattr(a, "status_code") and hasattr(a, "text")), None)
    if response is None:
        return None
    status = int(response.status_code)
    try:
        body = json.loads(response.text)
    except (TypeError, ValueError):
        body = None
    code = None
    message = _reason(status)
    if isinstance(body, dict):
        raw_code = body.get("code")
        code = raw_code if isinstance(raw_code, int) else None
        message = str(body.get("message") or body.get("detail") or body.get("title") or message)
    return _rest_error(status, code, message)


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "request failed"


def _service_exception_type() -> type[BaseException] | None:
    from twilio.base import exceptions

    return getattr(exceptions, "TwilioServiceException", None)


def _short_reason(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    for marker in ("Connection refused", "Name or service not known", "timed out"):
        if marker in text:
            return marker.lower()
    return text[:160]


@contextmanager
def api_errors() -> Iterator[None]:
    """Run a block of twilio calls; any twilio/requests failure leaves as a TrctlError."""
    try:
        yield
    except TrctlError:
        raise
    except Exception as exc:
        translated = translate_exception(exc)
        if translated is None:
            raise
        raise translated from exc
