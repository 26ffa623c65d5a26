"""Why a signature does not verify: check a received request's X-Twilio-Signature as twilio's
RequestValidator does, and when it fails, find the URL Twilio really signed (another scheme,
host, port, trailing slash or query string: what proxies and tunnels change)."""

from __future__ import annotations

import hmac
import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from trctl.callback.signature import (
    SIGNATURE_HEADER,
    BadForm,
    FormParams,
    SignatureChecker,
    parse_form,
)
from trctl.documents import loads_json

DEFAULT_PORTS = {"http": 80, "https": 443}
HOST_HEADERS = ("host", "x-forwarded-host", "x-original-host")


class BadRequestFile(ValueError):
    """A request that cannot be read (the message says what is missing or malformed)."""


@dataclass
class Received:
    """A request as the application received it: the URL it reconstructs, the signature
    header, the form body, and other host names it was known by (Host, X-Forwarded-Host)."""

    url: str
    signature: str
    params: FormParams
    hosts: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Verification:
    """`valid`: the signature matches the URL as given (RequestValidator's rules). Otherwise
    `signed_url` is the variant that matches, if one does, and `differences` say how it
    differs (scheme, host, port, trailing slash, query string)."""

    url: str
    valid: bool
    signed_url: str | None = None
    differences: tuple[str, ...] = ()
    tried: int = 0

    def summary(self) -> dict[str, Any]:
        return {
            "valid": self.valid,
            "url": self.url,
            "signed_url": self.signed_url,
            "differences": list(self.differences),
        }


def received(url: str, signature: str, body: str, hosts: list[str] | None = None) -> Received:
    """A request from its parts (the body form-encoded, as TaskRouter posts it)."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise BadRequestFile(f"the URL {url!r} must be an absolute http(s) URL")
    if not signature.strip():
        raise BadRequestFile(f"no {SIGNATURE_HEADER} given")
    try:
        params = parse_form(body.encode("utf-8"))
    except BadForm as exc:
        raise BadRequestFile(f"the body is not a form: {exc}") from exc
    return Received(url.strip(), signature.strip(), params, list(hosts or []))


def read_request(text: str, url: str | None = None) -> Received:
    """A request from a file: a JSON object {"url", "signature", "body"}, or the raw HTTP
    request as an inspector shows it (request line, headers, blank line, body), whose URL is
    http://HOST/PATH unless `url` is given (the app sees http behind a TLS-terminating proxy)."""
    stripped = text.lstrip()
    if stripped.startswith("{"):
        try:
            document = loads_json(stripped)
        except ValueError as exc:  # TooDeep too: json.loads would raise RecursionError
            raise BadRequestFile(f"not valid JSON: {exc}") from exc
        if not isinstance(document, dict):
            raise BadRequestFile("expected a JSON object with url, signature and body")
        return received(
            str(url or document.get("url") or ""),
            str(document.get("signature") or ""),
            str(document.get("body") or ""),
        )
    head, _, body = stripped.replace("\r\n", "\n").partition("\n\n")
    lines = head.split("\n")
    words = lines[0].split()
    if len(words) < 2 or not words[1].startswith("/"):
        raise BadRequestFile("expected a request line such as 'POST /assignment HTTP/1.1'")
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, colon, value = line.partition(":")
        if not colon:
            raise BadRequestFile(f"not a header line: {line!r}")
        headers[name.strip().lower()] = value.strip()
    hosts = [headers[name] for name in HOST_HEADERS if headers.get(name)]
    if url is None and not hosts:
        raise BadRequestFile("no Host header: give the URL the application saw with --url")
    seen_url = url or f"http://{hosts[0]}{words[1]}"
    return received(seen_url, headers.get(SIGNATURE_HEADER.lower(), ""), body.rstrip("\n"), hosts)


def verify(request: Received, auth_token: str) -> Verification:
    """Check the signature as twilio's RequestValidator does; when it fails, try the variants
    of the URL, fewest differences first, and report the first that matches."""
    from twilio.request_validator import RequestValidator

    if SignatureChecker(auth_token).valid(request.url, request.params, [request.signature]):
        return Verification(request.url, True)
    signer = RequestValidator(auth_token)
    tried = 0
    for candidate, differences in _variants(request):
        tried += 1
        if signatures_match(signer.compute_signature(candidate, request.params), request.signature):
            return Verification(request.url, False, candidate, differences, tried)
    return Verification(request.url, False, tried=tried)


def signatures_match(expected: str, received: str) -> bool:
    return hmac.compare_digest(expected.encode(), received.encode())


def _variants(request: Received) -> Iterator[tuple[str, tuple[str, ...]]]:
    """Every URL a proxy or tunnel could have made of the signed one, by fewest differences."""
    parts = urlsplit(request.url)
    other_scheme = "https" if parts.scheme == "http" else "http"
    hosts = [parts.hostname or ""] + [
        h.split(":")[0] for h in request.hosts if h.split(":")[0] != parts.hostname
    ]
    ports: list[int | None] = [
        parts.port,
        None,
        DEFAULT_PORTS[parts.scheme],
        DEFAULT_PORTS[other_scheme],
    ]
    ports.extend(
        int(h.split(":")[1])
        for h in request.hosts
        if h.count(":") == 1 and h.split(":")[1].isdigit()
    )
    path = parts.path or "/"
    paths = [path, path.rstrip("/") if path.endswith("/") and path != "/" else path + "/"]
    queries = [parts.query, ""] if parts.query else [""]
    found: dict[str, tuple[str, ...]] = {}
    for scheme, host, port, new_path, query in itertools.product(
        [parts.scheme, other_scheme], dict.fromkeys(hosts), dict.fromkeys(ports), paths, queries
    ):
        netloc = host if port is None else f"{host}:{port}"
        candidate = urlunsplit((scheme, netloc, new_path, query, ""))
        differences = tuple(
            what
            for what, changed in (
                (f"scheme {scheme}, not {parts.scheme}", scheme != parts.scheme),
                (f"host {host}, not {parts.hostname}", host != parts.hostname),
                (_port_change(parts.port, port), port != parts.port),
                (_slash_change(new_path), new_path != path),
                ("no query string", query != parts.query),
            )
            if changed
        )
        if candidate != request.url and candidate not in found:
            found[candidate] = differences
    yield from sorted(found.items(), key=lambda item: len(item[1]))


def _port_change(was: int | None, now: int | None) -> str:
    if now is None:
        return f"no port, not {was}"
    return f"port {now}, not {was}" if was is not None else f"port {now} added"


def _slash_change(path: str) -> str:
    return "with a trailing slash" if path.endswith("/") else "without the trailing slash"
