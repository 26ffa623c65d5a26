"""The per-invocation context object: the run Environment, global flags, settings and client."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from trctl.cli.environment import Environment

if TYPE_CHECKING:
    from trctl.config import Settings


class AppContext:
    """The run Environment and the root group's options; settings and client on first use.

    A plain class rather than a dataclass: it is built on every run, `--help` included, and
    the dataclasses import and class generation cost startup time.
    """

    def __init__(
        self,
        env: Environment | None = None,
        *,
        debug: bool = False,
        profile: str | None = None,
        workspace: str | None = None,
        api_url: str | None = None,
        account_sid: str | None = None,
    ) -> None:
        self.env = Environment() if env is None else env
        self.debug = debug
        self.profile = profile
        self.workspace = workspace
        self.api_url = api_url
        self.account_sid = account_sid
        self._settings: Settings | None = None
        self._client: Any = None
        self._spinner: Any = None
        self.show_progress = True  # a full-screen command turns the stderr spinner off

    def __repr__(self) -> str:
        return f"AppContext(debug={self.debug!r}, flags={self.flags()!r}, env={self.env!r})"

    def flags(self) -> dict[str, str | None]:
        return {
            "profile": self.profile,
            "workspace": self.workspace,
            "api_url": self.api_url,
            "account_sid": self.account_sid,
        }

    def forget_settings(self) -> None:
        """A flag changed after the settings were read (one given after the command)."""
        self._settings = None
        self._client = None

    @property
    def settings_if_read(self) -> Settings | None:
        """The settings if a command read them (so no error is raised here)."""
        return self._settings

    @property
    def settings(self) -> Settings:
        """Settings from the flags and the Environment's variables (then the profiles)."""
        if self._settings is None:
            from trctl.config import load_settings

            self._settings = load_settings(self.flags(), self.env.environ)
            _register_secrets(self._settings)
        return self._settings

    @property
    def client(self) -> Any:
        """The official twilio.rest.Client, pointed at --api-url when given, sending through
        the Environment's HTTP transport."""
        if self._client is None:
            from trctl.services.client import make_client

            self._client = make_client(self.settings, self._http_client)
        return self._client

    def _http_client(self, **options: Any) -> Any:
        """The Environment's HTTP client, showing the spinner while a request waits."""
        http = self.env.http_client(**options)
        spinner = self.spinner
        if spinner is not None and hasattr(http, "busy"):
            http.busy = spinner.busy
        return http

    @property
    def spinner(self) -> Any:
        """The stderr spinner (trctl.cli.spinner), on a terminal only; None otherwise."""
        if self._spinner is None and self.show_progress and self.env.stderr_isatty:
            from trctl.cli.spinner import Spinner

            self._spinner = Spinner(self.env.stderr, self.env.clock, width=self.env.width)
        return self._spinner

    def close(self) -> None:
        """End of the run: the spinner's line is erased and its thread stopped."""
        if self._spinner is not None:
            self._spinner.close()


def _register_secrets(settings: Settings) -> None:
    """Tell the redactor every secret in effect, so no message or debug log can show one."""
    from trctl.redact import REDACTOR

    REDACTOR.add(*settings.secrets())
    REDACTOR.add_basic_auth(settings.account_sid, settings.auth_token)
    REDACTOR.add_basic_auth(settings.api_key, settings.api_secret)


def get_app(ctx: click.Context | None = None) -> AppContext:
    """The AppContext of the running command. Outside the root group (a command invoked on
    its own) one is made around the Environment given as the context's obj, else the process's.
    """
    ctx = ctx or click.get_current_context()
    app = ctx.find_object(AppContext)
    if app is None:
        app = AppContext(ctx.find_object(Environment))
        ctx.obj = app
    return app
