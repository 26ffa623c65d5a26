"""`trctl demo`: the TaskRouter quickstart, played on a built-in emulator in a few seconds."""

from __future__ import annotations

import click


@click.command("demo")
@click.option(
    "--keep-running",
    is_flag=True,
    help="Afterwards, leave the emulator up and print its environment (until Ctrl-C).",
)
@click.option(
    "--step",
    is_flag=True,
    help="Wait for Enter before each step, for a presenter (needs a terminal on stdin).",
)
def demo(keep_running: bool, step: bool) -> None:
    """Play the TaskRouter quickstart on a built-in emulator.

    No account and no network are needed.

    Runs the real trctl commands step by step (workspace apply, worker set-activity, task
    create, reservation accept) against an in-process emulator and callback server, checks
    every step through the API, and exits 8 naming the first step that did not happen.
    """
    from trctl.cli.context import get_app
    from trctl.cli.demo_script import run_demo

    run_demo(get_app().env, keep_running=keep_running, step=step)
