"""Record docs/demo.svg: `trctl demo` as an 80-column terminal shows it, exported by rich.

The demo runs in this process on a terminal-flagged Environment (its tables fit 80 columns, as
on a real terminal), on an emulator with a fake clock and seeded SIDs, so every run draws the
same picture; only the two free ports the demo binds differ between runs, and are shown as the
fixed ones below.

python scripts/gen_demo_recording.py           # rewrite docs/demo.svg
python scripts/gen_demo_recording.py --check   # exit 1 if docs/demo.svg is stale
"""

from __future__ import annotations

import contextlib
import io
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from gen_pictures import COLUMNS, SeededSids, recording_console  # noqa: E402
from generated import write_or_check  # noqa: E402

OUT = ROOT / "docs" / "demo.svg"
SHOWN_PORTS = {"emulator": 40123, "callback": 40567}
ELAPSED = 0.4  # seconds the recording says the demo took


class StoppedClock:
    """The demo's monotonic clock: it says ELAPSED seconds passed, whatever the machine did."""

    def __init__(self) -> None:
        self.reads = 0

    def monotonic(self) -> float:
        self.reads += 1
        return 0.0 if self.reads == 1 else ELAPSED

    def sleep(self, seconds: float) -> None:
        raise AssertionError("the demo does not sleep")


class RecordingEmulator:
    """Emulators with a fake clock and seeded SIDs, remembering their URL (to hide its port)."""

    def __init__(self) -> None:
        self.urls: list[str] = []

    @contextlib.contextmanager
    def __call__(self) -> Iterator[Any]:
        from trctl.emulator import Emulator, FakeClock

        with Emulator(clock=FakeClock(), sids=SeededSids(14)) as emulator:
            self.urls.append(emulator.url)
            yield emulator


def record() -> str:
    """What the terminal showed: stdout and stderr interleaved, with escape codes."""
    from trctl.cli.demo_script import run_demo
    from trctl.cli.environment import Environment

    screen = io.StringIO()
    environment = Environment(
        environ={"COLUMNS": str(COLUMNS), "TERM": "xterm-256color"},
        stdin=io.StringIO(),
        stdout=screen,
        stderr=screen,
        stdin_isatty=False,
        stdout_isatty=True,
        stderr_isatty=True,
        clock=StoppedClock(),
    )
    emulators = RecordingEmulator()
    run_demo(environment, keep_running=False, emulator_factory=emulators)
    text = screen.getvalue()
    (emulator_url,) = emulators.urls
    callback = re.search(r"callbacks answered at\s+http://127\.0\.0\.1:(\d+)/", text)
    assert callback is not None, text
    text = text.replace(emulator_url, f"http://127.0.0.1:{SHOWN_PORTS['emulator']}")
    return text.replace(f"127.0.0.1:{callback.group(1)}/", f"127.0.0.1:{SHOWN_PORTS['callback']}/")


def generate() -> str:
    from rich.text import Text

    console = recording_console()
    console.print(Text("$ trctl demo", style="bold"))
    # a terminal folds what is wider than it; nothing the demo prints should be
    console.print(Text.from_ansi(record()), end="", overflow="fold")
    return console.export_svg(title="trctl demo", unique_id="demo")


def main(argv: list[str]) -> int:
    return write_or_check({OUT: generate()}, argv, "scripts/gen_demo_recording.py")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
