"""Where the emulator used to differ from TaskRouter (issue 11), each checked with the official SDK.

Every test here failed on the emulator before the difference was removed.
"""

from __future__ import annotations

import json
from typing import Any

from quickstart_setup import SPANISH_QUEUE

ES = json.dumps({"selected_language": "es"})


def ws_of(sdk: Any, quickstart: Any) -> Any:
    return sdk.taskrouter.v1.workspaces(quickstart.workspace_sid)


# -- 7. JSON re-serialised compactly -------------------------------------------------------------
def test_worker_attributes_and_workflow_configuration_come_back_compact(
    sdk: Any, quickstart: Any
) -> None:
    ws = ws_of(sdk, quickstart)
    spaced = '{ "languages" : [ "en", "es" ],\n  "level": 3, "name": "Zoë" }'
    worker = ws.workers.create(friendly_name="Carol", attributes=spaced)
    compact = '{"languages":["en","es"],"level":3,"name":"Zoë"}'
    assert worker.attributes == compact
    assert ws.workers(worker.sid).fetch().attributes == compact
    configuration = {
        "task_routing": {"default_filter": {"queue": quickstart.queues[SPANISH_QUEUE]}}
    }
    workflow = ws.workflows.create(
        friendly_name="Spaced", configuration=json.dumps(configuration, indent=2)
    )
    expected = json.dumps(configuration, separators=(",", ":"))
    assert workflow.configuration == expected
    assert ws.workflows(workflow.sid).fetch().configuration == expected
    task = ws.tasks.create(
        attributes='{ "selected_language" : "es" }', workflow_sid=quickstart.workflow_sid
    )
    assert task.attributes == '{ "selected_language" : "es" }'  # tasks keep their text


# -- 8. document_content_type ---------------------------------------------------------------------
def test_workflow_document_content_type_is_null(sdk: Any, quickstart: Any) -> None:
    ws = ws_of(sdk, quickstart)
    assert ws.workflows(quickstart.workflow_sid).fetch().document_content_type is None
    assert [w.document_content_type for w in ws.workflows.list()] == [None]
