"""Regenerate docs/emulator-parity.md: every operation of Twilio's TaskRouter spec, what covers it.

python scripts/gen_parity.py           # rewrite docs/emulator-parity.md
python scripts/gen_parity.py --check   # exit 1 if docs/emulator-parity.md is stale

Each column comes from code, not from a hand-kept list: "implemented" from the emulator's route
table (a request for the operation's path, with SIDs of the right kinds, finds a route for its
method); "SDK test" from tests/sdk_operations.py, whose every entry tests/e2e/
test_emulator_sdk_parity.py runs with the official twilio library and checks against the requests
the library sent; "schema checked" from the operations tests/e2e/test_emulator_spec_conformance.py
calls and checks against the spec's response schema. Only the known differences are written by
hand (DIFFERENCES below), each with a link to the section of docs/emulator.md that explains it.
"""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from generated import write_or_check

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT / "tests" / "data" / "twilio_taskrouter_v1.json"
OUT = ROOT / "docs" / "emulator-parity.md"
EMULATOR_DOC = ROOT / "docs" / "emulator.md"
METHODS = ("get", "post", "delete")
# the SID prefix of each path segment's resource, to build a request for a path template
PREFIXES = {
    "Workspaces": "WS", "WorkspaceSid": "WS", "Activities": "WA", "Events": "EV", "Tasks": "WT",
    "TaskSid": "WT", "TaskChannels": "TC", "TaskQueues": "WQ", "TaskQueueSid": "WQ",
    "Reservations": "WR", "Workers": "WK", "WorkerSid": "WK", "Channels": "WC", "Workflows": "WW",
    "WorkflowSid": "WW",
}  # fmt: skip

SILENT = "where-the-documentation-was-silent"
COVERS = "what-it-covers"
LIMITS = "limits-and-retention"
ROUTING = "routing-choices"
IN_USE = ("refused (400, 20001) while in use, in our words", SILENT)
UNIQUE = ("friendly names are unique per workspace (our rule)", SILENT)
RATE = ("not rate limited (Twilio: 3 requests/s for the expression filter)", COVERS)
NO_CALL = ("call, dequeue, redirect and conference are recorded; no call is placed", COVERS)
ETAG = ("`ETag`/`If-Match` versions are ours (Twilio documents the 412, not the values)", SILENT)
RETAINED = ("a finished task answers 404 five minutes after it ended (limits page: 15)", LIMITS)
FEW_WORKERS = ("not switched off above 100 workers, as Twilio's are", COVERS)
# Known differences from TaskRouter, by operationId: (what, docs/emulator.md section anchor).
DIFFERENCES: dict[str, list[tuple[str, str]]] = {
    "CreateWorkspace": [
        ("default activities and task channels are our guess; `Template=EMPTY` accepted", SILENT),
    ],
    "UpdateWorkspace": [("the error code of a refused switch to single-tasking is ours", SILENT)],
    "DeleteWorkspace": [("its events go with it; no `workspace.deleted` event", COVERS)],
    "CreateActivity": [UNIQUE],
    "DeleteActivity": [IN_USE],
    "DeleteTaskChannel": [IN_USE],
    "ListTaskQueue": [RATE],
    "DeleteTaskQueue": [IN_USE],
    "CreateTaskQueueBulkRealTimeStatistics": [("the JSON body's shape is our guess", SILENT)],
    "CreateWorkflow": [("configuration checks are our reading of the docs", ROUTING)],
    "UpdateWorkflow": [("configuration checks are our reading of the docs", ROUTING)],
    "DeleteWorkflow": [IN_USE],
    "ListWorker": [RATE],
    "CreateWorker": [UNIQUE, ("one channel per task channel, capacity 1 (our guess)", SILENT)],
    "UpdateWorker": [ETAG],
    "DeleteWorker": [IN_USE],
    "UpdateWorkerReservation": [NO_CALL, ETAG],
    "FetchWorkerStatistics": [FEW_WORKERS, ("`FriendlyName` is an exact match", SILENT)],
    "FetchWorkerInstanceStatistics": [FEW_WORKERS],
    "ListTask": [RATE],
    "CreateTask": [("`RoutingTarget` semantics are our reading", SILENT)],
    "FetchTask": [RETAINED, ("assigned tasks are not deleted after 24 h", LIMITS)],
    "UpdateTask": [ETAG],
    "DeleteTask": [("twilio 9.13 drops `If-Match` on delete; raw HTTP can send it", COVERS)],
    "UpdateTaskReservation": [NO_CALL, ETAG],
    "ListEvent": [
        ("`reservation.failed`, `task.transfer-*` and `workspace.deleted` never occur", COVERS),
        ("descriptions of events the fixtures do not show are our wording", SILENT),
    ],
}


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    operation_id: str


def spec_operations() -> list[Operation]:
    """Every (method, path) of the spec, in its order."""
    spec = json.loads(SPEC.read_text(encoding="utf-8"))
    return [
        Operation(method.upper(), path, op["operationId"])
        for path, ops in spec["paths"].items()
        for method, op in ops.items()
        if method in METHODS
    ]


