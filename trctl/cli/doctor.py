"""`trctl doctor`: the workspace's health, each finding with the command that fixes it."""

from __future__ import annotations

import click

from trctl.cli.context import get_app
from trctl.cli.output import info
from trctl.cli.params import make_resolver


@click.command("doctor")
@click.option(
    "--pending-after",
    type=click.IntRange(min=0),
    default=60,
    show_default=True,
    metavar="SECONDS",
    help="A pending task older than this, with a free eligible worker, is a finding.",
)
@click.option(
    "--workers",
    "checked_workers",
    type=click.IntRange(min=0),
    default=100,
    show_default=True,
    metavar="N",
    help="Check the capacity of at most N available workers (one request each).",
)
@click.option(
    "--file",
    "spec_file",
    metavar="FILE",
    help="Also report drift from this workspace file (TOML or JSON, as for `workspace apply`).",
)
@click.option("--json", "as_json", is_flag=True, help="Findings as a JSON list.")
def doctor(pending_after: int, checked_workers: int, spec_file: str | None, as_json: bool) -> None:
    """Check the workspace's health and say how to fix it.

    Each finding comes with the command that fixes it.

    Tasks waiting while a worker is free, reservations pending past their timeout, available
    workers without capacity, callback URLs where nothing listens (a killed serve-callback: the
    URL it replaced is offered), reserved tasks of a workflow without a callback URL, and drift
    from a workspace file. Exit 0 when healthy, 1 with findings.
    """
    from trctl.cli.findings import report
    from trctl.services.doctor import Checkup, check_workspace

    app = get_app()
    spec = None
    if spec_file is not None:
        from trctl.cli.workspace_file import read_file
        from trctl.services.workspace_read import load_spec_text

        spec = (load_spec_text(read_file(spec_file), source=spec_file), spec_file)
    resolver = make_resolver()
    checkup = Checkup(
        pending_after=pending_after,
        checked_workers=checked_workers,
        environ=app.env.environ,
        api_url=app.settings.api_url,
        spec_file=spec,
    )
    findings, notes = check_workspace(resolver, checkup)
    for note in notes:
        info(f"Note: {note}")
    report(
        findings,
        as_json=as_json,
        heading=f"workspace {resolver.workspace_sid}",
        fails=lambda finding: True,
    )
