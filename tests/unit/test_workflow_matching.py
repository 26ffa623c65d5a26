"""Matching rules: queue order, worker eligibility, worker order, known worker, skip_if counts."""

from __future__ import annotations

import time
from dataclasses import replace

import pytest

from trctl.expr import parse
from trctl.workflow.config import Target
from trctl.workflow.matching import (
    TaskView,
    WorkerView,
    choose_workers,
    eligible,
    queue_sort_key,
    skip_if_context,
    worker_context,
)

IDLE, OFFLINE, BUSY = "WA" + "1" * 32, "WA" + "2" * 32, "WA" + "3" * 32
WQ = "WQ" + "0" * 32
SPANISH = parse('languages HAS "es"')
ENGLISH = parse('languages HAS "en"')
EVERYONE = parse("1==1")


def worker(sid: str, attributes: dict | None = None, **changes: object) -> WorkerView:
    base = WorkerView(
        sid=sid,
        friendly_name=sid.title(),
        activity_sid=IDLE,
        activity_name="Idle",
        available=True,
        attributes=attributes or {},
        idle_since=0.0,
        free_capacity=1,
    )
    return replace(base, **changes)


ALICE = worker("alice", {"languages": ["en", "es"], "level": 5, "id": "agent01"}, idle_since=20.0)
BOB = worker("bob", {"languages": ["en"], "level": 3}, idle_since=10.0)


def task(sid: str = "WT1", attributes: dict | None = None, **changes: object) -> TaskView:
    return replace(TaskView(sid, attributes or {}, 0, 0.0, 0.0), **changes)


def sids(workers: list[WorkerView]) -> list[str]:
    return [w.sid for w in workers]


# --- queue order ---------------------------------------------------------------------------------

QUEUE = [
    task("WTa", priority=0, created=1.0, queue_entered=1.0),
    task("WTb", priority=5, created=3.0, queue_entered=3.0),
    task("WTc", priority=5, created=2.0, queue_entered=4.0),
    task("WTd", priority=0, created=4.0, queue_entered=4.0),
    task("WTe", priority=0, created=4.0, queue_entered=4.0),
]


@pytest.mark.parametrize(
    ("order", "expected"),
    [
        ("FIFO", ["WTc", "WTb", "WTa", "WTd", "WTe"]),
        ("LIFO", ["WTb", "WTc", "WTd", "WTe", "WTa"]),
        ("fifo", ["WTc", "WTb", "WTa", "WTd", "WTe"]),
    ],
)
def test_priority_first_then_age(order: str, expected: list[str]) -> None:
    ordered = sorted(QUEUE, key=lambda t: queue_sort_key(t, order))
    assert [t.sid for t in ordered] == expected


# --- eligibility ---------------------------------------------------------------------------------


def test_bob_is_never_eligible_for_spanish() -> None:
    assert eligible(ALICE, SPANISH) and not eligible(BOB, SPANISH)
    assert eligible(ALICE, ENGLISH) and eligible(BOB, ENGLISH)
    spanish_task = task(attributes={"selected_language": "es"})
    assert sids(choose_workers(spanish_task, Target(WQ), SPANISH, [BOB, ALICE], 5)) == ["alice"]
    assert choose_workers(spanish_task, Target(WQ), SPANISH, [BOB], 5) == []


def test_worker_context_adds_the_worker_fields() -> None:
    shadow = worker("WK1", {"sid": "fake", "team": "x"}, activity_name="Idle")
    context = worker_context(shadow)
    assert context == {
        "sid": "WK1",
        "team": "x",
        "friendly_name": "Wk1",
        "activity_sid": IDLE,
        "activity_name": "Idle",
    }
    assert eligible(shadow, parse('activity_name == "Idle" AND sid == "WK1"'))


@pytest.mark.parametrize(
    ("changes", "chosen"),
    [
        ({}, True),
        ({"available": False, "activity_sid": OFFLINE, "activity_name": "Offline"}, False),
        ({"free_capacity": 0}, False),
        ({"free_capacity": 3}, True),
    ],
)
def test_availability_and_capacity(changes: dict, chosen: bool) -> None:
    candidate = replace(ALICE, **changes)
    assert bool(choose_workers(task(), None, EVERYONE, [candidate], 1)) is chosen


TARGETED = task(
    attributes={"preferred_agents": ["agent01", "agent04"], "required_skill": "billing"},
)


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("worker.id IN task.preferred_agents", ["alice"]),
        ("worker.level > 3", ["alice"]),
        ("worker.level >= 3", ["bob", "alice"]),
        ('worker.activity_name == "Idle"', ["bob", "alice"]),
        ('worker.sid == "bob"', ["bob"]),
        ("task.required_skill IN worker.skills", []),
        ('task.required_skill == "billing"', ["bob", "alice"]),
    ],
)
def test_target_expression_sees_task_and_worker(expression: str, expected: list[str]) -> None:
    target = Target(WQ, expression=parse(expression))
    assert sids(choose_workers(TARGETED, target, EVERYONE, [ALICE, BOB], 5)) == expected


