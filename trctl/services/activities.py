"""Activities: list and create (availability is fixed when an activity is created)."""

from __future__ import annotations

from typing import Any

from trctl.errors import UsageError
from trctl.services.listing import Listing, Streamed, read_list
from trctl.services.resolve import ACTIVITY, Resolver


def list_activities(
    resolver: Resolver, *, available: bool | None = None, limit: int | None = None
) -> Listing | Streamed:
    """The newest `limit` activities (every page read: there is no order by creation), or
    with None every one, Streamed."""
    path, params = resolver.path(ACTIVITY), {"Available": available}
    return read_list(resolver.api, path, params, limit=limit, noun="activities")


def create_activity(resolver: Resolver, name: str, *, available: bool | None) -> dict[str, Any]:
    """Create an activity; its availability must be said, it cannot be changed later."""
    if available is None:
        raise UsageError("say --available or --unavailable (it cannot be changed later)")
    data = {"FriendlyName": name, "Available": available}
    return resolver.api.create(resolver.path(ACTIVITY), data)
