"""JSON text as TaskRouter stores it: re-serialised compactly (worker attributes, configuration)."""

from __future__ import annotations

import json

from trctl.documents import loads_json


def compact_json(text: str) -> str:
    """`{ "a" : [1, 2] }` -> `{"a":[1,2]}`, keys in their order and non-ASCII kept as it is.

    TaskRouter's recorded answers show worker attributes and workflow configurations compacted
    this way. Text that cannot be re-serialised faithfully (not JSON, NaN, nested too deep for
    the parser) is kept as given; the caller has already checked it.
    """
    try:
        return json.dumps(
            loads_json(text), separators=(",", ":"), ensure_ascii=False, allow_nan=False
        )
    except ValueError:
        return text
