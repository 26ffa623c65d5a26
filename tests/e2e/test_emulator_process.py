"""The emulator as a process: `python -m trctl.emulator`, `trctl emulator ...`, and kill -9."""

from __future__ import annotations

import http.client
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner
from emulator_http import call

from trctl.cli import root


class Proc:
    """A running `python -m trctl.emulator`, with the URL and credentials it printed (quiet:
    nothing reads its stderr, where the request log would fill the pipe)."""

    def __init__(self, *args: str, env: dict[str, str] | None = None) -> None:
        self.popen = subprocess.Popen(
            [sys.executable, "-m", "trctl.emulator", "--port", "0", "--quiet", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, **(env or {})},
        )
        assert self.popen.stdout is not None
        self.url = self.popen.stdout.readline().strip()
        assert self.url.startswith("http://127.0.0.1:"), (
            self.popen.stderr.read() if not self.url else self.url
        )
        exports = dict(
            line.removeprefix("export ").split("=", 1)
            for line in (self.popen.stdout.readline().strip() for _ in range(3))
        )
        self.account_sid = exports["TWILIO_ACCOUNT_SID"]
        self.auth_token = exports["TWILIO_AUTH_TOKEN"]
        assert exports["TRCTL_API_URL"] == self.url

    def stop(self, sig: int = signal.SIGTERM) -> int:
        self.popen.send_signal(sig)
        return self.popen.wait(10)


def test_module_entry_point_serves_and_stops_on_sigterm(tmp_path: Path) -> None:
    env = {"TRCTL_EMULATOR_AUTH_TOKEN": "f" * 32}
    proc = Proc("--db", str(tmp_path / "e.db"), env=env)
    try:
        assert proc.auth_token == "f" * 32
        answer = call(proc, "POST", "/v1/Workspaces", {"FriendlyName": "P"})
        assert answer.status == 201
        assert answer.json()["url"].startswith(proc.url)
    finally:
        assert proc.stop() == 0
    assert "f" * 32 not in " ".join(proc.popen.args)  # the token never went through argv


def test_cli_env_and_reset_use_the_persisted_store(tmp_path: Path) -> None:
    env = {"TRCTL_DATA_DIR": str(tmp_path)}
    runner = CliRunner()
    first = runner.invoke(root, ["emulator", "env"], env=env)
    assert first.exit_code == 0, first.output
    lines = dict(line.removeprefix("export ").split("=", 1) for line in first.stdout.splitlines())
    assert set(lines) == {"TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TRCTL_API_URL"}
    proc = Proc(env=env)  # default db in TRCTL_DATA_DIR: same credentials
    try:
        assert proc.account_sid == lines["TWILIO_ACCOUNT_SID"]
        assert call(proc, "POST", "/v1/Workspaces", {"FriendlyName": "Kept"}).status == 201
    finally:
        proc.stop()
    again = runner.invoke(root, ["emulator", "env"], env=env)
    assert f"TRCTL_API_URL={proc.url}" in again.stdout  # last URL remembered
    keyed = runner.invoke(root, ["emulator", "env", "--api-key"], env=env)
    keys = dict(line.removeprefix("export ").split("=", 1) for line in keyed.stdout.splitlines())
    assert keys["TWILIO_API_KEY"].startswith("SK") and keys["TWILIO_API_SECRET"]
    keyed_again = runner.invoke(root, ["emulator", "env", "--api-key"], env=env)
    assert keyed_again.stdout == keyed.stdout  # the key is made once and kept
    assert runner.invoke(root, ["emulator", "reset", "--yes"], env=env).exit_code == 0
    with sqlite3.connect(tmp_path / "emulator.db") as db:
        assert db.execute("SELECT COUNT(*) FROM workspaces").fetchone()[0] == 0
    bad = runner.invoke(root, ["emulator", "start", "--memory", "--db", "x.db"], env=env)
    assert bad.exit_code == 2 and "exclude" in bad.stderr


