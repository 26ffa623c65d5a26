"""The conftest fixture that fails a test when a background thread raised or logged an error."""

from __future__ import annotations

from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent.parent

TINY = """
import logging
import threading


def run(target):
    thread = threading.Thread(target=target, name="worker-thread")
    thread.start()
    thread.join()


def test_a_thread_raises():
    run(lambda: 1 / 0)


def test_a_thread_logs_what_it_caught():
    def work():
        try:
            {}["missing"]
        except KeyError:
            logging.getLogger("trctl.emulator").exception("outbox delivery of row 7 failed")

    run(work)


def test_a_quiet_thread():
    run(lambda: None)


def test_the_main_thread_may_log_an_error():
    try:
        1 / 0
    except ZeroDivisionError:
        logging.getLogger("trctl").exception("reported to the user, not a background failure")
"""


def test_a_thread_that_raised_or_logged_fails_its_test(pytester: pytest.Pytester) -> None:
    """Runs pytest in a subprocess (so this run's own fixture does not see the tiny file's
    threads) with the real conftest; removing the fixture, or either of its two ways of
    noticing, turns the two errors into passes."""
    pytester.makeconftest((TESTS / "conftest.py").read_text())
    pytester.makepyfile(quickstart_setup=(TESTS / "quickstart_setup.py").read_text())
    pytester.makepyfile(test_tiny=TINY)
    result = pytester.runpytest_subprocess("-p", "no:randomly", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=4, errors=2)
    result.stdout.fnmatch_lines(
        [
            "*ERROR at teardown of test_a_thread_raises*",
            "*thread worker-thread raised:*",
            "*ZeroDivisionError*",
        ]
    )
    result.stdout.fnmatch_lines(
        [
            "*ERROR at teardown of test_a_thread_logs_what_it_caught*",
            "*thread worker-thread logged 'outbox delivery of row 7 failed':*",
            "*KeyError*",
        ]
    )
