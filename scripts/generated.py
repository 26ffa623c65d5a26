"""Write generated docs, or with --check only say which are stale: the one main() of every
scripts/gen_*.py."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def write_or_check(files: Mapping[Path, str], argv: Sequence[str], script: str) -> int:
    """Rewrite each file whose text differs from what `script` generated (exit status 0); with
    `--check` in argv, write nothing and return 1 if any is stale."""
    stale = 0
    for path, text in files.items():
        current = path.read_text(encoding="utf-8") if path.exists() else ""
        if text == current:
            continue
        name = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
        if "--check" in argv:
            print(f"{name} is stale: run python {script}")
            stale = 1
        else:
            path.write_text(text, encoding="utf-8")
            print(f"{name} updated")
    return stale
