"""Fixtures of the serve-callback tests: serve-callback processes, killed at the end."""

from __future__ import annotations

import pytest
from serve_process import ServeCallback, isolated_env


@pytest.fixture
def serve(tmp_path):
    started: list[ServeCallback] = []

    def start(args: list[str], env: dict[str, str]) -> ServeCallback:
        process = ServeCallback(args, isolated_env(env, tmp_path))
        started.append(process)
        return process

    yield start
    for process in started:
        process.kill()
