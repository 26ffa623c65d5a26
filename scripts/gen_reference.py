"""Regenerate the README's command reference from --help (between the reference markers).

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


def replace_block(readme: str, block: str) -> str:
    """README text with the block between the markers replaced (markers must exist, once)."""
    if readme.count(START) != 1 or readme.count(END) != 1:
        raise SystemExit(f"README.md must contain {START} and {END} exactly once")
    head, rest = readme.split(START)
    _, tail = rest.split(END)
    return f"{head}{START}\n{block}{END}{tail}"


def current_block(readme: str) -> str:
    return readme.split(START, 1)[1].split(END, 1)[0].lstrip("\n")


def main(argv: list[str]) -> int:
    readme = README.read_text(encoding="utf-8")
    updated = replace_block(readme, generate())
    if "--check" in argv:
        if updated != readme:
            print("README.md command reference is stale: run python scripts/gen_reference.py")
            return 1
        return 0
    if updated != readme:
        README.write_text(updated, encoding="utf-8")
        print("README.md command reference updated")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
