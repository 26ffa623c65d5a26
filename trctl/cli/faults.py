"""`trctl emulator faults add|list|clear`: make the running emulator misbehave, on purpose."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import click

from trctl.cli.clock import emulator_api
from trctl.cli.output import Column, current_format, emit, info, out, output_options
from trctl.errors import UsageError
from trctl.services.durations import format_duration

RULE_COLUMNS = (
    Column("ID", "id"),
    Column("ON", lambda r: "api" if "api" in r else "callback"),
    Column("PATTERN", lambda r: r.get("api") or r.get("callback")),
    Column("FAULT", lambda r: fault_text(r)),
    Column("PROBABILITY", lambda r: r.get("probability", 1)),
    Column("REMAINING", lambda r: "-" if r.get("remaining") is None else r["remaining"]),
    Column("INJECTED", "injected"),
)


def fault_text(rule: Mapping[str, Any]) -> str:
    """`429 Retry-After 1`, `drop`, `delay 2s`: what a rule does, in a few words."""
    parts = [str(rule[key]) for key in ("status", "action") if key in rule and key != "delay"]
    if "retry_after" in rule:
        parts.append(f"Retry-After {rule['retry_after']:g}")
    if "delay" in rule:
        parts = [p for p in parts if p != "delay"] + [f"delay {format_duration(rule['delay'])}"]
    if rule.get("times"):
        parts.append(f"(next {rule['times']})")
    return " ".join(parts)


@click.group("faults")
def faults() -> None:
    """Make the running emulator fail like a real network would.

    API requests matching a method and path pattern get 429 with Retry-After, 500/502/503/504,
    or a delay; callback deliveries to a URL pattern are delayed, dropped, duplicated (same
    idempotency token, as TaskRouter's retries) or reordered. Each rule fires with a
    probability and/or for the next N matches; every fault it injects is in the request log.
    `trctl emulator start --faults FILE` loads rules at start (TOML or JSON).
    """


@faults.command("add")
@click.option(
    "--api",
    "api",
    metavar="'[METHOD] /PATH'",
    help="API requests to fail: a method (or *) and a path pattern, * matching "
    "anything, e.g. 'POST /v1/Workspaces/*/Tasks'.",
)
@click.option(
    "--callback",
    metavar="URL",
    help="Callback deliveries to disturb: a URL pattern, "
    "e.g. '*/assignment' (matched without credentials and #fragment).",
)
@click.option(
    "--status",
    type=int,
    metavar="429|500|502|503|504",
    help="API rules: answer this instead (the work is not done).",
)
@click.option(
    "--retry-after",
    metavar="SECONDS",
    help="With --status 429 or 503: the Retry-After header [default for 429: 1].",
)
@click.option(
    "--action",
    metavar="delay|drop|duplicate|reorder",
    help="Callback rules: what happens to each matching delivery.",
)
@click.option(
    "--delay",
    metavar="DURATION",
    help="Answer (API) or deliver (callback) this much later, in real time: 2s, 500ms.",
)
@click.option("--probability", metavar="P", help="Fire with this probability, 0 to 1 [default: 1].")
@click.option("--times", metavar="N", help="Fire for the next N matches only [default: always].")
@output_options
def faults_add(**options: str | None) -> None:
    """Add a fault rule to the running emulator; it takes effect at once.

    \b
    trctl emulator faults add --api 'POST /v1/Workspaces/*/Tasks' --status 429 --times 2
    trctl emulator faults add --api 'GET /v1/*' --status 503 --probability 0.1
    trctl emulator faults add --callback '*/assignment' --action duplicate --times 1
    trctl emulator faults add --callback '*/events' --action delay --delay 3s
    """
    from trctl.services.durations import parse_duration

    fields = {key: value for key, value in options.items() if value is not None}
    if "delay" in fields:
        fields["delay"] = repr(parse_duration(fields["delay"], what="--delay"))
    if not fields.get("api") and not fields.get("callback"):
        raise UsageError("give --api '[METHOD] /PATH' or --callback URL")
    rule = emulator_api("fault injection").add_fault(fields)
    if current_format() == "table":
        out(f"{rule['id']}: {rule.get('api') or rule.get('callback')} -> {fault_text(rule)}")
    else:
        emit([rule], RULE_COLUMNS)


@faults.command("list")
@output_options
def faults_list() -> None:
    """List the fault rules in force and how often each fired."""
    rules = emulator_api("fault injection").faults()
    if not rules and current_format() == "table":
        info("No fault rules (trctl emulator faults add ...).")
        return
    emit(rules, RULE_COLUMNS)


@faults.command("clear")
@click.argument("rule", required=False, metavar="[RULE]")
def faults_clear(rule: str | None) -> None:
    """Remove one fault rule (F1, F2, ...) or, without RULE, all of them."""
    if rule is not None and not (rule[:1].upper() == "F" and rule[1:].isdigit()):
        raise UsageError(f"RULE must be a rule id such as F1, not {rule!r}")
    emulator_api("fault injection").clear_faults(rule.upper() if rule else None)
    info(f"Removed fault rule {rule.upper()}." if rule else "Removed every fault rule.")
