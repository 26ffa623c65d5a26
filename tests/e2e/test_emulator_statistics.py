"""Statistics by value: one quickstart day of 100 seconds on a fake clock, every figure of the
statistics endpoints worked out by hand from the timeline below (read through the SDK).

  T=0    quickstart: Alice (en, es), Bob (en), Carol (fr), Dan (en), all Offline
  T=10   A (es) created                       -> Spanish queue, pending
  T=20   B (es) created                       -> Spanish queue, pending
  T=30   C (es, priority 5) created           -> Spanish queue, pending
  T=40   Alice -> Idle: reserved C (priority wins), Alice -> Reserved
  T=45   B's language changed to en           -> moved to the English queue, pending
  T=55   Alice accepts C                      -> Busy; C waited 25 s
  T=60   Bob -> Idle: reserved B, Bob -> Reserved
  T=65   Bob rejects B                        -> Bob back to Idle, B pending
  T=70   A canceled                           (waited 60 s)
  T=80   C completed
  T=90   Alice -> Idle: reserved B, Alice -> Reserved
  T=91   Dan -> Idle (nothing he can take)
  T=92   G (en, priority 7) created: reserved by Bob (idle longest), who accepts at once (0 s)
         -> Busy; H (en, priority 1) created -> reserved by Dan, left pending
  T=93   D (en, priority 3) created           -> English queue, pending (nobody free)
  T=95   D's language changed to es           -> moved to the Spanish queue, pending;
         E (fr) created and canceled at once (0 s: no filter matches)
  T=97   F (es) created                       -> Spanish queue, pending
  T=100  Alice accepts B (B waited 80 s, 55 of them in the English queue) -> Busy; G wraps up
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from emulator_rules import flow, workspace
from quickstart_setup import ENGLISH_QUEUE, SPANISH_QUEUE, Quickstart, build_quickstart, make_sdk
from twilio.base.exceptions import TwilioRestException

from trctl.emulator import Emulator, FakeClock
from trctl.emulator.core.clock import DEFAULT_FAKE_START, iso

ACTIVITIES = ("Offline", "Available", "Unavailable", "Idle", "Busy", "Reserved")


@dataclass
class Day:
    ws: Any
    quickstart: Quickstart
    tasks: dict[str, str]
    workers: dict[str, str]


@pytest.fixture(scope="module")
def day() -> Iterator[Day]:
    with Emulator(db_path=":memory:", clock=FakeClock()) as emulator:
        sdk = make_sdk(emulator)
        quickstart = build_quickstart(sdk)
        ws = sdk.taskrouter.v1.workspaces(quickstart.workspace_sid)
        workers = dict(quickstart.workers)
        for name, language in (("Carol", "fr"), ("Dan", "en")):
            workers[name] = ws.workers.create(
                friendly_name=name, attributes=json.dumps({"languages": [language]})
            ).sid
        activity = quickstart.activities
        tasks: dict[str, str] = {}
        clock = 0

        def at(moment: int) -> None:
            nonlocal clock
            emulator.advance(moment - clock)
            clock = moment

        def create(name: str, language: str, priority: int = 0) -> None:
            tasks[name] = ws.tasks.create(
                attributes=json.dumps({"selected_language": language}),
                workflow_sid=quickstart.workflow_sid,
                priority=priority,
            ).sid

        def reservation(task: str) -> Any:
            (pending,) = ws.tasks(tasks[task]).reservations.list(reservation_status="pending")
            return ws.tasks(tasks[task]).reservations(pending.sid)

        at(10), create("A", "es")
        at(20), create("B", "es")
        at(30), create("C", "es", priority=5)
        at(40), ws.workers(workers["Alice"]).update(activity_sid=activity["Idle"])
        at(45), ws.tasks(tasks["B"]).update(attributes='{"selected_language": "en"}')
        at(55), reservation("C").update(reservation_status="accepted")
        at(60), ws.workers(workers["Bob"]).update(activity_sid=activity["Idle"])
        at(65), reservation("B").update(reservation_status="rejected")
        at(70), ws.tasks(tasks["A"]).update(assignment_status="canceled", reason="hung up")
        at(80), ws.tasks(tasks["C"]).update(assignment_status="completed", reason="done")
        at(90), ws.workers(workers["Alice"]).update(activity_sid=activity["Idle"])
        at(91), ws.workers(workers["Dan"]).update(activity_sid=activity["Idle"])
        (
            at(92),
            create("G", "en", priority=7),
            reservation("G").update(reservation_status="accepted"),
        )
        create("H", "en", priority=1)
        at(93), create("D", "en", priority=3)
        at(95), ws.tasks(tasks["D"]).update(attributes='{"selected_language": "es"}')
        create("E", "fr")
        at(97), create("F", "es")
        at(100), reservation("B").update(reservation_status="accepted")
        ws.tasks(tasks["G"]).update(assignment_status="wrapping")
        yield Day(ws, quickstart, tasks, workers)


def by_activity(statistics: list[dict[str, Any]], field: str = "workers") -> dict[str, Any]:
    """{activity name: value} in the workspace's activity order, checking the SIDs too."""
    return {row["friendly_name"]: row[field] for row in statistics}


