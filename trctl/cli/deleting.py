"""Delete verbs: say what is about to go, ask on a terminal, take --yes from scripts."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import click

from trctl.cli.context import get_app
from trctl.cli.output import info
from trctl.errors import UsageError

if TYPE_CHECKING:
    from trctl.services.resolve import Kind, Resolver

F = TypeVar("F", bound=Callable[..., Any])


def yes_option(func: F) -> F:
    return click.option(
        "--yes",
        "-y",
        is_flag=True,
        help="Do it without asking (needed when stdin is not a terminal, as in scripts).",
    )(func)


def confirm(what: str, *, yes: bool, action: str = "delete") -> None:
    """Go on if --yes, or if the user answers y on a terminal; otherwise stop: exit 2 with a
    hint when there is no terminal to ask on, exit 1 when the answer is not yes."""
    if yes:
        return
    env = get_app().env
    if not env.stdin_isatty:
        raise UsageError(
            f"not going to {action} {what} without confirmation",
            hint="stdin is not a terminal: add --yes",
        )
    click.echo(f"{action.capitalize()} {what}? This cannot be undone. [y/N] ", nl=False,
               file=env.stderr)  # fmt: skip
    answer = env.stdin.readline()
    if answer.strip().lower() not in ("y", "yes"):
        info("Nothing was changed.")
        raise click.exceptions.Exit(1)


def describe(kind: Kind, record: dict[str, Any]) -> str:
    """`worker 'Alice' (WK…)`, or `task WT… (pending)` for what has no name."""
    from trctl.services.resolve import record_name

    name = record_name(kind, record)
    if name == record.get("sid"):
        status = record.get("assignment_status")
        return f"{kind.noun} {name}" + (f" ({status})" if status else "")
    return f"{kind.noun} {name!r} ({record['sid']})"


def delete_command(
    group: click.Group,
    kind: Kind,
    find: Callable[[Resolver, str], dict[str, Any]],
    *,
    metavar: str,
    summary: str,
) -> click.Command:
    """`GROUP delete NAME|SID [--yes]`: resolve it, show it, ask, delete it."""

    @click.argument("target", metavar=metavar)
    @yes_option
    def command(target: str, yes: bool) -> None:
        from trctl.cli.params import make_resolver

        resolver = make_resolver()
        record = find(resolver, target)
        what = describe(kind, record)
        confirm(what, yes=yes)
        resolver.delete(kind, str(record["sid"]))
        info(f"Deleted {what}.")

    command.__name__ = f"{group.name}_delete"
    command.__doc__ = summary
    return group.command("delete")(command)
