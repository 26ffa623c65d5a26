"""Every instruction an app can give, by assignment callback and over REST, applied by the
emulator: which ones accept the reservation (and move the worker), which leave it pending."""

from __future__ import annotations

import json
from typing import Any

import pytest
from emulator_callbacks import CallbackServer, Received
from emulator_rules import flow, workspace

CA = "CA" + "1" * 32
CALL = {"from": "+15005550006", "url": "https://app.example/twiml"}

# the app's answer, and the reservation's status once the emulator has applied it
ANSWERS: list[tuple[dict[str, Any], str]] = [
    ({"instruction": "accept"}, "accepted"),
    ({"instruction": "dequeue", "from": "+15005550006", "timeout": 30}, "accepted"),
    ({"instruction": "conference", "to": "client:ann"}, "accepted"),
    ({"instruction": "call", **CALL, "accept": True}, "accepted"),
    ({"instruction": "call", **CALL}, "pending"),
    ({"instruction": "call", **CALL, "accept": False}, "pending"),
    ({"instruction": "redirect", "call_sid": CA, "url": CALL["url"], "accept": "true"}, "accepted"),
    ({"instruction": "redirect", "call_sid": CA, "url": CALL["url"]}, "pending"),
    ({}, "pending"),
]


def routed_workspace(sdk: Any, workers: int, **workflow: Any) -> tuple[Any, str, list[str]]:
    """Single-tasking: the queue moves workers to Reserved, then to Busy on acceptance."""
    ws, activities = workspace(sdk)
    reserved = ws.activities.create(friendly_name="Reserved", available=False).sid
    busy = ws.activities.create(friendly_name="Busy", available=False).sid
    queue = ws.task_queues.create(
        friendly_name="Q", reservation_activity_sid=reserved, assignment_activity_sid=busy
    ).sid
    workflow_sid = flow(ws, {"default_filter": {"queue": queue}}, **workflow)
    sids = [
        ws.workers.create(friendly_name=f"W{n}", activity_sid=activities["Available"]).sid
        for n in range(workers)
    ]
    return ws, workflow_sid, sids


def test_each_callback_instruction_is_applied(emulator: Any, sdk: Any) -> None:
    """Kills the mutants that drop an instruction from apply_answer's list or from
    ACCEPTING_INSTRUCTIONS (dequeue and conference were never accepted), and that ignore or
    invert `accept` for call and redirect."""

    def answer_from_task(received: Received) -> tuple[int, str, str]:
        wanted = json.loads(received.params["TaskAttributes"])["answer"]
        return 200, "application/json", json.dumps(wanted)

    with CallbackServer(emulator.auth_token, answer_from_task) as app:
        ws, workflow_sid, _ = routed_workspace(sdk, len(ANSWERS), assignment_callback_url=app.url())
        tasks = [
            ws.tasks.create(attributes=json.dumps({"answer": body}), workflow_sid=workflow_sid).sid
            for body, _ in ANSWERS
        ]
        assert emulator.wait_idle(5)
        assert len(app.received) == len(ANSWERS)
    for task, (body, expected) in zip(tasks, ANSWERS):
        (reservation,) = ws.tasks(task).reservations.list()
        worker = ws.workers(reservation.worker_sid).fetch()
        task_status = ws.tasks(task).fetch().assignment_status
        seen = (reservation.reservation_status, task_status, worker.activity_name)
        if expected == "accepted":
            assert seen == ("accepted", "assigned", "Busy"), body
        else:
            assert seen == ("pending", "reserved", "Reserved"), body


REST_UPDATES: list[tuple[dict[str, Any], str]] = [
    ({"instruction": "dequeue", "dequeue_from": "+15005550006"}, "accepted"),
    ({"instruction": "conference", "to": "client:ann"}, "accepted"),
    ({"instruction": "call", "call_from": CALL["from"], "call_url": CALL["url"]}, "pending"),
    (
        {"instruction": "call", "call_from": "+1", "call_url": CALL["url"], "call_accept": True},
        "accepted",
    ),
    ({"instruction": "redirect", "redirect_call_sid": CA, "redirect_url": CALL["url"]}, "pending"),
    (
        {
            "instruction": "redirect",
            "redirect_call_sid": CA,
            "redirect_url": CALL["url"],
            "redirect_accept": True,
        },
        "accepted",
    ),
]


@pytest.mark.parametrize(
    ("update", "expected"),
    REST_UPDATES,
    ids=[f"{update['instruction']}-{len(update)}-{expected}" for update, expected in REST_UPDATES],
)
def test_each_rest_instruction_is_applied(
    emulator: Any, sdk: Any, update: dict[str, Any], expected: str
) -> None:
    """Kills the mutants in Reservations._instruct: CallAccept=true no longer accepting, every
    call accepting, dequeue or conference left pending."""
    ws, workflow_sid, (worker,) = routed_workspace(sdk, 1)
    task = ws.tasks.create(attributes="{}", workflow_sid=workflow_sid).sid
    (reservation,) = ws.tasks(task).reservations.list()
    answered = ws.tasks(task).reservations(reservation.sid).update(**update)
    assert answered.reservation_status == expected
    assert ws.tasks(task).fetch().assignment_status == (
        "assigned" if expected == "accepted" else "reserved"
    )
    busy = "Busy" if expected == "accepted" else "Reserved"
    assert ws.workers(worker).fetch().activity_name == busy


def test_a_bug_while_reading_an_answer_ends_the_delivery(
    emulator: Any, sdk: Any, monkeypatch: Any, thread_errors: Any
) -> None:
    """If reading an answer raises (a deep JSON answer once did), the answer counts as invalid
    and the delivery ends: it used to stay in flight, so wait_idle and every clock move waited
    for it in vain."""
    from trctl.emulator.delivery import outbox

    def broken(result: Any) -> Any:
        raise RuntimeError("a bug while reading the answer")

    monkeypatch.setattr(outbox, "parse_instruction", broken)
    with CallbackServer(emulator.auth_token) as app:
        ws, workflow_sid, _ = routed_workspace(sdk, 1, assignment_callback_url=app.url())
        task = ws.tasks.create(attributes="{}", workflow_sid=workflow_sid).sid
        assert emulator.wait_idle(5)
        assert len(app.received) == 1
    (reservation,) = ws.tasks(task).reservations.list()
    assert reservation.reservation_status == "pending"  # nothing was done with the answer
    assert any("reading the answer from" in seen for seen in thread_errors.take())
    lanes = emulator.loop.run_and_wait(emulator.outbox.summary)
    (lane,) = [lane for lane in lanes if lane["kind"] == "assignment"]
    assert (lane["in_flight"], lane["failed"]) == (0, 1)
