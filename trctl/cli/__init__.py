"""The trctl command line: the root group, global options and the one error funnel."""

from __future__ import annotations

import os
import sys
from typing import Any

import click
from click.exceptions import Exit

from trctl import __version__
from trctl.cli.context import AppContext, get_app
from trctl.cli.environment import Environment
from trctl.cli.global_options import adopt_global_options, enable_debug, root_options
from trctl.cli.lazy import LazyGroup
from trctl.cli.registry import ALIASES, COMMANDS, SUMMARIES
from trctl.errors import TrctlError


def _fail(app: AppContext, message: str, code: int, *, traceback: bool = True) -> Exit:
    """Print the one error line (after the traceback with --debug or TRCTL_DEBUG); the exit."""
    from trctl.redact import redact

    if traceback and (app.debug or app.env.debug):
        from traceback import format_exc

        click.echo(redact(format_exc()).rstrip("\n"), file=app.env.stderr)
    click.echo(f"Error: {redact(message)}", file=app.env.stderr)
    return Exit(code)


def _translate_unexpected(exc: BaseException) -> TrctlError | None:
    """Map twilio/requests exceptions that escaped a service to a TrctlError."""
    if not any(name in sys.modules for name in ("twilio", "requests")):
        return None
    from trctl.services.errors import translate_exception

    return translate_exception(exc)


def _name_the_api(app: AppContext, exc: TrctlError) -> TrctlError:
    """A network failure of a request, retold with the API URL and where it was set."""
    if getattr(exc, "url", None) is None:
        return exc
    from trctl.services.reach import name_the_api

    return name_the_api(exc, app.settings_if_read)


PIPE_CLOSED_EXIT = 141  # 128 + SIGPIPE, what a shell tool killed by a closed pipe returns


def _silence_stdout(stdout: Any) -> None:
    """Point stdout at /dev/null, so flushing it on exit cannot fail a second time."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, stdout.fileno())
    except (OSError, ValueError):  # not a real file (e.g. a test runner's buffer)
        pass


class RootGroup(LazyGroup):
    """The root group: every failure below it becomes one line on stderr and an exit code."""

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        command = super().get_command(ctx, cmd_name)
        if command is not None:
            adopt_global_options(command)
        return command

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except TrctlError as exc:
            told = _name_the_api(get_app(ctx), exc)
            raise _fail(get_app(ctx), told.one_line(), told.exit_code) from exc
        except KeyboardInterrupt as exc:
            raise _fail(get_app(ctx), "interrupted", 130, traceback=False) from exc
        except BrokenPipeError as exc:
            _silence_stdout(get_app(ctx).env.stdout)  # the reader left (`trctl tasks list | head`)
            raise click.exceptions.Exit(PIPE_CLOSED_EXIT) from exc
        except Exception as exc:
            translated = _translate_unexpected(exc)
            if translated is not None:
                translated = _name_the_api(get_app(ctx), translated)
                message, code = translated.one_line(), translated.exit_code
            else:
                message, code = (
                    f"unexpected {type(exc).__name__}: {' '.join(str(exc).split())}"
                    " (run with --debug for the traceback)",
                    1,
                )
            raise _fail(get_app(ctx), message, code) from exc

    def main(  # type: ignore[override]
        self,
        args: list[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        environment: Environment | None = None,
        **extra: Any,
    ) -> Any:
        """Run trctl in the given Environment (the process's when None), which becomes the
        context's obj for the root callback to put into the AppContext."""
        environment = Environment() if environment is None else environment
        stderr = environment.stderr
        try:
            result = super().main(
                args=args,
                prog_name=prog_name or "trctl",
                complete_var=complete_var,
                standalone_mode=False,
                obj=environment,
                **extra,
            )
            code = result if isinstance(result, int) else 0
        except click.exceptions.NoArgsIsHelpError as exc:
            click.echo(exc.format_message(), file=stderr)  # a group run bare: its help, as click
            code = exc.exit_code
        except click.UsageError as exc:
            where = exc.ctx.command_path if exc.ctx else "trctl"
            click.echo(f"Error: {exc.format_message()} (see '{where} --help')", file=stderr)
            code = exc.exit_code
        except click.ClickException as exc:
            click.echo(f"Error: {exc.format_message()}", file=stderr)
            code = exc.exit_code
        except click.Abort:
            click.echo("Error: aborted", file=stderr)
            code = 130
        if not standalone_mode:
            return code
        sys.exit(code)


@click.group(
    cls=RootGroup,
    lazy_commands=COMMANDS,
    aliases=ALIASES,
    summaries=SUMMARIES,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.version_option(__version__, "--version", prog_name="trctl")
@root_options
@click.pass_context
def root(
    ctx: click.Context,
    debug: bool,
    profile: str | None,
    workspace: str | None,
    api_url: str | None,
    account_sid: str | None,
) -> None:
    """Twilio TaskRouter from the terminal, with an offline emulator.

    Settings come from flags (a profile named with --profile counts as one), then TWILIO_* /
    TRCTL_* environment variables, then the active trctl profile, then the active twilio-cli
    profile. See `trctl config show`. The options below may also follow the command, as in
    `trctl tasks list -w Sales`.
    """
    ctx.obj = app = AppContext(
        ctx.find_object(Environment),
        profile=profile,
        workspace=workspace,
        api_url=api_url,
        account_sid=account_sid,
    )
    ctx.call_on_close(app.close)
    if debug:
        enable_debug(app, ctx)


def main() -> None:
    """Console-script entry point."""
    root.main(prog_name="trctl")
