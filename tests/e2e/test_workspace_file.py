"""E2E: `trctl workspace apply|export` against the emulator, with every write counted."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from cli_support import invoke, ok
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from trctl.cli.demo_script import demo_environment
from trctl.emulator import Emulator, FakeClock
from trctl.services.workspace_apply import apply_spec
from trctl.services.workspace_plan import Change
from trctl.services.workspace_quickstart import QUICKSTART_TOML
from trctl.services.workspace_read import load_spec_text

ROOT = Path(__file__).resolve().parents[2]
QUICKSTART = ROOT / "examples" / "quickstart.toml"
SPANISH = "Customer Care Requests - Spanish"
ENGLISH = "Customer Care Requests - English"
WRITES = ("POST", "DELETE")


class RecordingHttpClient(TwilioHttpClient):
    """The SDK's own HTTP client, remembering the method of every request it sends."""

    def __init__(self) -> None:
        super().__init__(timeout=10)
        self.methods: list[str] = []

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        self.methods.append(method.upper())
        return super().request(method, url, *args, **kwargs)

    def writes(self) -> int:
        return sum(1 for m in self.methods if m in WRITES)


@pytest.fixture
def fresh(emulator: Any) -> Any:
    """The conftest emulator, with nothing in it."""
    return emulator


@pytest.fixture
def env(fresh: Any, tmp_path: Path) -> dict[str, str]:
    return env_for(fresh, tmp_path)


def env_for(emulator: Any, tmp_path: Path) -> dict[str, str]:
    """The emulator's credentials and URL, with private config directories."""
    return demo_environment(emulator, tmp_path)


def recording_client(emulator: Any) -> tuple[Any, RecordingHttpClient]:
    http = RecordingHttpClient()
    client = Client(emulator.account_sid, emulator.auth_token, http_client=http)
    client.taskrouter.base_url = emulator.url
    return client, http


def workspaces(emulator: Any) -> list[Any]:
    client, _ = recording_client(emulator)
    return client.taskrouter.v1.workspaces.list()


def the_workspace(emulator: Any) -> Any:
    (workspace,) = workspaces(emulator)
    return workspace


