"""The fault wrapper around callback POSTs, driven by hand: which POST releases a held one."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from trctl.emulator.delivery.client import CallbackResult
from trctl.emulator.delivery.faulty import REORDER_WAIT, FaultyPost
from trctl.emulator.faultrules import FaultAction

URL = "http://127.0.0.1:9/assignment"
ANSWERED = CallbackResult(URL, 200, "application/json", '{"instruction":"accept"}', 0.01, None)
REORDER = FaultAction(rule="F1", action="reorder", pattern="*/assignment")


class Network:
    """The poster's post(), answered by the test: each POST waits in `posted` for answer()."""

    def __init__(self, faults: list[FaultAction | None]) -> None:
        self.posted: list[tuple[str, Callable[[CallbackResult], None]]] = []
        self.timers: list[tuple[float, Callable[[], None]]] = []
        self.results: list[tuple[str, CallbackResult]] = []
        picks = iter(faults)
        self.wrapper = FaultyPost(pick=lambda url: next(picks))
        self.wrapper.later = lambda seconds, callback: self.timers.append((seconds, callback))
        self.send = self.wrapper.wrap(self.post)

    def post(self, url: str, params: dict[str, str], *, done: Any, **options: Any) -> None:
        self.posted.append((params["n"], done))

    def callback(self, name: str) -> None:
        self.send(URL, {"n": name}, done=lambda result: self.results.append((name, result)))

    def answer(self, name: str) -> None:
        done = next(done for posted, done in self.posted if posted == name)
        done(ANSWERED)

    def order(self) -> list[str]:
        return [name for name, _ in self.posted]


def test_a_held_callback_goes_after_the_next_one_sent_after_it_not_one_sent_before() -> None:
    """The docs: held "until the next callback the rule matches" is sent. A POST already on
    its way when the hold began (A) releases nothing when its answer comes; the next one
    sent (C) does, once answered, and the held one (B) gets its own answer."""
    network = Network([None, REORDER, None])
    network.callback("A")  # nothing held: straight to the poster
    network.callback("B")  # held back
    assert network.order() == ["A"]
    assert [seconds for seconds, _ in network.timers] == [REORDER_WAIT]
    network.answer("A")
    assert network.order() == ["A"]  # A was sent before the hold
    network.callback("C")
    assert network.order() == ["A", "C"]
    network.answer("C")
    assert network.order() == ["A", "C", "B"]  # released behind C's answer
    network.answer("B")
    assert [name for name, _ in network.results] == ["A", "C", "B"]
    network.timers[0][1]()  # the wait running out later sends nothing twice
    assert network.order() == ["A", "C", "B"]


def test_a_held_callback_goes_anyway_when_no_next_one_comes() -> None:
    network = Network([REORDER])
    network.callback("B")
    assert network.order() == []
    (seconds, wait_over), *_ = network.timers
    wait_over()
    assert seconds == REORDER_WAIT and network.order() == ["B"]
    network.answer("B")
    assert [name for name, _ in network.results] == ["B"]
