"""open_tunnel against a fake ngrok agent: the URL, the argv without secrets, each failure."""

from __future__ import annotations

import json

import pytest
from fake_ngrok import PUBLIC_URL, install_fake_ngrok, pid_alive

from trctl.callback.tunnel import open_tunnel
from trctl.errors import TunnelError

NGROK_SECRET = "ngrok-secret-authtoken-never-on-argv"


@pytest.fixture
def fake(tmp_path, monkeypatch):
    monkeypatch.setenv("NGROK_AUTHTOKEN", NGROK_SECRET)
    monkeypatch.setenv("FAKE_NGROK_RECORD", str(tmp_path / "record.json"))
    config = tmp_path / "ngrok.yml"
    config.write_text("version: '3'\n")
    return {"path": str(install_fake_ngrok(tmp_path)), "config": str(config), "tmp": tmp_path}


def _record(fake) -> dict:
    return json.loads((fake["tmp"] / "record.json").read_text())


def test_tunnel_opens_to_the_local_url_without_the_token_on_argv(fake):
    tunnel = open_tunnel(
        "http://127.0.0.1:8123", ngrok_path=fake["path"], config_path=fake["config"]
    )
    try:
        assert tunnel.public_url == PUBLIC_URL
        assert tunnel.alive()
        record = _record(fake)
        assert record["endpoints"][0]["upstream"] == {"url": "http://127.0.0.1:8123"}
        assert record["token_in_env"] is True
        assert NGROK_SECRET not in " ".join(record["argv"])
        assert "--authtoken" not in record["argv"]
        pid = tunnel.agent_pid
    finally:
        tunnel.close()
    assert not pid_alive(pid)
    assert not tunnel.alive()


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        ("4018", "NGROK_AUTHTOKEN"),
        ("108", "another ngrok agent is already running"),
        ("exit", "exited before the tunnel was up"),
    ],
)
def test_agent_failures_become_one_line_tunnel_errors(fake, monkeypatch, mode, expected):
    monkeypatch.setenv("FAKE_NGROK_MODE", mode)
    with pytest.raises(TunnelError) as caught:
        open_tunnel("http://127.0.0.1:8123", ngrok_path=fake["path"], config_path=fake["config"])
    line = caught.value.one_line()
    assert expected in line
    assert "\n" not in line
    assert caught.value.exit_code == 7
    assert not pid_alive(_record(fake)["pid"])


def test_missing_binary_offline_is_a_tunnel_error(tmp_path, monkeypatch, capfd):
    # downloads go through a proxy that refuses connections: no real network is touched
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:9")
    monkeypatch.setenv("https_proxy", "http://127.0.0.1:9")
    missing = tmp_path / "bin" / "ngrok"
    config = tmp_path / "ngrok.yml"
    with pytest.raises(TunnelError) as caught:
        open_tunnel("http://127.0.0.1:8123", ngrok_path=str(missing), config_path=str(config))
    assert f"ngrok is not installed at {missing}" in caught.value.one_line()
    assert "PYNGROK_NGROK_PATH" in caught.value.one_line()
    assert capfd.readouterr().out == ""  # no download progress on stdout


def test_the_agent_path_may_come_from_pyngrok_ngrok_path(fake, monkeypatch):
    monkeypatch.setenv("PYNGROK_NGROK_PATH", fake["path"])
    tunnel = open_tunnel("http://127.0.0.1:8123", config_path=fake["config"])
    try:
        assert tunnel.public_url == PUBLIC_URL
        assert tunnel.config.ngrok_path == fake["path"]
    finally:
        tunnel.close()


def test_no_authtoken_anywhere_fails_before_the_agent_starts(fake, monkeypatch):
    monkeypatch.delenv("NGROK_AUTHTOKEN")
    with pytest.raises(TunnelError) as caught:
        open_tunnel("http://127.0.0.1:8123", ngrok_path=fake["path"], config_path=fake["config"])
    line = caught.value.one_line()
    assert "ngrok needs an authtoken" in line and fake["config"] in line
    assert "NGROK_AUTHTOKEN" in line
    assert not (fake["tmp"] / "record.json").exists()  # the agent never ran


@pytest.mark.parametrize(
    "config", ["version: '3'\nagent:\n  authtoken: abc123\n", 'authtoken: "abc123"\n']
)
def test_an_authtoken_in_ngrok_config_is_enough(fake, monkeypatch, config):
    monkeypatch.delenv("NGROK_AUTHTOKEN")
    with open(fake["config"], "w") as handle:
        handle.write(config)
    tunnel = open_tunnel(
        "http://127.0.0.1:8123", ngrok_path=fake["path"], config_path=fake["config"]
    )
    try:
        assert tunnel.public_url == PUBLIC_URL
    finally:
        tunnel.close()
