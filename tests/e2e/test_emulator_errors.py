"""Error answers in Twilio's envelope: 401, 404, 400 with useful messages, 412, foreign Host."""

from __future__ import annotations

import json
import socket
from typing import Any

import pytest
from emulator_http import call
from twilio.base.exceptions import TwilioRestException

MISSING_Q = "WQ" + "1" * 32
EN = json.dumps({"selected_language": "en"})


def envelope_ok(body: dict[str, Any], status: int, code: int) -> None:
    assert body["status"] == status and body["code"] == code
    assert body["more_info"] == f"https://www.twilio.com/docs/errors/{code}"
    assert not {"type", "title"} & set(body)


def test_wrong_credentials_get_401_with_challenge(emulator: Any) -> None:
    for auth in ((emulator.account_sid, "wrong"), ("AC" + "0" * 32, emulator.auth_token)):
        answer = call(emulator, "GET", "/v1/Workspaces", auth=auth)
        assert answer.status == 401
        assert answer.headers["WWW-Authenticate"] == 'Basic realm="Twilio API"'
        body = answer.json()
        envelope_ok(body, 401, 20003)
        assert body["message"] == "Authentication Error - invalid username"


def test_api_key_and_secret_authenticate(emulator: Any) -> None:
    from twilio.rest import Client

    key, secret = emulator.api_key_sid, emulator.api_key_secret
    assert key.startswith("SK") and len(key) == 34 and secret
    client = Client(key, secret, emulator.account_sid)
    client.taskrouter.base_url = emulator.url
    assert client.taskrouter.v1.workspaces.create(friendly_name="By key").friendly_name == "By key"
    for auth in ((key, emulator.auth_token), (emulator.account_sid, secret), (key, "wrong")):
        envelope_ok(call(emulator, "GET", "/v1/Workspaces", auth=auth).json(), 401, 20003)


def test_foreign_host_header_is_refused(emulator: Any) -> None:
    with socket.create_connection(("127.0.0.1", emulator.port), timeout=5) as sock:
        sock.sendall(b"GET /v1/Workspaces HTTP/1.1\r\nHost: evil.example:80\r\n\r\n")
        head = sock.recv(4096).decode()
    assert head.startswith("HTTP/1.1 400")
    localhost = emulator.url.replace("127.0.0.1", "localhost")
    assert call(emulator, "GET", localhost + "/v1/Workspaces").status == 200


def test_not_found_names_the_path(emulator: Any, quickstart: Any) -> None:
    path = f"/v1/Workspaces/{quickstart.workspace_sid}/Tasks/WT{'0' * 32}"
    answer = call(emulator, "GET", path)
    assert answer.status == 404
    envelope_ok(answer.json(), 404, 20404)
    assert answer.json()["message"] == f"The requested resource {path} was not found"
    assert call(emulator, "GET", "/v1/Nope").status == 404


def test_sdk_sees_400_with_the_reason(sdk: Any, quickstart: Any) -> None:
    ws = sdk.taskrouter.v1.workspaces(quickstart.workspace_sid)
    flow = quickstart.workflow_sid
    cases = [
        (lambda: ws.tasks.create(attributes="{bad json", workflow_sid=quickstart.workflow_sid),
         "Attributes is not valid JSON"),
        (lambda: ws.tasks.create(attributes="[1]", workflow_sid=quickstart.workflow_sid),
         "Attributes must be a JSON object"),
        (lambda: ws.task_queues.create(friendly_name="Q", target_workers="languages HAS"),
         "position"),
        (lambda: ws.workflows.create(friendly_name="W", configuration="{"), "Configuration"),
        (lambda: ws.workflows.create(
            friendly_name="W",
            configuration=json.dumps({"task_routing": {"default_filter": {"queue": MISSING_Q}}}),
        ), "Configuration"),
        (lambda: ws.tasks.create(attributes="{}", workflow_sid=flow, priority=-1),
         "Priority"),
        (lambda: ws.tasks.create(attributes="{}", workflow_sid=flow, timeout=0),
         "Timeout"),
        (lambda: ws.workers.create(friendly_name="Alice"), "already exists"),
        (lambda: ws.workers(quickstart.workers["Bob"]).update(activity_sid="WA" + "f" * 32),
         "ActivitySid"),
    ]  # fmt: skip
    for action, fragment in cases:
        with pytest.raises(TwilioRestException) as caught:
            action()
        assert caught.value.status == 400, fragment
        assert caught.value.code == 20001
        assert fragment in caught.value.msg, (fragment, caught.value.msg)


def test_bad_list_expressions_are_400_with_the_position(emulator: Any, quickstart: Any) -> None:
    base = f"/v1/Workspaces/{quickstart.workspace_sid}"
    for path, fragment in (
        ("/Workers?TargetWorkersExpression=a+%3D%3D%3D%3D+1", "at position 4"),
        ("/Tasks?EvaluateTaskAttributes=%28x+%3D%3D+1", "EvaluateTaskAttributes"),
        ("/Tasks?Ordering=Size%3Aasc", "Ordering"),
        ("/Tasks?AssignmentStatus=done", "AssignmentStatus"),
    ):
        answer = call(emulator, "GET", base + path)
        assert answer.status == 400, path
        envelope_ok(answer.json(), 400, 20001)
        assert fragment in answer.json()["message"]


def test_missing_required_parameter_is_named(emulator: Any, quickstart: Any) -> None:
    answer = call(emulator, "POST", f"/v1/Workspaces/{quickstart.workspace_sid}/Workers", {})
    assert answer.status == 400
    envelope_ok(answer.json(), 400, 20001)
    assert "FriendlyName" in answer.json()["message"]


