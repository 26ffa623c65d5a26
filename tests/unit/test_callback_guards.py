"""The replay cache (one decision per reservation or token, even under concurrency) and the
connection reaper (headers by a deadline)."""

from __future__ import annotations

import contextlib
import socket
import threading

import pytest

from trctl.callback.guards import ConnectionReaper, ReplayCache


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


def test_the_least_recently_used_answer_is_the_one_dropped():
    cache = ReplayCache(capacity=2)
    cache.answer([("r", "a")], lambda: "A")
    cache.answer([("r", "b")], lambda: "B")
    assert cache.answer([("r", "a")], lambda: "new") == ("A", True)  # a is now the freshest
    cache.answer([("r", "c")], lambda: "C")
    assert cache.answer([("r", "a")], lambda: "new") == ("A", True)
    assert cache.answer([("r", "c")], lambda: "new") == ("C", True)
    assert cache.answer([("r", "b")], lambda: "B again") == ("B again", False)  # dropped


def test_a_duplicate_waiting_on_a_failed_first_decision_decides_itself():
    cache = ReplayCache()
    started, release = threading.Event(), threading.Event()

    def failing() -> dict:
        started.set()
        release.wait(5)
        raise RuntimeError("no")

    def first() -> None:
        with contextlib.suppress(RuntimeError):
            cache.answer([("r", "WR1")], failing)

    thread = threading.Thread(target=first)
    thread.start()
    assert started.wait(5)
    results = []
    second = threading.Thread(target=lambda: results.append(cache.answer([("r", "WR1")], dict)))
    second.start()
    release.set()
    thread.join(5)
    second.join(5)
    assert results == [({}, False)]  # computed by the duplicate, not a replay


def test_the_reaper_shuts_a_socket_down_at_its_deadline_and_says_so_once():
    now = [100.0]
    reaper = ConnectionReaper(lambda: now[0], tick=0.01)
    slow, peer = socket.socketpair()
    quick, quick_peer = socket.socketpair()
    peer.settimeout(5)
    try:
        reaper.start()
        reaper.watch(slow, 1.0)
        reaper.watch(quick, 1.0)
        assert reaper.release(quick) is True  # headers in time: no longer watched
        now[0] = 101.0  # the deadline itself
        assert peer.recv(1) == b""  # shut down by the reaper thread (recv waits for it)
        assert reaper.release(slow) is False  # the request is void
        assert reaper.release(slow) is True  # said once
        quick_peer.setblocking(False)
        with pytest.raises(BlockingIOError):
            quick_peer.recv(1)  # still open
    finally:
        reaper.stop()
        for sock in (slow, peer, quick, quick_peer):
            sock.close()


def test_after_a_failed_decision_the_next_answer_is_cached_for_the_one_after():
    cache = ReplayCache()

    def boom() -> dict:
        raise RuntimeError("no")

    with pytest.raises(RuntimeError):
        cache.answer([("r", "WR1"), ("t", "tok")], boom)
    assert cache.answer([("r", "WR1"), ("t", "tok")], lambda: {"n": 2}) == ({"n": 2}, False)
    assert cache.answer([("t", "tok")], lambda: {"n": 3}) == ({"n": 2}, True)


def test_the_default_cache_keeps_ten_thousand_answers():
    cache = ReplayCache()
    for n in range(10_001):
        cache.answer([("r", n)], lambda n=n: n)
    assert cache.answer([("r", 1)], lambda: "new") == (1, True)
    assert cache.answer([("r", 0)], lambda: "new") == ("new", False)  # the one dropped


def test_a_reaper_never_started_stops_quietly():
    ConnectionReaper(lambda: 0.0).stop()


def test_a_watched_socket_is_not_reaped_before_its_deadline():
    now = [100.0]
    reads = threading.Semaphore(0)

    def clock() -> float:
        reads.release()
        return now[0]

    reaper = ConnectionReaper(clock, tick=0.01)
    sock, peer = socket.socketpair()
    try:
        reaper.watch(sock, 1.0)  # due at 101
        reaper.start()
        for _ in range(3):  # watch's read, then two passes begun: the first one is whole
            assert reads.acquire(timeout=5)
        assert reaper.release(sock) is True  # not reaped: still 1 s to go
    finally:
        reaper.stop()
        sock.close()
        peer.close()
