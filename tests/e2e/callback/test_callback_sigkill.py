"""serve-callback killed with SIGKILL: the workflow keeps pointing at a dead local URL. The
original URL was saved next to the profiles before it was replaced, so `trctl doctor` finds the
dead URL and offers the original, and the next serve-callback restores the original (not the
dead URL) when it stops."""

from __future__ import annotations

import json
import signal
import stat
from pathlib import Path

from run_environment import run_trctl

from trctl.config.wired_urls import WIRED_FILE

ORIGINAL = "https://app.example.com/assignment"
WORKFLOW = "Incoming Customer Care Requests"


def config_dir(home: Path) -> Path:
    """Where a serve-callback subprocess keeps its files (HOME is tmp_path, XDG_CONFIG_HOME
    below it)."""
    return home / ".config" / "trctl"


def trctl(env: dict[str, str], home: Path, *args: str, **options) -> object:
    """trctl in-process, with the config directory the serve-callback subprocesses use."""
    environ = {**env, "TRCTL_CONFIG_DIR": str(config_dir(home)), "TWILIO_CONFIG_DIR": str(home)}
    return run_trctl(args, environ=environ, **options)


def flow(sdk, quickstart):
    return sdk.taskrouter.v1.workspaces(quickstart.workspace_sid).workflows(quickstart.workflow_sid)


def test_after_sigkill_doctor_offers_the_saved_url_and_the_next_run_restores_it(
    serve, cli_env, sdk, quickstart, tmp_path
):
    flow(sdk, quickstart).update(assignment_callback_url=ORIGINAL)
    killed = serve([], cli_env)
    dead = killed.ready()["callback"]
    saved = config_dir(tmp_path) / WIRED_FILE
    assert stat.S_IMODE(saved.stat().st_mode) == 0o600
    assert stat.S_IMODE(saved.parent.stat().st_mode) == 0o700
    killed.stop(signal.SIGKILL)
    assert flow(sdk, quickstart).fetch().assignment_callback_url == dead  # the trace it leaves

    found = trctl(cli_env, tmp_path, "doctor", "--json")
    assert found.exit_code == 1, found.stderr
    [finding] = [f for f in json.loads(found.stdout) if "assignment_callback_url" in f["location"]]
    assert finding["severity"] == "error"
    assert finding["message"].startswith(f"{dead} was set by a serve-callback (pid ")
    assert f"before it the URL was '{ORIGINAL}'" in finding["message"]
    assert finding["fix"] == (
        f"trctl workflows update '{WORKFLOW}' --assignment-callback-url {ORIGINAL}"
    )

    again = serve([], cli_env)
    url = again.ready()["callback"]
    warning = next(line for line in again.stderr_lines if line.startswith("Warning: "))
    assert warning == (
        f"Warning: workflow '{WORKFLOW}' AssignmentCallbackUrl was left at {dead} by a "
        f"serve-callback that did not stop (pid {killed.process.pid}); '{ORIGINAL}' is restored "
        "when this one stops"
    )
    wired = next(line for line in again.stderr_lines if line.startswith("Wired:"))
    assert f"(was '{ORIGINAL}')" in wired
    assert flow(sdk, quickstart).fetch().assignment_callback_url == url
    assert again.stop(signal.SIGTERM) == 0
    assert flow(sdk, quickstart).fetch().assignment_callback_url == ORIGINAL
    assert json.loads(saved.read_text())["wired"] == {}  # undone cleanly: nothing left to offer
    healthy = trctl(cli_env, tmp_path, "doctor", "--json")
    assert not [f for f in json.loads(healthy.stdout) if "callback_url" in f["location"]]


def test_a_dead_local_url_found_at_start_is_named(serve, cli_env, sdk, quickstart, tmp_path):
    flow(sdk, quickstart).update(assignment_callback_url="http://127.0.0.1:9/assignment")
    process = serve([], cli_env)
    process.ready()
    assert (
        f"Warning: workflow '{WORKFLOW}' AssignmentCallbackUrl is http://127.0.0.1:9/assignment,"
        " a local URL where nothing listens; it is put back when serve-callback stops: set the "
        "right one afterwards"
    ) in process.stderr_lines
    assert process.stop() == 0


def test_credentials_in_the_original_url_are_never_written(
    serve, cli_env, sdk, quickstart, tmp_path
):
    secret_url = "https://user:s3cret-pass@app.example.com/assignment"
    flow(sdk, quickstart).update(assignment_callback_url=secret_url)
    process = serve([], cli_env)
    process.ready()
    text = (config_dir(tmp_path) / WIRED_FILE).read_text()
    assert "s3cret-pass" not in text and '"withheld": true' in text
    assert process.stop() == 0
    assert flow(sdk, quickstart).fetch().assignment_callback_url == secret_url  # from memory