def sample_path(template: str) -> str:
    """The path template with a SID of the right kind in each placeholder."""
    parts = template.split("/")
    for index, part in enumerate(parts):
        if part.startswith("{"):
            name = part[1:-1]
            kind = parts[index - 1] if name == "Sid" else name
            parts[index] = PREFIXES[kind] + "0" * 32
    return "/".join(parts)


def operation_for(method: str, path: str, operations: list[Operation]) -> str | None:
    """The operationId a concrete request is, matching literal segments before placeholders
    (`/Workers/Statistics` is not a worker)."""
    candidates = []
    for op in operations:
        if op.method != method.upper():
            continue
        if re.fullmatch(re.sub(r"\{[^}]+\}", "[^/]+", op.path), path):  # no other regex chars
            candidates.append((op.path.count("{"), op.operation_id))
    return min(candidates)[1] if candidates else None


def implemented(op: Operation) -> bool:
    """Whether the emulator's route table has a handler for a request to this operation."""
    from trctl.emulator.http.routes import build_routes
    from trctl.emulator.http.statistics import ROUTES

    path = sample_path(op.path)
    return any(
        method == op.method and pattern.fullmatch(path)
        for method, pattern, _ in build_routes(ROUTES)
    )


def _load(name: str, path: Path) -> ModuleType:
    for folder in (ROOT / "tests", ROOT / "tests" / "e2e"):
        if str(folder) not in sys.path:
            sys.path.insert(0, str(folder))
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(name, module)
    spec.loader.exec_module(module)
    return module


def sdk_tested() -> set[str]:
    return set(_load("sdk_operations", ROOT / "tests" / "sdk_operations.py").SDK_CALLS)


def schema_checked() -> set[str]:
    path = ROOT / "tests" / "e2e" / "test_emulator_spec_conformance.py"
    return {operation for _, _, operation in _load("spec_conformance", path).operations()}


def emulator_doc_anchors() -> set[str]:
    """GitHub's anchors of the headings of docs/emulator.md."""
    anchors = set()
    for line in EMULATOR_DOC.read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            title = line.lstrip("#").strip().lower()
            anchors.add(re.sub(r"[^\w\- ]", "", title).replace(" ", "-"))
    return anchors


def _mark(value: bool) -> str:
    return "yes" if value else "**no**"


def generate() -> str:
    operations = spec_operations()
    sdk, schema = sdk_tested(), schema_checked()
    rows = []
    counts = {"implemented": 0, "sdk": 0, "schema": 0, "differences": 0}
    for op in operations:
        done = implemented(op)
        notes = "; ".join(
            f"{text} ([why](emulator.md#{anchor}))"
            for text, anchor in DIFFERENCES.get(op.operation_id, [])
        )
        counts["implemented"] += done
        counts["sdk"] += op.operation_id in sdk
        counts["schema"] += op.operation_id in schema
        counts["differences"] += bool(notes)
        rows.append(
            f"| {op.operation_id} | {op.method} | `{op.path.removeprefix('/v1')}` "
            f"| {_mark(done)} | {_mark(op.operation_id in sdk)} "
            f"| {_mark(op.operation_id in schema)} | {notes} |"
        )
    total = len(operations)
    head = f"""# Emulator parity with Twilio TaskRouter v1

Generated by `scripts/gen_parity.py` from the code and the tests; a test fails when this file is
stale. One row per operation of Twilio's OpenAPI description of TaskRouter v1
(`tests/data/twilio_taskrouter_v1.json`).

- **Implemented**: the emulator's route table answers the operation's method and path
  ({counts["implemented"]} of {total}).
- **SDK test**: `tests/e2e/test_emulator_sdk_parity.py` calls it with the official `twilio`
  library and checks, from the requests the library itself sent, that the call reached this
  operation and succeeded ({counts["sdk"]} of {total}; the calls are in `tests/sdk_operations.py`).
  Behaviour is tested further in the other `tests/e2e/test_emulator_*.py` files.
- **Schema checked**: `tests/e2e/test_emulator_spec_conformance.py` calls it and checks the status
  code and every property of the spec's response schema, with its JSON type
  ({counts["schema"]} of {total}).
- **Known differences**: where the emulator is known to differ from TaskRouter, or follows a
  choice of ours where the documentation is silent ({counts["differences"]} operations); each
  links to the section of [emulator.md](emulator.md) that says why. Not emulated anywhere: voice
  and TwiML, the worker JavaScript SDK's websocket, Flex, add-ons, rate limits.

| Operation | Method | Path | Implemented | SDK test | Schema checked | Known differences |
|---|---|---|---|---|---|---|
"""
    return head + "\n".join(rows) + "\n"


def main(argv: list[str]) -> int:
    return write_or_check({OUT: generate()}, argv, "scripts/gen_parity.py")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
