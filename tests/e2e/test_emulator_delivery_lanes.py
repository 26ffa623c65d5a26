"""Callback deliveries do not wait for each other: a stuck or dead URL delays nobody else,
events to one URL keep their order, a backlog is bounded and its drops are counted."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from cli_support import as_json, failed, ok
from emulator_callbacks import CallbackServer, defer
from quickstart_setup import build_quickstart, make_sdk

from trctl.emulator import Emulator, FakeClock
from trctl.emulator.delivery import outbox as outbox_module

ES = json.dumps({"selected_language": "es"})


@contextmanager
def serving(serve: Callable[[socket.socket], None]) -> Iterator[str]:
    """An /events URL on a loopback listener that serve(listener) serves in a thread."""
    listener = socket.create_server(("127.0.0.1", 0))
    thread = threading.Thread(target=serve, args=(listener,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/events"
    finally:
        listener.close()
        thread.join(2)


@contextmanager
def black_hole() -> Iterator[str]:
    """A URL whose server accepts connections and reads requests, but never answers."""
    held: list[socket.socket] = []

    def hold(listener: socket.socket) -> None:
        listener.settimeout(0.1)
        while True:
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:  # closed: the test is over
                return
            held.append(conn)

    try:
        with serving(hold) as url:
            yield url
    finally:
        for conn in held:
            conn.close()


def test_a_stuck_event_url_does_not_delay_assignment_callbacks() -> None:
    """Before: four workspaces whose event URL never answered held every outbox thread, and
    another workspace's assignment callback waited 35-60 s."""
    with black_hole() as stuck, Emulator(clock=FakeClock()) as emu:
        sdk = make_sdk(emu)
        for n in range(4):  # events galore to a URL that never answers, 15 s each
            sdk.taskrouter.v1.workspaces.create(
                friendly_name=f"Stuck {n}", event_callback_url=stuck
            )
        with CallbackServer(emu.auth_token) as app:
            qs = build_quickstart(sdk, assignment_callback_url=app.url())
            ws = sdk.taskrouter.v1.workspaces(qs.workspace_sid)
            ws.update(event_callback_url=stuck)  # the same workspace's events are stuck too
            ws.workers(qs.workers["Alice"]).update(activity_sid=qs.activities["Idle"])
            started = time.monotonic()
            task = ws.tasks.create(attributes=ES, workflow_sid=qs.workflow_sid)
            (received,) = app.wait_for(1, timeout=5)
            assert time.monotonic() - started < 1.0
            assert received.params["TaskSid"] == task.sid
            deadline = time.monotonic() + 5
            while ws.tasks(task.sid).fetch().assignment_status != "assigned":
                assert time.monotonic() < deadline
                time.sleep(0.01)


def test_events_to_one_url_arrive_in_the_order_they_happened() -> None:
    with Emulator(clock=FakeClock()) as emu, CallbackServer(emu.auth_token, defer) as app:
        sdk = make_sdk(emu)
        qs = build_quickstart(sdk)
        ws = sdk.taskrouter.v1.workspaces(qs.workspace_sid)
        ws.update(event_callback_url=app.url("/events"))
        for _ in range(20):
            ws.tasks.create(attributes=ES, workflow_sid=qs.workflow_sid)
        assert emu.wait_idle(10)
        received = [item.params["Sid"] for item in app.received if item.path == "/events"]
        recorded = [e.sid for e in ws.events.list(minutes=60, page_size=1000)]
        assert len(received) >= 80  # 4 events per task and more
        assert received == sorted(received, key=recorded.index)  # the list is oldest first


def test_a_dead_urls_backlog_is_bounded_and_its_drops_are_counted(caplog: Any) -> None:
    with black_hole() as stuck, Emulator(clock=FakeClock()) as emu:
        emu.outbox.max_backlog = 5
        sdk = make_sdk(emu)
        with_password = stuck.replace("http://", "http://hook:s3cret-pw@")
        ws_sid = sdk.taskrouter.v1.workspaces.create(
            friendly_name="Stuck", event_callback_url=with_password
        ).sid
        ws = sdk.taskrouter.v1.workspaces(ws_sid)
        for n in range(50):
            ws.activities.create(friendly_name=f"A{n}")  # one event each
        deadline = time.monotonic() + 5
        while True:
            (lane,) = [lane for lane in emu.delivery_summary() if lane["kind"] == "event"]
            if lane["dropped"] or time.monotonic() > deadline:
                break
            time.sleep(0.01)
        window = outbox_module.EVENTS_IN_FLIGHT  # sent, pipelined, never answered
        assert lane["url"] == stuck and lane["in_flight"] == window
        assert lane["waiting"] == 5  # the bound
        assert lane["dropped"] == 50 + 1 - window - 5  # workspace.created and 50 activities
        assert "dropped" in caplog.text and stuck in caplog.text
        assert "s3cret-pw" not in caplog.text
        # the same counts over HTTP and from the CLI, without the URL's password
        assert as_json(emu.env(), "emulator", "deliveries") == emu.delivery_summary()
        table = ok(emu.env(), "emulator", "deliveries", "--columns", "kind,url,dropped").stdout
        assert table.splitlines()[1].split() == ["event", stuck, str(lane["dropped"])]
        assert "s3cret-pw" not in table


def test_deliveries_before_any_callback_and_away_from_the_emulator(emulator: Any) -> None:
    assert ok(emulator.env(), "emulator", "deliveries").stderr == "No callbacks sent yet.\n"
    assert as_json(emulator.env(), "emulator", "deliveries") == []
    twilio = {**emulator.env(), "TRCTL_API_URL": ""}
    assert "belongs to trctl's emulator" in failed(twilio, 3, "emulator", "deliveries")


@contextmanager
def answers_the_first_request_only() -> Iterator[str]:
    """A URL whose server answers its first request (204, kept alive), then reads but never
    answers again."""

    def answer_once(listener: socket.socket) -> None:
        listener.settimeout(5)
        try:
            conn, _ = listener.accept()
        except OSError:
            return
        with conn:
            data = b""
            while b"\r\n\r\n" not in data:
                data += conn.recv(65536)
            head, _, body = data.partition(b"\r\n\r\n")
            length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
            while len(body) < length:
                body += conn.recv(65536)
            conn.sendall(b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n")
            while conn.recv(65536):  # until the emulator drops the connection
                pass

    with serving(answer_once) as url:
        yield url


def test_pipelined_events_to_a_url_that_stops_answering_time_out_by_its_read_deadline() -> None:
    """Events sent on a connected pipeline share its deadline timer: the oldest times out after
    `#rt=`, those behind it fail with it (`#rc=0`: no retry), and the lane moves on."""
    with answers_the_first_request_only() as url, Emulator(clock=FakeClock()) as emu:
        sdk = make_sdk(emu)
        ws = sdk.taskrouter.v1.workspaces.create(
            friendly_name="Stalls", event_callback_url=f"{url}#rt=200&rc=0"
        )
        assert emu.wait_idle(5)  # workspace.created, answered: the connection stays up
        for n in range(3):
            sdk.taskrouter.v1.workspaces(ws.sid).activities.create(friendly_name=f"A{n}")
        started = time.monotonic()
        assert emu.wait_idle(5)
        assert time.monotonic() - started < 3  # not the 15 s an event may take by default
        (lane,) = [lane for lane in emu.delivery_summary() if lane["kind"] == "event"]
        assert (lane["delivered"], lane["failed"], lane["in_flight"]) == (1, 3, 0)
