"""Workspace files without a network: parsing, local checks, the TOML writer and the planner."""

from __future__ import annotations

import copy
import json
import math
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trctl.errors import UsageError
from trctl.services.workspace_format import dump_toml, render, spec_to_data
from trctl.services.workspace_plan import (
    LiveWorkspace,
    make_new_workspace_plan,
    make_plan,
    new_workspace_live,
)
from trctl.services.workspace_quickstart import QUICKSTART_TOML
from trctl.services.workspace_read import load_spec_text
from trctl.services.workspace_spec import ActivitySpec, WorkerSpec
from trctl.services.workspace_wire import workflow_configuration, workflow_from_configuration

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[2]
SPANISH = "Customer Care Requests - Spanish"
ENGLISH = "Customer Care Requests - English"


def quickstart():
    return load_spec_text(QUICKSTART_TOML, source="quickstart.toml")


def live_copy(spec, sid="WS" + "0" * 32) -> LiveWorkspace:
    """A live workspace that looks exactly like the spec (every name gets a fake SID)."""
    live_spec = copy.deepcopy(spec)
    sids = {
        "activity": {a.name: f"WA{i:032x}" for i, a in enumerate(spec.activities)},
        "queue": {q.name: f"WQ{i:032x}" for i, q in enumerate(spec.queues)},
        "worker": {w.name: f"WK{i:032x}" for i, w in enumerate(spec.workers)},
        "workflow": {w.name: f"WW{i:032x}" for i, w in enumerate(spec.workflows)},
    }
    return LiveWorkspace(sid, live_spec, sids)


def bad(text: str, fmt: str = "toml") -> str:
    with pytest.raises(UsageError) as caught:
        load_spec_text(text, source=f"bad.{fmt}", fmt=fmt)
    return caught.value.one_line()


# ---- the shipped quickstart ---------


def test_examples_quickstart_is_the_embedded_copy():
    assert (ROOT / "examples" / "quickstart.toml").read_text(encoding="utf-8") == QUICKSTART_TOML


def test_quickstart_says_what_the_tutorial_sets_up():
    spec = quickstart()
    assert spec.workspace.name == "TaskRouter Quickstart"
    assert spec.workspace.multi_task_enabled is False
    assert [(a.name, a.available) for a in spec.activities] == [
        ("Offline", False),
        ("Idle", True),
        ("Busy", False),
        ("Reserved", False),
    ]
    assert [(w.name, w.activity, w.attributes) for w in spec.workers] == [
        ("Alice", "Offline", {"languages": ["en", "es"]}),
        ("Bob", "Offline", {"languages": ["en"]}),
    ]
    assert [
        (q.name, q.target_workers, q.reservation_activity, q.assignment_activity)
        for q in spec.queues
    ] == [
        (SPANISH, 'languages HAS "es"', "Reserved", "Busy"),
        (ENGLISH, 'languages HAS "en"', "Reserved", "Busy"),
    ]
    (workflow,) = spec.workflows
    assert workflow.name == "Incoming Customer Care Requests"
    assert workflow.task_reservation_timeout == 1200
    config = workflow_configuration(workflow, {SPANISH: "WQes", ENGLISH: "WQen"})
    assert config == {
        "task_routing": {
            "filters": [
                {
                    "filter_friendly_name": "Spanish",
                    "expression": 'selected_language == "es"',
                    "targets": [{"queue": "WQes"}],
                },
                {
                    "filter_friendly_name": "English",
                    "expression": 'selected_language == "en"',
                    "targets": [{"queue": "WQen"}],
                },
            ]
        }
    }


def test_quickstart_is_written_the_way_export_writes_it():
    assert render(quickstart()) == QUICKSTART_TOML


def test_json_form_reads_back_to_the_same_spec():
    spec = quickstart()
    again = load_spec_text(render(spec, "json"), source="q.json")
    assert again == spec
    assert json.loads(render(spec, "json"))["workspace"]["name"] == "TaskRouter Quickstart"


# ---- local checks: one line, where and what ---------

MINIMAL = '[workspace]\nname = "W"\n'


def test_bad_toml_names_the_line():
    message = bad(MINIMAL + "[[activities]\nname = 1\n")
    assert message.startswith("bad.toml: not valid TOML:") and "line 3" in message


