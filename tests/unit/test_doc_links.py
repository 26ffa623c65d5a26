"""Every relative link of the README and docs/ leads somewhere: the file exists and the anchor is
one of its headings (GitHub's anchors), so moving a section cannot leave a dead link behind."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")
FENCE = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)


def anchors(page: Path) -> set[str]:
    """GitHub's anchors of a Markdown page's headings."""
    text = FENCE.sub("", page.read_text(encoding="utf-8"))
    found = set()
    for line in text.splitlines():
        if line.startswith("#"):
            title = line.lstrip("#").strip().lower()
            found.add(re.sub(r"[^\w\- ]", "", title).replace(" ", "-"))
    return found


def links(page: Path) -> list[str]:
    text = FENCE.sub("", page.read_text(encoding="utf-8"))
    return [t for t in LINK.findall(text) if not re.match(r"[a-z]+:", t)]


def dead_links(page: Path) -> list[str]:
    dead = []
    for target in links(page):
        path, _, anchor = target.partition("#")
        file = (page.parent / path).resolve() if path else page
        if not file.exists() or (anchor and file.suffix == ".md" and anchor not in anchors(file)):
            dead.append(target)
    return dead


def test_every_relative_link_and_anchor_exists() -> None:
    found = {page.relative_to(ROOT).as_posix(): dead_links(page) for page in PAGES}
    assert {page: dead for page, dead in found.items() if dead} == {}


def test_the_readme_links_every_page_of_the_docs() -> None:
    linked = {Path(t.partition("#")[0]).name for t in links(ROOT / "README.md")}
    pages = {p.name for p in PAGES[1:]}
    assert pages - linked == set()


def test_the_readme_stays_a_front_page() -> None:
    """Issue 14: the README is what a newcomer needs (it was 84 KB, the reference 39 % of it);
    the rest lives in docs/."""
    assert (ROOT / "README.md").stat().st_size < 12_000


def test_a_dead_link_is_found(tmp_path: Path) -> None:
    (tmp_path / "other.md").write_text("# Other page\n\n## A section\n", encoding="utf-8")
    page = tmp_path / "page.md"
    page.write_text(
        "[ok](other.md#a-section) [gone](missing.md) [bad anchor](other.md#nowhere)\n"
        "[web](https://example.com) ![picture](other.md)\n```sh\n[not](a-link.md)\n```\n",
        encoding="utf-8",
    )
    assert dead_links(page) == ["missing.md", "other.md#nowhere"]
