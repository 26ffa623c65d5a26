"""`trctl emulator deliveries`: how the running emulator's callback deliveries are going."""

from __future__ import annotations

import click

from trctl.cli.clock import emulator_api
from trctl.cli.output import Column, current_format, emit, info, list_options

LANE_COLUMNS = (
    Column("KIND", "kind", keep=True),
    Column("URL", "url", no_wrap=True, keep=True),
    Column("WAITING", "waiting"),
    Column("IN FLIGHT", "in_flight"),
    Column("DELIVERED", "delivered"),
    Column("FAILED", "failed"),
    Column("DROPPED", "dropped", keep=True),
)


@click.command("deliveries")
@list_options(LANE_COLUMNS)
def deliveries() -> None:
    """Show how callback delivery is going, per URL.

    For each destination URL and kind (assignment, event): the callbacks waiting, in flight,
    delivered, failed, and dropped. Each URL has its own lane, so a slow or dead endpoint
    delays nobody else; at most 10,000 callbacks wait per URL and the oldest beyond that is
    dropped (and counted here, and logged). Counts start when the emulator starts; URLs carry
    no credentials.
    """
    lanes = emulator_api("delivery counts").deliveries()
    if not lanes and current_format() == "table":
        info("No callbacks sent yet.")
        return
    emit(lanes, LANE_COLUMNS)
