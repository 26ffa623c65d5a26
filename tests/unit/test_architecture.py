"""The import arrows of ARCHITECTURE.md, enforced by parsing every module under trctl/ with ast."""

from __future__ import annotations

import ast
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

PACKAGE_ROOT = Path(__file__).resolve().parents[2] / "trctl"
STDLIB = frozenset(sys.stdlib_module_names) | {"__future__", "tomli"}  # tomli: tomllib on 3.10


@dataclass(frozen=True)
class Rule:
    """What one layer may import: trctl layers, and third-party modules (anywhere / lazily)."""

    internal: frozenset[str]
    third_party: frozenset[str] = frozenset()
    lazy_only: frozenset[str] = frozenset()  # allowed, but only inside functions


def _rule(internal: str, third_party: str = "", lazy_only: str = "") -> Rule:
    return Rule(
        frozenset(internal.split()), frozenset(third_party.split()), frozenset(lazy_only.split())
    )


BASE = "trctl.errors trctl.config trctl.redact trctl.documents"
DOCS = "trctl.documents"  # user JSON/TOML within one nesting limit: stdlib only, for every parser
VOCAB = "trctl.vocab"  # TaskRouter's vocabulary: stdlib only, usable by every layer below cli
# layer -> rule. trctl/__init__.py holds only the version, so "trctl" itself is importable by all.
LAYERS: dict[str, Rule] = {
    "trctl.cli": _rule(
        f"trctl.cli trctl.services trctl.callback trctl.emulator trctl.workflow trctl.expr {VOCAB} "
        f"{BASE}",
        "click",
        lazy_only="twilio requests rich pyngrok trctl.emulator",
    ),
    "trctl.__main__": _rule("trctl.cli"),
    "trctl.services": _rule(
        f"trctl.services trctl.workflow trctl.expr {VOCAB} {BASE}", "twilio requests"
    ),
    "trctl.callback": _rule(
        f"trctl.callback trctl.expr {VOCAB} {DOCS} trctl.errors trctl.redact",
        "twilio.request_validator",
        lazy_only="pyngrok",
    ),
    "trctl.emulator": _rule(
        f"trctl.emulator trctl.workflow trctl.expr {VOCAB} {DOCS} trctl.errors"
    ),
    "trctl.workflow": _rule(f"trctl.workflow trctl.expr {VOCAB} {DOCS} trctl.errors"),
    "trctl.expr": _rule("trctl.expr"),
    "trctl.vocab": _rule("trctl.vocab"),
    "trctl.errors": _rule(""),
    "trctl.config": _rule(f"trctl.config trctl.errors {DOCS}"),
    "trctl.documents": _rule(""),
    "trctl.redact": _rule(""),
    "trctl": _rule(""),
}


@dataclass(frozen=True)
class Import:
    """One imported name, where it appears, and whether it runs at module import time."""

    target: str
    line: int
    in_function: bool
    type_only: bool


def _within(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE_ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def layer_of(module: str) -> str | None:
    matches = [layer for layer in LAYERS if _within(module, layer)]
    specific = [m for m in matches if m != "trctl"]
    if specific:
        return max(specific, key=len)
    return "trctl" if module == "trctl" else None


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def collect_imports(source: str, module: str, is_package: bool = False) -> list[Import]:
    """Every import in the source, module-level and inside functions, as absolute names."""
    found: list[Import] = []
    package = module if is_package else module.rpartition(".")[0]

    def visit(node: ast.AST, in_function: bool, type_only: bool) -> None:
        if isinstance(node, ast.Import):
            for alias in node.names:
                found.append(Import(alias.name, node.lineno, in_function, type_only))
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, *([base] if base else [])])
            for alias in node.names:
                target = base if alias.name == "*" else f"{base}.{alias.name}"
                found.append(Import(target, node.lineno, in_function, type_only))
        inner_function = in_function or isinstance(
            node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)
        )
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.body:
                visit(child, inner_function, True)
            for child in node.orelse:
                visit(child, inner_function, type_only)
            return
        for child in ast.iter_child_nodes(node):
            visit(child, inner_function, type_only)

    visit(ast.parse(source), False, False)
    return found


