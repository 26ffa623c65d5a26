"""Unit tests: the stderr page counter appears only on a terminal, and ages read short."""

from __future__ import annotations

import pytest
from run_environment import running_in, string_environment

from trctl.cli.params import age, page_progress


def test_no_indicator_when_stderr_is_not_a_terminal() -> None:
    environment = string_environment(stderr_isatty=False)
    with running_in(environment), page_progress("tasks") as on_page:
        assert on_page is None


def test_indicator_on_a_terminal_only_once_a_second_page_is_needed() -> None:
    environment = string_environment(stderr_isatty=True)
    with running_in(environment):
        with page_progress("tasks") as on_page:
            assert on_page is not None
            on_page(50, False)
        assert environment.stderr.getvalue() == ""
        with page_progress("tasks") as on_page:
            on_page(1000, True)
            on_page(2000, False)
    shown = environment.stderr.getvalue()
    assert "fetched" in shown and "tasks" in shown
    assert environment.stdout.getvalue() == ""  # the counter never mixes into the data


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(None, ""), (0, "0s"), (59, "59s"), (60, "1m"), (3599, "59m"), (7200, "2h"), (90000, "1d")],
)
def test_age(seconds, text) -> None:
    assert age(seconds) == text
