"""`trctl workspace apply FILE` and `trctl workspace export`: a workspace as a TOML/JSON file."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from trctl.cli.context import get_app
from trctl.cli.deleting import confirm, yes_option
from trctl.cli.output import Column, emit, info, out, output_options
from trctl.errors import UsageError

if TYPE_CHECKING:
    from trctl.services.workspace_plan import Change

CHANGE_COLUMNS = (
    Column("KIND", "kind"),
    Column("NAME", "name", 40),
    Column("ACTION", "action"),
    Column("CHANGED FIELDS", lambda r: ", ".join(r["fields"])),
)
SYMBOLS = {"create": "+", "update": "~", "delete": "-", "unchanged": "="}
PAST = {"create": "created", "update": "updated", "delete": "deleted", "unchanged": "unchanged"}


def read_file(path: str) -> str:
    """The text of FILE ('-' is stdin); a missing or unreadable file is one clear line."""
    if path == "-":
        return get_app().env.stdin.read()
    try:
        return Path(path).read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise UsageError(f"{path}: no such file") from exc
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise UsageError(f"{path}: cannot read it ({reason})") from exc


def describe(change: Change) -> str:
    """`+ queue "Customer Care Requests - Spanish"` / `~ worker "Alice" (attributes)`."""
    fields = f" ({', '.join(change.fields)})" if change.fields else ""
    return f'  {SYMBOLS[change.action]} {change.kind} "{change.name}"{fields}'


def summary(counts: dict[str, int]) -> str:
    return ", ".join(f"{counts[a]} {PAST[a]}" for a in ("create", "update", "unchanged", "delete"))


@click.command("apply")
@click.argument("file", metavar="FILE")
@click.option(
    "--dry-run",
    is_flag=True,
    help="Print the plan (create/update/unchanged/delete); write nothing.",
)
@click.option(
    "--prune",
    is_flag=True,
    help="Also delete workflows, workers, queues and activities the file does not name.",
)
@click.option(
    "--workspace",
    "-w",
    metavar="SID|NAME",
    help="Apply to this existing workspace [default: the one the file names, created if missing].",
)
@yes_option
@output_options
def workspace_apply(
    file: str, dry_run: bool, prune: bool, workspace: str | None, yes: bool
) -> None:
    """Create or update a workspace from a TOML or JSON file.

    Resources are matched by friendly name; a second run changes nothing. Expressions, names
    and references are all checked before the first write. FILE may be '-' for stdin.
    """
    from trctl.services.workspace_apply import apply_spec
    from trctl.services.workspace_read import load_spec_text

    app = get_app()
    spec = load_spec_text(read_file(file), source=file)
    if prune and not dry_run:
        _confirm_prune(app, spec, workspace or app.workspace, file, yes)
    result = apply_spec(
        app.client,
        spec,
        workspace=workspace or app.workspace,
        prune=prune,
        dry_run=dry_run,
        source=file,
        on_change=_show_progress,
    )
    from trctl.redact import redact

    for finding in result.warnings:
        info(redact(f"Warning: {finding.location}: {finding.message} (fix: {finding.fix})"))
    emit([c.as_record() for c in result.changes], CHANGE_COLUMNS)
    where = f"{result.workspace_name} ({result.workspace_sid or 'new'})"
    if dry_run:
        info(f"Plan for workspace {where}: {summary(result.counts())}; dry run, nothing written.")
    else:
        info(f"Applied {file} to workspace {where}: {summary(result.counts())}.")


def _confirm_prune(app: Any, spec: Any, workspace: str | None, file: str, yes: bool) -> None:
    """--prune deletes what the file does not name: the plan is read first, and the deletes
    asked for (or refused without --yes off a terminal) before anything is written."""
    from trctl.services.workspace_apply import apply_spec

    plan = apply_spec(app.client, spec, workspace=workspace, prune=True, dry_run=True, source=file)
    deletes = [change for change in plan.changes if change.action == "delete"]
    if deletes:
        named = ", ".join(f'{change.kind} "{change.name}"' for change in deletes)
        count = f"{len(deletes)} resource{'s' if len(deletes) > 1 else ''}"
        confirm(f"{count} that {file} does not name ({named})", yes=yes)


def _show_progress(change: Change) -> None:
    if change.action != "unchanged":
        info(describe(change))


@click.command("export")
@click.option(
    "--output",
    "-o",
    metavar="FILE",
    default="-",
    help="Write to FILE instead of stdout (replaced atomically).",
)
@click.option(
    "--format",
    "file_format",
    type=click.Choice(["toml", "json"]),
    help="File format [default: from the FILE extension, else toml].",
)
def workspace_export(output: str, file_format: str | None) -> None:
    """Write the current workspace as a file for `apply`.

    SIDs are written as names, so the file can be applied to any account or emulator.
    """
    from trctl.services.workspace_apply import export_spec
    from trctl.services.workspace_format import render
    from trctl.services.workspaces import resolve_workspace

    app = get_app()
    record = resolve_workspace(app.client, app.settings)
    fmt = file_format or ("json" if output.lower().endswith(".json") else "toml")
    spec = export_spec(app.client, record)
    text = render(spec, fmt)
    if output == "-":
        out(text, nl=False)
    else:
        write_atomically(Path(output), text)
    info(
        f"Exported workspace {record.get('friendly_name')} ({record['sid']}): "
        f"{len(spec.activities)} activities, {len(spec.workers)} workers, "
        f"{len(spec.queues)} queues, {len(spec.workflows)} workflows"
        + ("" if output == "-" else f" -> {output}")
    )


def write_atomically(path: Path, text: str) -> None:
    """Write through a temporary file in the same directory, so a failure leaves the old file."""
    temp: str | None = None
    try:
        fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(temp, path)
    except OSError as exc:
        if temp is not None and os.path.exists(temp):
            os.unlink(temp)
        raise UsageError(f"{path}: cannot write it ({exc.strerror or exc})") from exc
