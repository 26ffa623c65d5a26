"""`trctl profiles list|set|use|remove`: named credentials in trctl's 0600 config file."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import click

from trctl.cli.context import get_app
from trctl.cli.output import Column, emit, info, list_options
from trctl.errors import NotFoundError, UsageError

if TYPE_CHECKING:
    from trctl.config import ProfileFile

ACCOUNT_SID = re.compile(r"^AC[0-9a-fA-F]{32}$")
API_KEY_SID = re.compile(r"^SK[0-9a-fA-F]{32}$")


@click.group("profiles")
def profiles() -> None:
    """Manage named credentials; secrets are never arguments.

    Secrets are prompted for, read from stdin or copied from the environment.
    """


def _load() -> ProfileFile:
    from trctl.config import read_profile_file

    return read_profile_file(get_app().env.environ)


def _save(profile_file: ProfileFile) -> None:
    from trctl.config import display_path, write_profile_file

    was_insecure = profile_file.insecure
    write_profile_file(profile_file)
    if was_insecure:
        info(f"note: {display_path(profile_file.path, get_app().env.environ)} is now mode 0600")


def _require(profile_file: ProfileFile, name: str) -> None:
    if name in profile_file.profiles:
        return
    from trctl.config import read_twilio_cli

    known = ", ".join(profile_file.names()) or "none yet"
    _, cli_profiles = read_twilio_cli(get_app().env.environ)
    if any(cli.name == name for cli in cli_profiles):
        raise UsageError(
            f'"{name}" is a twilio-cli profile, which trctl only reads',
            hint=f"change it with twilio-cli (`twilio profiles:remove {name}`); trctl's: {known}",
        )
    cli_names = ", ".join(cli.name for cli in cli_profiles)
    twilio = f"; twilio-cli's: {cli_names}" if cli_names else ""
    raise NotFoundError(
        f'no trctl or twilio-cli profile named "{name}"', hint=f"known: {known}{twilio}"
    )


def _credential_text(values: Mapping[str, str | None]) -> str:
    from trctl.config import mask

    if values.get("api_key"):
        secret = mask(values.get("api_secret")) if values.get("api_secret") else "(no secret)"
        return f"api key {values['api_key']} + secret {secret}"
    if values.get("auth_token"):
        return f"auth token {mask(values['auth_token'])}"
    return "(none)"


def profile_records() -> list[dict[str, Any]]:
    """trctl profiles, then twilio-cli's (read-only); secrets masked."""
    from trctl.config import SECRET_SETTINGS, display_path, mask, read_twilio_cli

    environ = get_app().env.environ
    profile_file = _load()
    if profile_file.insecure:
        info(f"warning: {profile_file.insecure}; fix with: chmod 600 {profile_file.path}")
    records: list[dict[str, Any]] = []
    for name in profile_file.names():
        values = profile_file.profiles[name]
        record: dict[str, Any] = {"name": name, "active": name == profile_file.active}
        record["source"] = display_path(profile_file.path, environ)
        record.update({k: mask(v) if k in SECRET_SETTINGS else v for k, v in values.items()})
        record["credentials"] = _credential_text(values)
        records.append(record)
    cli_active, cli_profiles = read_twilio_cli(environ)
    fallback = profile_file.active not in profile_file.profiles
    cli_names = {p.name for p in cli_profiles}
    if profile_file.active in cli_names:  # chosen with `trctl profiles use`
        cli_active = profile_file.active
    for index, cli in enumerate(cli_profiles):
        is_cli_active = cli.name == cli_active or (index == 0 and cli_active not in cli_names)
        values = {"account_sid": cli.account_sid, "api_key": cli.api_key}
        values["api_secret"] = cli.api_secret
        records.append(
            {
                "name": cli.name,
                "active": fallback and is_cli_active,
                "source": f"twilio-cli ({display_path(cli.path, environ)})",
                "account_sid": cli.account_sid,
                "api_key": cli.api_key,
                "api_secret": mask(cli.api_secret) if cli.api_secret else None,
                "credentials": _credential_text(values),
            }
        )
    return records


