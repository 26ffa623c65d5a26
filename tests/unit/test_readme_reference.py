"""The README's command reference is exactly what scripts/gen_reference.py makes from --help."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def load_generator():
    spec = importlib.util.spec_from_file_location(
        "gen_reference", ROOT / "scripts" / "gen_reference.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_readme_reference_matches_the_help_of_every_command():
    gen = load_generator()
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert gen.current_block(readme) == gen.generate(), (
        "README.md's command reference is stale: run `python scripts/gen_reference.py`"
    )


def test_reference_covers_every_command_in_the_tree():
    from trctl.cli.registry import COMMANDS

    block = load_generator().current_block((ROOT / "README.md").read_text(encoding="utf-8"))
    for name in COMMANDS:
        assert f"### `trctl {name}`" in block, name
    assert "### `trctl workspaces apply`" in block
    assert "### `trctl workspaces export`" in block


def test_replacing_the_block_keeps_the_rest_of_the_readme():
    gen = load_generator()
    text = f"# T\n\nbefore\n{gen.START}\nold\n{gen.END}\nafter\n"
    assert (
        gen.replace_block(text, "new\n") == f"# T\n\nbefore\n{gen.START}\nnew\n{gen.END}\nafter\n"
    )
    assert gen.current_block(gen.replace_block(text, "new\n")) == "new\n"
