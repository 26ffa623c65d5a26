"""Shared fixtures: an in-process emulator with a fake clock, an SDK client, the quickstart."""

from __future__ import annotations

import logging
import sys
import threading
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from quickstart_setup import Quickstart, build_quickstart, make_sdk

pytest_plugins = ("pytester",)  # tests/unit/test_thread_errors.py runs pytest on tiny files

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


class _ThreadErrors(logging.Handler):
    """Collects what background threads raised: uncaught (threading.excepthook) or caught and
    logged with its traceback (the outbox, the timer thread and the handler pools log and go on,
    so nothing else would notice)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.seen: list[str] = []
        self._previous_hook = threading.excepthook

    def hook(self, args: threading.ExceptHookArgs) -> None:
        name = args.thread.name if args.thread is not None else "?"
        raised = (args.exc_type, args.exc_value, args.exc_traceback)
        text = "".join(traceback.format_exception(*raised))
        self.seen.append(f"thread {name} raised:\n{text}")
        self._previous_hook(args)

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info and record.thread != threading.main_thread().ident:
            text = "".join(traceback.format_exception(*record.exc_info))
            self.seen.append(f"thread {record.threadName} logged {record.getMessage()!r}:\n{text}")

    def take(self) -> list[str]:
        """What was seen so far, which the test then owns (it no longer fails the test)."""
        seen, self.seen = self.seen, []
        return seen

    def __enter__(self) -> _ThreadErrors:
        threading.excepthook = self.hook
        logging.getLogger().addHandler(self)
        return self

    def __exit__(self, *exc: object) -> None:
        logging.getLogger().removeHandler(self)
        threading.excepthook = self._previous_hook


@pytest.fixture(autouse=True)
def thread_errors() -> Iterator[_ThreadErrors]:
    """Fail the test during which (setup and teardown included) a background thread raised or
    logged an exception: the emulator answering 500 or an outbox row failing must not pass
    quietly. A test that provokes one on purpose asks for this fixture and take()s what it
    expects. Its own test: tests/unit/test_thread_errors.py."""
    with _ThreadErrors() as errors:
        yield errors
    if errors.seen:
        pytest.fail("a background thread failed during the test:\n" + "\n".join(errors.seen))


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
