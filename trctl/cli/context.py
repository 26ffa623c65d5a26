"""The per-invocation context object: global flags, settings and the API client, built lazily."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from trctl.config import Settings


class AppContext:
    """Global options of the root group; settings and client are created on first use.

    A plain class rather than a dataclass: it is built on every run, `--help` included, and
    the dataclasses import and class generation cost startup time.
    """

    def __init__(
        self,
        debug: bool = False,
        profile: str | None = None,
        workspace: str | None = None,
        api_url: str | None = None,
        account_sid: str | None = None,
    ) -> None:
        self.debug = debug
        self.profile = profile
        self.workspace = workspace
        self.api_url = api_url
        self.account_sid = account_sid
        self._settings: Settings | None = None
        self._client: Any = None

    def __repr__(self) -> str:
        return f"AppContext(debug={self.debug!r}, flags={self.flags()!r})"

    def flags(self) -> dict[str, str | None]:
        return {
            "profile": self.profile,
            "workspace": self.workspace,
            "api_url": self.api_url,
            "account_sid": self.account_sid,
        }

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            from trctl.config import load_settings

            self._settings = load_settings(self.flags())
            _register_secrets(self._settings)
        return self._settings

    @property
    def client(self) -> Any:
        """The official twilio.rest.Client, pointed at --api-url when given."""
        if self._client is None:
            from trctl.services.client import make_client

            self._client = make_client(self.settings)
        return self._client


def _register_secrets(settings: Settings) -> None:
    """Tell the redactor every secret in effect, so no message or debug log can show one."""
    from trctl.redact import REDACTOR

    REDACTOR.add(*settings.secrets())
    REDACTOR.add_basic_auth(settings.account_sid, settings.auth_token)
    REDACTOR.add_basic_auth(settings.api_key, settings.api_secret)


def get_app(ctx: click.Context | None = None) -> AppContext:
    """The AppContext of the running command (a fresh one outside the root group)."""
    ctx = ctx or click.get_current_context()
    app = ctx.find_object(AppContext)
    if app is None:
        app = ctx.ensure_object(AppContext)
    return app