PROFILE_COLUMNS = (
    Column("", lambda r: "*" if r.get("active") else "", keep=True, slug="active"),
    Column("NAME", "name", keep=True),
    Column("ACCOUNT SID", "account_sid", no_wrap=True, rank=3),
    Column("CREDENTIALS", "credentials", rank=2),
    Column("WORKSPACE", "workspace", rank=1),
    Column("API URL", "api_url", rank=1),
    Column("SOURCE", "source", rank=0),
)


@profiles.command("list")
@list_options(PROFILE_COLUMNS)
def profiles_list() -> None:
    """List trctl's and twilio-cli's profiles, secrets masked.

    The active one is marked with *.
    """
    emit(profile_records(), PROFILE_COLUMNS)


@profiles.command("set")
@click.argument("name")
@click.option("--account-sid", metavar="AC...", help="Account SID (required for a new profile).")
@click.option("--api-key", metavar="SK...", help="Use an API key; its secret is asked for.")
@click.option("--workspace", metavar="SID|NAME", help="Default workspace ('' clears it).")
@click.option("--workflow", metavar="SID|NAME", help="Default workflow ('' clears it).")
@click.option("--api-url", metavar="URL", help="TaskRouter base URL, e.g. the emulator.")
@click.option("--secret-stdin", is_flag=True, help="Read the auth token / API secret from stdin.")
@click.option(
    "--from-env",
    is_flag=True,
    help="Copy TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, TWILIO_API_KEY/SECRET from the environment.",
)
@click.option("--use", "make_active", is_flag=True, help="Make it the active profile.")
def profiles_set(
    name: str,
    account_sid: str | None,
    api_key: str | None,
    workspace: str | None,
    workflow: str | None,
    api_url: str | None,
    secret_stdin: bool,
    from_env: bool,
    make_active: bool,
) -> None:
    """Create or update profile NAME.

    The auth token (or, with --api-key, the API secret) is read from a hidden prompt, from
    stdin with --secret-stdin, or from the environment with --from-env; never from arguments.
    Updating a profile without a new secret keeps the stored one.
    """
    from trctl.config import Setting, check_api_url, check_profile_name, display_path

    env = get_app().env
    check_profile_name(name)
    check_api_url(Setting(api_url or None, "flag --api-url"))
    if secret_stdin and from_env:
        raise UsageError("--secret-stdin and --from-env contradict each other")
    profile_file = _load()
    stored = dict(profile_file.profiles.get(name, {}))
    updates: dict[str, str | None] = {"account_sid": account_sid, "api_key": api_key}
    if from_env:
        updates.update(_from_env(env.environ, account_sid, api_key))
    elif secret_stdin:
        kind = "api_secret" if (api_key or stored.get("api_key")) else "auth_token"
        updates[kind] = _read_stdin_secret(env.stdin, kind)
    merged = {**stored, **{k: v for k, v in updates.items() if v}}
    for key, value in (("workspace", workspace), ("workflow", workflow), ("api_url", api_url)):
        if value is not None:
            merged[key] = value
    merged = {k: v for k, v in merged.items() if v}
    _validate_ids(merged)
    kind = "api_secret" if merged.get("api_key") else "auth_token"
    if not updates.get(kind):
        keepable = _same_identity(stored, merged, kind)
        if not keepable:
            merged.pop(kind, None)
        if env.stdin_isatty:
            typed = _prompt_secret(kind, merged, keep_allowed=keepable)
            merged[kind] = typed or merged[kind]
        elif not keepable:
            raise UsageError(
                f"no {_secret_label(kind)} given and no terminal to ask on",
                hint="pipe it with --secret-stdin, or copy it from the environment with --from-env",
            )
    profile_file.profiles[name] = merged
    if make_active or profile_file.active not in profile_file.profiles:
        profile_file.active = name
    _save(profile_file)
    state = "active" if profile_file.active == name else "not active"
    info(f'saved profile "{name}" ({state}) in {display_path(profile_file.path, env.environ)}')


