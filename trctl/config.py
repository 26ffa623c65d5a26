"""Effective settings and where each came from: flags, environment, trctl profile, twilio-cli."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

# setting name -> environment variable, in the order `trctl config show` lists them
ENV_VARS: dict[str, str] = {
    "account_sid": "TWILIO_ACCOUNT_SID",
    "auth_token": "TWILIO_AUTH_TOKEN",
    "api_key": "TWILIO_API_KEY",
    "api_secret": "TWILIO_API_SECRET",
    "workspace": "TRCTL_WORKSPACE_SID",
    "workflow": "TRCTL_WORKFLOW_SID",
    "api_url": "TRCTL_API_URL",
    "profile": "TRCTL_PROFILE",
}
SECRET_SETTINGS = frozenset({"auth_token", "api_secret"})
DEFAULT_TIMEOUT_SECONDS = 15.0


@dataclass(frozen=True)
class Setting:
    """One effective value and a human description of its source ("flag --api-url", ...)."""

    value: str | None
    source: str = "unset"


@dataclass(frozen=True)
class Settings:
    """Everything a command needs to reach TaskRouter; secrets never printed unmasked."""

    values: Mapping[str, Setting] = field(default_factory=dict)
    timeout: float = DEFAULT_TIMEOUT_SECONDS

    def get(self, name: str) -> str | None:
        setting = self.values.get(name)
        return setting.value if setting else None

    def source(self, name: str) -> str:
        setting = self.values.get(name)
        return setting.source if setting else "unset"

    @property
    def account_sid(self) -> str | None:
        return self.get("account_sid")

    @property
    def auth_token(self) -> str | None:
        return self.get("auth_token")

    @property
    def api_key(self) -> str | None:
        return self.get("api_key")

    @property
    def api_secret(self) -> str | None:
        return self.get("api_secret")

    @property
    def workspace(self) -> str | None:
        return self.get("workspace")

    @property
    def workflow(self) -> str | None:
        return self.get("workflow")

    @property
    def api_url(self) -> str | None:
        return self.get("api_url")

    def secrets(self) -> list[str]:
        """Every secret value in effect, for redaction of output and logs."""
        return [v for name in SECRET_SETTINGS if (v := self.get(name))]


def mask(value: str | None) -> str:
    """Show a secret as its length only: never a prefix or suffix of it."""
    if not value:
        return "(unset)"
    return "*" * 8


def load_settings(
    flags: Mapping[str, str | None] | None = None,
    env: Mapping[str, str] | None = None,
) -> Settings:
    """Resolve settings, highest precedence first: flags, then environment."""
    flags = flags or {}
    env = os.environ if env is None else env
    values: dict[str, Setting] = {}
    for name, var in ENV_VARS.items():
        flag_value = flags.get(name)
        if flag_value:
            values[name] = Setting(flag_value, f"flag --{name.replace('_', '-')}")
        elif env.get(var):
            values[name] = Setting(env[var], f"env {var}")
        else:
            values[name] = Setting(None)
    return Settings(values)
