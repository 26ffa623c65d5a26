"""Proxy variables do not reach requests to an emulator on this machine's loopback."""

from __future__ import annotations

from typing import Any

import pytest
from cli_support import as_json


def test_a_proxy_in_the_environment_does_not_misroute_loopback_requests(
    emulator: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY"):
        monkeypatch.setenv(name, "http://127.0.0.1:9")  # nothing listens there
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    assert as_json(emulator.env(), "workspaces", "list") == []