def test_kill_9_during_concurrent_creates_loses_no_acknowledged_task(tmp_path: Path) -> None:
    db = tmp_path / "crash.db"
    proc = Proc("--db", str(db))
    workspace = call(
        proc, "POST", "/v1/Workspaces", {"FriendlyName": "Crash", "MultiTaskEnabled": "false"}
    ).json()
    base = f"/v1/Workspaces/{workspace['sid']}"
    queue = call(proc, "POST", base + "/TaskQueues", {"FriendlyName": "Q"}).json()
    config = json.dumps({"task_routing": {"default_filter": {"queue": queue["sid"]}}})
    flow = call(
        proc, "POST", base + "/Workflows", {"FriendlyName": "F", "Configuration": config}
    ).json()
    available = call(proc, "GET", base + "/Activities?FriendlyName=Available").json()["activities"][
        0
    ]
    for n in range(3):
        call(
            proc,
            "POST",
            base + "/Workers",
            {"FriendlyName": f"W{n}", "ActivitySid": available["sid"]},
        )
    acknowledged: list[str] = []
    lock = threading.Lock()
    stop = threading.Event()

    def create() -> None:
        while not stop.is_set():
            try:
                answer = call(
                    proc, "POST", base + "/Tasks", {"Attributes": "{}", "WorkflowSid": flow["sid"]}
                )
            except (OSError, http.client.HTTPException):  # the emulator was killed
                return
            if answer.status == 201:
                with lock:
                    acknowledged.append(answer.json()["sid"])

    threads = [threading.Thread(target=create) for _ in range(4)]
    for thread in threads:
        thread.start()
    killed = threading.Event()
    threading.Timer(random.uniform(0.4, 1.2), lambda: (proc.popen.kill(), killed.set())).start()
    assert killed.wait(5)
    proc.popen.wait(5)
    stop.set()
    for thread in threads:
        thread.join(15)
    assert acknowledged, "no task was created before the kill"
    restarted = Proc("--db", str(db))
    try:
        for sid in acknowledged:
            assert call(restarted, "GET", f"{base}/Tasks/{sid}").status == 200, sid
        with sqlite3.connect(db) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            rows = conn.execute("SELECT COUNT(*) FROM tasks").fetchone()[0]
            assert 0 <= rows - len(acknowledged) <= len(threads)
            doubled = conn.execute(
                "SELECT worker_sid FROM reservations WHERE status IN "
                "('pending','accepted','wrapping') GROUP BY worker_sid HAVING COUNT(*) > 1"
            ).fetchall()
            assert doubled == []
    finally:
        restarted.stop()


def test_trctl_emulator_start_serves_until_ctrl_c() -> None:
    trctl = str(Path(sys.executable).with_name("trctl"))
    popen = subprocess.Popen(
        [trctl, "emulator", "start", "--port", "0", "--memory"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "TRCTL_EMULATOR_AUTH_TOKEN": "a" * 32},
    )
    try:
        assert popen.stdout is not None
        url = popen.stdout.readline().strip()
        exports = [popen.stdout.readline().strip() for _ in range(3)]
        assert exports[1] == "export TWILIO_AUTH_TOKEN=" + "a" * 32
        account = exports[0].split("=", 1)[1]
        target = type("Target", (), {"url": url, "account_sid": account, "auth_token": "a" * 32})
        assert call(target, "GET", "/v1/Workspaces").status == 200
    finally:
        popen.send_signal(signal.SIGINT)
        assert popen.wait(10) == 0
    assert "Traceback" not in (popen.stderr.read() if popen.stderr else "")


def test_the_port_may_come_from_the_environment(tmp_path: Path) -> None:
    """TRCTL_EMULATOR_PORT moves the default port (docs and tests run the README's plain
    `trctl emulator start` without taking 7401); `emulator env` then prints that URL."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "TRCTL_EMULATOR_PORT": str(port), "TRCTL_DATA_DIR": str(tmp_path)}
    trctl = str(Path(sys.executable).with_name("trctl"))
    popen = subprocess.Popen(
        [trctl, "emulator", "start", "--quiet"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    try:
        assert popen.stdout is not None
        assert popen.stdout.readline().strip() == f"http://127.0.0.1:{port}"
        shown = subprocess.run(
            [trctl, "emulator", "env"], env=env, capture_output=True, text=True, timeout=30
        )
        assert f"export TRCTL_API_URL=http://127.0.0.1:{port}\n" in shown.stdout
        assert "Warning" not in shown.stderr
    finally:
        popen.send_signal(signal.SIGINT)
        assert popen.wait(10) == 0


def test_retention_flags_reach_the_running_emulator() -> None:
    for args, said in (
        ((), "finished tasks kept 5 min, events 30 days"),
        (("--keep-finished",), "finished tasks and events kept forever"),
        (("--retention", "2.5"), "finished tasks kept 2.5 s, events 2.5 s"),
    ):
        proc = Proc("--memory", *args)
        try:
            assert proc.popen.stderr is not None
            assert said in proc.popen.stderr.readline()
        finally:
            proc.stop()


def test_an_option_taken_for_a_file_name_is_refused_and_makes_no_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`--db --trace` (a flag the command lacks, typed after --db) once made a 5.6 MB store
    named `--trace`; a file of that name can still be had as ./--trace."""
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    for args in (["--db", "--trace"], ["--memory", "--faults", "-x.toml"]):
        result = runner.invoke(root, ["emulator", "start", *args])
        assert result.exit_code == 2, (args, result.output)
        value = args[-1]
        assert f"{value!r} looks like an option, not a file name" in result.stderr
        assert f"./{value}" in result.stderr
    assert list(tmp_path.iterdir()) == []
    served = runner.invoke(root, ["serve-callback", "--rules", "--verbose"])
    assert served.exit_code == 2 and "looks like an option" in served.stderr