def write(tmp_path: Path, text: str, name: str = "ws.toml") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def fails_before_writing(env: dict[str, str], emulator: Any, *args: str) -> str:
    """The command exits 2 with one line and nothing was created."""
    result = invoke(env, *args)
    assert result.exit_code == 2, (result.exit_code, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    assert "Traceback" not in result.stderr
    assert workspaces(emulator) == []
    return lines[0]


# ---- apply: the quickstart, exactly ------------------------------------------------------


def test_apply_builds_the_quickstart_exactly(env, fresh):
    result = ok(env, "workspace", "apply", str(QUICKSTART))
    assert '+ workspace "TaskRouter Quickstart"' in result.stderr
    assert f'+ queue "{SPANISH}"' in result.stderr
    assert "9 created, 0 updated, 1 unchanged, 2 deleted." in result.stderr

    client, _ = recording_client(fresh)
    workspace = the_workspace(fresh)
    ws = client.taskrouter.v1.workspaces(workspace.sid)
    assert workspace.friendly_name == "TaskRouter Quickstart"
    assert workspace.multi_task_enabled is False
    activities = {a.friendly_name: a for a in ws.activities.list()}
    assert {name: a.available for name, a in activities.items()} == {
        "Offline": False,
        "Idle": True,
        "Busy": False,
        "Reserved": False,
    }, "TaskRouter's default activities are pruned from a workspace apply created"
    assert workspace.default_activity_sid == activities["Offline"].sid
    workers = {w.friendly_name: w.fetch() for w in ws.workers.list()}
    assert json.loads(workers["Alice"].attributes) == {"languages": ["en", "es"]}
    assert json.loads(workers["Bob"].attributes) == {"languages": ["en"]}
    assert {w.activity_name for w in workers.values()} == {"Offline"}
    queues = {q.friendly_name: q for q in ws.task_queues.list()}
    assert queues[SPANISH].target_workers == 'languages HAS "es"'
    assert queues[SPANISH].reservation_activity_sid == activities["Reserved"].sid
    assert queues[ENGLISH].assignment_activity_sid == activities["Busy"].sid
    (workflow,) = ws.workflows.list()
    assert workflow.friendly_name == "Incoming Customer Care Requests"
    assert workflow.task_reservation_timeout == 1200
    filters = json.loads(workflow.configuration)["task_routing"]["filters"]
    assert [(f["expression"], f["targets"][0]["queue"]) for f in filters] == [
        ('selected_language == "es"', queues[SPANISH].sid),
        ('selected_language == "en"', queues[ENGLISH].sid),
    ]


def test_export_of_an_applied_quickstart_is_the_file(env, fresh):
    ok(env, "workspace", "apply", str(QUICKSTART))
    result = ok(env, "workspace", "export")
    assert result.stdout == QUICKSTART_TOML
    assert "4 activities, 2 workers, 2 queues, 1 workflows" in result.stderr


def test_routing_works_on_an_applied_workspace(env, fresh):
    """The applied workspace is a real one: a Spanish task reserves Alice, never Bob."""
    ok(env, "workspace", "apply", str(QUICKSTART))
    ok(env, "worker", "set-activity", "Bob", "Idle")
    task = json.loads(ok(env, "task", "create", "--attr", "selected_language=es", "--json").stdout)
    fresh.wait_idle()
    assert (
        json.loads(ok(env, "task", "show", task["sid"], "--json").stdout)["assignment_status"]
        == "pending"
    )
    ok(env, "worker", "set-activity", "Alice", "Idle")
    fresh.wait_idle()
    shown = json.loads(ok(env, "task", "show", task["sid"], "--json").stdout)
    assert shown["assignment_status"] == "reserved"


# ---- idempotence ------------------------------------------------------------------------


def test_second_apply_is_all_unchanged_and_writes_nothing(fresh):
    spec = load_spec_text(QUICKSTART_TOML, source="quickstart.toml")
    client, http = recording_client(fresh)
    first = apply_spec(client, spec)
    assert first.created_workspace and http.writes() > 10
    http.methods.clear()
    second = apply_spec(client, spec)
    assert second.counts() == {"create": 0, "update": 0, "unchanged": 10, "delete": 0}
    assert http.writes() == 0, http.methods
    assert set(http.methods) == {"GET"}


def test_progress_is_reported_while_applying_not_after(fresh):
    """Each change is announced right after its own write, so a slow apply shows it moving."""
    spec = load_spec_text(QUICKSTART_TOML, source="quickstart.toml")
    client, http = recording_client(fresh)
    seen: list[tuple[str, int]] = []

    def told(change: Change) -> None:
        if change.action != "unchanged":
            seen.append((change.name, http.writes()))

    apply_spec(client, spec, on_change=told)
    writes_when_told = [count for _, count in seen]
    assert seen[0] == ("TaskRouter Quickstart", 1), "the new workspace is announced at once"
    assert writes_when_told == sorted(set(writes_when_told)), "a write between announcements"
    assert len(seen) == 11 and writes_when_told[-1] == http.writes()


def test_second_apply_through_the_cli_reports_unchanged(env, fresh):
    ok(env, "workspace", "apply", str(QUICKSTART))
    result = ok(env, "workspace", "apply", str(QUICKSTART), "--json")
    changes = json.loads(result.stdout)
    assert {c["action"] for c in changes} == {"unchanged"}
    assert len(changes) == 10
    assert "0 created, 0 updated, 10 unchanged, 0 deleted" in result.stderr


def test_dry_run_on_an_empty_emulator_plans_what_the_real_run_does_and_writes_nothing(env, fresh):
    result = ok(env, "workspace", "apply", str(QUICKSTART), "--dry-run", "--json")
    planned = json.loads(result.stdout)
    assert "dry run, nothing written" in result.stderr
    assert workspaces(fresh) == []
    assert planned == json.loads(ok(env, "workspace", "apply", str(QUICKSTART), "--json").stdout)


def test_a_file_at_odds_with_a_new_workspaces_activities_creates_nothing(env, fresh, tmp_path):
    text = '[workspace]\nname = "W"\n\n[[activities]]\nname = "Offline"\navailable = true\n'
    line = fails_before_writing(env, fresh, "workspace", "apply", write(tmp_path, text))
    assert "activities 'Offline': available = true" in line


def test_dry_run_shows_updates_and_changes_nothing(env, fresh, tmp_path):
    ok(env, "workspace", "apply", str(QUICKSTART))
    changed = QUICKSTART_TOML.replace(
        "task_reservation_timeout = 1200", "task_reservation_timeout = 60"
    )
    changed = changed.replace('languages = ["en"]', 'languages = ["en", "fr"]')
    path = write(tmp_path, changed)
    spec = load_spec_text(changed, source=path)
    client, http = recording_client(fresh)
    plan = apply_spec(client, spec, dry_run=True)
    assert http.writes() == 0
    updates = {(c.kind, c.name): c.fields for c in plan.changes if c.action == "update"}
    assert updates == {
        ("worker", "Bob"): ("attributes",),
        ("workflow", "Incoming Customer Care Requests"): ("task_reservation_timeout",),
    }
    table = ok(env, "workspace", "apply", path, "--dry-run").stdout
    assert any(
        line.split()[:2] == ["worker", "Bob"] and "update" in line for line in table.splitlines()
    )
    assert ok(env, "workspace", "export").stdout == QUICKSTART_TOML


def test_apply_updates_only_what_differs(env, fresh, tmp_path):
    ok(env, "workspace", "apply", str(QUICKSTART))
    changed = QUICKSTART_TOML.replace('languages = ["en"]', 'languages = ["en", "fr"]')
    changed = changed.replace("target_workers = 'languages HAS \"en\"'", 'target_workers = "1==1"')
    result = ok(env, "workspace", "apply", write(tmp_path, changed), "--json")
    updated = {
        (c["kind"], c["name"]): c["fields"]
        for c in json.loads(result.stdout)
        if c["action"] == "update"
    }
    assert updated == {("worker", "Bob"): ["attributes"], ("queue", ENGLISH): ["target_workers"]}
    assert '~ worker "Bob" (attributes)' in result.stderr
    assert ok(env, "workspace", "export").stdout == changed


# ---- prune --------------------------------------------------------------------------------


def test_reapplying_never_moves_a_live_worker_out_of_its_activity(env, fresh):
    """The file's activity (Offline) is where a new worker starts; Alice on a call stays Busy."""
    ok(env, "workspace", "apply", str(QUICKSTART))
    ok(env, "worker", "set-activity", "Alice", "Busy")
    again = json.loads(ok(env, "workspace", "apply", str(QUICKSTART), "--json").stdout)
    assert {c["action"] for c in again} == {"unchanged"}
    alice = json.loads(ok(env, "worker", "show", "Alice", "--json").stdout)
    assert alice["activity_name"] == "Busy"


def test_prune_deletes_only_what_the_file_does_not_name(env, fresh):
    ok(env, "workspace", "apply", str(QUICKSTART))
    ok(env, "worker", "create", "Carol", "--activity", "Offline")
    ok(env, "activity", "create", "Break", "--unavailable")
    kept = json.loads(ok(env, "workspace", "apply", str(QUICKSTART), "--json").stdout)
    assert {c["action"] for c in kept} == {"unchanged"}
    refused = invoke(env, "workspace", "apply", str(QUICKSTART), "--prune")  # no terminal
    assert refused.exit_code == 2 and refused.stdout == ""
    assert refused.stderr == (
        f"Error: not going to delete 2 resources that {QUICKSTART} does not name (worker "
        '"Carol", activity "Break") without confirmation (stdin is not a terminal: add --yes)\n'
    )
    declined = invoke(
        env, "workspace", "apply", str(QUICKSTART), "--prune", input="n\n", stdin_isatty=True
    )
    assert declined.exit_code == 1 and "This cannot be undone. [y/N]" in declined.stderr
    assert "Carol" in ok(env, "workers", "list").stdout  # nothing was deleted
    pruned = ok(env, "workspace", "apply", str(QUICKSTART), "--prune", "--json", "--yes")
    deletes = [(c["kind"], c["name"]) for c in json.loads(pruned.stdout) if c["action"] == "delete"]
    assert deletes == [("worker", "Carol"), ("activity", "Break")]
    assert '- worker "Carol"' in pruned.stderr
    assert ok(env, "workspace", "export").stdout == QUICKSTART_TOML


# ---- export -> apply elsewhere -> export ---------------------------------------------------------

RICH = """\
[workspace]
name = "Rich"
default_activity = "Away"
timeout_activity = "Away"
event_callback_url = "http://127.0.0.1:9/events"
events_filter = "task.created,task.canceled"
prioritize_queue_order = "LIFO"

[[activities]]
name = "Away"
available = false

[[activities]]
name = "Ready"
available = true

[[workers]]
name = "Dee"
activity = "Ready"
attributes = '{"skills":["billing"],"level":5,"manager":null,"nick":"Dee \\"D\\""}'

[[queues]]
name = "Billing"
target_workers = 'skills HAS "billing"'
reservation_activity = "Away"
max_reserved_workers = 3
task_order = "LIFO"

[[queues]]
name = "Everyone"

[[workflows]]
name = "Router"
task_reservation_timeout = 30
assignment_callback_url = "http://127.0.0.1:9/assign"
fallback_assignment_callback_url = "http://127.0.0.1:9/fallback"
default_filter = { queue = "Everyone" }

[[workflows.filters]]
name = "Billing first"
expression = 'type == "billing" AND priority_level >= 3'
targets = [
    { queue = "Billing", priority = 10, timeout = 60, order_by = "worker.level DESC" },
    { expression = "worker.level > 3", skip_if = "workers.available == 0" },
]

[[workflows.filters]]
expression = "1==1"
targets = [{ queue = "Everyone" }]
"""


def test_export_apply_on_an_empty_emulator_export_is_identical(env, fresh, tmp_path):
    ok(env, "workspace", "apply", write(tmp_path, RICH, "rich.toml"))
    exported = ok(env, "workspace", "export").stdout
    assert load_spec_text(exported, source="x.toml") == load_spec_text(RICH, source="rich.toml")
    path = write(tmp_path, exported, "exported.toml")
    with Emulator(clock=FakeClock()) as other:
        other_env = env_for(other, tmp_path)
        ok(other_env, "workspace", "apply", path)
        assert ok(other_env, "workspace", "export").stdout == exported
        json_path = tmp_path / "rich.json"
        ok(other_env, "workspace", "export", "-o", str(json_path))
        again = json.loads(json_path.read_text(encoding="utf-8"))
        assert again["workers"][0]["attributes"]["manager"] is None
    client, http = recording_client(fresh)
    assert (
        apply_spec(client, load_spec_text(json_path.read_text(), source="r.json")).counts()[
            "unchanged"
        ]
        == 7
    )
    assert http.writes() == 0


def test_export_of_a_workspace_built_with_the_sdk_round_trips(quickstart, cli_env, tmp_path):
    exported = ok(cli_env, "workspace", "export").stdout
    spec = load_spec_text(exported, source="x.toml")
    assert spec.workspace.name == load_spec_text(QUICKSTART_TOML, source="q").workspace.name
    assert {q.name for q in spec.queues} >= {SPANISH, ENGLISH}
    with Emulator(clock=FakeClock()) as other:
        other_env = env_for(other, tmp_path)
        ok(other_env, "workspace", "apply", write(tmp_path, exported))
        assert ok(other_env, "workspace", "export").stdout == exported


# ---- everything is checked before the first write ------------------------------------------------


def test_bad_expression_exits_2_with_its_position(env, fresh, tmp_path):
    text = QUICKSTART_TOML.replace('languages HAS "es"', 'languages HAZ "es"')
    line = fails_before_writing(env, fresh, "workspace", "apply", write(tmp_path, text))
    assert f"queues '{SPANISH}' target_workers" in line
    assert line.endswith('at position 10: languages ^HAZ "es"'), line


ENGLISH_TARGET = f'{{ queue = "{ENGLISH}" }}'
TIMEOUT_LINE = "task_reservation_timeout = 1200"


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            TIMEOUT_LINE,
            f'{TIMEOUT_LINE}\nassignment_callback_url = "not a url"',
            "assignment_callback_url: expected an http(s) URL",
        ),
        (
            ENGLISH_TARGET,
            f'{{ queue = "{ENGLISH}", expression = "level > 3" }}',
            "expression: key 'level' is not allowed here at position 0 (use task.",
        ),
        (
            ENGLISH_TARGET,
            f'{{ queue = "{ENGLISH}", skip_if = "" }}',
            "skip_if: must be a non-empty expression",
        ),
        ('name = "Bob"', f'name = "{"Bob" * 22}"', "name: 66 characters, TaskRouter allows 64"),
    ],
)
def test_what_the_api_would_refuse_halfway_exits_2_before_the_first_write(
    env, fresh, tmp_path, old, new, expected
):
    """Each of these used to create nine resources and then fail on the tenth with a 400."""
    text = QUICKSTART_TOML.replace(old, new)
    assert text != QUICKSTART_TOML
    line = fails_before_writing(env, fresh, "workspace", "apply", write(tmp_path, text))
    assert expected in line


