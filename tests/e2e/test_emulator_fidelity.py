"""Where the emulator used to differ from TaskRouter (issue 11), each checked with the official SDK.

Every test here failed on the emulator before the difference was removed.
"""

from __future__ import annotations

import json
from typing import Any

ES = json.dumps({"selected_language": "es"})


def ws_of(sdk: Any, quickstart: Any) -> Any:
    return sdk.taskrouter.v1.workspaces(quickstart.workspace_sid)


# -- 8. document_content_type ---------------------------------------------------------------------
def test_workflow_document_content_type_is_null(sdk: Any, quickstart: Any) -> None:
    ws = ws_of(sdk, quickstart)
    assert ws.workflows(quickstart.workflow_sid).fetch().document_content_type is None
    assert [w.document_content_type for w in ws.workflows.list()] == [None]
