"""Unit tests: --order parsing, expression checks, pending-reservation choice, events window."""

from __future__ import annotations

import pytest

from trctl.errors import NotFoundError, UsageError
from trctl.services.checks import check_expression
from trctl.services.reservations import the_pending_one
from trctl.services.tasks import parse_ordering

TASK = "WT" + "1" * 32


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("priority:desc", "Priority:desc"),
        ("Priority", "Priority:asc"),
        ("priority:DESC,date_created", "Priority:desc,DateCreated:asc"),
        ("created:desc", "DateCreated:desc"),
        ("virtual_start_time:asc, priority:desc", "VirtualStartTime:asc,Priority:desc"),
    ],
)
def test_ordering_maps_to_taskrouter_spelling(text: str, expected: str) -> None:
    assert parse_ordering(text) == expected


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("age:desc", "unknown field 'age'"),
        ("priority:down", "asc or desc"),
        ("date_created,virtual_start_time", "cannot be combined"),
        ("priority,priority:desc", "appears twice"),
    ],
)
def test_bad_ordering_is_a_usage_error(text: str, fragment: str) -> None:
    with pytest.raises(UsageError, match=fragment):
        parse_ordering(text)


def test_expression_error_is_one_line_with_a_caret_at_the_bad_token() -> None:
    with pytest.raises(UsageError) as caught:
        check_expression('languages HAS HAS "es"', "--where")
    message = caught.value.message
    assert "\n" not in message
    assert message.startswith("--where: ")
    assert "at position 14" in message
    assert message.endswith('languages HAS ^HAS "es"')


def test_valid_and_empty_expressions() -> None:
    assert check_expression('selected_language == "es"', "--where") == 'selected_language == "es"'
    with pytest.raises(UsageError, match="empty"):
        check_expression("   ", "--where")


def test_the_pending_one() -> None:
    one = {"sid": "WR" + "1" * 32, "worker_name": "Alice"}
    two = {"sid": "WR" + "2" * 32, "worker_name": "Bob"}
    assert the_pending_one(f"task {TASK}", [one]) == one
    with pytest.raises(NotFoundError, match="no pending reservation"):
        the_pending_one(f"task {TASK}", [])
    with pytest.raises(UsageError) as caught:
        the_pending_one(f"task {TASK}", [one, two])
    assert "(Alice)" in caught.value.message and "(Bob)" in caught.value.message
    one["task_sid"], two["task_sid"] = "WT" + "1" * 32, "WT" + "2" * 32
    with pytest.raises(UsageError) as caught:
        the_pending_one("worker Alice", [one, two], of_worker=True)
    assert "name a task" in caught.value.message
    assert f"(task {two['task_sid']})" in caught.value.message
