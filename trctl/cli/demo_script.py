"""The scripted quickstart behind `trctl demo`: real trctl commands against an in-process emulator,
each step checked through the API before the next one runs."""

from __future__ import annotations

import contextlib
import json
import os
import shlex
import socket
import tempfile
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import click

from trctl.cli.environment import Environment
from trctl.errors import ListenError, StepFailed, UsageError

WORKSPACE = "TaskRouter Quickstart"
WORKFLOW = "Incoming Customer Care Requests"
SPANISH = "Customer Care Requests - Spanish"
BREAK_VARIABLE = "TRCTL_DEMO_BREAK"
BREAKS = ("callback",)
IDLE_TIMEOUT = 10.0
ACCEPT = {"instruction": "accept"}
# variables that could point the in-process commands anywhere but at the demo's emulator
FOREIGN_PREFIXES = ("TWILIO_", "TRCTL_")
KEEP = frozenset({"TRCTL_DEBUG", BREAK_VARIABLE})

INTRO = "trctl demo: the TaskRouter quickstart on a built-in emulator (no account, no network)"
NEXT_STEPS = """\
What to try next: `trctl demo --keep-running`, then in another terminal
  trctl task create --attr selected_language=en   # waits for Bob
  trctl worker set-activity Bob Idle              # reserved; callback says {}
  trctl reservation reject --worker Bob --activity Offline
  trctl workspace export                          # the workspace, as a file
The README's one-minute tour plays the same steps on `trctl emulator start`."""


@dataclass
class World:
    """What the scenario runs on: the emulator, the callback server and an API client."""

    emulator: Any
    callback: Any
    api: Any
    answer: dict[str, Any]
    env: dict[str, str]  # the demo's TWILIO_*/TRCTL_* variables (see command_variables)
    workspace_sid: str = ""
    known_tasks: set[str] = field(default_factory=set)


