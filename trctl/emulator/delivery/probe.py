"""One callback sent to an application as TaskRouter sends it (signed, with its idempotency
token and deadline), and its answer judged as TaskRouter would judge it: the emulator's own
client and answer reader, so `trctl callback send` and the emulator never disagree."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from trctl.emulator.delivery.answers import CONNECTION_FAILURES, parse_instruction
from trctl.emulator.delivery.client import CallbackResult, post_callback
from trctl.vocab.callbacks import ASSIGNMENT_DEADLINE, EVENT_DEADLINE, callback_error


@dataclass(frozen=True)
class Verdict:
    """What came back and what TaskRouter would do with it: `acted` is whether it would act on
    the answer (an instruction, `{}` for a REST decision later, a delivered event); `problems`
    say why not, each naming the Twilio error or warning it causes."""

    url: str
    status: int | None
    content_type: str | None
    body: str
    ms: float
    instruction: str | None
    acted: bool
    problems: list[str] = field(default_factory=list)
    outcome: str = ""  # one line: what TaskRouter does next

    def summary(self) -> dict[str, Any]:
        """The --json shape: status, instruction, acted, problems."""
        return {
            "status": self.status,
            "instruction": self.instruction,
            "acted": self.acted,
            "problems": list(self.problems),
        }


def probe(
    url: str, params: Mapping[str, str], *, auth_token: str, idempotency_token: str
) -> Verdict:
    """POST `params` to `url` and judge the answer; an event callback when params say
    EventType, an assignment callback otherwise. Never raises for what the app does."""
    event = "EventType" in params
    result = post_callback(
        url,
        params,
        auth_token=auth_token,
        idempotency_token=idempotency_token,
        timeout=EVENT_DEADLINE if event else ASSIGNMENT_DEADLINE,
    )
    return _judge_event(result) if event else _judge_assignment(result)


def _answered(result: CallbackResult, **judged: Any) -> Verdict:
    return Verdict(
        result.url,
        result.status if result.error is None else None,
        result.content_type,
        result.body,
        result.elapsed * 1000,
        **judged,
    )


def _judge_assignment(result: CallbackResult) -> Verdict:
    instruction = parse_instruction(result)
    if instruction.kind == "invalid":
        code = instruction.code or 11200
        problem = f"{callback_error(code)}: {instruction.problem}"
        outcome = (
            "TaskRouter tries the FallbackAssignmentCallbackUrl, if any; otherwise the "
            "reservation stays pending until its timeout"
        )
        return _answered(result, instruction=None, acted=False, problems=[problem], outcome=outcome)
    if instruction.kind == "none" and instruction.code:
        problem = f"{callback_error(instruction.code)}: {instruction.problem}"
        outcome = "TaskRouter does nothing; the reservation waits for a REST answer or its timeout"
        return _answered(result, instruction=None, acted=False, problems=[problem], outcome=outcome)
    if instruction.kind == "none":
        outcome = "TaskRouter leaves the reservation pending for your REST accept or reject"
        return _answered(result, instruction=None, acted=True, outcome=outcome)
    outcome = f"TaskRouter acts on '{instruction.kind}'"
    return _answered(result, instruction=instruction.kind, acted=True, outcome=outcome)


def _judge_event(result: CallbackResult) -> Verdict:
    if result.error is None and result.status is not None and 200 <= result.status < 300:
        return _answered(result, instruction=None, acted=True, outcome="TaskRouter is done")
    reason = (
        f"callback failed: {result.error}"
        if result.error
        else f"callback answered HTTP {result.status}, not 2xx"
    )
    refused = (result.error or "").startswith(CONNECTION_FAILURES)
    problem = f"{callback_error(11205 if refused else 11200)}: {reason}"
    return _answered(
        result,
        instruction=None,
        acted=False,
        problems=[problem],
        outcome="TaskRouter retries once, then drops the event",
    )