def durations(avg: int, low: int, high: int, total: int) -> dict[str, int]:
    return {"avg": avg, "min": low, "max": high, "total": total}


def test_the_timeline_happened(day: Day) -> None:
    """The scenario itself, so a routing change shows up here and not as odd statistics."""
    status = {name: day.ws.tasks(sid).fetch().assignment_status for name, sid in day.tasks.items()}
    assert status == {
        "A": "canceled", "B": "assigned", "C": "completed",
        "D": "pending", "E": "canceled", "F": "pending", "G": "wrapping", "H": "reserved",
    }  # fmt: skip
    holders = {
        name: sorted(r.worker_name for r in day.ws.tasks(day.tasks[name]).reservations.list())
        for name in ("B", "G", "H")
    }
    assert holders == {"B": ["Alice", "Bob"], "G": ["Bob"], "H": ["Dan"]}


def test_workspace_real_time(day: Day) -> None:
    """Kills mutants in Stats.tasks (status and priority counts, the oldest pending task by
    creation, D: 7 s old though 5 s in its queue) and Stats.activity_statistics."""
    stats = day.ws.real_time_statistics().fetch()
    assert stats.tasks_by_status == {"pending": 2, "reserved": 1, "assigned": 1, "wrapping": 1}
    assert stats.tasks_by_priority == {"3": 1, "0": 1, "1": 1}  # pending and reserved ones
    assert stats.total_tasks == 5
    assert (stats.longest_task_waiting_age, stats.longest_task_waiting_sid) == (7, day.tasks["D"])
    expected = {"Offline": 1, "Available": 0, "Unavailable": 0, "Idle": 0, "Busy": 2}
    assert by_activity(stats.activity_statistics) == {**expected, "Reserved": 1}
    assert {row["sid"] for row in stats.activity_statistics} == set(
        day.quickstart.activities.values()
    )
    assert stats.total_workers == 4


def test_workspace_cumulative(day: Day) -> None:
    """Counts of each event type and the waits until accepted (C 25, B 80, G 0 s) and until
    canceled (A 60 s, E 0 s), split at 25 and 60 s (a wait equal to the split is below)."""
    stats = day.ws.cumulative_statistics().fetch(split_by_wait_time="25,60")
    reservations = (
        stats.reservations_created, stats.reservations_accepted, stats.reservations_rejected,
        stats.reservations_timed_out, stats.reservations_canceled, stats.reservations_rescinded,
    )  # fmt: skip
    assert reservations == (5, 3, 1, 0, 0, 0)
    tasks = (
        stats.tasks_created, stats.tasks_canceled, stats.tasks_completed, stats.tasks_deleted,
        stats.tasks_moved, stats.tasks_timed_out_in_workflow,
    )  # fmt: skip
    assert tasks == (8, 2, 1, 0, 2, 0)
    assert stats.avg_task_acceptance_time == 35
    assert stats.wait_duration_until_accepted == durations(35, 0, 80, 105)
    assert stats.wait_duration_until_canceled == durations(30, 0, 60, 60)
    assert stats.split_by_wait_time == {
        "25": {
            "above": {"tasks_canceled": 1, "reservations_accepted": 1},
            "below": {"tasks_canceled": 1, "reservations_accepted": 2},
        },
        "60": {
            "above": {"tasks_canceled": 0, "reservations_accepted": 1},
            "below": {"tasks_canceled": 2, "reservations_accepted": 2},
        },
    }
    assert (stats.start_time.timestamp(), stats.end_time.timestamp()) == (
        DEFAULT_FAKE_START + 100 - 15 * 60,  # the default window: 15 minutes up to now
        DEFAULT_FAKE_START + 100,
    )


