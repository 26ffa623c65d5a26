"""Point a workflow's AssignmentCallbackUrl and the EventCallbackUrl at serve-callback; undo it.

Each URL replaced is also saved next to the profiles (trctl.config.wired_urls) before it is
changed, so a run killed with SIGKILL leaves a record: the next run finds its own dead URL in
place and restores the original it saved instead, and `trctl doctor` offers the same.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from trctl.errors import TrctlError
from trctl.services.liveness import dead_local
from trctl.services.rest import TaskRouterApi


@dataclass
class Ledger:
    """Where and as whom the replaced URLs are saved: the variables locating the config
    directory, the API base URL, the local URL serve-callback listens on and its process."""

    env: Mapping[str, str]
    api_url: str | None
    local_url: str
    pid: int


@dataclass
class Change:
    """One URL we set: where, which field, what was there before, and what we put."""

    label: str
    path: str
    param: str
    field: str
    previous: str
    ours: str
    key: str | None = None  # its saved entry
    notes: list[str] = field(default_factory=list)  # warnings for the user


class CallbackWiring:
    """Sets callback URLs through the TaskRouter API and restores them (newest change first).

    restore() leaves a URL alone when someone else changed it meanwhile, and keeps going when
    one restore fails, so Ctrl-C never leaves half the changes in place silently.
    """

    def __init__(self, client: Any, workspace_sid: str, *, ledger: Ledger | None = None) -> None:
        self.api = client if isinstance(client, TaskRouterApi) else TaskRouterApi(client)
        self.workspace_sid = workspace_sid
        self.ledger = ledger
        self.changes: list[Change] = []

    def _set(
        self, label: str, path: str, param: str, field_name: str, url: str, resource_sid: str
    ) -> Change:
        current = str(self.api.fetch(path).get(field_name) or "")
        change = Change(label, path, param, field_name, current, url)
        if self.ledger is not None:
            self._save(change, resource_sid)
        self.api.update(path, {param: url})
        self.changes.append(change)
        return change

    def _save(self, change: Change, resource_sid: str) -> None:
        """Pick the right original (a killed run's saved one, if its dead URL is in place),
        warn about a dead local URL, and save the entry before anything is changed."""
        from trctl.config.wired_urls import WiredUrl, read_wired, remember, wired_key

        ledger = self.ledger
        assert ledger is not None
        key = wired_key(ledger.api_url, self.workspace_sid, resource_sid, change.field)
        left = read_wired(ledger.env).get(key)
        current = change.previous
        if left is not None and left.ours == current and current != change.ours:
            change.previous = left.previous if not left.withheld else ""
            restored = repr(change.previous) if change.previous else "an empty URL"
            change.notes.append(
                f"{change.label} was left at {current} by a serve-callback that did not stop "
                f"(pid {left.pid}); {restored} is restored when this one stops"
                + (
                    " (the URL before it held credentials, which trctl does not save)"
                    if left.withheld
                    else ""
                )
            )
        elif dead_local(current):
            change.notes.append(
                f"{change.label} is {current}, a local URL where nothing listens; it is put "
                "back when serve-callback stops: set the right one afterwards"
            )
        remember(
            ledger.env,
            WiredUrl(
                api_url=ledger.api_url or "",
                workspace_sid=self.workspace_sid,
                resource_sid=resource_sid,
                field=change.field,
                previous=change.previous,
                ours=change.ours,
                local_url=ledger.local_url,
                pid=ledger.pid,
                since=time.time(),
            ),
        )
        change.key = key

    def wire_workflow(self, workflow_sid: str, url: str, *, label: str | None = None) -> Change:
        path = f"/Workspaces/{self.workspace_sid}/Workflows/{workflow_sid}"
        name = label or workflow_sid
        return self._set(
            f"workflow {name} AssignmentCallbackUrl",
            path,
            "AssignmentCallbackUrl",
            "assignment_callback_url",
            url,
            workflow_sid,
        )

    def wire_events(self, url: str) -> Change:
        return self._set(
            f"workspace {self.workspace_sid} EventCallbackUrl",
            f"/Workspaces/{self.workspace_sid}",
            "EventCallbackUrl",
            "event_callback_url",
            url,
            self.workspace_sid,
        )

    def restore(self) -> list[str]:
        """Undo every change; returns one line per change that could not be (or was not) undone."""
        problems: list[str] = []
        while self.changes:
            change = self.changes.pop()
            try:
                current = str(self.api.fetch(change.path).get(change.field) or "")
                if current != change.ours:
                    problems.append(f"{change.label} was changed meanwhile; left as {current!r}")
                else:
                    self.api.update(change.path, {change.param: change.previous})
            except TrctlError as exc:
                problems.append(f"could not restore {change.label}: {exc.one_line()}")
                continue  # the saved entry stays, for the next run and `trctl doctor`
            self._forget(change)
        return problems

    def _forget(self, change: Change) -> None:
        if self.ledger is not None and change.key is not None:
            from trctl.config.wired_urls import forget

            forget(self.ledger.env, change.key)
