"""The callback URLs serve-callback replaced, saved next to the profiles so that a run killed
with SIGKILL can be undone: the next serve-callback restores the right original, and
`trctl doctor` offers it.

One entry per (API base URL, workspace, resource, field), in `wired-callbacks.json` (0600 in
the 0700 config directory). Secrets are never written: a previous URL with `user:pass@` is
saved without them and marked `withheld`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from trctl.config.files import config_dir
from trctl.config.private_file import read_private_json, write_private_json
from trctl.errors import ConfigError

WIRED_FILE = "wired-callbacks.json"
VERSION = 1
TWILIO_API = "https://taskrouter.twilio.com"


@dataclass(frozen=True)
class WiredUrl:
    """A callback URL serve-callback set: what was there before, what it put, where it
    listened (the local URL behind a tunnel), its process and when."""

    api_url: str
    workspace_sid: str
    resource_sid: str  # the workflow (WW...) or the workspace itself (WS...)
    field: str  # assignment_callback_url or event_callback_url
    previous: str
    ours: str
    local_url: str
    pid: int
    since: float
    withheld: bool = False  # the previous URL held credentials, which are not saved

    @property
    def key(self) -> str:
        return wired_key(self.api_url, self.workspace_sid, self.resource_sid, self.field)


def api_base(api_url: str | None) -> str:
    """The API base URL the entries are keyed by (TaskRouter's own when none is set)."""
    return (api_url or TWILIO_API).rstrip("/")


def wired_key(api_url: str | None, workspace_sid: str, resource_sid: str, field: str) -> str:
    return f"{api_base(api_url)}|{workspace_sid}|{resource_sid}|{field}"


def without_credentials(url: str) -> tuple[str, bool]:
    """The URL with any `user:pass@` removed, and whether there was one."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url, False
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment)), True


def _path(env: Mapping[str, str]) -> Path:
    return config_dir(env) / WIRED_FILE


def read_wired(env: Mapping[str, str]) -> dict[str, WiredUrl]:
    """Every saved entry by key (none when the file does not exist)."""
    path = _path(env)
    data, insecure = read_private_json(path)
    if data is None:
        return {}
    if insecure:
        raise ConfigError(insecure, hint=f"run: chmod 600 {path}")
    entries = data.get("wired")
    if not isinstance(entries, dict):
        raise ConfigError(f"{path}: 'wired' must be an object")
    wired = {}
    for key, raw in entries.items():
        try:
            wired[key] = WiredUrl(**raw)
        except TypeError as exc:
            raise ConfigError(f"{path}: entry {key!r} is malformed ({exc})") from exc
    return wired


def _write(env: Mapping[str, str], wired: Mapping[str, WiredUrl]) -> None:
    body = {"version": VERSION, "wired": {key: asdict(entry) for key, entry in wired.items()}}
    write_private_json(_path(env), body)


def remember(env: Mapping[str, str], entry: WiredUrl) -> WiredUrl:
    """Save (or replace) an entry; a previous URL's credentials are dropped, never written."""
    previous, had_credentials = without_credentials(entry.previous)
    fields = {"previous": previous, "withheld": had_credentials, "api_url": api_base(entry.api_url)}
    saved = WiredUrl(**{**asdict(entry), **fields})
    wired = read_wired(env)
    wired[saved.key] = saved
    _write(env, wired)
    return saved


def forget(env: Mapping[str, str], key: str) -> None:
    wired = read_wired(env)
    if wired.pop(key, None) is not None:
        _write(env, wired)


def saved_for(env: Mapping[str, str], api_url: str | None, workspace_sid: str) -> list[WiredUrl]:
    """The entries of one workspace on one API."""
    base = api_base(api_url)
    return [
        e
        for e in read_wired(env).values()
        if e.api_url == base and e.workspace_sid == workspace_sid
    ]