def test_unknown_queue_in_a_workflow_target_exits_2(env, fresh, tmp_path):
    text = QUICKSTART_TOML.replace(
        f'{{ queue = "{ENGLISH}" }}', '{ queue = "Customer Care - French" }'
    )
    line = fails_before_writing(env, fresh, "workspace", "apply", write(tmp_path, text))
    assert "unknown queue 'Customer Care - French'" in line


def test_duplicate_names_exit_2(env, fresh, tmp_path):
    text = QUICKSTART_TOML.replace('name = "Bob"', 'name = "Alice"')
    line = fails_before_writing(env, fresh, "workspace", "apply", write(tmp_path, text))
    assert "workers: the name 'Alice' appears twice" in line


def test_bad_toml_exits_2(env, fresh, tmp_path):
    line = fails_before_writing(
        env, fresh, "workspace", "apply", write(tmp_path, "[workspace\nname=1")
    )
    assert "not valid TOML" in line and "line 1" in line


def test_missing_file_exits_2(env, fresh, tmp_path):
    line = fails_before_writing(env, fresh, "workspace", "apply", str(tmp_path / "nope.toml"))
    assert "nope.toml: no such file" in line


def test_unchangeable_availability_exits_2_before_writing(env, fresh, tmp_path):
    ok(env, "workspace", "apply", str(QUICKSTART))
    text = QUICKSTART_TOML.replace(
        'name = "Idle"\navailable = true', 'name = "Idle"\navailable = false'
    )
    text = text.replace("task_reservation_timeout = 1200", "task_reservation_timeout = 5")
    result = invoke(env, "workspace", "apply", write(tmp_path, text))
    assert result.exit_code == 2 and "activities 'Idle': available = false" in result.stderr
    assert ok(env, "workspace", "export").stdout == QUICKSTART_TOML