def test_retention_flags_are_checked() -> None:
    runner = CliRunner()
    for args in (["--keep-finished", "--retention", "5"], ["--retention", "0"]):
        result = runner.invoke(root, ["emulator", "start", "--memory", *args])
        assert result.exit_code == 2, (args, result.output)
    done = subprocess.run(
        [sys.executable, "-m", "trctl.emulator", "--memory", "--retention", "-1"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 2 and "positive" in done.stderr


def test_start_says_it_is_an_emulator_and_where_the_parity_report_is() -> None:
    proc = Proc("--memory")
    try:
        assert proc.popen.stderr is not None
        proc.popen.stderr.readline()  # the URL, store and retention
        line = proc.popen.stderr.readline()
    finally:
        proc.stop()
    assert "not Twilio" in line
    report = Path(line.rsplit(": ", 1)[1].strip())
    assert report.name == "emulator-parity.md" and report.is_file()
    assert report.read_text(encoding="utf-8").startswith("# Emulator parity")


def test_both_entry_points_start_a_manual_clock() -> None:
    proc = Proc("--memory", "--clock", "manual")
    try:
        assert proc.popen.stderr is not None
        notes = [proc.popen.stderr.readline() for _ in range(3)]
        assert "The clock stands still at " in notes[2], notes
        shown = call(proc, "GET", "/trctl/clock").json()
        assert shown["mode"] == "manual"
        moved = call(proc, "POST", "/trctl/clock", {"Advance": "90"}).json()
        assert moved["epoch"] == shown["epoch"] + 90 and moved["callbacks_settled"]
        assert call(proc, "GET", "/trctl/clock", auth=("AC" + "0" * 32, "x")).status == 401
    finally:
        assert proc.stop() == 0
    trctl = str(Path(sys.executable).with_name("trctl"))
    popen = subprocess.Popen(
        [trctl, "emulator", "start", "--port", "0", "--memory", "--quiet", "--clock", "manual"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert popen.stdout is not None and popen.stderr is not None
        popen.stdout.readline()
        assert all(popen.stdout.readline().startswith("export ") for _ in range(3))
        assert "The clock stands still" in [popen.stderr.readline() for _ in range(3)][2]
    finally:
        popen.send_signal(signal.SIGINT)
        assert popen.wait(10) == 0


def test_a_faults_file_is_in_force_from_the_start(tmp_path: Path) -> None:
    rules = tmp_path / "faults.toml"
    rules.write_text('[[faults]]\napi = "GET /v1/Workspaces"\nstatus = 503\ntimes = 1\n')
    proc = Proc("--memory", "--faults", str(rules))
    try:
        assert proc.popen.stderr is not None
        notes = [proc.popen.stderr.readline() for _ in range(3)]
        assert notes[2].startswith("1 fault rule in force"), notes
        assert call(proc, "GET", "/v1/Workspaces").status == 503
        assert call(proc, "GET", "/v1/Workspaces").status == 200
    finally:
        assert proc.stop() == 0
    rules.write_text('[[faults]]\napi = "GET /v1/Workspaces"\nstatus = 404\n')
    done = subprocess.run(
        [sys.executable, "-m", "trctl.emulator", "--memory", "--faults", str(rules)],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 2 and "rule 1: status must be one of" in done.stderr
    result = CliRunner().invoke(root, ["emulator", "start", "--memory", "--faults", str(rules)])
    assert result.exit_code == 2 and "rule 1: status must be one of" in result.stderr


def test_the_limits_flag_reaches_the_running_emulator() -> None:
    """`--limits` raises (or lowers) TaskRouter's limits for load tests (issue 10 #9): only
    Emulator(limits=...) was tested, so a flag that never reached the core passed."""
    proc = Proc("--memory", "--limits", "workers=1")
    try:
        assert proc.popen.stderr is not None
        assert proc.popen.stderr.readline()  # the start-up line
        assert proc.popen.stderr.readline().strip() == "Limits changed from TaskRouter's: workers=1"
        workspace = call(proc, "POST", "/v1/Workspaces", {"FriendlyName": "L"}).json()["sid"]
        workers = f"/v1/Workspaces/{workspace}/Workers"
        assert call(proc, "POST", workers, {"FriendlyName": "A"}).status == 201
        refused = call(proc, "POST", workers, {"FriendlyName": "B"})
        assert refused.status == 400
        message = refused.json()["message"]
        assert "this emulator's --limits allow at most 1 workers" in message, message
    finally:
        assert proc.stop() == 0
    result = CliRunner().invoke(root, ["emulator", "start", "--memory", "--limits", "workers=0"])
    assert result.exit_code == 2 and "workers must be a positive whole number" in result.stderr
