"""Unit tests (no sockets): paging through list pages, page sizes, limits, error statuses."""

from __future__ import annotations

import json
from typing import Any

import pytest

from trctl.errors import ApiError
from trctl.services.rest import TaskRouterApi, clean, parse_json_fields


class Response:
    def __init__(self, status_code: int, body: Any) -> None:
        self.status_code = status_code
        self.text = json.dumps(body)


class FakeVersion:
    """Serves `total` tasks in pages like TaskRouter: meta.key, absolute next_page_url."""

    def __init__(self, total: int, *, status: int = 200) -> None:
        self.total = total
        self.status = status
        self.requests: list[tuple[str, Any]] = []
        self.domain = self
        self.twilio = self

    def _page(self, start: int, size: int) -> Response:
        if self.status != 200:
            return Response(self.status, {"code": 20429, "message": "slow down", "status": 429})
        records = [
            {"sid": f"WT{i:032x}", "attributes": json.dumps({"n": i})}
            for i in range(start, min(start + size, self.total))
        ]
        more = start + size < self.total
        next_url = f"http://emu/v1/Tasks?PageSize={size}&Start={start + size}" if more else None
        meta = {"key": "tasks", "page_size": size, "next_page_url": next_url}
        return Response(200, {"meta": meta, "tasks": records})

    def page(self, method: str, uri: str, params: dict[str, Any]) -> Response:
        self.requests.append((uri, dict(params)))
        return self._page(0, params["PageSize"])

    def request(self, method: str, url: str) -> Response:
        self.requests.append((url, None))
        query = dict(part.split("=") for part in url.split("?", 1)[1].split("&"))
        return self._page(int(query["Start"]), int(query["PageSize"]))

    def exception(self, method: str, uri: str, response: Response, message: str) -> Exception:
        from twilio.base.exceptions import TwilioRestException

        body = json.loads(response.text)
        return TwilioRestException(response.status_code, uri, body["message"], body["code"])


class FakeClient:
    def __init__(self, version: FakeVersion) -> None:
        self.taskrouter = type("TR", (), {"v1": version})()


def api_over(total: int, **kwargs: Any) -> tuple[TaskRouterApi, FakeVersion]:
    version = FakeVersion(total, **kwargs)
    return TaskRouterApi(FakeClient(version)), version


def test_ten_thousand_records_take_ten_requests_of_1000() -> None:
    api, version = api_over(10_000)
    pages: list[tuple[int, bool]] = []
    records = list(
        api.stream("/Tasks", {"AssignmentStatus": ["pending"]}, on_page=lambda *a: pages.append(a))
    )
    assert len(records) == 10_000 and records[-1]["attributes"] == {"n": 9999}
    assert len(version.requests) == 10 == api.requests_made
    assert version.requests[0] == ("/Tasks", {"AssignmentStatus": ["pending"], "PageSize": 1000})
    assert pages[0] == (1000, True) and pages[-1] == (10_000, False)


def test_a_limit_sets_the_page_size_and_stops_early() -> None:
    api, version = api_over(500)
    assert len(api.list("/Tasks", limit=50)) == 50
    assert version.requests == [("/Tasks", {"PageSize": 50})]
    api, version = api_over(5000)
    assert len(api.list("/Tasks", limit=1500)) == 1500
    assert len(version.requests) == 2


def test_an_empty_list_is_one_request() -> None:
    api, version = api_over(0)
    assert api.list("/Tasks") == [] and len(version.requests) == 1


def test_a_failed_page_is_an_api_error_with_its_status() -> None:
    api, _ = api_over(10, status=429)
    with pytest.raises(ApiError) as caught:
        api.list("/Tasks")
    assert caught.value.status == 429 and caught.value.exit_code == 5


def test_clean_drops_unset_and_spells_booleans() -> None:
    assert clean({"A": None, "B": True, "C": False, "D": 0, "E": ["x"]}) == {
        "B": "true",
        "C": "false",
        "D": 0,
        "E": ["x"],
    }


def test_json_string_fields_become_objects_but_other_text_stays() -> None:
    record = {"attributes": '{"a":1}', "configuration": "not json {", "friendly_name": "{x}"}
    assert parse_json_fields(record) == {
        "attributes": {"a": 1},
        "configuration": "not json {",
        "friendly_name": "{x}",
    }
