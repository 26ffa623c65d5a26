"""The timer thread (non-manual clocks): deadlines fire without anyone calling advance()."""

from __future__ import annotations

import json
import threading

import pytest
from quickstart_setup import build_quickstart, make_sdk
from twilio.base.exceptions import TwilioRestException

from trctl.emulator import Emulator, FakeClock
from trctl.emulator.core.retention import Retention


class JumpingClock(FakeClock):
    """A clock the scheduler thread treats like the system clock, but that tests move."""

    manual = False


def test_scheduler_thread_fires_a_task_ttl() -> None:
    clock = JumpingClock()
    with Emulator(clock=clock) as emu:
        ws_sid = make_sdk(emu).taskrouter.v1.workspaces.create(friendly_name="T").sid
        ws = make_sdk(emu).taskrouter.v1.workspaces(ws_sid)
        queue = ws.task_queues.create(friendly_name="Q").sid
        config = json.dumps({"task_routing": {"default_filter": {"queue": queue}}})
        flow = ws.workflows.create(friendly_name="F", configuration=config).sid
        task = ws.tasks.create(attributes="{}", workflow_sid=flow, timeout=600)
        canceled = threading.Event()

        def watch() -> None:
            row = emu.store.get("tasks", task.sid)
            if row is not None and row["assignment_status"] == "canceled":
                canceled.set()

        emu.core.kernel.commit_hooks.append(watch)
        fires_after(600, emu, clock, canceled)
        assert ws.tasks(task.sid).fetch().reason == "Task TTL Exceeded"


def test_scheduler_thread_deletes_a_finished_task_when_its_retention_ends() -> None:
    clock = JumpingClock()
    with Emulator(clock=clock, retention=Retention.uniform(60)) as emu:
        sdk = make_sdk(emu)
        quickstart = build_quickstart(sdk)
        ws = sdk.taskrouter.v1.workspaces(quickstart.workspace_sid)
        attributes = json.dumps({"selected_language": "es"})
        sid = ws.tasks.create(attributes=attributes, workflow_sid=quickstart.workflow_sid).sid
        deleted = threading.Event()
        emu.core.kernel.commit_hooks.append(
            lambda: emu.store.get("tasks", sid) is None and deleted.set()
        )
        ws.tasks(sid).update(assignment_status="canceled", reason="hung up")
        fires_after(60, emu, clock, deleted)
        with pytest.raises(TwilioRestException) as caught:
            ws.tasks(sid).fetch()
        assert caught.value.status == 404


def fires_after(seconds: float, emu: Emulator, clock: JumpingClock, done: threading.Event) -> None:
    """The scheduler thread does nothing a second early, and acts once the clock gets there."""
    clock.advance(seconds - 1)
    emu.scheduler.poke()
    assert not done.wait(0.1)
    clock.advance(1)
    emu.scheduler.poke()
    assert done.wait(5)