# --- worker order --------------------------------------------------------------------------------


def test_longest_idle_first_then_sid() -> None:
    carol = worker("carol", idle_since=10.0)
    chosen = choose_workers(task(), None, EVERYONE, [ALICE, carol, BOB], 3)
    assert sids(chosen) == ["bob", "carol", "alice"]


WORKERS = [
    worker("w1", {"level": 1, "rank": 2}, idle_since=1.0),
    worker("w2", {"level": 3, "rank": 1}, idle_since=2.0),
    worker("w3", {"level": 3, "rank": 2}, idle_since=3.0),
    worker("w4", {"rank": 9}, idle_since=0.0),
    worker("w5", {"level": 2.5}, idle_since=4.0),
]


@pytest.mark.parametrize(
    ("order_by", "expected"),
    [
        ((("level", True),), ["w2", "w3", "w5", "w1", "w4"]),
        ((("level", False),), ["w1", "w5", "w2", "w3", "w4"]),
        ((("level", True), ("rank", True)), ["w3", "w2", "w5", "w1", "w4"]),
        ((("rank", False), ("level", False)), ["w2", "w1", "w3", "w4", "w5"]),
        ((("missing", True),), ["w4", "w1", "w2", "w3", "w5"]),
        ((("friendly_name", True),), ["w5", "w4", "w3", "w2", "w1"]),
    ],
)
def test_order_by_clauses_with_missing_values_last(order_by, expected: list[str]) -> None:
    target = Target(WQ, order_by=order_by)
    assert sids(choose_workers(task(), target, EVERYONE, WORKERS, 10)) == expected


@pytest.mark.parametrize("count", [0, 1, 2, 5])
def test_at_most_max_reserved_workers(count: int) -> None:
    chosen = choose_workers(task(), None, EVERYONE, WORKERS, count)
    assert sids(chosen) == ["w4", "w1", "w2", "w3", "w5"][:count]


# --- known worker --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("target", "attributes", "expected"),
    [
        (Target(WQ, known_worker_sid="task.agent"), {"agent": "bob"}, ["bob"]),
        (Target(WQ, known_worker_sid="task.agent"), {"agent": "carol"}, []),
        (Target(WQ, known_worker_sid="task.agent"), {}, []),
        (Target(WQ, known_worker_sid="task.last.sid"), {"last": {"sid": "alice"}}, ["alice"]),
        (Target(WQ, known_worker_sid="alice"), {}, ["alice"]),
        (Target(WQ, known_worker_friendly_name="task.name"), {"name": "Bob"}, ["bob"]),
        (Target(WQ, known_worker_friendly_name="task.name"), {"name": ["Bob"]}, []),
    ],
)
def test_known_worker(target: Target, attributes: dict, expected: list[str]) -> None:
    chosen = choose_workers(task(attributes=attributes), target, ENGLISH, [ALICE, BOB], 5)
    assert sids(chosen) == expected


def test_known_worker_must_still_belong_to_the_queue_and_be_available() -> None:
    target = Target(WQ, known_worker_sid="task.agent")
    spanish = task(attributes={"agent": "bob"})
    assert choose_workers(spanish, target, SPANISH, [ALICE, BOB], 5) == []
    away = replace(BOB, available=False)
    assert choose_workers(spanish, target, ENGLISH, [ALICE, away], 5) == []


# --- skip_if -------------------------------------------------------------------------------------


def test_skip_if_context_counts_the_queue_workers() -> None:
    workers = [
        ALICE,
        replace(BOB, available=False, activity_sid=OFFLINE),
        worker("carol", available=False, activity_sid=BUSY),
        worker("dave", available=False, activity_sid=OFFLINE, free_capacity=0),
    ]
    context = skip_if_context(workers)
    assert context == {"workers": {"available": 1, "unavailable": 3, IDLE: 1, OFFLINE: 2, BUSY: 1}}
    assert parse("workers.available == 0").evaluate(skip_if_context([])) is True
    assert parse("workers.available == 0").evaluate(context) is False
    assert parse(f"workers.{OFFLINE} >= 2 AND workers.unavailable > 2").evaluate(context)


# --- cost ----------------------------------------------------------------------------------------


def test_choosing_among_many_workers_is_fast() -> None:
    many = [
        worker(f"WK{i:05d}", {"languages": ["en", "es"] if i % 2 else ["en"], "level": i % 7})
        for i in range(5000)
    ]
    target = Target(WQ, expression=parse("worker.level > 2"), order_by=(("level", True),))
    started = time.perf_counter()
    chosen = choose_workers(task(), target, SPANISH, many, 3)
    elapsed = time.perf_counter() - started
    assert len(chosen) == 3 and all(w.attributes["level"] == 6 for w in chosen)
    assert elapsed < 1.0
