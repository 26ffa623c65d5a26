"""Shared fixtures: an in-process emulator with a fake clock, an SDK client, the quickstart."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from quickstart_setup import Quickstart, build_quickstart, make_sdk

# Settings a developer may have in their shell; no test may read them by accident.
_OUTSIDE_SETTINGS = (
    "TWILIO_ACCOUNT_SID",
    "TWILIO_AUTH_TOKEN",
    "TWILIO_API_KEY",
    "TWILIO_API_SECRET",
    "TRCTL_WORKSPACE_SID",
    "TRCTL_WORKFLOW_SID",
    "TRCTL_API_URL",
    "TRCTL_PROFILE",
    "TRCTL_DEBUG",
    "NGROK_AUTHTOKEN",
    "PYNGROK_NGROK_PATH",
)


@pytest.fixture(autouse=True)
def _isolated_settings(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Keep every test away from the developer's own profiles, twilio-cli login and data."""
    for name in _OUTSIDE_SETTINGS:
        monkeypatch.delenv(name, raising=False)
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("TRCTL_CONFIG_DIR", str(home / "trctl-config"))
    monkeypatch.setenv("TWILIO_CONFIG_DIR", str(home / "twilio-cli"))
    monkeypatch.setenv("TRCTL_DATA_DIR", str(home / "trctl-data"))


@pytest.fixture
def emulator() -> Iterator[Any]:
    """A started in-memory Emulator on 127.0.0.1 (port 0) driven by a FakeClock."""
    from trctl.emulator import Emulator, FakeClock

    with Emulator(db_path=":memory:", clock=FakeClock()) as emu:
        yield emu


@pytest.fixture
def sdk(emulator: Any) -> Any:
    return make_sdk(emulator)


@pytest.fixture
def quickstart(sdk: Any) -> Quickstart:
    """The TaskRouter quickstart workspace, built through the SDK (no callback URL)."""
    return build_quickstart(sdk)


@pytest.fixture
def cli_env(emulator: Any, quickstart: Quickstart) -> dict[str, str]:
    """Environment for running trctl against the emulator's quickstart workspace."""
    return {**emulator.env(), "TRCTL_WORKSPACE_SID": quickstart.workspace_sid}
