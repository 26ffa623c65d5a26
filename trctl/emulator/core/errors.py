"""Refusals as TaskRouter states them (HTTP status, Twilio error code, message) and Missing."""

from __future__ import annotations


class ApiError(Exception):
    """A request TaskRouter refuses: HTTP status, Twilio error code and a readable message."""

    def __init__(self, status: int, code: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


class Missing(Exception):
    """A resource addressed by the request does not exist (the wire layer answers 404)."""


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
