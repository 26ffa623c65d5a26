"""The emulator's webhook signer agrees with twilio's RequestValidator (E9), byte for byte."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from twilio.request_validator import RequestValidator

from trctl.emulator.delivery.signing import (
    compute_signature,
    is_valid_signature,
    signatures_match,
    signing_payload,
    signing_url,
)

TOKEN = "12345"
VECTOR_URL = "https://mycompany.com/myapp.php?foo=1&bar=2"
VECTOR_PARAMS = {
    "CallSid": "CA1234567890ABCDE",
    "Caller": "+12349013030",
    "Digits": "1234",
    "From": "+12349013030",
    "To": "+18005551212",
}


class MultiDict(dict):
    """A dict with getlist(), the shape RequestValidator reads repeated form values from."""

    def getlist(self, name: str) -> list[str]:
        value = self[name]
        return [value] if isinstance(value, str) else list(value)


def test_reference_vector() -> None:
    assert compute_signature(TOKEN, VECTOR_URL, VECTOR_PARAMS) == "0/KCTR6DLpKmkAf8muzZqo1nDgQ="


def test_empty_params_sign_the_url_alone() -> None:
    validator = RequestValidator(TOKEN)
    assert compute_signature(TOKEN, VECTOR_URL, {}) == validator.compute_signature(VECTOR_URL, {})


def test_repeated_values_are_sorted_and_deduplicated_like_twilio() -> None:
    params = MultiDict({"b": ["2", "1", "2"], "a": "z"})
    assert signing_payload("u", params) == "uaz" + "b1" + "b2"
    assert compute_signature(TOKEN, "u", params) == RequestValidator(TOKEN).compute_signature(
        "u", params
    )


def test_is_valid_signature_uses_exact_match() -> None:
    good = compute_signature(TOKEN, VECTOR_URL, VECTOR_PARAMS)
    assert is_valid_signature(TOKEN, VECTOR_URL, VECTOR_PARAMS, good)
    assert not is_valid_signature(TOKEN, VECTOR_URL, VECTOR_PARAMS, good[:-2] + "A=")
    assert not is_valid_signature("other", VECTOR_URL, VECTOR_PARAMS, good)
    assert not signatures_match(good, "")


@pytest.mark.parametrize(
    ("url", "signed"),
    [
        ("http://127.0.0.1:8080/cb", "http://127.0.0.1:8080/cb"),
        ("https://u:p@h.example/cb?x=1#rc=2&ct=100", "https://h.example/cb?x=1"),
        ("https://user@h.example", "https://h.example/"),
        ("http://h/p?", "http://h/p"),
        ("http://h?x=@y", "http://h/?x=@y"),
        ("http://h/a@b", "http://h/a@b"),
        ("relative/path#frag", "relative/path"),
    ],
)
def test_signing_url_drops_only_fragment_and_userinfo(url: str, signed: str) -> None:
    assert signing_url(url) == signed


# --- E9: agreement with RequestValidator, and what tampering does ----------------------------

SAFE_TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=0, max_size=20)
KEYS = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=12)
PATH_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789-._~/%=&"


@st.composite
def urls(draw: st.DrawFn) -> str:
    scheme = draw(st.sampled_from(["http", "https"]))
    host = draw(st.from_regex(r"[a-z][a-z0-9]{0,10}(\.[a-z]{2,5}){0,2}", fullmatch=True))
    port = draw(st.one_of(st.just(""), st.integers(1, 65535).map(lambda p: f":{p}")))
    path = draw(st.text(alphabet=PATH_CHARS, max_size=20))
    query = draw(
        st.one_of(st.just(""), st.text(alphabet=PATH_CHARS, max_size=20).map("?{}".format))
    )
    return f"{scheme}://{host}{port}/{path}{query}"


PARAMS = st.dictionaries(KEYS, SAFE_TEXT, max_size=8)
MULTI_PARAMS = st.dictionaries(
    KEYS, st.one_of(SAFE_TEXT, st.lists(SAFE_TEXT, min_size=1, max_size=4)), max_size=6
)


@settings(max_examples=500, deadline=None)
@given(url=urls(), params=MULTI_PARAMS, token=SAFE_TEXT.filter(bool))
def test_every_signature_validates_with_twilio(url: str, params: dict, token: str) -> None:
    # The server validates the URL it saw; the signer signs signing_url() of the same URL.
    signature = compute_signature(token, signing_url(url), params)
    assert RequestValidator(token).validate(url, MultiDict(params), signature)


@settings(max_examples=500, deadline=None)
@given(url=urls(), params=PARAMS, data=st.data())
def test_changing_a_value_or_key_fails_unless_the_payload_is_identical(
    url: str, params: dict, data: st.DataObject
) -> None:
    signature = compute_signature(TOKEN, signing_url(url), params)
    tampered = dict(params)
    if params and data.draw(st.booleans(), label="change a key"):
        old_key = data.draw(st.sampled_from(sorted(params)), label="key")
        new_key = data.draw(KEYS.filter(lambda k: k not in params), label="new key")
        tampered[new_key] = tampered.pop(old_key)
    elif params:
        key = data.draw(st.sampled_from(sorted(params)), label="key")
        tampered[key] = data.draw(SAFE_TEXT.filter(lambda v: v != params[key]), label="value")
    else:
        tampered[data.draw(KEYS, label="added key")] = data.draw(SAFE_TEXT, label="added value")
    # Q5: name and value boundaries are not signed, so an identical concatenation still passes.
    same_payload = signing_payload("", tampered) == signing_payload("", params)
    assert RequestValidator(TOKEN).validate(url, tampered, signature) is same_payload


@settings(max_examples=500, deadline=None)
@given(url=urls(), params=PARAMS, data=st.data())
def test_changing_a_path_or_query_byte_fails(url: str, params: dict, data: st.DataObject) -> None:
    start = url.index("/", len("https://"))
    if start == len(url) - 1:
        url += "x"  # leave at least one path byte to change
    signature = compute_signature(TOKEN, signing_url(url), params)
    index = data.draw(st.integers(start + 1, len(url) - 1), label="index")
    replacement = data.draw(st.sampled_from(PATH_CHARS).filter(lambda c: c != url[index]))
    tampered_url = url[:index] + replacement + url[index + 1 :]
    assert not RequestValidator(TOKEN).validate(tampered_url, params, signature)


@settings(max_examples=200, deadline=None)
@given(url=urls(), params=PARAMS)
def test_changing_the_host_or_scheme_fails(url: str, params: dict) -> None:
    signature = compute_signature(TOKEN, signing_url(url), params)
    validator = RequestValidator(TOKEN)
    assert not validator.validate(url.replace("://", "://x", 1), params, signature)
    other_scheme = "http" if url.startswith("https") else "https"
    assert not validator.validate(other_scheme + url[url.index(":") :], params, signature)


# --- the documented equivalence classes, asserted explicitly ---------------------------------


def test_q1_the_port_is_not_authenticated() -> None:
    params = {"TaskSid": "WT1"}
    signature = compute_signature(TOKEN, "https://abc.ngrok-free.app/assignment", params)
    validator = RequestValidator(TOKEN)
    for url in (
        "https://abc.ngrok-free.app:443/assignment",
        "https://abc.ngrok-free.app:8080/assignment",
    ):
        assert validator.validate(url, params, signature)


def test_q5_boundaries_are_not_authenticated() -> None:
    url = "https://h.example/cb"
    assert compute_signature(TOKEN, url, {"ab": "c"}) == compute_signature(TOKEN, url, {"a": "bc"})
    original = {"TaskSid": "WT1", "WorkerSid": "WK1", "TaskAttributes": '{"a":1}'}
    folded = {"TaskAttributes": '{"a":1}TaskSidWT1', "WorkerSid": "WK1"}
    signature = compute_signature(TOKEN, url, original)
    assert RequestValidator(TOKEN).validate(url, folded, signature)


def test_q4_duplicate_values_collapse() -> None:
    url = "https://h.example/cb"
    assert compute_signature(TOKEN, url, {"a": ["x", "x"]}) == compute_signature(
        TOKEN, url, {"a": "x"}
    )


@settings(max_examples=500, derandomize=True)
@given(st.dictionaries(st.text(min_size=1, max_size=20), st.text(max_size=60), max_size=12))
def test_callback_bodies_are_form_encoded_exactly_as_urlencode_does(params: dict) -> None:
    """The emulator's callback encoder skips and remembers quoting; the bytes must not differ."""
    from urllib.parse import urlencode

    from trctl.emulator.delivery.wire import form_encode

    assert form_encode(params) == urlencode(list(params.items()))


WORDY = st.text(alphabet="aZ09_.~- é+&=%", max_size=30)


@settings(max_examples=300, derandomize=True)
@given(st.dictionaries(WORDY.filter(bool), WORDY, max_size=8))
def test_words_and_spaces_are_form_encoded_as_urlencode_does(params: dict) -> None:
    """Mostly the characters of an event's description (words, spaces), where the encoder
    takes a short cut, with a few that need quoting; and the request's Content-Length is the
    body's length in bytes."""
    from urllib.parse import urlencode, urlsplit

    from trctl.emulator.delivery.wire import encode_post, form_encode, request_head

    assert form_encode(params) == urlencode(list(params.items()))
    request = encode_post(request_head(urlsplit("http://h.example/é"), {}), params, {"A": "b"})
    head, _, body = request.partition(b"\r\n\r\n")
    assert body == urlencode(list(params.items())).encode()
    assert f"Content-Length: {len(body)}".encode() in head