def violations(module: str, imports: list[Import], where: str) -> list[str]:
    """Human-readable breaches of the arrows for one module."""
    layer = layer_of(module)
    if layer is None:
        return [f"{where}: module {module} belongs to no layer; add it to LAYERS in {__file__}"]
    rule = LAYERS[layer]
    problems: list[str] = []
    for item in imports:
        target = item.target
        top = target.split(".")[0]
        at = f"{where}:{item.line}: {module} imports {target}"
        if top == "trctl":
            target_layer = layer_of(target)
            if target_layer is None and target.count(".") == 1:
                target_layer = "trctl"  # a name from trctl/__init__.py (the version)
            if target_layer == "trctl":
                continue
            if target_layer is None:
                problems.append(f"{at}: no such layer (add it to LAYERS)")
                continue
            allowed = any(_within(target_layer, x) for x in rule.internal)
            lazy = any(_within(target, x) for x in rule.lazy_only)
            if not allowed:
                problems.append(f"{at}: {layer} may not depend on {target_layer}")
            elif lazy and not item.in_function and not item.type_only:
                problems.append(f"{at}: import it inside the function that needs it")
            continue
        if top in STDLIB:
            continue
        anywhere = any(_within(target, x) for x in rule.third_party)
        lazy = any(_within(target, x) for x in rule.lazy_only)
        if not (anywhere or lazy):
            problems.append(f"{at}: {layer} may not import {top}")
        elif lazy and not anywhere and not item.in_function and not item.type_only:
            problems.append(
                f"{at}: import it inside the function that needs it (keeps --help fast)"
            )
    return problems


def all_modules() -> list[Path]:
    return sorted(PACKAGE_ROOT.rglob("*.py"))


def test_every_module_respects_the_import_arrows() -> None:
    problems: list[str] = []
    for path in all_modules():
        module = module_name(path)
        imports = collect_imports(path.read_text(encoding="utf-8"), module, path.stem == "__init__")
        problems.extend(violations(module, imports, str(path.relative_to(PACKAGE_ROOT.parent))))
    assert not problems, "import arrows broken:\n" + "\n".join(problems)


# --- the emulator's rooms: http (wire) and core (domain), and no cycles -------------------
# room -> what its modules may never import, wherever the import sits (module level, inside a
# function, or under TYPE_CHECKING)
ROOM_BANS: dict[str, tuple[str, ...]] = {
    "trctl.emulator.http": ("sqlite3", "trctl.emulator.core.store", "trctl.emulator.core.schema"),
    "trctl.emulator.core": ("http.server", "http.client", "trctl.emulator.http", "click"),
}


def room_violations(module: str, imports: list[Import], where: str) -> list[str]:
    problems = []
    for room, banned in ROOM_BANS.items():
        if not _within(module, room):
            continue
        for item in imports:
            for ban in banned:
                if _within(item.target, ban):
                    problems.append(f"{where}:{item.line}: {module} imports {item.target}")
    return problems


def test_the_emulator_rooms_keep_to_themselves() -> None:
    problems: list[str] = []
    for path in all_modules():
        module = module_name(path)
        imports = collect_imports(path.read_text(encoding="utf-8"), module, path.stem == "__init__")
        problems.extend(
            room_violations(module, imports, str(path.relative_to(PACKAGE_ROOT.parent)))
        )
    assert not problems, "an emulator room reaches into another:\n" + "\n".join(problems)


@pytest.mark.parametrize(
    ("module", "source"),
    [
        ("trctl.emulator.http.tasks", "import sqlite3\n"),
        ("trctl.emulator.http.tasks", "def f():\n    from trctl.emulator.core.store import Row\n"),
        ("trctl.emulator.http.app", "from trctl.emulator.core import schema\n"),
        ("trctl.emulator.core.tasks", "from http.server import HTTPServer\n"),
        ("trctl.emulator.core.stats", "from trctl.emulator.http.paging import envelope\n"),
        ("trctl.emulator.core.queries", "import click\n"),
    ],
)
def test_room_checker_reports_breaches(module: str, source: str) -> None:
    assert room_violations(module, collect_imports(source, module), "x.py")


def import_graph(prefix: str) -> dict[str, set[str]]:
    """module -> the modules under `prefix` it imports (any import: lazy and typing-only too)."""
    modules = {module_name(p): p for p in all_modules()}
    graph: dict[str, set[str]] = {}
    for module, path in modules.items():
        if not _within(module, prefix):
            continue
        edges = set()
        for item in collect_imports(path.read_text("utf-8"), module, path.stem == "__init__"):
            target = item.target if item.target in modules else item.target.rpartition(".")[0]
            if target in modules and _within(target, prefix) and target != module:
                edges.add(target)
        graph[module] = edges
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as [a, b, ..., a], or None (depth-first search with colours)."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        path.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state and (found := visit(start)):
            return found
    return None


def test_no_import_cycles_inside_the_emulator() -> None:
    cycle = find_cycle(import_graph("trctl.emulator"))
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_the_cycle_finder_finds_cycles() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b", "c"}, "b": {"c"}, "c": set()}) is None


def test_the_scan_sees_the_whole_package() -> None:
    names = {module_name(p) for p in all_modules()}
    assert {"trctl.cli", "trctl.config", "trctl.errors", "trctl.services.client"} <= names