def test_malformed_form_body_is_400(emulator: Any) -> None:
    answer = call(emulator, "POST", "/v1/Workspaces", raw_body=b"FriendlyName")
    assert answer.status == 400
    assert "Malformed" in answer.json()["message"]
    answer = call(emulator, "POST", "/v1/Workspaces", raw_body=b"FriendlyName=%ff%fe")
    assert answer.status == 400


def test_etag_and_if_match(emulator: Any, sdk: Any, quickstart: Any) -> None:
    ws = sdk.taskrouter.v1.workspaces(quickstart.workspace_sid)
    task = ws.tasks.create(attributes=EN, workflow_sid=quickstart.workflow_sid)
    path = f"/v1/Workspaces/{quickstart.workspace_sid}/Tasks/{task.sid}"
    etag = call(emulator, "GET", path).headers["ETag"]
    with pytest.raises(TwilioRestException) as caught:
        ws.tasks(task.sid).update(priority=3, if_match=etag + "9")
    assert caught.value.status == 412
    assert ws.tasks(task.sid).update(priority=3, if_match=etag).priority == 3
    assert call(emulator, "GET", path).headers["ETag"] != etag
    worker_path = f"/v1/Workspaces/{quickstart.workspace_sid}/Workers/{quickstart.workers['Bob']}"
    answer = call(
        emulator, "POST", worker_path, {"FriendlyName": "Robert"}, headers={"If-Match": "99"}
    )
    assert answer.status == 412
    envelope_ok(answer.json(), 412, 20412)


def test_if_match_guards_deletes(emulator: Any, sdk: Any, quickstart: Any) -> None:
    """Raw HTTP: twilio 9.13.0's delete(if_match=...) builds the header and then drops it."""
    ws = sdk.taskrouter.v1.workspaces(quickstart.workspace_sid)
    task = ws.tasks.create(attributes=EN, workflow_sid=quickstart.workflow_sid)
    base = f"/v1/Workspaces/{quickstart.workspace_sid}"
    for path in (f"{base}/Tasks/{task.sid}", f"{base}/Workers/{quickstart.workers['Bob']}"):
        etag = call(emulator, "GET", path).headers["ETag"]
        refused = call(emulator, "DELETE", path, headers={"If-Match": etag + "9"})
        assert refused.status == 412
        envelope_ok(refused.json(), 412, 20412)
        assert call(emulator, "GET", path).status == 200
        assert call(emulator, "DELETE", path, headers={"If-Match": etag}).status == 204
        assert call(emulator, "GET", path).status == 404


def test_bad_task_transitions_are_400_with_a_reason(sdk: Any, quickstart: Any) -> None:
    ws = sdk.taskrouter.v1.workspaces(quickstart.workspace_sid)
    task = ws.tasks.create(attributes=EN, workflow_sid=quickstart.workflow_sid)
    for status, reason, fragment in (
        ("completed", "done", "only an assigned or wrapping task"),
        ("wrapping", None, "only an assigned task"),
        ("canceled", None, "Reason"),
        ("assigned", None, "cannot be set"),
    ):
        with pytest.raises(TwilioRestException) as caught:
            ws.tasks(task.sid).update(assignment_status=status, reason=reason)
        assert caught.value.status == 400 and fragment in caught.value.msg
    ws.tasks(task.sid).update(assignment_status="canceled", reason="no longer needed")
    with pytest.raises(TwilioRestException) as caught:
        ws.tasks(task.sid).update(assignment_status="canceled", reason="again")
    assert "already canceled" in caught.value.msg


def test_deleting_resources_in_use_is_400(sdk: Any, quickstart: Any) -> None:
    ws = sdk.taskrouter.v1.workspaces(quickstart.workspace_sid)
    ws.tasks.create(attributes='{"selected_language": "es"}', workflow_sid=quickstart.workflow_sid)
    for resource in (
        ws.task_queues(quickstart.queues["Customer Care Requests - Spanish"]),
        ws.workflows(quickstart.workflow_sid),
        ws.activities(quickstart.activities["Offline"]),
    ):
        with pytest.raises(TwilioRestException) as caught:
            resource.delete()
        assert caught.value.status == 400


def raw_exchange(emulator: Any, head: bytes) -> str:
    """Send head, read until the server closes the connection (it does after a refusal)."""
    with socket.create_connection(("127.0.0.1", emulator.port), timeout=5) as sock:
        sock.sendall(head)
        chunks = []
        while chunk := sock.recv(4096):
            chunks.append(chunk)
        return b"".join(chunks).decode()


def test_oversized_chunked_and_bad_length_bodies_are_refused_early(emulator: Any) -> None:
    host = f"Host: 127.0.0.1:{emulator.port}\r\n".encode()
    big = raw_exchange(
        emulator, b"POST /v1/Workspaces HTTP/1.1\r\n" + host + b"Content-Length: 10000000\r\n\r\n"
    )
    assert big.startswith("HTTP/1.1 413") and '"code": 20413' in big
    chunked = raw_exchange(
        emulator, b"POST /v1/Workspaces HTTP/1.1\r\n" + host + b"Transfer-Encoding: chunked\r\n\r\n"
    )
    assert chunked.startswith("HTTP/1.1 411")
    negative = raw_exchange(
        emulator, b"POST /v1/Workspaces HTTP/1.1\r\n" + host + b"Content-Length: -1\r\n\r\n"
    )
    assert negative.startswith("HTTP/1.1 400")