def test_bad_json_names_the_line():
    message = bad('{"workspace": {"name": "W"},\n "activities": [}', "json")
    assert message.startswith("bad.json: not valid JSON:") and "line 2" in message


def test_bad_expression_gives_the_position_and_the_text():
    text = MINIMAL + '[[queues]]\nname = "Q"\ntarget_workers = \'languages HAZ "es"\'\n'
    message = bad(text)
    assert "queues 'Q' target_workers" in message
    assert message.endswith('at position 10: languages ^HAZ "es"'), message


def test_bad_filter_and_target_expressions_are_caught_too():
    text = (
        MINIMAL
        + '[[queues]]\nname = "Q"\n[[workflows]]\nname = "F"\n[[workflows.filters]]\n'
        + 'expression = "1==1"\ntargets = [{queue = "Q", expression = "worker.level >"}]\n'
    )
    assert "workflows 'F': task_routing.filters[0].targets[0].expression" in bad(text)
    text = text.replace('expression = "1==1"', 'expression = "x =="').replace(
        'expression = "worker.level >"', 'expression = "1==1"'
    )
    assert "task_routing.filters[0].expression: missing operand" in bad(text)


@pytest.mark.parametrize(
    ("section", "expected"),
    [
        ('[[activities]]\nname = "A"\n[[activities]]\nname = "A"\n', "activities: the name 'A'"),
        ('[[workers]]\nname = "Al"\n[[workers]]\nname = "Al"\n', "workers: the name 'Al'"),
        ('[[queues]]\nname = "Q"\n[[queues]]\nname = "Q"\n', "queues: the name 'Q'"),
    ],
)
def test_duplicate_names_are_rejected(section, expected):
    assert expected in bad(MINIMAL + section)


@pytest.mark.parametrize(
    ("section", "expected"),
    [
        ('[[workers]]\nname = "A"\nactivty = "Idle"\n', "unknown key 'activty'"),
        ('[[activities]]\nname = "A"\navailable = "yes"\n', "available: expected true or false"),
        ('[[queues]]\nname = "Q"\nmax_reserved_workers = 51\n', "51 is out of range (1..50)"),
        ('[[queues]]\nname = "Q"\ntask_order = "RANDOM"\n', "expected one of FIFO, LIFO"),
        ('[[workers]]\nactivity = "Idle"\n', "missing required key 'name'"),
        ('[[workers]]\nname = "A"\nattributes = "[1]"\n', "expected a table or a JSON object"),
        ('[[workers]]\nname = "A"\nattributes = "{nope"\n', "attributes: not valid JSON"),
        ('[[workflows]]\nname = "F"\ntask_reservation_timeout = 0\n', "out of range (1..86400)"),
        (
            '[[workflows]]\nname = "F"\n[[workflows.filters]]\nexpression = "1==1"\ntargets = []\n',
            "task_routing.filters[0].targets: must be a non-empty list",
        ),
        (
            '[[workflows]]\nname = "F"\n[[workflows.filters]]\nexpression = "1==1"\n'
            "targets = [{priority = 1}]\n",
            "targets[0].queue: is required (the first target names one)",
        ),
        (
            '[[workflows]]\nname = "F"\n[[workflows.filters]]\nexpression = "1==1"\n'
            'targets = [{queue = "Q", order_by = "level DESC"}]\n',
            "order_by: 'level DESC'",
        ),
        ('[[workflows]]\nname = "F"\ndefault_filter = {priority = 1}\n', "unknown key 'priority'"),
        ("bogus = 1\n", "unknown key 'bogus'"),
    ],
)
def test_wrong_keys_types_and_ranges_are_rejected(section, expected):
    assert expected in bad(MINIMAL + section)


WORKFLOW_Q = '[[queues]]\nname = "Q"\n[[workflows]]\nname = "F"\n'
FILTER = '[[workflows.filters]]\nexpression = "1==1"\n'


