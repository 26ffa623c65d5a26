"""twilio-cli's config file, read-only: its profiles and the one twilio-cli treats as active."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from trctl.config.files import parse_json_object, twilio_cli_config_path
from trctl.errors import ConfigError

# twilio-cli's config file (read-only): {"profiles": {ID: {accountSid, apiKey, apiSecret,
# region}}, "activeProject": ID, "projects": [legacy entries without secrets]}


@dataclass(frozen=True)
class TwilioCliProfile:
    """One twilio-cli profile as twilio-cli itself would pick it."""

    name: str
    account_sid: str | None
    api_key: str | None
    api_secret: str | None
    path: Path


def read_twilio_cli(env: Mapping[str, str]) -> tuple[str | None, list[TwilioCliProfile]]:
    """(active profile id, profiles) from twilio-cli's config.json; nothing if it is absent."""
    path = twilio_cli_config_path(env)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None, []
    except OSError as exc:
        raise ConfigError(f"cannot read twilio-cli's {path}: {exc.strerror or exc}") from exc
    data = parse_json_object(path, text)
    found: list[TwilioCliProfile] = []
    for project in data.get("projects") or []:  # twilio-cli < 6 kept these secrets in a keychain
        if isinstance(project, dict) and isinstance(project.get("id"), str):
            found.append(_cli_profile(project["id"], project, path))
    profiles = data.get("profiles") or {}
    if isinstance(profiles, dict):
        for name, values in profiles.items():
            if isinstance(values, dict):
                found.append(_cli_profile(name, values, path))
    active = data.get("activeProject")
    return (active if isinstance(active, str) else None), found


def _cli_profile(name: str, values: Mapping[str, object], path: Path) -> TwilioCliProfile:
    def text(key: str) -> str | None:
        value = values.get(key)
        return (value.strip() or None) if isinstance(value, str) else None

    return TwilioCliProfile(name, text("accountSid"), text("apiKey"), text("apiSecret"), path)


def twilio_cli_profile(env: Mapping[str, str], name: str | None = None) -> TwilioCliProfile | None:
    """The named twilio-cli profile, or the one twilio-cli treats as active (like its config.js)."""
    active, profiles = read_twilio_cli(env)
    by_name = {p.name: p for p in profiles}
    if name is not None:
        return by_name.get(name)
    if active and active in by_name:
        return by_name[active]
    return profiles[0] if profiles else None
