"""The emulator's REST API through the official twilio SDK: CRUD, defaults, paging, filters."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

import pytest
from emulator_http import call
from twilio.base.exceptions import TwilioRestException


def ws_of(sdk: Any, quickstart: Any) -> Any:
    return sdk.taskrouter.v1.workspaces(quickstart.workspace_sid)


def test_new_workspace_has_default_activities_channels_and_worker_channels(sdk: Any) -> None:
    workspace = sdk.taskrouter.v1.workspaces.create(friendly_name="Fresh")
    assert workspace.multi_task_enabled is True
    assert workspace.default_activity_name == "Offline"
    assert workspace.timeout_activity_name == "Offline"
    ws = sdk.taskrouter.v1.workspaces(workspace.sid)
    names = {a.friendly_name: a.available for a in ws.activities.list()}
    assert names == {"Offline": False, "Available": True, "Unavailable": False}
    channels = sorted(c.unique_name for c in ws.task_channels.list())
    assert channels == ["chat", "default", "sms", "video", "voice"]
    worker = ws.workers.create(friendly_name="W")
    assert worker.activity_sid == workspace.default_activity_sid
    assert worker.available is False
    worker_channels = ws.workers(worker.sid).worker_channels.list()
    assert sorted(c.task_channel_unique_name for c in worker_channels) == channels
    assert {c.configured_capacity for c in worker_channels} == {1}


def test_fifo_template_adds_a_queue_and_a_workflow(sdk: Any) -> None:
    workspace = sdk.taskrouter.v1.workspaces.create(friendly_name="Templated", template="FIFO")
    ws = sdk.taskrouter.v1.workspaces(workspace.sid)
    (queue,) = ws.task_queues.list()
    (workflow,) = ws.workflows.list()
    assert (
        json.loads(workflow.configuration)["task_routing"]["default_filter"]["queue"] == queue.sid
    )
    task = ws.tasks.create(attributes="{}")  # WorkflowSid may be omitted: only one workflow
    assert task.task_queue_sid == queue.sid
    assert task.assignment_status == "pending"


def test_task_create_puts_it_pending_in_the_queue_the_workflow_routes_to(
    sdk: Any, quickstart: Any
) -> None:
    ws = ws_of(sdk, quickstart)
    task = ws.tasks.create(
        attributes=json.dumps({"selected_language": "en"}), workflow_sid=quickstart.workflow_sid
    )
    assert task.assignment_status == "pending"
    assert task.task_queue_friendly_name == "Customer Care Requests - English"
    assert task.workflow_friendly_name == "Incoming Customer Care Requests"
    assert task.task_channel_unique_name == "default"
    assert task.timeout == 86400
    assert task.sid.startswith("WT") and len(task.sid) == 34
    assert json.loads(task.attributes) == {"selected_language": "en"}


def test_crud_round_trip_for_every_resource(sdk: Any, quickstart: Any) -> None:
    ws = ws_of(sdk, quickstart)
    activity = ws.activities.create(friendly_name="Lunch", available=False)
    assert ws.activities(activity.sid).update(friendly_name="Lunch break").friendly_name == (
        "Lunch break"
    )
    queue = ws.task_queues.create(friendly_name="Q", target_workers="1==1", max_reserved_workers=2)
    queue = ws.task_queues(queue.sid).update(task_order="LIFO")
    assert (queue.task_order, queue.max_reserved_workers) == ("LIFO", 2)
    config = json.dumps({"task_routing": {"default_filter": {"queue": queue.sid}}})
    flow = ws.workflows.create(friendly_name="F", configuration=config)
    assert flow.task_reservation_timeout == 120
    assert ws.workflows(flow.sid).update(task_reservation_timeout=30).task_reservation_timeout == 30
    channel = ws.task_channels.create(friendly_name="Email", unique_name="email")
    assert ws.task_channels("email").fetch().sid == channel.sid  # by unique_name too
    worker = ws.workers.create(friendly_name="Carol", attributes='{"languages": ["fr"]}')
    worker = ws.workers(worker.sid).update(attributes='{"languages": ["fr", "de"]}')
    assert json.loads(worker.attributes)["languages"] == ["fr", "de"]
    task = ws.tasks.create(attributes="{}", workflow_sid=flow.sid, priority=5)
    assert ws.tasks(task.sid).update(priority=7).priority == 7
    for resource in (
        ws.tasks(task.sid),
        ws.workers(worker.sid),
        ws.task_channels(channel.sid),
        ws.workflows(flow.sid),
        ws.task_queues(queue.sid),
        ws.activities(activity.sid),
    ):
        assert resource.delete() is True
        with pytest.raises(TwilioRestException) as caught:
            resource.fetch()
        assert caught.value.status == 404
        assert caught.value.code == 20404
        assert "was not found" in caught.value.msg
    assert sdk.taskrouter.v1.workspaces(quickstart.workspace_sid).delete() is True
    with pytest.raises(TwilioRestException):
        sdk.taskrouter.v1.workspaces(quickstart.workspace_sid).fetch()


def test_paging_streams_every_task_exactly_once(emulator: Any, sdk: Any, quickstart: Any) -> None:
    ws = ws_of(sdk, quickstart)
    created = [
        ws.tasks.create(attributes=json.dumps({"n": n}), workflow_sid=quickstart.workflow_sid).sid
        for n in range(23)
    ]
    seen = [task.sid for task in ws.tasks.stream(page_size=5)]
    assert seen == created  # default order: DateCreated asc, ties in creation order
    page = call(emulator, "GET", f"/v1/Workspaces/{quickstart.workspace_sid}/Tasks?PageSize=5")
    meta = page.json()["meta"]
    assert meta["key"] == "tasks" and meta["page"] == 0 and meta["page_size"] == 5
    assert meta["previous_page_url"] is None
    assert urlsplit(meta["next_page_url"]).netloc == urlsplit(emulator.url).netloc
    second = call(emulator, "GET", meta["next_page_url"]).json()
    assert second["meta"]["page"] == 1
    assert [t["sid"] for t in second["tasks"]] == created[5:10]
    back = call(emulator, "GET", second["meta"]["previous_page_url"]).json()
    assert [t["sid"] for t in back["tasks"]] == created[:5]
    assert ws.tasks.list(limit=7, page_size=3)[-1].sid == created[6]


def test_page_size_is_bounded(emulator: Any, quickstart: Any) -> None:
    base = f"/v1/Workspaces/{quickstart.workspace_sid}/Tasks"
    assert call(emulator, "GET", base + "?PageSize=1001").status == 400
    assert call(emulator, "GET", base + "?PageToken=garbage").status == 400
    assert call(emulator, "GET", base + "?PageSize=1000").json()["meta"]["page_size"] == 1000


def test_task_list_filters(sdk: Any, quickstart: Any) -> None:
    ws = ws_of(sdk, quickstart)
    flow = quickstart.workflow_sid
    es = ws.tasks.create(attributes='{"selected_language": "es", "v": 1}', workflow_sid=flow)
    en = ws.tasks.create(attributes='{"selected_language": "en", "v": 2}', workflow_sid=flow)
    hi = ws.tasks.create(
        attributes='{"selected_language": "en", "v": 3}', workflow_sid=flow, priority=9
    )
    ws.tasks(en.sid).update(assignment_status="canceled", reason="test")

    def sids(**filters: Any) -> list[str]:
        return [t.sid for t in ws.tasks.list(**filters)]

    assert sids(assignment_status=["pending"]) == [es.sid, hi.sid]
    assert sids(assignment_status=["pending", "canceled"]) == [es.sid, en.sid, hi.sid]
    assert sids(task_queue_name="Customer Care Requests - English") == [en.sid, hi.sid]
    assert sids(task_queue_sid=quickstart.queues["Customer Care Requests - Spanish"]) == [es.sid]
    assert sids(workflow_name="Incoming Customer Care Requests") == [es.sid, en.sid, hi.sid]
    assert sids(workflow_sid=flow, evaluate_task_attributes="v >= 2") == [en.sid, hi.sid]
    assert sids(ordering="Priority:desc") == [hi.sid, es.sid, en.sid]
    assert sids(priority=9) == [hi.sid]


def test_assignment_status_comma_form(emulator: Any, sdk: Any, quickstart: Any) -> None:
    ws = ws_of(sdk, quickstart)
    task = ws.tasks.create(
        attributes='{"selected_language": "en"}', workflow_sid=quickstart.workflow_sid
    )
    path = f"/v1/Workspaces/{quickstart.workspace_sid}/Tasks?AssignmentStatus=pending%2Creserved"
    assert [t["sid"] for t in call(emulator, "GET", path).json()["tasks"]] == [task.sid]


def test_worker_list_filters(sdk: Any, quickstart: Any) -> None:
    ws = ws_of(sdk, quickstart)
    alice, bob = quickstart.workers["Alice"], quickstart.workers["Bob"]
    ws.workers(alice).update(activity_sid=quickstart.activities["Idle"])

    def names(**filters: Any) -> list[str]:
        return [w.friendly_name for w in ws.workers.list(**filters)]

    assert names(activity_name="Idle") == ["Alice"]
    assert names(activity_sid=quickstart.activities["Offline"]) == ["Bob"]
    assert names(available="true") == ["Alice"]
    assert names(available="false") == ["Bob"]
    assert names(friendly_name="Bob") == ["Bob"]
    assert names(target_workers_expression='languages HAS "es"') == ["Alice"]
    assert names(target_workers_expression="activity_name == 'Offline'") == ["Bob"]
    assert names(task_queue_name="Customer Care Requests - English") == ["Alice", "Bob"]
    assert names(task_queue_sid=quickstart.queues["Customer Care Requests - Spanish"]) == ["Alice"]
    assert bob


def test_worker_channel_update(sdk: Any, quickstart: Any) -> None:
    ws = ws_of(sdk, quickstart)
    alice = quickstart.workers["Alice"]
    channel = ws.workers(alice).worker_channels("voice").update(capacity=3, available=False)
    assert (channel.configured_capacity, channel.available) == (3, False)
    assert ws.workers(alice).worker_channels(channel.sid).fetch().configured_capacity == 3


def test_queue_and_activity_name_filters(sdk: Any, quickstart: Any) -> None:
    ws = ws_of(sdk, quickstart)
    assert [a.friendly_name for a in ws.activities.list(friendly_name="Idle")] == ["Idle"]
    assert {a.friendly_name for a in ws.activities.list(available="true")} == {"Available", "Idle"}
    queues = ws.task_queues.list(evaluate_worker_attributes='{"languages": ["es"]}')
    assert [q.friendly_name for q in queues] == ["Customer Care Requests - Spanish"]
    assert [
        w.friendly_name
        for w in sdk.taskrouter.v1.workspaces.list(friendly_name="TaskRouter Quickstart")
    ] == ["TaskRouter Quickstart"]
