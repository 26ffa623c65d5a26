"""The trctl command line: the root group, global options and the one error funnel."""

from __future__ import annotations

import os
import sys
from typing import Any

import click

from trctl import __version__
from trctl.cli.context import AppContext
from trctl.cli.lazy import LazyGroup
from trctl.cli.registry import ALIASES, COMMANDS, SUMMARIES
from trctl.errors import TrctlError


def _debug_enabled(ctx: click.Context | None) -> bool:
    if os.environ.get("TRCTL_DEBUG", "") not in ("", "0"):
        return True
    app = ctx.find_object(AppContext) if ctx else None
    return bool(app and app.debug)


def _fail(message: str, code: int, *, show_traceback: bool) -> click.exceptions.Exit:
    from trctl.redact import redact

    if show_traceback:
        import traceback

        click.echo(redact(traceback.format_exc()).rstrip("\n"), err=True)
    click.echo(f"Error: {redact(message)}", err=True)
    return click.exceptions.Exit(code)


def _translate_unexpected(exc: BaseException) -> TrctlError | None:
    """Map twilio/requests exceptions that escaped a service to a TrctlError."""
    if not any(name in sys.modules for name in ("twilio", "requests")):
        return None
    from trctl.services.errors import translate_exception

    return translate_exception(exc)


PIPE_CLOSED_EXIT = 141  # 128 + SIGPIPE, what a shell tool killed by a closed pipe returns


def _silence_stdout() -> None:
    """Point stdout at /dev/null, so flushing it on exit cannot fail a second time."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # not a real file (e.g. a test runner's buffer)
        pass


class RootGroup(LazyGroup):
    """The root group: every failure below it becomes one line on stderr and an exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except TrctlError as exc:
            raise _fail(exc.one_line(), exc.exit_code, show_traceback=_debug_enabled(ctx)) from exc
        except KeyboardInterrupt as exc:
            raise _fail("interrupted", 130, show_traceback=False) from exc
        except BrokenPipeError as exc:
            _silence_stdout()  # the reader left (`trctl tasks list | head`): stop quietly
            raise click.exceptions.Exit(PIPE_CLOSED_EXIT) from exc
        except Exception as exc:
            translated = _translate_unexpected(exc)
            if translated is not None:
                raise _fail(
                    translated.one_line(),
                    translated.exit_code,
                    show_traceback=_debug_enabled(ctx),
                ) from exc
            raise _fail(
                f"unexpected {type(exc).__name__}: {' '.join(str(exc).split())}"
                " (run with --debug for the traceback)",
                1,
                show_traceback=_debug_enabled(ctx),
            ) from exc

    def main(  # type: ignore[override]
        self,
        args: list[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        try:
            result = super().main(
                args=args,
                prog_name=prog_name or "trctl",
                complete_var=complete_var,
                standalone_mode=False,
                **extra,
            )
            code = result if isinstance(result, int) else 0
        except click.exceptions.NoArgsIsHelpError as exc:
            click.echo(exc.format_message(), err=True)  # a group run bare: its help, as click does
            code = exc.exit_code
        except click.UsageError as exc:
            where = exc.ctx.command_path if exc.ctx else "trctl"
            click.echo(f"Error: {exc.format_message()} (see '{where} --help')", err=True)
            code = exc.exit_code
        except click.ClickException as exc:
            click.echo(f"Error: {exc.format_message()}", err=True)
            code = exc.exit_code
        except click.Abort:
            click.echo("Error: aborted", err=True)
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
@click.option("--debug", is_flag=True, envvar="TRCTL_DEBUG", help="Show tracebacks on errors.")
@click.option("--profile", metavar="NAME", help="Use this trctl profile [env TRCTL_PROFILE].")
@click.option("--workspace", "-w", metavar="SID|NAME", help="Workspace [env TRCTL_WORKSPACE_SID].")
@click.option(
    "--api-url",
    metavar="URL",
    help="Send TaskRouter requests to this base URL, e.g. the emulator [env TRCTL_API_URL].",
)
@click.option("--account-sid", metavar="AC...", help="Account SID [env TWILIO_ACCOUNT_SID].")
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
    profile. See `trctl config show`.
    """
    if debug:
        from trctl.redact import disable_debug_logging, enable_debug_logging

        enable_debug_logging()
        ctx.call_on_close(disable_debug_logging)  # one run's logging must not outlive it
    ctx.obj = AppContext(
        debug=debug,
        profile=profile,
        workspace=workspace,
        api_url=api_url,
        account_sid=account_sid,
    )


def main() -> None:
    """Console-script entry point."""
    root.main(prog_name="trctl")
