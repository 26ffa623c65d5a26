"""The generated docs are what scripts/gen_reference.py makes: docs/reference.md from --help, the
instruction table in docs/serve-callback.md from trctl.vocab."""

from __future__ import annotations

from scripts_loader import load_script

GEN = load_script("gen_reference")


def test_the_command_reference_matches_the_help_of_every_command():
    assert GEN.REFERENCE.read_text(encoding="utf-8") == GEN.generate(), (
        "docs/reference.md is stale: run `python scripts/gen_reference.py`"
    )


def test_the_instruction_table_matches_the_vocabulary():
    text = GEN.SERVE_CALLBACK.read_text(encoding="utf-8")
    assert GEN.current_block(text) == GEN.instruction_table(), (
        "docs/serve-callback.md's instruction table is stale: run `python scripts/gen_reference.py`"
    )


def test_the_check_mode_reports_what_is_stale(tmp_path, monkeypatch, capsys):
    stale = tmp_path / "reference.md"
    stale.write_text("# Command reference\n\nold\n", encoding="utf-8")
    monkeypatch.setattr(GEN, "REFERENCE", stale)
    assert GEN.main(["--check"]) == 1
    assert "reference.md is stale" in capsys.readouterr().out
    assert stale.read_text(encoding="utf-8") == "# Command reference\n\nold\n"


def test_instruction_table_lists_every_parameter_with_its_rule():
    from trctl.vocab.instructions import INSTRUCTIONS

    table = GEN.instruction_table()
    for spec in INSTRUCTIONS.values():
        assert f"| `{spec.name}`" in table
        for param in spec.params.values():
            assert f"| {param.rule()} | {param.meaning} |" in table, param.name
    assert "| `timeout` | a whole number of seconds from 1 to 999 (at most 600 when" in table


def test_the_serve_callback_page_names_the_answers_it_can_send():
    from trctl.vocab.instructions import ANSWER_NAMES

    text = GEN.SERVE_CALLBACK.read_text(encoding="utf-8")
    assert f"`--instruction {'|'.join(ANSWER_NAMES)}`" in text


def test_reference_covers_every_command_in_the_tree():
    from trctl.cli.registry import COMMANDS

    reference = GEN.generate()
    for name in COMMANDS:
        assert f"### `trctl {name}`" in reference, name
    assert "### `trctl workspaces apply`" in reference
    assert "### `trctl workspaces export`" in reference


def test_replacing_the_block_keeps_the_rest_of_the_file():
    start, end = GEN.TABLE_START, GEN.TABLE_END
    text = f"# T\n\nbefore\n{start}\nold\n{end}\nafter\n"
    assert GEN.replace_block(text, "new\n") == f"# T\n\nbefore\n{start}\nnew\n{end}\nafter\n"
    assert GEN.current_block(GEN.replace_block(text, "new\n")) == "new\n"
