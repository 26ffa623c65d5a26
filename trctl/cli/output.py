"""Output rendering: --format table|json|csv (or --json/--csv); data on stdout, notes on stderr."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import click

from trctl.cli.context import get_app

FORMATS = ("table", "json", "csv")
_META_KEY = "trctl.format"
F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class Column:
    """One table column: a header and how to read the cell from a record."""

    header: str
    key: str | Callable[[Mapping[str, Any]], Any]
    max_width: int | None = None
    no_wrap: bool = False  # on a terminal, never fold this column (SIDs stay copyable)

    def cell(self, record: Mapping[str, Any]) -> str:
        value = self.key(record) if callable(self.key) else record.get(self.key)
        return to_text(value)


def to_text(value: Any) -> str:
    """A cell as text: nested data as compact JSON, None as empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        import json

        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    return str(value)


def _store_format(ctx: click.Context, param: click.Parameter, value: Any) -> None:
    if value in (None, False):
        return
    chosen = value if param.name == "output_format" else param.name
    previous = ctx.meta.get(_META_KEY)
    if previous and previous != chosen:
        raise click.UsageError(f"--format {previous} and --{chosen} contradict each other")
    ctx.meta[_META_KEY] = chosen


def output_options(func: F) -> F:
    """Add --format, --json and --csv to a command that prints records."""
    func = click.option(
        "--csv",
        "csv",
        is_flag=True,
        expose_value=False,
        callback=_store_format,
        help="Shortcut for --format csv.",
    )(func)
    func = click.option(
        "--json",
        "json",
        is_flag=True,
        expose_value=False,
        callback=_store_format,
        help="Shortcut for --format json.",
    )(func)
    func = click.option(
        "--format",
        "output_format",
        type=click.Choice(FORMATS),
        expose_value=False,
        callback=_store_format,
        help="Output format (default: table).",
    )(func)
    return func


def current_format() -> str:
    ctx = click.get_current_context(silent=True)
    return (ctx.meta.get(_META_KEY) if ctx else None) or "table"


def console(*, stderr: bool = False, **options: Any) -> Any:
    """A rich Console on the run's stdout (or stderr), with the Environment's terminal flag,
    width, NO_COLOR and variables (rich reads TERM, COLORTERM... from them)."""
    from rich.console import Console

    env = get_app().env
    return Console(
        file=env.stderr if stderr else env.stdout,
        force_terminal=env.stderr_isatty if stderr else env.stdout_isatty,
        no_color=env.no_color,
        width=env.width,
        _environ=env.environ,
        **options,
    )


def emit(
    records: Sequence[Mapping[str, Any]],
    columns: Sequence[Column],
    *,
    title: str | None = None,
) -> None:
    """Print a list of records in the chosen format; JSON and CSV carry whole records."""
    fmt = current_format()
    if fmt == "json":
        out(_json(list(records)))
    elif fmt == "csv":
        out(_csv(records), nl=False)
    else:
        _table(records, columns, title=title)


def emit_one(record: Mapping[str, Any], fields: Sequence[Column]) -> None:
    """Print one record: JSON object, one-row CSV, or a two-column field/value table."""
    fmt = current_format()
    if fmt == "json":
        out(_json(record))
    elif fmt == "csv":
        out(_csv([record]), nl=False)
    else:
        rows = [{"field": c.header, "value": c.cell(record)} for c in fields]
        _table(rows, [Column("FIELD", "field"), Column("VALUE", "value")], headers=False)


def _json(data: Any) -> str:
    """Indented JSON on a terminal; compact when piped, where the C encoder is ~5x faster
    (json.dumps falls back to pure Python whenever indent is set)."""
    import json

    if get_app().env.stdout_isatty:
        return json.dumps(data, indent=2, ensure_ascii=False, default=str)
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False, default=str)


def _csv(records: Sequence[Mapping[str, Any]]) -> str:
    import csv
    import io

    keys: list[str] = []
    for record in records:
        keys.extend(k for k in record if k not in keys)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(keys)
    for record in records:
        writer.writerow([to_text(record.get(k)) for k in keys])
    return buffer.getvalue()


def _table(
    records: Sequence[Mapping[str, Any]],
    columns: Sequence[Column],
    *,
    title: str | None = None,
    headers: bool = True,
) -> None:
    rows = [[clip(c.cell(r), c.max_width) for c in columns] for r in records]
    if get_app().env.stdout_isatty:
        from rich.table import Table

        table = Table(title=title, show_header=headers, header_style="bold", box=None)
        for column in columns:
            table.add_column(column.header, overflow="fold", no_wrap=column.no_wrap)
        for row in rows:
            table.add_row(*row)
        console(highlight=False).print(table)
        return
    widths = [len(c.header) if headers else 0 for c in columns]
    for row in rows:
        widths = [max(w, len(cell)) for w, cell in zip(widths, row)]
    lines = [[c.header for c in columns]] if headers else []
    lines.extend(rows)
    for line in lines:
        out("  ".join(cell.ljust(w) for cell, w in zip(line, widths)).rstrip())


def clip(text: str, width: int | None) -> str:
    if width is None or len(text) <= width:
        return text
    return text[: max(width - 1, 0)] + "…"


def out(text: str, *, nl: bool = True) -> None:
    """Data: the run's stdout."""
    click.echo(text, file=get_app().env.stdout, nl=nl)


def info(text: str) -> None:
    """A message for the user (not data): the run's stderr."""
    click.echo(text, file=get_app().env.stderr)
