"""docs/emulator-parity.md is what scripts/gen_parity.py makes from the code and the tests."""

from __future__ import annotations

from scripts_loader import load_script

GEN = load_script("gen_parity")


def test_the_parity_report_is_up_to_date() -> None:
    assert GEN.OUT.read_text(encoding="utf-8") == GEN.generate(), (
        "docs/emulator-parity.md is stale: run `python scripts/gen_parity.py`"
    )


def test_every_operation_of_the_spec_has_a_row() -> None:
    text = GEN.OUT.read_text(encoding="utf-8")
    operations = GEN.spec_operations()
    assert len(operations) == 61
    for op in operations:
        assert f"| {op.operation_id} | {op.method} |" in text


def test_differences_name_real_operations_and_link_to_emulator_doc_sections() -> None:
    names = {op.operation_id for op in GEN.spec_operations()}
    anchors = GEN.emulator_doc_anchors()
    for operation, notes in GEN.DIFFERENCES.items():
        assert operation in names, operation
        for _, anchor in notes:
            assert anchor in anchors, (operation, anchor)


def test_implemented_is_read_from_the_route_table() -> None:
    assert GEN.implemented(GEN.Operation("GET", "/v1/Workspaces/{WorkspaceSid}/Tasks", "ListTask"))
    assert not GEN.implemented(GEN.Operation("PUT", "/v1/Workspaces/{Sid}", "Imagined"))
    assert not GEN.implemented(GEN.Operation("GET", "/v1/Workspaces/{WorkspaceSid}/Skills", "No"))


def test_a_request_maps_to_the_most_literal_operation() -> None:
    ops = GEN.spec_operations()
    ws = "/v1/Workspaces/WS" + "0" * 32
    assert GEN.operation_for("GET", ws + "/Workers/Statistics", ops) == "FetchWorkerStatistics"
    assert GEN.operation_for("GET", ws + "/Workers/WK" + "1" * 32, ops) == "FetchWorker"
    assert GEN.operation_for("POST", ws + "/TaskQueues/RealTimeStatistics", ops) == (
        "CreateTaskQueueBulkRealTimeStatistics"
    )
    assert GEN.operation_for("PUT", ws, ops) is None