class Scenario:
    """Numbered steps: print the command, run it in-process, then check what happened.

    `environment` is the demo's own run Environment: the commands write to its streams and
    read the variables command_variables() makes of its variables and the world's.
    """

    def __init__(
        self,
        world: World,
        environment: Environment,
        echo: Callable[[str], None] | None = None,
        *,
        pause: bool = False,
    ) -> None:
        self.world = world
        self.environment = environment
        self.echo = echo or screen_echo(environment)
        self.step_number = 0
        self.title = ""
        self.pause = pause  # --step: wait for Enter before each step after the first
        self.paused = 0.0  # seconds spent waiting for Enter

    # ---- presentation and failure ------------------------------------------------------------

    def step(self, title: str) -> None:
        self.step_number += 1
        self.title = title
        if self.pause and self.step_number > 1:
            self.wait_for_enter()
        self.echo(f"\n[{self.step_number}] {title}")

    def wait_for_enter(self) -> None:
        """--step: say what comes next and wait for Enter (end of input: run on unpaused)."""
        clock, stderr = self.environment.clock, self.environment.stderr
        click.echo(f"\n-- press Enter for step {self.step_number} --", file=stderr, nl=False)
        started = clock.monotonic()
        if not self.environment.stdin.readline():
            self.pause = False
            click.echo("", file=stderr)
        self.paused += clock.monotonic() - started

    def ok(self, text: str) -> None:
        self.echo(f"  ok: {text}")

    def fail(self, text: str) -> StepFailed:
        return StepFailed(f"demo step {self.step_number} ({self.title}): {text}")

    # ---- running commands ------------------------------------------------------------------

    def trctl(self, *args: str, cwd: Path | None = None) -> None:
        """Run a real trctl command in this process, as the user would type it, then settle."""
        from trctl.cli import root

        self.echo(f"$ trctl {shlex.join(args)}")
        variables = command_variables(self.environment.environ, self.world.env)
        with working_directory(cwd):
            code = root.main(
                list(args),
                prog_name="trctl",
                standalone_mode=False,
                environment=self.environment.with_environ(variables),
            )
        if code != 0:
            raise self.fail(f"`trctl {shlex.join(args)}` exited with {code}")
        self.settle()

    def settle(self) -> None:
        """Wait until the emulator has routed everything and delivered its callbacks."""
        if not self.world.emulator.wait_idle(timeout=IDLE_TIMEOUT):
            raise self.fail(f"the emulator was still busy after {IDLE_TIMEOUT:.0f} s")

    # ---- reading the state back ------------------------------------------------------------

    def path(self, suffix: str = "") -> str:
        return f"/Workspaces/{self.world.workspace_sid}{suffix}"

    def worker(self, name: str) -> dict[str, Any]:
        for record in self.world.api.list(self.path("/Workers")):
            if record.get("friendly_name") == name:
                return record
        raise self.fail(f"worker {name!r} does not exist")

    def expect_activity(self, name: str, activity: str) -> None:
        actual = self.worker(name).get("activity_name")
        if actual != activity:
            raise self.fail(f"{name} is {actual!r}, the tutorial expects {activity!r}")
        self.ok(f"{name} is {activity}")

    def task(self, sid: str) -> dict[str, Any]:
        return self.world.api.fetch(self.path(f"/Tasks/{sid}"))

    def new_task(self) -> dict[str, Any]:
        tasks = self.world.api.list(self.path("/Tasks"))
        fresh = [t for t in tasks if t["sid"] not in self.world.known_tasks]
        if len(fresh) != 1:
            raise self.fail(f"expected one new task, found {len(fresh)}")
        self.world.known_tasks.add(fresh[0]["sid"])
        return fresh[0]

    def expect_task(self, sid: str, status: str, queue: str) -> dict[str, Any]:
        task = self.task(sid)
        where = task.get("task_queue_friendly_name")
        if task.get("assignment_status") != status or where != queue:
            raise self.fail(
                f"task {sid} is {task.get('assignment_status')!r} in {where!r}, "
                f"the tutorial expects {status!r} in {queue!r}"
            )
        self.ok(f"task {sid} is {status} in {queue!r}")
        return task

    def reservations(self, task_sid: str) -> list[dict[str, Any]]:
        return self.world.api.list(self.path(f"/Tasks/{task_sid}/Reservations"))

    def expect_reservation(self, task_sid: str, status: str, worker: str) -> dict[str, Any]:
        found = [
            (r.get("reservation_status"), r.get("worker_name")) for r in self.reservations(task_sid)
        ]
        for record in self.reservations(task_sid):
            if record.get("reservation_status") == status and record.get("worker_name") == worker:
                self.ok(f"reservation {record['sid']} for {worker} is {status}")
                return record
        raise self.fail(f"no {status} reservation for {worker} on {task_sid} (found {found})")

    def expect_callback(self, task_sid: str, instruction: str, worker: str) -> None:
        """The assignment callback for this task reached the server, signed, about this worker,
        and was answered with `instruction` ("none" is the empty answer {})."""
        record = next(
            (
                r
                for r in list(self.world.callback.records)
                if r.get("kind") == "assignment" and r.get("task_sid") == task_sid
            ),
            None,
        )
        if record is None:
            raise self.fail(
                f"the assignment callback for {task_sid} never arrived at {self.world.callback.url}"
            )
        if record.get("status") != 200:
            raise self.fail(f"the callback was refused with {record.get('status')}")
        if record.get("instruction") != instruction:
            raise self.fail(
                f"the callback answered {record.get('instruction')!r}, not {instruction!r}"
            )
        about = self.world.api.fetch(self.path(f"/Workers/{record.get('worker_sid')}"))
        if about.get("friendly_name") != worker:
            raise self.fail(f"the callback offered {about.get('friendly_name')!r}, not {worker!r}")
        body = "{}" if instruction == "none" else json.dumps({"instruction": instruction})
        self.ok(f"signed assignment callback for {task_sid} ({worker}) verified, answered {body}")

    # ---- the tutorial --------------------------------------------------------------------------

    def run(self, quickstart_file: Path, callback_url: str) -> None:
        self.step("Create the quickstart workspace from a file")
        self.trctl("workspace", "apply", quickstart_file.name, cwd=quickstart_file.parent)
        self.world.workspace_sid = self._workspace_sid()
        self.world.env["TRCTL_WORKSPACE_SID"] = self.world.workspace_sid
        self.ok(f"workspace {WORKSPACE!r} is {self.world.workspace_sid}")

        self.step("Point the workflow's assignment callback at the local callback server")
        self.trctl("workflow", "update", WORKFLOW, "--assignment-callback-url", callback_url)
        self.ok(f"TaskRouter will POST signed assignment callbacks to {callback_url}")

        first = self.callback_accept()
        self.rest_accept(first)

    def callback_accept(self) -> str:
        self.world.answer.clear()
        self.world.answer.update(ACCEPT)
        self.step("Alice goes Offline")
        self.alice_goes("Offline")
        self.step("Create a task for a Spanish speaker")
        task_sid = self.spanish_task()
        self.step("Alice goes Idle: TaskRouter reserves her and calls back; the server accepts")
        self.alice_goes("Idle", expected=None)
        self.expect_callback(task_sid, "accept", "Alice")
        self.expect_assigned(task_sid)
        return task_sid

    def rest_accept(self, previous_task: str) -> None:
        self.step("Finish the first task; the callback now answers {} (accept over REST)")
        self.world.answer.clear()
        self.trctl("task", "complete", previous_task, "--reason", "call finished")
        if self.task(previous_task).get("assignment_status") != "completed":
            raise self.fail(f"task {previous_task} is not completed")
        self.ok(f"task {previous_task} is completed")
        self.alice_goes("Offline")
        self.step("Create another Spanish task")
        task_sid = self.spanish_task()
        self.step("Alice goes Idle: the callback answers {} so the reservation waits")
        self.alice_goes("Idle", expected=None)
        self.expect_callback(task_sid, "none", "Alice")
        self.expect_reservation(task_sid, "pending", "Alice")
        self.expect_task(task_sid, "reserved", SPANISH)
        self.step("Accept the reservation over REST")
        self.trctl("reservation", "accept", task_sid)
        self.expect_assigned(task_sid)
        self.step("List the tasks")
        self.trctl("tasks", "list")

    def alice_goes(self, activity: str, *, expected: str | None = "") -> None:
        """Move Alice; check she is in `expected` (default: that activity; None: no check)."""
        self.trctl("worker", "set-activity", "Alice", activity)
        if expected is not None:
            self.expect_activity("Alice", expected or activity)

    def spanish_task(self) -> str:
        """Create a Spanish task; it must wait, pending, in the Spanish queue."""
        self.trctl("task", "create", "--attr", "selected_language=es")
        task_sid = str(self.new_task()["sid"])
        self.expect_task(task_sid, "pending", SPANISH)
        return task_sid

    def expect_assigned(self, task_sid: str) -> None:
        """The tutorial's end state: reservation accepted, task assigned, Alice Busy."""
        self.expect_reservation(task_sid, "accepted", "Alice")
        self.expect_task(task_sid, "assigned", SPANISH)
        self.expect_activity("Alice", "Busy")

    def _workspace_sid(self) -> str:
        named = [
            w for w in self.world.api.list("/Workspaces") if w.get("friendly_name") == WORKSPACE
        ]
        if len(named) != 1:
            raise self.fail(f"expected one workspace named {WORKSPACE!r}, found {len(named)}")
        return str(named[0]["sid"])


