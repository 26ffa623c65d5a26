"""Mutation testing with cosmic-ray, group by group: each mutant judged by that group's tests.

python scripts/mutate.py                  # every group of mutation/modules.toml, in turn
python scripts/mutate.py expr resolve     # only these groups
python scripts/mutate.py --again expr     # only the last run's survivors (tests were added)
python scripts/mutate.py --report         # the scores of the last runs again, without running
python scripts/mutate.py --docs           # rewrite docs/testing.md's scores from the last runs

`make mutate` (MODULES="expr resolve" to choose) installs cosmic-ray into .venv and runs this.
The tree is copied to .mutation/tree first (git's files, committed or not), so a mutant is
written there and never into the working tree, whatever stops the run. One mutant at a time:
cosmic-ray writes it to disk and runs the group's tests in a new process (`pytest -x`), so
subprocess tests see the mutant too and no cache of an earlier run can hide it.

Mutants cosmic-ray would make that say nothing are skipped before the run: the same spot
replaced by every other arithmetic or comparison operator is cut to the classic sufficient set
(negation and off-by-one for comparisons, one replacement per arithmetic operator), and nothing
in an annotation is mutated (`from __future__ import annotations`: never evaluated). Survivors
judged equivalent are listed, each with why, in mutation/equivalent.toml; the score is killed
/ (mutants - equivalent), per file and per group.
"""

from __future__ import annotations

import argparse
import ast
import fcntl
import hashlib
import json
import shutil
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / ".mutation"
TREE = WORK / "tree"
GROUPS = ROOT / "mutation" / "modules.toml"
EQUIVALENT = ROOT / "mutation" / "equivalent.toml"
DOCS = ROOT / "docs" / "testing.md"
TARGET = 90.0  # percent of non-equivalent mutants killed, per group and per file

KEPT_COMPARISONS = (
    "Eq_NotEq", "NotEq_Eq", "Lt_GtE", "Lt_LtE", "LtE_Gt", "LtE_Lt",
    "Gt_LtE", "Gt_GtE", "GtE_Lt", "GtE_Gt", "Is_IsNot", "IsNot_Is",
)  # fmt: skip
KEPT_ARITHMETIC = (
    "Add_Sub", "Sub_Add", "Mul_Div", "Div_Mul", "FloorDiv_Mul", "Mod_FloorDiv", "Pow_Mul",
    "BitOr_BitAnd", "BitAnd_BitOr", "BitXor_BitOr", "LShift_RShift", "RShift_LShift",
)  # fmt: skip


def kept_operator(name: str) -> bool:
    """Whether cosmic-ray's operator belongs to the set this project runs."""
    if name.startswith("core/ReplaceComparisonOperator_"):
        return name.split("_", 1)[1] in KEPT_COMPARISONS
    if name.startswith("core/ReplaceBinaryOperator_"):
        return name.split("_", 1)[1] in KEPT_ARITHMETIC
    if name.startswith("core/ReplaceUnaryOperator_"):
        return name.startswith("core/ReplaceUnaryOperator_Delete_")
    return True


@dataclass
class Group:
    name: str
    paths: list[str]
    tests: list[str]
    timeout: float


@dataclass
class Mutant:
    path: str
    line: int
    where: str  # the enclosing def or class (for a decorator, the decorated one), dotted
    operator: str
    before: str
    after: str
    outcome: str  # killed, survived, equivalent
    why: str = ""


@dataclass
class Result:
    group: str
    seconds: float
    mutants: list[Mutant] = field(default_factory=list)


def load_groups() -> list[Group]:
    data = tomllib.loads(GROUPS.read_text())
    return [Group(**entry) for entry in data["group"]]


def load_equivalents() -> dict[tuple[str, str, str, str, str], str]:
    """(file, where, operator, line before, line after) -> why no test can tell it apart."""
    if not EQUIVALENT.exists():
        return {}
    data = tomllib.loads(EQUIVALENT.read_text())
    return {
        (e["file"], e["where"], e["operator"], e["before"].strip(), e["after"].strip()): e["why"]
        for e in data.get("mutant", [])
    }


def equivalent_key(
    path: str, where: str, operator: str, before: str, after: str
) -> tuple[str, str, str, str, str]:
    """The key of a mutant in load_equivalents(): the lines stripped, as the file keeps them (a
    removed decorator's lines start with blank ones, which leave a space before the first /)."""
    return path, where, operator, before.strip(), after.strip()


def enclosing(path: Path, line: int) -> str:
    """The dotted name of the innermost def or class around `line` (decorators included)."""
    best: list[str] = []

    def visit(node: ast.AST, names: list[str]) -> None:
        nonlocal best
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                first = min([child.lineno, *(d.lineno for d in child.decorator_list)])
                if first <= line <= (child.end_lineno or child.lineno):
                    best = [*names, child.name]
                    visit(child, best)
                    return
            visit(child, names)

    visit(ast.parse(path.read_text()), [])
    return ".".join(best) or "<module>"


