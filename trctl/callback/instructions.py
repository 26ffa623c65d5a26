"""serve-callback's answers: parameters checked by trctl.vocab, activity names looked up."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from trctl.callback.payload import CallbackRequest
from trctl.errors import UsageError
from trctl.vocab import instructions as vocab
from trctl.vocab.params import BOOLEAN, EVENTS, InstructionError, Param

Decide = Callable[[CallbackRequest], dict]
ActivityResolver = Callable[[str], str]

# friendly-name shortcuts: `activity=Offline` becomes activity_sid=WA... through the API
NAME_SHORTCUTS = {"activity": "activity_sid", "post_work_activity": "post_work_activity_sid"}
# command-line spellings of a boolean; the answer carries JSON true/false
_TRUE = {"true", "yes", "1", "on"}
_FALSE = {"false", "no", "0", "off"}
SECRET_SHOWN_AS = "***"


def instruction_names() -> list[str]:
    return list(vocab.ANSWER_NAMES)


def parameters_of(name: str) -> Mapping[str, Param]:
    """The parameters serve-callback may send with `name` (none for `none`, the answer {})."""
    return {} if name == vocab.NONE else vocab.INSTRUCTIONS[name].params


def parse_param_pairs(pairs: Iterable[str], *, option: str = "--param") -> dict[str, str]:
    """`from=+15551234567` pairs as text; values are typed later, per instruction."""
    result: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        key = key.strip()
        if not sep or not key:
            raise UsageError(f"{option} {pair!r} is not name=value", hint="e.g. --param from=+1555")
        if key in result:
            raise UsageError(f"{option} {key!r} given twice")
        result[key] = value
    return result


def _as_json(param: Param, value: Any) -> Any:
    """Command-line and rules-file spellings the app's JSON would not use: yes/no, event lists."""
    if param.kind == BOOLEAN and not isinstance(value, bool) and isinstance(value, (str, int)):
        text = str(value).strip().lower()
        if text in _TRUE | _FALSE:
            return text in _TRUE
    if param.kind == EVENTS and isinstance(value, list) and all(isinstance(v, str) for v in value):
        return ",".join(value)
    return value


def build_answer(
    name: str,
    params: Mapping[str, Any] | None = None,
    *,
    resolve_activity: ActivityResolver | None = None,
    where: str = "--param",
) -> dict[str, Any]:
    """The JSON answer for an instruction, checked by the emulator's own rules; `none` gives {}."""
    prefix = "" if where.startswith("--") else f"{where}: "
    if name not in vocab.ANSWER_NAMES:
        raise UsageError(
            f"{prefix}unknown instruction {name!r}",
            hint=f"one of: {', '.join(instruction_names())}",
        )
    known = parameters_of(name)
    given: dict[str, Any] = {}
    typed: dict[str, tuple[str, Any]] = {}  # parameter -> (the name and value as the user wrote)
    for key, raw in (params or {}).items():
        target = NAME_SHORTCUTS.get(key, key)
        param = known.get(target)
        if param is None:
            allowed = ", ".join([*known, *_shortcuts_for(known)]) or "none"
            raise UsageError(
                f"{where} {key!r} is not a parameter of {name!r}", hint=f"allowed: {allowed}"
            )
        if target in given:
            raise UsageError(f"{where} {target!r} given twice (as {key!r})")
        value = _resolve_name(raw, resolve_activity, f"{where} {key}") if target != key else raw
        given[target] = _as_json(param, value)
        typed[target] = (key, raw)
    if name == vocab.NONE:
        return {}
    try:
        checked = vocab.check_params(name, given)
    except vocab.MissingParameters as exc:
        example = " ".join(
            f"{where} {key}=..." if where == "--param" else key for key in exc.missing
        )
        message = f"{prefix}instruction {name!r} needs {', '.join(exc.missing)}"
        raise UsageError(message, hint=example) from None
    except InstructionError as exc:
        key, raw = typed.get(exc.param or "", (exc.param, None))
        secret = exc.param in known and known[exc.param].secret
        shown = "" if secret or exc.param not in typed else f", not {raw!r}"
        raise UsageError(f"{where} {key} must be {exc.rule}{shown}") from None
    return {"instruction": name, **checked}


def describe(answer: Mapping[str, Any]) -> str:
    """`dequeue timeout=30 ...` for the status line; secret values are masked."""
    name = instruction_of(answer)
    known = parameters_of(name) if name in vocab.ANSWER_NAMES else {}
    shown = [name]
    for key, value in answer.items():
        if key != "instruction":
            secret = key in known and known[key].secret
            shown.append(f"{key}={SECRET_SHOWN_AS if secret else value}")
    return " ".join(shown)


def _shortcuts_for(known: Mapping[str, Param]) -> list[str]:
    return [short for short, full in NAME_SHORTCUTS.items() if full in known]


def _resolve_name(raw: Any, resolve_activity: ActivityResolver | None, where: str) -> str:
    if not isinstance(raw, str) or not raw:
        raise UsageError(f"{where} must be an activity name")
    if resolve_activity is None:
        raise UsageError(
            f"{where}: activity names need TaskRouter API access", hint="give the WA... SID instead"
        )
    return resolve_activity(raw)


def constant(answer: Mapping[str, Any]) -> Decide:
    """A decide() that gives every reservation the same answer."""
    frozen = dict(answer)

    def decide(request: CallbackRequest) -> dict:
        return dict(frozen)

    return decide


def instruction_of(answer: Mapping[str, Any]) -> str:
    """The instruction name shown in logs: `none` for the empty answer."""
    return str(answer.get("instruction", "none"))
