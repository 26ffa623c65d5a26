"""Workspaces: list, fetch, and pick the one a command works in (SID, name, or the only one)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from trctl.errors import ConfigError
from trctl.services.listing import Listing, Streamed, read_list
from trctl.services.resolve import MAX_LISTED, WORKSPACE, check_sid, find, record_name
from trctl.services.rest import TaskRouterApi

if TYPE_CHECKING:
    from trctl.config import Settings

HOW_TO_CHOOSE = "use --workspace NAME|SID, set TRCTL_WORKSPACE_SID, or run `trctl workspaces use`"


def api_for(client: Any) -> TaskRouterApi:
    """A TaskRouterApi over a twilio Client (or the same TaskRouterApi back)."""
    return client if isinstance(client, TaskRouterApi) else TaskRouterApi(client)


def list_workspaces(client: Any) -> list[dict[str, Any]]:
    return api_for(client).list("/Workspaces")


def newest_workspaces(client: Any, *, limit: int | None) -> Listing | Streamed:
    """The account's newest `limit` workspaces (every page read), or every one, Streamed."""
    return read_list(api_for(client), "/Workspaces", None, limit=limit, noun="workspaces")


def create_workspace(
    client: Any, name: str, *, template: str | None = None, multi_task: bool | None = None
) -> dict[str, Any]:
    """POST /Workspaces (TaskRouter's defaults for what is not given)."""
    data = {
        "FriendlyName": name,
        "Template": template.upper() if template else None,
        "MultiTaskEnabled": multi_task,
    }
    return api_for(client).create("/Workspaces", data)


def delete_workspace(client: Any, sid: str) -> None:
    api_for(client).delete(f"/Workspaces/{sid}")


def fetch_workspace(client: Any, sid: str) -> dict[str, Any]:
    return api_for(client).fetch(f"/Workspaces/{sid}")


def find_workspace(client: Any, name_or_sid: str) -> dict[str, Any]:
    """A workspace by SID (one fetch) or by friendly name, case-insensitive (one list)."""
    sid = check_sid(WORKSPACE, name_or_sid.strip())
    if sid is not None:
        return fetch_workspace(client, sid)
    return find(WORKSPACE, list_workspaces(client), name_or_sid)


def resolve_workspace(client: Any, settings: Settings, *, fetch: bool = True) -> dict[str, Any]:
    """The workspace this command works in.

    From --workspace / TRCTL_WORKSPACE_SID / the profile (SID or friendly name); when none is
    set, the account's only workspace. With fetch=False a configured SID costs no request and
    the result holds only {"sid": ...}.
    """
    chosen = (settings.workspace or "").strip()
    if chosen:
        sid = check_sid(WORKSPACE, chosen)
        if sid is not None and not fetch:
            return {"sid": sid}
        return find_workspace(client, chosen)
    workspaces = list_workspaces(client)
    if len(workspaces) == 1:
        return workspaces[0]
    if not workspaces:
        raise ConfigError(
            "the account has no TaskRouter workspaces",
            hint="create one, e.g. with `trctl demo` or `trctl workspace apply FILE`",
        )
    listed = ", ".join(
        f"{record_name(WORKSPACE, w)} ({w.get('sid')})" for w in workspaces[:MAX_LISTED]
    )
    more = f" and {len(workspaces) - MAX_LISTED} more" if len(workspaces) > MAX_LISTED else ""
    raise ConfigError(
        f"no workspace chosen and the account has {len(workspaces)}: {listed}{more}",
        hint=HOW_TO_CHOOSE,
    )


def show_workspace(client: Any, settings: Settings, name_or_sid: str | None) -> dict[str, Any]:
    """The named workspace, or (with no name) the one this command works in."""
    if name_or_sid:
        return find_workspace(client, name_or_sid)
    return resolve_workspace(client, settings)


def workspace_sid(client: Any, settings: Settings) -> str:
    """Only the SID of the chosen workspace (no request when it is configured as a SID)."""
    return str(resolve_workspace(client, settings, fetch=False)["sid"])


def use_workspace(
    client: Any, name_or_sid: str, *, profile: str | None, env: Mapping[str, str]
) -> tuple[dict, str]:
    """Remember a workspace (SID or name) in the profile (the named one, else TRCTL_PROFILE's in
    `env`, else the active one); returns it and the profile's name."""
    from trctl.config import save_to_profile

    record = find_workspace(client, name_or_sid)
    return record, save_to_profile("workspace", str(record["sid"]), env=env, profile=profile)
