"""`trctl watch`: a full-screen live view of workers, queues and events; q or Ctrl-C leaves."""

from __future__ import annotations

import json
from typing import Any

import click

from trctl.cli.context import get_app
from trctl.cli.output import console, current_format, out, output_options
from trctl.cli.params import interval_option, make_resolver, poll_interval
from trctl.errors import TrctlError, UsageError

TWILIO_INTERVAL = 5.0  # about 3 requests a refresh: 0.6 requests/s against TaskRouter
LOCAL_INTERVAL = 1.0
MIN_TWILIO_INTERVAL = 2.0
QUIT_KEYS = frozenset("qQ")
REFRESH_KEYS = frozenset("rR ")


@click.command("watch")
@interval_option("refreshes", twilio=TWILIO_INTERVAL, local=LOCAL_INTERVAL)
@click.option("--once", is_flag=True, help="Print one snapshot as plain text (or --json), exit.")
@output_options
def watch(interval: float | None, once: bool) -> None:
    """Watch workers, queues and events live on one screen.

    Workers show their activity, for how long, and the tasks they hold; queues their tasks by
    status, longest wait and workers; the latest events say what happened in names. q or
    Ctrl-C leaves (r refreshes at once). Piped, or with --once, one snapshot is printed.
    """
    from trctl.services.watch import LOOKUPS_PER_REFRESH, Watcher

    env = get_app().env
    wait = poll_interval(
        interval,
        twilio_default=TWILIO_INTERVAL,
        local_default=LOCAL_INTERVAL,
        twilio_minimum=MIN_TWILIO_INTERVAL,
    )
    fmt = current_format()
    live = env.stdout_isatty and not once
    if fmt != "table" and live:
        raise UsageError(f"--{fmt} prints one snapshot: add --once (or pipe the output)")
    if fmt == "csv":
        raise UsageError("watch prints a snapshot as text or --json, not CSV")
    if live:
        get_app().show_progress = False  # the screen is redrawn whole; no spinner line on it
    resolver = make_resolver()
    # a snapshot printed once looks up what every worker holds; a live screen spreads that
    watcher = Watcher(resolver, lookups=LOOKUPS_PER_REFRESH if live else None)
    snapshot = watcher.refresh()  # a failure here (credentials, workspace) is one line, exit
    if fmt == "json":
        out(json.dumps(snapshot, separators=(",", ":"), ensure_ascii=False, default=str))
        return
    heading = f"trctl watch · {_workspace_name(resolver)}"
    if not live:
        from trctl.cli.watch_view import render

        screen = console(highlight=False)
        with screen.capture() as captured:
            screen.print(render(snapshot, heading=_stamped(heading, snapshot)))
        out("\n".join(line.rstrip() for line in captured.get().splitlines()))
        return
    _run_screen(watcher, snapshot, f"{heading} · every {wait:g}s", wait)


def _workspace_name(resolver: Any) -> str:
    """The workspace's name for the heading (its SID when it cannot be read)."""
    try:
        record = resolver.api.fetch(f"/Workspaces/{resolver.workspace_sid}")
    except TrctlError:
        return str(resolver.workspace_sid)
    return str(record.get("friendly_name") or resolver.workspace_sid)


def _stamped(heading: str, snapshot: dict[str, Any]) -> str:
    """The heading with TaskRouter's time of the snapshot."""
    stamp = str(snapshot.get("time") or "")
    return f"{heading} · {stamp[11:19]} UTC" if stamp else heading


def _run_screen(watcher: Any, snapshot: dict[str, Any], heading: str, interval: float) -> None:
    """The live screen: rich's alternate screen, redrawn on each refresh and resize; q leaves."""
    from rich.live import Live

    from trctl.cli.keys import RESIZED, keys_from
    from trctl.cli.watch_view import render

    env = get_app().env
    screen = console(highlight=False)
    status = ""

    def view() -> Any:
        screen.size = (env.width, env.height)
        return render(
            snapshot,
            heading=_stamped(heading, snapshot) + " · q quits",
            height=env.height,
            status=status,
        )

    clock = env.clock
    try:
        with keys_from(env.stdin, terminal=env.stdin_isatty) as keys, Live(
            view(), console=screen, screen=True, auto_refresh=False, redirect_stdout=False,
            redirect_stderr=False,
        ) as live:  # fmt: skip
            due = clock.monotonic() + interval
            while True:
                typed = keys.wait(due - clock.monotonic())
                if typed == RESIZED:
                    live.update(view(), refresh=True)
                    continue
                if typed and QUIT_KEYS & set(typed):
                    return
                if typed and not REFRESH_KEYS & set(typed):
                    continue  # another key: nothing to do
                try:
                    snapshot = watcher.refresh()
                    status = ""
                except TrctlError as exc:  # shown on the screen; the next refresh tries again
                    status = f"refresh failed: {exc.one_line()}"
                due = clock.monotonic() + interval
                live.update(view(), refresh=True)
    except KeyboardInterrupt:
        return  # Ctrl-C leaves, like q
