"""E2E: `workspace apply` runs `workflows lint`'s checks: an error stops it before the first
write, warnings are printed and the apply goes on."""

from __future__ import annotations

import json

from cli_support import invoke
from run_environment import RequestLog
from test_workspace_file import QUICKSTART, env_for, workspaces

QUICKSTART_TEXT = QUICKSTART.read_text(encoding="utf-8")
SPANISH_FILTER = "expression = 'selected_language == \"es\"'"


def test_a_shadowed_filter_stops_the_apply_before_any_request_writes(emulator, tmp_path):
    env = env_for(emulator, tmp_path)
    text = QUICKSTART_TEXT.replace(SPANISH_FILTER, "expression = '1==1'")
    seen = RequestLog()
    result = invoke(env, "workspace", "apply", "-", input=text, transport=seen)
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "Error: -: workflows 'Incoming Customer Care Requests' filters[1] 'English': no task "
        "can reach this filter: filters[0] 'Spanish' (1 == 1) always matches first (move it "
        "above filters[0] 'Spanish', or narrow that filter)"
    ]
    assert [method for method, _, _ in seen] == ["GET"]  # the workspace list, nothing more
    assert workspaces(emulator) == []


def test_warnings_are_printed_and_the_apply_goes_on(emulator, tmp_path):
    env = env_for(emulator, tmp_path)
    text = QUICKSTART_TEXT.replace(
        'attributes = { languages = ["en"] }', 'attributes = { languages = "en" }'
    )
    assert text != QUICKSTART_TEXT
    result = invoke(env, "workspace", "apply", "-", "--json", input=text)
    assert result.exit_code == 0, result.stderr
    warnings = [line for line in result.stderr.splitlines() if line.startswith("Warning: ")]
    assert warnings[0] == (
        "Warning: workflows 'Incoming Customer Care Requests' task_routing: no default_filter: "
        "a task that matches no filter is canceled (fix: add a default_filter naming a queue "
        "for the rest)"
    )
    for queue, language in (("Spanish", "es"), ("English", "en")):
        assert (
            f"Warning: workflows 'Incoming Customer Care Requests' queue 'Customer Care "
            f'Requests - {queue}\': languages HAS "{language}": languages is a string in 1 of '
            f'the 2 workers that have it (Bob: "en"); HAS needs a list there, so it never '
            f"matches those (fix: store languages as a list, or compare with languages == "
            f'"{language}")'
        ) in warnings
    assert len(warnings) == 3
    assert len(json.loads(result.stdout)) == 12
    dry = invoke(env, "workspace", "apply", "-", "--dry-run", input=text)
    assert dry.exit_code == 0 and dry.stderr.count("Warning: ") == 3
