"""Events stored compactly: only what varies goes into the row, the rest is rebuilt on read.

An event's data is its fields (TaskSid, TaskAttributes, WorkerActivityName, ...). A stored row
keeps them as a JSON list alternating a field code and a value: the codes are small integers
(table event_fields, grown as new field names appear); the SIDs the row has as columns are not
repeated; long values (attributes, expressions) are stored once in event_values and referenced
by hash, since one task's attributes recur in most of its events. The workspace's SID and name,
the actor (always the workspace) and the resource URL are rebuilt from the row.

Rows written before this format have a full JSON object and their actor columns set; they are
read as they are.
"""

from __future__ import annotations

import hashlib
import json
import re
from functools import cache
from typing import Any

from trctl.emulator.core.store import Row, Store

LONG = 40  # values longer than this are stored once, by hash
TOUCH_EVERY = 3600.0  # a stored value's last_used is refreshed at most this often (seconds)
COLUMN_FIELDS = {  # fields kept as columns of the events row (filters): not repeated in the data
    "TaskSid": "task_sid",
    "WorkerSid": "worker_sid",
    "ReservationSid": "reservation_sid",
    "TaskQueueSid": "task_queue_sid",
    "WorkflowSid": "workflow_sid",
    "TaskChannelUniqueName": "task_channel",
}
_SNAKE = re.compile(r"(?<!^)(?=[A-Z])")


@cache
def snake(name: str) -> str:
    """PascalCase parameter name -> snake_case field name."""
    return _SNAKE.sub("_", name).lower()


def _pascal(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("_"))


def resource_path(resource_type: str, resource_sid: str, task_sid: str | None) -> str:
    """The resource's path under its workspace (empty for the workspace itself)."""
    if resource_type == "reservation":
        return f"Tasks/{task_sid}/Reservations/{resource_sid}"
    folder = {
        "task": "Tasks", "worker": "Workers", "activity": "Activities",
        "taskqueue": "TaskQueues", "workflow": "Workflows", "task_channel": "TaskChannels",
    }.get(resource_type)  # fmt: skip
    return f"{folder}/{resource_sid}" if folder else ""


class EventCodec:
    """Encodes event fields for a row and decodes a row back into the API's event_data; keeps
    the field codes and which long values are stored in memory."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._codes: dict[str, int] | None = None
        self._names: dict[int, str] = {}
        self._touched: dict[str, float] = {}  # value hash -> when its last_used was written

    # -- writing --------------------------------------------------------------------------------
    def encode(self, fields: dict[str, str], now: float) -> str:
        """The data column of a new event (inside the caller's transaction)."""
        packed: list[Any] = []
        for name, value in fields.items():
            if name in COLUMN_FIELDS:
                continue
            packed.append(self._code(name))
            packed.append([self._store_value(value, now)] if len(value) > LONG else value)
        return json.dumps(packed, separators=(",", ":"), ensure_ascii=False)

    def _code(self, name: str) -> int:
        codes = self._load_codes()
        code = codes.get(name)
        if code is None:
            code = self.store.insert("event_fields", {"name": name})
            codes[name] = code
            self._names[code] = name
        return code

    def _store_value(self, value: str, now: float) -> str:
        digest = hashlib.blake2b(value.encode(), digest_size=10).hexdigest()
        touched = self._touched.get(digest)
        if touched is None or now - touched > TOUCH_EVERY:
            self.store.execute(
                "INSERT INTO event_values (hash, value, last_used) VALUES (?, ?, ?) "
                "ON CONFLICT(hash) DO UPDATE SET last_used = excluded.last_used",
                (digest, value, now),
            )
            if len(self._touched) >= 100_000:
                self._touched.clear()
            self._touched[digest] = now
        return digest

    # -- reading --------------------------------------------------------------------------------
    def decode(self, row: Row, workspace_name: str | None) -> dict[str, Any]:
        """The event's event_data as the Events API shows it (snake_case keys)."""
        if row["actor_type"]:  # written before the compact format
            return dict(json.loads(row["event_data"]))
        packed = json.loads(row["event_data"])
        self._load_codes()
        data: dict[str, Any] = {}
        for name, column in COLUMN_FIELDS.items():
            if row[column] is not None:
                data[snake(name)] = row[column]
        for code, value in zip(packed[::2], packed[1::2]):
            name = self._names.get(code, f"field{code}")
            data[snake(name)] = self._value(value[0]) if isinstance(value, list) else value
        data["workspace_name"] = workspace_name
        data["workspace_sid"] = row["workspace_sid"]
        return data

    def fields(self, row: Row) -> dict[str, str]:
        """The event's fields as its callback carries them (PascalCase), read back."""
        if row["actor_type"]:  # the old format kept snake_case keys
            data = json.loads(row["event_data"])
            return {
                _pascal(key): str(value)
                for key, value in data.items()
                if key not in ("workspace_name", "workspace_sid")
            }
        packed = json.loads(row["event_data"])
        self._load_codes()
        fields = {name: row[column] for name, column in COLUMN_FIELDS.items() if row[column]}
        for code, value in zip(packed[::2], packed[1::2]):
            name = self._names.get(code, f"Field{code}")
            fields[name] = self._value(value[0]) if isinstance(value, list) else value
        return fields

    def field(self, row: Row, name: str) -> str | None:
        """One field of a stored event (PascalCase name), without decoding the rest."""
        if row["actor_type"]:
            value = json.loads(row["event_data"]).get(snake(name))
            return None if value is None else str(value)
        if name in COLUMN_FIELDS:
            return row[COLUMN_FIELDS[name]]
        code = self._load_codes().get(name)
        packed = json.loads(row["event_data"])
        for stored, value in zip(packed[::2], packed[1::2]):
            if stored == code:
                return self._value(value[0]) if isinstance(value, list) else value
        return None

    def actor_and_resource(self, row: Row) -> tuple[str, str, str, str]:
        """(actor_type, actor_sid, actor path, resource path) for the row."""
        ws_path = f"/v1/Workspaces/{row['workspace_sid']}"
        if row["actor_type"]:
            return row["actor_type"], row["actor_sid"], row["actor_url"], row["resource_url"]
        path = resource_path(row["resource_type"], row["resource_sid"], row["task_sid"])
        return "workspace", row["workspace_sid"], ws_path, f"{ws_path}/{path}" if path else ws_path

    def _value(self, digest: str) -> str:
        row = self.store.one("SELECT value FROM event_values WHERE hash = ?", (digest,))
        return row["value"] if row is not None else ""

    def _load_codes(self) -> dict[str, int]:
        if self._codes is None:
            rows = self.store.all("SELECT code, name FROM event_fields")
            self._codes = {row["name"]: row["code"] for row in rows}
            self._names = {row["code"]: row["name"] for row in rows}
        return self._codes

    def forget(self) -> None:
        """After a rollback or a reset: the tables may no longer hold what memory says."""
        self._codes = None
        self._names = {}
        self._touched.clear()
