"""Findings (lint, doctor, workspace apply's checks) as lines or JSON, and their exit code."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

import click

from trctl.cli.output import info, out, wrap_line


def finding_lines(findings: Sequence[Any]) -> list[str]:
    """`error    filters[1] "Spanish": message` then an indented `fix:` line, per finding."""
    lines = []
    for finding in findings:
        lines.append(f"{finding.severity:<8} {finding.location}: {finding.message}")
        lines.append(f"{'':<8} fix: {finding.fix}")
    return lines


def tally(findings: Sequence[Any]) -> str:
    """`2 errors, 1 warning` (or `no findings`)."""
    counts: dict[str, int] = {}
    for finding in findings:
        counts[finding.severity] = counts.get(finding.severity, 0) + 1
    if not counts:
        return "no findings"
    return ", ".join(f"{n} {kind}{'' if n == 1 else 's'}" for kind, n in sorted(counts.items()))


def report(
    findings: Sequence[Any],
    *,
    as_json: bool,
    heading: str,
    fails: Callable[[Any], bool],
) -> None:
    """Print the findings (stdout) and a tally (stderr); exit 1 when any finding fails."""
    from trctl.redact import redact  # URLs may carry user:pass@

    if as_json:
        out(redact(json.dumps([f.as_json() for f in findings], indent=2, ensure_ascii=False)))
    else:
        for line in finding_lines(findings):
            for piece in wrap_line(redact(line), 14):  # under the message, past `fix: `
                out(piece)
    for piece in wrap_line(f"{heading}: {tally(findings)}", 2):
        info(piece)
    if any(fails(finding) for finding in findings):
        raise click.exceptions.Exit(1)
