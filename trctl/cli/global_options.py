"""The root's options (--debug, --profile, -w, --api-url, --account-sid), also after a command."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])

# name -> (option names, click.option keywords): one declaration for the root and every command
GLOBAL_OPTIONS: dict[str, tuple[tuple[str, ...], dict[str, Any]]] = {
    "debug": (("--debug",), {"is_flag": True, "help": "Show tracebacks on errors."}),
    "profile": (
        ("--profile",),
        {"metavar": "NAME", "help": "Use this trctl profile [env TRCTL_PROFILE]."},
    ),
    "workspace": (
        ("--workspace", "-w"),
        {"metavar": "SID|NAME", "help": "Workspace [env TRCTL_WORKSPACE_SID]."},
    ),
    "api_url": (
        ("--api-url",),
        {
            "metavar": "URL",
            "help": "Send TaskRouter requests to this base URL, such as the emulator's "
            "[env TRCTL_API_URL].",
        },
    ),
    "account_sid": (
        ("--account-sid",),
        {"metavar": "AC...", "help": "Account SID [env TWILIO_ACCOUNT_SID]."},
    ),
}
_ADOPTED = "_trctl_global_options"
LATE_PREFIX = "global_"


def root_options(func: F) -> F:
    """The global options on the root group (--debug also from TRCTL_DEBUG)."""
    for name, (names, options) in reversed(GLOBAL_OPTIONS.items()):
        extra = {"envvar": "TRCTL_DEBUG"} if name == "debug" else {}
        func = click.option(*names, name, **options, **extra)(func)
    return func


def _apply_late(ctx: click.Context, param: click.Parameter, value: Any) -> None:
    """A global option given after the command: it wins over the same option given before
    (the later word on the command line), as in gh and twilio-cli."""
    if value in (None, False):
        return
    from trctl.cli.context import get_app

    app = get_app(ctx)
    name = str(param.name).removeprefix(LATE_PREFIX)
    if name == "debug":
        enable_debug(app, ctx.find_root())
    else:
        setattr(app, name, value)
        app.forget_settings()


def enable_debug(app: Any, root_ctx: click.Context) -> None:
    """Tracebacks on errors and the HTTP debug log on stderr, for this run only."""
    from trctl.redact import disable_debug_logging, enable_debug_logging

    if app.debug:
        return
    app.debug = True
    enable_debug_logging(app.env.stderr)
    root_ctx.call_on_close(disable_debug_logging)  # one run's logging must not outlive it


def adopt_global_options(command: click.Command) -> None:
    """Let `command` and every command below it take the global options after their names
    (`trctl tasks list -w Sales`), except where a command has an option of the same name of
    its own (`profiles set --account-sid`): that one keeps its meaning. Hidden from their help;
    the root's help says they may follow the command."""
    if getattr(command, _ADOPTED, False):
        return
    setattr(command, _ADOPTED, True)
    taken = {opt for param in command.params for opt in (*param.opts, *param.secondary_opts)}
    for name, (names, options) in GLOBAL_OPTIONS.items():
        if taken.intersection(names):
            continue
        command.params.append(
            click.Option(
                [*names, f"{LATE_PREFIX}{name}"],  # a name no command uses
                **options,
                hidden=True,
                expose_value=False,
                callback=_apply_late,
            )
        )
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            adopt_global_options(sub)
