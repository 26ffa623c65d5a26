"""E2E: the emulator's request log: a line (or JSON object) per API request and per callback
delivery, never a secret; printed by `trctl emulator start` and `python -m trctl.emulator` unless
--quiet, and silent in-process unless an observer is given."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

from cli_support import ISOLATED, failed
from emulator_callbacks import CallbackServer
from emulator_http import call
from quickstart_setup import build_quickstart, make_sdk

from trctl.emulator import Emulator, FakeClock
from trctl.emulator.requestlog import Logged, json_line, text_line

TOKEN = "log-token-" + "7" * 22
LINE = re.compile(r"^\d\d:\d\d:\d\d\.\d{3}  (\S+) +(\S+)  (\d{3}|---)  \d+\.\d ms(  .+)?$")


def test_requests_and_deliveries_are_logged_without_secrets() -> None:
    entries: list[Logged] = []
    with (
        Emulator(clock=FakeClock(), auth_token=TOKEN, observer=entries.append) as emu,
        CallbackServer(TOKEN) as app,
    ):
        sdk = make_sdk(emu)
        secret_url = app.url("/assignment").replace("http://", "http://ops:hunter2@")
        quickstart = build_quickstart(sdk, assignment_callback_url=secret_url + "?key=s3cret")
        ws = sdk.taskrouter.v1.workspaces(quickstart.workspace_sid)
        ws.update(event_callback_url=app.url("/events"), events_filter="reservation.accepted")
        ws.workers(quickstart.workers["Alice"]).update(activity_sid=quickstart.activities["Idle"])
        task = ws.tasks.create(attributes=json.dumps({"selected_language": "es"}))
        assert emu.wait_idle()
        assert ws.tasks(task.sid).fetch().assignment_status == "assigned"
        wrong = type("Wrong", (), {"url": emu.url, "account_sid": emu.account_sid,
                                   "auth_token": "nope"})  # fmt: skip
        assert call(wrong, "GET", "/v1/Workspaces").status == 401
    requests = [e for e in entries if e.kind == "request"]
    created = next(e for e in requests if e.method == "POST" and e.path.endswith("/Tasks"))
    tasks_path = f"/v1/Workspaces/{quickstart.workspace_sid}/Tasks"
    assert (created.path, created.status) == (tasks_path, 201)
    assert created.time == 1_767_225_600.0  # the emulator's clock
    assert requests[-1].status == 401 and requests[-1].path == "/v1/Workspaces"
    (callback,) = [e for e in entries if e.kind == "callback"]
    assert callback.url == app.url("/assignment")  # no password, no query
    assert (callback.status, callback.outcome) == (200, "accept")
    (event,) = [e for e in entries if e.kind == "event"]
    assert (event.url, event.outcome) == (app.url("/events"), "reservation.accepted")
    everything = "\n".join([*map(text_line, entries), *map(json_line, entries)])
    for secret in (TOKEN, "hunter2", "s3cret", "X-Twilio-Signature", "Authorization"):
        assert secret not in everything
    assert all(LINE.match(text_line(e)) for e in entries), everything
    record = json.loads(json_line(callback))
    assert set(record) == {"kind", "time", "url", "outcome", "status", "ms"}
    assert record["time"] == "2026-01-01T00:00:00.000Z"


def test_a_callback_nobody_answers_is_logged_as_an_error() -> None:
    entries: list[Logged] = []
    with Emulator(clock=FakeClock(), observer=entries.append) as emu:
        sdk = make_sdk(emu)
        quickstart = build_quickstart(sdk, assignment_callback_url="http://127.0.0.1:9/gone")
        ws = sdk.taskrouter.v1.workspaces(quickstart.workspace_sid)
        ws.workers(quickstart.workers["Alice"]).update(activity_sid=quickstart.activities["Idle"])
        ws.tasks.create(attributes=json.dumps({"selected_language": "es"}))
        assert emu.wait_idle()
    (callback,) = [e for e in entries if e.kind == "callback"]
    assert callback.status is None and callback.outcome.startswith("error: ")
    assert "  ---  " in text_line(callback)


def test_the_in_process_emulator_is_silent_unless_asked(capfd) -> None:
    with Emulator(clock=FakeClock()) as emu:
        assert call(emu, "GET", "/v1/Workspaces").status == 200
    captured = capfd.readouterr()
    assert captured.out == "" and captured.err == ""


def start(argv: list[str]) -> tuple[subprocess.Popen[str], Any]:
    """An emulator process; reads its URL and export lines from stdout (as scripts do)."""
    env = {**os.environ, **ISOLATED, "TRCTL_EMULATOR_AUTH_TOKEN": TOKEN}
    process = subprocess.Popen(
        argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    )
    assert process.stdout is not None
    url = process.stdout.readline().strip()
    exports = [process.stdout.readline().strip() for _ in range(3)]
    assert url.startswith("http://127.0.0.1:") and exports[1].endswith(TOKEN), (url, exports)
    account = exports[0].split("=", 1)[1]
    target = type("Target", (), {"url": url, "account_sid": account, "auth_token": TOKEN})
    return process, target


def stop(process: subprocess.Popen[str]) -> str:
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=10)
    assert process.returncode == 0, err
    return err


def test_python_m_emulator_logs_json_lines_on_stderr() -> None:
    process, target = start(
        [sys.executable, "-m", "trctl.emulator", "--port", "0", "--memory", "--log-format", "json"]
    )
    try:
        assert call(target, "POST", "/v1/Workspaces", {"FriendlyName": "Logged"}).status == 201
        assert call(target, "GET", "/v1/Workspaces/WS" + "0" * 32).status == 404
    finally:
        err = stop(process)
    records = [json.loads(line) for line in err.splitlines() if line.startswith("{")]
    assert [(r["method"], r["path"], r["status"]) for r in records] == [
        ("POST", "/v1/Workspaces", 201),
        ("GET", "/v1/Workspaces/WS" + "0" * 32, 404),
    ]
    assert all(r["kind"] == "request" and r["ms"] >= 0 for r in records)
    assert TOKEN not in err


def test_trctl_emulator_start_logs_text_lines_and_quiet_turns_them_off() -> None:
    trctl = str(Path(sys.executable).with_name("trctl"))
    process, target = start([trctl, "emulator", "start", "--port", "0", "--memory"])
    try:
        assert call(target, "GET", "/v1/Workspaces").status == 200
    finally:
        err = stop(process)
    (line,) = [line for line in err.splitlines() if LINE.match(line)]
    assert LINE.match(line).groups()[:3] == ("GET", "/v1/Workspaces", "200")  # type: ignore[union-attr]
    quiet, target = start([trctl, "emulator", "start", "--port", "0", "--memory", "--quiet"])
    try:
        assert call(target, "GET", "/v1/Workspaces").status == 200
    finally:
        err = stop(quiet)
    assert not any(LINE.match(line) for line in err.splitlines())
    assert "Ctrl-C stops it" in err  # the banner is not the log


def test_an_unknown_log_format_is_refused() -> None:
    line = failed({}, 2, "emulator", "start", "--memory", "--log-format", "xml")
    assert "--log-format must be one of: text, json" in line
