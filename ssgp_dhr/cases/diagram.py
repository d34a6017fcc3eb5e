"""The workflow drawn as SVG on the server, from the same definition the code runs (workflow.py).

No external service or script: the main path runs down the first column; every other stage sits
beside the first stage that leads to it. Arrows follow workflow.TRANSITIONS.
"""

from __future__ import annotations

from dataclasses import dataclass

from ssgp_dhr.cases import workflow
from ssgp_dhr.cases.stages import MAIN_PATH

BOX_W, BOX_H = 236, 44
COL_GAP, ROW_GAP = 140, 46
MARGIN = 24


@dataclass(frozen=True)
class Box:
    name: str
    label: str
    x: float
    y: float
    on_main_path: bool

    @property
    def cx(self) -> float:
        return self.x + BOX_W / 2

    @property
    def cy(self) -> float:
        return self.y + BOX_H / 2


@dataclass(frozen=True)
class Arrow:
    trigger: str
    label: str
    source: str
    dest: str
    path: str
    label_x: float
    label_y: float


@dataclass(frozen=True)
class Drawing:
    width: int
    height: int
    boxes: list[Box]
    arrows: list[Arrow]


def _grid() -> dict[str, tuple[int, int]]:
    """(column, row) of every stage: the main path in column 0, the others beside their first source."""
    cells = {name: (0, row) for row, name in enumerate(MAIN_PATH)}
    taken = set(cells.values())
    for state in workflow.STATES:
        if state in cells:
            continue
        leads_here = [s for spec in workflow.TRANSITIONS if spec["dest"] == state for s in workflow.sources_of(spec)]
        first_source = next((s for s in leads_here if s in MAIN_PATH),
                            next((s for s in leads_here if s in cells), workflow.INITIAL_STATE))
        row, column = cells[first_source][1], 1
        while (column, row) in taken:
            column += 1
        cells[state] = (column, row)
        taken.add((column, row))
    return cells


def _edge_point(box: Box, toward_x: float, toward_y: float) -> tuple[float, float]:
    """Where the line from the box's centre toward a point leaves the box."""
    dx, dy = toward_x - box.cx, toward_y - box.cy
    if dx == 0 and dy == 0:
        return box.cx, box.cy
    scale = min((BOX_W / 2) / abs(dx) if dx else float("inf"), (BOX_H / 2) / abs(dy) if dy else float("inf"))
    return box.cx + dx * scale, box.cy + dy * scale


def layout() -> Drawing:
    cells = _grid()
    boxes = {
        name: Box(name, workflow.STAGE_BY_NAME[name].label, MARGIN + col * (BOX_W + COL_GAP),
                  MARGIN + row * (BOX_H + ROW_GAP), col == 0)
        for name, (col, row) in cells.items()
    }
    pairs = {(s, spec["dest"]) for spec in workflow.TRANSITIONS for s in workflow.sources_of(spec)}
    arrows = []
    for spec in workflow.TRANSITIONS:
        for source in workflow.sources_of(spec):
            a, b = boxes[source], boxes[spec["dest"]]
            # Two stages joined both ways: shift each arrow to its own side so they do not overlap.
            shift = 9 if (spec["dest"], source) in pairs else 0
            sign = 1 if (a.name < b.name) else -1
            ax, ay = _edge_point(a, b.cx, b.cy)
            bx, by = _edge_point(b, a.cx, a.cy)
            if ax == bx or abs(ax - bx) < 1:
                ax, bx = ax + sign * shift, bx + sign * shift
            else:
                ay, by = ay + sign * shift, by + sign * shift
            if a.x == b.x and abs(cells[source][1] - cells[spec["dest"]][1]) > 1:
                # Skipping rows in the same column: bow out to the right of the boxes in between.
                bend = a.x + BOX_W + (70 if sign > 0 or not shift else 30)
                ax, ay, bx, by = a.x + BOX_W, a.cy + sign * shift, b.x + BOX_W, b.cy + sign * shift
                path = f"M{ax:.0f},{ay:.0f} C{bend:.0f},{ay:.0f} {bend:.0f},{by:.0f} {bx:.0f},{by:.0f}"
                lx, ly = bend + (len(spec["trigger"]) * 3.5 if sign > 0 or not shift else -len(spec["trigger"]) * 3.5 - 4), \
                    (ay + by) / 2
            else:
                path = f"M{ax:.0f},{ay:.0f} L{bx:.0f},{by:.0f}"
                lx, ly = (ax + bx) / 2, (ay + by) / 2
            if abs(ax - bx) < 1:  # vertical: the label to the right of the line
                lx += 8 + len(spec["trigger"]) * 3.5
            elif abs(ay - by) < 1:  # horizontal: above or below, away from its twin
                ly += 16 if sign > 0 and shift else -6
            elif shift and a.x != b.x:  # diagonal twins: pull the labels apart
                ly += 10 * sign
            arrows.append(Arrow(spec["trigger"], workflow.ACTIONS[spec["trigger"]].label, source, spec["dest"],
                                path, lx, ly))
    width = max(b.x for b in boxes.values()) + BOX_W + MARGIN + 150
    height = max(b.y for b in boxes.values()) + BOX_H + MARGIN
    return Drawing(int(width), int(height), list(boxes.values()), arrows)
