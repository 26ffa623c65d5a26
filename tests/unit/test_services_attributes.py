"""Unit tests: --attr key=value parsing, dotted keys, JSON documents and merging."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trctl.errors import ApiError, UsageError
from trctl.services.attributes import (
    MERGE_ATTEMPTS,
    combine,
    dump_attributes,
    load_attributes,
    merge,
    pairs_to_object,
    parse_pair,
    parse_value,
    send_update,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3", 3),
        ("-2.5", -2.5),
        ("true", True),
        ("false", False),
        ("null", None),
        ('["en","es"]', ["en", "es"]),
        ('{"k":1}', {"k": 1}),
        ('"quoted"', "quoted"),
        ("es", "es"),
        ("hello world", "hello world"),
        ("", ""),
        ("[not json", "[not json"),
        ("True", "True"),
    ],
)
def test_values_are_json_when_they_parse_else_text(text: str, expected: object) -> None:
    assert parse_value(text) == expected


def test_value_may_contain_equals_signs() -> None:
    assert parse_pair("expr=a==b") == (["expr"], "a==b")


def test_dotted_keys_build_nested_objects() -> None:
    result = pairs_to_object(["customer.tier=gold", "customer.id=42", "selected_language=es"])
    assert result == {"customer": {"tier": "gold", "id": 42}, "selected_language": "es"}


def test_later_pair_wins_for_the_same_key() -> None:
    assert pairs_to_object(["a=1", "a=2"]) == {"a": 2}


def test_object_value_then_dotted_key_merge() -> None:
    assert pairs_to_object(['a={"b":1}', "a.c=2"]) == {"a": {"b": 1, "c": 2}}


@pytest.mark.parametrize(
    ("pairs", "fragment"),
    [
        (["selected_language"], "has no '='"),
        (["=es"], "empty key"),
        ([" =es"], "empty key"),
        (["a..b=1"], "empty part"),
        (["a.=1"], "empty part"),
        (["a=1", "a.b=2"], "non-object"),
        (["a.b=2", "a=1"], "nested keys"),
    ],
)
def test_bad_pairs_are_usage_errors(pairs: list[str], fragment: str) -> None:
    with pytest.raises(UsageError) as caught:
        pairs_to_object(pairs)
    assert fragment in caught.value.message
    assert caught.value.exit_code == 2


def test_attributes_inline_and_from_file(tmp_path) -> None:
    path = tmp_path / "attrs.json"
    path.write_text('{"selected_language": "es", "customer": {"tier": "gold"}}')
    assert load_attributes(f"@{path}") == {"selected_language": "es", "customer": {"tier": "gold"}}
    assert load_attributes('{"x": [1, 2]}') == {"x": [1, 2]}


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ('{"a": ', "invalid JSON in the value"),
        ("[1, 2]", "must be a JSON object"),
        ("@", "needs a file name"),
        ("@/nonexistent/attrs.json", "no such file"),
    ],
)
def test_bad_documents_are_usage_errors(text: str, fragment: str) -> None:
    with pytest.raises(UsageError) as caught:
        load_attributes(text)
    assert fragment in caught.value.message


def test_invalid_json_file_names_the_file_and_position(tmp_path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{\n  "a": 1,\n}')
    with pytest.raises(UsageError) as caught:
        load_attributes(f"@{path}")
    assert str(path) in caught.value.message
    assert "line 3" in caught.value.message


def test_unreadable_file_is_a_usage_error(tmp_path) -> None:
    with pytest.raises(UsageError) as caught:
        load_attributes(f"@{tmp_path}")
    assert "cannot read" in caught.value.message


def test_merge_is_deep_and_does_not_mutate() -> None:
    base = {"customer": {"tier": "silver", "id": 1}, "x": 1}
    merged = merge(base, {"customer": {"tier": "gold"}, "y": 2})
    assert merged == {"customer": {"tier": "gold", "id": 1}, "x": 1, "y": 2}
    assert base == {"customer": {"tier": "silver", "id": 1}, "x": 1}


def test_combine_pairs_win_over_document() -> None:
    result = combine({"a": 1, "n": {"k": 1}}, ["a=2", "n.j=3"])
    assert result == {"a": 2, "n": {"k": 1, "j": 3}}
    assert combine(None, []) is None
    assert combine({}, []) == {}


def test_dump_is_compact_and_enforces_the_4096_limit() -> None:
    assert json.loads(dump_attributes({"a": "é"})) == {"a": "é"}
    assert dump_attributes({"a": 1}) == '{"a":1}'
    with pytest.raises(UsageError, match="4096"):
        dump_attributes({"big": "x" * 5000})


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3)
    ),
    max_leaves=8,
)
KEYS = st.text(st.characters(blacklist_characters="=.", blacklist_categories=("Cs",)), min_size=1)


@settings(max_examples=200, deadline=None)
@given(key=KEYS, value=JSON_VALUES)
def test_any_json_value_round_trips_through_attr(key: str, value: object) -> None:
    text = f"{key}={json.dumps(value)}"
    if not key.strip():
        with pytest.raises(UsageError):
            parse_pair(text)
        return
    assert pairs_to_object([text]) == {key.strip(): value}


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(max_size=30), max_size=5))
def test_arbitrary_pairs_parse_or_fail_with_a_usage_error(pairs: list[str]) -> None:
    try:
        result = pairs_to_object(pairs)
    except UsageError as exc:
        assert "\n" not in exc.one_line()
    else:
        assert isinstance(result, dict)
        json.loads(dump_attributes(result))


class VersionedApi:
    """A TaskRouterApi stand-in: one record with a version; If-Match must name it (else 412)."""

    def __init__(self, attributes: Any, *, changed_behind_our_back: int = 0) -> None:
        self.attributes, self.version = attributes, 1
        self.changes_left = changed_behind_our_back
        self.calls: list[tuple[str, Any]] = []

    def fetch_versioned(self, path: str) -> tuple[dict, str]:
        self.calls.append(("GET", None))
        seen = ({"attributes": self.attributes}, str(self.version))
        if self.changes_left:  # another client writes between our read and our write
            self.changes_left -= 1
            self.version += 1
            self.attributes = {**self.attributes, f"other{self.version}": True}
        return seen

    def update(self, path: str, data: dict, if_match: str | None = None) -> dict:
        self.calls.append(("POST", if_match))
        if if_match is not None and if_match != str(self.version):
            raise ApiError("TaskRouter 412 (412): stale", status=412)
        if "Attributes" in data:
            self.attributes = json.loads(data["Attributes"])
        self.version += 1
        return {"attributes": self.attributes}


def test_send_update_merges_with_if_match_and_re_reads_after_a_412() -> None:
    api = VersionedApi({"customer": {"id": 7}}, changed_behind_our_back=1)
    result = send_update(api, "/T", {}, {"customer": {"tier": "gold"}}, replace=False)
    assert result["attributes"] == {"customer": {"id": 7, "tier": "gold"}, "other2": True}
    assert [method for method, _ in api.calls] == ["GET", "POST", "GET", "POST"]
    assert all(version is not None for method, version in api.calls if method == "POST")


def test_send_update_gives_up_after_bounded_attempts() -> None:
    api = VersionedApi({}, changed_behind_our_back=10)
    with pytest.raises(ApiError) as caught:
        send_update(api, "/T", {}, {"a": 1}, replace=False)
    assert caught.value.status == 412
    assert len(api.calls) == 2 * MERGE_ATTEMPTS


def test_send_update_replaces_without_reading_and_ignores_non_object_attributes() -> None:
    api = VersionedApi({"old": 1})
    assert send_update(api, "/T", {}, {"a": 1}, replace=True)["attributes"] == {"a": 1}
    assert api.calls == [("POST", None)]
    api = VersionedApi("not an object")
    assert send_update(api, "/T", {}, {"a": 1}, replace=False)["attributes"] == {"a": 1}
