"""Durability across restarts: persisted credentials, re-armed timers, outbox resumed with the
same idempotency token."""

from __future__ import annotations

import json
from pathlib import Path

from emulator_callbacks import CallbackServer, defer
from emulator_rules import flow, held_by, workspace
from quickstart_setup import build_quickstart, make_sdk
from twilio.request_validator import RequestValidator

from trctl.emulator import Emulator, FakeClock

ES = json.dumps({"selected_language": "es"})


def test_restart_keeps_credentials_timers_and_pending_callbacks(tmp_path: Path) -> None:
    db = tmp_path / "emulator.db"
    clock = FakeClock()
    with CallbackServer("unused", defer) as receiver:
        with Emulator(db_path=db, clock=clock, deliver=False) as first:
            receiver.validator = RequestValidator(first.auth_token)
            sdk = make_sdk(first)
            qs = build_quickstart(
                sdk, assignment_callback_url=receiver.url(), reservation_timeout=60
            )
            ws = sdk.taskrouter.v1.workspaces(qs.workspace_sid)
            ws.workers(qs.workers["Alice"]).update(activity_sid=qs.activities["Idle"])
            task = ws.tasks.create(attributes=ES, workflow_sid=qs.workflow_sid)
            credentials = (first.account_sid, first.auth_token)
            assert not receiver.received  # not delivering: the outbox row waits
        with Emulator(db_path=db, clock=clock) as second:
            assert (second.account_sid, second.auth_token) == credentials
            assert second.wait_idle(5)
            (callback,) = receiver.received
            assert callback.signature_valid
            token = callback.headers["i-twilio-idempotency-token"]
            row = second.store.one("SELECT * FROM outbox WHERE kind = 'assignment'")
            assert row["idempotency_token"] == token and row["state"] == "delivered"
            ws = make_sdk(second).taskrouter.v1.workspaces(qs.workspace_sid)
            assert ws.tasks(task.sid).fetch().assignment_status == "reserved"
            second.advance(60)  # the reservation deadline survived the restart
            assert ws.tasks(task.sid).fetch().assignment_status == "pending"
            assert second.store.integrity_check() == "ok"


def test_event_callbacks_left_undelivered_are_sent_after_a_restart_and_only_once(
    tmp_path: Path,
) -> None:
    """Event callbacks have no outbox rows: the event log is the queue and each URL's cursor
    in it is what a restart resumes from."""
    db = tmp_path / "emulator.db"
    with CallbackServer("unused", defer) as receiver:
        with Emulator(db_path=db, clock=FakeClock(), deliver=False) as first:
            receiver.validator = RequestValidator(first.auth_token)
            sdk = make_sdk(first)
            qs = build_quickstart(sdk)
            ws = sdk.taskrouter.v1.workspaces(qs.workspace_sid)
            ws.update(event_callback_url=receiver.url("/events"))
            ws.tasks.create(attributes=ES, workflow_sid=qs.workflow_sid)
            recorded = [e.sid for e in ws.events.list(minutes=60)]
        assert not receiver.received
        with Emulator(db_path=db, clock=FakeClock()) as second:
            assert second.wait_idle(5)
        sent = [item.params["Sid"] for item in receiver.received]
        assert all(item.signature_valid for item in receiver.received)
        since_update = recorded[recorded.index(sent[0]) :]
        assert sent == since_update  # every event after the URL was set, in order
        with Emulator(db_path=db, clock=FakeClock()) as third:
            assert third.wait_idle(5)
        assert [item.params["Sid"] for item in receiver.received] == sent  # not again


def test_a_store_from_before_routing_classes_routes_its_waiting_tasks(tmp_path: Path) -> None:
    """A schema-1 store has no routing classes: opening it classifies every waiting task, so a
    worker who becomes available finds the task (kills classifying none of them)."""
    db = tmp_path / "emulator.db"
    clock = FakeClock()
    with Emulator(db_path=db, clock=clock) as first:
        ws, activities = workspace(make_sdk(first))
        queue = ws.task_queues.create(friendly_name="Q").sid
        workflow = flow(ws, {"default_filter": {"queue": queue}})
        ann = ws.workers.create(friendly_name="Ann", activity_sid=activities["Offline"]).sid
        task = ws.tasks.create(attributes="{}", workflow_sid=workflow).sid
        first.store.execute("UPDATE tasks SET routing_class = NULL")
        first.store.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
    with Emulator(db_path=db, clock=clock) as second:
        ws = make_sdk(second).taskrouter.v1.workspaces(ws._solution["sid"])
        ws.workers(ann).update(activity_sid=activities["Available"])
        assert held_by(ws, ann) == [task]
