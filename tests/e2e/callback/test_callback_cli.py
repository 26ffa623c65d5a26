"""`trctl serve-callback` as a user runs it: wiring restored on SIGTERM, tunnel, clean failures."""

from __future__ import annotations

import json
import signal
import time

import pytest
from callback_support import assignment_params, port_is_free, post_form
from click.testing import CliRunner
from fake_ngrok import PUBLIC_URL, install_fake_ngrok, pid_alive
from serve_process import isolated_env

from trctl.callback.signature import compute_signature
from trctl.cli import root

NGROK_SECRET = "ngrok-secret-authtoken-never-on-argv"


def workflow(sdk, quickstart):
    return sdk.taskrouter.v1.workspaces(quickstart.workspace_sid).workflows(quickstart.workflow_sid)


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT], ids=["TERM", "INT"])
def test_wiring_is_set_on_start_and_restored_after_a_signal(
    serve, cli_env, sdk, quickstart, stop_signal
):
    before = workflow(sdk, quickstart).fetch().assignment_callback_url
    process = serve([], cli_env)
    urls = process.ready()
    assert urls["callback"].startswith("http://127.0.0.1:")  # local API URL: no tunnel
    assert workflow(sdk, quickstart).fetch().assignment_callback_url == urls["callback"]
    assert process.stop(stop_signal) == 0
    assert workflow(sdk, quickstart).fetch().assignment_callback_url == before
    assert "Restored the callback URLs." in process.stderr_lines
    assert process.stderr_lines[-1].startswith("Summary: 0 answered")
    output = "\n".join(process.stderr_lines + process.stdout_lines)
    assert "Traceback" not in output
    assert cli_env["TWILIO_AUTH_TOKEN"] not in output


def test_events_are_wired_received_and_restored(serve, cli_env, sdk, quickstart):
    workspace = sdk.taskrouter.v1.workspaces(quickstart.workspace_sid)
    before = workspace.fetch().event_callback_url or None
    process = serve(
        ["--events", "--json", "--workflow", "Incoming Customer Care Requests"], cli_env
    )
    urls = process.ready()
    assert workspace.fetch().event_callback_url == urls["events"]
    idle = quickstart.activities["Idle"]
    workspace.workers(quickstart.workers["Bob"]).update(activity_sid=idle)
    line = process.wait_stdout(lambda text: "worker.activity.update" in text)
    shown = json.loads(line)
    assert shown["resource_sid"] == quickstart.workers["Bob"]
    assert shown["status"] == 204
    assert process.stop() == 0
    assert (workspace.fetch().event_callback_url or None) == before
    assert not any('"status": 403' in text for text in process.stdout_lines)


def test_tunnel_url_is_wired_and_checked_and_the_agent_dies_with_us(
    serve, cli_env, sdk, quickstart, tmp_path
):
    ngrok = install_fake_ngrok(tmp_path)
    record = tmp_path / "agent.json"
    env = {**cli_env, "NGROK_AUTHTOKEN": NGROK_SECRET, "FAKE_NGROK_RECORD": str(record)}
    process = serve(["--tunnel", "--ngrok-path", str(ngrok)], env)
    urls = process.ready()
    assert urls["callback"] == PUBLIC_URL + "/assignment"
    assert workflow(sdk, quickstart).fetch().assignment_callback_url == urls["callback"]
    agent = json.loads(record.read_text())
    assert agent["endpoints"][0]["upstream"]["url"] == urls["local"].rsplit("/", 1)[0]
    assert NGROK_SECRET not in " ".join(agent["argv"]) and agent["token_in_env"]

    token = cli_env["TWILIO_AUTH_TOKEN"]
    params = assignment_params(AccountSid=cli_env["TWILIO_ACCOUNT_SID"])
    for_local = compute_signature(token, urls["local"], params)
    assert post_form(urls["local"], params, signature=for_local).status == 403
    for_public = compute_signature(token, urls["callback"], params)
    assert post_form(urls["local"], params, signature=for_public).status == 200

    started = time.monotonic()
    assert process.stop(signal.SIGTERM) == 0
    stopped_in = time.monotonic() - started
    assert not pid_alive(agent["pid"])
    assert port_is_free(agent["port"])
    assert port_is_free(int(urls["local"].split(":")[2].split("/")[0]))  # our own port too
    print(f"serve-callback stopped {stopped_in:.2f}s after SIGTERM")
    assert stopped_in < 2.0  # threat checklist #19: agent gone and port free within 2 s
    assert workflow(sdk, quickstart).fetch().assignment_callback_url is None
    assert any("accept" in line for line in process.stdout_lines)


