"""/trctl/faults, the emulator's own endpoint (not Twilio's): list, add and clear fault rules."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from trctl.documents import loads_json
from trctl.emulator.core.errors import ApiError, bad_request
from trctl.emulator.http.app import Call, Handler, Response, json_response

if TYPE_CHECKING:
    from trctl.emulator.faults import Faults

PATH = "/trctl/faults"


def fault_routes(faults: Faults) -> list[tuple[str, str, Handler]]:
    """GET lists the rules; POST adds one (form fields or a JSON object with the keys of a
    faults file: api or callback, status, retry_after, delay, action, probability, times);
    DELETE removes all of them, DELETE /trctl/faults/F1 one."""

    def listed(call: Call) -> Response:
        return json_response(200, {"faults": faults.rules()})

    def added(call: Call) -> Response:
        from trctl.emulator.faults import FaultError

        try:
            return json_response(201, faults.add(_fields(call)))
        except FaultError as exc:
            raise bad_request(str(exc)) from exc

    def cleared(call: Call) -> Response:
        rule = call.args.get("rule")
        try:
            faults.clear(rule)
        except KeyError as exc:
            raise ApiError(404, 20404, f"No fault rule {rule} (see GET {PATH})") from exc
        return Response(204)

    return [
        ("GET", PATH, listed),
        ("POST", PATH, added),
        ("DELETE", PATH, cleared),
        ("DELETE", PATH + r"/(?P<rule>F[0-9]+)", cleared),
    ]


def _fields(call: Call) -> dict[str, Any]:
    content_type = (call.request.header("content-type") or "").lower()
    if not content_type.startswith("application/json"):
        return dict(call.params.items())
    try:
        document = loads_json(call.request.body or b"{}")
    except ValueError as exc:  # not JSON, not UTF-8, or nested too deep (trctl.documents)
        raise bad_request(f"The body is not valid JSON: {exc}") from exc
    if not isinstance(document, dict):
        raise bad_request("The body must be a JSON object: one fault rule")
    return document
