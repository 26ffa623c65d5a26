"""Startup benchmark: median wall time of `trctl --help` against `python -c "import click"`.

Paired, alternating runs (so machine noise hits both sides alike); prints both medians and the
ratio. Target: ratio <= 1.5. Usage: python bench/startup.py [--pairs 21] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

TARGET_RATIO = 1.5


def wall_time(argv: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - started


def measure(pairs: int) -> dict[str, float]:
    python = sys.executable
    trctl = str(Path(python).with_name("trctl"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TWILIO_", "TRCTL_"))}
    subject, baseline = [trctl, "--help"], [python, "-c", "import click"]
    for argv in (subject, baseline):  # warm the page cache and .pyc files
        wall_time(argv, env)
    trctl_times, click_times = [], []
    for index in range(pairs):
        order = [(subject, trctl_times), (baseline, click_times)]
        for argv, times in order if index % 2 == 0 else reversed(order):
            times.append(wall_time(argv, env))
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
    result = measure(args.pairs)
    if args.json:
        print(json.dumps(result))
    else:
        print(f"trctl --help           median {result['trctl_help_ms']:7.1f} ms")
        print(f'python -c "import click" median {result["import_click_ms"]:7.1f} ms')
        verdict = "ok" if result["ratio"] <= TARGET_RATIO else "ABOVE TARGET"
        print(f"ratio {result['ratio']:.2f}x over {args.pairs} pairs ({verdict}, target <= 1.5x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