def run(args: list[str], env: dict[str, str], tmp_path) -> tuple[int, str, str]:
    result = CliRunner().invoke(root, ["serve-callback", *args], env=isolated_env(env, tmp_path))
    return result.exit_code, result.stdout, result.stderr


def one_error_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.startswith("Error: ")]
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr
    return lines[0]


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        ("4018", "NGROK_AUTHTOKEN"),
        ("108", "another ngrok agent is already running"),
        ("exit", "exited before the tunnel was up"),
        ("die-after-connect", "the ngrok agent exited; callbacks can no longer reach"),
    ],
)
def test_agent_failures_exit_7_with_one_line(tmp_path, mode, expected):
    ngrok = install_fake_ngrok(tmp_path)
    env = {"TWILIO_AUTH_TOKEN": "x" * 32, "FAKE_NGROK_MODE": mode, "NGROK_AUTHTOKEN": "t"}
    code, stdout, stderr = run(["--no-wire", "--tunnel", "--ngrok-path", str(ngrok)], env, tmp_path)
    assert code == 7
    assert expected in one_error_line(stderr)
    assert stdout == ""


def test_an_agent_error_quoting_the_ngrok_authtoken_is_redacted(tmp_path):
    token = "ngrok-token-quoted-by-the-agent-0451"  # unique: the redactor is process-wide
    ngrok = install_fake_ngrok(tmp_path)
    env = {"TWILIO_AUTH_TOKEN": "x" * 32, "FAKE_NGROK_MODE": "echo-token", "NGROK_AUTHTOKEN": token}
    code, stdout, stderr = run(["--no-wire", "--tunnel", "--ngrok-path", str(ngrok)], env, tmp_path)
    assert code == 7
    line = one_error_line(stderr)
    assert "ngrok failed to start" in line and "Your authtoken: ***" in line
    assert token not in stderr + stdout


def test_missing_ngrok_offline_exits_7_without_download_noise(tmp_path):
    env = {
        "TWILIO_AUTH_TOKEN": "x" * 32,
        "HTTPS_PROXY": "http://127.0.0.1:9",  # a refused proxy: the download fails offline
        "https_proxy": "http://127.0.0.1:9",
    }
    missing = tmp_path / "nowhere" / "ngrok"
    code, stdout, stderr = run(["--no-wire", "--ngrok-path", str(missing)], env, tmp_path)
    assert code == 7
    assert f"ngrok is not installed at {missing}" in one_error_line(stderr)
    assert stdout == ""


@pytest.mark.parametrize(
    ("args", "env", "code", "expected"),
    [
        (["--no-wire", "--no-tunnel"], {}, 3, "needs the account's auth token"),
        (["--no-wire", "--no-tunnel"], {"TWILIO_AUTH_TOKEN": ""}, 3, "auth token"),
        (["--no-wire", "--insecure-no-verify"], {}, 2, "refused on a public URL"),
        (
            ["--no-wire", "--no-tunnel", "--insecure-no-verify", "--host", "0.0.0.0"],
            {},
            2,
            "non-loopback --host",
        ),
        (["--no-wire", "--no-tunnel", "--instruction", "call"], {"T": ""}, 2, "needs from, url"),
        (["--no-wire", "--no-tunnel", "--param", "x=1"], {"T": ""}, 2, "not a parameter"),
        (["--no-wire", "--no-tunnel", "--activity", "Offline"], {"T": ""}, 2, "goes with"),
        (["--no-wire", "--no-tunnel", "--rules", "missing.toml"], {"T": ""}, 2, "does not exist"),
        (["--no-wire", "--no-tunnel", "--path", "x"], {"T": ""}, 2, "must start with '/'"),
        (["--public-url", "https://x", "--tunnel"], {"T": ""}, 2, "contradict"),
        (["--no-wire", "--public-url", "https://u:p@x"], {"T": ""}, 2, "userinfo"),
    ],
)
def test_bad_input_is_one_line_and_the_right_code(tmp_path, args, env, code, expected):
    if env.pop("T", None) is not None:
        env["TWILIO_AUTH_TOKEN"] = "x" * 32
    got, _, stderr = run(args, env, tmp_path)
    assert got == code, stderr
    assert expected in one_error_line(stderr)