@pytest.mark.parametrize(
    ("section", "expected"),
    [
        (WORKFLOW_Q, "workflows 'F': task_routing: needs at least one filter or a default_filter"),
        (
            WORKFLOW_Q + FILTER + 'targets = [{queue = "Q", expression = "level > 3"}]\n',
            "targets[0].expression: key 'level' is not allowed here at position 0 (use task.",
        ),
        (
            WORKFLOW_Q + FILTER + 'targets = [{queue = "Q", expression = ""}]\n',
            "targets[0].expression: must be a non-empty expression string",
        ),
        (
            WORKFLOW_Q + FILTER + 'targets = [{queue = "Q", skip_if = " "}]\n',
            "targets[0].skip_if: must be a non-empty expression string",
        ),
        (
            '[[workflows]]\nname = "F"\nassignment_callback_url = "localhost:8080/a"\n',
            "assignment_callback_url: expected an http(s) URL, got 'localhost:8080/a'",
        ),
        (
            '[[workflows]]\nname = "F"\nfallback_assignment_callback_url = "ftp://x/f"\n',
            "fallback_assignment_callback_url: expected an http(s) URL",
        ),
        (f'[[queues]]\nname = "{"Q" * 65}"\n', "name: 65 characters, TaskRouter allows 64"),
    ],
)
def test_what_taskrouter_would_refuse_mid_apply_is_refused_before_any_request(section, expected):
    assert expected in bad(MINIMAL + section)


def test_the_workspace_callback_url_and_name_are_checked_too():
    assert "[workspace]: event_callback_url: expected an http(s) URL, got 'nope'" in bad(
        MINIMAL.replace("[workspace]\n", '[workspace]\nevent_callback_url = "nope"\n')
    )
    assert "[workspace]: name: 65 characters" in bad(f'[workspace]\nname = "{"W" * 65}"\n')
    assert load_spec_text(f'[workspace]\nname = "{"W" * 64}"\n', source="f").workspace.name


def test_workspace_table_is_required():
    assert "missing the [workspace] table" in bad('[[activities]]\nname = "A"\n')
    assert "missing required key 'name'" in bad("[workspace]\n")


def test_oversized_attributes_are_rejected_before_any_request():
    big = "x" * 4100
    assert "TaskRouter allows 4096" in bad(
        MINIMAL + f'[[workers]]\nname = "A"\nattributes = {{ k = "{big}" }}\n'
    )


# ---- references, checked against the file and the live workspace ---------


def test_unknown_queue_in_a_workflow_target_is_named():
    spec = load_spec_text(
        MINIMAL
        + '[[workflows]]\nname = "F"\n[[workflows.filters]]\nexpression = "1==1"\n'
        + 'targets = [{queue = "Nowhere"}]\n',
        source="f.toml",
    )
    with pytest.raises(UsageError, match="workflows 'F': unknown queue 'Nowhere'"):
        make_plan(spec, new_workspace_live("W"), source="f.toml")


def test_unknown_activity_is_named_and_live_ones_count():
    spec = load_spec_text(MINIMAL + '[[workers]]\nname = "A"\nactivity = "Idle"\n', source="f")
    with pytest.raises(UsageError, match="workers 'A' activity: unknown activity 'Idle'"):
        make_plan(spec, new_workspace_live("W"), source="f")
    live = live_copy(quickstart())
    plan = make_plan(spec, live, source="f")  # Idle exists in the live workspace
    assert ("worker", "A", "create") in [(c.kind, c.name, c.action) for c in plan.writes()]
    with pytest.raises(UsageError, match="unknown activity 'Idle'"):
        make_plan(spec, live, prune=True, source="f")  # ...but --prune would delete it


# ---- planning ---------


def test_a_new_workspace_is_planned_in_dependency_order_replacing_the_default_activities():
    live = new_workspace_live("TaskRouter Quickstart")
    plan = make_new_workspace_plan(quickstart(), live, source="q")
    assert [(c.kind, c.action) for c in plan.changes] == (
        [("activity", "unchanged")]  # Offline: TaskRouter makes it
        + [("activity", "create")] * 3
        + [("queue", "create")] * 2
        + [("worker", "create")] * 2
        + [("workflow", "create"), ("workspace", "create")]
        + [("activity", "delete")] * 2  # Available, Unavailable
    )


