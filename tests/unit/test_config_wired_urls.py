"""The callback URLs serve-callback saves: keyed by API, workspace, resource and field; private
like the profiles; credentials in a URL never written."""

from __future__ import annotations

import os
import stat

import pytest

from trctl.config.wired_urls import (
    WIRED_FILE,
    WiredUrl,
    forget,
    read_wired,
    remember,
    saved_for,
    without_credentials,
)
from trctl.errors import ConfigError


def entry(**changes: object) -> WiredUrl:
    values = {
        "api_url": "http://127.0.0.1:7401/",
        "workspace_sid": "WS1",
        "resource_sid": "WW1",
        "field": "assignment_callback_url",
        "previous": "https://app.example.com/cb",
        "ours": "http://127.0.0.1:4000/assignment",
        "local_url": "http://127.0.0.1:4000/assignment",
        "pid": 42,
        "since": 1.0,
    }
    values.update(changes)
    return WiredUrl(**values)  # type: ignore[arg-type]


@pytest.fixture
def env(tmp_path) -> dict[str, str]:
    return {"TRCTL_CONFIG_DIR": str(tmp_path / "trctl")}


def test_remember_read_and_forget(env, tmp_path):
    saved = remember(env, entry())
    assert saved.key == "http://127.0.0.1:7401|WS1|WW1|assignment_callback_url"
    path = tmp_path / "trctl" / WIRED_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert read_wired(env) == {saved.key: saved}
    remember(env, entry(resource_sid="WS1", field="event_callback_url"))
    assert len(saved_for(env, "http://127.0.0.1:7401", "WS1")) == 2
    assert saved_for(env, None, "WS1") == []  # another API: TaskRouter's own
    forget(env, saved.key)
    assert list(read_wired(env)) == ["http://127.0.0.1:7401|WS1|WS1|event_callback_url"]


def test_credentials_are_dropped_and_marked(env, tmp_path):
    saved = remember(env, entry(previous="https://u:pw-secret@app.example.com/cb#rc=2"))
    assert (saved.previous, saved.withheld) == ("https://app.example.com/cb#rc=2", True)
    assert "pw-secret" not in (tmp_path / "trctl" / WIRED_FILE).read_text()
    assert without_credentials("https://app.example.com/x") == ("https://app.example.com/x", False)


def test_a_file_others_can_read_is_refused(env, tmp_path):
    remember(env, entry())
    path = tmp_path / "trctl" / WIRED_FILE
    os.chmod(path, 0o644)
    with pytest.raises(ConfigError, match="accessible by other users"):
        read_wired(env)


def test_no_file_means_nothing_saved(env):
    assert read_wired(env) == {}
    forget(env, "nothing")  # no file is written for nothing
