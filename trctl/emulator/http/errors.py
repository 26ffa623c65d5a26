"""Errors in Twilio's JSON envelope {code, message, more_info, status}."""

from __future__ import annotations

import json
from typing import Any

from trctl.emulator.core.errors import ApiError


def envelope(error: ApiError) -> dict[str, Any]:
    # Never all four of type/title/status/code: that switches twilio-python to RFC 9457.
    return {
        "code": error.code,
        "message": error.message,
        "more_info": f"https://www.twilio.com/docs/errors/{error.code}",
        "status": error.status,
    }


def encode(error: ApiError) -> bytes:
    return json.dumps(envelope(error)).encode()
