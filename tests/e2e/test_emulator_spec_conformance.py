"""Every implemented operation answers with every property of the spec's response schema, typed.

The test reads Twilio's OpenAPI file (vendored in tests/data) itself, walks every
operation, calls it on the emulator and checks the status code and the response body.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from emulator_http import call
from quickstart_setup import build_quickstart

SPEC = Path(__file__).parents[1] / "data" / "twilio_taskrouter_v1.json"  # see tests/data/SOURCE.md
JSON_TYPES = {
    "string": str,
    "integer": int,
    "boolean": bool,
    "object": dict,
    "array": list,
    "number": (int, float),
}
SID_RE = re.compile(r"^[A-Z]{2}[0-9a-f]{32}$")
DATE_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


def load_spec() -> dict[str, Any]:
    return json.loads(SPEC.read_text())


def resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def check_object(spec: dict[str, Any], schema: dict[str, Any], value: Any, where: str) -> None:
    schema = resolve(spec, schema)
    assert isinstance(value, dict), where
    for name, prop in schema.get("properties", {}).items():
        assert name in value, f"{where}: missing {name}"
        prop = resolve(spec, prop)
        got = value[name]
        if got is None:
            assert prop.get("nullable", False), f"{where}.{name} is null"
            continue
        expected = JSON_TYPES.get(prop.get("type", ""))
        if expected is not None:
            ok = isinstance(got, expected) and not (expected is int and isinstance(got, bool))
            assert ok, f"{where}.{name}: {type(got).__name__} is not {prop['type']}"
        if prop.get("enum"):
            assert got in prop["enum"], f"{where}.{name}: {got!r} not in {prop['enum']}"
        if prop.get("format") == "date-time":
            assert DATE_RE.match(got), f"{where}.{name}: {got!r}"
        if name == "sid" or (name.endswith("_sid") and isinstance(got, str) and got):
            assert SID_RE.match(got) or (name == "sid" and SID_RE.match(got)), (
                f"{where}.{name}: {got}"
            )
        if prop.get("format") == "uri" and name in ("url",) and got:
            assert got.startswith("http://127.0.0.1:"), f"{where}.{name}: {got}"


class Scenario:
    """The quickstart with one accepted reservation, plus SIDs every path can be filled from."""

    def __init__(self, emulator: Any, sdk: Any) -> None:
        self.emu = emulator
        qs = build_quickstart(sdk)
        ws = sdk.taskrouter.v1.workspaces(qs.workspace_sid)
        ws.workers(qs.workers["Alice"]).update(activity_sid=qs.activities["Idle"])
        task = ws.tasks.create(
            attributes='{"selected_language": "es"}', workflow_sid=qs.workflow_sid
        )
        (reservation,) = ws.tasks(task.sid).reservations.list()
        ws.tasks(task.sid).reservations(reservation.sid).update(reservation_status="accepted")
        self.qs = qs
        self.ws = ws
        self.ids = {
            "WorkspaceSid": qs.workspace_sid,
            "TaskSid": task.sid,
            "WorkerSid": qs.workers["Alice"],
            "TaskQueueSid": qs.queues["Customer Care Requests - Spanish"],
            "WorkflowSid": qs.workflow_sid,
            "Activities": qs.activities["Idle"],
            "Events": ws.events.list(limit=1)[0].sid,
            "Tasks": task.sid,
            "TaskChannels": ws.task_channels.list(limit=1)[0].sid,
            "TaskQueues": qs.queues["Customer Care Requests - Spanish"],
            "Workers": qs.workers["Alice"],
            "Workflows": qs.workflow_sid,
            "Channels": ws.workers(qs.workers["Alice"]).worker_channels.list(limit=1)[0].sid,
            "Reservations": reservation.sid,
            "Workspaces": qs.workspace_sid,
        }

    def fill(self, template: str, fresh: dict[str, str] | None = None) -> str:
        parts = template.split("/")
        out = []
        for index, part in enumerate(parts):
            if part == "{Sid}":
                collection = parts[index - 1]
                out.append((fresh or {}).get(collection) or self.ids[collection])
            elif part.startswith("{"):
                out.append(self.ids[part[1:-1]])
            else:
                out.append(part)
        return "/".join(out)

    def fresh(self, collection: str) -> str:
        """A throwaway resource to delete or update destructively."""
        ws = self.ws
        if collection == "Workspaces":
            return self.ws_client().workspaces.create(friendly_name="Doomed").sid
        if collection == "Activities":
            return ws.activities.create(friendly_name="Doomed", available=False).sid
        if collection == "TaskChannels":
            return ws.task_channels.create(friendly_name="Doomed", unique_name="doomed").sid
        if collection == "TaskQueues":
            return ws.task_queues.create(friendly_name="Doomed").sid
        if collection == "Workers":
            return ws.workers.create(friendly_name="Doomed").sid
        if collection == "Workflows":
            config = {"task_routing": {"default_filter": {"queue": self.ids["TaskQueueSid"]}}}
            return ws.workflows.create(friendly_name="Doomed", configuration=json.dumps(config)).sid
        if collection == "Tasks":
            return ws.tasks.create(
                attributes='{"selected_language": "en"}', workflow_sid=self.qs.workflow_sid
            ).sid
        raise AssertionError(collection)

    def ws_client(self) -> Any:
        return self.ws._version


CREATE_PARAMS = {
    "CreateWorkspace": {"FriendlyName": "Spec"},
    "CreateActivity": {"FriendlyName": "Spec", "Available": "true"},
    "CreateTaskChannel": {"FriendlyName": "Spec", "UniqueName": "spec"},
    "CreateTaskQueue": {"FriendlyName": "Spec"},
    "CreateWorker": {"FriendlyName": "Spec"},
    "CreateTask": {"Attributes": '{"selected_language": "en"}'},
}
UPDATE_PARAMS = {
    "UpdateWorkspace": {"FriendlyName": "Renamed"},
    "UpdateActivity": {"FriendlyName": "Renamed"},
    "UpdateTaskChannel": {"FriendlyName": "Renamed"},
    "UpdateTaskQueue": {"FriendlyName": "Renamed"},
    "UpdateWorker": {"FriendlyName": "Renamed"},
    "UpdateWorkflow": {"FriendlyName": "Renamed"},
    "UpdateTask": {"Priority": "3"},
    "UpdateWorkerChannel": {"Capacity": "2"},
}


def operations() -> list[tuple[str, str, str]]:
    spec = load_spec()
    return [
        (path, method, op["operationId"])
        for path, ops in spec["paths"].items()
        for method, op in ops.items()
        if method in ("get", "post", "delete")
    ]


def test_the_spec_file_is_there() -> None:
    assert len(operations()) >= 60


@pytest.mark.parametrize(
    ("path", "method", "operation"), operations(), ids=[o[2] for o in operations()]
)
def test_operation_matches_the_spec(
    emulator: Any, sdk: Any, path: str, method: str, operation: str
) -> None:
    spec = load_spec()
    scene = Scenario(emulator, sdk)
    op = spec["paths"][path][method]
    (status_text,) = op["responses"].keys()
    form: dict[str, str] | None = None
    fresh: dict[str, str] = {}
    collection = path.split("/")[-2] if path.endswith("{Sid}") else ""
    if method == "delete":
        fresh[collection] = scene.fresh(collection)
    elif operation == "UpdateTaskReservation" or operation == "UpdateWorkerReservation":
        task = scene.ws.tasks.create(
            attributes='{"selected_language": "en"}', workflow_sid=scene.qs.workflow_sid
        )
        scene.ws.workers(scene.qs.workers["Bob"]).update(activity_sid=scene.qs.activities["Idle"])
        (pending,) = scene.ws.tasks(task.sid).reservations.list()
        scene.ids["TaskSid"] = task.sid
        scene.ids["Tasks"] = task.sid
        scene.ids["WorkerSid"] = scene.qs.workers["Bob"]
        fresh["Reservations"] = pending.sid
        form = {"ReservationStatus": "accepted"}
    elif operation == "CreateWorkflow":
        config = {"task_routing": {"default_filter": {"queue": scene.ids["TaskQueueSid"]}}}
        form = {"FriendlyName": "Spec", "Configuration": json.dumps(config)}
    elif operation == "CreateTask":
        form = {**CREATE_PARAMS[operation], "WorkflowSid": scene.qs.workflow_sid}
    elif method == "post" and operation in CREATE_PARAMS:
        form = CREATE_PARAMS[operation]
    elif method == "post" and operation in UPDATE_PARAMS:
        form = UPDATE_PARAMS[operation]
    url = scene.fill(path, fresh)
    if operation == "CreateTaskQueueBulkRealTimeStatistics":
        body = json.dumps({"TaskQueueSids": [scene.ids["TaskQueueSid"]]}).encode()
        answer = call(
            emulator, "POST", url, raw_body=body, headers={"Content-Type": "application/json"}
        )
    else:
        answer = call(emulator, method.upper(), url, form)
    assert answer.status == int(status_text), (operation, answer.body[:300])
    if method == "delete":
        assert answer.body == b""
        return
    body = answer.json()
    schema = resolve(spec, op["responses"][status_text]["content"]["application/json"]["schema"])
    props = schema.get("properties", {})
    if "meta" in props:
        key = next(name for name in props if name != "meta")
        assert body["meta"]["key"] == key
        check_object(spec, props["meta"], body["meta"], f"{operation}.meta")
        assert body[key], f"{operation}: the scenario should give at least one record"
        for index, record in enumerate(body[key]):
            check_object(spec, props[key]["items"], record, f"{operation}[{index}]")
    else:
        check_object(spec, schema, body, operation)


def shape(value: Any) -> Any:
    """The keys and JSON types of a value, nested (lists by their first item)."""
    if isinstance(value, dict):
        return {key: shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [shape(value[0])] if value else []
    return "number" if isinstance(value, (int, float)) and not isinstance(value, bool) else value


def missing_from(example: Any, actual: Any, where: str = "") -> list[str]:
    """Paths of the example's nested keys (and list items) that the actual answer lacks."""
    if isinstance(example, dict):
        if not isinstance(actual, dict):
            return [where or "/"]
        return [
            problem
            for key, item in example.items()
            for problem in (
                missing_from(item, actual[key], f"{where}/{key}")
                if key in actual
                else [f"{where}/{key}"]
            )
        ]
    if isinstance(example, list) and example:
        return missing_from(example[0], actual[0], f"{where}[]") if actual else [f"{where}[]"]
    return []


READS = [
    (path, op["operationId"])
    for path, ops in load_spec()["paths"].items()
    for method, op in ops.items()
    if method == "get"
]


@pytest.mark.parametrize(("path", "operation"), READS, ids=[s[1] for s in READS])
def test_reads_have_the_nested_shape_of_the_spec_examples(
    emulator: Any, sdk: Any, path: str, operation: str
) -> None:
    """Nested keys too (links, counts by status/priority/activity, event_data, wait splits)."""
    scene = Scenario(emulator, sdk)
    kind = "worker.activity.update"  # the event type of the spec's Event examples
    (event,) = scene.ws.events.list(event_type=kind, limit=1)
    url = scene.fill(path, {"Events": event.sid})
    answer = call(emulator, "GET", f"{url}?SplitByWaitTime=5,10&EventType={kind}")
    assert answer.status == 200, answer.body[:300]
    examples = load_spec()["paths"][path]["get"]["responses"]["200"]["content"]["application/json"][
        "examples"
    ]
    for name, example in examples.items():
        problems = missing_from(shape(example["value"]), shape(answer.json()))
        assert not problems, f"{operation} ({name}) lacks {problems}"