# --- the checker itself must catch breaches -----------------------------------------------


@pytest.mark.parametrize(
    ("module", "source", "expected"),
    [
        ("trctl.cli.tasks", "import twilio\n", "inside the function"),
        ("trctl.cli.tasks", "from rich.table import Table\n", "inside the function"),
        ("trctl.cli.tasks", "from trctl.emulator import Emulator\n", "inside the function"),
        ("trctl.emulator.http.app", "import click\n", "may not import click"),
        ("trctl.emulator.http.app", "def f():\n    from twilio.rest import Client\n", "twilio"),
        ("trctl.emulator.http.app", "from trctl.services import rest\n", "may not depend on"),
        ("trctl.expr.parser", "from trctl.errors import UsageError\n", "may not depend on"),
        ("trctl.services.tasks", "from trctl.cli.output import emit\n", "may not depend on"),
        ("trctl.services.tasks", "import rich\n", "may not import rich"),
        ("trctl.callback.server", "from twilio.rest import Client\n", "may not import twilio"),
        ("trctl.callback.tunnel", "from pyngrok import ngrok\n", "inside the function"),
        ("trctl.callback.server", "import click\n", "may not import click"),
        ("trctl.callback.server", "from trctl.cli.output import info\n", "may not depend on"),
        ("trctl.config.resolve", "from trctl.services import client\n", "may not depend on"),
        ("trctl.config.files", "import requests\n", "may not import requests"),
        ("trctl.emulator.core.store", "from ...services import rest\n", "may not depend on"),
        ("trctl.workflow.config", "from trctl.services import rest\n", "may not depend on"),
        ("trctl.workflow.config", "from trctl.emulator.core import store\n", "may not depend on"),
        ("trctl.workflow.config", "from trctl.config import Settings\n", "may not depend on"),
        ("trctl.workflow.walk", "import click\n", "may not import click"),
        ("trctl.vocab.instructions", "from trctl.errors import UsageError\n", "may not depend"),
        ("trctl.vocab.params", "import click\n", "may not import click"),
        ("trctl.vocab.params", "def f():\n    import twilio\n", "may not import twilio"),
        ("trctl.vocab.params", "from trctl.emulator.core import store\n", "may not depend on"),
        ("trctl.newlayer.x", "import os\n", "belongs to no layer"),
    ],
)
def test_checker_reports_breaches(module: str, source: str, expected: str) -> None:
    problems = violations(module, collect_imports(source, module), "x.py")
    assert problems and expected in problems[0], problems


@pytest.mark.parametrize(
    ("module", "source"),
    [
        (
            "trctl.cli.tasks",
            "import click\ndef f():\n    import twilio\n    from rich import box\n",
        ),
        (
            "trctl.cli.tasks",
            "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import rich\n",
        ),
        ("trctl.cli", "from trctl import __version__\nfrom trctl.cli.lazy import LazyGroup\n"),
        ("trctl.callback.signature", "from twilio.request_validator import RequestValidator\n"),
        ("trctl.callback.tunnel", "def open_tunnel():\n    from pyngrok import conf\n"),
        ("trctl.services.http", "from twilio.http.http_client import TwilioHttpClient\n"),
        ("trctl.emulator.http.app", "from . import store\nfrom trctl.expr import parse\n"),
        ("trctl.config", "import json\nfrom trctl.errors import ConfigError\n"),
        ("trctl.config.resolve", "from trctl.config.settings import Settings\n"),
        ("trctl.workflow.walk", "from trctl.workflow.config import Target\n"),
        ("trctl.workflow.config", "from trctl.expr import parse\nfrom trctl.errors import X\n"),
        ("trctl.emulator.core.placement", "from trctl.workflow.config import Target\n"),
        ("trctl.services.workflows", "from trctl.workflow.config import parse_workflow_config\n"),
        ("trctl.vocab.instructions", "import re\nfrom trctl.vocab.params import Param\n"),
        ("trctl.emulator.delivery.answers", "from trctl.vocab.instructions import check_params\n"),
        ("trctl.emulator.http.workers", "from trctl.vocab.instructions import REST_PREFIXES\n"),
        ("trctl.callback.instructions", "from trctl.vocab import instructions\n"),
        ("trctl.cli.serve_callback", "from trctl.vocab.instructions import ANSWER_NAMES\n"),
        ("trctl.services.tasks", "from trctl.vocab.instructions import INSTRUCTIONS\n"),
        ("trctl.workflow.config", "from trctl.vocab.params import Param\n"),
    ],
)
def test_checker_accepts_allowed_imports(module: str, source: str) -> None:
    assert violations(module, collect_imports(source, module), "x.py") == []
