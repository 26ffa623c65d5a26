"""A task a worker gives back (reject, reservation timeout) goes at once to another worker who is
already idle and eligible: nobody has to change activity for it to be offered again."""

from __future__ import annotations

import json
from typing import Any

from emulator_callbacks import CallbackServer, Received
from emulator_rules import flow, held_by, workspace

TIMEOUT = 30


def two_idle_workers(sdk: Any, emulator: Any, **workflow: Any) -> tuple[Any, str, str, str]:
    """A workspace whose queue reserves into Reserved; Ann idle first, then Ben (both eligible).
    Returns the workspace, the workflow, Ann and Ben."""
    ws, activities = workspace(sdk)
    reserved = ws.activities.create(friendly_name="Reserved", available=False).sid
    queue = ws.task_queues.create(friendly_name="Q", reservation_activity_sid=reserved).sid
    workflow_sid = flow(
        ws, {"default_filter": {"queue": queue}}, task_reservation_timeout=TIMEOUT, **workflow
    )
    ann = ws.workers.create(friendly_name="Ann", activity_sid=activities["Available"]).sid
    emulator.advance(1)  # Ann has been idle longer: she is offered the task first
    ben = ws.workers.create(friendly_name="Ben", activity_sid=activities["Available"]).sid
    return ws, workflow_sid, ann, ben


def test_a_rest_reject_offers_the_task_to_the_idle_worker_at_once(emulator: Any, sdk: Any) -> None:
    """Kills the mutant that drops Placer.requeue's route_queue call: the task went back to
    pending and waited although Ben was idle and eligible all along."""
    ws, workflow_sid, ann, ben = two_idle_workers(sdk, emulator)
    task = ws.tasks.create(attributes="{}", workflow_sid=workflow_sid).sid
    (reservation,) = ws.tasks(task).reservations.list()
    assert reservation.worker_sid == ann
    ws.tasks(task).reservations(reservation.sid).update(reservation_status="rejected")
    assert held_by(ws, ben) == [task]
    assert ws.tasks(task).fetch().assignment_status == "reserved"
    assert ws.workers(ann).fetch().activity_name == "Available"  # back from Reserved


def test_a_reservation_timeout_offers_the_task_to_the_idle_worker_at_once(
    emulator: Any, sdk: Any
) -> None:
    """Kills the same mutant on the timeout path (Reservations.time_out -> requeue): Ann goes to
    the timeout activity and the task, in a target without a timeout, is offered to Ben."""
    ws, workflow_sid, ann, ben = two_idle_workers(sdk, emulator)
    task = ws.tasks.create(attributes="{}", workflow_sid=workflow_sid).sid
    assert held_by(ws, ann) == [task]
    emulator.advance(TIMEOUT - 1)
    assert held_by(ws, ben) == []
    emulator.advance(1)
    assert held_by(ws, ann, "timeout") == [task]
    assert ws.workers(ann).fetch().activity_name == "Offline"  # the workspace's timeout activity
    assert held_by(ws, ben) == [task]


def test_a_callback_reject_offers_the_task_to_the_idle_worker_at_once(
    emulator: Any, sdk: Any
) -> None:
    """Kills the mutant on the callback path (apply_answer's reject): the app rejects Ann's
    reservation in its answer and Ben, idle, is offered the task by the same answer."""

    rejecting: set[str] = set()

    def answer(received: Received) -> tuple[int, str, str]:
        name = "reject" if received.params["WorkerSid"] in rejecting else "accept"
        return 200, "application/json", json.dumps({"instruction": name})

    with CallbackServer(emulator.auth_token, answer) as app:
        ws, workflow_sid, ann, ben = two_idle_workers(
            sdk, emulator, assignment_callback_url=app.url()
        )
        rejecting.add(ann)
        task = ws.tasks.create(attributes="{}", workflow_sid=workflow_sid).sid
        assert emulator.wait_idle(5)
        assert [r.params["WorkerSid"] for r in app.received] == [ann, ben]
    assert held_by(ws, ann, "rejected") == [task]
    assert held_by(ws, ben, "accepted") == [task]
    assert ws.tasks(task).fetch().assignment_status == "assigned"
