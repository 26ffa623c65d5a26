"""Startup benchmark: median wall time of `trctl --help` against `python -c "import click"`.

Both run from bytecode, as after a normal install: trctl's modules are byte-compiled first
(`compileall`; an editable install under PYTHONDONTWRITEBYTECODE=1 would otherwise compile
every module it imports on every run), and each command then runs once untimed with writing
.pyc files allowed, so whatever else either imports (click's modules) is compiled too and the
page cache is warm. The first stage is checked: the .pyc of trctl's CLI entry point exists.
Every timed run is checked (exit 0; `trctl --help` prints its usage). Paired, alternating runs
(so machine noise hits both sides alike); prints both medians, the ratio and the verdict.

Target: ratio <= 1.5. Usage: python bench/startup.py [--pairs 21] [--json]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import ROOT, load_average, verdict

TARGET_RATIO = 1.5


def wall_time(argv: list[str], env: dict[str, str], expect: str) -> float:
    started = time.perf_counter()
    done = subprocess.run(argv, env=env, capture_output=True, text=True, check=True)
    elapsed = time.perf_counter() - started
    assert expect in done.stdout, f"{argv}: {done.stdout[:200]!r}"
    return elapsed


def compile_first(python: str) -> None:
    """trctl's modules compiled (the .pyc an install would have written), checked."""
    subprocess.run([python, "-m", "compileall", "-q", str(ROOT / "trctl")], check=True)
    entry = ROOT / "trctl" / "cli" / "__init__.py"
    assert Path(importlib.util.cache_from_source(str(entry))).exists(), "trctl not compiled"


def measure(pairs: int) -> dict[str, float]:
    python = sys.executable
    trctl = str(Path(python).with_name("trctl"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TWILIO_", "TRCTL_"))}
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # the untimed runs may write what is missing
    compile_first(python)
    subject = ([trctl, "--help"], "Usage: trctl")
    baseline = ([python, "-c", "import click; print(click.__name__)"], "click")
    for argv, expect in (subject, baseline):  # untimed: .pyc files and the page cache
        wall_time(argv, env, expect)
    trctl_times: list[float] = []
    click_times: list[float] = []
    for index in range(pairs):
        order = [(subject, trctl_times), (baseline, click_times)]
        for (argv, expect), times in order if index % 2 == 0 else reversed(order):
            times.append(wall_time(argv, env, expect))
    trctl_median = statistics.median(trctl_times)
    click_median = statistics.median(click_times)
    return {
        "pairs": pairs,
        "trctl_help_ms": round(trctl_median * 1000, 1),
        "import_click_ms": round(click_median * 1000, 1),
        "ratio": round(trctl_median / click_median, 2),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=21)
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    args = parser.parse_args()
    before = load_average()
    result = measure(args.pairs)
    met = result["ratio"] <= TARGET_RATIO
    if args.json:
        print(json.dumps({**result, "load_average_before": before, "met": met}))
    else:
        print("trctl compiled first (compileall), then one untimed run of each command")
        print(f"trctl --help           median {result['trctl_help_ms']:7.1f} ms")
        print(f'python -c "import click" median {result["import_click_ms"]:7.1f} ms')
        print(verdict(f"trctl --help over {args.pairs} pairs", f"{result['ratio']:.2f}x", met,
                      f"<= {TARGET_RATIO}x"))  # fmt: skip
        print(f"load average before/after: {before} / {load_average()}")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
