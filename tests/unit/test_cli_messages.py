"""Unit tests (no sockets): messages on stderr are broken between words on a terminal, so the
terminal never splits a SID, a name or a path across two lines; piped, they are left whole."""

from __future__ import annotations

from run_environment import running_in, string_environment

from trctl.cli.output import fit_lines, info

SID = "WS" + "a" * 32
SUMMARY = f"Applied quickstart.toml to workspace TaskRouter Quickstart ({SID}): 9 created."


def told(*, terminal: bool, columns: str = "80") -> str:
    environment = string_environment({"COLUMNS": columns}, stderr_isatty=terminal)
    with running_in(environment):
        info(SUMMARY)
    return environment.stderr.getvalue()


def test_a_long_message_on_a_terminal_breaks_between_words() -> None:
    shown = told(terminal=True).splitlines()
    assert shown == [
        "Applied quickstart.toml to workspace TaskRouter Quickstart",
        f"  ({SID}): 9 created.",
    ]
    assert all(len(line) <= 80 for line in shown)


def test_piped_messages_stay_one_line() -> None:
    assert told(terminal=False) == SUMMARY + "\n"


def test_a_word_wider_than_the_terminal_keeps_its_own_line() -> None:
    path = "/tmp/" + "d" * 30 + "/emulator.db"
    assert fit_lines(f"store: {path} kept", 20).splitlines() == ["store:", f"  {path}", "  kept"]
    assert fit_lines("  indented line that is long", 12).splitlines() == [
        "  indented",
        "    line",
        "    that is",
        "    long",
    ]
    assert fit_lines("short\n\nlines", 10) == "short\n\nlines"