def screen_echo(environment: Environment) -> Callable[[str], None]:
    """Print the demo's lines on its stdout; on a terminal broken between words at its width,
    so the terminal never cuts a SID or a URL in two."""
    from trctl.cli.output import fit_lines

    width = environment.width if environment.stdout_isatty else None

    def echo(text: str) -> None:
        click.echo(text if width is None else fit_lines(text, width), file=environment.stdout)

    return echo


def command_variables(user: Mapping[str, str], demo: Mapping[str, str]) -> dict[str, str]:
    """The variables an in-process command sees: the user's, with every TWILIO_*/TRCTL_* one
    (but TRCTL_DEBUG and the break hook) replaced by the demo's."""
    kept = {k: v for k, v in user.items() if not k.startswith(FOREIGN_PREFIXES) or k in KEEP}
    return {**kept, **demo}


@contextlib.contextmanager
def working_directory(path: Path | None) -> Iterator[None]:
    """Run a command from `path` (so the file it names is shown as the user would type it)."""
    if path is None:
        yield
        return
    previous = Path.cwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(previous)


def dead_url() -> str:
    """A loopback URL nothing listens on (a port bound and released), for TRCTL_DEMO_BREAK."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/assignment"


def broken_step(environ: Mapping[str, str]) -> str | None:
    value = environ.get(BREAK_VARIABLE, "").strip()
    if value and value not in BREAKS:
        raise UsageError(f"{BREAK_VARIABLE}={value!r} is not one of: {', '.join(BREAKS)}")
    return value or None


def run_demo(
    environment: Environment,
    *,
    keep_running: bool,
    step: bool = False,
    echo: Callable[[str], None] | None = None,
    emulator_factory: Callable[[], contextlib.AbstractContextManager[Any]] | None = None,
) -> float:
    """Play the tutorial in the run's Environment; return the seconds it took (without the
    pauses of `step`, which waits for Enter between steps). StepFailed names the step that went
    wrong. `emulator_factory` makes the emulator (default: in memory, the system clock)."""
    from trctl.callback import CallbackServer

    if step and not environment.stdin_isatty:
        raise UsageError(
            "--step waits for Enter between steps and needs a terminal on stdin "
            "(leave it out to run every step at once)"
        )
    echo = echo or screen_echo(environment)
    broken = broken_step(environment.environ)
    started = environment.clock.monotonic()
    answer: dict[str, Any] = dict(ACCEPT)
    with contextlib.ExitStack() as stack:
        with listening_on_loopback():
            emulator = stack.enter_context((emulator_factory or start_emulator)())
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="trctl-demo-")))
        callback = CallbackServer(emulator.auth_token, decide=lambda request: dict(answer))
        with listening_on_loopback():
            stack.enter_context(callback)
        world = make_world(environment, emulator, callback, answer, tmp)
        echo(f"{INTRO}\n  emulator at {emulator.url}; callbacks answered at {callback.url}")
        scenario = Scenario(world, environment, echo, pause=step)
        scenario.run(quickstart_file(tmp), dead_url() if broken == "callback" else callback.url)
        elapsed = environment.clock.monotonic() - started - scenario.paused
        echo(f"\nAll {scenario.step_number} steps happened as the tutorial says ({elapsed:.1f} s).")
        echo(NEXT_STEPS)
        if keep_running:
            wait_for_interrupt(world, echo, log=partial(click.echo, file=environment.stderr))
    return elapsed


def make_world(
    environment: Environment, emulator: Any, callback: Any, answer: dict[str, Any], tmp: Path
) -> World:
    """The world, with an API client that reads the settings the commands will read."""
    from trctl.config import load_settings
    from trctl.services.client import make_client
    from trctl.services.rest import TaskRouterApi

    env = demo_environment(emulator, tmp)
    settings = load_settings({}, command_variables(environment.environ, env))
    client = make_client(settings, environment.http_client)
    return World(emulator, callback, TaskRouterApi(client), answer, env)


def quickstart_file(tmp: Path) -> Path:
    """The embedded quickstart.toml written out, so `workspace apply` reads a real file."""
    from trctl.services.workspace_quickstart import QUICKSTART_TOML

    path = tmp / "quickstart.toml"
    path.write_text(QUICKSTART_TOML, encoding="utf-8")
    return path


@contextlib.contextmanager
def listening_on_loopback() -> Iterator[None]:
    """A server of the demo could not bind a free loopback port: exit as emulator start does."""
    try:
        yield
    except OSError as exc:
        raise ListenError.binding("127.0.0.1", 0, exc) from exc


@contextlib.contextmanager
def start_emulator() -> Iterator[Any]:
    """An in-memory emulator on a free loopback port, with the system clock."""
    from trctl.emulator import Emulator

    with Emulator() as emulator:
        yield emulator


def demo_environment(emulator: Any, config_dir: Path) -> dict[str, str]:
    """The environment the in-process commands see: the emulator's, and no user profiles."""
    return {
        **emulator.env(),
        "TRCTL_CONFIG_DIR": str(config_dir / "trctl"),
        "TWILIO_CONFIG_DIR": str(config_dir / "twilio-cli"),
    }


EXPORTED = ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TRCTL_API_URL", "TRCTL_WORKSPACE_SID")


def wait_for_interrupt(
    world: World, echo: Callable[[str], None], log: Callable[[str], None]
) -> None:
    """--keep-running: print the environment to use the emulator, then wait for Ctrl-C/SIGTERM
    while `log` shows each request and callback, as `trctl emulator start` does."""
    from trctl.cli.serve_callback import stop_on_signals
    from trctl.emulator.requestlog import printer

    world.emulator.observer = printer(log)  # before the lines that invite requests
    stop = threading.Event()
    # the handlers go in before the invitation: a SIGTERM sent on reading it is a clean stop
    with stop_on_signals(stop):
        echo("\nThe emulator keeps running. In another terminal:")
        for name in EXPORTED:
            echo(f"export {name}={shlex.quote(world.env[name])}")
        echo("(the auth token is the emulator's own throwaway credential)")
        echo("Its requests and callbacks are logged on stderr as they happen.")
        echo("Press Ctrl-C to stop.")
        stop.wait()
    echo("Stopped.")
