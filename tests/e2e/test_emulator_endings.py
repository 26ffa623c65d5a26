"""What ending a reservation or a task gives back (core/lifecycle.py, core/reservations.py): the
worker's activity and room, work for the workers it frees, ETags that move, event fields."""

from __future__ import annotations

import json
from typing import Any

import pytest
from emulator_callbacks import CallbackServer, Received
from emulator_http import call
from emulator_rules import flow, held_by, workspace


def reserving(sdk: Any, **queue: Any) -> tuple[Any, str, dict[str, str], str]:
    """A queue that puts a reserved worker in Reserved (single-tasking); returns the workspace,
    the workflow, the activities (with Reserved and Break) and the queue."""
    ws, activities = workspace(sdk)
    for name in ("Reserved", "Break"):
        activities[name] = ws.activities.create(friendly_name=name, available=False).sid
    queue_sid = ws.task_queues.create(
        friendly_name="Q", reservation_activity_sid=activities["Reserved"], **queue
    ).sid
    return ws, flow(ws, {"default_filter": {"queue": queue_sid}}), activities, queue_sid


def idle(ws: Any, activities: dict[str, str], name: str) -> str:
    return ws.workers.create(friendly_name=name, activity_sid=activities["Available"]).sid


def activity_of(ws: Any, worker: str) -> str:
    return ws.workers(worker).fetch().activity_name


def etag(emulator: Any, path: str) -> str:
    return call(emulator, "GET", path).headers["ETag"]


def task_path(ws: Any, task: str) -> str:
    return f"/v1/Workspaces/{ws._solution['sid']}/Tasks/{task}"


def test_canceling_a_reserved_task_frees_the_worker_for_the_next(emulator: Any, sdk: Any) -> None:
    """Ann goes back from Reserved to Available and takes the task waiting behind (kills not
    restoring her activity, and not routing her again)."""
    ws, workflow, activities, _ = reserving(sdk)
    ann = idle(ws, activities, "Ann")
    first = ws.tasks.create(attributes="{}", workflow_sid=workflow).sid
    second = ws.tasks.create(attributes="{}", workflow_sid=workflow).sid
    assert activity_of(ws, ann) == "Reserved"
    ws.tasks(first).update(assignment_status="canceled", reason="caller hung up")
    assert activity_of(ws, ann) == "Reserved"  # at once reserved for the second task
    assert held_by(ws, ann) == [second]
    assert held_by(ws, ann, "canceled") == [first]


def test_canceling_leaves_a_worker_who_moved_on_where_she_is(emulator: Any, sdk: Any) -> None:
    """Ann left Reserved for Break while reserved: the cancel does not put her back to Available
    (kills restoring whenever the queue has a reservation activity or the previous one exists)."""
    ws, workflow, activities, _ = reserving(sdk)
    ann = idle(ws, activities, "Ann")
    task = ws.tasks.create(attributes="{}", workflow_sid=workflow).sid
    ws.workers(ann).update(activity_sid=activities["Break"])
    ws.tasks(task).update(assignment_status="canceled", reason="caller hung up")
    assert activity_of(ws, ann) == "Break"


def test_accepting_frees_the_other_reserved_worker_for_the_next_task(
    emulator: Any, sdk: Any
) -> None:
    """MaxReservedWorkers=2: Ann accepts, Ben's reservation is rescinded and Ben takes the task
    waiting behind at once (kills not routing the rescinded workers)."""
    ws, workflow, activities, _ = reserving(sdk, max_reserved_workers=2)
    ann, ben = idle(ws, activities, "Ann"), idle(ws, activities, "Ben")
    first = ws.tasks.create(attributes="{}", workflow_sid=workflow).sid
    second = ws.tasks.create(attributes="{}", workflow_sid=workflow).sid
    reservation = next(r for r in ws.tasks(first).reservations.list() if r.worker_sid == ann)
    ws.tasks(first).reservations(reservation.sid).update(reservation_status="accepted")
    assert held_by(ws, ben, "rescinded") == [first]
    assert held_by(ws, ben) == [second]


