"""ParamTypes and shared options of the TaskRouter commands (attributes, expressions, limits)."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, TypeVar

import click

from trctl.cli.context import get_app
from trctl.cli.output import Column, emit, emit_pages, info, shows_field
from trctl.errors import TrctlError, UsageError

if TYPE_CHECKING:
    from trctl.services.listing import Listing, Streamed
    from trctl.services.resolve import Resolver

F = TypeVar("F", bound=Callable[..., Any])
DEFAULT_LIMIT = 50
SID_COLUMN = Column("SID", "sid", no_wrap=True, keep=True)


def _option_name(param: click.Parameter | None, default: str) -> str:
    opts = getattr(param, "opts", None)
    return opts[0] if opts else default


class AttrPair(click.ParamType):
    """`key=value`: value read as JSON when it parses, dotted keys nest. Kept as text so the
    pairs can be combined (and clashes reported) once all of them are known."""

    name = "key=value"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        from trctl.services.attributes import parse_pair

        parse_pair(str(value), option=_option_name(param, "--attr"))
        return str(value)


class JsonObject(click.ParamType):
    """A JSON object given inline or as @file.json."""

    name = "JSON|@FILE"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, dict):
            return value
        from trctl.services.attributes import load_attributes

        return load_attributes(str(value), option=_option_name(param, "--attributes"))


class Expression(click.ParamType):
    """A TaskRouter expression, parsed locally so a syntax error never costs a request."""

    name = "EXPRESSION"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        from trctl.services.checks import check_expression

        return check_expression(str(value), _option_name(param, "expression"))


class Ordering(click.ParamType):
    """`priority:desc,date_created` -> TaskRouter's `Priority:desc,DateCreated:asc`."""

    name = "FIELD[:asc|desc],..."

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        from trctl.services.tasks import parse_ordering

        return parse_ordering(str(value))


class Sid(click.ParamType):
    """A SID of one resource type (tasks and reservations have no friendly names)."""

    def __init__(self, noun: str) -> None:
        self.noun = noun
        self.name = f"{noun.upper()}_SID"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        from trctl.services import resolve

        kind = {"task": resolve.TASK, "reservation": resolve.RESERVATION}[self.noun]
        return resolve.require_sid(kind, str(value).strip())


class FilePath(click.Path):
    """A file name that is not an option taken as one's value: `--db --trace` would otherwise
    make a store named `--trace` (a file of that name: `./--trace`)."""

    def __init__(self, **options: Any) -> None:
        super().__init__(dir_okay=False, **options)

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        stdin = self.allow_dash and value == "-"
        if isinstance(value, str) and value.startswith("-") and not stdin:
            self.fail(
                f"{value!r} looks like an option, not a file name (for a file of that name: "
                f"./{value})",
                param,
                ctx,
            )
        return super().convert(value, param, ctx)


ATTR_PAIR = AttrPair()
ORDERING = Ordering()
TASK_SID = Sid("task")
RESERVATION_SID = Sid("reservation")
JSON_OBJECT = JsonObject()
EXPRESSION = Expression()


def attribute_options(func: F) -> F:
    """--attr key=value (repeatable) and --attributes JSON|@file, merged (the --attr's win) and
    passed to the command as one `attributes` object (None when neither was given)."""

    @functools.wraps(func)
    def with_attributes(
        *args: Any, attributes_document: Any = None, attr_pairs: Any = (), **kwargs: Any
    ) -> Any:
        from trctl.services.attributes import combine

        return func(*args, attributes=combine(attributes_document, attr_pairs), **kwargs)

    decorated: Any = click.option(
        "--attributes",
        "attributes_document",
        type=JSON_OBJECT,
        help="Attributes as a JSON object, or @file.json; merged with the --attr values.",
    )(with_attributes)
    decorated = click.option(
        "--attr",
        "attr_pairs",
        type=ATTR_PAIR,
        multiple=True,
        help="Attribute key=value (repeatable). Values are JSON when they parse "
        '(3, true, null, ["en","es"]), else text; dotted keys nest: customer.tier=gold.',
    )(decorated)
    return decorated


def limit_options(
    default: int | None = DEFAULT_LIMIT, *, attributes: bool = False
) -> Callable[[F], F]:
    """--limit N (default 50, or everything when default is None) and --all; with `attributes`
    (records whose attributes list answers leave null) also --fetch-attributes."""

    def decorate(func: F) -> F:
        shown = f"default {default}" if default else "default: all"
        if attributes:
            func = click.option(
                "--fetch-attributes",
                is_flag=True,
                help="With --all: fetch each record for its attributes (null in TaskRouter's "
                "list answers), a request per record, 8 at once. Without --all, the attributes "
                "shown are always fetched.",
            )(func)
        func = click.option(
            "--all",
            "fetch_all",
            is_flag=True,
            help="Every record, printed as each page of 1000 arrives.",
        )(func)
        func = click.option(
            "--limit",
            type=click.IntRange(min=1),
            default=None,
            metavar="N",
            help=f"The newest N records, shown oldest first ({shown}).",
        )(func)
        return func

    return decorate


@dataclass(frozen=True)
class AttributePlan:
    """How a list of records with attributes (null in TaskRouter's list answers) treats them."""

    fetch: bool  # fetch each record for its attributes
    columns: Sequence[Column]  # the columns to print with
    left_out: bool  # the output would show attributes it lacks: say how to have them


def attribute_plan(columns: Sequence[Column], fetch_all: bool, asked: bool) -> AttributePlan:
    """Fetch each record's attributes only when the output shows them, and with --all only when
    asked (--fetch-attributes), since that is a request per record: 50,000 for 50,000 tasks.
    Left null, they leave the default table and CSV (every cell would be empty); --columns
    naming them or --wide still prints the column."""
    shown = shows_field(columns, "attributes")
    if not shown or asked or not fetch_all:
        return AttributePlan(shown, columns, left_out=False)
    hidden = [replace(c, wide=True) if c.key == "attributes" else c for c in columns]
    return AttributePlan(False, hidden, left_out=True)


