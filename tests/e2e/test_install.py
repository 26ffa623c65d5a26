"""E2E: what `make demo` shows on first install. The editable install setuptools builds from
pyproject.toml is a plain .pth entry, not an import finder, and prints no warning (it used to
end 30 s of silence with "Please be careful with folders in your working directory...")."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def build_editable(project: Path) -> tuple[Path, str]:
    """The editable wheel setuptools builds for the project (as pip -e does), and what the
    build printed."""
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "from setuptools import build_meta; print(build_meta.build_editable('dist'))",
        ],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return project / "dist" / done.stdout.strip().splitlines()[-1], done.stdout + done.stderr


def copy_project(tmp_path: Path) -> Path:
    project = tmp_path / "project"
    project.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, project / name)
    shutil.copytree(ROOT / "trctl", project / "trctl", ignore=shutil.ignore_patterns("__pycache__"))
    return project


def test_the_editable_install_is_a_path_entry_and_prints_no_warning(tmp_path: Path) -> None:
    pytest.importorskip("setuptools", minversion="77")
    wheel, printed = build_editable(copy_project(tmp_path))
    with zipfile.ZipFile(wheel) as built:
        (pth,) = [n for n in built.namelist() if n.endswith(".pth")]
        entry = built.read(pth).decode().strip()
        finders = [n for n in built.namelist() if "finder" in n]
    assert entry == str(tmp_path / "project"), entry
    assert finders == []
    assert "same name as your package" not in printed
    assert "Warning" not in printed.replace("Editable install will be performed using .pth", "")