def accepted_by_ann(sdk: Any) -> tuple[Any, str, str, str]:
    """A task Ann (single-tasking, one queue) has accepted: the workspace, the workflow, Ann and
    the task."""
    ws, activities = workspace(sdk)
    queue = ws.task_queues.create(friendly_name="Q").sid
    workflow = flow(ws, {"default_filter": {"queue": queue}})
    ann = idle(ws, activities, "Ann")
    task = ws.tasks.create(attributes="{}", workflow_sid=workflow).sid
    (reservation,) = ws.tasks(task).reservations.list()
    ws.tasks(task).reservations(reservation.sid).update(reservation_status="accepted")
    return ws, workflow, ann, task


def test_deleting_an_assigned_task_gives_the_worker_its_slot_back(emulator: Any, sdk: Any) -> None:
    """Ann's accepted reservation holds her one slot; deleting the task frees it and she takes
    the waiting task (kills not counting the deleted reservation off, or counting it wrong)."""
    ws, workflow, ann, first = accepted_by_ann(sdk)
    second = ws.tasks.create(attributes="{}", workflow_sid=workflow).sid
    assert held_by(ws, ann) == []
    ws.tasks(first).delete()
    assert held_by(ws, ann) == [second]


def test_task_completed_names_the_worker(emulator: Any, sdk: Any) -> None:
    """As Twilio's task.completed does (fixtures/task.completed.json): kills leaving the worker
    fields out."""
    ws, _, ann, task = accepted_by_ann(sdk)
    ws.tasks(task).update(assignment_status="completed", reason="done")
    (completed,) = ws.events.list(task_sid=task, event_type="task.completed")
    assert completed.event_data["worker_sid"] == ann
    assert completed.event_data["worker_name"] == "Ann"


def test_the_task_etag_changes_when_it_is_canceled(emulator: Any, sdk: Any) -> None:
    """Kills a cancel that leaves the task's version as it was or steps it back."""
    ws, workflow, _, _ = reserving(sdk)
    task = ws.tasks.create(attributes="{}", workflow_sid=workflow).sid
    path = task_path(ws, task)
    seen = {etag(emulator, path)}
    ws.tasks(task).update(priority=2)
    seen.add(etag(emulator, path))
    ws.tasks(task).update(assignment_status="canceled", reason="gone")
    assert etag(emulator, path) not in seen and len(seen) == 2


def reservation_path(ws: Any, task: str, reservation: str) -> str:
    return f"{task_path(ws, task)}/Reservations/{reservation}"


CALL = {"call_from": "+15005550006", "call_url": "https://example.com/twiml"}


def test_the_reservation_etag_moves_with_each_change(emulator: Any, sdk: Any) -> None:
    """Created, told to call (not accepted), accepted, told to supervise: four versions, four
    ETags (kills each of those leaving the version as it was or stepping it back)."""
    ws, workflow, activities, _ = reserving(sdk)
    idle(ws, activities, "Ann")
    task = ws.tasks.create(attributes="{}", workflow_sid=workflow).sid
    (reservation,) = ws.tasks(task).reservations.list()
    path = reservation_path(ws, task, reservation.sid)
    context = ws.tasks(task).reservations(reservation.sid)
    seen = [etag(emulator, path)]
    steps = [
        {"instruction": "call", **CALL},
        {"reservation_status": "accepted"},
        {"instruction": "supervise", "supervisor": "client:sam"},
    ]
    for step in steps:
        context.update(**step)
        current = etag(emulator, path)
        assert current not in seen, step
        seen.append(current)
    assert context.fetch().reservation_status == "accepted"


def test_supervise_needs_an_accepted_reservation(emulator: Any, sdk: Any) -> None:
    """400 on a pending reservation, applied on an accepted one (kills the inverted check)."""
    ws, workflow, activities, _ = reserving(sdk)
    idle(ws, activities, "Ann")
    task = ws.tasks.create(attributes="{}", workflow_sid=workflow).sid
    (reservation,) = ws.tasks(task).reservations.list()
    path = reservation_path(ws, task, reservation.sid)
    supervise = {"Instruction": "supervise", "Supervisor": "client:sam"}
    refused = call(emulator, "POST", path, supervise)
    assert refused.status == 400
    assert "accepted" in refused.json()["message"]
    ws.tasks(task).reservations(reservation.sid).update(reservation_status="accepted")
    assert call(emulator, "POST", path, supervise).status == 200