def show_listing(
    listing: Listing | Streamed,
    columns: Sequence[Column],
    *,
    first: bool = False,
    attributes_left_out: bool = False,
) -> None:
    """The records, then on stderr what was left out: `Showing 50 of 6,000 tasks (--all or
    --limit N for more)`, or `Showing the newest 50 tasks; more exist (...)` when the API gives
    no way to count them cheaply (`first`: the first 50 in an --order). A Streamed list (--all)
    is printed page by page as it arrives; if a page fails, a line says how many records were
    printed before the error's. When attributes the output would show were left null
    (`attributes_left_out`, AttributePlan), a last line says how to have them."""
    from trctl.services.listing import Listing

    if isinstance(listing, Listing):
        emit(listing.records, columns)
        if listing.more:
            info(f"{_left_out(listing, first)} (--all or --limit N for more)")
        return
    null = [0]  # records printed with null attributes, when they were left out
    pages = _with_progress(listing)
    if attributes_left_out:
        pages = _counting_null_attributes(pages, null)
    try:
        emit_pages(pages, columns)
    except TrctlError:
        if listing.printed:
            info(
                f"The list stopped after {listing.printed:,} {listing.noun}: the rest is not shown"
            )
        raise
    if listing.out_of_order:
        info(
            f"{listing.out_of_order:,} of the {listing.printed:,} {listing.noun} came after a "
            "newer one: --all prints them in the API's order"
        )
    if null[0]:
        info(
            "Attributes are null in TaskRouter's list answers: --fetch-attributes fetches them, "
            f"a request per record ({null[0]:,} here)"
        )


def _counting_null_attributes(
    pages: Iterable[list[dict[str, Any]]], null: list[int]
) -> Iterator[list[dict[str, Any]]]:
    for page in pages:
        null[0] += sum(1 for record in page if record.get("attributes") is None)
        yield page


def _left_out(listing: Listing, first: bool) -> str:
    shown = f"{len(listing.records):,}"
    if listing.total is not None:
        return f"Showing {shown} of {listing.total:,} {listing.noun}"
    which = "first" if first else "newest"
    return f"Showing the {which} {shown} {listing.noun}; more exist"


def _with_progress(listing: Streamed) -> Iterator[list[dict[str, Any]]]:
    """The pages, with `| listing tasks, 2,000 so far (3 s)` on a terminal's stderr while
    stdout is not that terminal (there the rows themselves show progress, and a spinner would
    draw between them)."""
    spinner = get_app().spinner
    if spinner is None or get_app().env.stdout_isatty:
        yield from listing.pages()
        return
    printed = 0
    with spinner.busy(f"listing {listing.noun}"):
        for page in listing.pages():
            yield page
            printed += len(page)
            spinner.note(f"{printed:,} so far")


def effective_limit(
    limit: int | None, fetch_all: bool, default: int | None = DEFAULT_LIMIT
) -> int | None:
    """The number of records to fetch (None: all of them)."""
    if fetch_all and limit is not None:
        raise UsageError("--limit and --all contradict each other")
    if fetch_all:
        return None
    return limit if limit is not None else default


def make_resolver() -> Resolver:
    """A Resolver for the chosen workspace. No request when the workspace is configured as a
    SID, and the client (credentials) only on the first request."""
    from trctl.services.resolve import Resolver
    from trctl.services.rest import TaskRouterApi
    from trctl.services.workspaces import workspace_sid

    app = get_app()
    api = TaskRouterApi.lazy(lambda: app.client)
    return Resolver(api, workspace_sid(api, app.settings), default_workflow=app.settings.workflow)


@contextmanager
def page_progress(noun: str) -> Iterator[Callable[[int, bool], None] | None]:
    """A page callback that adds "fetched N tasks" to the spinner's line (trctl.cli.spinner),
    shown on a terminal's stderr once the listing has taken a second; None (no indicator)
    when stderr is not a terminal."""
    spinner = get_app().spinner
    if spinner is None:
        yield None
        return

    def on_page(count: int, more: bool) -> None:
        spinner.note(f"fetched {count:,} {noun}")

    with spinner.busy(f"listing {noun}"):
        yield on_page


def age(seconds: Any) -> str:
    """Seconds as a short age: 42s, 5m, 3h, 2d."""
    if seconds in (None, ""):
        return ""
    value = int(seconds)
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if value >= size:
            return f"{value // size}{unit}"
    return f"{value}s"


def interval_option(between: str, *, twilio: float, local: float) -> Callable[[F], F]:
    """--interval SECONDS for a command that polls, with its defaults in the help."""
    return click.option(
        "--interval",
        type=click.FloatRange(min=0.05),
        metavar="SECONDS",
        help=f"Between {between} [default: {twilio:g} against TaskRouter, {local:g} against "
        "the emulator].",
    )


def poll_interval(
    interval: float | None, *, twilio_default: float, local_default: float, twilio_minimum: float
) -> float:
    """Seconds between polls: --interval, else the default for where requests go; against
    TaskRouter never below `twilio_minimum` (its API limits), against the emulator anything."""
    from trctl.services.client import is_twilio

    twilio = is_twilio(get_app().settings.api_url)
    if interval is None:
        return twilio_default if twilio else local_default
    if twilio and interval < twilio_minimum:
        raise UsageError(
            f"--interval {interval:g}: at least {twilio_minimum:g} s against TaskRouter",
            hint="its API limits; the emulator takes any interval",
        )
    return interval
