"""`trctl emulator start|env|reset`: run and manage the offline TaskRouter emulator."""

from __future__ import annotations

from functools import partial

import click

from trctl.cli.clock import clock
from trctl.cli.deliveries import deliveries
from trctl.cli.faults import faults
from trctl.cli.params import FilePath
from trctl.errors import ConfigError, ListenError, UsageError
from trctl.vocab.limits import BY_NAME, parse_overrides

KEEP_FINISHED_HELP = (
    "Keep finished tasks, events and delivered callbacks forever (TaskRouter deletes a task 5 "
    "minutes after it ends, events after 30 days)."
)
RETENTION_HELP = (
    "For load tests: delete finished tasks, events and delivered callbacks after SECONDS instead."
)
LIMITS_HELP = (
    "For load tests: raise TaskRouter's per-workspace limits, e.g. workers=200000,tasks=1000000 "
    f"(names: {', '.join(BY_NAME)}), or 'none'."
)
CLOCK_HELP = (
    "real: the system clock. manual: time stands still until `trctl emulator clock advance` "
    "or `clock set` moves it; every timer due on the way fires in order."
)
TOKEN_HELP = (
    "Auth token clients must use [env TRCTL_EMULATOR_AUTH_TOKEN; prefer the env var: "
    "arguments are visible to other users in ps]."
)


def _db_option(func):  # type: ignore[no-untyped-def]
    return click.option(
        "--db",
        "db",
        metavar="FILE",
        type=FilePath(),
        help="SQLite store (default: $XDG_DATA_HOME/trctl/emulator.db, or TRCTL_DATA_DIR).",
    )(func)


def _db_path(db: str | None) -> str:
    from trctl.emulator.runner import default_db_path

    return db or str(default_db_path())


@click.group()
def emulator() -> None:
    """Run the offline TaskRouter emulator.

    The official twilio SDK works against it unmodified.
    """


emulator.add_command(clock)
emulator.add_command(faults)
emulator.add_command(deliveries)


@emulator.command("start")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option("--port", default=7401, show_default=True, type=click.IntRange(0, 65535),
              envvar="TRCTL_EMULATOR_PORT",
              help="Port (0 picks a free one) [env TRCTL_EMULATOR_PORT].")  # fmt: skip
@_db_option
@click.option(
    "--memory",
    is_flag=True,
    help="Keep everything in memory (lost on exit); use the export lines printed here, since "
    "`trctl emulator env` reads only a store file.",
)
@click.option("--account-sid", metavar="AC...", help="Account SID clients must use.")
@click.option("--auth-token", metavar="TOKEN", envvar="TRCTL_EMULATOR_AUTH_TOKEN", help=TOKEN_HELP)
@click.option("--quiet", is_flag=True, help="No request log.")
@click.option(
    "--log-format",
    metavar="text|json",
    default="text",
    show_default=True,
    help="The request log: a line, or a JSON object, per request and callback.",
)
@click.option("--keep-finished", is_flag=True, help=KEEP_FINISHED_HELP)
@click.option(
    "--retention",
    type=click.FloatRange(min=0, min_open=True),
    metavar="SECONDS",
    help=RETENTION_HELP,
)
@click.option("--limits", metavar="NAME=N,...", help=LIMITS_HELP)
@click.option(
    "--clock",
    "clock_mode",
    type=click.Choice(["real", "manual"]),
    default="real",
    show_default=True,
    help=CLOCK_HELP,
)
@click.option(
    "--faults",
    "faults_file",
    metavar="FILE",
    type=FilePath(),
    help="Fault rules (TOML or JSON) in force from the start; see `trctl emulator faults`.",
)
def emulator_start(
    host: str,
    port: int,
    db: str | None,
    memory: bool,
    account_sid: str | None,
    auth_token: str | None,
    quiet: bool,
    log_format: str,
    keep_finished: bool,
    retention: float | None,
    limits: str | None,
    clock_mode: str,
    faults_file: str | None,
) -> None:
    """Start the emulator and print the export lines a client needs.

    Ctrl-C stops it.

    Then, on stderr, one line per API request (time, method, path, status, milliseconds) and
    per callback delivery (URL, status, milliseconds, the instruction answered).
    """
    if memory and db:
        raise UsageError("--db and --memory exclude each other")
    if keep_finished and retention is not None:
        raise UsageError("--keep-finished and --retention exclude each other")
    if account_sid and not (account_sid.startswith("AC") and len(account_sid) == 34):
        raise UsageError("--account-sid must be AC followed by 32 hex digits")
    try:
        raised = parse_overrides(limits) if limits is not None else None
    except ValueError as exc:
        raise UsageError(f"--limits: {exc}") from None
    from trctl.cli.context import get_app
    from trctl.cli.output import info, out
    from trctl.emulator.core.owner import StoreBusy
    from trctl.emulator.requestlog import FORMATS, printer
    from trctl.emulator.runner import serve

    if log_format not in FORMATS:
        raise UsageError(f"--log-format must be one of: {', '.join(FORMATS)}")
    rules = None
    if faults_file is not None:
        from trctl.emulator.faults import FaultError, load_rules

        try:
            rules = load_rules(faults_file)
        except FaultError as exc:
            raise UsageError(f"--faults {exc}") from exc
    # written from the server's threads, outside click's context: the stream is taken now
    write_log = partial(click.echo, file=get_app().env.stderr)
    try:
        serve(
            db_path=":memory:" if memory else _db_path(db),
            host=host,
            port=port,
            account_sid=account_sid,
            auth_token=auth_token,
            keep_finished=keep_finished,
            retention=retention,
            limits=raised,
            clock=clock_mode,
            faults=rules,
            out=out,
            note=info,
            log=None if quiet else printer(write_log, log_format),
        )
    except StoreBusy as exc:
        raise ConfigError(f"cannot start the emulator: {exc}") from None
    except OSError as exc:
        raise ListenError.binding(host, port, exc) from exc


@emulator.command("env")
@_db_option
@click.option(
    "--api-key",
    is_flag=True,
    help="Also print TWILIO_API_KEY/TWILIO_API_SECRET (the emulator's API key; clients prefer it).",
)
def emulator_env(db: str | None, api_key: bool) -> None:
    """Print export lines for the emulator's credentials and URL.

    Use it as eval "$(trctl emulator env)". Warns on stderr when no emulator answers at that
    URL (a TCP connect on this machine).
    """
    from pathlib import Path

    from trctl.cli.output import info, out
    from trctl.emulator.runner import answering, export_lines, stored_env

    env = stored_env(Path(_db_path(db)), api_key=api_key)
    out(export_lines(env), nl=False)
    url = env["TRCTL_API_URL"]
    if answering(url) is False:
        info(f"Warning: no emulator answers at {url}; start one with `trctl emulator start`")


@emulator.command("reset")
@_db_option
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def emulator_reset(db: str | None, yes: bool) -> None:
    """Delete every workspace, task and event in the store.

    The credentials are kept.
    """
    from pathlib import Path

    from trctl.cli.output import info
    from trctl.emulator.runner import reset

    path = Path(_db_path(db))
    if not path.exists():
        info(f"nothing to reset: {path} does not exist")
        return
    if not yes:
        click.confirm(f"Empty the emulator store {path}?", abort=True, err=True)
    reset(path)
    info(f"emptied {path}")
