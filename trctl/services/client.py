"""The one place that builds the official twilio.rest.Client (credentials, timeout, --api-url)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from trctl.errors import ConfigError
from trctl.services.liveness import LOCAL_HOSTS

if TYPE_CHECKING:
    from trctl.config import Settings

HOW_TO_GET_CREDENTIALS = (
    'for the emulator: eval "$(trctl emulator env)"; for Twilio: set TWILIO_ACCOUNT_SID and '
    "TWILIO_AUTH_TOKEN (or TWILIO_API_KEY and TWILIO_API_SECRET), or run `trctl profiles set "
    "NAME --account-sid AC...` or `twilio login`"
)


def is_twilio(api_url: str | None) -> bool:
    """Whether requests go to real TaskRouter: no --api-url, or an https one that is not local
    (plain http, or https on this machine, is the emulator or a test double)."""
    if not api_url:
        return True
    parts = urlsplit(api_url)
    return parts.scheme == "https" and (parts.hostname or "") not in LOCAL_HOSTS


def make_client(settings: Settings, new_http_client: Callable[..., Any]) -> Any:
    """A twilio Client with a request timeout; TaskRouter requests go to settings.api_url if set.

    new_http_client(timeout=, api_url=) makes the HttpClient it sends through (the run
    Environment's http_client: trctl's RetryingHttpClient with the run's clock).
    """
    account_sid = settings.account_sid
    if not account_sid:
        raise ConfigError("no Twilio account SID", hint=HOW_TO_GET_CREDENTIALS)
    if settings.api_key and settings.api_secret:
        username, password = settings.api_key, settings.api_secret
    elif settings.auth_token:
        username, password = account_sid, settings.auth_token
    else:
        raise ConfigError(
            f"no Twilio credentials for {account_sid} ({settings.source('account_sid')})",
            hint=HOW_TO_GET_CREDENTIALS,
        )
    from twilio.rest import Client

    client = Client(
        username,
        password,
        account_sid,
        http_client=new_http_client(timeout=settings.timeout, api_url=settings.api_url),
    )
    if settings.api_url:
        client.taskrouter.base_url = settings.api_url.rstrip("/")
    return client


def check_credentials(client: Any) -> dict[str, Any]:
    """Prove the client's credentials work by listing the account's workspaces (all pages)."""
    from trctl.services.errors import api_errors

    with api_errors():
        workspaces = client.taskrouter.v1.workspaces.list()
    return {
        "account_sid": client.account_sid,
        "api_url": client.taskrouter.base_url,
        "workspaces": len(workspaces),
    }
