"""TaskRouter's event vocabulary: every type has a meaning and a line, typos get the closest type,
and one event reads in names (`Alice Idle -> Reserved`)."""

from __future__ import annotations

import pytest

from trctl.vocab.events import EVENT_TYPES, TEMPLATES, closest_event_type, describe

RESERVATION = {
    "task_sid": "WT" + "1" * 32,
    "reservation_sid": "WR" + "2" * 32,
    "worker_sid": "WK" + "3" * 32,
    "worker_name": "Alice",
    "task_queue_name": "Customer Care Requests - Spanish",
}


def test_every_event_type_has_a_meaning_and_a_line() -> None:
    assert set(TEMPLATES) == set(EVENT_TYPES)
    assert all(meaning and meaning[0].isupper() for meaning in EVENT_TYPES.values())
    assert len(EVENT_TYPES) == 49  # Twilio's Events reference, all eight families


@pytest.mark.parametrize(
    ("typed", "closest"),
    [
        ("task.craeted", "task.created"),
        ("reservation.acepted", "reservation.accepted"),
        ("worker.activity.updated", "worker.activity.update"),
        ("Task-Queue.Entered", "task-queue.entered"),
        ("zzz", None),
    ],
)
def test_closest_event_type(typed: str, closest: str | None) -> None:
    assert closest_event_type(typed) == closest


def test_a_reservation_in_names() -> None:
    line = describe("reservation.created", RESERVATION)
    assert line == f"WT{'1' * 32} reserved for Alice (WR{'2' * 32})"
    short = describe("reservation.created", RESERVATION, short=lambda sid: sid[:4] + "…")
    assert short == "WT11… reserved for Alice (WR22…)"
    assert describe("task-queue.entered", RESERVATION, short=lambda sid: "WT…") == (
        "WT… entered 'Customer Care Requests - Spanish'"
    )


def test_an_activity_change_names_both_activities() -> None:
    data = {
        "worker_name": "Alice",
        "worker_activity_name": "Reserved",
        "worker_previous_activity_name": "Idle",
    }
    assert describe("worker.activity.update", data) == "Alice Idle -> Reserved"
    by_sid = {**data, "worker_previous_activity_sid": "WA" + "4" * 32}
    del by_sid["worker_previous_activity_name"]  # the REST event may carry only the SID
    names = {"WA" + "4" * 32: "Offline"}
    assert describe("worker.activity.update", by_sid, names=names) == "Alice Offline -> Reserved"


def test_reasons_and_unknown_types() -> None:
    data = {"task_sid": "WT1", "task_canceled_reason": "Task TTL Exceeded"}
    assert describe("task.canceled", data) == "WT1 canceled: Task TTL Exceeded"
    assert describe("task.completed", {"task_sid": "WT1"}) == "WT1 completed"
    assert describe("task.brand-new", {}, fallback="Task WT1 did something") == (
        "Task WT1 did something"
    )
    assert describe("task.brand-new", {}) == "task.brand-new"
