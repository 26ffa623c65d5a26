"""Attribute input: `key=value` pairs (JSON values, dotted keys) and JSON documents, merged."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from trctl.documents import TooDeep, loads_json
from trctl.errors import ApiError, UsageError
from trctl.vocab.limits import MAX_ATTRIBUTES_CHARS

MERGE_ATTEMPTS = 3


def parse_value(text: str) -> Any:
    """A value as JSON when it parses (3, true, null, ["en"], {"k":1}), else the string itself;
    TooDeep when it is JSON nested too deep."""
    try:
        return loads_json(text)
    except TooDeep:
        raise
    except ValueError:
        return text


def parse_pair(text: str, *, option: str = "--attr") -> tuple[list[str], Any]:
    """Split `customer.tier=gold` into (["customer", "tier"], "gold")."""
    key, sep, raw = text.partition("=")
    if not sep:
        raise UsageError(f"{option} {text!r} has no '='", hint="write key=value")
    key = key.strip()
    if not key:
        raise UsageError(f"{option} {text!r} has an empty key", hint="write key=value")
    path = key.split(".")
    if any(not part for part in path):
        raise UsageError(f"{option} {text!r}: empty part in the dotted key {key!r}")
    try:
        return path, parse_value(raw)
    except TooDeep as exc:
        raise UsageError(f"{option} {key!r}: {exc}") from None


def set_path(target: dict[str, Any], path: list[str], value: Any, *, source: str) -> None:
    """Set target[a][b]... = value, creating objects; a clash with a non-object is an error."""
    node = target
    for depth, part in enumerate(path[:-1]):
        child = node.setdefault(part, {})
        if not isinstance(child, dict):
            taken = ".".join(path[: depth + 1])
            raise UsageError(f"{source}: {taken!r} is already set to a non-object value")
        node = child
    last = path[-1]
    if isinstance(node.get(last), dict) and not isinstance(value, dict):
        raise UsageError(f"{source}: {'.'.join(path)!r} already holds nested keys")
    node[last] = value


def pairs_to_object(pairs: Iterable[str], *, option: str = "--attr") -> dict[str, Any]:
    """Build one object from repeated key=value pairs; later pairs win for the same key."""
    result: dict[str, Any] = {}
    for text in pairs:
        path, value = parse_pair(text, option=option)
        set_path(result, path, value, source=f"{option} {text!r}")
    return result


def load_json_document(text: str, *, option: str = "--attributes") -> Any:
    """Parse a JSON document given inline or as @file (read relative to the cwd)."""
    if text.startswith("@"):
        file_name = text[1:]
        if not file_name:
            raise UsageError(f"{option} '@' needs a file name, e.g. @attributes.json")
        try:
            text = Path(file_name).expanduser().read_text(encoding="utf-8")
        except FileNotFoundError:
            raise UsageError(f"{option}: no such file {file_name!r}") from None
        except (OSError, UnicodeDecodeError) as exc:
            reason = getattr(exc, "strerror", None) or type(exc).__name__
            raise UsageError(f"{option}: cannot read {file_name!r} ({reason})") from None
        where = file_name
    else:
        where = "the value"
    try:
        return loads_json(text)
    except TooDeep as exc:
        raise UsageError(f"{option}: {where}: {exc}") from None
    except ValueError as exc:
        detail = exc.msg if isinstance(exc, json.JSONDecodeError) else str(exc)
        position = f" at line {exc.lineno} column {exc.colno}" if hasattr(exc, "lineno") else ""
        raise UsageError(f"{option}: invalid JSON in {where}: {detail}{position}") from None


def load_attributes(text: str, *, option: str = "--attributes") -> dict[str, Any]:
    """A JSON object of attributes (inline or @file); anything but an object is an error."""
    document = load_json_document(text, option=option)
    if not isinstance(document, dict):
        raise UsageError(f"{option} must be a JSON object, got {type(document).__name__}")
    return document


def merge(base: Mapping[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    """Deep-merge extra into a copy of base: nested objects merge, other values replace."""
    result = dict(base)
    for key, value in extra.items():
        current = result.get(key)
        if isinstance(current, dict) and isinstance(value, dict):
            result[key] = merge(current, value)
        else:
            result[key] = value
    return result


def combine(document: Mapping[str, Any] | None, pairs: Iterable[str]) -> dict[str, Any] | None:
    """What a command was given: the --attributes object with the --attr pairs merged over it;
    None when it was given neither."""
    pairs = list(pairs)
    if document is None and not pairs:
        return None
    return merge(document or {}, pairs_to_object(pairs))


def send_update(
    api: Any,
    path: str,
    data: Mapping[str, Any],
    attributes: Mapping[str, Any] | None,
    *,
    replace: bool,
) -> dict[str, Any]:
    """POST an update of a task or worker (`api` is a TaskRouterApi) with new attributes.

    Replacing sends them as they are. Merging reads the record's current attributes and its
    version, deep-merges the new ones in and sends the result with If-Match, so a change made
    in between is never overwritten: on 412 the record is read and merged again (bounded).
    Current attributes that are not an object count as {}.
    """
    if attributes is None:
        return api.update(path, data)
    if replace:
        return api.update(path, {**data, "Attributes": dump_attributes(attributes)})
    attempt = 0
    while True:
        attempt += 1
        record, version = api.fetch_versioned(path)
        old = record.get("attributes")
        body = {
            **data,
            "Attributes": dump_attributes(merge(old if isinstance(old, dict) else {}, attributes)),
        }
        try:
            return api.update(path, body, if_match=version)
        except ApiError as exc:
            if exc.status != 412 or attempt >= MERGE_ATTEMPTS:
                raise


def dump_attributes(attributes: Mapping[str, Any]) -> str:
    """Compact JSON for the API, within TaskRouter's 4096-character limit."""
    text = json.dumps(attributes, separators=(",", ":"), ensure_ascii=False)
    if len(text) > MAX_ATTRIBUTES_CHARS:
        raise UsageError(
            f"attributes are {len(text)} characters long; TaskRouter allows {MAX_ATTRIBUTES_CHARS}"
        )
    return text