def test_cumulative_window_includes_both_ends(day: Day) -> None:
    """StartDate T=60 and EndDate T=90 are inclusive: Bob's reservation at 60 and Alice's at 90
    count, A's creation at 10 and B's acceptance at 100 do not."""
    stats = day.ws.cumulative_statistics().fetch(
        start_date=iso(DEFAULT_FAKE_START + 60), end_date=iso(DEFAULT_FAKE_START + 90)
    )
    assert (stats.reservations_created, stats.reservations_accepted) == (2, 0)
    assert (stats.reservations_rejected, stats.tasks_created) == (1, 0)
    assert (stats.tasks_canceled, stats.tasks_completed) == (1, 1)
    assert stats.wait_duration_until_canceled == durations(60, 60, 60, 60)
    assert stats.wait_duration_until_accepted == durations(0, 0, 0, 0)


def test_queue_real_time(day: Day) -> None:
    """Per queue: its tasks only, the one waiting longest in the queue, and its eligible
    workers (TargetWorkers) by activity, with how many of them are available."""
    spanish = day.ws.task_queues(day.quickstart.queues[SPANISH_QUEUE])
    stats = spanish.real_time_statistics().fetch()
    assert stats.tasks_by_status == {"pending": 2, "reserved": 0, "assigned": 0, "wrapping": 0}
    assert (stats.total_tasks, stats.tasks_by_priority) == (2, {"3": 1, "0": 1})
    assert (stats.longest_task_waiting_age, stats.longest_task_waiting_sid) == (7, day.tasks["D"])
    in_queue = (stats.longest_relative_task_age_in_queue, stats.longest_relative_task_sid_in_queue)
    assert in_queue == (5, day.tasks["D"])
    assert by_activity(stats.activity_statistics) == dict.fromkeys(ACTIVITIES, 0) | {"Busy": 1}
    assert (stats.total_eligible_workers, stats.total_available_workers) == (1, 0)

    english = day.ws.task_queues(day.quickstart.queues[ENGLISH_QUEUE])
    stats = english.real_time_statistics().fetch()
    assert stats.tasks_by_status == {"pending": 0, "reserved": 1, "assigned": 1, "wrapping": 1}
    assert (stats.total_tasks, stats.tasks_by_priority) == (3, {"1": 1})
    assert (stats.longest_task_waiting_age, stats.longest_task_waiting_sid) == (0, None)
    assert by_activity(stats.activity_statistics) == dict.fromkeys(ACTIVITIES, 0) | {
        "Busy": 2,
        "Reserved": 1,
    }
    assert (stats.total_eligible_workers, stats.total_available_workers) == (3, 0)