def test_the_reservation_etag_moves_when_a_callback_answer_is_applied(
    emulator: Any, sdk: Any
) -> None:
    """The app reads the new reservation's ETag, then answers `call` without accepting; the
    worker accepts later: three versions, three ETags (kills apply_answer leaving the version
    as it was or stepping it back)."""
    seen: list[str] = []

    def answer(received: Received) -> tuple[int, str, str]:
        path = reservation_path(ws, received.params["TaskSid"], received.params["ReservationSid"])
        seen.append(etag(emulator, path))
        body = {"instruction": "call", "from": "+15005550006", "url": "https://example.com/t"}
        return 200, "application/json", json.dumps(body)

    with CallbackServer(emulator.auth_token, answer) as app:
        ws, activities = workspace(sdk)
        queue = ws.task_queues.create(friendly_name="Q").sid
        workflow = flow(ws, {"default_filter": {"queue": queue}}, assignment_callback_url=app.url())
        task = ws.tasks.create(attributes="{}", workflow_sid=workflow).sid
        idle(ws, activities, "Ann")
        assert emulator.wait_idle(5)
    (reservation,) = ws.tasks(task).reservations.list()
    assert reservation.reservation_status == "pending"
    path = reservation_path(ws, task, reservation.sid)
    seen.append(etag(emulator, path))
    ws.tasks(task).reservations(reservation.sid).update(reservation_status="accepted")
    seen.append(etag(emulator, path))
    assert len(set(seen)) == 3, seen


def answering(answer: dict[str, Any]) -> Any:
    def reply(_: Received) -> tuple[int, str, str]:
        return 200, "application/json", json.dumps(answer)

    return reply


@pytest.mark.parametrize(("activity", "ends_in"), [("Break", "Break"), (None, "Available")])
def test_a_callback_reject_moves_the_worker_to_the_activity_it_names(
    emulator: Any, sdk: Any, activity: str | None, ends_in: str
) -> None:
    """`reject` with activity_sid Break puts Ann in Break; with an activity of no workspace she
    goes back to the activity she had, Available (kills the inverted existence checks)."""
    ws, workflow, activities, _ = reserving(sdk)
    wanted = activities[activity] if activity else "WA" + "0" * 32
    with CallbackServer(
        emulator.auth_token, answering({"instruction": "reject", "activity_sid": wanted})
    ) as app:
        ws.workflows(workflow).update(assignment_callback_url=app.url())
        ws.tasks.create(attributes="{}", workflow_sid=workflow)
        ann = idle(ws, activities, "Ann")
        assert emulator.wait_idle(5)
    assert len(held_by(ws, ann, "rejected")) == 1
    assert activity_of(ws, ann) == ends_in


def test_rejecting_pending_reservations_leaves_the_worker_in_her_new_activity(
    emulator: Any, sdk: Any
) -> None:
    """Ann goes to Break with RejectPendingReservations: her reservation is rejected and she
    stays in Break, not moved back to the activity she had before it (kills the reject moving
    the worker although told not to)."""
    ws, workflow, activities, _ = reserving(sdk)
    ann = idle(ws, activities, "Ann")
    task = ws.tasks.create(attributes="{}", workflow_sid=workflow).sid
    ws.workers(ann).update(activity_sid=activities["Break"], reject_pending_reservations=True)
    assert held_by(ws, ann, "rejected") == [task]
    assert activity_of(ws, ann) == "Break"


def test_an_answer_for_a_reservation_already_decided_is_ignored(emulator: Any, sdk: Any) -> None:
    """Ann rejects over REST while the app is still deciding; its late `accept` is ignored, no
    error, the task pending (kills applying an answer to a reservation no longer pending)."""

    def late_accept(received: Received) -> tuple[int, str, str]:
        task = received.params["TaskSid"]
        ws.tasks(task).reservations(received.params["ReservationSid"]).update(
            reservation_status="rejected"
        )
        return 200, "application/json", json.dumps({"instruction": "accept"})

    ws, workflow, activities, _ = reserving(sdk)
    with CallbackServer(emulator.auth_token, late_accept) as app:
        ws.workflows(workflow).update(assignment_callback_url=app.url())
        task = ws.tasks.create(attributes="{}", workflow_sid=workflow).sid
        ann = idle(ws, activities, "Ann")
        assert emulator.wait_idle(5)
    assert held_by(ws, ann, "rejected") == [task]
    assert ws.tasks(task).fetch().assignment_status == "pending"
