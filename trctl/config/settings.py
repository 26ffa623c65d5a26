"""Setting and Settings: the effective values a command uses, each with where it came from."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from trctl.config.names import DEFAULT_TIMEOUT_SECONDS, SECRET_SETTINGS, UNSET


@dataclass(frozen=True)
class Setting:
    """One effective value and a human description of its source ("flag --api-url", ...)."""

    value: str | None
    source: str = UNSET


class _Value:
    """A read-only Settings attribute: `settings.api_url` is `settings.get("api_url")`."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, settings: Settings | None, owner: type | None = None) -> str | None:
        if settings is None:
            raise AttributeError(self.name)
        return settings.get(self.name)


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
        return setting.source if setting else UNSET

    account_sid = _Value()
    auth_token = _Value()
    api_key = _Value()
    api_secret = _Value()
    workspace = _Value()
    workflow = _Value()
    api_url = _Value()
    profile = _Value()

    @property
    def uses_api_key(self) -> bool:
        """REST calls authenticate with the API key and secret (they win over the auth token)."""
        return bool(self.api_key and self.api_secret)

    def secrets(self) -> list[str]:
        """Every secret value in effect, for redaction of output and logs."""
        return [v for name in sorted(SECRET_SETTINGS) if (v := self.get(name))]


def mask(value: str | None) -> str:
    """Show a secret as a fixed mask: never its length, a prefix or a suffix."""
    if not value:
        return "(unset)"
    return "*" * 8
