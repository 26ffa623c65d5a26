"""Point a workflow's AssignmentCallbackUrl and the EventCallbackUrl at serve-callback; undo it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from trctl.errors import TrctlError
from trctl.services.rest import TaskRouterApi


@dataclass
class Change:
    """One URL we set: where, which field, what was there before, and what we put."""

    label: str
    path: str
    param: str
    field: str
    previous: str
    ours: str


class CallbackWiring:
    """Sets callback URLs through the TaskRouter API and restores them (newest change first).

    restore() leaves a URL alone when someone else changed it meanwhile, and keeps going when
    one restore fails, so Ctrl-C never leaves half the changes in place silently.
    """

    def __init__(self, client: Any, workspace_sid: str) -> None:
        self.api = client if isinstance(client, TaskRouterApi) else TaskRouterApi(client)
        self.workspace_sid = workspace_sid
        self.changes: list[Change] = []

    def _set(self, label: str, path: str, param: str, field: str, url: str) -> Change:
        current = self.api.fetch(path)
        change = Change(label, path, param, field, str(current.get(field) or ""), url)
        self.api.update(path, {param: url})
        self.changes.append(change)
        return change

    def wire_workflow(self, workflow_sid: str, url: str, *, label: str | None = None) -> Change:
        path = f"/Workspaces/{self.workspace_sid}/Workflows/{workflow_sid}"
        name = label or workflow_sid
        return self._set(
            f"workflow {name} AssignmentCallbackUrl",
            path,
            "AssignmentCallbackUrl",
            "assignment_callback_url",
            url,
        )

    def wire_events(self, url: str) -> Change:
        return self._set(
            f"workspace {self.workspace_sid} EventCallbackUrl",
            f"/Workspaces/{self.workspace_sid}",
            "EventCallbackUrl",
            "event_callback_url",
            url,
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
                    continue
                self.api.update(change.path, {change.param: change.previous})
            except TrctlError as exc:
                problems.append(f"could not restore {change.label}: {exc.one_line()}")
        return problems
