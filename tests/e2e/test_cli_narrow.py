"""E2E: every list command, and the commands that print prose (stats, explain, doctor, lint,
events tail), on a real 80-column pseudo-terminal read by a terminal emulator (pyte): no line
is wrapped by the terminal, each record is one screen line, and each value on it is whole or
cut with an ellipsis, never split across lines."""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from cli_support import as_json, ok, terminal_variables
from pty_screen import PtyScreen

TRCTL = str(Path(sys.executable).with_name("trctl"))
WIDTH = 80
LONG = "a customer whose name is far too long for any column of an eighty column terminal"
LISTS = {
    "tasks": ["tasks", "list"],
    "workers": ["workers", "list"],
    "queues": ["queues", "list"],
    "activities": ["activities", "list"],
    "workflows": ["workflows", "list"],
    "workspaces": ["workspaces", "list"],
    "reservations": ["reservations", "list", "--worker", "Alice"],
    "events": ["events", "list"],
    "event types": ["events", "types"],
    "settings": ["config", "show"],
}
PROSE = {
    "stats": ["stats"],
    "explain": ["explain", "--last"],
    "doctor": ["doctor"],
    "lint": ["workflows", "lint"],
}
SGR = re.compile(r"\x1b\[[0-9;]*m")


@pytest.fixture
def busy(cli_env, emulator) -> dict[str, str]:
    """The quickstart with long attributes, names and URLs everywhere, a reservation, events."""
    ok(cli_env, "worker", "update", "Alice", "--attr", f"customer_notes={LONG}")
    ok(cli_env, "worker", "create", "Someone With A Remarkably Long Worker Name", "--attr", "a=1")
    hook = "http://127.0.0.1:9/" + "very/long/path/" * 6 + "assignment"
    ok(cli_env, "workflow", "update", "Incoming Customer Care Requests", "--fallback-url", hook)
    for language in ("es", "en", "es"):
        attrs = ("--attr", f"selected_language={language}", "--attr", f"note={LONG}")
        ok(cli_env, "task", "create", *attrs)
    ok(cli_env, "worker", "set-activity", "Alice", "Idle")
    emulator.wait_idle()
    return cli_env


@pytest.fixture
def terminal_env(busy) -> dict[str, str]:
    return terminal_variables(busy)


def on_terminal(args: list[str], env: dict[str, str]) -> tuple[int, list[str], list[str]]:
    """Exit code, the lines written (escape codes and carriage returns removed), and the
    screen's lines (what a user sees), of `trctl ARGS` on an 80-column terminal."""
    screen = PtyScreen([TRCTL, *args], env, columns=WIDTH, lines=120)
    try:
        code = screen.finish(timeout=60)
    finally:
        screen.close()
    written = SGR.sub("", screen.output.decode()).replace("\r", "").split("\n")
    shown = [line.rstrip() for line in screen.screen.display]
    while shown and not shown[-1]:
        shown.pop()
    return code, written, shown


def piped_csv(args: list[str], env: dict[str, str]) -> list[dict[str, str]]:
    done = subprocess.run(
        [TRCTL, *args, "--csv"], env=env, capture_output=True, text=True, timeout=60, check=True
    )
    return list(csv.DictReader(io.StringIO(done.stdout)))


def header_starts(header: str, names: list[str]) -> dict[str, int]:
    """Where each column the terminal shows begins (a column left out is not in the header)."""
    starts: dict[str, int] = {}
    at = 0
    for name in names:
        title = "" if name == "active" else name.upper().replace("_", " ")
        found = re.compile(rf"(?<!\S){re.escape(title)}(?!\S)").search(header, at)
        if title and found:
            starts[name] = found.start()
            at = found.end()
    return starts


def whole_or_cut(cell: str, value: str) -> bool:
    return cell == value or (cell.endswith("…") and value.startswith(cell[:-1]))


@pytest.mark.parametrize("case", sorted(LISTS))
def test_a_list_on_an_80_column_terminal_never_splits_a_value(case, terminal_env) -> None:
    args = LISTS[case]
    code, written, shown = on_terminal(args, terminal_env)
    assert code == 0, shown
    assert all(len(line) <= WIDTH for line in written), written  # the terminal wrapped nothing
    rows = piped_csv(args, terminal_env)
    assert rows, f"{case}: nothing to show"
    names = list(rows[0])
    header, *lines = shown
    starts = header_starts(header, names)
    assert "sid" in starts or case in ("events", "event types", "settings"), header
    assert len(starts) >= 2, header
    assert len(lines) == len(rows), f"{case}: a record took more than one line:\n" + "\n".join(
        shown
    )
    bounds = sorted(starts.items(), key=lambda item: item[1])
    for line, row in zip(lines, rows):
        for index, (name, start) in enumerate(bounds):
            end = bounds[index + 1][1] if index + 1 < len(bounds) else None
            cell = line[start:end].strip()
            assert whole_or_cut(cell, row[name]), (case, name, cell, row[name], line)


@pytest.mark.parametrize("case", sorted(PROSE))
def test_prose_on_an_80_column_terminal_is_never_wrapped_by_it(case, terminal_env) -> None:
    code, written, shown = on_terminal(PROSE[case], terminal_env)
    assert code in (0, 1), shown  # doctor and lint exit 1 with findings
    assert len(shown) > 2
    assert all(len(line) <= WIDTH for line in written), [w for w in written if len(w) > WIDTH]


def test_events_tail_lines_fit_80_columns(terminal_env) -> None:
    count = len(as_json(terminal_env, "events", "list", "--all", "--minutes", "60"))
    args = ["events", "tail", "--since", "1h", "--max-events", str(count)]
    code, written, shown = on_terminal(args, terminal_env)
    assert code == 0 and len(shown) == count, shown
    assert all(len(line) <= WIDTH for line in written)


def test_wide_shows_every_column_whole_and_lets_the_terminal_wrap(terminal_env) -> None:
    code, written, _ = on_terminal(["tasks", "list", "--wide"], terminal_env)
    assert code == 0
    assert any(LONG in line for line in written)
    assert json.dumps(LONG)[1:-1] in "\n".join(written)
