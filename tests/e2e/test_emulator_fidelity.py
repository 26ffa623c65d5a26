"""Where the emulator used to differ from TaskRouter (issue 11), each checked with the official SDK.

Every test here failed on the emulator before the difference was removed.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from emulator_callbacks import CallbackServer, Received, defer
from quickstart_setup import SPANISH_QUEUE, build_quickstart
from timeout_example import timeout_evaluation_workspace
from twilio.base.exceptions import TwilioRestException

ES = json.dumps({"selected_language": "es"})


def ws_of(sdk: Any, quickstart: Any) -> Any:
    return sdk.taskrouter.v1.workspaces(quickstart.workspace_sid)


# -- 1. attributes only in single-resource answers -----------------------------------------------
def test_attributes_are_null_in_list_answers_and_shown_by_fetch(sdk: Any, quickstart: Any) -> None:
    ws = ws_of(sdk, quickstart)
    created = ws.tasks.create(attributes=ES, workflow_sid=quickstart.workflow_sid)
    assert json.loads(created.attributes) == {"selected_language": "es"}
    (listed,) = ws.tasks.list()
    assert listed.sid == created.sid and listed.attributes is None
    assert json.loads(ws.tasks(created.sid).fetch().attributes) == {"selected_language": "es"}
    workers = ws.workers.list()
    assert {w.friendly_name for w in workers} == {"Alice", "Bob"}
    assert [w.attributes for w in workers] == [None, None]
    alice = ws.workers(quickstart.workers["Alice"]).fetch()
    assert json.loads(alice.attributes) == {"languages": ["en", "es"]}
    updated = ws.workers(alice.sid).update(attributes='{"languages": ["es"]}')
    assert json.loads(updated.attributes) == {"languages": ["es"]}


# -- 3. a reservation timeout moves the task to the next workflow target ------------------------
def test_a_reservation_timeout_moves_the_task_to_the_next_target_at_once(
    emulator: Any, sdk: Any
) -> None:
    ws, queues, workflow, worker = timeout_evaluation_workspace(sdk)
    idle = ws.activities.list(friendly_name="Available")[0].sid
    sid = ws.tasks.create(attributes="{}", workflow_sid=workflow).sid
    task = ws.tasks(sid)
    assert task.fetch().task_queue_sid == queues[0]
    emulator.advance(3)
    ws.workers(worker.sid).update(activity_sid=idle)
    assert task.fetch().assignment_status == "reserved"  # t=3, in Q1
    emulator.advance(5)  # t=8: the reservation times out
    fetched = task.fetch()
    assert (fetched.assignment_status, fetched.task_queue_sid) == ("pending", queues[1])
    assert ws.workers(worker.sid).fetch().activity_name == "Offline"  # the timeout activity
    # "The target timeout for this task will happen in 12 sec": Q1 + Q2 = 20 s of task age
    emulator.advance(11)
    assert task.fetch().task_queue_sid == queues[1]
    emulator.advance(1)
    assert task.fetch().task_queue_sid == queues[2]
    assert len(ws.events.list(task_sid=sid, event_type="task-queue.moved")) == 2


def test_a_reservation_timeout_in_the_last_target_keeps_the_task_there(
    emulator: Any, sdk: Any
) -> None:
    ws, queues, workflow, worker = timeout_evaluation_workspace(sdk)
    idle = ws.activities.list(friendly_name="Available")[0].sid
    task = ws.tasks(ws.tasks.create(attributes="{}", workflow_sid=workflow).sid)
    emulator.advance(21)  # in Q3 since t=20
    ws.workers(worker.sid).update(activity_sid=idle)
    emulator.advance(5)  # t=26: the reservation times out in the last target
    fetched = task.fetch()
    assert (fetched.assignment_status, fetched.task_queue_sid) == ("pending", queues[2])
    emulator.advance(4)  # t=30: Q3's own timeout: the task falls out of the workflow
    assert task.fetch().assignment_status == "canceled"


# -- 4. Workers/Statistics honours its filters ---------------------------------------------------
def test_workers_statistics_count_only_the_workers_their_filters_name(
    sdk: Any, quickstart: Any
) -> None:
    statistics = ws_of(sdk, quickstart).workers.statistics()

    def total(**filters: Any) -> int:
        return statistics.fetch(**filters).realtime["total_workers"]

    assert total() == 2
    assert total(task_queue_sid=quickstart.queues[SPANISH_QUEUE]) == 1  # Alice speaks Spanish
    assert total(task_queue_name=SPANISH_QUEUE) == 1
    assert total(friendly_name="Bob") == 1
    assert total(friendly_name="Bob", task_queue_name=SPANISH_QUEUE) == 0
    offline = {
        a["friendly_name"]: a["workers"]
        for a in statistics.fetch(task_queue_name=SPANISH_QUEUE).realtime["activity_statistics"]
    }
    assert offline["Offline"] == 1


def test_workers_statistics_cumulative_figures_follow_the_filter(
    emulator: Any, sdk: Any, quickstart: Any
) -> None:
    ws = ws_of(sdk, quickstart)
    ws.workers(quickstart.workers["Alice"]).update(activity_sid=quickstart.activities["Idle"])
    task = ws.tasks.create(attributes=ES, workflow_sid=quickstart.workflow_sid)
    (reservation,) = ws.tasks(task.sid).reservations.list()
    ws.tasks(task.sid).reservations(reservation.sid).update(reservation_status="accepted")
    statistics = ws.workers.statistics()
    assert statistics.fetch().cumulative["reservations_accepted"] == 1
    assert statistics.fetch(friendly_name="Alice").cumulative["reservations_accepted"] == 1
    assert statistics.fetch(friendly_name="Bob").cumulative["reservations_accepted"] == 0


def test_workers_statistics_refuse_an_unknown_queue(sdk: Any, quickstart: Any) -> None:
    with pytest.raises(TwilioRestException) as caught:
        ws_of(sdk, quickstart).workers.statistics().fetch(task_queue_name="Nobody's queue")
    assert caught.value.status == 400


# -- 5. Template=EMPTY ---------------------------------------------------------------------------
def test_empty_template_lets_the_app_create_its_own_activities(sdk: Any) -> None:
    workspace = sdk.taskrouter.v1.workspaces.create(friendly_name="Own", template="EMPTY")
    ws = sdk.taskrouter.v1.workspaces(workspace.sid)
    assert ws.activities.list() == []
    assert workspace.default_activity_sid is None
    with pytest.raises(TwilioRestException) as caught:
        ws.workers.create(friendly_name="Early")  # no activity to put the worker in yet
    assert caught.value.status == 400 and "ActivitySid" in caught.value.msg
    offline = ws.activities.create(friendly_name="Offline", available=False)
    idle = ws.activities.create(friendly_name="Idle", available=True)
    fetched = ws.fetch()
    assert fetched.default_activity_sid == offline.sid  # the first activity, until the app chooses
    assert fetched.timeout_activity_sid == offline.sid
    worker = ws.workers.create(friendly_name="Alice")
    assert worker.activity_sid == offline.sid
    updated = ws.update(default_activity_sid=idle.sid)
    assert updated.default_activity_name == "Idle"
    assert ws.task_channels.list()  # the task channels are there as in any workspace


@pytest.mark.parametrize("template", ["NONE", "FIFO", "none"])
def test_the_documented_templates_are_accepted(sdk: Any, template: str) -> None:
    workspace = sdk.taskrouter.v1.workspaces.create(friendly_name="T", template=template)
    names = {a.friendly_name for a in sdk.taskrouter.v1.workspaces(workspace.sid).activities.list()}
    assert names == {"Offline", "Available", "Unavailable"}


def test_an_unknown_template_is_refused(sdk: Any) -> None:
    with pytest.raises(TwilioRestException) as caught:
        sdk.taskrouter.v1.workspaces.create(friendly_name="T", template="LIFO")
    assert caught.value.status == 400
    assert sdk.taskrouter.v1.workspaces.list() == []


# -- 6. multi-tasking cannot be switched off (unless a single-tasking workspace exists) -----------
def test_a_multitasking_workspace_cannot_become_single_tasking(sdk: Any) -> None:
    workspaces = sdk.taskrouter.v1.workspaces
    multi = workspaces.create(friendly_name="Multi")
    with pytest.raises(TwilioRestException) as caught:
        workspaces(multi.sid).update(multi_task_enabled=False)
    assert caught.value.status == 400
    assert "single-tasking" in caught.value.msg
    assert workspaces(multi.sid).fetch().multi_task_enabled is True
    workspaces.create(friendly_name="Legacy", multi_task_enabled=False)
    assert workspaces(multi.sid).update(multi_task_enabled=False).multi_task_enabled is False
    assert workspaces(multi.sid).update(multi_task_enabled=True).multi_task_enabled is True


# -- 7. JSON re-serialised compactly -------------------------------------------------------------
def test_worker_attributes_and_workflow_configuration_come_back_compact(
    sdk: Any, quickstart: Any
) -> None:
    ws = ws_of(sdk, quickstart)
    spaced = '{ "languages" : [ "en", "es" ],\n  "level": 3, "name": "Zoë" }'
    worker = ws.workers.create(friendly_name="Carol", attributes=spaced)
    compact = '{"languages":["en","es"],"level":3,"name":"Zoë"}'
    assert worker.attributes == compact
    assert ws.workers(worker.sid).fetch().attributes == compact
    configuration = {
        "task_routing": {"default_filter": {"queue": quickstart.queues[SPANISH_QUEUE]}}
    }
    workflow = ws.workflows.create(
        friendly_name="Spaced", configuration=json.dumps(configuration, indent=2)
    )
    expected = json.dumps(configuration, separators=(",", ":"))
    assert workflow.configuration == expected
    assert ws.workflows(workflow.sid).fetch().configuration == expected
    task = ws.tasks.create(
        attributes='{ "selected_language" : "es" }', workflow_sid=quickstart.workflow_sid
    )
    assert task.attributes == '{ "selected_language" : "es" }'  # tasks keep their text


# -- 8. document_content_type ---------------------------------------------------------------------
def test_workflow_document_content_type_is_null(sdk: Any, quickstart: Any) -> None:
    ws = ws_of(sdk, quickstart)
    assert ws.workflows(quickstart.workflow_sid).fetch().document_content_type is None
    assert [w.document_content_type for w in ws.workflows.list()] == [None]


# -- 9. one reject, one outcome ------------------------------------------------------------------
def test_reject_without_an_activity_returns_the_worker_by_either_path(
    emulator: Any, sdk: Any
) -> None:
    answers: list[dict[str, Any]] = [{}, {"instruction": "reject"}]

    def answer(_: Received) -> tuple[int, str, str]:
        return 200, "application/json", json.dumps(answers.pop(0))

    with CallbackServer(emulator.auth_token, defer) as receiver:
        receiver.answer = answer
        qs = build_quickstart(sdk, assignment_callback_url=receiver.url())
        ws = sdk.taskrouter.v1.workspaces(qs.workspace_sid)
        alice = ws.workers(qs.workers["Alice"])
        alice.update(activity_sid=qs.activities["Idle"])
        rest = ws.tasks.create(attributes=ES, workflow_sid=qs.workflow_sid)
        assert emulator.wait_idle(5)
        assert alice.fetch().activity_name == "Reserved"
        (reservation,) = ws.tasks(rest.sid).reservations.list()
        ws.tasks(rest.sid).reservations(reservation.sid).update(reservation_status="rejected")
        after_rest = alice.fetch().activity_name
        callback = ws.tasks.create(attributes=ES, workflow_sid=qs.workflow_sid)
        assert emulator.wait_idle(5)
        (reservation,) = ws.tasks(callback.sid).reservations.list()
        assert reservation.reservation_status == "rejected"
        after_callback = alice.fetch().activity_name
    assert after_rest == after_callback == "Idle"
    assert alice.fetch().available is True
