"""The pictures in the docs are what their scripts draw: docs/routing.svg (a task's way through
TaskRouter), docs/demo.svg (`trctl demo` recorded at 80 columns with rich's SVG export), and
docs/watch.svg and docs/events-tail.svg (what `watch` and `events tail` show)."""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree

from scripts_loader import load_script

ROUTING = load_script("gen_routing_picture")
RECORDING = load_script("gen_demo_recording")
PICTURES = load_script("gen_pictures")
SVG = "{http://www.w3.org/2000/svg}"


def test_the_routing_picture_is_current_and_names_each_stage_in_order() -> None:
    text = ROUTING.OUT.read_text(encoding="utf-8")
    assert text == ROUTING.generate(), (
        "docs/routing.svg is stale: run `python scripts/gen_routing_picture.py`"
    )
    titles = [t.text for t in ElementTree.fromstring(text).iter(f"{SVG}text")]
    stages = [t for t in titles if t and t[0].isdigit()]
    assert stages == [
        "1. Task",
        "2. Workflow filter",
        "3. TaskQueue",
        "4. Worker",
        "5. Reservation",
        "6. Assignment callback",
        "7. Accept",
    ]
    arrows = list(ElementTree.fromstring(text).iter(f"{SVG}line"))
    assert len(arrows) == len(stages) - 1


def test_the_demo_recording_is_current() -> None:
    """The demo, recorded again (fake clock, seeded SIDs), draws the same SVG."""
    drawn = RECORDING.generate()
    assert RECORDING.OUT.read_text(encoding="utf-8") == drawn, (
        "docs/demo.svg is stale: run `python scripts/gen_demo_recording.py`"
    )
    assert "All&#160;10&#160;steps&#160;happened" in drawn


def test_the_watch_and_events_tail_pictures_are_current() -> None:
    """Drawn again from the quickstart (fake clock, seeded SIDs) by watch's own view."""
    for path, drawn in PICTURES.generate().items():
        assert path.read_text(encoding="utf-8") == drawn, (
            f"docs/{path.name} is stale: run `python scripts/gen_pictures.py`"
        )
