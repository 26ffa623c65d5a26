"""`trctl callback send|verify`: test your callback endpoint the way TaskRouter calls it."""

from __future__ import annotations

import json
import time
from typing import Any

import click

from trctl.cli.context import get_app
from trctl.cli.output import Column, current_format, emit_one, out, output_options
from trctl.cli.params import ATTR_PAIR
from trctl.errors import ConfigError, UsageError

SEND_FIELDS = (
    Column("STATUS", "status"),
    Column("INSTRUCTION", "instruction"),
    Column("ACTED", "acted"),
    Column("PROBLEMS", "problems"),
)
VERIFY_FIELDS = (
    Column("VALID", "valid"),
    Column("URL", "url"),
    Column("SIGNED URL", "signed_url"),
    Column("DIFFERENCES", "differences"),
)
BODY_SHOWN = 2000  # characters of the app's answer shown


def auth_token(doing: str) -> str:
    """The account's auth token (Twilio signs callbacks with it), or a configuration error."""
    settings = get_app().settings
    if settings.auth_token:
        return str(settings.auth_token)
    if settings.api_key:
        raise ConfigError(
            f"the credentials in use ({settings.source('api_key')}) are an API key; {doing} "
            "needs the account's auth token, which Twilio signs callbacks with",
            hint="set TWILIO_AUTH_TOKEN, or add it to the profile",
        )
    raise ConfigError(f"{doing} needs the account's auth token", hint="set TWILIO_AUTH_TOKEN")


@click.group("callback")
def callback() -> None:
    """Send a signed test callback, or check a signature."""


@callback.command("send")
@click.argument("url")
@click.option(
    "--event",
    "event_type",
    metavar="TYPE",
    help="Send this workspace event callback instead (see `trctl events types`).",
)
@click.option(
    "--task-attr",
    "task_attrs",
    type=ATTR_PAIR,
    multiple=True,
    help="A task attribute key=value (repeatable; JSON values, dotted keys nest).",
)
@click.option(
    "--worker-attr",
    "worker_attrs",
    type=ATTR_PAIR,
    multiple=True,
    help="A worker attribute key=value (repeatable), added to --worker's.",
)
@click.option(
    "--worker",
    metavar="NAME|SID",
    help="Take the worker (SID, attributes, activity) from the current workspace.",
)
@click.option(
    "--priority",
    type=click.IntRange(0, 2**31 - 1),
    default=0,
    show_default=True,
    help="The task's priority.",
)
@output_options
def callback_send(
    url: str,
    event_type: str | None,
    task_attrs: tuple[str, ...],
    worker_attrs: tuple[str, ...],
    worker: str | None,
    priority: int,
) -> None:
    """Send URL a signed assignment callback and judge the answer.

    The fields are those of real TaskRouter callbacks, signed with TWILIO_AUTH_TOKEN
    (X-Twilio-Signature) and carrying I-Twilio-Idempotency-Token. The answer is read by the
    emulator's own reader, so the verdict is the emulator's: the status, the content type, the
    5 s deadline, a known instruction and valid parameters for it, and which Twilio error or
    warning the answer would cause (11200, 40001, 40005, 55555...). Exit 0 when TaskRouter
    would act on the answer (an instruction, or `{}` for a REST decision later), 1 when it
    would not, saying why.
    """
    from trctl.callback import sample
    from trctl.emulator.delivery.probe import probe
    from trctl.services.attributes import pairs_to_object
    from trctl.services.events import check_event_type
    from trctl.vocab.callbacks import assignment_token

    if not url.lower().startswith(("http://", "https://")):
        raise UsageError(f"URL {url!r} must start with http:// or https://")
    kind = check_event_type(event_type, "--event") if event_type else None
    token = auth_token("callback send")
    scene = sample.Scene(account_sid=get_app().settings.account_sid or sample.made_up_sid("AC"))
    worker_attributes = pairs_to_object(worker_attrs, option="--worker-attr")
    if worker:
        worker_attributes = _from_workspace(scene, worker) | worker_attributes
    scene.worker_attributes = _compact(worker_attributes)
    scene.task_attributes = _compact(pairs_to_object(task_attrs, option="--task-attr"))
    scene.task_priority = priority
    now = time.time()  # the callback's Timestamp: the moment of the assignment
    if kind:
        params = sample.event(scene, kind, now)
        idempotency = params["Sid"]
    else:
        params = sample.assignment(scene, now)
        idempotency = assignment_token(scene.reservation_sid)
    verdict = probe(url, params, auth_token=token, idempotency_token=idempotency)
    if current_format() == "table":
        _show_verdict(verdict, kind or "assignment", scene)
    else:
        emit_one(verdict.summary(), SEND_FIELDS)
    if not verdict.acted:
        raise click.exceptions.Exit(1)


