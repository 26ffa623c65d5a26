"""What to say when the API URL does not answer, or does not answer like TaskRouter: the URL,
where that setting came from, and on this machine how to start the emulator."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from trctl.errors import NetworkError, TrctlError
from trctl.services.liveness import LOCAL_HOSTS

if TYPE_CHECKING:
    from trctl.config import Settings

TWILIO_API_URL = "https://taskrouter.twilio.com"
START_EMULATOR = (
    "nothing listens there: start the emulator with `trctl emulator start`, "
    'then eval "$(trctl emulator env)"'
)


def is_loopback(url: str) -> bool:
    try:
        return (urlsplit(url).hostname or "") in LOCAL_HOSTS
    except ValueError:
        return False


def api_url_and_source(settings: Settings) -> str:
    """`http://127.0.0.1:7401 (API URL from env TRCTL_API_URL)`, or Twilio's when none is set."""
    if not settings.api_url:
        return f"{TWILIO_API_URL} (Twilio's: no --api-url, TRCTL_API_URL or profile api_url)"
    return f"{settings.api_url.rstrip('/')} (API URL from {settings.source('api_url')})"


def name_the_api(exc: TrctlError, settings: Settings | None) -> TrctlError:
    """A NetworkError about a request, retold with the API URL and its source; anything else,
    or without settings, as it is."""
    if not isinstance(exc, NetworkError) or exc.url is None or settings is None:
        return exc
    where = api_url_and_source(settings)
    local = is_loopback(settings.api_url or TWILIO_API_URL)
    if exc.kind == "connect":
        refused = "refused" in (exc.reason or "")
        hint = START_EMULATOR if local and refused else "check the network, or the API URL"
        return NetworkError(f"cannot reach {where}: {exc.reason}", hint=hint)
    if exc.kind == "timeout":
        return NetworkError(
            f"{where} did not answer within {settings.timeout:g} s",
            hint="check the API URL, or retry; TRCTL_TIMEOUT sets the limit",
        )
    if exc.kind == "answer":
        return NetworkError(
            f"{where} does not answer like TaskRouter: {exc.reason}",
            hint="is it the emulator's or TaskRouter's address?",
        )
    return exc