def test_queue_cumulative(day: Day) -> None:
    """Per queue: the events of its tasks while in it; the wait in the queue counts from the
    last task-queue.entered, inclusive (B: 55 s in English, though 80 s old; G: 0 s)."""
    spanish = day.ws.task_queues(day.quickstart.queues[SPANISH_QUEUE])
    stats = spanish.cumulative_statistics().fetch()
    counts = (stats.reservations_created, stats.reservations_accepted, stats.reservations_rejected)
    assert counts == (1, 1, 0)
    assert (stats.tasks_entered, stats.tasks_moved) == (5, 1)  # D moved in
    assert (stats.tasks_canceled, stats.tasks_completed) == (1, 1)
    assert stats.wait_duration_until_accepted == durations(25, 25, 25, 25)
    assert stats.wait_duration_until_canceled == durations(60, 60, 60, 60)
    assert stats.wait_duration_in_queue_until_accepted == durations(25, 25, 25, 25)

    english = day.ws.task_queues(day.quickstart.queues[ENGLISH_QUEUE])
    stats = english.cumulative_statistics().fetch(split_by_wait_time="80")
    counts = (stats.reservations_created, stats.reservations_accepted, stats.reservations_rejected)
    assert counts == (4, 2, 1)
    assert (stats.tasks_entered, stats.tasks_moved, stats.tasks_canceled) == (4, 1, 0)
    assert stats.wait_duration_until_accepted == durations(40, 0, 80, 80)
    assert stats.wait_duration_in_queue_until_accepted == durations(27, 0, 55, 55)
    assert stats.wait_duration_until_canceled == durations(0, 0, 0, 0)
    assert stats.split_by_wait_time["80"]["below"]["reservations_accepted"] == 2


def test_workflow_statistics(day: Day) -> None:
    """The workflow saw every task: eight entered it, the real-time figures are the workspace's."""
    stats = day.ws.workflows(day.quickstart.workflow_sid).statistics().fetch()
    realtime, cumulative = stats.realtime, stats.cumulative
    assert realtime["tasks_by_status"] == {
        "pending": 2, "reserved": 1, "assigned": 1, "wrapping": 1,
    }  # fmt: skip
    assert realtime["longest_task_waiting_sid"] == day.tasks["D"]
    assert (cumulative["tasks_entered"], cumulative["tasks_canceled"]) == (8, 2)
    assert cumulative["wait_duration_until_canceled"] == durations(30, 0, 60, 60)
    assert cumulative["avg_task_acceptance_time"] == 35


def test_worker_activity_durations(day: Day) -> None:
    """Time in each activity, from worker.activity.update events: Alice Offline 40 s, Reserved
    15 and 10 s, Busy 35 s, Idle twice 0 s; Bob Offline 60 s, Idle 0 and 27 s, Reserved 5 and
    0 s; Dan Offline 91 s, Idle 1 s (a worker's current activity has no duration yet)."""
    alice = day.ws.workers(day.workers["Alice"]).statistics().fetch().cumulative
    assert (alice["reservations_created"], alice["reservations_accepted"]) == (2, 2)
    assert by_activity(alice["activity_durations"], "total") == {
        "Offline": 40, "Available": 0, "Unavailable": 0, "Idle": 0, "Busy": 35, "Reserved": 25,
    }  # fmt: skip
    reserved = by_activity(alice["activity_durations"], "max")["Reserved"]
    assert (reserved, by_activity(alice["activity_durations"], "min")["Reserved"]) == (15, 10)

    everyone = day.ws.workers.statistics().fetch().cumulative
    assert (everyone["reservations_created"], everyone["reservations_rejected"]) == (5, 1)
    rows = {row["friendly_name"]: row for row in everyone["activity_durations"]}
    assert {name: {k: rows[name][k] for k in ("avg", "min", "max", "total")} for name in rows} == {
        "Offline": durations(63, 40, 91, 191),
        "Available": durations(0, 0, 0, 0),
        "Unavailable": durations(0, 0, 0, 0),
        "Idle": durations(5, 0, 27, 28),
        "Busy": durations(35, 35, 35, 35),
        "Reserved": durations(7, 0, 15, 30),
    }


def test_workers_statistics_narrowed_to_a_queue(day: Day) -> None:
    """TaskQueueSid keeps the workers the queue targets (Spanish: Alice alone), FriendlyName the
    worker so named."""
    spanish = day.quickstart.queues[SPANISH_QUEUE]
    stats = day.ws.workers.statistics().fetch(task_queue_sid=spanish)
    assert by_activity(stats.realtime["activity_statistics"])["Busy"] == 1
    assert stats.realtime["total_workers"] == 1
    assert stats.cumulative["reservations_created"] == 2
    bob = day.ws.workers.statistics().fetch(friendly_name="Bob")
    assert (bob.realtime["total_workers"], bob.cumulative["reservations_created"]) == (1, 2)
    assert by_activity(bob.cumulative["activity_durations"], "total")["Idle"] == 27
    everyone = day.ws.workers.real_time_statistics().fetch()
    assert everyone.total_workers == 4
    assert by_activity(everyone.activity_statistics)["Offline"] == 1