# -- the work tree --------------------------------------------------------------------------------
def copy_tree() -> None:
    """Copy the project's files (tracked and untracked, not ignored) to .mutation/tree."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT, capture_output=True, check=True,
    ).stdout.decode()  # fmt: skip
    if TREE.exists():
        shutil.rmtree(TREE)
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if source.is_file() and not name.startswith(".mutation/"):
            target = TREE / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)


def annotation_spans(path: Path) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """(start, end) positions, as (line, column), of every annotation in the module."""
    tree = ast.parse(path.read_text())
    lines = path.read_text().splitlines()
    spans = []

    def column(line: int, offset: int) -> int:  # ast counts UTF-8 bytes, cosmic-ray characters
        return len(lines[line - 1].encode()[:offset].decode(errors="ignore"))

    for node in ast.walk(tree):
        notes: list[ast.expr | None] = []
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            notes.append(node.returns)
            arguments = node.args
            every = [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]
            every += [a for a in (arguments.vararg, arguments.kwarg) if a is not None]
            notes.extend(argument.annotation for argument in every)
        elif isinstance(node, ast.AnnAssign):
            notes.append(node.annotation)
        for note in notes:
            if note is not None and note.end_lineno is not None and note.end_col_offset is not None:
                start = (note.lineno, column(note.lineno, note.col_offset))
                end = (note.end_lineno, column(note.end_lineno, note.end_col_offset))
                spans.append((start, end))
    return spans


def is_star_marker(path: Path, operator: str, start: tuple[int, int]) -> bool:
    """cosmic-ray reads the bare `*` of a signature (`def f(a, *, b)`) as a multiplication."""
    if not operator.startswith("core/ReplaceBinaryOperator_Mul_"):
        return False
    line = path.read_text().splitlines()[start[0] - 1]
    return line[start[1] : start[1] + 1] == "*" and line[start[1] + 1 :].lstrip()[:1] in ",)"


# -- one group ------------------------------------------------------------------------------------
def write_config(group: Group, python: str) -> Path:
    tests = " ".join(group.tests)
    command = f"{python} -m pytest -x -q -p no:randomly -p no:cacheprovider {tests}"
    config = WORK / f"{group.name}.toml"
    config.write_text(
        "[cosmic-ray]\n"
        f"module-path = {json.dumps(group.paths)}\n"
        f"timeout = {float(group.timeout)}\n"
        "excluded-modules = []\n"
        f"test-command = {json.dumps(command)}\n\n"
        '[cosmic-ray.distributor]\nname = "local"\n'
    )
    return config


def skip_noise(session: Path, only: set[tuple[str, str, int]] | None = None) -> tuple[int, int]:
    """Mark the operators outside the kept set and mutants inside annotations as skipped (and,
    given `only`, every mutant not in it)."""
    from cosmic_ray.work_db import WorkDB, use_db
    from cosmic_ray.work_item import WorkerOutcome, WorkResult

    spans: dict[str, list[Any]] = {}
    kept = skipped = 0
    with use_db(str(session), WorkDB.Mode.open) as db:
        for item in list(db.pending_work_items):
            (mutation,) = item.mutations
            path = str(mutation.module_path)
            if path not in spans:
                spans[path] = annotation_spans(TREE / path)
            start = tuple(mutation.start_pos)
            in_note = any(low <= start < high for low, high in spans[path])
            marker = is_star_marker(TREE / path, mutation.operator_name, start)
            passed = only is not None and spec_key(mutation) not in only
            if in_note or marker or passed or not kept_operator(mutation.operator_name):
                why = "annotation" if in_note else "a signature's * or an operator not kept"
                why = JUDGED if passed and not (in_note or marker) else why
                db.set_result(item.job_id, WorkResult(WorkerOutcome.SKIPPED, output=why))
                skipped += 1
            else:
                kept += 1
    return kept, skipped


def changed_lines(diff: str) -> tuple[str, str]:
    before = [
        line[1:]
        for line in diff.splitlines()
        if line.startswith("-") and not line.startswith("---")
    ]
    after = [
        line[1:]
        for line in diff.splitlines()
        if line.startswith("+") and not line.startswith("+++")
    ]
    return " / ".join(s.strip() for s in before), " / ".join(s.strip() for s in after)


def collect(group: Group, session: Path, seconds: float) -> Result:
    from cosmic_ray.work_db import WorkDB, use_db
    from cosmic_ray.work_item import TestOutcome, WorkerOutcome

    equivalents = load_equivalents()
    result = Result(group.name, round(seconds, 1))
    with use_db(str(session), WorkDB.Mode.open) as db:
        for item, outcome in db.completed_work_items:
            if outcome.worker_outcome == WorkerOutcome.SKIPPED:
                continue
            (mutation,) = item.mutations
            path = str(mutation.module_path)
            before, after = changed_lines(outcome.diff or "")
            line = mutation.start_pos[0]
            where = enclosing(TREE / path, line)
            status = "survived" if outcome.test_outcome == TestOutcome.SURVIVED else "killed"
            why = equivalents.get(
                equivalent_key(path, where, mutation.operator_name, before, after), ""
            )
            if status == "survived" and why:
                status = "equivalent"
            result.mutants.append(
                Mutant(path, line, where, mutation.operator_name, before, after, status, why)
            )
    return result


def sources_digest(group: Group) -> str:
    """A digest of the group's source files as they are in the copied tree."""
    from cosmic_ray.modules import find_modules

    digest = hashlib.sha256()
    for path in sorted(find_modules([TREE / p for p in group.paths])):
        digest.update(str(path.relative_to(TREE)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def run_group(group: Group, python: str, *, again: bool = False) -> Result:
    """Run the group's mutants. `again`: only those that survived the last run, when the
    group's sources have not changed since (tests were added); the rest keep their verdicts."""
    config = write_config(group, python)
    session = WORK / f"{group.name}.sqlite"
    digest_file = WORK / f"{group.name}.sources"
    digest = sources_digest(group)
    earlier = again and session.exists() and digest_file.exists()
    if earlier and digest_file.read_text() != digest:
        print(f"[{group.name}] its sources changed since the last run: running every mutant")
        earlier = False
    target = WORK / f"{group.name}.again.sqlite" if earlier else session
    target.unlink(missing_ok=True)
    digest_file.unlink(missing_ok=True)
    cosmic_ray(python, "init", config, target)
    kept, skipped = skip_noise(target, only=survivors(session) if earlier else None)
    kept_verdicts = ", or judged in the last run" if earlier else ""
    print(f"[{group.name}] {kept} mutants to run ({skipped} skipped: other operators, annotations"
          f"{kept_verdicts})", flush=True)  # fmt: skip
    started = time.monotonic()
    cosmic_ray(python, "exec", config, target)
    if earlier:
        merge_into(session, target)
    digest_file.write_text(digest)
    result = collect(group, session, time.monotonic() - started)
    (WORK / f"{group.name}.json").write_text(json.dumps(asdict(result), indent=1))
    return result


JUDGED = "judged in the last run"


def cosmic_ray(python: str, command: str, config: Path, session: Path) -> None:
    subprocess.run([python, "-m", "cosmic_ray.cli", command, str(config), str(session)],
                   cwd=TREE, check=True)  # fmt: skip


def spec_key(mutation: Any) -> tuple[str, str, int]:
    return str(mutation.module_path), mutation.operator_name, int(mutation.occurrence)


def survivors(session: Path) -> set[tuple[str, str, int]]:
    from cosmic_ray.work_db import WorkDB, use_db
    from cosmic_ray.work_item import TestOutcome

    with use_db(str(session), WorkDB.Mode.open) as db:
        return {
            spec_key(item.mutations[0])
            for item, outcome in db.completed_work_items
            if outcome.test_outcome == TestOutcome.SURVIVED
        }


def merge_into(session: Path, again: Path) -> None:
    """Give the earlier session's survivors the verdicts of the run again (skipped, too, when
    the filters now pass over them)."""
    from cosmic_ray.work_db import WorkDB, use_db
    from cosmic_ray.work_item import WorkerOutcome

    with use_db(str(again), WorkDB.Mode.open) as db:
        verdicts = {
            spec_key(item.mutations[0]): outcome
            for item, outcome in db.completed_work_items
            if not (outcome.worker_outcome == WorkerOutcome.SKIPPED and outcome.output == JUDGED)
        }
    with use_db(str(session), WorkDB.Mode.open) as db:
        for item, _ in db.completed_work_items:
            verdict = verdicts.get(spec_key(item.mutations[0]))
            if verdict is not None:
                db.set_result(item.job_id, verdict)


# -- reporting ------------------------------------------------------------------------------------
def score(mutants: list[Mutant]) -> tuple[int, int, int, float]:
    """(killed, survived, equivalent, percent of non-equivalent mutants killed)."""
    killed = sum(m.outcome == "killed" for m in mutants)
    survived = sum(m.outcome == "survived" for m in mutants)
    equivalent = sum(m.outcome == "equivalent" for m in mutants)
    judged = killed + survived
    return killed, survived, equivalent, (100.0 * killed / judged if judged else 100.0)


def rows(result: Result) -> list[tuple[str, int, int, int, float]]:
    files = sorted({m.path for m in result.mutants})
    table = [(path, *score([m for m in result.mutants if m.path == path])) for path in files]
    return [*table, (f"{result.group} (all)", *score(result.mutants))]


def report(result: Result) -> bool:
    """Print the group's scores and surviving mutants; True when every score meets TARGET."""
    print(f"\n== {result.group}: {len(result.mutants)} mutants in {result.seconds:.0f} s")
    print(f"{'module':48} {'killed':>7} {'survived':>9} {'equiv.':>7} {'score':>7}")
    good = True
    for name, killed, survived, equivalent, percent in rows(result):
        flag = "" if percent >= TARGET else f"  < {TARGET:.0f} %"
        good = good and not flag
        print(f"{name:48} {killed:7} {survived:9} {equivalent:7} {percent:6.1f}%{flag}")
    for m in result.mutants:
        if m.outcome == "survived":
            print(f"  survived {m.path}:{m.line} ({m.where}) {m.operator}")
            print(f"    - {m.before}\n    + {m.after}")
    return good


def load_result(name: str) -> Result | None:
    path = WORK / f"{name}.json"
    if not path.exists():
        return None
    data = json.loads(path.read_text())
    mutants = [Mutant(**m) for m in data["mutants"]]
    equivalents = load_equivalents()  # as judged now, which may be later than the run
    for m in mutants:
        if m.outcome != "killed":
            m.why = equivalents.get(
                equivalent_key(m.path, m.where, m.operator, m.before, m.after), ""
            )
            m.outcome = "equivalent" if m.why else "survived"
    return Result(data["group"], data["seconds"], mutants)


def write_docs(results: list[Result]) -> None:
    """Replace the scores table of docs/testing.md (between its markers) with these results,
    group by group in modules.toml's order; a group without results here (run in another
    checkout) keeps the rows the table has for it."""
    start, end = "<!-- mutation-scores:start -->", "<!-- mutation-scores:end -->"
    text = DOCS.read_text()
    kept: dict[str, list[str]] = {}
    for row in text.split(start, 1)[1].split(end, 1)[0].splitlines()[3:]:
        kept.setdefault(row.split("|")[1].strip(), []).append(row)
    fresh = {result.group: result for result in results}
    lines = [
        start,
        "| group | module | killed | survived | equivalent | score |",
        "|---|---|---|---|---|---|",
    ]
    for group in [g.name for g in load_groups()]:
        result = fresh.get(group)
        if result is None:
            lines.extend(kept.get(group, []))
            continue
        for name, killed, survived, equivalent, percent in rows(result):
            module = (
                f"**all {len(result.mutants)} mutants**" if name.endswith("(all)") else f"`{name}`"
            )
            lines.append(
                f"| {result.group} | {module} | {killed} | {survived} | {equivalent} | "
                f"{percent:.1f} % |"
            )
    lines.append(end)
    text = replace_between(text, start, end, lines)
    start, end = "<!-- mutation-equivalent:start -->", "<!-- mutation-equivalent:end -->"
    lines = [start, "| module | in | mutation | why it is equivalent |", "|---|---|---|---|"]
    for (path, where, operator, before, after), why in load_equivalents().items():
        change = f"`{before}` → `{after}`".replace("|", "\\|")
        name = operator.removeprefix("core/")
        lines.append(f"| `{path}` | `{where}` | {name}: {change} | {why} |")
    lines.append(end)
    DOCS.write_text(replace_between(text, start, end, lines))


def replace_between(text: str, start: str, end: str, lines: list[str]) -> str:
    head, rest = text.split(start, 1)
    _, tail = rest.split(end, 1)
    return head + "\n".join(lines) + tail


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("groups", nargs="*", help="group names (default: all)")
    parser.add_argument(
        "--again", action="store_true", help="run only the last run's survivors, if unchanged"
    )
    parser.add_argument("--report", action="store_true", help="show the last runs' scores")
    parser.add_argument("--docs", action="store_true", help="write them into docs/testing.md")
    args = parser.parse_args(argv)
    groups = load_groups()
    known = {group.name: group for group in groups}
    unknown = [name for name in args.groups if name not in known]
    if unknown:
        parser.error(f"unknown group(s) {', '.join(unknown)}; known: {', '.join(known)}")
    chosen = [known[name] for name in args.groups] or groups
    if args.report or args.docs:
        results = [r for r in (load_result(g.name) for g in chosen) if r is not None]
        good = all([report(result) for result in results])
        if args.docs:
            write_docs(results)
        return 0 if good else 1
    WORK.mkdir(exist_ok=True)
    with (WORK / "lock").open("w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            parser.error("another run is using .mutation/ (one at a time: it copies the tree)")
        copy_tree()
        good = True
        for group in chosen:
            good = report(run_group(group, sys.executable, again=args.again)) and good
    return 0 if good else 1


if __name__ == "__main__":
    sys.exit(main())
