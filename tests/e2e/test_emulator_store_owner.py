"""One emulator per store (an OS lock that dies with its process) and private store files."""

from __future__ import annotations

import os
import signal
import socket
import stat
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner
from emulator_http import call

from trctl.cli import root
from trctl.emulator.core.store import Store


class Running:
    """`python -m trctl.emulator --db db` on a free port, with the URL and credentials it
    printed (what emulator_http.call needs)."""

    def __init__(self, db: Path, umask: int) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "trctl.emulator", "--port", "0", "--quiet", "--db", str(db)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            umask=umask,
        )
        assert self.process.stdout is not None
        self.url = self.process.stdout.readline().strip()
        assert self.url.startswith("http://127.0.0.1:"), self.url or self.process.stderr.read()
        exports = dict(
            line.removeprefix("export ").split("=", 1)
            for line in (self.process.stdout.readline().strip() for _ in range(3))
        )
        self.account_sid = exports["TWILIO_ACCOUNT_SID"]
        self.auth_token = exports["TWILIO_AUTH_TOKEN"]


def start(db: Path, umask: int = 0o022) -> tuple[subprocess.Popen[str], str]:
    running = Running(db, umask)
    return running.process, running.url


def refused(command: list[str]) -> str:
    """Run a second start that must refuse at once: non-zero exit, one line on stderr."""
    done = subprocess.run(command, capture_output=True, text=True, timeout=20)
    assert done.returncode != 0, done
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), done.stderr
    assert done.stdout == ""
    return lines[0]


def test_a_second_emulator_on_the_same_store_refuses_naming_the_owner(tmp_path: Path) -> None:
    db = tmp_path / "shared.db"
    first, url = start(db)
    try:
        port = url.rsplit(":", 1)[1]
        owner = f"PID {first.pid}, port {port}"
        for command in (
            [sys.executable, "-m", "trctl.emulator", "--port", "0", "--db", str(db)],
            [sys.executable, "-m", "trctl", "emulator", "start", "--port", "0", "--db", str(db)],
        ):
            line = refused(command)
            assert str(db) in line and owner in line, line
    finally:
        first.kill()
        first.wait(10)


def test_kill_9_leaves_no_stale_lock(tmp_path: Path) -> None:
    db = tmp_path / "killed.db"
    first, _ = start(db)
    first.send_signal(signal.SIGKILL)
    first.wait(10)
    assert Path(f"{db}.lock").exists()  # the file stays; the lock went with the process
    second, _ = start(db)
    second.send_signal(signal.SIGTERM)
    assert second.wait(10) == 0


def test_store_files_are_private_whatever_the_umask(tmp_path: Path) -> None:
    db = tmp_path / "new" / "deeper" / "emulator.db"
    running = Running(db, umask=0o022)
    process = running.process
    try:
        assert call(running, "POST", "/v1/Workspaces", {"FriendlyName": "Modes"}).status == 201
        files = [db, Path(f"{db}-wal"), Path(f"{db}-shm"), Path(f"{db}.lock")]
        modes = {path.name: stat.S_IMODE(path.stat().st_mode) for path in files}
        assert modes == {path.name: 0o600 for path in files}
        for directory in (db.parent, db.parent.parent):
            assert stat.S_IMODE(directory.stat().st_mode) == 0o700, directory
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(10)


def test_an_existing_open_store_is_tightened(tmp_path: Path) -> None:
    db = tmp_path / "old.db"
    db.write_bytes(b"")
    os.chmod(db, 0o644)
    runner = CliRunner()
    result = runner.invoke(root, ["emulator", "env", "--db", str(db)])
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(db.stat().st_mode) == 0o600


def test_env_warns_when_no_emulator_answers(tmp_path: Path) -> None:
    db = tmp_path / "env.db"
    with socket.socket() as probe:  # a port nothing listens on once closed
        probe.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{probe.getsockname()[1]}"
    store = Store(db)
    store.set_meta("last_url", dead)  # where the last emulator on this store served
    store.close()
    runner = CliRunner()
    lonely = runner.invoke(root, ["emulator", "env", "--db", str(db)])
    assert lonely.exit_code == 0
    assert f"TRCTL_API_URL={dead}" in lonely.stdout
    assert lonely.stderr.strip() == (
        f"Warning: no emulator answers at {dead}; start one with `trctl emulator start`"
    )
    process, url = start(db)
    try:
        served = runner.invoke(root, ["emulator", "env", "--db", str(db)])
        assert served.exit_code == 0
        assert f"TRCTL_API_URL={url}" in served.stdout and served.stderr == ""
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(10)
