"""User JSON and TOML parsed within one nesting limit, so deep input is a clear error everywhere.

Python's parsers recurse once per level of arrays and objects: a file or attribute nested a few
hundred levels deep (4,096 characters hold 2,047) ends in RecursionError, in the CLI and in the
emulator alike. Every place trctl parses JSON or TOML it was given (attributes, workflow
configurations, workspace and rules files, request bodies, page tokens) goes through here.
Twilio documents no depth limit; 100 levels is our choice (the expression parser's limit too).
"""

from __future__ import annotations

import json
import re
import sys
from itertools import accumulate
from typing import Any

MAX_NESTING = 100

# Strings are skipped when counting brackets: the unrolled-loop form is linear on any input.
_JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_TOML_SKIPPED = re.compile(
    r'"""[\s\S]*?"""(?!")|\'\'\'[\s\S]*?\'\'\'(?!\')'
    r'|"[^"\\\n]*(?:\\.[^"\\\n]*)*"|\'[^\'\n]*\'|#[^\n]*'
)
_BRACKET = re.compile(r"[\[\]{}]")


class TooDeep(ValueError):
    """The document nests arrays and objects more than MAX_NESTING levels deep."""

    def __init__(self) -> None:
        super().__init__(
            f"nesting is too deep (more than {MAX_NESTING} levels of arrays and objects)"
        )


def loads_json(text: str | bytes) -> Any:
    """json.loads, refusing nesting deeper than MAX_NESTING with TooDeep. Bytes must be UTF-8
    (UnicodeDecodeError otherwise); both errors are ValueErrors, as json's own are."""
    if isinstance(text, (bytes, bytearray)):
        text = bytes(text).decode("utf-8")
    _check_brackets(text, _JSON_STRING)
    return json.loads(text)


def loads_toml(text: str) -> dict[str, Any]:
    """tomllib.loads, refusing nesting deeper than MAX_NESTING (arrays, inline tables, and the
    tables that headers and dotted keys make) with TooDeep; TOMLDecodeError as tomllib raises."""
    toml = _tomllib()
    _check_brackets(text, _TOML_SKIPPED)
    try:
        data = toml.loads(text)
    except RecursionError:  # brackets the scan took for string content: still too deep
        raise TooDeep() from None
    if depth_of(data) > MAX_NESTING:
        raise TooDeep()
    return data


def toml_error() -> type[Exception]:
    """The TOML parser's decode error class (tomllib, or tomli on Python 3.10)."""
    return _tomllib().TOMLDecodeError


def depth_of(value: Any) -> int:
    """Levels of lists and dicts in a parsed document (a scalar is 0), without recursion."""
    deepest = 0
    stack = [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, level)
        stack.extend((child, level + 1) for child in children)
    return deepest


def _check_brackets(text: str, skipped: re.Pattern[str]) -> None:
    if text.count("[") + text.count("{") <= MAX_NESTING:
        return  # cannot be deeper than the number of brackets it opens
    steps = (1 if b in "[{" else -1 for b in _BRACKET.findall(skipped.sub("", text)))
    if max(accumulate(steps, initial=0)) > MAX_NESTING:
        raise TooDeep()


def _tomllib() -> Any:
    if sys.version_info >= (3, 11):
        import tomllib

        return tomllib
    import tomli  # pragma: no cover - Python 3.10

    return tomli  # pragma: no cover
