"""Draw docs/watch.svg and docs/events-tail.svg: what `trctl watch` and `trctl events tail` show
during the quickstart, played on the emulator with a fake clock and seeded SIDs (same pictures
on every run).

python scripts/gen_pictures.py
"""

from __future__ import annotations

import io
import json
import random
import sys
import threading
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from generated import write_or_check  # noqa: E402
from quickstart_setup import build_quickstart, make_sdk  # noqa: E402

from trctl.emulator import Emulator, FakeClock  # noqa: E402

DOCS = ROOT / "docs"
COLUMNS, LINES = 80, 24


class SeededSids:
    """Twilio-shaped SIDs from a seeded generator: realistic, and the same on every run."""

    def __init__(self, seed: int) -> None:
        self.random = random.Random(seed)
        self.lock = threading.Lock()

    def __call__(self, prefix: str) -> str:
        with self.lock:
            return prefix + f"{self.random.getrandbits(128):032x}"


def play(emu: Any) -> str:
    """The quickstart, then a few minutes of routing; the workspace SID."""
    sdk = make_sdk(emu)
    quickstart = build_quickstart(sdk)
    ws = sdk.taskrouter.v1.workspaces(quickstart.workspace_sid)

    def task(language: str) -> str:
        return ws.tasks.create(attributes=json.dumps({"selected_language": language})).sid

    emu.advance(40)
    ws.workers(quickstart.workers["Alice"]).update(activity_sid=quickstart.activities["Idle"])
    emu.advance(3)
    first = task("es")
    emu.advance(12)
    (reservation,) = ws.tasks(first).reservations.list()
    ws.tasks(first).reservations(reservation.sid).update(reservation_status="accepted")
    emu.advance(20)
    task("es")
    emu.advance(15)
    task("en")
    emu.advance(10)
    return quickstart.workspace_sid


def recording_console() -> Any:
    """A console that keeps what it prints (for the SVG) and shows it nowhere else."""
    from rich.console import Console

    return Console(
        record=True,
        file=io.StringIO(),
        width=COLUMNS,
        force_terminal=True,
        color_system="truecolor",
    )


def draw_watch(emu: Any, workspace_sid: str) -> str:
    from trctl.cli.watch_view import render
    from trctl.services.resolve import Resolver
    from trctl.services.watch import Watcher

    snapshot = Watcher(Resolver(make_sdk(emu), workspace_sid), lookups=None).refresh()
    stamp = str(snapshot["time"])[11:19]
    heading = f"trctl watch · TaskRouter Quickstart · every 1s · {stamp} UTC · q quits"
    console = recording_console()
    console.print(render(snapshot, heading=heading, height=LINES))
    return console.export_svg(title="trctl watch", unique_id="watch")


def draw_tail(emu: Any, workspace_sid: str) -> str:
    from rich.text import Text

    from trctl.cli.event_lines import TYPE_WIDTH, event_parts, type_style
    from trctl.services.events import oldest_first
    from trctl.services.resolve import Resolver

    api = Resolver(make_sdk(emu), workspace_sid).api
    events = oldest_first(api.list(f"/Workspaces/{workspace_sid}/Events", {"Minutes": 60}))
    shown = [e for e in events if e["event_type"] not in ("activity.created", "task-queue.created",
                                                           "workflow.created", "worker.created",
                                                           "workspace.created")]  # fmt: skip
    console = recording_console()
    console.print(Text("$ trctl events tail --since 5m", style="bold"))
    for event in shown:
        stamp, kind, text = event_parts(event, width=COLUMNS)
        line = Text(f"{stamp}  ")
        line.append(f"{kind:<{TYPE_WIDTH}}", style=type_style(kind))
        line.append(f"  {text}")
        console.print(line, no_wrap=True, overflow="ellipsis")
    return console.export_svg(title="trctl events tail", unique_id="tail")


def generate() -> dict[Path, str]:
    """Each picture's path and the SVG drawn for it."""
    with Emulator(clock=FakeClock(), sids=SeededSids(12)) as emu:
        workspace_sid = play(emu)
        return {
            DOCS / "watch.svg": draw_watch(emu, workspace_sid),
            DOCS / "events-tail.svg": draw_tail(emu, workspace_sid),
        }


def main(argv: list[str]) -> int:
    return write_or_check(generate(), argv, "scripts/gen_pictures.py")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
