"""The TrctlError hierarchy: every failure a user can meet, each with its exit code."""

from __future__ import annotations


class TrctlError(Exception):
    """A failure with a one-line message for the user and a documented exit code."""

    exit_code = 1

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def one_line(self) -> str:
        """The message as printed on stderr: one line, hint appended."""
        text = " ".join(self.message.split())
        if self.hint:
            text = f"{text} ({' '.join(self.hint.split())})"
        return text


class UsageError(TrctlError):
    """Bad input on the command line or in a file the user gave us."""

    exit_code = 2


class ConfigError(TrctlError):
    """Missing or rejected credentials or settings (includes HTTP 401/403)."""

    exit_code = 3


class NotFoundError(TrctlError):
    """A named or SID-addressed resource does not exist (includes HTTP 404)."""

    exit_code = 4


class ApiError(TrctlError):
    """TaskRouter answered with an error, throttled us, or failed with 5xx after retries."""

    exit_code = 5

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: int | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message, hint=hint)
        self.status = status
        self.code = code


class NetworkError(TrctlError):
    """The API could not be reached, did not answer in time, or did not answer like TaskRouter.

    With `url` (the request's), `kind` ("connect", "timeout" or "answer") and `reason`, the error
    funnel names the API URL and where that setting came from (trctl.services.reach)."""

    exit_code = 6

    def __init__(
        self,
        message: str,
        *,
        hint: str | None = None,
        url: str | None = None,
        kind: str | None = None,
        reason: str | None = None,
    ) -> None:
        super().__init__(message, hint=hint)
        self.url = url
        self.kind = kind
        self.reason = reason


class TunnelError(TrctlError):
    """The ngrok tunnel could not be opened or died."""

    exit_code = 7


class StepFailed(TrctlError):
    """A scripted scenario (the demo) did not go as the tutorial says."""

    exit_code = 8


class ListenError(TrctlError):
    """A local server (emulator, callback server) could not listen: the port is in use, or
    the address cannot be bound. The same exit code wherever trctl listens."""

    exit_code = 9

    @classmethod
    def binding(cls, host: str, port: int, exc: OSError) -> ListenError:
        reason = (exc.strerror or str(exc)).lower()
        return cls(
            f"cannot listen on {host}:{port}: {reason}",
            hint="pick another --port, or --port 0 for a free one",
        )
