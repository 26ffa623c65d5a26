"""The README's generated blocks are what scripts/gen_reference.py makes: the command reference
from --help, the instruction table from trctl.vocab."""

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


def test_readme_instruction_table_matches_the_vocabulary():
    gen = load_generator()
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert gen.current_block(readme, gen.TABLE_START, gen.TABLE_END) == gen.instruction_table(), (
        "README.md's instruction table is stale: run `python scripts/gen_reference.py`"
    )


def test_instruction_table_lists_every_parameter_with_its_rule():
    from trctl.vocab.instructions import INSTRUCTIONS

    table = load_generator().instruction_table()
    for spec in INSTRUCTIONS.values():
        assert f"| `{spec.name}`" in table
        for param in spec.params.values():
            assert f"| {param.rule()} | {param.meaning} |" in table, param.name
    assert "| `timeout` | a whole number of seconds from 1 to 999 (at most 600 when" in table


def test_readme_names_the_answers_serve_callback_can_send():
    from trctl.vocab.instructions import ANSWER_NAMES

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"`--instruction {'|'.join(ANSWER_NAMES)}`" in readme


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
