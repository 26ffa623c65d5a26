"""Output rendering: --format table|json|csv (or --json/--csv); data on stdout, notes on stderr."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import click

from trctl.cli.context import get_app

FORMATS = ("table", "json", "csv")
_META_KEY = "trctl.format"
F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class Column:
    """One table column: a header and how to read the cell from a record.

    On a terminal a table is fitted to its width (fit_widths): a column may be cut with an
    ellipsis (not `no_wrap` or `keep`) or left out (not `keep`), lowest `rank` first, then
    rightmost. `wide` columns appear only with --wide or --columns. `slug` names the column
    for --columns and CSV (default: the header in lower case, `_` for spaces).
    """

    header: str
    key: str | Callable[[Mapping[str, Any]], Any]
    max_width: int | None = None
    no_wrap: bool = False  # never cut (SIDs stay copyable)
    keep: bool = False  # never left out (SID, status)
    rank: int = 1  # left out before higher ranks when the terminal is too narrow
    wide: bool = False  # only with --wide or --columns
    slug: str | None = None

    @property
    def name(self) -> str:
        return self.slug or self.header.lower().replace(" ", "_")

    def value(self, record: Mapping[str, Any]) -> Any:
        return self.key(record) if callable(self.key) else record.get(self.key)

    def cell(self, record: Mapping[str, Any]) -> str:
        return to_text(self.value(record))


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


def store_flag(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
    """An option callback that also records the option for the output layer (--wide)."""
    if value not in (None, False):
        ctx.meta[f"trctl.{param.name}"] = value
    return value


def list_options(columns: Sequence[Column]) -> Callable[[F], F]:
    """--columns, --wide and --all-columns (then --format, --json, --csv) for a list command
    whose table has `columns`."""
    shown = ",".join(c.name for c in columns if not c.wide)
    extra = ",".join(c.name for c in columns if c.wide)
    names = shown + (f"; also {extra}" if extra else "")

    def decorate(func: F) -> F:
        func = output_options(func)
        for option in (
            click.option(
                "--all-columns",
                "all_columns",
                is_flag=True,
                expose_value=False,
                callback=store_flag,
                help="CSV: every field of the API's records, not the table's columns.",
            ),
            click.option(
                "--wide",
                "wide",
                is_flag=True,
                expose_value=False,
                callback=store_flag,
                help="Every column, nothing cut, even on a narrow terminal.",
            ),
            click.option(
                "--columns",
                "columns",
                metavar="NAME,...",
                expose_value=False,
                callback=store_flag,
                help=f"Only these columns, in this order, in the table, CSV and JSON ({names}).",
            ),
        ):
            func = option(func)
        return func

    return decorate


def current_format() -> str:
    ctx = click.get_current_context(silent=True)
    return (ctx.meta.get(_META_KEY) if ctx else None) or "table"


def _meta(name: str) -> Any:
    ctx = click.get_current_context(silent=True)
    return ctx.meta.get(f"trctl.{name}") if ctx else None


def chosen_columns(columns: Sequence[Column]) -> list[Column]:
    """The columns --columns names (in its order), all with --wide, else the default ones."""
    wanted = _meta("columns")
    if wanted is None:
        return [c for c in columns if _meta("wide") or not c.wide]
    by_name = {c.name: c for c in columns}
    picked: list[Column] = []
    for raw in str(wanted).split(","):
        name = raw.strip().lower().replace("-", "_")
        if name not in by_name:
            from trctl.errors import UsageError

            raise UsageError(
                f"--columns: no column {raw.strip()!r}", hint=f"use {', '.join(by_name)}"
            )
        picked.append(by_name[name])
    return picked


def console(*, stderr: bool = False, **options: Any) -> Any:
    """A rich Console on the run's stdout (or stderr), with the Environment's terminal flag,
    width, NO_COLOR and variables (rich reads TERM, COLORTERM... from them)."""
    from rich.console import Console

    env = get_app().env
    if env.no_color:
        options.setdefault("color_system", None)  # NO_COLOR: no bold or underline either
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
    """Print a list of records in the chosen format and columns (--columns, --wide): JSON
    carries whole records unless --columns; CSV the table's columns, uncut, unless
    --all-columns."""
    emit_pages([records], columns, title=title)


def emit_pages(
    pages: Iterable[Sequence[Mapping[str, Any]]],
    columns: Sequence[Column],
    *,
    title: str | None = None,
) -> None:
    """Print records page by page as `pages` yields them, holding one page at a time: a JSON
    array written as it grows, CSV rows under the first page's header, or a table whose column
    widths are decided by the first page (and the terminal's width); a longer value on a later
    page is cut with an ellipsis (not with --wide: it is printed whole, out of line)."""
    fmt = current_format()
    shown = chosen_columns(columns)
    if fmt == "json":
        if _meta("columns") is None:
            _json_pages(pages, lambda record: record)
        else:
            _json_pages(pages, lambda record: {c.name: c.value(record) for c in shown})
    elif fmt == "csv":
        _csv_pages(pages, None if _meta("all_columns") else shown)
    else:
        if title:
            out(title)
        _table_pages(pages, shown)


def shows_field(columns: Sequence[Column], key: str) -> bool:
    """Whether the chosen output shows the records' field `key`: JSON shows whole records
    (unless --columns), CSV with --all-columns every field; else a chosen column reads it.
    A list leaves out what it would fetch only to print (attributes) when nothing shows it."""
    fmt = current_format()
    if (fmt == "json" and _meta("columns") is None) or (fmt == "csv" and _meta("all_columns")):
        return True
    return any(column.key == key for column in chosen_columns(columns))


def emit_one(record: Mapping[str, Any], fields: Sequence[Column]) -> None:
    """Print one record: JSON object, one-row CSV, or a two-column field/value table whose long
    values fold under the VALUE column (the record's only row: cutting would hide it)."""
    fmt = current_format()
    if fmt == "json":
        out(_json(record))
    elif fmt == "csv":
        _csv_pages([[record]], None)
    else:
        _details([(c.header, c.cell(record)) for c in fields])


def _json(data: Any) -> str:
    """Indented JSON on a terminal; compact when piped, where the C encoder is ~5x faster
    (json.dumps falls back to pure Python whenever indent is set)."""
    import json

    if get_app().env.stdout_isatty:
        return json.dumps(data, indent=2, ensure_ascii=False, default=str)
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False, default=str)


def _json_pages(
    pages: Iterable[Sequence[Mapping[str, Any]]], shape: Callable[[Mapping[str, Any]], Any]
) -> None:
    """A JSON array of the records (each `shape`d), written page by page: the same text as
    _json of the whole list (indented on a terminal, compact when piped). A page that fails
    to arrive leaves the array unclosed, so a cut list is never a valid document."""
    import json

    pretty = get_app().env.stdout_isatty
    options: dict[str, Any] = {"indent": 2} if pretty else {"separators": (",", ":")}
    lead, separator = ("\n  ", ",\n  ") if pretty else ("", ",")
    written = False
    out("[", nl=False)
    for page in pages:
        if not page:
            continue
        texts = [json.dumps(shape(r), ensure_ascii=False, default=str, **options) for r in page]
        if pretty:  # each record one level inside the array
            texts = [text.replace("\n", "\n  ") for text in texts]
        out((separator if written else lead) + separator.join(texts), nl=False)
        written = True
    out("\n]" if written and pretty else "]")


def _csv_pages(
    pages: Iterable[Sequence[Mapping[str, Any]]], columns: Sequence[Column] | None
) -> None:
    """CSV rows page by page under one header: the columns' names, or (None: every field) the
    fields of the first page's records (a list's records all have the same fields)."""
    header = None if columns is None else [c.name for c in columns]
    started = False
    for page in pages:
        if not page:
            continue
        if header is None:
            header = []
            for record in page:
                header.extend(k for k in record if k not in header)
        if columns is None:
            rows = [[to_text(record.get(k)) for k in header] for record in page]
        else:
            rows = [[c.cell(record) for c in columns] for record in page]
        out(_csv_rows(None if started else header, rows), nl=False)
        started = True
    if not started:
        out(_csv_rows(header or [], []), nl=False)


def _csv_rows(header: list[str] | None, rows: list[list[str]]) -> str:
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    if header is not None:
        writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


GAP = 2  # spaces between two columns
MIN_CUT_WIDTH = 8  # a cut column keeps at least this much (and its header)


def fit_widths(columns: Sequence[Column], natural: Sequence[int], width: int) -> list[int | None]:
    """Each column's width on a `width`-column terminal, None for one left out. First the
    cuttable columns give up space, widest first, down to MIN_CUT_WIDTH (never below their
    header); if that is not enough, the lowest-ranked column that is not `keep` is left out
    (the rightmost of equal rank) and the rest start again from their natural widths."""
    shown = list(range(len(columns)))
    while True:
        widths = {i: natural[i] for i in shown}
        excess = sum(widths.values()) + GAP * (len(shown) - 1) - width
        floors = {
            i: widths[i]
            if columns[i].no_wrap or columns[i].keep
            else min(widths[i], max(len(columns[i].header), MIN_CUT_WIDTH))
            for i in shown
        }
        while excess > 0:
            room = [i for i in shown if widths[i] > floors[i]]
            if not room:
                break
            widest = max(room, key=lambda i: (widths[i], i))
            widths[widest] -= 1
            excess -= 1
        droppable = [i for i in shown if not columns[i].keep]
        if excess <= 0 or not droppable:
            return [widths.get(i) for i in range(len(columns))]
        shown.remove(min(droppable, key=lambda i: (columns[i].rank, -i)))


def _table_pages(pages: Iterable[Sequence[Mapping[str, Any]]], columns: Sequence[Column]) -> None:
    """Rows of padded cells, page by page, in widths the first page decides. On a terminal
    (without --wide) fitted to its width, so no value ever wraps onto a second line; piped, or
    with --wide, every column as wide as the first page needs."""
    env = get_app().env
    wide = bool(_meta("wide"))
    widths: list[int | None] | None = None
    for page in pages:
        rows = [
            [c.cell(r) if wide else clip(c.cell(r), c.max_width) for c in columns] for r in page
        ]
        if not rows:
            continue
        if widths is None:
            widths = _table_widths(columns, rows, env, wide)
            _table_header(columns, widths, env)
        shown = [i for i, w in enumerate(widths) if w is not None]
        lines = (
            "  ".join(
                (row[i] if wide else clip(row[i], widths[i])).ljust(widths[i] or 0) for i in shown
            ).rstrip()
            for row in rows
        )
        out("\n".join(lines))
    if widths is None:
        _table_header(columns, _table_widths(columns, [], env, wide), env)


def _table_widths(
    columns: Sequence[Column], rows: Sequence[Sequence[str]], env: Any, wide: bool
) -> list[int | None]:
    natural = [max([len(c.header)] + [len(row[i]) for row in rows]) for i, c in enumerate(columns)]
    if env.stdout_isatty and not wide:
        return fit_widths(columns, natural, env.width)
    return list(natural)


def _table_header(columns: Sequence[Column], widths: Sequence[int | None], env: Any) -> None:
    shown = [i for i, w in enumerate(widths) if w is not None]
    header = "  ".join(columns[i].header.ljust(widths[i] or 0) for i in shown).rstrip()
    out(click.style(header, bold=True) if env.color else header, styled=env.color)


def _details(pairs: Sequence[tuple[str, str]]) -> None:
    """FIELD  VALUE lines; on a terminal a long value folds onto the next lines, indented
    under VALUE, never under the field names."""
    env = get_app().env
    label_width = max((len(label) for label, _ in pairs), default=0)
    room = env.width - label_width - GAP if env.stdout_isatty else None
    for label, value in pairs:
        pieces = fold(value, room) if room and room >= MIN_CUT_WIDTH else [value]
        out(f"{label.ljust(label_width)}  {pieces[0]}".rstrip())
        for piece in pieces[1:]:
            out(f"{'':<{label_width}}  {piece}".rstrip())


def fold(text: str, width: int) -> list[str]:
    """Text in lines of at most `width`, broken after spaces and commas where possible."""
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        while len(paragraph) > width:
            cut = max(paragraph.rfind(" ", 0, width + 1), paragraph.rfind(",", 0, width) + 1)
            cut = cut if cut > 0 else width
            lines.append(paragraph[:cut].rstrip())
            paragraph = paragraph[cut:].lstrip(" ")
        lines.append(paragraph)
    return lines


def wrap_line(text: str, indent: int, *, separator: str = " ") -> list[str]:
    """A line of prose for a terminal: broken after `separator`s into lines of its width, the
    later ones indented by `indent`, so the terminal never breaks a word (a word longer than a
    line is cut with an ellipsis). Piped, or with --wide, the line whole."""
    env = get_app().env
    if not env.stdout_isatty or _meta("wide") or len(text) <= env.width:
        return [text]
    parts = text.split(separator)
    lines = [parts[0]]
    for part in parts[1:]:
        joined = lines[-1] + separator + part
        if len(joined.rstrip()) <= env.width:
            lines[-1] = joined
        else:
            lines[-1] = lines[-1].rstrip()
            lines.append(" " * indent + part)
    return [clip(line, env.width) for line in lines]


def fit_line(text: str) -> str:
    """A line of plain text for a terminal: cut with an ellipsis at its width (so it never
    wraps), unless --wide or not a terminal."""
    env = get_app().env
    if not env.stdout_isatty or _meta("wide"):
        return text
    return clip(text, env.width)


def clip(text: str, width: int | None) -> str:
    if width is None or len(text) <= width:
        return text
    return text[: max(width - 1, 0)] + "…"


def out(text: str, *, nl: bool = True, styled: bool = False) -> None:
    """Data: the run's stdout (`styled`: keep the escape codes of click.style in `text`)."""
    click.echo(text, file=get_app().env.stdout, nl=nl, color=True if styled else None)


def info(text: str) -> None:
    """A message for the user (not data): the run's stderr; on a terminal, lines wider than it
    are broken between words, so the terminal never splits a SID, name or path."""
    env = get_app().env
    click.echo(fit_lines(text, env.width) if env.stderr_isatty else text, file=env.stderr)


def fit_lines(text: str, width: int) -> str:
    """Each line wider than `width` broken at spaces (continuations indented two more than the
    line); a word longer than the width stays whole on a line of its own."""
    import textwrap

    fitted = []
    for line in text.split("\n"):
        if len(line) <= width:
            fitted.append(line)
            continue
        indent = " " * (len(line) - len(line.lstrip(" ")) + 2)
        fitted.extend(
            textwrap.wrap(
                line,
                width,
                subsequent_indent=indent,
                break_long_words=False,
                break_on_hyphens=False,
                drop_whitespace=True,
            )
        )
    return "\n".join(fitted)