def test_switching_a_multitasking_workspace_to_single_tasking_exits_2_before_writing(
    env, fresh, tmp_path
):
    """TaskRouter refuses it unless another single-tasking workspace exists: said up front."""
    multi = QUICKSTART_TOML.replace("multi_task_enabled = false", "multi_task_enabled = true")
    multi = multi.replace("task_reservation_timeout = 1200", "task_reservation_timeout = 5")
    ok(env, "workspace", "apply", write(tmp_path, multi))
    result = invoke(env, "workspace", "apply", str(QUICKSTART))
    assert result.exit_code == 2, result.stderr
    assert "cannot switch it to single-tasking" in result.stderr
    assert ok(env, "workspace", "export").stdout == multi.replace(
        "multi_task_enabled = true\n", ""
    ), "nothing was written"
    client, _ = recording_client(fresh)
    client.taskrouter.v1.workspaces.create(friendly_name="Legacy", multi_task_enabled=False)
    ok(env, "workspace", "apply", str(QUICKSTART), "--workspace", "TaskRouter Quickstart")
    exported = ok(env, "-w", "TaskRouter Quickstart", "workspace", "export").stdout
    assert exported == QUICKSTART_TOML


def test_apply_from_json_on_stdin_into_a_chosen_workspace(env, fresh, tmp_path):
    ok(env, "workspace", "apply", str(QUICKSTART))
    sid = the_workspace(fresh).sid
    spec = load_spec_text(QUICKSTART_TOML, source="q.toml")
    from trctl.services.workspace_format import render

    text = render(spec, "json").replace('"TaskRouter Quickstart"', '"Another name"')
    text = text.replace('"en",\n          "es"', '"es"')
    result = invoke(env, "workspace", "apply", "-", "--workspace", sid, "--json", input=text)
    assert result.exit_code == 0, result.stderr
    updated = [(c["kind"], c["name"]) for c in json.loads(result.stdout) if c["action"] == "update"]
    assert updated == [("worker", "Alice")]
    assert len(workspaces(fresh)) == 1