def test_a_new_workspace_is_checked_against_the_activities_taskrouter_will_give_it():
    """Offline exists, unavailable, in every new workspace: saying otherwise fails before
    the workspace is created (it used to be created first, then the check failed)."""
    spec = load_spec_text(
        MINIMAL + '[[activities]]\nname = "Offline"\navailable = true\n', source="f"
    )
    with pytest.raises(UsageError, match="but the one TaskRouter puts in a new workspace has"):
        make_new_workspace_plan(spec, new_workspace_live("W"), source="f")
    bare = load_spec_text(MINIMAL, source="f")
    deletes = [
        c.name
        for c in make_new_workspace_plan(bare, new_workspace_live("W"), source="f").changes
        if c.action == "delete"
    ]
    assert deletes == ["Available", "Unavailable"], "the default activity in use is spared"


def test_a_workspace_that_matches_is_all_unchanged():
    plan = make_plan(quickstart(), live_copy(quickstart()))
    assert plan.writes() == []
    assert plan.counts()["unchanged"] == 10


def test_differences_are_updates_naming_the_fields():
    live = live_copy(quickstart())
    live.spec.workers[0].attributes = {"languages": ["en"]}
    live.spec.queues[1].target_workers = "1==1"
    live.spec.workflows[0].task_reservation_timeout = 120
    live.spec.workflows[0].filters[0].targets[0].priority = 5
    live.spec.workspace.multi_task_enabled = True
    changes = {(c.kind, c.name): c for c in make_plan(quickstart(), live).writes()}
    assert changes[("worker", "Alice")].fields == ("attributes",)
    assert changes[("queue", ENGLISH)].fields == ("target_workers",)
    assert changes[("workflow", "Incoming Customer Care Requests")].fields == (
        "task_reservation_timeout",
        "filters",
    )
    assert changes[("workspace", "TaskRouter Quickstart")].fields == ("multi_task_enabled",)
    assert len(changes) == 4


def test_a_worker_without_activity_in_the_file_keeps_its_live_activity():
    spec = quickstart()
    spec.workers[0] = WorkerSpec("Alice", None, {"languages": ["en", "es"]})
    live = live_copy(quickstart())
    live.spec.workers[0].activity = "Busy"
    assert make_plan(spec, live).writes() == []


def test_prune_deletes_what_the_file_does_not_name_dependents_first():
    live = live_copy(quickstart())
    spec = quickstart()
    spec.workers = spec.workers[:1]
    spec.activities = [a for a in spec.activities if a.name != "Reserved"]
    spec.queues = [q for q in spec.queues if q.name == SPANISH]
    spec.queues[0].reservation_activity = "Busy"
    spec.workflows[0].filters = spec.workflows[0].filters[:1]
    assert make_plan(spec, live).counts()["delete"] == 0
    deletes = [
        (c.kind, c.name) for c in make_plan(spec, live, prune=True).changes if c.action == "delete"
    ]
    assert deletes == [("worker", "Bob"), ("queue", ENGLISH), ("activity", "Reserved")]


def test_prune_refuses_to_delete_the_default_activity_the_file_does_not_replace():
    live = live_copy(quickstart())
    spec = load_spec_text('[workspace]\nname = "TaskRouter Quickstart"\n', source="f")
    with pytest.raises(UsageError, match="--prune would delete 'Offline'"):
        make_plan(spec, live, prune=True, source="f")


@pytest.mark.parametrize(
    ("kind", "key", "message"),
    [
        ("workers", "activity", "worker 'Bob' still uses as its activity"),
        ("queues", "reservation_activity", f"queue '{ENGLISH}' still uses as its reservation"),
    ],
)
def test_prune_refuses_to_delete_an_activity_a_kept_resource_still_uses(kind, key, message):
    """TaskRouter refuses that delete (400) after every other write; the plan refuses it first."""
    live = live_copy(quickstart())
    live.spec.activities.append(ActivitySpec("Break"))
    live.sids["activity"]["Break"] = "WA" + "b" * 32
    setattr(getattr(live.spec, kind)[1], key, "Break")
    spec = quickstart()
    setattr(getattr(spec, kind)[1], key, None)  # the file leaves it to the live value
    assert make_plan(spec, live).counts()["delete"] == 0
    with pytest.raises(UsageError, match=f"--prune would delete activity 'Break', which {message}"):
        make_plan(spec, live, prune=True, source="f")
    setattr(getattr(spec, kind)[1], key, "Offline")
    assert ("activity", "Break", "delete") in [
        (c.kind, c.name, c.action) for c in make_plan(spec, live, prune=True).changes
    ]


