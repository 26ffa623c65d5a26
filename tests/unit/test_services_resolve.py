"""Unit tests: SID-or-name resolution over plain records, suggestions, one list per type."""

from __future__ import annotations

from typing import Any

import pytest

from trctl.errors import NotFoundError, UsageError
from trctl.services.resolve import (
    ACTIVITY,
    CHANNEL,
    MAX_LISTED,
    QUEUE,
    TASK,
    WORKER,
    Resolver,
    check_sid,
    describe_known,
    find,
    record_name,
    require_sid,
    similarity,
    suggest,
)
from trctl.services.rest import TaskRouterApi

WS = "WS" + "0" * 32
ALICE = {"sid": "WK" + "a" * 32, "friendly_name": "Alice"}
BOB = {"sid": "WK" + "b" * 32, "friendly_name": "Bob"}
IDLE = {"sid": "WA" + "1" * 32, "friendly_name": "Idle"}
OFFLINE = {"sid": "WA" + "2" * 32, "friendly_name": "Offline"}


class RecordingApi(TaskRouterApi):
    """A TaskRouterApi double over in-memory collections that counts requests."""

    def __init__(self, collections: dict[str, list[dict[str, Any]]]) -> None:
        self.collections = collections
        self.details: dict[str, dict[str, Any]] = {}  # what a fetch shows, by SID, if it differs
        self.calls: list[tuple[str, str]] = []

    def list(self, path: str, params: Any = None, **kwargs: Any) -> list[dict[str, Any]]:
        self.calls.append(("list", path))
        return list(self.collections[path.rsplit("/", 1)[1]])

    def fetch(self, path: str, params: Any = None) -> dict[str, Any]:
        self.calls.append(("fetch", path))
        collection, sid = path.rsplit("/", 2)[1:]
        if sid in self.details:
            return self.details[sid]
        for record in self.collections[collection]:
            if record["sid"] == sid:
                return record
        raise NotFoundError(f"404 {sid}")


def make(**collections: list[dict[str, Any]]) -> tuple[Resolver, RecordingApi]:
    api = RecordingApi(
        {"Workers": [ALICE, BOB], "Activities": [IDLE, OFFLINE], "Workflows": [], **collections}
    )
    return Resolver(api, WS), api


def test_names_are_case_insensitive_and_listed_once() -> None:
    resolver, api = make()
    assert resolver.worker("alice") is ALICE
    assert resolver.worker("BOB") is BOB
    assert resolver.activity("idle") is IDLE
    assert resolver.activity("Offline") is OFFLINE
    assert api.calls == [
        ("list", f"/Workspaces/{WS}/Workers"),
        ("list", f"/Workspaces/{WS}/Activities"),
    ]


def test_exact_case_wins_over_folded_duplicates() -> None:
    records = [{"sid": "WK" + "c" * 32, "friendly_name": "alice"}, ALICE]
    assert find(WORKER, records, "Alice") is ALICE
    with pytest.raises(UsageError, match="2 workers are named 'ALICE'"):
        find(WORKER, records, "ALICE")


def test_unknown_name_suggests_and_lists_known_names() -> None:
    resolver, _ = make()
    with pytest.raises(NotFoundError) as caught:
        resolver.worker("Alcie")
    assert (
        caught.value.message == "unknown worker 'Alcie' (did you mean 'Alice'? known: Alice, Bob)"
    )
    assert caught.value.exit_code == 4


def test_unknown_name_without_a_close_match_still_lists_names() -> None:
    resolver, _ = make()
    with pytest.raises(NotFoundError) as caught:
        resolver.activity("Lunch")
    assert "did you mean" not in caught.value.message
    assert "known: Idle, Offline" in caught.value.message


def test_suggest_is_case_insensitive() -> None:
    assert suggest("IDEL", ["Idle", "Offline"]) == "Idle"
    assert suggest("zzz", ["Idle", "Offline"]) is None


def test_sid_of_the_right_kind_costs_no_request() -> None:
    resolver, api = make()
    assert resolver.sid(WORKER, ALICE["sid"]) == ALICE["sid"]
    assert api.calls == []


def test_sid_lookup_fetches_unless_already_listed() -> None:
    resolver, api = make()
    assert resolver.worker(BOB["sid"]) is BOB
    assert api.calls == [("fetch", f"/Workspaces/{WS}/Workers/{BOB['sid']}")]
    resolver.worker("alice")
    assert resolver.worker(BOB["sid"]) is BOB
    assert [c[0] for c in api.calls] == ["fetch", "list"]


def test_wrong_prefix_is_a_usage_error_naming_both_kinds() -> None:
    resolver, api = make()
    with pytest.raises(UsageError) as caught:
        resolver.worker(IDLE["sid"])
    assert "is an activity SID, not a worker SID" in caught.value.message
    assert caught.value.exit_code == 2
    assert api.calls == []


def test_check_and_require_sid() -> None:
    assert check_sid(QUEUE, "Spanish") is None
    assert check_sid(QUEUE, "WQ" + "f" * 32) == "WQ" + "f" * 32
    with pytest.raises(UsageError, match="not a task SID"):
        require_sid(TASK, "my-task")


