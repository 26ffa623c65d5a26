"""X-Twilio-Signature checking: strict form parsing and the public URL Twilio actually signed."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from urllib.parse import parse_qs, urlsplit

SIGNATURE_HEADER = "X-Twilio-Signature"
MAX_FORM_FIELDS = 200


class BadForm(ValueError):
    """The body is not a well-formed UTF-8 application/x-www-form-urlencoded document."""


class FormParams(dict):
    """Form fields as name -> first value, plus getlist() for every value (the validator needs it).

    twilio's RequestValidator calls getlist() when the mapping has it; a plain dict of lists
    raises TypeError inside the validator (quirk Q4).
    """

    def __init__(self, multi: Mapping[str, Sequence[str]] | None = None) -> None:
        multi = multi or {}
        super().__init__({name: values[0] for name, values in multi.items() if values})
        self._multi = {name: list(values) for name, values in multi.items()}

    def getlist(self, name: str) -> list[str]:
        return list(self._multi.get(name, []))

    def count(self, name: str) -> int:
        return len(self._multi.get(name, []))


def parse_form(body: bytes) -> FormParams:
    """Parse a form body strictly: bad UTF-8, malformed pairs or > 200 fields raise BadForm."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadForm("body is not UTF-8") from exc
    if not text:
        return FormParams()
    try:
        multi = parse_qs(
            text,
            keep_blank_values=True,
            strict_parsing=True,
            max_num_fields=MAX_FORM_FIELDS,
            errors="strict",
        )
    except UnicodeDecodeError as exc:
        raise BadForm("percent-encoded bytes are not UTF-8") from exc
    except ValueError as exc:
        raise BadForm(f"malformed form body ({exc})") from exc
    return FormParams(multi)


def public_base(url: str) -> str:
    """Validate a public base URL (scheme://host[:port]) and return it without a trailing slash.

    Userinfo, IPv6 literals, paths, queries and fragments are refused: twilio's validator mangles
    the first two (quirk Q8) and the rest would make the signed URL differ from the request.
    """
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"public URL {url!r} must look like https://host[:port]")
    if "@" in parts.netloc or "[" in parts.netloc:
        raise ValueError(f"public URL {url!r} must not contain userinfo or an IPv6 literal")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise ValueError(f"public URL {url!r} must not have a path, query or fragment")
    try:
        parts.port  # noqa: B018 - raises ValueError for a non-numeric port
    except ValueError as exc:
        raise ValueError(f"public URL {url!r} has an invalid port") from exc
    return f"{parts.scheme}://{parts.netloc}"


class SignatureChecker:
    """Checks X-Twilio-Signature with twilio's RequestValidator keyed by the auth token."""

    def __init__(self, auth_token: str) -> None:
        if not auth_token:
            # RequestValidator("") accepts signatures forged with an empty key (quirk Q7)
            raise ValueError("an auth token is required to check signatures")
        from twilio.request_validator import RequestValidator

        self._validator = RequestValidator(auth_token)

    def valid(self, url: str, params: FormParams, signatures: Sequence[str]) -> bool:
        """True when exactly one non-empty signature header matches url + params."""
        if len(signatures) != 1 or not signatures[0]:
            return False  # checked first: the validator raises TypeError on None (quirk Q3)
        try:
            return bool(self._validator.validate(url, params, signatures[0]))
        except (ValueError, TypeError):
            return False


def compute_signature(auth_token: str, url: str, params: Mapping[str, str]) -> str:
    """The signature Twilio would send for a form POST of params to url (for tests and benches)."""
    from twilio.request_validator import RequestValidator

    return str(RequestValidator(auth_token).compute_signature(url, dict(params)))
