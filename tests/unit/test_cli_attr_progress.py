"""Unit tests: the stderr spinner and page counter appear only on a terminal after a second,
and ages read short."""

from __future__ import annotations

import pytest
from run_environment import SetClock, running_in, string_environment

from trctl.cli.params import age, page_progress


def test_no_indicator_when_stderr_is_not_a_terminal() -> None:
    environment = string_environment(stderr_isatty=False)
    with running_in(environment), page_progress("tasks") as on_page:
        assert on_page is None


def test_the_page_counter_joins_the_spinner_once_the_listing_took_a_second() -> None:
    clock = SetClock()
    environment = string_environment(stderr_isatty=True, clock=clock)
    with running_in(environment) as app:
        with page_progress("tasks") as on_page:
            assert on_page is not None
            on_page(1000, True)
            clock.now = 0.5
            app.spinner.tick()
            assert environment.stderr.getvalue() == ""  # under a second: nothing
            on_page(2000, True)
            clock.now = 1.25
            app.spinner.tick()
            # the spinner's own thread may have drawn the same line at the same (set) time
            assert environment.stderr.getvalue().endswith(
                "\r| listing tasks, fetched 2,000 tasks (1 s)"
            )
        app.close()
    shown = environment.stderr.getvalue()
    assert shown.endswith("\r" + " " * len("| listing tasks, fetched 2,000 tasks (1 s)") + "\r")
    assert "\x1b" not in shown  # carriage returns and spaces only
    assert environment.stdout.getvalue() == ""  # the counter never mixes into the data


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(None, ""), (0, "0s"), (59, "59s"), (60, "1m"), (3599, "59m"), (7200, "2h"), (90000, "1d")],
)
def test_age(seconds, text) -> None:
    assert age(seconds) == text
