"""`trctl emulator clock [advance|set]`: show the emulator's clock, move a manual one forward."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from trctl.cli.context import get_app
from trctl.cli.output import Column, current_format, emit_one, info, out, output_options

if TYPE_CHECKING:
    from trctl.services.emulator_api import EmulatorApi

CLOCK_FIELDS = (Column("NOW", "now"), Column("MODE", "mode"))
MOVED_FIELDS = (*CLOCK_FIELDS, Column("TIMERS FIRED", "timers_fired"))


def emulator_api(what: str) -> EmulatorApi:
    """The emulator's own endpoints, at --api-url / TRCTL_API_URL (a usage error elsewhere)."""
    from trctl.services.emulator_api import EmulatorApi, emulator_url

    app = get_app()
    return EmulatorApi(app.client, emulator_url(app.settings.api_url, what))


@click.group("clock", invoke_without_command=True)
@output_options
@click.pass_context
def clock(ctx: click.Context) -> None:
    """Show the emulator's time, and whether its clock is manual.

    Started with `trctl emulator start --clock manual`, time stands still until `advance` or
    `set` moves it; every timer that falls due on the way (reservation and target timeouts,
    task TTL, retention) fires in order, with the events and callbacks it causes, before the
    command returns. The emulator is found as by every command (--api-url / TRCTL_API_URL).
    """
    if ctx.invoked_subcommand is not None:
        return
    shown = emulator_api("the clock").clock()
    record = {"now": shown["now"], "mode": shown["mode"]}
    if current_format() == "table":
        out(f"{record['now']} ({record['mode']} clock)")
    else:
        emit_one(record, CLOCK_FIELDS)


@clock.command("advance")
@click.argument("duration", metavar="DURATION")
@output_options
def clock_advance(duration: str) -> None:
    """Move a manual clock forward by DURATION (90s, 5m, 1h30m, 2d).

    A bare number is seconds."""
    from trctl.services.durations import parse_duration

    seconds = parse_duration(duration, what="DURATION")
    _moved(emulator_api("the clock").advance(seconds))


@clock.command("set")
@click.argument("moment", metavar="YYYY-MM-DDTHH:MM:SSZ")
@output_options
def clock_set(moment: str) -> None:
    """Move a manual clock forward to a moment; never back.

    The moment is in UTC unless it has an offset."""
    from trctl.services.durations import parse_moment

    _moved(emulator_api("the clock").set_clock(parse_moment(moment, what="the moment")))


def _moved(answer: dict[str, Any]) -> None:
    record = {key: answer[key] for key in ("now", "mode", "timers_fired", "callbacks_settled")}
    if not record["callbacks_settled"]:
        info("Warning: callbacks were still being delivered when the emulator stopped waiting")
    if current_format() == "table":
        fired = record["timers_fired"]
        out(f"{record['now']} ({record['mode']} clock): {fired} timer{'s' * (fired != 1)} fired")
    else:
        emit_one(record, MOVED_FIELDS)
