"""Regenerate the README's generated blocks: the command reference (from --help) and the
instruction table (from trctl.vocab), each between its markers.

python scripts/gen_reference.py           # rewrite README.md
python scripts/gen_reference.py --check   # exit 1 if README.md is stale
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import click

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
START = "<!-- reference:start -->"
END = "<!-- reference:end -->"
TABLE_START = "<!-- instructions:start -->"
TABLE_END = "<!-- instructions:end -->"
WIDTH = 100
FENCE = "```"


def _walk(command: click.Command, ctx: click.Context) -> Iterator[tuple[str, str]]:
    """(command path, help text) for this command and, depth first, every visible subcommand."""
    yield ctx.command_path, command.get_help(ctx)
    if not isinstance(command, click.Group):
        return
    for name in command.list_commands(ctx):
        sub = command.get_command(ctx, name)
        if sub is None or sub.hidden:
            continue
        sub_ctx = sub.make_context(name, [], parent=ctx, resilient_parsing=True)
        yield from _walk(sub, sub_ctx)


def generate() -> str:
    """The reference block (without the markers), from the live command tree."""
    from trctl.cli import root

    ctx = root.make_context(
        "trctl", [], resilient_parsing=True, terminal_width=WIDTH, max_content_width=WIDTH
    )
    sections = [
        "Generated from `--help` by `scripts/gen_reference.py`; a test fails when it is stale.\n"
    ]
    for path, text in _walk(root, ctx):
        sections.append(f"### `{path}`\n\n{FENCE}text\n{text.rstrip()}\n{FENCE}\n")
    return "\n".join(sections)


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def instruction_table() -> str:
    """The instruction table (without the markers), from trctl.vocab."""
    from trctl.vocab.instructions import INSTRUCTIONS, NONE

    rows = [
        "Generated from `trctl/vocab/instructions.py` by `scripts/gen_reference.py`; a test fails"
        " when it is stale. The emulator and serve-callback check answers against it.\n",
        "| instruction | parameter | values | meaning | REST Reservation update |",
        "|---|---|---|---|---|",
    ]
    for spec in INSTRUCTIONS.values():
        where = "" if spec.callback else " (REST only)"
        rows.append(f"| `{spec.name}`{where} | | | {_cell(spec.meaning)} | `{spec.rest}` |")
        for param in spec.params.values():
            required = " (required)" if param.required else ""
            rest = f"`{param.rest_name}`" if param.rest_name else ""
            cells = [f"`{param.name}`{required}", _cell(param.rule()), _cell(param.meaning), rest]
            rows.append("| | " + " | ".join(cells) + " |")
    rows.append(
        f"| `{NONE}` (serve-callback) | | | Answer `{{}}`: the reservation stays pending. | |"
    )
    return "\n".join(rows) + "\n"


def replace_block(readme: str, block: str, start: str = START, end: str = END) -> str:
    """README text with the block between the markers replaced (markers must exist, once)."""
    if readme.count(start) != 1 or readme.count(end) != 1:
        raise SystemExit(f"README.md must contain {start} and {end} exactly once")
    head, rest = readme.split(start)
    _, tail = rest.split(end)
    return f"{head}{start}\n{block}{end}{tail}"


def current_block(readme: str, start: str = START, end: str = END) -> str:
    return readme.split(start, 1)[1].split(end, 1)[0].lstrip("\n")


def main(argv: list[str]) -> int:
    readme = README.read_text(encoding="utf-8")
    updated = replace_block(readme, generate())
    updated = replace_block(updated, instruction_table(), TABLE_START, TABLE_END)
    if "--check" in argv:
        if updated != readme:
            print("README.md's generated blocks are stale: run python scripts/gen_reference.py")
            return 1
        return 0
    if updated != readme:
        README.write_text(updated, encoding="utf-8")
        print("README.md generated blocks updated")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
