"""Fixtures for the callback e2e tests: a started CallbackServer and a counting decide()."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from callback_support import TOKEN

from trctl.callback import CallbackServer, constant


@dataclass
class Recorder:
    """A decide() that counts its calls (the side effect the attack tests watch)."""

    answer: dict = field(default_factory=lambda: {"instruction": "accept"})
    calls: list = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, request: Any) -> dict:
        with self.lock:
            self.calls.append(request.reservation_sid)
        return constant(self.answer)(request)


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def server(recorder: Recorder) -> Iterator[CallbackServer]:
    srv = CallbackServer(TOKEN, decide=recorder, header_timeout=1.0, body_deadline=0.5)
    srv.start()
    try:
        yield srv
    finally:
        srv.stop()