# -- edges of the timeline above: nothing happened, a channel scope, unknown names ---------------


ZERO_WHEN_NOTHING_HAPPENED = ("tasks_completed", "tasks_moved", "tasks_entered")


def test_a_workspace_where_nothing_happened_counts_zero(emulator: Any, sdk: Any) -> None:
    """No task completed, moved or entered, none waiting: every such figure is 0 (kills the
    defaults of 1 and -1 for an event type never seen)."""
    ws, _ = workspace(sdk)
    queue = ws.task_queues.create(friendly_name="Q").sid
    workflow = flow(ws, {"default_filter": {"queue": queue}})
    options = {"minutes": 60}
    for figures in (
        ws.statistics().fetch(**options).cumulative,
        ws.task_queues(queue).statistics().fetch(**options).cumulative,
        ws.workflows(workflow).statistics().fetch(**options).cumulative,
    ):
        counted = {key: figures[key] for key in figures if key in ZERO_WHEN_NOTHING_HAPPENED}
        assert counted and set(counted.values()) == {0}, counted
    realtime = ws.task_queues(queue).real_time_statistics().fetch()
    assert realtime.longest_relative_task_age_in_queue == 0
    assert realtime.longest_relative_task_sid_in_queue is None


def test_a_channel_scope_must_name_a_channel(emulator: Any, sdk: Any) -> None:
    """TaskChannel=voice scopes the figures; a channel of no workspace is a 400 (kills the
    inverted check, which refuses voice and reads the missing one)."""
    ws, _ = workspace(sdk)
    queue = ws.task_queues.create(friendly_name="Q").sid
    workflow = flow(ws, {"default_filter": {"queue": queue}})
    ws.tasks.create(attributes="{}", workflow_sid=workflow, task_channel="voice")
    ws.tasks.create(attributes="{}", workflow_sid=workflow, task_channel="chat")
    voice = ws.task_queues(queue).real_time_statistics().fetch(task_channel="voice")
    assert voice.total_tasks == 1
    with pytest.raises(TwilioRestException) as refused:
        ws.task_queues(queue).real_time_statistics().fetch(task_channel="pigeon")
    assert refused.value.status == 400 and "pigeon" in refused.value.msg


def test_worker_statistics_name_the_unknown_queue(emulator: Any, sdk: Any) -> None:
    """Workers/Statistics with a TaskQueueSid of no workspace: a 400 naming that SID (kills
    naming `None`)."""
    ws, _ = workspace(sdk)
    stranger = "WQ" + "0" * 32
    with pytest.raises(TwilioRestException) as refused:
        ws.workers.statistics().fetch(task_queue_sid=stranger)
    assert refused.value.status == 400 and f"TaskQueue {stranger} does" in refused.value.msg


def test_time_in_queue_counts_from_a_moment_between_seconds(emulator: Any, sdk: Any) -> None:
    """The task enters its queue at 0.5 s and is accepted at 10.2 s: 9 whole seconds in the
    queue (kills looking for the queue entry no earlier than its whole-second age allows)."""
    ws, activities = workspace(sdk)
    queue = ws.task_queues.create(friendly_name="Q").sid
    workflow = flow(ws, {"default_filter": {"queue": queue}})
    emulator.advance(0.5)
    task = ws.tasks.create(attributes="{}", workflow_sid=workflow).sid
    emulator.advance(9.7)
    ws.workers.create(friendly_name="Ann", activity_sid=activities["Available"])
    (reservation,) = ws.tasks(task).reservations.list()
    ws.tasks(task).reservations(reservation.sid).update(reservation_status="accepted")
    figures = ws.task_queues(queue).statistics().fetch(minutes=60).cumulative
    assert figures["wait_duration_in_queue_until_accepted"]["max"] == 9
    assert figures["wait_duration_until_accepted"]["max"] == 9
