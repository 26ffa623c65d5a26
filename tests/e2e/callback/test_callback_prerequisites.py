"""serve-callback checks what it needs before any request: the ngrok agent and its authtoken
(so a missing agent is neither downloaded nor found after the workflow was rewired) and the
auth token (an API key cannot check signatures); the agent's own error is quoted."""

from __future__ import annotations

from pathlib import Path

import pytest
from fake_ngrok import install_fake_ngrok
from run_environment import RequestLog, run_trctl


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


def trctl(env: dict[str, str], home: Path, *args: str, **options) -> object:
    environ = {**env, "TRCTL_CONFIG_DIR": str(home / "trctl"), "TWILIO_CONFIG_DIR": str(home)}
    return run_trctl(args, environ=environ, **options)


def test_ngrok_prerequisites_fail_before_any_request(cli_env, home, tmp_path):
    seen = RequestLog()
    missing = tmp_path / "nowhere" / "ngrok"
    result = trctl(cli_env, home, "serve-callback", "--tunnel", "--ngrok-path", str(missing),
                   transport=seen)  # fmt: skip
    assert result.exit_code == 7 and seen == []
    assert result.stderr.splitlines() == [
        f"Error: ngrok is not installed at {missing} (install it (https://ngrok.com/download) "
        "or point PYNGROK_NGROK_PATH / --ngrok-path at it; or use your own tunnel with "
        "--public-url)"
    ]
    agent = install_fake_ngrok(tmp_path)
    result = trctl(cli_env, home, "serve-callback", "--tunnel", "--ngrok-path", str(agent),
                   transport=seen)  # fmt: skip
    assert result.exit_code == 7 and seen == []
    assert "ngrok needs an authtoken" in result.stderr and "--public-url" in result.stderr


def test_the_agents_own_error_is_quoted(cli_env, home, tmp_path, monkeypatch):
    agent = install_fake_ngrok(tmp_path)
    monkeypatch.setenv("FAKE_NGROK_MODE", "4018")  # the agent reads the process's environment
    monkeypatch.setenv("NGROK_AUTHTOKEN", "t0k")
    result = trctl(cli_env, home, "serve-callback", "--no-wire", "--tunnel", "--ngrok-path",
                   str(agent))  # fmt: skip
    assert result.exit_code == 7
    [line] = result.stderr.splitlines()
    assert line.startswith(
        'Error: ngrok needs an authtoken (ERR_NGROK_4018); the agent said: "authentication '
        "failed: Usage of ngrok requires a verified account and authtoken."
    )


def test_an_api_key_profile_says_why_it_cannot_check_signatures(cli_env, home):
    env = {key: value for key, value in cli_env.items() if key != "TWILIO_AUTH_TOKEN"} | {
        "TWILIO_API_KEY": "SK" + "1" * 32,
        "TWILIO_API_SECRET": "key-secret",
    }
    seen = RequestLog()
    result = trctl(env, home, "serve-callback", transport=seen)
    assert result.exit_code == 3 and seen == []
    assert result.stderr.splitlines() == [
        "Error: the credentials in use (env TWILIO_API_KEY) are an API key, which can call the "
        "API but cannot check X-Twilio-Signature: Twilio signs every callback with the "
        "account's auth token (also provide the auth token: set TWILIO_AUTH_TOKEN, or add it to "
        "the profile with `trctl profiles set NAME --account-sid AC...` (it asks for it); for "
        "local experiments only, --insecure-no-verify skips the check)"
    ]
