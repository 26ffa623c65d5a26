"""Unit tests (no sockets): lists printed page by page (emit_pages) give the text one list gives,
and a Streamed list counts what it printed and what came out of creation order."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import click
import pytest
from run_environment import SetClock, running_in, string_environment

from trctl.cli.output import Column, emit, emit_pages, list_options
from trctl.cli.params import show_listing
from trctl.services.listing import Streamed

RECORDS = [
    {"sid": f"WK{n}", "name": name, "attributes": {"n": n}, "date_created": f"2024-01-0{n}"}
    for n, name in enumerate(["Al", "Bo", "Christopher", "Di"], start=1)
]
COLUMNS = [Column("SID", "sid", keep=True), Column("NAME", "name", 20), Column("N", "attributes")]
PAGES = [RECORDS[:2], [], RECORDS[2:]]


def printed(
    args: list[str], pages: Any, *, terminal: bool = False, whole: bool = False
) -> tuple[str, str]:
    """stdout and stderr of a list command that prints `pages` (emit_pages), or with `whole`
    the same records as one list (emit), or a Streamed list of them (show_listing)."""

    @click.command()
    @list_options(COLUMNS)
    def command() -> None:
        if isinstance(pages, Streamed):
            show_listing(pages, COLUMNS)
        elif whole:
            emit([record for page in pages for record in page], COLUMNS)
        else:
            emit_pages(iter(pages), COLUMNS)

    env = string_environment({"COLUMNS": "40"}, stdout_isatty=terminal)
    command.main(args, standalone_mode=False, obj=env)
    return env.stdout.getvalue(), env.stderr.getvalue()


@pytest.mark.parametrize("terminal", [False, True])
@pytest.mark.parametrize("args", [["--json"], ["--json", "--columns", "name,sid"]])
def test_json_written_page_by_page_is_the_document_of_the_whole_list(terminal, args) -> None:
    text, _ = printed(args, PAGES, terminal=terminal)
    assert text == printed(args, PAGES, terminal=terminal, whole=True)[0]
    every = [{"name": r["name"], "sid": r["sid"]} for r in RECORDS] if len(args) > 1 else RECORDS
    indent = {"indent": 2} if terminal else {"separators": (",", ":")}
    assert text == json.dumps(every, ensure_ascii=False, **indent) + "\n"
    for nothing in ([], [[]]):
        assert printed(args, nothing, terminal=terminal)[0] == "[]\n"


@pytest.mark.parametrize("args", [["--csv"], ["--csv", "--all-columns"]])
def test_csv_written_page_by_page_has_one_header(args) -> None:
    text, _ = printed(args, PAGES)
    assert text == printed(args, PAGES, whole=True)[0]
    assert text.splitlines()[0] in ("sid,name,n", "sid,name,attributes,date_created")
    assert len(text.splitlines()) == 1 + len(RECORDS)
    assert printed(["--csv"], [])[0] == "sid,name,n\n"


def test_a_table_takes_its_widths_from_the_first_page() -> None:
    text, _ = printed([], PAGES)
    assert text.splitlines() == [
        "SID  NAME  N",
        'WK1  Al    {"n":1}',
        'WK2  Bo    {"n":2}',
        'WK3  Chr…  {"n":3}',  # longer than the first page's: cut with an ellipsis
        'WK4  Di    {"n":4}',
    ]
    wide = printed(["--wide"], PAGES)[0].splitlines()
    assert wide[3] == 'WK3  Christopher  {"n":3}'  # --wide: whole, out of line
    assert printed([], [])[0] == "SID  NAME  N\n"  # no record: the header
    assert printed([], [RECORDS])[0] == printed([], [RECORDS], whole=True)[0]


def test_pages_are_printed_as_they_come() -> None:
    written: list[str] = []

    def pages(env_stdout: Any) -> Iterator[list[dict[str, Any]]]:
        for page in PAGES:
            written.append(env_stdout.getvalue())
            yield page

    @click.command()
    @list_options(COLUMNS)
    def command() -> None:
        emit_pages(pages(env.stdout), COLUMNS)

    env = string_environment({})
    command.main(["--csv"], standalone_mode=False, obj=env)
    assert [len(text.splitlines()) for text in written] == [0, 3, 3]


def test_a_streamed_list_counts_what_it_printed_and_what_came_out_of_order() -> None:
    shuffled = [[RECORDS[1], RECORDS[0]], [RECORDS[3], RECORDS[2]]]
    streamed = Streamed(iter(shuffled), "workers")
    text, note = printed(["--csv"], streamed)
    assert len(text.splitlines()) == 5 and streamed.printed == 4
    assert streamed.out_of_order == 2  # WK1 after WK2, WK3 after WK4
    assert (
        note == "2 of the 4 workers came after a newer one: --all prints them in the API's order\n"
    )
    in_order = Streamed(iter(PAGES), "workers")
    assert printed(["--csv"], in_order)[1] == "" and in_order.out_of_order == 0
    unchecked = Streamed(iter(shuffled), "tasks", when=None)  # an --order of the API's
    assert printed(["--csv"], unchecked)[1] == "" and unchecked.printed == 4


@pytest.mark.parametrize("stdout_is_the_terminal", [False, True])
def test_a_streamed_list_shows_its_progress_on_stderr_only_when_stdout_is_elsewhere(
    stdout_is_the_terminal,
) -> None:
    clock = SetClock()
    environment = string_environment(
        stderr_isatty=True, stdout_isatty=stdout_is_the_terminal, clock=clock
    )
    seen: list[str] = []

    def pages() -> Iterator[list[dict[str, Any]]]:
        yield RECORDS[:2]
        clock.now = 1.25  # the second page takes a while
        app.spinner.tick()
        seen.append(environment.stderr.getvalue())
        yield RECORDS[2:]

    with running_in(environment) as app:
        show_listing(Streamed(pages(), "workers"), COLUMNS)
        app.close()
    if stdout_is_the_terminal:  # the rows are the progress; a spinner would draw among them
        assert environment.stderr.getvalue() == "" and seen == [""]
    else:
        assert seen[0].endswith("\r| listing workers, 2 so far (1 s)")
        assert environment.stderr.getvalue().endswith("\r" + " " * len(seen[0].strip("\r")) + "\r")
    assert len(environment.stdout.getvalue().splitlines()) == 1 + len(RECORDS)
