"""SID-or-friendly-name resolution for workspace resources, one list call per type per run."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from trctl.errors import NotFoundError, UsageError
from trctl.services.rest import TaskRouterApi

SID_PATTERN = re.compile(r"^[A-Z]{2}[0-9a-fA-F]{32}$")
MAX_LISTED = 12
SUGGEST_CUTOFF = 0.6
WORD_SPLIT = re.compile(r"[\s\-_.]+")


@dataclass(frozen=True)
class Kind:
    """One resource type: its noun, SID prefix, list path suffix and name field."""

    noun: str
    prefix: str
    collection: str
    name_field: str = "friendly_name"


WORKSPACE = Kind("workspace", "WS", "Workspaces")
WORKER = Kind("worker", "WK", "Workers")
ACTIVITY = Kind("activity", "WA", "Activities")
QUEUE = Kind("queue", "WQ", "TaskQueues")
WORKFLOW = Kind("workflow", "WW", "Workflows")
CHANNEL = Kind("task channel", "TC", "TaskChannels", "unique_name")
TASK = Kind("task", "WT", "Tasks")
RESERVATION = Kind("reservation", "WR", "Reservations")
KINDS_BY_PREFIX = {
    k.prefix: k for k in (WORKSPACE, WORKER, ACTIVITY, QUEUE, WORKFLOW, CHANNEL, TASK, RESERVATION)
}


def looks_like_sid(text: str) -> bool:
    return bool(SID_PATTERN.match(text))


def article(noun: str) -> str:
    return f"an {noun}" if noun[0] in "aeiou" else f"a {noun}"


def check_sid(kind: Kind, text: str) -> str | None:
    """The SID if text is one of this kind; None if it is a name; UsageError for another kind."""
    if not looks_like_sid(text):
        return None
    prefix = text[:2]
    if prefix == kind.prefix:
        return text
    other = KINDS_BY_PREFIX.get(prefix)
    what = f"{article(other.noun)} SID" if other else f"a SID with prefix {prefix}"
    raise UsageError(
        f"{text!r} is {what}, not {article(kind.noun)} SID",
        hint=f"{kind.noun} SIDs start with {kind.prefix}",
    )


def require_sid(kind: Kind, text: str) -> str:
    """Text must be a SID of this kind (tasks and reservations have no friendly names)."""
    sid = check_sid(kind, text)
    if sid is None:
        raise UsageError(
            f"{text!r} is not {article(kind.noun)} SID",
            hint=f"{kind.prefix} followed by 32 hex digits",
        )
    return sid


def record_name(kind: Kind, record: dict[str, Any]) -> str:
    return str(record.get(kind.name_field) or record.get("friendly_name") or record.get("sid"))


def known_names(kind: Kind, records: Sequence[dict[str, Any]]) -> list[str]:
    return [record_name(kind, r) for r in records]


def describe_known(names: Sequence[str]) -> str:
    if not names:
        return "none exist"
    shown = ", ".join(names[:MAX_LISTED])
    more = f", and {len(names) - MAX_LISTED} more" if len(names) > MAX_LISTED else ""
    return f"known: {shown}{more}"


def similarity(query: str, candidate: str) -> float:
    """How close a typed name is to a known one (0..1): whole name, any word, or substring."""
    import difflib  # only on the error path

    query, candidate = query.casefold(), candidate.casefold()
    score = difflib.SequenceMatcher(None, query, candidate).ratio()
    if query and query in candidate:
        score = max(score, 0.8)
    for word in WORD_SPLIT.split(candidate):
        if word:
            score = max(score, 0.95 * difflib.SequenceMatcher(None, query, word).ratio())
    return score


def suggest(name: str, names: Sequence[str]) -> str | None:
    """The closest known name (case-insensitive), if one is close enough."""
    scored = [(similarity(name, candidate), candidate) for candidate in names]
    best = max(scored, default=(0.0, None), key=lambda pair: pair[0])
    return best[1] if best[0] >= SUGGEST_CUTOFF else None


def not_found(kind: Kind, name: str, records: Sequence[dict[str, Any]]) -> NotFoundError:
    names = known_names(kind, records)
    guess = suggest(name, names)
    did_you_mean = f"did you mean {guess!r}? " if guess else ""
    return NotFoundError(f"unknown {kind.noun} {name!r} ({did_you_mean}{describe_known(names)})")


def find(kind: Kind, records: Sequence[dict[str, Any]], name_or_sid: str) -> dict[str, Any]:
    """The record whose SID, or name (case-insensitive), is name_or_sid."""
    text = name_or_sid.strip()
    if not text:
        raise UsageError(
            f"the {kind.noun} name is empty", hint=f"give a name or {kind.prefix}… SID"
        )
    sid = check_sid(kind, text)
    if sid is not None:
        for record in records:
            if record.get("sid") == sid:
                return record
        raise NotFoundError(f"no {kind.noun} with SID {sid}")
    exact = [r for r in records if record_name(kind, r) == text]
    if len(exact) == 1:
        return exact[0]
    folded = [r for r in records if record_name(kind, r).casefold() == text.casefold()]
    if len(folded) == 1:
        return folded[0]
    if len(exact) > 1 or len(folded) > 1:
        sids = ", ".join(r["sid"] for r in (exact or folded))
        count = len(exact or folded)
        raise UsageError(f"{count} {kind.noun}s are named {text!r}: use a SID", hint=sids)
    raise not_found(kind, text, records)


def the_only(
    kind: Kind, records: Sequence[dict[str, Any]], *, how_to_choose: str
) -> dict[str, Any]:
    """The single record of a type, or a UsageError that lists the choices."""
    if len(records) == 1:
        return records[0]
    if not records:
        raise UsageError(f"the workspace has no {kind.noun}s", hint=how_to_choose)
    listed = ", ".join(f"{record_name(kind, r)} ({r.get('sid')})" for r in records[:MAX_LISTED])
    raise UsageError(
        f"the workspace has {len(records)} {kind.noun}s, pick one: {listed}", hint=how_to_choose
    )


class Resolver:
    """Resolves SIDs and friendly names in one workspace; each type is listed at most once."""

    def __init__(self, client: Any, workspace_sid: str, *, default_workflow: str | None = None):
        self.api = client if isinstance(client, TaskRouterApi) else TaskRouterApi(client)
        self.workspace_sid = workspace_sid
        self.default_workflow = default_workflow
        self._lists: dict[str, list[dict[str, Any]]] = {}
        self._filled: set[tuple[str, str]] = set()

    def path(self, kind: Kind, sid: str | None = None) -> str:
        base = f"/Workspaces/{self.workspace_sid}/{kind.collection}"
        return f"{base}/{sid}" if sid else base

    def records(self, kind: Kind) -> list[dict[str, Any]]:
        """Every record of a type in the workspace (listed once, then cached)."""
        if kind.prefix not in self._lists:
            self._lists[kind.prefix] = self.api.list(self.path(kind))
        return self._lists[kind.prefix]

    def records_with_attributes(self, kind: Kind) -> list[dict[str, Any]]:
        """records(kind) with each record's `attributes`, which list answers leave null: one
        fetch per record (a few at a time), once per run."""
        from trctl.services.listed import fill_attributes

        records = self.records(kind)
        if ("attributes", kind.prefix) not in self._filled:
            fill_attributes(self.api, records, lambda record: self.path(kind, record["sid"]))
            self._filled.add(("attributes", kind.prefix))
        return records

    def forget(self, kind: Kind) -> None:
        """Drop the cached list of a type: the next use lists it again (it changed)."""
        self._lists.pop(kind.prefix, None)
        self._filled.discard(("attributes", kind.prefix))

    def delete(self, kind: Kind, sid: str) -> None:
        """Delete one record; the type's cached list is dropped."""
        self.api.delete(self.path(kind, sid))
        self.forget(kind)

    def resolve(self, kind: Kind, name_or_sid: str) -> dict[str, Any]:
        """The record for a SID (fetched unless already listed) or a friendly name (listed)."""
        sid = check_sid(kind, name_or_sid.strip())
        if sid is not None and kind.prefix not in self._lists:
            return self.api.fetch(self.path(kind, sid))
        return find(kind, self.records(kind), name_or_sid)

    def sid(self, kind: Kind, name_or_sid: str) -> str:
        """Only the SID: a SID of the right kind costs no request at all."""
        sid = check_sid(kind, name_or_sid.strip())
        if sid is not None:
            return sid
        return str(find(kind, self.records(kind), name_or_sid)["sid"])

    def optional_sid(self, kind: Kind, name_or_sid: str | None) -> str | None:
        """The SID for an optional option: None when it was not given (an empty one fails)."""
        return None if name_or_sid is None else self.sid(kind, name_or_sid)

    def ref(self, kind: Kind, name_or_sid: str) -> dict[str, Any]:
        """{"sid", "friendly_name"}: a name is listed (once); a SID costs no request, and its
        name is known only if the type was already listed."""
        sid = check_sid(kind, name_or_sid.strip())
        if sid is None:
            return find(kind, self.records(kind), name_or_sid)
        for record in self._lists.get(kind.prefix, []):
            if record.get("sid") == sid:
                return record
        return {"sid": sid, kind.name_field: None}

    def activity_ref(self, name_or_sid: str) -> dict[str, Any]:
        return self.ref(ACTIVITY, name_or_sid)

    def worker(self, name_or_sid: str) -> dict[str, Any]:
        return self.resolve(WORKER, name_or_sid)

    def activity(self, name_or_sid: str) -> dict[str, Any]:
        return self.resolve(ACTIVITY, name_or_sid)

    def queue(self, name_or_sid: str) -> dict[str, Any]:
        return self.resolve(QUEUE, name_or_sid)

    def channel(self, name_or_sid: str) -> dict[str, Any]:
        return self.resolve(CHANNEL, name_or_sid)

    def workflow(self, name_or_sid: str | None = None) -> dict[str, Any]:
        """A named workflow; else the configured default; else the workspace's only one."""
        chosen = name_or_sid or self.default_workflow
        if chosen:
            return self.resolve(WORKFLOW, chosen)
        return the_only(
            WORKFLOW,
            self.records(WORKFLOW),
            how_to_choose="use --workflow NAME|SID or set TRCTL_WORKFLOW_SID",
        )

    def workflow_sid(self, name_or_sid: str | None = None) -> str | None:
        """The workflow SID to send, or None when the API may choose (default unset)."""
        chosen = name_or_sid or self.default_workflow
        return self.sid(WORKFLOW, chosen) if chosen else None
