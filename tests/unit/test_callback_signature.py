"""Signature checking and strict form parsing for the callback server (no sockets)."""

from __future__ import annotations

import pytest

from trctl.callback.signature import (
    BadForm,
    FormParams,
    SignatureChecker,
    compute_signature,
    parse_form,
    public_base,
)

TOKEN = "12345"
URL = "https://mycompany.com/myapp.php?foo=1&bar=2"
PARAMS = {
    "CallSid": "CA1234567890ABCDE",
    "Caller": "+12349013030",
    "Digits": "1234",
    "From": "+12349013030",
    "To": "+18005551212",
}


def form(params: dict[str, str]) -> FormParams:
    return FormParams({k: [v] for k, v in params.items()})


def test_reference_test_vector_validates():
    assert compute_signature(TOKEN, URL, PARAMS) == "0/KCTR6DLpKmkAf8muzZqo1nDgQ="
    assert SignatureChecker(TOKEN).valid(URL, form(PARAMS), ["0/KCTR6DLpKmkAf8muzZqo1nDgQ="])


@pytest.mark.parametrize(
    "signatures",
    [[], [""], ["0/KCTR6DLpKmkAf8muzZqo1nDgQ="] * 2, ["AAAA"]],
    ids=["missing", "empty", "twice", "wrong"],
)
def test_missing_duplicated_or_wrong_signatures_fail_without_raising(signatures):
    assert not SignatureChecker(TOKEN).valid(URL, form(PARAMS), signatures)


def test_scheme_is_part_of_the_signature():
    signature = compute_signature(TOKEN, URL, PARAMS)
    http_url = URL.replace("https://", "http://")
    assert not SignatureChecker(TOKEN).valid(http_url, form(PARAMS), [signature])


def test_repeated_values_are_all_signed():
    multi = FormParams({"A": ["1", "2"], "B": ["x"]})
    assert multi["A"] == "1" and multi.getlist("A") == ["1", "2"] and multi.count("A") == 2
    signature = compute_signature(TOKEN, URL, {"A": "1", "B": "x"})
    assert not SignatureChecker(TOKEN).valid(URL, multi, [signature])


def test_an_empty_token_is_refused():
    """RequestValidator('') would accept signatures forged with an empty key (Q7)."""
    with pytest.raises(ValueError):
        SignatureChecker("")


def test_parse_form_keeps_blank_values_and_repeats():
    parsed = parse_form(b"a=&b=1&b=2&c=%E2%9C%93")
    assert parsed.getlist("a") == [""] and parsed.getlist("b") == ["1", "2"] and parsed["c"] == "✓"
    assert parse_form(b"") == {}


@pytest.mark.parametrize(
    "body",
    [b"a=1&&b", b"novalue", b"a=%ff", b"\xc3\x28=1", b"&".join([b"k=v"] * 201)],
)
def test_parse_form_refuses_malformed_bodies(body):
    with pytest.raises(BadForm):
        parse_form(body)


@pytest.mark.parametrize(
    ("url", "base"),
    [
        ("https://fake-1234.ngrok-free.app", "https://fake-1234.ngrok-free.app"),
        ("https://fake-1234.ngrok-free.app/", "https://fake-1234.ngrok-free.app"),
        ("http://127.0.0.1:8080", "http://127.0.0.1:8080"),
    ],
)
def test_public_base_accepts_plain_origins(url, base):
    assert public_base(url) == base


@pytest.mark.parametrize(
    "url",
    [
        "ftp://x",
        "https://",
        "https://u:p@host",
        "http://[::1]:8080",
        "https://host/prefix",
        "https://host?x=1",
        "https://host:abc",
    ],
)
def test_public_base_refuses_what_the_validator_would_mangle(url):
    with pytest.raises(ValueError):
        public_base(url)
