"""E2E: `--all` prints each page as it arrives (table, JSON, CSV), fetches the attributes of one
page at a time and only where the output shows them, and says where a failed list stopped."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path
from typing import Any

import pytest
from cli_support import ISOLATED, as_json, invoke, ok, terminal_variables
from pty_screen import PtyScreen
from run_environment import RequestLog

from trctl.services.http import RetryingHttpClient

TRCTL = str(Path(sys.executable).with_name("trctl"))
PAGE = 1000  # the records of one list request (PageSize=1000)
NOTE = json.dumps({"n": PAGE, "note": "far too long for the column the first page made " * 2})


@pytest.fixture
def two_pages(cli_env, sdk, quickstart) -> dict[str, str]:
    """1,001 pending tasks: a full first page of short attributes, then one with a long note."""
    tasks = sdk.taskrouter.v1.workspaces(quickstart.workspace_sid).tasks
    for index in range(PAGE):
        tasks.create(attributes=json.dumps({"n": index}), workflow_sid=quickstart.workflow_sid)
    tasks.create(attributes=NOTE, workflow_sid=quickstart.workflow_sid)
    return cli_env


class Watching(RetryingHttpClient):
    """Notes, at each request for a list page after the first (it carries a PageToken), what
    stdout holds and how many single tasks were fetched so far; `spoil` sends that request
    with a PageToken the API cannot read instead."""

    def __init__(self, stdout: io.StringIO, seen: list, spoil: bool = False, **options: Any):
        super().__init__(**options)
        self.stdout, self.seen, self.spoil = stdout, seen, spoil

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        if "/Tasks/WT" in url:
            self.seen.append("fetch")
        elif "PageToken=" in url:
            self.seen.append(("page", self.stdout.getvalue(), self.seen.count("fetch")))
            if self.spoil:
                url = url.replace("PageToken=", "PageToken=x")
        return super().request(method, url, *args, **kwargs)


def listed_with(
    env: dict[str, str], *args: str, spoil: bool = False, fetch: bool = True
) -> tuple[Any, str, list]:
    """`trctl tasks list --all --fetch-attributes ARGS` (without the flag if not `fetch`)
    writing to a stream the transport can read as pages are requested: the run, its stdout and
    what the transport saw."""
    stdout, seen = io.StringIO(), []
    ran = invoke(
        env,
        *("tasks", "list", "--all", *(["--fetch-attributes"] if fetch else []), *args),
        stdout=stdout,
        transport=lambda **options: Watching(stdout, seen, spoil, **options),
    )
    return ran, stdout.getvalue(), seen


def test_all_prints_each_page_before_it_asks_for_the_next_in_the_first_pages_widths(
    two_pages,
) -> None:
    ran, table, seen = listed_with(two_pages)
    assert ran.exit_code == 0, ran.stderr
    (_, printed, fetched), *_ = [event for event in seen if event != "fetch"]
    assert printed.count("\n") == 1 + PAGE  # the header and the first page's rows
    assert fetched == PAGE  # the attributes of that page only: one page's fetches at a time
    assert seen.count("fetch") == PAGE + 1
    lines = table.splitlines()
    assert len(lines) == 1 + PAGE + 1
    first_page = max(len(line) for line in lines[: 1 + PAGE])
    assert len(lines[-1]) == first_page  # piped too, the widths are the first page's
    assert lines[-1].endswith('{"n":1000…')  # the longer attributes cut to the first page's
    wide = ok(
        two_pages, "tasks", "list", "--all", "--fetch-attributes", "--wide"
    ).stdout.splitlines()
    assert json.dumps(json.loads(NOTE), separators=(",", ":")) in wide[-1]  # whole

    ran, text, seen = listed_with(two_pages, "--json")
    (_, printed, _), *_ = [event for event in seen if event != "fetch"]
    assert printed.startswith("[") and not printed.endswith("]")
    assert len(json.loads(printed + "]")) == PAGE  # the first page, written before the second
    records = json.loads(text)  # then closed: one JSON document, oldest first
    assert [r["attributes"]["n"] for r in records] == list(range(PAGE + 1))

    ran, text, seen = listed_with(two_pages, "--csv")
    (_, printed, _), *_ = [event for event in seen if event != "fetch"]
    assert printed.splitlines()[0] == "sid,status,priority,age,queue,attributes"
    assert len(printed.splitlines()) == 1 + PAGE
    assert len(text.splitlines()) == 1 + PAGE + 1  # one header for both pages


@pytest.mark.parametrize("fetch", [True, False])
def test_a_page_that_fails_leaves_what_came_before_and_says_where_it_stopped(
    two_pages, fetch: bool
) -> None:
    """Without --fetch-attributes too: the error is the last line, not a hint about them."""
    ran, text, _ = listed_with(two_pages, "--json", spoil=True, fetch=fetch)
    assert ran.exit_code == 5
    first = ran.stderr.splitlines()
    assert first[0] == "The list stopped after 1,000 tasks: the rest is not shown"
    assert first[1].startswith("Error: ") and len(first) == 2
    with pytest.raises(json.JSONDecodeError):
        json.loads(text)  # an unclosed array: a cut list is never a valid document
    assert len(json.loads(text + "]")) == PAGE


def test_attributes_are_fetched_only_where_the_output_shows_them(cli_env, quickstart) -> None:
    ok(cli_env, "task", "create", "--attr", "selected_language=es")

    def fetches(*args: str) -> int:
        seen = RequestLog()
        ok(cli_env, *args, transport=seen)
        return sum(1 for _, path, _ in seen if path.count("/") > 2)  # Workspaces/WS/Tasks/WT..

    for group, records in (("tasks", 1), ("workers", 2)):
        assert fetches(group, "list", "--all", "--json", "--columns", "sid,created") == 0
        assert fetches(group, "list", "--csv", "--columns", "sid") == 0
        assert fetches(group, "list", "--json") == records  # whole records
        assert fetches(group, "list", "--csv", "--all-columns") == records  # every field
        assert fetches(group, "list", "--columns", "sid,attributes") == records
        # --all: a request per record only when asked
        assert fetches(group, "list", "--all", "--json") == 0
        assert fetches(group, "list", "--all", "--json", "--fetch-attributes") == records
        assert fetches(group, "list", "--all", "--columns", "sid,attributes") == 0
        assert fetches(group, "list", "--all", "--csv", "--all-columns", "--fetch-attributes") == (
            records
        )
        assert fetches(group, "list", "--all", "--columns", "sid", "--fetch-attributes") == 0


def test_all_says_how_to_have_the_attributes_it_leaves_null(cli_env, quickstart) -> None:
    """--all prints list answers as TaskRouter sends them (attributes null) and says on stderr
    how to have them; the default table and CSV leave out the column every cell of which would
    be empty, --columns naming it keeps it; with --fetch-attributes they are there and nothing
    is said; an output that does not show them says nothing."""
    ok(cli_env, "task", "create", "--attr", "selected_language=es")
    for group, count in (("tasks", 1), ("workers", 2)):
        said = (
            "Attributes are null in TaskRouter's list answers: --fetch-attributes fetches them, "
            f"a request per record ({count} here)\n"
        )
        bare = invoke(cli_env, group, "list", "--all", "--json")
        assert bare.exit_code == 0, bare.stderr
        assert [r["attributes"] for r in json.loads(bare.stdout)] == [None] * count
        assert bare.stderr == said
        for fmt in ("--csv", "--format=table"):
            shown = invoke(cli_env, group, "list", "--all", fmt)
            assert shown.exit_code == 0 and shown.stderr == said, (fmt, shown.stderr)
            assert "attributes" not in shown.stdout.splitlines()[0].lower(), fmt
            asked = invoke(cli_env, group, "list", "--all", fmt, "--fetch-attributes")
            assert "attributes" in asked.stdout.splitlines()[0].lower() and asked.stderr == ""
        named = invoke(cli_env, group, "list", "--all", "--csv", "--columns", "sid,attributes")
        assert named.stderr == said
        assert [line.split(",")[1] for line in named.stdout.splitlines()] == ["attributes"] + [
            ""
        ] * count
        asked = invoke(cli_env, group, "list", "--all", "--json", "--fetch-attributes")
        assert asked.exit_code == 0 and asked.stderr == "", asked.stderr
        assert all(isinstance(r["attributes"], dict) for r in json.loads(asked.stdout))
        lean = invoke(cli_env, group, "list", "--all", "--json", "--columns", "sid")
        assert lean.exit_code == 0 and lean.stderr == "", lean.stderr
    task = json.loads(
        invoke(cli_env, "tasks", "list", "--all", "--json", "--fetch-attributes").stdout
    )
    assert task[0]["attributes"] == {"selected_language": "es"}


def test_every_list_streams_its_records_with_all(cli_env, quickstart) -> None:
    """Each list's --all has the records of its newest-N form (workers and queues: every page
    of the API's order, which is by creation in the emulator, so nothing is said about it)."""
    for args in (
        ["workers", "list", "--fetch-attributes"],
        ["queues", "list"],
        ["activities", "list"],
        ["workflows", "list"],
        ["workspaces", "list"],
        ["reservations", "list", "--worker", "Alice"],
        ["events", "list"],
    ):
        every = invoke(cli_env, *args, "--all", "--json")
        assert every.exit_code == 0 and every.stderr == "", (args, every.stderr)
        newest = as_json(cli_env, *args, "--limit", "1000")
        assert [r["sid"] for r in json.loads(every.stdout)] == [r["sid"] for r in newest], args


def test_all_on_an_80_column_terminal_fits_every_page_to_the_first(two_pages) -> None:
    screen = PtyScreen(
        [TRCTL, "tasks", "list", "--all", "--fetch-attributes"],
        {**terminal_variables(two_pages), **ISOLATED},
        columns=80,
        lines=24,
    )
    try:
        assert screen.finish(timeout=60) == 0
        received = -1
        while received != len(screen.output):  # what the pty still holds after the exit
            received = len(screen.output)
            screen.read(0.2)
    finally:
        screen.close()
    # each line as the terminal leaves it: what follows its last carriage return (a spinner
    # line a slow request drew is erased by one, and the next row written over it)
    lines = [line.rstrip("\r").split("\r")[-1] for line in screen.output.decode().split("\n")]
    rows = [line for line in lines if line.startswith("WT")]
    assert len(rows) == PAGE + 1
    assert all(len(row) <= 80 for row in rows)  # never wrapped by the terminal
    assert rows[-1].endswith("…")  # the later, longer attributes cut to the first page's width
    assert screen.screen.display[-2].rstrip() == rows[-1].rstrip()  # one screen line each