def _same_identity(stored: Mapping[str, str], merged: Mapping[str, str], kind: str) -> bool:
    """A stored secret still belongs to the profile's account SID / API key."""
    owner = "api_key" if kind == "api_secret" else "account_sid"
    return bool(stored.get(kind)) and stored.get(owner) == merged.get(owner)


def _validate_ids(values: Mapping[str, str]) -> None:
    if not values.get("account_sid"):
        raise UsageError("a new profile needs --account-sid AC... (or --from-env)")
    if not ACCOUNT_SID.match(values["account_sid"]):
        raise UsageError(
            f"invalid account SID {values['account_sid']!r}",
            hint="expected AC followed by 32 hex digits",
        )
    if values.get("api_key") and not API_KEY_SID.match(values["api_key"]):
        raise UsageError(
            f"invalid API key SID {values['api_key']!r}",
            hint="expected SK followed by 32 hex digits",
        )


def _from_env(
    env: Mapping[str, str], account_sid: str | None, api_key: str | None
) -> dict[str, str | None]:
    found: dict[str, str | None] = {
        "account_sid": account_sid or env.get("TWILIO_ACCOUNT_SID"),
        "auth_token": env.get("TWILIO_AUTH_TOKEN"),
    }
    env_key = env.get("TWILIO_API_KEY")
    if api_key or (env_key and env.get("TWILIO_API_SECRET")):
        found["api_key"] = api_key or env_key
        found["api_secret"] = env.get("TWILIO_API_SECRET")
        if not found["api_secret"]:
            raise UsageError("--from-env: TWILIO_API_SECRET is not set")
    elif not found["auth_token"]:
        raise UsageError(
            "--from-env: neither TWILIO_AUTH_TOKEN nor TWILIO_API_KEY + TWILIO_API_SECRET is set"
        )
    return found


def _secret_label(kind: str) -> str:
    return "API secret" if kind == "api_secret" else "auth token"


def _read_stdin_secret(stdin: Any, kind: str) -> str:
    line = stdin.readline()
    secret = line.strip()
    if not secret:
        raise UsageError(f"--secret-stdin: no {_secret_label(kind)} on standard input")
    if any(c.isspace() for c in secret):
        raise UsageError(f"--secret-stdin: the {_secret_label(kind)} contains whitespace")
    return secret


def _prompt_secret(kind: str, values: Mapping[str, str], *, keep_allowed: bool = False) -> str:
    label = _secret_label(kind)
    owner = values.get("api_key") if kind == "api_secret" else values.get("account_sid")
    prompt = f"{label.capitalize()} for {owner}" + (" (Enter keeps the stored one)" * keep_allowed)
    secret = click.prompt(
        prompt, hide_input=True, default="" if keep_allowed else None, show_default=False
    )
    secret = secret.strip()
    if any(c.isspace() for c in secret):
        raise UsageError(f"the {label} contains whitespace")
    return secret


@profiles.command("use")
@click.argument("name")
def profiles_use(name: str) -> None:
    """Make NAME the active profile: trctl's, or one of twilio-cli's.

    A twilio-cli profile is read from twilio-cli's config file on each run, never copied.
    """
    from trctl.config import display_path, twilio_cli_profile

    profile_file = _load()
    cli = None
    if name not in profile_file.profiles:
        cli = twilio_cli_profile(get_app().env.environ, name)
        if cli is None:
            _require(profile_file, name)
    profile_file.active = name
    _save(profile_file)
    if cli is None:
        info(f'active profile: "{name}"')
    else:
        where = display_path(cli.path, get_app().env.environ)
        info(f'active profile: "{name}", twilio-cli\'s (read from {where} on each run)')


@profiles.command("remove")
@click.argument("name")
def profiles_remove(name: str) -> None:
    """Delete profile NAME and its stored secrets."""
    profile_file = _load()
    _require(profile_file, name)
    del profile_file.profiles[name]
    if profile_file.active == name:
        profile_file.active = None
    _save(profile_file)
    info(f'removed profile "{name}"' + ("" if profile_file.active else "; no profile is active"))
