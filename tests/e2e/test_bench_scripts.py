"""Every benchmark in bench/ still runs: each at a toy size, as its own process, as `make bench`
runs it. The figures mean nothing at these sizes (a check may fail: exit 1); what must not
happen is a crash, which is how two of them rotted unnoticed when bench/emulator.py changed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

TOY_RUNS = {
    "startup": ["--pairs", "1"],
    "cli": ["--pairs", "1", "--tasks", "100", "--list-runs", "1"],
    "callback": ["--requests", "50", "--clients", "2", "--rounds", "1"],
    "emulator": ["--tasks", "40", "--only", "throughput", "latency", "events"],
    "explain": ["--runs", "1"],
    "watch": ["--workers", "20", "--queues", "2", "--tasks", "100", "--runs", "1"],
    "retention": ["--lifecycles", "200", "--contrast", "0"],
    "limits": ["--workers", "50", "--samples", "20"],
    "simulate": ["--workers", "3", "--tasks", "30", "--duration", "10m"],
}


def test_every_benchmark_is_covered() -> None:
    scripts = {path.stem for path in (ROOT / "bench").glob("*.py")}
    helpers = {"harness", "sink", "__init__"}
    assert scripts - helpers == set(TOY_RUNS)
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert all(f"bench/{name}.py" in makefile for name in TOY_RUNS)  # make bench runs each


@pytest.mark.parametrize("name", sorted(TOY_RUNS))
def test_a_benchmark_runs_to_its_verdicts(name: str) -> None:
    ran = subprocess.run(
        [sys.executable, str(ROOT / "bench" / f"{name}.py"), *TOY_RUNS[name]],
        cwd=ROOT, capture_output=True, text=True, timeout=240,
    )  # fmt: skip
    output = ran.stdout + ran.stderr
    assert "Traceback" not in output, output[-3000:]
    assert ran.returncode in (0, 1), output[-3000:]  # 1: a check failed at this toy size
    assert any(word in output for word in ("MET", "PASS", "ok", "FAIL")), output[-3000:]
