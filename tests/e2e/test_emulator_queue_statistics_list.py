"""GET /TaskQueues/Statistics works out a whole page's cumulative figures from one reading of
the event log; each record must still be exactly what the queue's own Statistics says."""

from __future__ import annotations

import json
from typing import Any

from emulator_http import call
from emulator_rules import flow, workspace
from quickstart_setup import build_quickstart, make_sdk

from trctl.emulator import Emulator, FakeClock

ES = json.dumps({"selected_language": "es"})
EN = json.dumps({"selected_language": "en"})


def test_each_listed_queue_has_the_figures_of_its_own_statistics() -> None:
    clock = FakeClock()
    with Emulator(clock=clock) as emu:
        sdk = make_sdk(emu)
        qs = build_quickstart(sdk)
        ws = sdk.taskrouter.v1.workspaces(qs.workspace_sid)
        alice, bob = qs.workers["Alice"], qs.workers["Bob"]
        # Spanish: one accepted after 30 s, one canceled after 50 s; English: one accepted
        # after 10 s, one waiting
        first = ws.tasks.create(attributes=ES, workflow_sid=qs.workflow_sid)
        clock.advance(30)
        ws.workers(alice).update(activity_sid=qs.activities["Idle"])
        accept_pending(ws, alice)
        canceled = ws.tasks.create(attributes=ES, workflow_sid=qs.workflow_sid)
        english = ws.tasks.create(attributes=EN, workflow_sid=qs.workflow_sid)
        clock.advance(10)
        ws.workers(bob).update(activity_sid=qs.activities["Idle"])
        accept_pending(ws, bob)
        ws.tasks.create(attributes=EN, workflow_sid=qs.workflow_sid)
        clock.advance(40)
        ws.tasks(canceled.sid).update(assignment_status="canceled", reason="gone")
        ws.tasks(first.sid).update(assignment_status="completed", reason="done")
        assert ws.tasks(english.sid).fetch().assignment_status == "assigned"

        for split in (None, "5,35"):
            options: dict[str, Any] = {"minutes": 60}
            if split:
                options["split_by_wait_time"] = split
            listed = {
                stats.task_queue_sid: stats.cumulative
                for stats in ws.task_queues.statistics.list(**options)
            }
            own = {
                sid: ws.task_queues(sid).statistics().fetch(**options).cumulative
                for sid in qs.queues.values()
            }
            assert listed == own
        spanish = listed[qs.queues["Customer Care Requests - Spanish"]]
        assert (spanish["reservations_accepted"], spanish["tasks_canceled"]) == (1, 1)
        assert spanish["wait_duration_until_accepted"]["max"] == 30
        english_figures = listed[qs.queues["Customer Care Requests - English"]]
        assert english_figures["wait_duration_until_accepted"]["max"] == 10
        assert english_figures["split_by_wait_time"]["5"]["above"]["reservations_accepted"] == 1


def accept_pending(ws: Any, worker_sid: str) -> None:
    (reservation,) = ws.workers(worker_sid).reservations.list(reservation_status="pending")
    ws.workers(worker_sid).reservations(reservation.sid).update(reservation_status="accepted")


def test_bulk_real_time_statistics_answer_known_queues_and_refuse_others(
    emulator: Any, sdk: Any
) -> None:
    """POST TaskQueues/RealTimeStatistics: a queue of the workspace gets its figures, one of no
    workspace a 400 naming it (kills the inverted existence check)."""
    ws, _ = workspace(sdk)
    queue = ws.task_queues.create(friendly_name="Q").sid
    workflow = flow(ws, {"default_filter": {"queue": queue}})
    ws.tasks.create(attributes="{}", workflow_sid=workflow)
    path = f"/v1/Workspaces/{ws._solution['sid']}/TaskQueues/RealTimeStatistics"
    json_body = {"Content-Type": "application/json"}
    known = call(emulator, "POST", path, raw_body=json.dumps([queue]).encode(), headers=json_body)
    assert known.status == 200, known.json()
    (figures,) = known.json()["task_queue_data"]
    assert (figures["task_queue_sid"], figures["total_tasks"]) == (queue, 1)
    stranger = "WQ" + "0" * 32
    unknown = call(
        emulator, "POST", path, raw_body=json.dumps([stranger]).encode(), headers=json_body
    )
    assert unknown.status == 400 and stranger in unknown.json()["message"]
