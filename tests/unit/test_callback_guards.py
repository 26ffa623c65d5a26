"""The replay cache: one decision per reservation or token, even under concurrency."""

from __future__ import annotations

import threading

import pytest

from trctl.callback.guards import ReplayCache


def test_first_answer_is_returned_for_either_key():
    cache = ReplayCache()
    assert cache.answer([("r", "WR1"), ("t", "tok")], lambda: {"n": 1}) == ({"n": 1}, False)
    assert cache.answer([("r", "WR2"), ("t", "tok")], lambda: {"n": 2}) == ({"n": 1}, True)
    assert cache.answer([("r", "WR1")], lambda: {"n": 3}) == ({"n": 1}, True)


def test_a_failed_decision_is_not_cached():
    cache = ReplayCache()

    def boom() -> dict:
        raise RuntimeError("no")

    with pytest.raises(RuntimeError):
        cache.answer([("r", "WR1")], boom)
    assert cache.answer([("r", "WR1")], lambda: {"ok": True}) == ({"ok": True}, False)


def test_concurrent_duplicates_decide_once():
    cache = ReplayCache()
    started = threading.Event()
    release = threading.Event()
    calls = []

    def slow() -> dict:
        calls.append(1)
        started.set()
        release.wait(5)
        return {"instruction": "accept"}

    results = []
    first = threading.Thread(target=lambda: results.append(cache.answer([("r", "WR1")], slow)))
    first.start()
    assert started.wait(5)
    second = threading.Thread(target=lambda: results.append(cache.answer([("r", "WR1")], slow)))
    second.start()
    release.set()
    first.join(5)
    second.join(5)
    assert len(calls) == 1
    assert sorted(replayed for _, replayed in results) == [False, True]


def test_capacity_is_bounded():
    cache = ReplayCache(capacity=2)
    for n in range(3):
        cache.answer([("r", n)], lambda n=n: n)
    assert cache.answer([("r", 0)], lambda: "new") == ("new", False)
