"""A click Group that imports subcommand modules only when they are needed."""

from __future__ import annotations

import importlib

import click


class LazyGroup(click.Group):
    """Resolves commands from a name -> "module:attr" table, with hidden aliases."""

    def __init__(
        self,
        *args: object,
        lazy_commands: dict[str, str] | None = None,
        aliases: dict[str, str] | None = None,
        summaries: dict[str, str] | None = None,
        **kwargs: object,
    ) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.lazy_commands = dict(lazy_commands or {})
        self.aliases = dict(aliases or {})
        self.summaries = dict(summaries or {})

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """Like click's, but a command with a known summary is listed without importing it."""
        entries: list[tuple[str, click.Command]] = []
        for name in self.list_commands(ctx):
            summary = None if name in self.commands else self.summaries.get(name)
            # a stand-in command shortens the summary exactly as click shortens real help
            command = (
                click.Command(name, help=summary)
                if summary is not None
                else self.get_command(ctx, name)
            )
            if command is not None and not command.hidden:
                entries.append((name, command))
        if not entries:
            return
        limit = formatter.width - 6 - max(len(name) for name, _ in entries)
        with formatter.section("Commands"):
            formatter.write_dl([(name, c.get_short_help_str(limit)) for name, c in entries])

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(self.commands) | set(self.lazy_commands))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        name = self.aliases.get(cmd_name, cmd_name)
        if name in self.commands:
            return self.commands[name]
        target = self.lazy_commands.get(name)
        if target is None:
            return None
        module_name, _, attribute = target.partition(":")
        command = getattr(importlib.import_module(module_name), attribute)
        if not isinstance(command, click.Command):
            raise TypeError(f"{target} is not a click command")
        self.commands[name] = command
        return command

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        typed = args[0] if args else ""
        if typed and not typed.startswith("-") and self.get_command(ctx, typed) is None:
            # click suggests only among commands already imported: offer every name and alias
            import difflib

            close = difflib.get_close_matches(typed, [*self.list_commands(ctx), *self.aliases])
            did_you_mean = f" Did you mean {close[0]!r}?" if close else ""
            ctx.fail(f"No such command {typed!r}.{did_you_mean}")
        name, command, rest = super().resolve_command(ctx, args)
        return (command.name if command else name), command, rest
