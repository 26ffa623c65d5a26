"""CallbackWiring against the emulator: set, restore newest first, never clobber someone else."""

from __future__ import annotations

from trctl.services.wiring import CallbackWiring


def test_restore_puts_previous_values_back(sdk, quickstart):
    workspace = sdk.taskrouter.v1.workspaces(quickstart.workspace_sid)
    flow = workspace.workflows(quickstart.workflow_sid)
    flow.update(assignment_callback_url="https://app.example.com/assignment")
    wiring = CallbackWiring(sdk, quickstart.workspace_sid)
    change = wiring.wire_workflow(quickstart.workflow_sid, "http://127.0.0.1:1/assignment")
    wiring.wire_events("http://127.0.0.1:1/events")
    assert change.previous == "https://app.example.com/assignment"
    assert flow.fetch().assignment_callback_url == "http://127.0.0.1:1/assignment"
    assert workspace.fetch().event_callback_url == "http://127.0.0.1:1/events"
    assert wiring.restore() == []
    assert flow.fetch().assignment_callback_url == "https://app.example.com/assignment"
    assert not workspace.fetch().event_callback_url
    assert wiring.restore() == []  # nothing left to undo


def test_a_url_changed_meanwhile_is_left_alone(sdk, quickstart):
    flow = sdk.taskrouter.v1.workspaces(quickstart.workspace_sid).workflows(quickstart.workflow_sid)
    wiring = CallbackWiring(sdk, quickstart.workspace_sid)
    wiring.wire_workflow(quickstart.workflow_sid, "http://127.0.0.1:1/assignment", label="'Flow'")
    flow.update(assignment_callback_url="https://someone-else.example.com/cb")
    problems = wiring.restore()
    assert problems == [
        "workflow 'Flow' AssignmentCallbackUrl was changed meanwhile;"
        " left as 'https://someone-else.example.com/cb'"
    ]
    assert flow.fetch().assignment_callback_url == "https://someone-else.example.com/cb"


def test_a_failed_restore_is_reported_and_the_rest_still_restored(sdk, quickstart, emulator):
    workspace = sdk.taskrouter.v1.workspaces(quickstart.workspace_sid)
    wiring = CallbackWiring(sdk, quickstart.workspace_sid)
    wiring.wire_events("http://127.0.0.1:1/events")
    wiring.wire_workflow(quickstart.workflow_sid, "http://127.0.0.1:1/assignment")
    workspace.workflows(quickstart.workflow_sid).delete()
    problems = wiring.restore()
    assert len(problems) == 1 and problems[0].startswith("could not restore workflow")
    assert not workspace.fetch().event_callback_url
