"""Run trctl in an Environment a test chose (variables, terminals, clock, HTTP transport), so no
test patches trctl's modules or os.environ to fake a terminal, a variable or time passing."""

from __future__ import annotations

import io
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any
from urllib.parse import parse_qsl

import click
from click.testing import CliRunner

from trctl.cli import root
from trctl.cli.context import AppContext
from trctl.cli.environment import Environment
from trctl.redact import disable_debug_logging
from trctl.services.http import RetryingHttpClient


class RecordingClock:
    """Monotonic time that moves only when slept: every pause is recorded, none is waited."""

    def __init__(self) -> None:
        self.slept: list[float] = []

    def monotonic(self) -> float:
        return sum(self.slept)

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)


class SetClock:
    """Monotonic time a test sets; nothing sleeps."""

    def __init__(self) -> None:
        self.now = 0.0

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def variables(values: Mapping[str, str | None]) -> dict[str, str]:
    """A variables mapping from test values; None means unset (as in CliRunner's env)."""
    return {name: value for name, value in values.items() if value is not None}


def string_environment(environ: Mapping[str, str | None] = {}, **options: Any) -> Environment:
    """An Environment on io.StringIO streams (read them back with .getvalue())."""
    return Environment(
        environ=variables(environ),
        stdin=io.StringIO(),
        stdout=io.StringIO(),
        stderr=io.StringIO(),
        **options,
    )


@contextmanager
def running_in(environment: Environment) -> Iterator[AppContext]:
    """A click context whose AppContext holds `environment`, for code that calls get_app()."""
    app = AppContext(environment)
    with click.Context(click.Command("test"), obj=app):
        yield app


class Ran:
    """What an in-process run left: its exit code and what it wrote."""

    def __init__(self, exit_code: int, stdout: str, stderr: str, output: str) -> None:
        self.exit_code = exit_code
        self.stdout = stdout
        self.stderr = stderr
        self.output = output  # stdout and stderr interleaved

    def __repr__(self) -> str:
        return f"Ran(exit_code={self.exit_code}, stdout={self.stdout!r}, stderr={self.stderr!r})"


def run_trctl(
    args: Sequence[str],
    *,
    environ: Mapping[str, str | None],
    input: str | None = None,
    **options: Any,
) -> Ran:
    """Run `trctl ARGS` in-process in Environment(environ=environ, **options) on click's test
    streams (stdin holds `input`; click's own prompts and help land there too). os.environ is
    left alone: the command reads only `environ`."""
    with CliRunner().isolation(input=input) as (stdout, stderr, output):
        environment = Environment(environ=variables(environ), **options)
        try:
            code = root.main(
                list(args), prog_name="trctl", standalone_mode=False, environment=environment
            )
        finally:
            disable_debug_logging()  # --debug turns on HTTP logging for the whole process
        environment.stdout.flush()
        environment.stderr.flush()
        return Ran(
            code,
            stdout.getvalue().decode(),
            stderr.getvalue().decode(),
            output.getvalue().decode(),
        )


class RequestLog(list):
    """(method, path after /v1/, query params) of every request sent through it: it is the
    run Environment's transport (trctl's own client, recording what it sends)."""

    def __call__(self, **options: Any) -> RetryingHttpClient:
        return Counting(self, **options)


class Counting(RetryingHttpClient):
    def __init__(self, log: RequestLog, **options: Any) -> None:
        super().__init__(**options)
        self.log = log

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        path, _, query = url.split("/v1/", 1)[1].partition("?")
        params = dict(kwargs.get("params") or {}) | dict(parse_qsl(query))
        self.log.append((method, path, params))
        return super().request(method, url, *args, **kwargs)
