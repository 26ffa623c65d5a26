"""`trctl serve-callback`: answer TaskRouter's assignment callbacks locally, tunnelled and wired."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from trctl.cli.context import get_app
from trctl.cli.output import info
from trctl.cli.params import FilePath
from trctl.cli.serve_support import LiveLog, Session, stop_on_signals, worker_names
from trctl.errors import ConfigError, ListenError, TunnelError, UsageError
from trctl.services.client import is_twilio
from trctl.services.liveness import LOOPBACK_HOSTS
from trctl.vocab.instructions import ANSWER_NAMES

TUNNEL_CHECK_SECONDS = 0.5


def needs_tunnel(api_url: str | None) -> bool:
    """Real Twilio (no --api-url, or an https non-local one) must reach us through a tunnel."""
    return is_twilio(api_url)


def _no_auth_token(settings: Any) -> ConfigError:
    """Why serve-callback cannot start without the auth token, and what to do."""
    insecure = "; for local experiments only, --insecure-no-verify skips the check"
    if settings.api_key:
        return ConfigError(
            f"the credentials in use ({settings.source('api_key')}) are an API key, which can "
            "call the API but cannot check X-Twilio-Signature: Twilio signs every callback with "
            "the account's auth token",
            hint="also provide the auth token: set TWILIO_AUTH_TOKEN, or add it to the profile "
            f"with `trctl profiles set NAME --account-sid AC...` (it asks for it){insecure}",
        )
    return ConfigError(
        "serve-callback needs the account's auth token to check X-Twilio-Signature",
        hint=f"set TWILIO_AUTH_TOKEN, or use a profile that holds it{insecure}",
    )


def build_decide(
    session: Session,
    instruction: str,
    params: tuple[str, ...],
    activity: str | None,
    rules: Path | None,
) -> tuple[Any, str]:
    """The decide() function and a description of it for the status line."""
    from trctl.callback import instructions
    from trctl.callback.rules import load_rules

    if rules is not None:
        if params or activity or instruction != "accept":
            raise UsageError("--rules decides the answers: drop --instruction/--param/--activity")
        loaded = load_rules(rules, resolve_activity=session.activity_sid)
        default = instructions.instruction_of(loaded.default)
        return loaded.decide, f"rules from {rules.name} ({len(loaded.rules)}, default {default})"
    pairs = instructions.parse_param_pairs(params)
    if activity is not None:
        if instruction != "reject":
            raise UsageError("--activity goes with --instruction reject")
        pairs["activity"] = activity
    answer = instructions.build_answer(
        instruction, pairs, resolve_activity=session.activity_sid, where="--param"
    )
    return instructions.constant(answer), instructions.describe(answer)


@click.command("serve-callback")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option("--port", default=0, type=click.IntRange(0, 65535), help="Port (default: free).")
@click.option("--path", "path", default="/assignment", show_default=True, help="Callback path.")
@click.option(
    "--instruction",
    type=click.Choice(ANSWER_NAMES),
    default="accept",
    show_default=True,
    help="Answer every reservation with this instruction (`none` answers {}).",
)
@click.option(
    "--param",
    "params",
    multiple=True,
    metavar="NAME=VALUE",
    help="Instruction parameter, repeatable, e.g. --param from=+15551234567.",
)
@click.option("--activity", metavar="NAME|SID", help="With reject: the worker's next activity.")
@click.option(
    "--rules",
    type=FilePath(path_type=Path),
    help="JSON/TOML rules file: first matching `when` expression answers.",
)
@click.option("--workflow", metavar="NAME|SID", help="Workflow to wire (default: the only one).")
@click.option("--no-wire", is_flag=True, help="Do not change the workflow's AssignmentCallbackUrl.")
@click.option("--events", is_flag=True, help="Also receive and show workspace event callbacks.")
@click.option(
    "--tunnel/--no-tunnel",
    default=None,
    help="Force an ngrok tunnel on or off (default: only against real Twilio).",
)
@click.option("--public-url", metavar="URL", help="Your own public base URL (no ngrok).")
@click.option("--ngrok-path", metavar="PATH", help="ngrok binary [env PYNGROK_NGROK_PATH].")
@click.option(
    "--insecure-no-verify", is_flag=True, help="Do not check X-Twilio-Signature (local tests only)."
)
@click.option("--json", "json_lines", is_flag=True, help="Live log as JSON lines on stdout.")
def serve_callback(
    host: str,
    port: int,
    path: str,
    instruction: str,
    params: tuple[str, ...],
    activity: str | None,
    rules: Path | None,
    workflow: str | None,
    no_wire: bool,
    events: bool,
    tunnel: bool | None,
    public_url: str | None,
    ngrok_path: str | None,
    insecure_no_verify: bool,
    json_lines: bool,
) -> None:
    """Answer assignment callbacks on a local server.

    The answer is accept unless an option or a rules file says otherwise.

    Every request must carry a valid X-Twilio-Signature for the public URL, signed with
    TWILIO_AUTH_TOKEN. Against real Twilio an ngrok tunnel is opened (NGROK_AUTHTOKEN); against
    the emulator (--api-url http://127.0.0.1:...) none is needed. The workflow's
    AssignmentCallbackUrl is pointed here and restored on exit (Ctrl-C or SIGTERM).
    """
    app = get_app()
    token = app.settings.auth_token
    if not insecure_no_verify and not token:
        raise _no_auth_token(app.settings)
    if public_url and tunnel:
        raise UsageError("--public-url and --tunnel contradict each other")
    if not path.startswith("/") or "?" in path or path == "/events":
        raise UsageError(f"--path {path!r} must start with '/', have no query and not be /events")
    use_tunnel = needs_tunnel(app.settings.api_url) if tunnel is None else tunnel
    loopback = host in LOOPBACK_HOSTS
    if insecure_no_verify and (public_url or use_tunnel or not loopback):
        raise UsageError(
            "--insecure-no-verify is refused on a public URL or a non-loopback --host",
            hint="add --no-tunnel and keep --host 127.0.0.1, or provide TWILIO_AUTH_TOKEN",
        )
    if use_tunnel and not public_url:
        from trctl.callback.tunnel import check_prerequisites

        ngrok_path = check_prerequisites(ngrok_path)  # before any request: no half-wired run
    if insecure_no_verify:
        info("WARNING: --insecure-no-verify: X-Twilio-Signature is NOT checked; anyone who can")
        info("WARNING: reach this server can accept or reject reservations. Local tests only.")
    if not loopback:
        info(f"WARNING: binding {host}: reachable from other machines, not only through a tunnel.")

    session = Session()
    with stop_on_signals(session.stop):
        try:
            _run(
                session,
                app,
                token=None if insecure_no_verify else token,
                host=host,
                port=port,
                path=path,
                decide_options=(instruction, params, activity, rules),
                workflow=workflow,
                wire=not no_wire,
                events=events,
                tunnel=use_tunnel,
                public_url=public_url,
                ngrok_path=ngrok_path,
                log=LiveLog(json_lines=json_lines),
            )
        finally:
            session.close()
            if session.server is not None and session.ready:
                from trctl.callback.livelog import summary_line

                info(summary_line(session.server.summary()))


def _run(
    session: Session,
    app: Any,
    *,
    token: str | None,
    host: str,
    port: int,
    path: str,
    decide_options: tuple[str, tuple[str, ...], str | None, Path | None],
    workflow: str | None,
    wire: bool,
    events: bool,
    tunnel: bool,
    public_url: str | None,
    ngrok_path: str | None,
    log: Any,
) -> None:
    from trctl.callback.server import CallbackServer

    decide, described = build_decide(session, *decide_options)
    # API problems (credentials, an unknown workflow) fail before anything is started or printed
    chosen_workflow = session.resolver().workflow(workflow) if wire else None
    if wire or session.has_api:
        log.worker_name = worker_names(session)
    try:
        session.server = CallbackServer(
            token,
            host=host,
            port=port,
            path=path,
            events_path="/events" if events else None,
            decide=decide,
            public_url=public_url,
            verify=token is not None,
            on_record=log.write,
        ).start()
    except ValueError as exc:
        raise UsageError(str(exc)) from exc
    except OSError as exc:
        raise ListenError.binding(host, port, exc) from exc
    server = session.server
    if tunnel and not public_url:
        from trctl.callback.tunnel import open_tunnel

        session.tunnel = open_tunnel(server.local_base, ngrok_path=ngrok_path)
        server.set_public_url(session.tunnel.public_url)
    info(f"Answering assignment callbacks with {described}")
    info(f"Callback URL: {server.url}")
    if server.url != server.local_url:
        info(f"Forwarding:   {server.url} -> {server.local_url}")
    if events:
        info(f"Events URL:   {server.events_url}")
    if chosen_workflow is not None:
        _wire(session, chosen_workflow, events)
    info("Ready. Press Ctrl-C to stop.")
    session.ready = True
    while not session.stop.wait(TUNNEL_CHECK_SECONDS):
        if session.tunnel is not None and not session.tunnel.alive():
            raise TunnelError(
                "the ngrok agent exited; callbacks can no longer reach this server",
                hint="check the network and your ngrok account, then start serve-callback again",
            )


def _wire(session: Session, chosen: dict[str, Any], events: bool) -> None:
    """Point the URLs here; each original is saved first (config dir) so a SIGKILL is undone
    by the next run or `trctl doctor`."""
    import os

    from trctl.redact import redact
    from trctl.services.wiring import CallbackWiring, Ledger

    app = get_app()
    ledger = Ledger(app.env.environ, app.settings.api_url, session.server.local_url, os.getpid())
    session.wiring = CallbackWiring(app.client, session.resolver().workspace_sid, ledger=ledger)
    name = chosen.get("friendly_name") or chosen["sid"]
    change = session.wiring.wire_workflow(chosen["sid"], session.server.url, label=repr(name))
    _show_notes(change)
    was = f" (was {redact(repr(change.previous))})" if change.previous else ""
    info(f"Wired:        workflow {name!r} ({chosen['sid']}) AssignmentCallbackUrl{was}")
    if events:
        change = session.wiring.wire_events(session.server.events_url)
        _show_notes(change)
        was = f" (was {redact(repr(change.previous))})" if change.previous else ""
        info(f"Wired:        workspace EventCallbackUrl{was}")
    info("              restored when serve-callback stops")


def _show_notes(change: Any) -> None:
    from trctl.redact import redact  # a replaced URL may carry user:pass@

    for note in change.notes:
        info(redact(f"Warning: {note}"))