def test_availability_cannot_be_changed_so_the_plan_says_so():
    live = live_copy(quickstart())
    live.spec.activities[1].available = False
    with pytest.raises(UsageError, match="activities 'Idle': available = true but the live"):
        make_plan(quickstart(), live)


def test_live_configuration_reads_back_with_names_and_numbers():
    config = {
        "task_routing": {
            "filters": [
                {
                    "expression": "1==1",
                    "targets": [{"queue": "WQ1", "priority": "5", "timeout": 30}, {"priority": 9}],
                }
            ],
            "default_filter": {"queue": "WQ2"},
        }
    }
    workflow = workflow_from_configuration(
        "F", json.dumps(config), {"WQ1": "One", "WQ2": "Two"}, task_reservation_timeout=30
    )
    assert workflow.filters[0].targets[0].queue == "One"
    assert workflow.filters[0].targets[0].priority == 5
    assert workflow.filters[0].targets[1].queue is None
    assert workflow.default_filter.queue == "Two"
    assert workflow.filters[0].name is None
    assert workflow_configuration(workflow, {"One": "WQ1", "Two": "WQ2"})["task_routing"][
        "default_filter"
    ] == {"queue": "WQ2"}


# ---- the TOML writer ---------


def test_strings_keys_and_nested_values_are_escaped():
    data = {
        "workspace": {"name": 'Tab\there "and" \\ back\nslash é \x01'},
        "workers": [
            {
                "name": "it's",
                "attributes": {"odd key": {"x.y": [1, 2.5, True]}, "empty": {}, "list": []},
            }
        ],
    }
    text = dump_toml(data)
    assert tomllib.loads(text) == data
    assert '"odd key"' in text and '"x.y"' in text


def test_a_key_ending_in_a_newline_is_quoted():
    """Found by hypothesis: a `$` regex anchor lets "0\\n" pass as a bare key."""
    assert dump_toml({"w": {"attributes": {"0\n": []}}}) == '[w]\nattributes = { "0\\n" = [] }\n'


def test_attributes_with_null_are_written_as_a_json_string():
    spec = load_spec_text(
        MINIMAL + '[[workers]]\nname = "A"\nattributes = \'{"a": null, "b": [1, null]}\'\n',
        source="f",
    )
    text = render(spec)
    assert 'attributes = \'{"a":null,"b":[1,null]}\'' in text
    assert load_spec_text(text, source="f") == spec


JSON_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(-(2**53), 2**53)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8)
)
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=8,
)


def _toml_str(text: str) -> str:
    """A TOML basic string written independently of the writer under test (JSON escapes)."""
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007F")


@settings(max_examples=150, deadline=None)
@given(
    names=st.lists(  # any name TaskRouter accepts: no control characters
        st.text(st.characters(blacklist_categories=("Cc", "Cs")), min_size=1, max_size=10).filter(
            str.strip
        ),
        min_size=1,
        max_size=3,
        unique=True,
    ),
    attributes=st.dictionaries(st.text(max_size=6), JSON_VALUES, max_size=4),
)
def test_any_workers_survive_render_and_parse(names, attributes):
    workers = "".join(
        f"[[workers]]\nname = {_toml_str(n)}\nattributes = {_toml_str(json.dumps(attributes))}\n"
        for n in names
    )
    spec = load_spec_text(MINIMAL + workers, source="f.toml")
    text = render(spec)
    again = load_spec_text(text, source="f.toml")
    assert again == spec
    assert render(again) == text
    assert spec_to_data(again)["workers"][0]["name"] == names[0]


def test_render_is_stable_for_floats():
    text = dump_toml({"workspace": {"x": 0.1, "y": 1e300, "z": -0.0}})
    assert tomllib.loads(text) == {"workspace": {"x": 0.1, "y": 1e300, "z": -0.0}}
    assert not math.isnan(tomllib.loads(text)["workspace"]["x"])
