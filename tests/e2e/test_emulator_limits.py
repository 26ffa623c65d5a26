"""TaskRouter's per-workspace limits, enforced by the emulator's core with Twilio's codes, and
raised by Emulator(limits=...) / --limits for load tests; docs/emulator.md's table names each
one."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from emulator_http import call

from trctl.emulator import Emulator, FakeClock
from trctl.vocab.limits import LIMITS, parse_overrides

EMULATOR_DOC = Path(__file__).resolve().parents[2] / "docs" / "emulator.md"


def refused(answer: Any, code: int, counts: str) -> None:
    assert answer.status == 400, answer.body
    body = answer.json()
    assert body["code"] == code, body
    assert counts in body["message"] and "--limits" in body["message"], body


def test_default_limits_of_activities_channels_capacity_and_attributes(emulator, sdk) -> None:
    ws = sdk.taskrouter.v1.workspaces.create(friendly_name="Limits").sid
    base = f"/v1/Workspaces/{ws}"
    for n in range(97):  # the 3 default activities make 100
        assert call(emulator, "POST", base + "/Activities", {"FriendlyName": f"A{n}"}).status == 201
    refused(call(emulator, "POST", base + "/Activities", {"FriendlyName": "one more"}), 20001,
            "activities in a workspace")  # fmt: skip
    for n in range(10):  # the 5 default channels make 15
        form = {"FriendlyName": f"C{n}", "UniqueName": f"c{n}"}
        assert call(emulator, "POST", base + "/TaskChannels", form).status == 201
    extra = {"FriendlyName": "x", "UniqueName": "x"}
    refused(call(emulator, "POST", base + "/TaskChannels", extra), 20001, "task channels")
    worker = call(emulator, "POST", base + "/Workers", {"FriendlyName": "W"}).json()["sid"]
    channel = f"{base}/Workers/{worker}/Channels/default"
    assert call(emulator, "POST", channel, {"Capacity": "50"}).status == 200
    refused(call(emulator, "POST", channel, {"Capacity": "51"}), 20001, "capacity")
    attributes = json.dumps({"k": "x" * 4087})  # 4,096 characters, whitespace included
    assert len(attributes) == 4096
    ok = call(emulator, "POST", f"{base}/Workers/{worker}", {"Attributes": attributes})
    assert ok.status == 200
    spaced = json.dumps({"k": "x" * 4087}, indent=1)  # the same object, longer as sent
    refused(call(emulator, "POST", f"{base}/Workers/{worker}", {"Attributes": spaced}), 20001,
            "attributes")  # fmt: skip


@pytest.fixture
def small() -> Any:
    limits = {"workers": 3, "available_workers": 2, "task_queues": 1, "workflows": 2, "tasks": 2}
    with Emulator(clock=FakeClock(), limits=limits) as emu:
        yield emu


def test_lowered_limits_refuse_with_twilios_codes(small) -> None:
    ws = call(small, "POST", "/v1/Workspaces", {"FriendlyName": "L", "Template": "FIFO"}).json()
    base = f"/v1/Workspaces/{ws['sid']}"
    activities = call(small, "GET", base + "/Activities").json()["activities"]
    by_name = {a["friendly_name"]: a["sid"] for a in activities}
    for name in ("A", "B"):
        form = {"FriendlyName": name, "ActivitySid": by_name["Available"]}
        assert call(small, "POST", base + "/Workers", form).status == 201
    third = {"FriendlyName": "C", "ActivitySid": by_name["Available"]}
    refused(call(small, "POST", base + "/Workers", third), 14240, "available activity")
    offline = call(small, "POST", base + "/Workers", {"FriendlyName": "C"})
    assert offline.status == 201  # offline workers do not count against the available limit
    moved = call(small, "POST", f"{base}/Workers/{offline.json()['sid']}",
                 {"ActivitySid": by_name["Available"]})  # fmt: skip
    refused(moved, 14240, "available activity")
    refused(call(small, "POST", base + "/Workers", {"FriendlyName": "D"}), 20001, "workers")
    refused(call(small, "POST", base + "/TaskQueues", {"FriendlyName": "Q2"}), 20001, "queues")
    queue = call(small, "GET", base + "/TaskQueues").json()["task_queues"][0]["sid"]
    config = json.dumps({"task_routing": {"filters": [], "default_filter": {"queue": queue}}})
    flow = {"FriendlyName": "F2", "Configuration": config}
    assert call(small, "POST", base + "/Workflows", flow).status == 201
    refused(call(small, "POST", base + "/Workflows", {**flow, "FriendlyName": "F3"}), 20001,
            "workflows")  # fmt: skip
    task = {"WorkflowSid": call(small, "GET", base + "/Workflows").json()["workflows"][0]["sid"]}
    for _ in range(2):
        assert call(small, "POST", base + "/Tasks", task).status == 201
    refused(call(small, "POST", base + "/Tasks", task), 20001, "tasks")
    other = call(small, "POST", "/v1/Workspaces", {"FriendlyName": "Other"}).json()["sid"]
    assert call(small, "POST", f"/v1/Workspaces/{other}/Workers", {"FriendlyName": "A"}).status \
        == 201  # fmt: skip  # limits are per workspace


def test_overrides_parse_and_none_lifts_every_limit() -> None:
    assert parse_overrides("workers=200000, tasks=1000000") == {
        "workers": 200_000,
        "tasks": 1_000_000,
    }
    assert set(parse_overrides("none")) == {limit.name for limit in LIMITS}
    for bad in ("workers", "workers=0", "workers=-1", "bogus=3", "", "workers=1e6"):
        with pytest.raises(ValueError):
            parse_overrides(bad)


def test_the_docs_table_names_every_limit_with_its_value_and_code() -> None:
    text = EMULATOR_DOC.read_text(encoding="utf-8")
    for limit in LIMITS:
        row = re.search(rf"^\| `{limit.name}` \|.*$", text, re.MULTILINE)
        assert row, f"docs/emulator.md's limits table has no row for {limit.name}"
        assert f"{limit.default:,}" in row.group(0) and str(limit.code) in row.group(0)
