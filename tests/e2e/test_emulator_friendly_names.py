"""Friendly names with NUL or other control characters: 400 (20002) from the emulator, exit 2
from `workspace apply` before any request."""

from __future__ import annotations

import json
from typing import Any

import pytest
from cli_support import failed
from emulator_http import call

BAD_NAMES = ["Al\x00ice", "tab\there", "new\nline", "\x7f", "c1\x85", "x" * 65, " "]


def creations(quickstart: Any) -> list[tuple[str, dict[str, str]]]:
    ws = f"/v1/Workspaces/{quickstart.workspace_sid}"
    config = {
        "task_routing": {
            "filters": [],
            "default_filter": {"queue": next(iter(quickstart.queues.values()))},
        }
    }
    return [
        ("/v1/Workspaces", {}),
        (f"{ws}/Activities", {}),
        (f"{ws}/Workers", {}),
        (f"{ws}/TaskQueues", {}),
        (f"{ws}/Workflows", {"Configuration": json.dumps(config)}),
        (f"{ws}/TaskChannels", {"UniqueName": "fresh"}),
    ]


@pytest.mark.parametrize("name", BAD_NAMES)
def test_the_emulator_refuses_control_characters_in_names(emulator, quickstart, name) -> None:
    for path, extra in creations(quickstart):
        before = call(emulator, "GET", path + "?PageSize=1000").json()
        answer = call(emulator, "POST", path, {"FriendlyName": name, **extra})
        assert answer.status == 400, (path, answer.body)
        body = answer.json()
        assert body["code"] == 20002 and "FriendlyName" in body["message"], body
        assert call(emulator, "GET", path + "?PageSize=1000").json() == before
    worker = f"/v1/Workspaces/{quickstart.workspace_sid}/Workers/{quickstart.workers['Alice']}"
    assert call(emulator, "POST", worker, {"FriendlyName": name}).status == 400
    assert call(emulator, "POST", worker, {"FriendlyName": "Plain name"}).status == 200


def test_workspace_apply_refuses_a_nul_in_a_name_before_any_request(
    emulator, cli_env, tmp_path
) -> None:
    seen: list = []
    emulator.observer = seen.append
    path = tmp_path / "ws.toml"
    path.write_text('[workspace]\nname = "Nul"\n\n[[activities]]\nname = "Id\\u0000le"\n')
    line = failed(cli_env, 2, "workspace", "apply", str(path))
    assert "must not contain control characters (found U+0000)" in line
    emulator.observer = None
    assert [entry for entry in seen if entry.kind == "request"] == []
