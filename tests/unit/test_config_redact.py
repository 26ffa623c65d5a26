"""Redaction of secrets in text and log records: exact values, Authorization, URL passwords."""

from __future__ import annotations

import base64
import io
import logging

import pytest

from trctl.redact import (
    MASK,
    Redactor,
    disable_debug_logging,
    enable_debug_logging,
    register_secrets,
)

TOKEN = "0123456789abcdef0123456789abcdef"


def test_exact_secret_values_are_replaced_everywhere() -> None:
    redactor = Redactor([TOKEN])
    text = f"token={TOKEN} again {TOKEN}."
    assert redactor.redact(text) == f"token={MASK} again {MASK}."


def test_longer_secret_containing_a_shorter_one_is_fully_hidden() -> None:
    redactor = Redactor(["abcd", "xxabcdxx"])
    assert redactor.redact("xxabcdxx abcd") == f"{MASK} {MASK}"


def test_very_short_values_are_not_treated_as_secrets() -> None:
    redactor = Redactor(["a", "", None])  # type: ignore[list-item]
    assert redactor.redact("a banana") == "a banana"


@pytest.mark.parametrize(
    "line",
    [
        "Authorization: Basic QUN4eHg6c2VjcmV0",
        "authorization : Bearer eyJhbGciOi.abc.def",
        "{'Authorization': 'Basic QUN4eHg6c2VjcmV0', 'Accept': 'application/json'}",
        "Proxy-Authorization: Basic Zm9vOmJhcg==",
    ],
)
def test_authorization_header_values_are_hidden(line: str) -> None:
    redacted = Redactor().redact(line)
    assert "QUN4eHg6c2VjcmV0" not in redacted and "eyJhbGciOi" not in redacted
    assert "Zm9vOmJhcg" not in redacted
    assert MASK in redacted
    if "Accept" in line:
        assert "'Accept': 'application/json'" in redacted


def test_url_userinfo_is_hidden() -> None:
    text = "GET https://ACxx:hunter2@taskrouter.twilio.com/v1/Workspaces and http://u:p@h/"
    redacted = Redactor().redact(text)
    assert "hunter2" not in redacted and "ACxx" not in redacted
    assert f"https://{MASK}@taskrouter.twilio.com/v1/Workspaces" in redacted
    assert f"http://{MASK}@h/" in redacted


def test_basic_auth_encoding_of_a_registered_password_is_hidden() -> None:
    redactor = Redactor()
    redactor.add_basic_auth("AC123", TOKEN)
    encoded = base64.b64encode(f"AC123:{TOKEN}".encode()).decode()
    assert redactor.redact(f"sent {encoded}") == f"sent {MASK}"
    assert redactor.redact(TOKEN) == MASK


def test_log_filter_redacts_formatted_arguments_and_tracebacks() -> None:
    redactor = Redactor([TOKEN])
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(redactor)
    logger = logging.getLogger("trctl.test.redact")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning("token is %s", TOKEN)
        try:
            raise RuntimeError(f"failed with {TOKEN}")
        except RuntimeError:
            logger.exception("boom")
    finally:
        logger.removeHandler(handler)
    output = stream.getvalue()
    assert TOKEN not in output
    assert f"token is {MASK}" in output and f"RuntimeError: failed with {MASK}" in output


def test_debug_logging_goes_through_the_shared_redactor_once() -> None:
    stream = io.StringIO()
    secret = "debug-secret-" + TOKEN
    register_secrets(secret)
    try:
        handler = enable_debug_logging(stream)
        assert enable_debug_logging(stream) is handler  # idempotent
        logging.getLogger("twilio.http_client").info("Headers: {'X-Secret': '%s'}", secret)
        logging.getLogger("twilio.http_client").debug("below INFO: not shown")
    finally:
        disable_debug_logging()
    output = stream.getvalue()
    assert output.count("debug: twilio.http_client: Headers:") == 1
    assert secret not in output and MASK in output
    assert "below INFO" not in output
    assert not logging.getLogger("twilio.http_client").filters
