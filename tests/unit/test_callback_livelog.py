"""Live-log lines and the exit summary of serve-callback."""

from __future__ import annotations

from trctl.callback.livelog import plain_line, short_json, summary_line

RECORD = {
    "time": "2026-11-30T03:00:01.234+00:00",
    "kind": "assignment",
    "reservation_sid": "WR1",
    "task_sid": "WT1",
    "task_attributes": {"selected_language": "es"},
    "worker_sid": "WK1",
    "instruction": "accept",
    "replayed": False,
    "latency_ms": 1.26,
}


def test_assignment_line_shows_the_worker_name_when_known():
    line = plain_line(RECORD, lambda sid: "Alice")
    assert line == '03:00:01.234  WR1  WT1 {"selected_language":"es"}  Alice (WK1)  accept  1.3 ms'


def test_replays_rules_refusals_and_events_are_labelled():
    replay = plain_line({**RECORD, "replayed": True, "rule": "rule 2"})
    assert "accept (replay) [rule 2]" in replay
    refused = plain_line(
        {
            "time": RECORD["time"],
            "kind": "refused",
            "status": 403,
            "method": "POST",
            "path": "/assignment",
            "reason": "X-Twilio-Signature does not match",
            "latency_ms": 0.4,
        }
    )
    assert (
        refused
        == "03:00:01.234  403 refused  POST /assignment  X-Twilio-Signature does not match  0.4 ms"
    )
    event = plain_line(
        {
            "time": RECORD["time"],
            "kind": "event",
            "event_type": "task.created",
            "resource_sid": "WT1",
            "description": "Task WT1 created",
            "latency_ms": 0.2,
        }
    )
    assert "event  task.created  WT1  Task WT1 created" in event


def test_long_attributes_are_shortened():
    text = short_json({"k": "x" * 100}, width=20)
    assert len(text) == 20 and text.endswith("…")


def test_summary_counts():
    counts = {
        "answered:accept": 2,
        "answered:reject": 1,
        "replayed": 1,
        "status:200": 4,
        "status:403": 2,
        "status:204": 5,
        "events": 5,
    }
    assert summary_line(counts) == (
        "Summary: 3 answered (accept 2, reject 1), 1 replayed, 2 refused (403 2), 5 events"
    )
    assert summary_line({}) == "Summary: 0 answered, 0 replayed, 0 refused"


def test_the_terminal_line_has_the_same_text_as_the_piped_one():
    from trctl.callback.livelog import fields
    from trctl.cli.serve_support import LiveLog

    styled = LiveLog._styled(fields(RECORD), RECORD)
    assert styled.plain == plain_line(RECORD)
    assert any(span.style == "bold green" for span in styled.spans)


def test_a_tunnel_is_needed_only_for_a_remote_api():
    from trctl.cli.serve_callback import needs_tunnel

    assert needs_tunnel(None)
    assert needs_tunnel("https://taskrouter.twilio.com")
    assert not needs_tunnel("http://127.0.0.1:8080")
    assert not needs_tunnel("https://localhost:8443")
    assert not needs_tunnel("http://emulator.internal:8080")  # plain http: not Twilio


def test_on_an_80_column_terminal_no_sid_is_split_across_lines():
    """A live-log line is wider than 80 columns: on a terminal it is broken between words, in
    colour or not, so the terminal never cuts a SID in two; piped, it stays one line."""
    import re

    from run_environment import running_in, string_environment

    from trctl.cli.serve_support import LiveLog

    sids = {"reservation_sid": "WR" + "1" * 32, "task_sid": "WT" + "2" * 32}
    record = {**RECORD, **sids, "worker_sid": "WK" + "3" * 32}
    for no_color, terminal in (("", True), ("1", True), ("1", False)):
        environment = string_environment(
            {"NO_COLOR": no_color, "COLUMNS": "80"}, stdout_isatty=terminal
        )
        with running_in(environment):
            log = LiveLog(json_lines=False)
        log.write(record)
        shown = re.sub(r"\x1b\[[0-9;]*m", "", environment.stdout.getvalue()).splitlines()
        assert len(shown) > 1 if terminal else len(shown) == 1, shown
        assert all(len(line) <= 80 for line in shown) or not terminal
        for sid in (*sids.values(), record["worker_sid"]):
            assert any(sid in line for line in shown), (sid, shown)
