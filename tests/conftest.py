"""Shared fixtures: an in-process emulator with a fake clock, an SDK client, the quickstart."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from quickstart_setup import Quickstart, build_quickstart


@pytest.fixture
def emulator() -> Iterator[Any]:
    """A started in-memory Emulator on 127.0.0.1 (port 0) driven by a FakeClock."""
    from trctl.emulator import Emulator, FakeClock

    with Emulator(db_path=":memory:", clock=FakeClock()) as emu:
        yield emu


def make_sdk(emu: Any) -> Any:
    """A twilio Client pointed at the emulator."""
    from twilio.rest import Client

    client = Client(emu.account_sid, emu.auth_token)
    client.taskrouter.base_url = emu.url
    return client


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