def test_export_to_an_unwritable_place_is_one_line_and_leaves_no_file(env, fresh, tmp_path):
    ok(env, "workspace", "apply", str(QUICKSTART))
    target = tmp_path / "missing-dir" / "ws.toml"
    result = invoke(env, "workspace", "export", "-o", str(target))
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        f"Error: {target}: cannot write it (No such file or directory)"
    ]
    assert not target.parent.exists()
    existing = tmp_path / "ws.toml"
    existing.write_text("old", encoding="utf-8")
    ok(env, "workspace", "export", "-o", str(existing))
    assert existing.read_text(encoding="utf-8") == QUICKSTART_TOML
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".ws.toml")) == []


def test_a_value_the_file_leaves_out_goes_back_to_the_default(env, fresh):
    """The file says nothing about the callback URL, so apply clears one set by hand."""
    ok(env, "workspace", "apply", str(QUICKSTART))
    wired = {**env, "TRCTL_WORKSPACE_SID": "TaskRouter Quickstart"}
    workflow = "Incoming Customer Care Requests"
    ok(wired, "workflow", "update", workflow, "--assignment-callback-url", "http://127.0.0.1:9/a")
    result = ok(env, "workspace", "apply", str(QUICKSTART), "--json")
    updates = [
        (c["kind"], c["fields"]) for c in json.loads(result.stdout) if c["action"] == "update"
    ]
    assert updates == [("workflow", ["assignment_callback_url"])]
    shown = json.loads(ok(wired, "workflow", "show", workflow, "--json").stdout)
    assert not shown["assignment_callback_url"]
    assert ok(env, "workspace", "export").stdout == QUICKSTART_TOML


def test_a_minimal_file_creates_a_workspace_keeping_its_default_activity(env, fresh, tmp_path):
    path = write(tmp_path, '[workspace]\nname = "Bare"\n\n[[queues]]\nname = "All"\n')
    result = ok(env, "workspace", "apply", path, "--json")
    deletes = [c["name"] for c in json.loads(result.stdout) if c["action"] == "delete"]
    exported = load_spec_text(ok(env, "workspace", "export").stdout, source="x.toml")
    kept = {exported.workspace.default_activity, exported.workspace.timeout_activity}
    assert kept and None not in kept
    assert {a.name for a in exported.activities} == kept, "only the defaults in use are kept"
    assert not kept & set(deletes)
    assert [q.name for q in exported.queues] == ["All"]
    second = json.loads(ok(env, "workspace", "apply", path, "--json").stdout)
    assert {c["action"] for c in second} == {"unchanged"}
