"""The event log: each state change as an Event row, and the workspace's event callback queued."""

from __future__ import annotations

import json
from dataclasses import dataclass

from trctl.emulator.core.callbacks import Delivery
from trctl.emulator.core.kernel import Service
from trctl.emulator.core.store import Row
from trctl.vocab import callbacks


def queue_fields(queue: Row) -> dict[str, str]:
    """The TaskQueue fields of a task event (also sent before the task has entered the queue)."""
    return callbacks.queue_fields(queue["sid"], queue["friendly_name"], queue["target_workers"])


def subscribed(events_filter: str | None, event_type: str) -> bool:
    if not events_filter:
        return True
    wanted = {part.strip() for part in events_filter.split(",") if part.strip()}
    return event_type in wanted


@dataclass(eq=False)
class EventLog(Service):
    """Records events with the fields Twilio's event callbacks carry (PascalCase, all strings)."""

    def __post_init__(self) -> None:
        super().__post_init__()
        self._cursor_urls: set[str] = set()  # event callback URLs known to have a cursor row
        self.store.on_forget.append(self._cursor_urls.clear)

    # -- field groups ---------------------------------------------------------------------------
    def task_fields(self, task: Row) -> dict[str, str]:
        store = self.store
        queue = store.get("task_queues", task["task_queue_sid"]) if task["task_queue_sid"] else None
        workflow = store.get("workflows", task["workflow_sid"]) if task["workflow_sid"] else None
        channel = store.get("task_channels", task["task_channel_sid"])
        return callbacks.task_fields(
            sid=task["sid"],
            attributes=task["attributes"],
            age=self.kernel.now() - task["date_created"],
            priority=task["priority"],
            status=task["assignment_status"],
            channel_sid=task["task_channel_sid"],
            channel_name=channel["unique_name"] if channel else "",
            queue=queue_fields(queue) if queue is not None else None,
            workflow=(workflow["sid"], workflow["friendly_name"]) if workflow is not None else None,
            reason=task["reason"],
        )

    def worker_fields(self, worker: Row) -> dict[str, str]:
        activity = self.store.get("activities", worker["activity_sid"])
        return callbacks.worker_fields(
            sid=worker["sid"],
            name=worker["friendly_name"],
            attributes=worker["attributes"],
            activity_sid=worker["activity_sid"],
            activity_name=activity["friendly_name"] if activity else "",
            version=worker["version"],
        )

    # -- recording ------------------------------------------------------------------------------
    def record(
        self,
        workspace_sid: str,
        event_type: str,
        *,
        resource_type: str,
        resource_sid: str,
        description: str,
        fields: dict[str, str] | None = None,
    ) -> str:
        """Insert an Event row and, when the workspace subscribes to it, queue its callback.

        An event callback needs no outbox row: the events table is the log, and each callback
        URL's progress through it is a cursor (event_cursors) the sender moves forward."""
        workspace = self.store.get("workspaces", workspace_sid)
        if workspace is None:
            return ""
        now = self.kernel.now()
        sid = self.kernel.sids("EV")
        extra = dict(fields or {})
        event_id = self.store.insert(
            "events",
            {
                "sid": sid,
                "workspace_sid": workspace_sid,
                "event_type": event_type,
                "resource_type": resource_type,
                "resource_sid": resource_sid,
                "resource_url": "",  # compact row: rebuilt on read (eventcodec)
                "actor_type": "",
                "actor_sid": "",
                "actor_url": "",
                "description": description,
                "event_data": self.kernel.events_codec.encode(extra, now),
                "task_sid": extra.get("TaskSid"),
                "worker_sid": extra.get("WorkerSid"),
                "reservation_sid": extra.get("ReservationSid"),
                "task_queue_sid": extra.get("TaskQueueSid"),
                "workflow_sid": extra.get("WorkflowSid"),
                "task_channel": extra.get("TaskChannelUniqueName"),
                "event_date": now,
            },
        )
        url = workspace["event_callback_url"]
        if url and subscribed(workspace["events_filter"], event_type):
            params = self.callback_params(
                workspace, event_type, description, resource_type, resource_sid, now, sid, extra
            )
            self._queue_event_callback(event_id, workspace_sid, url, params, sid)
        return sid

    def callback_params(
        self, workspace: Row, event_type: str, description: str, resource_type: str,
        resource_sid: str, when: float, sid: str, fields: dict[str, str],
    ) -> dict[str, str]:  # fmt: skip
        """The form parameters of an event callback: Twilio's envelope, then the fields."""
        return callbacks.event_callback(
            event_type=event_type,
            account_sid=self.kernel.account_sid(),
            workspace_sid=workspace["sid"],
            workspace_name=workspace["friendly_name"],
            description=description,
            resource_type=resource_type,
            resource_sid=resource_sid,
            now=when,
            sid=sid,
            fields=fields,
        )

    def callback_params_of(self, row: Row, workspace: Row) -> dict[str, str]:
        """callback_params for an event read back from the log (redelivery after a restart)."""
        fields = self.kernel.events_codec.fields(row)
        return self.callback_params(
            workspace, row["event_type"], row["description"], row["resource_type"],
            row["resource_sid"], row["event_date"], row["sid"], fields,
        )  # fmt: skip

    def _queue_event_callback(
        self, event_id: int, workspace_sid: str, url: str, params: dict[str, str], sid: str
    ) -> None:
        if url not in self._cursor_urls:  # a URL's cursor starts just before its first event
            self.store.execute(
                "INSERT OR IGNORE INTO event_cursors (url, last_id) VALUES (?, ?)",
                (url, event_id - 1),
            )
            self._cursor_urls.add(url)
        self.kernel.queued_deliveries.append(
            Delivery(event_id, "event", workspace_sid, url, None, params, sid, None, True)
        )

    def enqueue_callback(
        self,
        kind: str,
        workspace_sid: str,
        url: str,
        fallback_url: str | None,
        params: dict[str, str],
        idempotency_token: str,
        reservation_sid: str | None,
    ) -> None:
        """Add an outbox row inside the current transaction; once it commits, the kernel hands
        the delivery to the sender (a rollback forgets both)."""
        row_id = self.store.insert(
            "outbox",
            {
                "kind": kind,
                "workspace_sid": workspace_sid,
                "url": url,
                "fallback_url": fallback_url,
                "params": json.dumps(params),
                "idempotency_token": idempotency_token,
                "reservation_sid": reservation_sid,
                "created": self.kernel.now(),
            },
        )
        self.kernel.queued_deliveries.append(
            Delivery(
                row_id,
                kind,
                workspace_sid,
                url,
                fallback_url,
                params,
                idempotency_token,
                reservation_sid,
            )
        )

    # -- events of one resource -----------------------------------------------------------------
    def task_event(
        self, task: Row, event_type: str, description: str, extra: dict[str, str] | None = None
    ) -> None:
        fields = {**self.task_fields(task), **(extra or {})}
        self.resource_event(task, event_type, "task", description, fields)

    def worker_event(
        self, worker: Row, event_type: str, description: str, extra: dict[str, str] | None = None
    ) -> None:
        fields = {**self.worker_fields(worker), **(extra or {})}
        self.resource_event(worker, event_type, "worker", description, fields)

    def reservation_event(self, reservation: Row, event_type: str, verb: str) -> None:
        task = self.kernel.load("tasks", reservation["task_sid"])
        worker = self.store.get("workers", reservation["worker_sid"])
        fields = self.task_fields(task)
        if worker is not None:
            fields.update(self.worker_fields(worker))
        fields["ReservationSid"] = reservation["sid"]
        if reservation["task_queue_sid"]:
            fields["TaskQueueSid"] = reservation["task_queue_sid"]
        self.record(
            reservation["workspace_sid"],
            event_type,
            resource_type="reservation",
            resource_sid=reservation["sid"],
            description=f"Reservation {reservation['sid']} {verb}",
            fields=fields,
        )

    def resource_event(
        self, row: Row, event_type: str, resource_type: str, description: str,
        fields: dict[str, str],
    ) -> None:  # fmt: skip
        """An event about one resource of the workspace (its URL follows from its type)."""
        self.record(
            row["workspace_sid"],
            event_type,
            resource_type=resource_type,
            resource_sid=row["sid"],
            description=description,
            fields=fields,
        )