RULES_WITH_A_BAD_TIMEOUT = """
[[rules]]
when = 'task.selected_language == "es"'
respond = { instruction = "dequeue", from = "+15005550006", timeout = 5000 }
"""


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            ["--instruction", "dequeue", "--param", "timeout=5000"],
            "--param timeout must be a whole number of seconds from 1 to 999"
            " (at most 600 when 'to' is a sip: URI), not '5000'",
        ),
        (
            ["--instruction", "dequeue", "--param", "record=yes-please"],
            "--param record must be one of do-not-record, record-from-answer, not 'yes-please'",
        ),
        (
            [
                "--instruction",
                "dequeue",
                "--param",
                "to=sip:alice@example.com",
                "--param",
                "timeout=601",
            ],
            "--param timeout must be at most 600 seconds when 'to' is a sip: URI, not '601'",
        ),
        (
            ["--rules", "RULES"],
            "rules.toml: rule 1 respond timeout must be a whole number of seconds from 1 to 999"
            " (at most 600 when 'to' is a sip: URI), not 5000",
        ),
    ],
    ids=["timeout", "record", "sip-timeout", "rules-file"],
)
def test_parameters_the_emulator_would_refuse_stop_serve_callback_before_it_serves(
    tmp_path, cli_env, sdk, quickstart, args, expected
):
    rules = tmp_path / "rules.toml"
    rules.write_text(RULES_WITH_A_BAD_TIMEOUT)
    args = [str(rules) if arg == "RULES" else arg for arg in args]
    before = workflow(sdk, quickstart).fetch().assignment_callback_url
    code, stdout, stderr = run(args, cli_env, tmp_path)
    assert code == 2, stderr
    assert stderr.splitlines() == [f"Error: {expected}"]  # nothing started, nothing wired
    assert stdout == ""
    assert workflow(sdk, quickstart).fetch().assignment_callback_url == before


def test_wiring_without_api_credentials_fails_before_starting_anything(tmp_path):
    code, stdout, stderr = run(["--no-tunnel"], {"TWILIO_AUTH_TOKEN": "x" * 32}, tmp_path)
    assert code == 3
    assert stderr.splitlines() == [one_error_line(stderr)]  # no status lines, no summary
    assert "no Twilio account SID" in stderr and stdout == ""


def test_an_unknown_workflow_fails_before_the_server_starts(serve, cli_env):
    process = serve(["--workflow", "No Such Flow"], cli_env)
    process.process.wait(timeout=30)
    assert process.stop() == 4
    errors = [line for line in process.stderr_lines if line.startswith("Error: ")]
    assert len(errors) == 1 and "No Such Flow" in errors[0]
    assert not any(line.startswith(("Callback URL", "Summary")) for line in process.stderr_lines)


def test_a_port_in_use_is_one_line_exit_9(tmp_path):
    """Binding fails inside HTTPServer.__init__, whose cleanup must not trip over itself."""
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = {"TWILIO_AUTH_TOKEN": "x" * 32}
        code, stdout, stderr = run(["--no-wire", "--no-tunnel", "--port", str(port)], env, tmp_path)
    assert code == 9, stderr  # as `emulator start` on a port in use (test_cli_everyday.py)
    assert f"cannot listen on 127.0.0.1:{port}" in one_error_line(stderr)
    assert stdout == ""
