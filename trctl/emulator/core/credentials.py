"""The emulator's credentials (account SID, auth token, one API key), made once and kept."""

from __future__ import annotations

import secrets
from collections.abc import Callable

from trctl.emulator.core.ids import random_sid
from trctl.emulator.core.store import Store

MAKERS: dict[str, Callable[[], str]] = {
    "account_sid": lambda: random_sid("AC"),
    "auth_token": lambda: secrets.token_hex(16),
    "api_key_sid": lambda: random_sid("SK"),
    "api_key_secret": lambda: secrets.token_hex(16),
}


def credential(store: Store, key: str, given: str | None = None) -> str:
    """The given value (persisted), else the one in the store, else a new one (persisted)."""
    if given:
        store.set_meta(key, given)
        return given
    stored = store.get_meta(key)
    if stored:
        return stored
    value = MAKERS[key]()
    store.set_meta(key, value)
    return value
