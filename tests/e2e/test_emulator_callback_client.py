"""post_callback against a real stdlib HTTP server on 127.0.0.1 that checks twilio signatures."""

from __future__ import annotations

import base64
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest
from twilio.request_validator import RequestValidator

from trctl.emulator.delivery.answers import parse_instruction
from trctl.emulator.delivery.client import MAX_BODY_BYTES, CallbackResult, post_callback

TOKEN = "test-auth-token-0123456789abcdef"
PARAMS = {
    "AccountSid": "AC" + "a" * 32,
    "TaskSid": "WT" + "b" * 32,
    "TaskAttributes": '{"selected_language": "es"}',
    "WorkerAttributes": '{"languages": ["en", "es"]}',
    "ReservationSid": "WR" + "c" * 32,
    "TaskAge": "3",
}


class MultiDict(dict):
    def getlist(self, name: str) -> list[str]:
        return self[name]


@dataclass
class Seen:
    """One request as the receiving server saw it."""

    path: str
    header_names: list[str]
    headers: dict[str, str]
    params: dict[str, list[str]]
    signature_valid: bool


@dataclass
class Receiver:
    """A loopback callback receiver whose answer each test chooses."""

    base_url: str
    answer: Callable[[BaseHTTPRequestHandler, Seen], tuple[int, dict[str, str], bytes]]
    seen: list[Seen] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)

    def url(self, path: str = "/assignment") -> str:
        return self.base_url + path


def json_answer(body: bytes, status: int = 200, content_type: str = "application/json"):
    def answer(handler: BaseHTTPRequestHandler, seen: Seen):
        return status, {"Content-Type": content_type}, body

    return answer


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state: dict[str, Receiver] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            rec = state["receiver"]
            length = int(self.headers.get("Content-Length", "0"))
            raw = self.rfile.read(length).decode("utf-8")
            params = parse_qs(raw, keep_blank_values=True, strict_parsing=bool(raw))
            signatures = self.headers.get_all("X-Twilio-Signature") or []
            valid = len(signatures) == 1 and RequestValidator(TOKEN).validate(
                rec.base_url + self.path, MultiDict(params), signatures[0]
            )
            seen = Seen(
                path=self.path,
                header_names=list(self.headers.keys()),
                headers=dict(self.headers.items()),
                params=params,
                signature_valid=valid,
            )
            rec.seen.append(seen)
            status, headers, body = rec.answer(self, seen)
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    class Server(ThreadingHTTPServer):
        daemon_threads = True

        def handle_error(self, request, client_address) -> None:
            pass  # a client that timed out and left is expected here

    server = Server(("127.0.0.1", 0), Handler)
    host, port = server.server_address[:2]
    rec = Receiver(f"http://{host}:{port}", json_answer(b'{"instruction": "accept"}'))
    state["receiver"] = rec
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    yield rec
    rec.release.set()
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def deliver(url: str, timeout: float = 5.0) -> CallbackResult:
    return post_callback(url, PARAMS, auth_token=TOKEN, idempotency_token="idem-1", timeout=timeout)


def test_accept_is_signed_and_carries_twilio_headers(receiver: Receiver) -> None:
    result = deliver(receiver.url("/assignment?tenant=a&x=%20y"))
    assert result.error is None
    assert result.status == 200
    assert result.url == receiver.url("/assignment?tenant=a&x=%20y")
    assert parse_instruction(result).kind == "accept"
    (seen,) = receiver.seen
    assert seen.signature_valid
    assert seen.path == "/assignment?tenant=a&x=%20y"
    assert {key: values for key, values in seen.params.items()} == {
        key: [value] for key, value in PARAMS.items()
    }
    assert "X-Twilio-Signature" in seen.header_names
    assert "I-Twilio-Idempotency-Token" in seen.header_names
    assert seen.headers["I-Twilio-Idempotency-Token"] == "idem-1"
    assert seen.headers["User-Agent"] == "TwilioProxy/1.1"
    assert seen.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert seen.headers["Accept"] == "*/*"
    assert "Authorization" not in seen.headers


def test_empty_object_defers_to_rest(receiver: Receiver) -> None:
    receiver.answer = json_answer(b"{}", content_type="application/json; charset=utf-8")
    instruction = parse_instruction(deliver(receiver.url()))
    assert (instruction.kind, instruction.problem) == ("none", None)


def test_json_without_instruction_is_warning_40005(receiver: Receiver) -> None:
    receiver.answer = json_answer(b'{"status": "ok"}')
    instruction = parse_instruction(deliver(receiver.url()))
    assert instruction.kind == "none"
    assert instruction.problem is not None and instruction.problem.startswith("40005")


DEEP_JSON = b'{"x": ' + b"[" * 5000 + b"]" * 5000 + b"}"  # json.loads: RecursionError


