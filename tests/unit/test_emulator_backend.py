"""Core rules without HTTP, with a fake clock: re-offers, the assignment cap, activities."""

from __future__ import annotations

import json
from typing import Any

import pytest

from trctl.emulator.core.clock import FakeClock
from trctl.emulator.core.core import Core
from trctl.emulator.core.errors import ApiError
from trctl.emulator.core.ids import SequentialSids
from trctl.emulator.core.placement import MAX_ASSIGNMENTS
from trctl.emulator.core.store import Store


class World:
    """A single-tasking workspace with one queue (Reserved/Busy activities) and a workflow."""

    def __init__(self) -> None:
        self.clock = FakeClock()
        self.store = Store(":memory:")
        self.core = c = Core(self.store, self.clock, SequentialSids())
        self.ws = c.workspaces.create({"friendly_name": "U", "multi_task_enabled": False}, None)
        acts = {r["friendly_name"]: r["sid"] for r in self.store.all("SELECT * FROM activities")}
        acts["Reserved"] = c.activities.create(self.ws, "Reserved", False)
        acts["Busy"] = c.activities.create(self.ws, "Busy", False)
        self.acts = acts
        self.queue = c.queues.create(
            self.ws,
            {
                "friendly_name": "Q",
                "reservation_activity_sid": acts["Reserved"],
                "assignment_activity_sid": acts["Busy"],
            },
        )
        config = json.dumps({"task_routing": {"default_filter": {"queue": self.queue}}})
        self.flow = c.workflows.create(self.ws, {"friendly_name": "F", "configuration": config})

    def worker(self, name: str, activity: str = "Offline") -> str:
        return self.core.workers.create(
            self.ws, {"friendly_name": name, "activity_sid": self.acts[activity]}
        )

    def task(self) -> str:
        return self.core.tasks.create(self.ws, {"workflow_sid": self.flow, "attributes": "{}"})

    def pending_reservation(self, task: str) -> Any:
        return self.store.one(
            "SELECT * FROM reservations WHERE task_sid = ? AND status = 'pending'", (task,)
        )

    def activity_of(self, worker: str) -> str:
        row = self.store.get("workers", worker)
        return self.store.get("activities", row["activity_sid"])["friendly_name"]


def test_a_worker_who_rejected_is_not_offered_the_same_task_again() -> None:
    w = World()
    alice = w.worker("Alice", "Available")
    task = w.task()
    first = w.pending_reservation(task)
    assert first["worker_sid"] == alice and w.activity_of(alice) == "Reserved"
    w.core.reservations.update(
        first["sid"], status="rejected", worker_activity_sid=w.acts["Available"], instruction=None,
        instruction_params={},
    )  # fmt: skip
    assert w.activity_of(alice) == "Available"
    assert w.pending_reservation(task) is None  # not re-offered to Alice
    bob = w.worker("Bob", "Available")
    assert w.pending_reservation(task)["worker_sid"] == bob


def test_reject_without_activity_restores_the_previous_one() -> None:
    w = World()
    alice = w.worker("Alice", "Available")
    task = w.task()
    w.core.reservations.update(
        w.pending_reservation(task)["sid"], status="rejected", worker_activity_sid=None,
        instruction=None, instruction_params={},
    )  # fmt: skip
    assert w.activity_of(alice) == "Available"


def test_the_assignment_cap_cancels_the_task() -> None:
    w = World()
    task = w.task()
    w.store.execute(
        "UPDATE tasks SET assignment_count = ? WHERE sid = ?", (MAX_ASSIGNMENTS - 1, task)
    )
    w.worker("Alice", "Available")
    w.clock.advance(120)
    w.core.timers.fire_due()  # reservation times out: the 1000th assignment ended
    row = w.store.get("tasks", task)
    assert row["assignment_status"] == "canceled"
    assert "maximum assignment count" in row["reason"]


def test_accept_twice_is_a_400_and_changes_nothing() -> None:
    w = World()
    alice = w.worker("Alice", "Available")
    task = w.task()
    reservation = w.pending_reservation(task)
    w.core.reservations.apply_answer(reservation["sid"], "accept", {})
    assert w.activity_of(alice) == "Busy"
    with pytest.raises(ApiError) as caught:
        w.core.reservations.update(
            reservation["sid"], status="accepted", worker_activity_sid=None, instruction=None,
            instruction_params={},
        )  # fmt: skip
    assert caught.value.status == 400 and "not pending" in caught.value.message
    assert w.core.reservations.apply_answer(reservation["sid"], "reject", {}).startswith("ignored")


def test_reject_pending_reservations_flag() -> None:
    w = World()
    alice = w.worker("Alice", "Available")
    task = w.task()
    w.core.workers.update(w.ws, alice, {"activity_sid": w.acts["Offline"]}, reject_pending=True)
    assert w.activity_of(alice) == "Offline"
    statuses = [r["status"] for r in w.store.all("SELECT status FROM reservations")]
    assert statuses == ["rejected"]
    assert w.store.get("tasks", task)["assignment_status"] == "pending"
    with pytest.raises(ApiError):
        w.core.workers.update(
            w.ws, alice, {"activity_sid": w.acts["Available"]}, reject_pending=True
        )


def test_deleting_a_reserved_worker_is_refused_and_deleting_the_task_frees_it() -> None:
    w = World()
    alice = w.worker("Alice", "Available")
    task = w.task()
    with pytest.raises(ApiError):
        w.core.workers.delete(w.ws, alice)
    w.core.tasks.delete(w.ws, task, None)
    assert w.activity_of(alice) == "Available"
    w.core.workers.delete(w.ws, alice)
