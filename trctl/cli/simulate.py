"""`trctl simulate`: a scripted contact centre against the current workspace, and its service
level at the end of the day."""

from __future__ import annotations

from typing import Any

import click

from trctl.cli.context import get_app
from trctl.cli.output import Column, current_format, emit, emit_one, info, out, output_options
from trctl.errors import UsageError

TWILIO_RATE = 10.0  # requests a second against TaskRouter unless --max-rate says otherwise
QUEUE_COLUMNS = (
    Column("QUEUE", "friendly_name", 40),
    Column("WAIT P50", lambda q: _duration(q["wait_p50"])),
    Column("WAIT P95", lambda q: _duration(q["wait_p95"])),
    Column("WAIT MAX", lambda q: _duration(q["wait_max"])),
)


def _duration(seconds: float) -> str:
    from trctl.services.durations import format_duration

    return format_duration(seconds)


@click.command("simulate")
@click.argument("scenario_file", metavar="[SCENARIO]", required=False)
@click.option("--workers", type=click.IntRange(1, 15_000), help="Scripted workers [default: 50].")
@click.option(
    "--tasks", type=click.IntRange(0, 500_000), help="Tasks over the day [default: 5000]."
)
@click.option("--duration", metavar="DURATION", help="The day's length: 8h, 30m [default: 8h].")
@click.option("--seed", type=int, help="Same seed, same day: every draw depends on it.")
@click.option(
    "--max-rate",
    type=click.FloatRange(min=0.1),
    metavar="N",
    help=f"At most N requests a second [default: {TWILIO_RATE:g} against TaskRouter, "
    "no limit against the emulator].",
)
@click.option("--keep-workers", is_flag=True, help="Leave the scripted workers in the workspace.")
@click.option("--yes", is_flag=True, help="Run against real TaskRouter (its tasks are billed).")
@output_options
def simulate(
    scenario_file: str | None,
    workers: int | None,
    tasks: int | None,
    duration: str | None,
    seed: int | None,
    max_rate: float | None,
    keep_workers: bool,
    yes: bool,
) -> None:
    """Simulate a day of a contact centre on the workspace.

    Scripted workers (created as sim-001, sim-002, ...) go available, accept each reservation
    after a delay or reject a share, handle the task for a drawn time, wrap up and complete;
    tasks arrive over the day with attributes drawn from weighted examples (SCENARIO, a TOML or
    JSON file: see examples/simulate-day.toml). Everything goes through the REST API, so it runs
    against TaskRouter too (with --yes, at most --max-rate requests a second). On an emulator
    started with `--clock manual` the day runs in simulated time: the simulation moves the clock
    itself. At the end, open tasks are completed or canceled and the workers removed.

    The summary: tasks handled, the wait until accepted per queue (p50, p95, max), reservations
    rejected and timed out, and occupancy (time busy over time at work).
    """
    from trctl.cli.params import make_resolver
    from trctl.services.client import is_twilio
    from trctl.services.durations import parse_duration
    from trctl.services.scenario import load_scenario
    from trctl.services.simulate import Pacer, Simulator

    scenario = load_scenario(scenario_file)
    if workers is not None:
        scenario.workers = workers
    if tasks is not None:
        scenario.tasks = tasks
    if duration is not None:
        scenario.duration = parse_duration(duration, what="--duration")
    scenario.check()
    app = get_app()
    twilio = is_twilio(app.settings.api_url)
    resolver = make_resolver()
    if twilio and not yes:
        raise UsageError(
            f"simulate would create {scenario.workers} workers and {scenario.tasks} tasks in "
            f"workspace {resolver.workspace_sid} on TaskRouter, where tasks are billed",
            hint="add --yes to go ahead, or point --api-url at the emulator",
        )
    timeline = _timeline(twilio)
    rate = max_rate if max_rate is not None else (TWILIO_RATE if twilio else None)
    clock = app.env.clock
    if seed is None:
        import random

        seed = random.SystemRandom().randrange(1_000_000)
        info(f"seed {seed} (run again with --seed {seed} for the same day)")
    simulator = Simulator(
        resolver,
        scenario,
        seed=seed,
        timeline=timeline,
        pacer=Pacer(clock, rate),
        progress=_progress(timeline.simulated),
        keep_workers=keep_workers,
    )
    summary = simulator.run()
    if app.env.stderr_isatty:  # the live line gives way to the summary
        click.echo(f"\r{' ' * (app.env.width - 1)}\r", file=app.env.stderr, nl=False)
    if current_format() == "json":
        emit_one(summary, ())
    elif current_format() == "csv":
        emit(summary["queues"], QUEUE_COLUMNS)
    else:
        _show(summary)


def _timeline(twilio: bool) -> Any:
    """The emulator's manual clock when it has one (simulated time), else real time."""
    from trctl.services.simulate import ManualTimeline, RealTimeline

    app = get_app()
    if not twilio:
        from trctl.errors import NotFoundError
        from trctl.services.emulator_api import EmulatorApi, emulator_url

        control = EmulatorApi(app.client, emulator_url(app.settings.api_url, "the clock"))
        try:
            if control.clock()["mode"] == "manual":
                return ManualTimeline(control)
        except NotFoundError:
            pass  # a TaskRouter double without the emulator's clock
    return RealTimeline(app.env.clock)


def _progress(simulated: bool) -> Any:
    """A live line on a terminal (at most 5 a second), else a line per simulated hour."""
    from trctl.services.durations import format_duration

    env = get_app().env
    state = {"shown": -1.0, "hour": 0}

    def show(snapshot: dict[str, Any]) -> None:
        line = (
            f"{format_duration(snapshot['now'])} of {format_duration(snapshot['duration'])} "
            f"{'simulated' if simulated else 'in real time'}: {snapshot['created']} tasks, "
            f"{snapshot['handled']} handled, {snapshot['waiting']} waiting, "
            f"{snapshot['busy']}/{snapshot['workers']} busy"
        )
        if env.stderr_isatty:
            now = env.clock.monotonic()
            if now - state["shown"] >= 0.2:
                state["shown"] = now
                click.echo(f"\r{line[: env.width - 1]:<{env.width - 1}}", file=env.stderr, nl=False)
        elif snapshot["now"] >= (state["hour"] + 1) * 3600:
            state["hour"] = int(snapshot["now"] // 3600)
            click.echo(line, file=env.stderr)

    return show


def _show(summary: dict[str, Any]) -> None:
    reservations = summary["reservations"]
    out(
        f"Simulated {_duration(summary['simulated_seconds'])}: {summary['tasks_created']} tasks "
        f"created, {summary['tasks_handled']} handled; occupancy {summary['occupancy']:.1%}"
    )
    out(f"Reservations: {reservations['rejected']} rejected, {reservations['timeout']} timed out")
    out("")
    emit(summary["queues"], QUEUE_COLUMNS)
