"""The timer thread (non-manual clocks): deadlines fire without anyone calling advance()."""

from __future__ import annotations

import json
import threading

from quickstart_setup import make_sdk

from trctl.emulator import Emulator, FakeClock


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
        clock.advance(599)
        emu.scheduler.poke()
        assert not canceled.wait(0.1)
        clock.advance(1)
        emu.scheduler.poke()
        assert canceled.wait(5)
        assert ws.tasks(task.sid).fetch().reason == "Task TTL Exceeded"