def _compact(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _from_workspace(scene: Any, worker: str) -> dict[str, Any]:
    """Fill the scene with a real worker of the current workspace; its attributes."""
    from trctl.cli.params import make_resolver
    from trctl.services.resolve import WORKER

    resolver = make_resolver()
    record = resolver.api.fetch(
        f"/Workspaces/{resolver.workspace_sid}/Workers/{resolver.sid(WORKER, worker)}"
    )
    scene.workspace_sid = resolver.workspace_sid
    scene.worker_sid = record["sid"]
    scene.worker_name = record.get("friendly_name") or scene.worker_name
    scene.activity_sid = record.get("activity_sid") or scene.activity_sid
    scene.activity_name = record.get("activity_name") or scene.activity_name
    attributes = record.get("attributes")
    return dict(attributes) if isinstance(attributes, dict) else {}


def _show_verdict(verdict: Any, what: str, scene: Any) -> None:
    status = verdict.status if verdict.status is not None else "no answer"
    content_type = f" {verdict.content_type}" if verdict.content_type else ""
    out(f"Sent:    {what} callback to {verdict.url} (signed; reservation {scene.reservation_sid})")
    out(f"Answer:  {status}{content_type} in {verdict.ms:.1f} ms")
    body = verdict.body if len(verdict.body) <= BODY_SHOWN else verdict.body[:BODY_SHOWN] + "…"
    if body.strip():
        out(body.rstrip("\n"))
    if verdict.acted:
        out(f"Verdict: accepted: {verdict.outcome}.")
        return
    out("Verdict: TaskRouter would not act on this answer:")
    for problem in verdict.problems:
        out(f"  - {problem}")
    out(f"  {verdict.outcome}.")


@callback.command("verify")
@click.option("--url", metavar="URL", help="The URL the application saw the request at.")
@click.option("--signature", metavar="SIGNATURE", help="The X-Twilio-Signature header's value.")
@click.option("--body", metavar="FORM", help="The form-encoded body, as received.")
@click.option(
    "--file",
    "path",
    metavar="FILE",
    help="A received request: the raw HTTP request (request line, headers, blank "
    "line, body) or a JSON object with url, signature and body; - reads stdin.",
)
@output_options
def callback_verify(
    url: str | None, signature: str | None, body: str | None, path: str | None
) -> None:
    """Check a request's signature; name the URL variant Twilio signed.

    Signed with TWILIO_AUTH_TOKEN, checked as twilio's RequestValidator checks it. When it
    does not match, the variants of the URL a proxy or tunnel makes are tried (the scheme, the
    host from Host or X-Forwarded-Host, the port, a trailing slash, the query string) and the
    one Twilio signed is named: the usual reason validation fails behind ngrok and proxies.
    Exit 0 on a match, 1 on a mismatch.
    """
    from trctl.callback.verify import BadRequestFile, read_request, received, verify

    try:
        if path is not None:
            if body is not None or signature is not None:
                raise UsageError("--file holds the signature and the body: drop --signature/--body")
            request = read_request(_read(path), url)
        elif url and signature is not None and body is not None:
            request = received(url, signature, body)
        else:
            raise UsageError("give --file FILE, or --url, --signature and --body")
    except BadRequestFile as exc:
        raise UsageError(f"{'--file ' + path if path else 'the request'}: {exc}") from exc
    result = verify(request, auth_token("callback verify"))
    if current_format() != "table":
        emit_one(result.summary(), VERIFY_FIELDS)
    elif result.valid:
        out(f"Valid: the signature matches {result.url}")
    elif result.signed_url:
        out(f"Mismatch: the signature does not match {result.url}")
        out(f"It matches {result.signed_url}: {', '.join(result.differences)}.")
        out(
            "Validate against the URL Twilio requested (the public one), not the one the "
            "application rebuilt behind the proxy or tunnel."
        )
    else:
        out(
            f"Mismatch: the signature does not match {result.url}, nor any of "
            f"{result.tried} variants (scheme, host, port, trailing slash, query string)."
        )
        out("Check the auth token (the primary one signs) and that the body is unchanged.")
    if not result.valid:
        raise click.exceptions.Exit(1)


def _read(path: str) -> str:
    if path == "-":
        return get_app().env.stdin.read()
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"--file {path}: {getattr(exc, 'strerror', None) or exc}") from exc
