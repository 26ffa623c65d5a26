"""Where trctl's and twilio-cli's config files live, and reading one as a JSON object."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

from trctl.config.names import CONFIG_FILE
from trctl.documents import TooDeep, loads_json
from trctl.errors import ConfigError


def home_dir(env: Mapping[str, str]) -> Path:
    return Path(env["HOME"]) if env.get("HOME") else Path.home()


def config_dir(env: Mapping[str, str]) -> Path:
    """trctl's directory: TRCTL_CONFIG_DIR, else $XDG_CONFIG_HOME/trctl, else ~/.config/trctl."""
    if env.get("TRCTL_CONFIG_DIR"):
        return Path(env["TRCTL_CONFIG_DIR"])
    if env.get("XDG_CONFIG_HOME"):
        return Path(env["XDG_CONFIG_HOME"]) / "trctl"
    return home_dir(env) / ".config" / "trctl"


def twilio_cli_config_path(env: Mapping[str, str]) -> Path:
    """twilio-cli's config file: $TWILIO_CONFIG_DIR/config.json, else ~/.twilio-cli/config.json."""
    directory = Path(env["TWILIO_CONFIG_DIR"]) if env.get("TWILIO_CONFIG_DIR") else None
    return (directory or home_dir(env) / ".twilio-cli") / CONFIG_FILE


def display_path(path: Path, env: Mapping[str, str]) -> str:
    """A path as the user would type it: the home directory shown as ~."""
    try:
        return "~/" + str(path.relative_to(home_dir(env)))
    except ValueError:
        return str(path)


def parse_json_object(path: Path, text: str) -> dict:
    """The text as a JSON object (an empty one for blank text), else a ConfigError naming path."""
    try:
        data = loads_json(text) if text.strip() else {}
    except TooDeep as exc:
        raise ConfigError(f"{path}: {exc}") from None
    except json.JSONDecodeError as exc:
        raise ConfigError(
            f"{path} is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
        ) from exc
    if not isinstance(data, dict):
        raise ConfigError(f"{path} must hold a JSON object")
    return data
