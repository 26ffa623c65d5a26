"""One official-SDK call per TaskRouter operation, for the parity report's "SDK test" column.

`SDK_CALLS` maps the spec's operationId to a call made with the twilio library against a scene
built through it. tests/e2e/test_emulator_sdk_parity.py runs every entry and checks, from the
requests the SDK itself sent, that the call reached exactly that operation; scripts/gen_parity.py
reads the keys. An operation is listed here only if such a call exists and passes.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from quickstart_setup import SPANISH_QUEUE, build_quickstart

ES = json.dumps({"selected_language": "es"})


class Scene:
    """The quickstart through the SDK: Alice holds an accepted Spanish task, Bob a pending
    English one; plus throwaway resources for the deletes."""

    def __init__(self, sdk: Any) -> None:
        self.sdk = sdk
        self.qs = qs = build_quickstart(sdk)
        self.ws = ws = sdk.taskrouter.v1.workspaces(qs.workspace_sid)
        ws.workers(qs.workers["Alice"]).update(activity_sid=qs.activities["Idle"])
        self.task = ws.tasks.create(attributes=ES, workflow_sid=qs.workflow_sid).sid
        (accepted,) = ws.tasks(self.task).reservations.list()
        ws.tasks(self.task).reservations(accepted.sid).update(reservation_status="accepted")
        self.accepted = accepted.sid
        ws.workers(qs.workers["Bob"]).update(activity_sid=qs.activities["Idle"])
        english = json.dumps({"selected_language": "en"})
        self.english = ws.tasks.create(attributes=english, workflow_sid=qs.workflow_sid).sid
        (pending,) = ws.tasks(self.english).reservations.list()
        self.pending = pending.sid
        self.alice = qs.workers["Alice"]
        self.bob = qs.workers["Bob"]
        self.queue = qs.queues[SPANISH_QUEUE]
        self.channel = ws.workers(self.alice).worker_channels.list(limit=1)[0].sid

    def doomed_queue(self) -> str:
        return self.ws.task_queues.create(friendly_name="Doomed").sid


class QueueSids:
    """The bulk statistics body: the SDK serialises it with to_dict() as JSON."""

    def __init__(self, *sids: str) -> None:
        self.sids = list(sids)

    def to_dict(self) -> dict[str, Any]:
        return {"TaskQueueSids": self.sids}


def _workflow_config(queue: str) -> str:
    return json.dumps({"task_routing": {"default_filter": {"queue": queue}}})


SDK_CALLS: dict[str, Callable[[Scene], Any]] = {
    # workspaces
    "ListWorkspace": lambda s: s.sdk.taskrouter.v1.workspaces.list(),
    "CreateWorkspace": lambda s: s.sdk.taskrouter.v1.workspaces.create(friendly_name="New"),
    "FetchWorkspace": lambda s: s.ws.fetch(),
    "UpdateWorkspace": lambda s: s.ws.update(friendly_name="Renamed"),
    "DeleteWorkspace": lambda s: s.sdk.taskrouter.v1.workspaces(
        s.sdk.taskrouter.v1.workspaces.create(friendly_name="Doomed").sid
    ).delete(),
    "FetchWorkspaceStatistics": lambda s: s.ws.statistics().fetch(),
    "FetchWorkspaceRealTimeStatistics": lambda s: s.ws.real_time_statistics().fetch(),
    "FetchWorkspaceCumulativeStatistics": lambda s: s.ws.cumulative_statistics().fetch(),
    # activities
    "ListActivity": lambda s: s.ws.activities.list(),
    "CreateActivity": lambda s: s.ws.activities.create(friendly_name="Lunch", available=False),
    "FetchActivity": lambda s: s.ws.activities(s.qs.activities["Idle"]).fetch(),
    "UpdateActivity": lambda s: s.ws.activities(s.qs.activities["Idle"]).update(
        friendly_name="Ready"
    ),
    "DeleteActivity": lambda s: s.ws.activities(
        s.ws.activities.create(friendly_name="Doomed", available=False).sid
    ).delete(),
    # task channels
    "ListTaskChannel": lambda s: s.ws.task_channels.list(),
    "CreateTaskChannel": lambda s: s.ws.task_channels.create(
        friendly_name="Email", unique_name="email"
    ),
    "FetchTaskChannel": lambda s: s.ws.task_channels("voice").fetch(),
    "UpdateTaskChannel": lambda s: s.ws.task_channels("voice").update(friendly_name="Calls"),
    "DeleteTaskChannel": lambda s: s.ws.task_channels(
        s.ws.task_channels.create(friendly_name="Doomed", unique_name="doomed").sid
    ).delete(),
    # task queues and their statistics
    "ListTaskQueue": lambda s: s.ws.task_queues.list(),
    "CreateTaskQueue": lambda s: s.ws.task_queues.create(friendly_name="VIP"),
    "FetchTaskQueue": lambda s: s.ws.task_queues(s.queue).fetch(),
    "UpdateTaskQueue": lambda s: s.ws.task_queues(s.queue).update(max_reserved_workers=2),
    "DeleteTaskQueue": lambda s: s.ws.task_queues(s.doomed_queue()).delete(),
    "ListTaskQueuesStatistics": lambda s: s.ws.task_queues.statistics.list(),
    "CreateTaskQueueBulkRealTimeStatistics": lambda s: (
        s.ws.task_queues.bulk_real_time_statistics.create(body=QueueSids(s.queue))
    ),
    "FetchTaskQueueStatistics": lambda s: s.ws.task_queues(s.queue).statistics().fetch(),
    "FetchTaskQueueRealTimeStatistics": lambda s: (
        s.ws.task_queues(s.queue).real_time_statistics().fetch()
    ),
    "FetchTaskQueueCumulativeStatistics": lambda s: (
        s.ws.task_queues(s.queue).cumulative_statistics().fetch()
    ),
    # workflows and their statistics
    "ListWorkflow": lambda s: s.ws.workflows.list(),
    "CreateWorkflow": lambda s: s.ws.workflows.create(
        friendly_name="Direct", configuration=_workflow_config(s.queue)
    ),
    "FetchWorkflow": lambda s: s.ws.workflows(s.qs.workflow_sid).fetch(),
    "UpdateWorkflow": lambda s: s.ws.workflows(s.qs.workflow_sid).update(
        task_reservation_timeout=60
    ),
    "DeleteWorkflow": lambda s: s.ws.workflows(
        s.ws.workflows.create(friendly_name="Doomed", configuration=_workflow_config(s.queue)).sid
    ).delete(),
    "FetchWorkflowStatistics": lambda s: s.ws.workflows(s.qs.workflow_sid).statistics().fetch(),
    "FetchWorkflowRealTimeStatistics": lambda s: (
        s.ws.workflows(s.qs.workflow_sid).real_time_statistics().fetch()
    ),
    "FetchWorkflowCumulativeStatistics": lambda s: (
        s.ws.workflows(s.qs.workflow_sid).cumulative_statistics().fetch()
    ),
    # workers, their channels, reservations and statistics
    "ListWorker": lambda s: s.ws.workers.list(),
    "CreateWorker": lambda s: s.ws.workers.create(friendly_name="Carol"),
    "FetchWorker": lambda s: s.ws.workers(s.alice).fetch(),
    "UpdateWorker": lambda s: s.ws.workers(s.alice).update(attributes='{"languages": ["es"]}'),
    "DeleteWorker": lambda s: s.ws.workers(
        s.ws.workers.create(friendly_name="Doomed").sid
    ).delete(),
    "ListWorkerChannel": lambda s: s.ws.workers(s.alice).worker_channels.list(),
    "FetchWorkerChannel": lambda s: s.ws.workers(s.alice).worker_channels(s.channel).fetch(),
    "UpdateWorkerChannel": lambda s: (
        s.ws.workers(s.alice).worker_channels(s.channel).update(capacity=2)
    ),
    "ListWorkerReservation": lambda s: s.ws.workers(s.alice).reservations.list(),
    "FetchWorkerReservation": lambda s: s.ws.workers(s.alice).reservations(s.accepted).fetch(),
    "UpdateWorkerReservation": lambda s: (
        s.ws.workers(s.bob).reservations(s.pending).update(reservation_status="accepted")
    ),
    "FetchWorkerStatistics": lambda s: s.ws.workers.statistics().fetch(),
    "FetchWorkersRealTimeStatistics": lambda s: s.ws.workers.real_time_statistics().fetch(),
    "FetchWorkersCumulativeStatistics": lambda s: s.ws.workers.cumulative_statistics().fetch(),
    "FetchWorkerInstanceStatistics": lambda s: s.ws.workers(s.alice).statistics().fetch(),
    # tasks and their reservations
    "ListTask": lambda s: s.ws.tasks.list(),
    "CreateTask": lambda s: s.ws.tasks.create(attributes=ES, workflow_sid=s.qs.workflow_sid),
    "FetchTask": lambda s: s.ws.tasks(s.task).fetch(),
    "UpdateTask": lambda s: s.ws.tasks(s.task).update(assignment_status="completed", reason="done"),
    "DeleteTask": lambda s: s.ws.tasks(s.english).delete(),
    "ListTaskReservation": lambda s: s.ws.tasks(s.task).reservations.list(),
    "FetchTaskReservation": lambda s: s.ws.tasks(s.task).reservations(s.accepted).fetch(),
    "UpdateTaskReservation": lambda s: (
        s.ws.tasks(s.english).reservations(s.pending).update(reservation_status="rejected")
    ),
    # events
    "ListEvent": lambda s: s.ws.events.list(),
    "FetchEvent": lambda s: s.ws.events(s.ws.events.list(limit=1)[0].sid).fetch(),
}
