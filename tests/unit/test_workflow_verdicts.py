"""Worker verdicts for explain: one per worker, in the order a person reads them, and exactly
the workers the emulator's choose_workers would reserve are judged `would_reserve`."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from trctl.expr import parse
from trctl.workflow.config import Target
from trctl.workflow.matching import TaskView, WorkerView, choose_workers
from trctl.workflow.verdicts import (
    BUSY,
    NOT_ELIGIBLE,
    REJECTED_BEFORE,
    RESERVED,
    UNAVAILABLE,
    WOULD_RESERVE,
    Capacity,
    Situation,
    judge,
    needs_capacity,
)

WQ = "WQ" + "0" * 32
SPANISH = parse('languages HAS "es"')
TASK = TaskView("WT1", {"selected_language": "es", "vip": True}, 0, 0.0)


def worker(name: str, **changes: object) -> WorkerView:
    base = WorkerView(
        sid=f"WK{name}",
        friendly_name=name,
        activity_sid="WA1",
        activity_name="Idle",
        available=True,
        attributes={"languages": ["en", "es"], "level": 3},
        idle_since=0.0,
        free_capacity=1,
    )
    return replace(base, **changes)


def situation(**changes: object) -> Situation:
    return replace(Situation(TASK, None, SPANISH, "Spanish"), **changes)


FREE = Capacity("voice", 0, 1)
FULL = Capacity("voice", 1, 1, holders=("WT9",))


def verdict_of(who: WorkerView, capacity: Capacity | None = FREE, **changes: object) -> tuple:
    judged = judge(situation(**changes), who, capacity)
    return judged.verdict, judged.reason


def test_an_eligible_available_free_worker_would_be_reserved():
    assert verdict_of(worker("Alice"))[0] == WOULD_RESERVE


def test_the_queue_expression_decides_eligibility_with_the_values_it_saw():
    bob = worker("Bob", attributes={"languages": ["en"]})
    assert verdict_of(bob) == (
        NOT_ELIGIBLE,
        'queue \'Spanish\': languages HAS "es": languages is ["en"]',
    )


def test_a_target_expression_and_a_known_worker_make_workers_ineligible_too():
    target = Target(WQ, expression=parse("worker.level >= task.min_level"))
    context = {**TASK.attributes, "min_level": 4}
    strict = replace(TASK, attributes=context)
    verdict, reason = verdict_of(worker("Alice"), task=strict, target=target)
    assert verdict == NOT_ELIGIBLE
    assert reason == (
        "target expression: worker.level >= task.min_level: worker.level is 3, task.min_level is 4"
    )
    known = Target(WQ, known_worker_friendly_name="Bob")
    assert verdict_of(worker("Alice"), target=known) == (
        NOT_ELIGIBLE,
        "the target takes only the known worker Bob",
    )


def test_what_a_worker_is_comes_before_what_it_is_doing():
    """An ineligible worker is not_eligible even when offline and busy."""
    bob = worker("Bob", attributes={"languages": ["en"]}, available=False)
    assert verdict_of(bob, FULL)[0] == NOT_ELIGIBLE
    assert verdict_of(worker("Alice", available=False, activity_name="Offline"), FULL) == (
        UNAVAILABLE,
        "activity 'Offline' is not available",
    )
    assert verdict_of(worker("Alice"), FULL) == (BUSY, "busy with WT9 (voice 1/1)")
    assert verdict_of(worker("Alice"), Capacity("voice", 0, 1, channel_available=False)) == (
        BUSY,
        "its voice channel is switched off",
    )
    rejected = frozenset({"WKAlice"})
    assert verdict_of(worker("Alice"), rejected_by=rejected)[0] == REJECTED_BEFORE
    assert verdict_of(worker("Alice"), FULL, reserved_by=rejected)[0] == RESERVED


def test_routing_target_allows_only_that_worker():
    assert verdict_of(worker("Alice"), only_worker="WKBob") == (
        NOT_ELIGIBLE,
        "the task was created for worker WKBob only (RoutingTarget)",
    )


def test_capacity_is_needed_only_for_eligible_available_workers():
    assert needs_capacity(situation(), worker("Alice"))
    assert not needs_capacity(situation(), worker("Alice", available=False))
    assert not needs_capacity(situation(), worker("Bob", attributes={"languages": ["en"]}))
    assert not needs_capacity(situation(reserved_by=frozenset({"WKAlice"})), worker("Alice"))


WORKERS = st.builds(
    lambda index, languages, level, available, free: worker(
        f"W{index}",
        attributes={"languages": languages, "level": level},
        available=available,
        free_capacity=free,
    ),
    st.integers(0, 999),
    st.sampled_from([["en"], ["es"], ["en", "es"], "es", [], None]),
    st.sampled_from([1, 3, 5, "3", None]),
    st.booleans(),
    st.integers(0, 2),
)
TARGETS = st.sampled_from(
    [
        None,
        Target(WQ),
        Target(WQ, expression=parse("worker.level >= 3")),
        Target(WQ, expression=parse("worker.languages HAS task.selected_language")),
        Target(WQ, known_worker_friendly_name="W1"),
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(WORKERS, max_size=8, unique_by=lambda w: w.sid), TARGETS)
def test_would_reserve_is_exactly_whom_choose_workers_chooses(workers, target):
    chosen = choose_workers(TASK, target, SPANISH, workers, len(workers) or 1)
    judged = {
        w.sid
        for w in workers
        if judge(situation(target=target), w, Capacity("voice", 1 - w.free_capacity, 1)).verdict
        == WOULD_RESERVE
    }
    assert judged == {w.sid for w in chosen}
