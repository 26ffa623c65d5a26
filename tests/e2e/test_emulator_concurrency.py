"""Many client threads at once: every create acknowledged, distinct SIDs, no double reservation."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from typing import Any

from emulator_http import call
from quickstart_setup import make_sdk


def run_threads(count: int, target: Callable[[int], None]) -> None:
    errors: list[BaseException] = []

    def guarded(index: int) -> None:
        try:
            target(index)
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=guarded, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors[:3]


def test_eight_threads_times_fifty_creates(emulator: Any, quickstart: Any) -> None:
    statuses: list[int] = []
    sids: list[str] = []
    lock = threading.Lock()
    path = f"/v1/Workspaces/{quickstart.workspace_sid}/Tasks"
    form = {
        "Attributes": json.dumps({"selected_language": "en"}),
        "WorkflowSid": quickstart.workflow_sid,
    }

    def create(_: int) -> None:
        for _ in range(50):
            answer = call(emulator, "POST", path, form)
            with lock:
                statuses.append(answer.status)
                if answer.status == 201:
                    sids.append(answer.json()["sid"])

    run_threads(8, create)
    assert statuses.count(201) == 400
    assert len(set(sids)) == 400
    total = emulator.store.scalar("SELECT COUNT(*) FROM tasks")
    assert total == 400


def test_routing_race_never_double_reserves_a_worker(emulator: Any, sdk: Any) -> None:
    workspace = sdk.taskrouter.v1.workspaces.create(friendly_name="Race", multi_task_enabled=False)
    ws = sdk.taskrouter.v1.workspaces(workspace.sid)
    activities = {a.friendly_name: a.sid for a in ws.activities.list()}
    queue = ws.task_queues.create(friendly_name="All", target_workers="1==1")
    config = json.dumps({"task_routing": {"default_filter": {"queue": queue.sid}}})
    flow = ws.workflows.create(friendly_name="All", configuration=config)
    workers = [ws.workers.create(friendly_name=f"W{n}").sid for n in range(5)]

    def churn(index: int) -> None:
        client = make_sdk(emulator)
        cws = client.taskrouter.v1.workspaces(workspace.sid)
        for n in range(5):
            cws.tasks.create(attributes=json.dumps({"n": n}), workflow_sid=flow.sid)
            worker = workers[(index + n) % len(workers)]
            cws.workers(worker).update(activity_sid=activities["Available"])

    run_threads(4, churn)
    live = emulator.store.all(
        "SELECT worker_sid, COUNT(*) AS n FROM reservations "
        "WHERE status IN ('pending','accepted','wrapping') GROUP BY worker_sid"
    )
    assert live, "some reservations must exist"
    assert max(row["n"] for row in live) == 1
    reserved = emulator.store.scalar(
        "SELECT COUNT(*) FROM tasks WHERE assignment_status = 'reserved'"
    )
    assert reserved == len(live) == 5
