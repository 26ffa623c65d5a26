"""`trctl config show|check`: the effective settings and their sources; prove credentials work."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from trctl.cli.context import get_app
from trctl.cli.output import Column, emit, emit_one, output_options

if TYPE_CHECKING:
    from trctl.config import Settings


@click.group("config")
def config() -> None:
    """Show the settings in effect and check the credentials."""


def settings_records(settings: Settings) -> list[dict[str, Any]]:
    """One record per setting: name, value (secrets masked) and where it came from."""
    from trctl.config import ENV_VARS, SECRET_SETTINGS, mask

    records = []
    for name in ENV_VARS:
        value = settings.get(name)
        shown = mask(value) if name in SECRET_SETTINGS and value else value
        source = settings.source(name)
        if name == "timeout" and value is None:
            shown, source = f"{settings.timeout:g}", "default"
        records.append({"setting": name, "value": shown, "source": source})
    records.append(
        {"setting": "rest_auth", "value": _rest_auth(settings), "source": "derived"},
    )
    return records


def _rest_auth(settings: Settings) -> str | None:
    if not settings.account_sid:
        return None
    if settings.uses_api_key:
        return "api key + secret"
    if settings.auth_token:
        return "account sid + auth token"
    return None


@config.command("show")
@output_options
def config_show() -> None:
    """Print every effective setting and where it came from.

    Secrets are masked.
    """
    settings = get_app().settings
    emit(
        settings_records(settings),
        [
            Column("SETTING", "setting", keep=True),
            Column("VALUE", "value", rank=3),
            Column("SOURCE", "source", rank=2),
        ],
    )


@config.command("check")
@output_options
def config_check() -> None:
    """Prove the credentials work: list the account's workspaces."""
    from trctl.services.client import check_credentials

    app = get_app()
    result = check_credentials(app.client)
    result["rest_auth"] = _rest_auth(app.settings)
    emit_one(
        result,
        [
            Column("account sid", "account_sid"),
            Column("api url", "api_url"),
            Column("auth", "rest_auth"),
            Column("workspaces", "workspaces"),
        ],
    )
