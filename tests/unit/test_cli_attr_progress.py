"""Unit tests: the stderr page counter appears only on a terminal, and ages read short."""

from __future__ import annotations

import io
import sys

import pytest

from trctl.cli.params import age, page_progress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_no_indicator_when_stderr_is_not_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    with page_progress("tasks") as on_page:
        assert on_page is None


def test_indicator_on_a_terminal_only_once_a_second_page_is_needed(monkeypatch) -> None:
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    with page_progress("tasks") as on_page:
        assert on_page is not None
        on_page(50, False)
    assert terminal.getvalue() == ""
    with page_progress("tasks") as on_page:
        on_page(1000, True)
        on_page(2000, False)
    assert "fetched" in terminal.getvalue() and "tasks" in terminal.getvalue()


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(None, ""), (0, "0s"), (59, "59s"), (60, "1m"), (3599, "59m"), (7200, "2h"), (90000, "1d")],
)
def test_age(seconds, text) -> None:
    assert age(seconds) == text
