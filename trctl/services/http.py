"""The HTTP client trctl gives twilio: a timeout always, bounded retries on 429 and 5xx."""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from typing import Any
from urllib.parse import urlsplit

from twilio.http.http_client import TwilioHttpClient

from trctl.errors import NetworkError
from trctl.services.reach import is_loopback

_log = logging.getLogger("trctl.http")

RETRYABLE_GET_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_ATTEMPTS = 5
MAX_TOTAL_SECONDS = 30.0
MAX_RETRY_AFTER_SECONDS = 10.0


def rebase(url: str, api_url: str | None) -> str:
    """A TaskRouter URL (e.g. Twilio's absolute next_page_url) moved onto api_url when one is set.

    Twilio answers pages with absolute https://taskrouter.twilio.com/... links and the SDK follows
    them verbatim; with --api-url they must go to the emulator, never to Twilio with our key.
    """
    if not api_url:
        return url
    parts = urlsplit(url)
    host = parts.hostname or ""
    if not (host.startswith("taskrouter.") and host.endswith(".twilio.com")):
        return url
    return api_url.rstrip("/") + parts.path + (f"?{parts.query}" if parts.query else "")


def retry_delay(attempt: int, retry_after: str | None, *, jitter: float) -> float:
    """Seconds to wait before retry number `attempt` (1-based): Retry-After wins, else backoff."""
    if retry_after:
        try:
            return min(max(float(retry_after), 0.0), MAX_RETRY_AFTER_SECONDS)
        except ValueError:
            pass
    return min(0.25 * (2 ** (attempt - 1)), 4.0) * (1.0 + jitter)


def check_answer(method: str, url: str, response: Any) -> Any:
    """The response, if it reads like TaskRouter's (JSON, or nothing); else a NetworkError that
    says what came instead, rather than a Twilio error code made up from a web page's status.

    Throttling and server errors (429, 5xx) stay API errors whatever their body: a proxy in
    front of TaskRouter answers those in HTML too."""
    text = response.text or ""
    if response.status_code in RETRYABLE_GET_STATUSES or response.status_code >= 500:
        return response
    if not text.strip() or text.lstrip()[:1] in ("{", "["):
        return response
    headers = response.headers or {}
    kind = str(headers.get("Content-Type") or headers.get("content-type") or "no content type")
    path = urlsplit(url).path
    raise NetworkError(
        f"the API answered {method.upper()} {path} with {response.status_code} {kind}",
        url=url,
        kind="answer",
        reason=f"{method.upper()} {path} answered {response.status_code} with "
        f"{kind.split(';')[0]} instead of JSON",
    )


class RetryingHttpClient(TwilioHttpClient):
    """GETs are retried on 429/5xx and on connection errors; writes only on 429 (never applied).

    Attempts and total time are bounded; `sleep` and `clock` (monotonic seconds) are the run
    Environment's clock, so a test's clock records the pauses instead of waiting them out.
    """

    def __init__(
        self,
        *,
        timeout: float,
        sleep: Callable[[float], None],
        clock: Callable[[], float],
        max_attempts: int = MAX_ATTEMPTS,
        max_total_seconds: float = MAX_TOTAL_SECONDS,
        api_url: str | None = None,
    ) -> None:
        super().__init__(timeout=timeout)
        self.api_url = api_url
        if api_url and is_loopback(api_url) and self.session is not None:
            # proxy variables and ~/.netrc mean nothing on this machine's loopback, and reading
            # them again for every request costs ~0.2 ms (a simulated day sends 50,000)
            self.session.trust_env = False
        self._sleep = sleep
        self._clock = clock
        self.max_attempts = max_attempts
        self.max_total_seconds = max_total_seconds
        self.attempts_made = 0
        # a context manager around each attempt (`busy("waiting for HOST")`): the CLI's spinner
        self.busy: Callable[[str], AbstractContextManager[None]] | None = None

    def _retryable(self, method: str, status: int) -> bool:
        if method.upper() == "GET":
            return status in RETRYABLE_GET_STATUSES
        return status == 429

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        import requests

        url = rebase(url, self.api_url)
        started = self._clock()
        attempt = 0
        while True:
            attempt += 1
            self.attempts_made += 1
            try:
                with self._busy(url):
                    response = super().request(method, url, *args, **kwargs)
            except requests.ConnectionError:
                # a server on this machine either listens or not: waiting would not change it
                local = is_loopback(url)
                if method.upper() != "GET" or local or not self._may_retry(attempt, started, None):
                    raise
                self._pause(attempt, None, f"{method.upper()} {url}: connection failed")
                continue
            if not self._retryable(method, response.status_code):
                return check_answer(method, url, response)
            retry_after = (response.headers or {}).get("Retry-After")
            if not self._may_retry(attempt, started, retry_after):
                return check_answer(method, url, response)
            self._pause(attempt, retry_after, f"{method.upper()} {url}: {response.status_code}")

    def _busy(self, url: str) -> AbstractContextManager[None]:
        if self.busy is None:
            return nullcontext()
        return self.busy(f"waiting for {urlsplit(url).netloc}")

    def _pause(self, attempt: int, retry_after: str | None, why: str) -> None:
        delay = retry_delay(attempt, retry_after, jitter=random.random() * 0.2)
        _log.info("%s; retry %d in %.2fs", why, attempt, delay)
        self._sleep(delay)

    def _may_retry(self, attempt: int, started: float, retry_after: str | None) -> bool:
        if attempt >= self.max_attempts:
            return False
        upcoming = retry_delay(attempt, retry_after, jitter=0.0)
        return self._clock() - started + upcoming <= self.max_total_seconds
