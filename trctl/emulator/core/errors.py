"""HTTP errors in Twilio's envelope {code, message, more_info, status}."""

from __future__ import annotations

import json
from typing import Any


class ApiError(Exception):
    """An error the API answers with: HTTP status, Twilio error code and a readable message."""

    def __init__(self, status: int, code: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message

    def body(self) -> dict[str, Any]:
        # Never all four of type/title/status/code: that switches twilio-python to RFC 9457.
        return {
            "code": self.code,
            "message": self.message,
            "more_info": f"https://www.twilio.com/docs/errors/{self.code}",
            "status": self.status,
        }

    def encode(self) -> bytes:
        return json.dumps(self.body()).encode()


def bad_request(message: str, code: int = 20001) -> ApiError:
    """400 Invalid parameter (Twilio code 20001 unless given)."""
    return ApiError(400, code, message)


def not_found(path: str) -> ApiError:
    return ApiError(404, 20404, f"The requested resource {path} was not found")


def precondition_failed(message: str) -> ApiError:
    # Twilio documents the 412 status for an If-Match mismatch but not its code; we use 20412.
    return ApiError(412, 20412, message)


def unauthorized() -> ApiError:
    return ApiError(401, 20003, "Authentication Error - invalid username")
