"""The emulator's request log: one line (or JSON object) per API request and callback delivery,
like a development server's; never a credential, a signature or a query string."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from urllib.parse import urlsplit, urlunsplit

FORMATS = ("text", "json")


@dataclass(frozen=True)
class Logged:
    """One API request (`kind` "request") or one callback POST ("callback" or "event")."""

    kind: str
    time: float  # the emulator's clock, epoch seconds
    status: int | None  # None: no answer (refused connection, timeout)
    ms: float
    method: str = ""  # a request's
    path: str = ""  # a request's path, SIDs as they are, without the query
    url: str = ""  # a delivery's URL without credentials, query or fragment
    outcome: str = ""  # a delivery's answer: the instruction, the event type, the error
    fault: str = ""  # a fault a rule injected (trctl emulator faults): `F1: 429 Retry-After 1`


Observer = Callable[[Logged], None]


def public_url(url: str) -> str:
    """The URL as it may be shown: no user:password@, no query (it may carry a token)."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        if ":" in host:
            host = f"[{host}]"
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return "(unparsable URL)"
    return urlunsplit((parts.scheme, host + port, parts.path, "", ""))


def clock_time(epoch: float) -> str:
    """HH:MM:SS.mmm, UTC (the API's dates are UTC)."""
    return time.strftime("%H:%M:%S", time.gmtime(epoch)) + f".{int(epoch * 1000) % 1000:03d}"


def text_line(entry: Logged) -> str:
    """`00:00:00.000  POST   /v1/Workspaces/WS…/Tasks  201  3.2 ms`, or for a delivery
    `00:00:00.004  callback http://127.0.0.1:5000/assignment  200  1.2 ms  accept`; an
    injected fault ends the line: `... 429  0.1 ms  fault F1: 429 Retry-After 1`."""
    status = str(entry.status) if entry.status is not None else "---"
    if entry.kind == "request":
        what = f"{entry.method:<6} {entry.path}"
    else:
        what = f"{entry.kind:<8} {entry.url}"
    line = f"{clock_time(entry.time)}  {what}  {status}  {entry.ms:.1f} ms"
    for extra in (entry.outcome, f"fault {entry.fault}" if entry.fault else ""):
        line = f"{line}  {extra}" if extra else line
    return line


def json_line(entry: Logged) -> str:
    """The entry as one JSON object; `time` as ISO 8601 with milliseconds."""
    record = asdict(entry)
    seconds = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(entry.time))
    record["time"] = f"{seconds}.{int(entry.time * 1000) % 1000:03d}Z"
    record["ms"] = round(entry.ms, 3)
    fields = ("method", "path") if entry.kind == "request" else ("url", "outcome")
    keep = ("kind", "time", *fields, "status", "ms", *(("fault",) if entry.fault else ()))
    return json.dumps({key: record[key] for key in keep}, separators=(",", ":"))


def printer(write: Callable[[str], None], log_format: str = "text") -> Observer:
    """An observer that writes each entry as one line; threads never interleave lines."""
    if log_format not in FORMATS:
        raise ValueError(f"log format must be one of {', '.join(FORMATS)}")
    render = json_line if log_format == "json" else text_line
    lock = threading.Lock()

    def observe(entry: Logged) -> None:
        line = render(entry)
        with lock:
            write(line)

    return observe
