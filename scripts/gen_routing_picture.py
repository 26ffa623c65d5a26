"""Draw docs/routing.svg: a task's way through TaskRouter, from the task to the accepted
reservation, as the quickstart plays it (a plain SVG: boxes, arrows and text, no fonts to load).

python scripts/gen_routing_picture.py           # rewrite docs/routing.svg
python scripts/gen_routing_picture.py --check   # exit 1 if docs/routing.svg is stale
"""

from __future__ import annotations

import sys
from pathlib import Path
from xml.sax.saxutils import escape

from generated import write_or_check

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "routing.svg"

# (title, lines below it), in the order a task meets them
STAGES = [
    ("Task", ["trctl task create", '{"selected_language":"es"}']),
    ("Workflow filter", ["the first that matches:", 'selected_language == "es"']),
    ("TaskQueue", ["Customer Care Requests -", 'Spanish: languages HAS "es"']),
    ("Worker", ["available, matches the queue:", "Alice goes Idle"]),
    ("Reservation", ["pending for Alice;", "she moves to Reserved"]),
    ("Assignment callback", ["POST to your app, signed", "(X-Twilio-Signature)"]),
    ("Accept", ['{"instruction":"accept"} or', "REST: task assigned, Alice Busy"]),
]
BOX_W, BOX_H, GAP, MARGIN, TOP_ROW = 200, 76, 34, 12, 4
WIDTH = MARGIN * 2 + TOP_ROW * BOX_W + (TOP_ROW - 1) * GAP
HEIGHT = MARGIN * 2 + 2 * BOX_H + GAP + 18


def position(index: int) -> tuple[int, int]:
    """Top-left corner of a stage's box: the first row left to right, the second right to left
    under it, so the path turns down after the worker."""
    if index < TOP_ROW:
        column, row = index, 0
    else:
        column, row = TOP_ROW - 1 - (index - TOP_ROW), 1
    return MARGIN + column * (BOX_W + GAP), MARGIN + 18 + row * (BOX_H + GAP)


def arrow(start: tuple[int, int], end: tuple[int, int]) -> str:
    x1, y1 = start
    x2, y2 = end
    return f'<line x1="{x1}" y1="{y1}" x2="{x2}" y2="{y2}" class="arrow"/>'


def connector(index: int) -> str:
    """The arrow from stage index to the next one."""
    (x, y), (nx, ny) = position(index), position(index + 1)
    if ny > y:  # down, from the worker to the reservation
        middle = x + BOX_W // 2
        return arrow((middle, y + BOX_H), (middle, ny - 2))
    if nx > x:
        return arrow((x + BOX_W, y + BOX_H // 2), (nx - 2, ny + BOX_H // 2))
    return arrow((x, y + BOX_H // 2), (nx + BOX_W + 2, ny + BOX_H // 2))


def box(index: int, title: str, lines: list[str]) -> str:
    x, y = position(index)
    parts = [
        f'<rect x="{x}" y="{y}" width="{BOX_W}" height="{BOX_H}" rx="8" class="box"/>',
        f'<text x="{x + 12}" y="{y + 24}" class="title">{index + 1}. {escape(title)}</text>',
    ]
    for number, line in enumerate(lines):
        parts.append(f'<text x="{x + 12}" y="{y + 46 + 16 * number}">{escape(line)}</text>')
    return "\n  ".join(parts)


def generate() -> str:
    body = [box(i, title, lines) for i, (title, lines) in enumerate(STAGES)]
    body += [connector(i) for i in range(len(STAGES) - 1)]
    caption = "How TaskRouter routes a task (the quickstart: a Spanish task, Alice)"
    return f"""<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" \
viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{escape(caption)}">
  <title>{escape(caption)}</title>
  <defs>
    <marker id="head" markerWidth="10" markerHeight="8" refX="9" refY="4" orient="auto">
      <path d="M0,0 L10,4 L0,8 z" fill="#444"/>
    </marker>
    <style>
      text {{ font-family: Menlo, Consolas, "DejaVu Sans Mono", monospace; font-size: 11px;
             fill: #222; }}
      .title {{ font-family: Helvetica, Arial, sans-serif; font-size: 13px; font-weight: bold; }}
      .caption {{ font-family: Helvetica, Arial, sans-serif; font-size: 12px; fill: #555; }}
      .box {{ fill: #f4f7fb; stroke: #3b6ea5; stroke-width: 1.5; }}
      .arrow {{ stroke: #444; stroke-width: 1.5; marker-end: url(#head); }}
    </style>
  </defs>
  <rect width="100%" height="100%" fill="#ffffff"/>
  <text x="{MARGIN}" y="{MARGIN + 6}" class="caption">{escape(caption)}</text>
  {chr(10).join("  " + part for part in body).lstrip()}
</svg>
"""


def main(argv: list[str]) -> int:
    return write_or_check({OUT: generate()}, argv, "scripts/gen_routing_picture.py")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