@pytest.mark.parametrize(
    ("status", "content_type", "body", "reason"),
    [
        (200, "text/html", b'{"instruction": "accept"}', "Content-Type"),
        (200, "application/json", b"<html>ok</html>", "not valid JSON"),
        (200, "application/json", DEEP_JSON, "nesting is too deep (more than 100 levels"),
        (500, "application/json", b'{"instruction": "accept"}', "HTTP 500"),
        (404, "text/plain", b"not found", "HTTP 404"),
    ],
)
def test_answers_taskrouter_ignores(
    receiver: Receiver, status: int, content_type: str, body: bytes, reason: str
) -> None:
    receiver.answer = json_answer(body, status=status, content_type=content_type)
    result = deliver(receiver.url())
    assert result.error is None and result.status == status
    instruction = parse_instruction(result)
    assert instruction.kind == "invalid"
    assert reason in (instruction.problem or "")


def test_redirects_are_not_followed(receiver: Receiver) -> None:
    def redirect(handler: BaseHTTPRequestHandler, seen: Seen):
        return 302, {"Location": receiver.url("/elsewhere")}, b""

    receiver.answer = redirect
    result = deliver(receiver.url())
    assert result.status == 302
    assert len(receiver.seen) == 1
    assert parse_instruction(result).kind == "invalid"


def test_slow_server_times_out(receiver: Receiver) -> None:
    def stall(handler: BaseHTTPRequestHandler, seen: Seen):
        receiver.release.wait(timeout=10)
        return 200, {"Content-Type": "application/json"}, b"{}"

    receiver.answer = stall
    result = deliver(receiver.url(), timeout=0.3)
    assert result.status is None
    assert result.error == "timed out"
    assert result.elapsed < 3
    assert parse_instruction(result).kind == "invalid"
    assert receiver.seen[0].signature_valid


def test_fragment_read_override_shortens_the_timeout_and_is_not_signed(
    receiver: Receiver,
) -> None:
    def stall(handler: BaseHTTPRequestHandler, seen: Seen):
        receiver.release.wait(timeout=10)
        return 200, {"Content-Type": "application/json"}, b"{}"

    receiver.answer = stall
    result = deliver(receiver.url("/assignment#rt=200&rc=0"), timeout=30)
    assert result.error == "timed out"
    assert result.elapsed < 3
    assert result.url == receiver.url("/assignment")
    (seen,) = receiver.seen
    assert seen.path == "/assignment"
    assert seen.signature_valid


def test_connection_refused_is_a_result_not_an_exception() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = deliver(f"http://127.0.0.1:{port}/assignment")
    assert result.status is None
    assert result.error == "connection refused"
    assert parse_instruction(result).problem == "callback failed: connection refused"


def test_oversized_body_is_cut_and_reported(receiver: Receiver) -> None:
    receiver.answer = json_answer(b" " * (MAX_BODY_BYTES + 10) + b"{}")
    result = deliver(receiver.url())
    assert result.status == 200
    assert result.error is not None and "larger than" in result.error
    assert len(result.body) == MAX_BODY_BYTES
    assert parse_instruction(result).kind == "invalid"


def basic_protected(
    user: str, password: str, challenge: str = 'Basic realm="callbacks"'
) -> Callable[[BaseHTTPRequestHandler, Seen], tuple[int, dict[str, str], bytes]]:
    expected = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()

    def answer(handler: BaseHTTPRequestHandler, seen: Seen):
        if seen.headers.get("Authorization") != expected:
            return 401, {"WWW-Authenticate": challenge, "Content-Type": "text/plain"}, b"no"
        return 200, {"Content-Type": "application/json"}, b'{"instruction": "accept"}'

    return answer


def test_basic_auth_credentials_sent_only_after_the_challenge(receiver: Receiver) -> None:
    receiver.answer = basic_protected("twilio", "s3cr%et")
    url = receiver.url("/assignment").replace("http://", "http://twilio:s3cr%25et@")
    result = deliver(url)
    assert result.status == 200
    assert parse_instruction(result).kind == "accept"
    first, second = receiver.seen
    assert "Authorization" not in first.headers
    assert second.headers["Authorization"].startswith("Basic ")
    assert first.signature_valid and second.signature_valid
    assert second.headers["I-Twilio-Idempotency-Token"] == "idem-1"
    assert "s3cr" not in repr(result)
    assert result.url == receiver.url("/assignment")


def test_digest_only_challenge_is_not_answered(receiver: Receiver) -> None:
    receiver.answer = basic_protected("twilio", "pw", challenge='Digest realm="x", nonce="1"')
    result = deliver(receiver.url("/assignment").replace("http://", "http://twilio:pw@"))
    assert result.status == 401
    assert len(receiver.seen) == 1
    assert parse_instruction(result).kind == "invalid"


def test_wrong_credentials_stop_after_one_retry(receiver: Receiver) -> None:
    receiver.answer = basic_protected("twilio", "right")
    result = deliver(receiver.url("/assignment").replace("http://", "http://twilio:wrong@"))
    assert result.status == 401
    assert len(receiver.seen) == 2


def test_401_without_credentials_in_the_url_is_not_retried(receiver: Receiver) -> None:
    receiver.answer = basic_protected("twilio", "pw")
    result = deliver(receiver.url())
    assert result.status == 401
    assert len(receiver.seen) == 1


@pytest.mark.parametrize(
    "url", ["file:///etc/passwd", "ftp://example.com/x", "not a url", "http://[::1/x", ""]
)
def test_unusable_urls_are_results_not_exceptions(url: str) -> None:
    result = deliver(url)
    assert result.status is None
    assert result.error is not None
