"""`--help` of every command, in a fresh interpreter, imports no heavy module; shell completion."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

HEAVY = ("twilio", "requests", "rich", "pyngrok", "trctl.emulator", "trctl.workflow")
TRCTL = Path(sys.executable).with_name("trctl")

# Runs in a fresh interpreter: walk the command tree from the root (aliases are not listed by
# list_commands), run `--help` for every command path, then report what got imported.
WALK_AND_HELP = textwrap.dedent(
    """
    import contextlib, io, json, sys
    import click
    from trctl.cli import root

    def walk(command, path):
        yield path
        if isinstance(command, click.Group):
            ctx = click.Context(command, info_name=path[-1] if path else "trctl")
            for name in command.list_commands(ctx):
                sub = command.get_command(ctx, name)
                if sub is not None and not sub.hidden:
                    yield from walk(sub, [*path, name])

    paths = list(walk(root, []))
    codes = {}
    for path in paths:
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            codes[" ".join(path)] = root.main([*path, "--help"], standalone_mode=False)
        if "Usage:" not in out.getvalue():
            codes[" ".join(path)] = "no usage text: " + err.getvalue()[:200]
    heavy = sorted(m for m in sys.modules if any(m == h or m.startswith(h + ".") for h in HEAVY))
    print(json.dumps({"codes": codes, "heavy": heavy}))
    """
).replace("HEAVY", repr(HEAVY))


def _clean_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TWILIO_", "TRCTL_"))}
    env.pop("PYTHONSTARTUP", None)
    return env


def _python(code: str) -> subprocess.CompletedProcess[str]:
    """Run code in a fresh interpreter (nothing imported yet) and insist that it succeeded."""
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=_clean_env()
    )
    assert done.returncode == 0, done.stderr
    return done


def test_help_for_every_command_imports_no_heavy_module() -> None:
    done = _python(WALK_AND_HELP)
    report = json.loads(done.stdout.splitlines()[-1])
    codes = report["codes"]
    assert "" in codes and "config show" in codes and "profiles set" in codes
    assert not any(path.split(" ")[0] in ("task", "profile") for path in codes)  # no aliases
    failing = {path: code for path, code in codes.items() if code != 0}
    assert not failing, f"--help failed: {failing}"
    assert report["heavy"] == [], (
        f"`--help` imported {report['heavy']}; import them inside the functions that need them"
    )


ROOT_HELP_MODULES = textwrap.dedent(
    """
    import contextlib, io, json, sys
    from trctl.cli import root
    from trctl.cli.registry import COMMANDS, SUMMARIES
    with contextlib.redirect_stdout(io.StringIO()):
        root.main(["--help"], standalone_mode=False)
    summarized = {COMMANDS[name].partition(":")[0] for name in SUMMARIES}
    print(json.dumps(sorted(summarized & set(sys.modules))))
    """
)


def test_root_help_lists_summarized_commands_without_importing_them() -> None:
    done = _python(ROOT_HELP_MODULES)
    assert json.loads(done.stdout) == []


def test_console_script_and_python_m_show_help() -> None:
    for argv in ([str(TRCTL), "--help"], [sys.executable, "-m", "trctl", "--help"]):
        done = subprocess.run(argv, capture_output=True, text=True, timeout=60, env=_clean_env())
        assert done.returncode == 0, done.stderr
        assert done.stdout.startswith("Usage: trctl ") and done.stderr == ""


def _complete(shell_var: str, words: str, cword: int) -> subprocess.CompletedProcess[str]:
    env = {**_clean_env(), "_TRCTL_COMPLETE": shell_var, "COMP_WORDS": words}
    env["COMP_CWORD"] = str(cword)
    return subprocess.run([str(TRCTL)], capture_output=True, text=True, timeout=60, env=env)


def test_bash_completion_completes_command_names() -> None:
    done = _complete("bash_complete", "trctl pro", 1)
    assert done.returncode == 0, done.stderr
    assert "plain,profiles" in done.stdout.splitlines()
    assert "plain,config" not in done.stdout.splitlines()
    sub = _complete("bash_complete", "trctl profiles s", 2)
    assert sub.stdout.splitlines() == ["plain,set"]


@pytest.mark.parametrize(
    ("shell", "marker"),
    [("bash", "_trctl_completion"), ("zsh", "#compdef trctl"), ("fish", "complete ")],
)
def test_completion_scripts_are_generated(shell: str, marker: str) -> None:
    done = _complete(f"{shell}_source", "", 0)
    assert done.returncode == 0, done.stderr
    assert marker in done.stdout
