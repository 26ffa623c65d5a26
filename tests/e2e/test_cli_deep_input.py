"""Deeply nested files and attributes: one line, exit 2, the limit named, nothing sent."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_support import failed

from trctl.documents import MAX_NESTING, TooDeep, depth_of, loads_json, loads_toml

TOO_DEEP = f"nesting is too deep (more than {MAX_NESTING} levels of arrays and objects)"


@pytest.fixture
def unchanged(emulator, cli_env):
    """No request reaches the emulator: the file is refused before trctl sends anything."""
    seen: list = []
    emulator.observer = seen.append
    yield
    emulator.observer = None
    assert [entry for entry in seen if entry.kind == "request"] == []


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("deep.json", '{"workspace": {"name": "Deep", "x": ' + nested(3000) + "}}"),
        ("deep.toml", '[workspace]\nname = "Deep"\nx = ' + nested(3000) + "\n"),
        ("dotted.toml", '[workspace]\nname = "Deep"\n' + "a" + ".a" * 3000 + " = 1\n"),
    ],
)
def test_workspace_apply_of_a_deep_file_exits_2(cli_env, unchanged, tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    line = failed(cli_env, 2, "workspace", "apply", str(path))
    assert line == f"Error: {path}: {TOO_DEEP}"


def test_task_attributes_file_nested_979_deep_exits_2(cli_env, unchanged, tmp_path):
    path = tmp_path / "attrs.json"
    path.write_text('{"a": ' + nested(979) + "}")
    line = failed(cli_env, 2, "task", "create", "--attributes", f"@{path}")
    assert line == f"Error: --attributes: {path}: {TOO_DEEP}"
    line = failed(cli_env, 2, "task", "create", "--attr", "a=" + nested(979))
    assert line == f"Error: --attr 'a': {TOO_DEEP}"


def test_the_limit_is_exact_and_strings_do_not_count(tmp_path: Path) -> None:
    at_limit = nested(MAX_NESTING)
    assert depth_of(loads_json(at_limit)) == MAX_NESTING
    with pytest.raises(TooDeep):
        loads_json(nested(MAX_NESTING + 1))
    brackets_in_text = json.dumps({"k": "[" * 500 + '\\"{' * 200})
    assert loads_json(brackets_in_text) == json.loads(brackets_in_text)
    toml_at_limit = "a" + ".a" * (MAX_NESTING - 2) + " = []"  # the top table is one level
    assert depth_of(loads_toml(toml_at_limit)) == MAX_NESTING
    with pytest.raises(TooDeep):
        loads_toml("a" + ".a" * (MAX_NESTING - 1) + " = []")
    assert loads_toml('s = """' + "[" * 300 + '"""  # ' + "{" * 300) == {"s": "[" * 300}