def test_workflow_default_then_only_one_then_choices() -> None:
    flow = {"sid": "WW" + "1" * 32, "friendly_name": "Incoming"}
    other = {"sid": "WW" + "2" * 32, "friendly_name": "Sales"}
    resolver, _ = make(Workflows=[flow])
    assert resolver.workflow() is flow
    resolver, _ = make(Workflows=[flow, other])
    with pytest.raises(UsageError) as caught:
        resolver.workflow()
    assert "Incoming (WW" in caught.value.message and "Sales (WW" in caught.value.message
    assert Resolver(resolver.api, WS, default_workflow="sales").workflow() is other
    resolver, _ = make(Workflows=[])
    with pytest.raises(UsageError, match="no workflows"):
        resolver.workflow()


def test_workflow_sid_is_none_when_the_api_may_choose() -> None:
    resolver, api = make()
    assert resolver.workflow_sid() is None
    assert resolver.workflow_sid("WW" + "3" * 32) == "WW" + "3" * 32
    assert api.calls == []


def test_long_name_lists_are_capped() -> None:
    many = [{"sid": f"WA{i:032x}", "friendly_name": f"Act{i}"} for i in range(20)]
    with pytest.raises(NotFoundError) as caught:
        find(ACTIVITY, many, "Nothing")
    assert "and 8 more" in caught.value.message


def test_exact_duplicates_name_only_their_own_sids() -> None:
    """Two records named exactly 'Alice' and one 'alice': the error counts and lists the two."""
    twin = {"sid": "WK" + "e" * 32, "friendly_name": "Alice"}
    folded = {"sid": "WK" + "c" * 32, "friendly_name": "alice"}
    with pytest.raises(UsageError) as caught:
        find(WORKER, [ALICE, twin, folded], "Alice")
    assert caught.value.message == "2 workers are named 'Alice': use a SID"
    assert caught.value.hint == f"{ALICE['sid']}, {twin['sid']}"


def test_a_channel_is_named_by_unique_name_then_friendly_name_then_sid() -> None:
    voice = {"sid": "TC" + "1" * 32, "unique_name": "voice", "friendly_name": "Voice"}
    unnamed = {"sid": "TC" + "2" * 32, "unique_name": None, "friendly_name": "Chat"}
    bare = {"sid": "TC" + "3" * 32}
    assert [record_name(CHANNEL, r) for r in (voice, unnamed, bare)] == [
        "voice",
        "Chat",
        "TC" + "3" * 32,
    ]


def test_the_known_names_are_listed_up_to_twelve() -> None:
    names = [f"Act{i}" for i in range(MAX_LISTED)]
    assert describe_known(names) == "known: " + ", ".join(names)  # exactly 12: no "more"
    assert describe_known([*names, "Extra"]).endswith("Act11, and 1 more")
    assert describe_known([]) == "none exist"


def test_similarity_scores_substrings_and_words() -> None:
    """A substring scores 0.8, a whole word of the name 0.95 of its own match; a suggestion
    needs 0.6 (inclusive)."""
    assert similarity("omer ca", "Customer Care") == 0.8
    assert similarity("SPANISH", "Customer Care Requests - Spanish") == 0.95
    assert similarity("abcxy", "abczw") == 0.6  # 3 of 5 letters in order: exactly the cutoff
    assert suggest("abcxy", ["abczw"]) == "abczw"
    assert suggest("abcxy", []) is None


def test_ref_takes_the_name_from_a_listing_already_made() -> None:
    """A SID costs no request: its name is known only when the type was listed already."""
    resolver, api = make()
    assert resolver.ref(WORKER, BOB["sid"]) == {"sid": BOB["sid"], "friendly_name": None}
    assert api.calls == []
    assert resolver.ref(WORKER, "alice") is ALICE  # a name lists the workers (once)
    assert resolver.ref(WORKER, BOB["sid"]) is BOB
    assert resolver.activity_ref(" Idle ") is IDLE
    assert [call[0] for call in api.calls] == ["list", "list"]


def test_optional_sid_is_none_only_when_not_given() -> None:
    resolver, _ = make()
    assert resolver.optional_sid(WORKER, None) is None
    assert resolver.optional_sid(WORKER, "bob") == BOB["sid"]
    with pytest.raises(UsageError, match="the worker name is empty"):
        resolver.optional_sid(WORKER, " ")


def test_attributes_are_fetched_once_per_type_and_again_after_forget() -> None:
    """List answers leave attributes null: each record is fetched once per run, even one whose
    fetch shows none either (it keeps null), until the type is forgotten."""
    gone = {"sid": "WK" + "d" * 32, "friendly_name": "Gone"}
    api = RecordingApi({"Workers": [{**ALICE, "attributes": None}, gone]})
    api.details[ALICE["sid"]] = {**ALICE, "attributes": '{"languages": ["es"]}'}
    resolver = Resolver(api, WS)
    records = resolver.records_with_attributes(WORKER)
    assert [r.get("attributes") for r in records] == ['{"languages": ["es"]}', None]
    resolver.records_with_attributes(WORKER)
    assert [c[0] for c in api.calls] == ["list", "fetch", "fetch"]
    resolver.forget(WORKER)
    resolver.records_with_attributes(WORKER)
    assert [c[0] for c in api.calls] == ["list", "fetch", "fetch", "list", "fetch"]
