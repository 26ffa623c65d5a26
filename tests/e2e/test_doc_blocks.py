"""E2E: every shell block of the README and of docs/ runs verbatim, in order, as a reader would
run it: fresh shells (terminals of 80 columns) in a fresh clone with a fresh home, against the
emulator the page itself starts; the conventions are in doc_blocks.py."""

from __future__ import annotations

import os
import re
import socket
import sys
from pathlib import Path

import pytest
from doc_blocks import COLUMNS, Block, DocError, Page, blocks, plain
from wcwidth import wcswidth

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
# Blocks that cannot run offline or inside the suite, and why: keep this list short.
NOT_RUN = {
    ("README.md", "`make test` is the test suite that runs these blocks"),
    ("README.md", "needs a Twilio account, the network and an ngrok authtoken"),
    ("testing.md", "mutation testing takes minutes a group, far past the suite's budget"),
}
TOUR = "One-minute tour"
VARIABLES_OF_ANOTHER_SHELL = ("TWILIO_", "TRCTL_", "NGROK_", "PYNGROK_", "XDG_", "VIRTUAL_ENV")
# shell state a reader's fresh terminal does not have
UNSET = ("PYTHONPATH", "COLUMNS", "LINES", "NO_COLOR", "PYTEST_CURRENT_TEST", "PS1")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def venv() -> Path | None:
    """The virtualenv running the tests, which `make` made as .venv (None: not a venv)."""
    prefix = Path(sys.prefix)
    return prefix if (prefix / "bin" / "activate").is_file() else None


def fresh_clone(tmp_path: Path) -> Path:
    """A clone after `make`: the examples, and .venv with trctl installed."""
    clone = tmp_path / "clone"
    clone.mkdir()
    (clone / "examples").symlink_to(ROOT / "examples")
    environment = venv()
    if environment is not None:
        (clone / ".venv").symlink_to(environment)
    return clone


def reader_variables(tmp_path: Path, *, trctl_on_path: bool) -> dict[str, str]:
    """A new terminal of a reader who has never used trctl: an empty home, none of this shell's
    settings; trctl on PATH only after the README's steps (docs pages come after them)."""
    home = tmp_path / "home"
    home.mkdir()
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(VARIABLES_OF_ANOTHER_SHELL) and k not in UNSET
    }
    path = [p for p in env.get("PATH", "").split(os.pathsep) if not (Path(p) / "trctl").exists()]
    if trctl_on_path:
        path.insert(0, str(Path(sys.executable).parent))
    env.update(
        HOME=str(home),
        PATH=os.pathsep.join(path),
        TERM="xterm-256color",
        # the README's `trctl emulator start` (7401 by default) on a free port instead
        TRCTL_EMULATOR_PORT=str(free_port()),
    )
    return env


def run_page(page: Path, tmp_path: Path) -> tuple[list[tuple[Block, str]], dict[int, str]]:
    """Run the page's blocks in order: each block with what its terminal showed meanwhile, and
    what each terminal showed in the end."""
    scratch = tmp_path / "scripts"
    scratch.mkdir()
    env = reader_variables(tmp_path, trctl_on_path=page.name != "README.md")
    terminals = Page(env, fresh_clone(tmp_path), scratch)
    shown: list[tuple[Block, str]] = []
    try:
        for block in blocks(page):
            if block.not_run is None:
                shown.append((block, terminals.run(block)))
    finally:
        terminals.close()
    return shown, terminals.transcripts


def split_values(text: str) -> list[str]:
    """Lines wider than the terminal, where the terminal's wrap falls inside a value (a run of
    characters without a space): the value is shown split across two lines."""
    split = []
    for line in text.splitlines():
        if wcswidth(line) <= COLUMNS:
            continue
        for edge in range(COLUMNS, len(line), COLUMNS):
            if line[edge - 1] != " " and line[edge] != " ":
                split.append(line)
                break
    return split


@pytest.mark.parametrize("page", PAGES, ids=[p.name for p in PAGES])
def test_every_shell_block_runs_verbatim(page: Path, tmp_path: Path) -> None:
    if page.name == "README.md" and venv() is None:
        pytest.skip("the README's blocks activate .venv: run the suite with `make test`")
    shown, transcripts = run_page(page, tmp_path)
    assert shown or all(block.not_run for block in blocks(page))
    if page.name == "README.md":
        # what the tour's commands showed (terminal 1) and serve-callback's status lines and
        # live log (terminal 3); the emulator's request log (terminal 2) is a log, left to wrap
        tour = [out for block, out in shown if block.section == TOUR and block.terminal == 1]
        assert "Busy" in "".join(tour) and "accepted" in "".join(tour), tour
        assert "  accept  " in transcripts[3], transcripts[3]
        split = split_values("".join(tour) + transcripts[3])
        assert split == [], "the tour, at 80 columns, shows a value split across lines"


def test_blocks_left_unrun_are_few_and_say_why() -> None:
    left = {(b.page.name, b.not_run) for page in PAGES for b in blocks(page) if b.not_run}
    assert left == NOT_RUN


def test_a_block_that_breaks_fails_its_page(tmp_path: Path) -> None:
    page = tmp_path / "broken.md"
    page.write_text(
        "# Broken\n\n```sh\necho first\ntrctl-no-such-command --version\necho never\n```\n",
        encoding="utf-8",
    )
    with pytest.raises(DocError) as caught:
        run_page(page, tmp_path)
    assert "broken.md:3" in str(caught.value)
    assert "<<failed: trctl-no-such-command --version>>" in str(caught.value)
    assert "never" not in str(caught.value)


def test_a_server_that_stops_badly_on_ctrl_c_fails_its_page(tmp_path: Path) -> None:
    page = tmp_path / "server.md"
    page.write_text(
        '# Server\n\n<!-- terminal 2; keeps running; ready at "up" -->\n```sh\n'
        "trap 'exit 3' INT\necho up\nwhile true; do sleep 0.05; done\n```\n\n"
        "```sh\necho meanwhile\n```\n",
        encoding="utf-8",
    )
    with pytest.raises(DocError) as caught:
        run_page(page, tmp_path)
    assert "server.md:4" in str(caught.value)


def test_the_notes_are_read_strictly(tmp_path: Path) -> None:
    page = tmp_path / "notes.md"
    page.write_text("<!-- terminal 2; stays up -->\n```sh\ntrue\n```\n", encoding="utf-8")
    with pytest.raises(DocError, match="unknown note part 'stays up'"):
        blocks(page)
    page.write_text("<!-- terminal 3; keeps running -->\n```bash\ntrue\n```\n", encoding="utf-8")
    with pytest.raises(DocError, match="needs `ready at"):
        blocks(page)
    page.write_text(
        '<!-- terminal 3; keeps running; ready at "x" -->\n```console\n$ trctl demo\nout\n```\n'
        "```python\nprint()\n```\n",
        encoding="utf-8",
    )
    (only,) = blocks(page)
    assert (only.terminal, only.keeps_running, only.ready, only.code) == (
        3, True, "x", "trctl demo\n",
    )  # fmt: skip


def test_split_values_are_found_where_the_terminal_wraps() -> None:
    fits = "SID  " + "x" * 70
    assert split_values(fits) == []
    wrapped_inside = "A" * 79 + "BC"
    assert split_values(wrapped_inside) == [wrapped_inside]
    wrapped_between = "A" * 79 + " B"
    assert split_values(wrapped_between) == []
    assert plain("\x1b[1mbold\x1b[0m\r\n") == "bold\n"
    assert re.fullmatch(r"\S+", "WT" + "0" * 32)
