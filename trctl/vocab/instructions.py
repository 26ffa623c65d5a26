"""Reservation instructions and their parameters (type, allowed values, meaning), and the checker.

One description serves everyone: serve-callback checks the answers it will send with it, the
emulator reads an app's answer with it, the CLI takes its choices from it and the table in
docs/serve-callback.md is generated from it. Facts come from Twilio's "Handling Assignment
Callbacks" page and the Reservation update of the TaskRouter OpenAPI file; where they are silent,
docs/emulator.md says what we chose.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from types import MappingProxyType
from typing import Any

from trctl.vocab.params import (
    BOOLEAN,
    CHOICE,
    EVENTS,
    INTEGER,
    SID,
    TEXT,
    URL,
    InstructionError,
    Param,
)

NONE = "none"  # serve-callback's name for the empty answer `{}`: the reservation stays pending
SIP_PREFIX = "sip:"
CALL_EVENTS = ("initiated", "ringing", "answered", "completed")
CONFERENCE_EVENTS = ("start", "end", "join", "leave", "mute", "hold", "speaker")
HTTP_METHODS = ("GET", "POST")


class MissingParameters(InstructionError):
    """Required parameters are absent; `missing` lists them, sorted."""

    def __init__(self, instruction: str, missing: Sequence[str]) -> None:
        self.missing = tuple(missing)
        super().__init__(self.missing[0], "given", f"'{instruction}' needs {', '.join(missing)}")


class UnknownInstruction(InstructionError):
    """The instruction name is not one of `known` (names are lower case, as documented)."""

    def __init__(self, name: object, known: Iterable[str]) -> None:
        self.known = tuple(known)
        rule = f"one of {', '.join(self.known)}"
        super().__init__(None, rule, f"unknown instruction {name!r} (expected {rule})")


@dataclass(frozen=True)
class InstructionSpec:
    """One instruction: what it does, its parameters, and where it may be given."""

    name: str
    meaning: str
    params: Mapping[str, Param]
    callback: bool  # an assignment callback may answer with it
    rest: str  # how the REST Reservation update asks for it
    rest_prefix: str | None  # a REST `Instruction` value: its parameters' prefix; None: not one

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(name for name, param in self.params.items() if param.required)


def _pascal(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("_"))


def _instruction(
    name: str,
    meaning: str,
    params: Sequence[Param] = (),
    *,
    callback: bool = True,
    rest: str = "",
    rest_prefix: str | None = None,
) -> InstructionSpec:
    named: dict[str, Param] = {}
    for param in params:
        if rest_prefix is not None and not param.rest_name:
            param = replace(param, rest_name=rest_prefix + _pascal(param.name))
        named[param.name] = param
    rest = rest or f"Instruction={name}"
    return InstructionSpec(name, meaning, MappingProxyType(named), callback, rest, rest_prefix)


# -- the parameters the voice instructions share -------------------------------------------------
_TO = Param(
    "to", TEXT, "The worker's number, client:name or sip: URI (default: contact_uri attribute)."
)
_FROM = Param("from", TEXT, "Caller ID of the call to the worker.")
_TIMEOUT = Param(
    "timeout",
    INTEGER,
    "Seconds to ring the worker (default 60).",
    low=1,
    high=999,
    sip_high=600,
    unit="seconds",
)
_RECORD = Param(
    "record",
    CHOICE,
    "Record the call from answer (default: do-not-record).",
    choices=("do-not-record", "record-from-answer"),
)
_POST_WORK = Param(
    "post_work_activity_sid",
    SID,
    "The activity the worker moves to after the call.",
    sid_prefix="WA",
)
_STATUS_URL = Param("status_callback_url", URL, "URL told when the call completes.")
_ACCEPT = Param("accept", BOOLEAN, "Accept the reservation now (default false: it stays pending).")


def _method(name: str, of: str) -> Param:
    return Param(name, CHOICE, f"HTTP method for {of} (default POST).", choices=HTTP_METHODS)


_CONFERENCE = (
    replace(_TO, meaning="The worker's number, client:name or sip: URI to dial in."),
    _FROM,
    replace(_TIMEOUT, meaning="Seconds to ring the worker."),
    Param("status_callback", URL, "URL told about the worker's call progress."),
    _method("status_callback_method", "status_callback"),
    Param(
        "status_callback_event",
        EVENTS,
        "Call progress events sent to status_callback.",
        choices=CALL_EVENTS,
    ),
    Param("record", BOOLEAN, "Record the worker and their conferences (default false)."),
    Param("muted", BOOLEAN, "Join the worker muted (default false)."),
    Param(
        "beep",
        CHOICE,
        "Beep when the worker joins, or when (default true).",
        choices=("true", "false", "onEnter", "onExit"),
    ),
    Param("start_conference_on_enter", BOOLEAN, "Start the conference when the worker joins."),
    Param("end_conference_on_exit", BOOLEAN, "End the conference when the worker leaves."),
    Param("wait_url", URL, "Hold music or TwiML while the conference has not started."),
    _method("wait_method", "wait_url"),
    Param("early_media", BOOLEAN, "Let the worker hear ringing (default true)."),
    Param(
        "max_participants",
        INTEGER,
        "Most participants in the conference (default 250).",
        low=2,
        high=250,
    ),
    Param("conference_status_callback", URL, "URL told about conference events."),
    _method("conference_status_callback_method", "conference_status_callback"),
    Param(
        "conference_status_callback_event",
        EVENTS,
        "Conference events sent to conference_status_callback.",
        choices=CONFERENCE_EVENTS,
    ),
    Param(
        "conference_record",
        CHOICE,
        "Record the conference, or when (default false).",
        choices=("true", "false", "record-from-start", "do-not-record"),
    ),
    Param(
        "conference_trim",
        CHOICE,
        "Trim silence from the recording (default trim-silence).",
        choices=("trim-silence", "do-not-trim"),
    ),
    Param(
        "recording_channels",
        CHOICE,
        "Channels of the recording (default mono).",
        choices=("mono", "dual"),
    ),
    Param("recording_status_callback", URL, "URL told when the recording's status changes."),
    _method("recording_status_callback_method", "recording_status_callback"),
    Param("conference_recording_status_callback", URL, "URL told when the recording is ready."),
    _method("conference_recording_status_callback_method", "conference_recording_status_callback"),
    Param(
        "region",
        CHOICE,
        "Where the conference's audio is mixed.",
        choices=("us1", "us2", "ie1", "de1", "sg1", "br1", "au1", "jp1"),
    ),
    Param("sip_auth_username", TEXT, "User name for a sip: destination."),
    Param("sip_auth_password", TEXT, "Password for a sip: destination.", secret=True),
    _POST_WORK,
    Param("end_conference_on_customer_exit", BOOLEAN, "End the conference when the caller leaves."),
    Param("beep_on_customer_entrance", BOOLEAN, "Beep when the caller joins."),
    Param(
        "jitter_buffer_size",
        CHOICE,
        "The conference's jitter buffer.",
        choices=("small", "medium", "large", "off"),
    ),
)

INSTRUCTIONS: Mapping[str, InstructionSpec] = MappingProxyType(
    {
        spec.name: spec
        for spec in (
            _instruction(
                "accept",
                "Accept the reservation: the task is assigned to the worker.",
                rest="ReservationStatus=accepted",
            ),
            _instruction(
                "reject",
                "Reject the reservation: the task goes back to its queue.",
                [
                    Param(
                        "activity_sid",
                        SID,
                        "The worker's next activity (default: keep the current one).",
                        sid_prefix="WA",
                        rest_name="WorkerActivitySid",
                    ),
                ],
                rest="ReservationStatus=rejected",
            ),
            _instruction(
                "dequeue",
                "Dial the worker and bridge the caller of a task made by TwiML Enqueue; accepts.",
                [
                    _TO,
                    replace(_FROM, meaning="Caller ID (default: the number the caller dialled)."),
                    _POST_WORK,
                    _RECORD,
                    _TIMEOUT,
                    _STATUS_URL,
                    Param(
                        "status_callback_events",
                        EVENTS,
                        "Call progress events sent to status_callback_url.",
                        choices=CALL_EVENTS,
                        rest_name="DequeueStatusCallbackEvent",
                    ),
                ],
                rest_prefix="Dequeue",
            ),
            _instruction(
                "call",
                "Dial the worker and run url's TwiML on their leg; accepts only with accept=true.",
                [
                    _TO,
                    replace(_FROM, required=True),
                    Param("url", URL, "TwiML for the worker's leg once answered.", required=True),
                    _ACCEPT,
                    _RECORD,
                    _TIMEOUT,
                    _STATUS_URL,
                ],
                rest_prefix="Call",
            ),
            _instruction(
                "redirect",
                "Send the caller's parked call to new TwiML; accepts only with accept=true.",
                [
                    Param(
                        "call_sid",
                        SID,
                        "The call parked in the queue.",
                        required=True,
                        sid_prefix="CA",
                    ),
                    Param("url", URL, "TwiML the call is redirected to.", required=True),
                    _ACCEPT,
                ],
                rest_prefix="Redirect",
            ),
            _instruction(
                "conference",
                "Dial the worker into a conference with the caller; accepts.",
                _CONFERENCE,
                rest_prefix="",
            ),
            _instruction(
                "supervise",
                "Add a supervisor to an accepted reservation's conference (REST only).",
                [
                    Param(
                        "supervisor_mode",
                        CHOICE,
                        "How the supervisor joins.",
                        choices=("monitor", "whisper", "barge"),
                    ),
                    Param("supervisor", TEXT, "The supervisor's worker SID or contact URI."),
                ],
                callback=False,
                rest_prefix="",
            ),
        )
    }
)

CALLBACK_INSTRUCTIONS = tuple(name for name, spec in INSTRUCTIONS.items() if spec.callback)
ANSWER_NAMES = (*CALLBACK_INSTRUCTIONS, NONE)  # what serve-callback can be told to answer
REST_INSTRUCTIONS = tuple(
    name for name, spec in INSTRUCTIONS.items() if spec.rest_prefix is not None
)
REST_PREFIXES: Mapping[str, str] = MappingProxyType(
    {name: spec.rest_prefix for name, spec in INSTRUCTIONS.items() if spec.rest_prefix}
)


def check_params(instruction: str, raw: Mapping[str, Any]) -> dict[str, Any]:
    """`raw` checked and typed for `instruction`; names it does not describe are kept as given.

    Values may be JSON values (an app's answer) or text (the command line): "30" reads as 30 and
    "true" as True. Raises UnknownInstruction, MissingParameters or InstructionError, all
    ValueErrors that name the parameter and what it must be.
    """
    spec = INSTRUCTIONS.get(instruction) if isinstance(instruction, str) else None
    if spec is None:
        raise UnknownInstruction(instruction, INSTRUCTIONS)
    missing = sorted(name for name in spec.required if name not in raw)
    if missing:
        raise MissingParameters(instruction, missing)
    params = dict(raw)
    for name, param in spec.params.items():
        if name in params:
            params[name] = param.read(params[name])
    _check_sip_timeout(spec, params)
    return params


def _check_sip_timeout(spec: InstructionSpec, params: Mapping[str, Any]) -> None:
    timeout = spec.params.get("timeout")
    if timeout is None or timeout.sip_high is None or "timeout" not in params:
        return
    to = params.get("to")
    if isinstance(to, str) and to.startswith(SIP_PREFIX) and params["timeout"] > timeout.sip_high:
        limit = f"at most {timeout.sip_high} {timeout.unit} when 'to' is a sip: URI"
        raise InstructionError("timeout", limit)
