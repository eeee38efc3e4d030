"""The geometry of the two pictures, drawn as SVG on the server (templates ``network_map.svg`` and
``score_chart.svg``): they print, need no script, and carry a text alternative (``<title>``, ``<desc>`` and a
table beside them).

Pure functions from the API's data to positions; no I/O.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from web_service import wording as W

# The nine categories of the network map (netværkskort), clockwise from the top.
MAP_CATEGORIES = (
    "private_network",
    "housing",
    "everyday_home",
    "health_treatment",
    "social_administration",
    "probation",
    "interpreter",
    "education",
    "employment",
)
MAP_WIDTH, MAP_HEIGHT = 1160, 780
MAP_CX, MAP_CY = 580, 390
CITIZEN_R = 64
ACTOR_RING = (165, 260)  # the radii actors are placed between (their labels stay inside the sector labels)
LABEL_R = 365
LABEL_RX = 420  # the groups' names sit on an ellipse: wider than high, so those to the sides clear the people's labels
DOT_R = 11
LINE = 19  # the height of a label's line (font 16)
NAME_LINE = 21  # the height of a line of the citizen's name (font 17)
NAME_CHARS = 12  # what fits on a line inside the centre circle at font 17


@dataclass
class MapActor:
    name: str
    role: str
    unit: str
    in_contact: bool
    x: float
    y: float
    line_from: tuple[float, float]
    label_x: float
    label_y: float
    anchor: str  # text-anchor of the label


@dataclass
class MapSector:
    category: str
    label: str
    label_x: float
    label_y: float
    text_anchor: str
    boundary: tuple[float, float, float, float]  # a line at the sector's start
    actors: list[MapActor] = field(default_factory=list)


@dataclass
class NetworkMap:
    width: int
    height: int
    cx: float
    cy: float
    citizen_r: float
    citizen_name: str
    sectors: list[MapSector]
    rings: list[float]
    dot_r: float = DOT_R
    line: float = LINE
    name_lines: list[tuple[float, str]] = field(default_factory=list)  # the citizen's name inside the centre

    @property
    def actor_count(self) -> int:
        return sum(len(s.actors) for s in self.sectors)


def _point(angle_deg: float, radius: float) -> tuple[float, float]:
    # 0 degrees is straight up, clockwise, as a person reads a clock face
    rad = math.radians(angle_deg - 90)
    return MAP_CX + radius * math.cos(rad), MAP_CY + radius * math.sin(rad)


def _label_point(angle_deg: float) -> tuple[float, float]:
    rad = math.radians(angle_deg - 90)
    return MAP_CX + LABEL_RX * math.cos(rad), MAP_CY + LABEL_R * math.sin(rad)


def _anchor(x: float) -> str:
    if x < MAP_CX - 40:
        return "end"
    if x > MAP_CX + 40:
        return "start"
    return "middle"


def network_map(citizen_name: str, actors: list[dict[str, Any]], units: Any = None) -> NetworkMap:
    """The citizen in the middle, the nine categories around, each actor in its category's sector."""
    span = 360 / len(MAP_CATEGORIES)
    sectors: list[MapSector] = []
    by_category: dict[str, list[dict[str, Any]]] = {c: [] for c in MAP_CATEGORIES}
    for actor in actors:
        category = actor.get("network_category") or "social_administration"
        by_category.setdefault(category, []).append(actor)
    for index, category in enumerate(MAP_CATEGORIES):
        start = index * span - span / 2
        middle = index * span
        lx, ly = _label_point(middle)
        bx1, by1 = _point(start, CITIZEN_R + 12)
        bx2, by2 = _point(start, LABEL_R - 25)
        sector = MapSector(
            category=category,
            label=W.NETWORK_CATEGORIES[category],
            label_x=lx,
            label_y=ly + (8 if ly > MAP_CY + 40 else (-2 if ly < MAP_CY - 40 else 4)),
            text_anchor=_anchor(lx),
            boundary=(bx1, by1, bx2, by2),
        )
        members = by_category.get(category, [])
        for n, actor in enumerate(members):
            # spread the sector's actors over its angle and over two radii so names do not collide
            share = (n + 1) / (len(members) + 1)
            angle = start + span * (0.18 + 0.64 * share)
            radius: float = ACTOR_RING[0] if n % 2 == 0 else ACTOR_RING[1]
            if len(members) == 1:
                radius = (ACTOR_RING[0] + ACTOR_RING[1]) / 2
            x, y = _point(angle, radius)
            fx, fy = _point(angle, CITIZEN_R)
            anchor = _anchor(x)
            offset = 16 if anchor == "start" else (-16 if anchor == "end" else 0)
            lines = 1 + bool(actor.get("role")) + (not actor.get("in_contact", True))
            if anchor != "middle":
                label_y = y + 5  # beside the dot, the first line level with it
            elif y < MAP_CY:
                label_y = y - DOT_R - 10 - LINE * (lines - 1)  # above the dot, the last line clear of it
            else:
                label_y = y + DOT_R + 19  # below the dot
            unit = actor.get("unit")
            unit_name = units.name(unit, actor.get("unit_name")) if units is not None else (unit or "")
            sector.actors.append(
                MapActor(
                    name=str(actor.get("name", "")),
                    role=str(actor.get("role") or ""),
                    unit=unit_name or str(actor.get("unit_name") or ""),
                    in_contact=bool(actor.get("in_contact", True)),
                    x=x,
                    y=y,
                    line_from=(fx, fy),
                    label_x=x + offset,
                    label_y=label_y,
                    anchor=anchor,
                )
            )
        sectors.append(sector)
    return NetworkMap(
        width=MAP_WIDTH,
        height=MAP_HEIGHT,
        cx=MAP_CX,
        cy=MAP_CY,
        citizen_r=CITIZEN_R,
        citizen_name=citizen_name,
        sectors=sectors,
        rings=[ACTOR_RING[0], ACTOR_RING[1]],
        name_lines=citizen_name_lines(citizen_name),
    )


def citizen_name_lines(name: str) -> list[tuple[float, str]]:
    """The citizen's name in the centre circle: by words on at most two lines that fit it, shortened with «…»
    when it is longer (the picture's title and description carry it whole). (y, text) pairs."""
    words, lines = name.split(), [""]
    for word in words:
        joined = f"{lines[-1]} {word}".strip()
        if len(joined) <= NAME_CHARS or not lines[-1]:
            lines[-1] = joined
        else:
            lines.append(word)
    if len(lines) > 2:
        lines = [lines[0], f"{lines[1]}…"]
    lines = [line if len(line) <= NAME_CHARS else line[: NAME_CHARS - 1].rstrip(" -") + "…" for line in lines]
    first = MAP_CY + 6 - NAME_LINE * (len(lines) - 1) / 2
    return [(first + NAME_LINE * i, line) for i, line in enumerate(lines)]


# --- scores ----------------------------------------------------------------------------------------------------

SCALES: dict[str, tuple[int, int]] = {"1-10": (1, 10), "0-4": (0, 4)}
CHART_W, CHART_H = 640, 300
PAD_L, PAD_R, PAD_T, PAD_B = 56, 24, 24, 64


@dataclass
class ScorePoint:
    index: int
    at: str
    now: int | None
    expected: int | None
    citizen: int | None
    now_words: str | None = None
    expected_words: str | None = None
    disagrees: bool = False
    citizen_view: str | None = None
    by: str = ""


@dataclass
class Series:
    key: str
    label: str
    points: list[tuple[float, float, int]]  # x, y, value

    @property
    def order(self) -> int:
        """The legend's order: now, expected, the citizen's own."""
        return ("now", "expected", "citizen").index(self.key)

    @property
    def path(self) -> str:
        return " ".join(f"{'M' if i == 0 else 'L'}{x:.1f},{y:.1f}" for i, (x, y, _) in enumerate(self.points))


@dataclass
class ScoreChart:
    scale: str
    low: int
    high: int
    width: int
    height: int
    plot: tuple[int, int, int, int]  # left, top, right, bottom
    ticks: list[tuple[float, int]]  # y, value
    dates: list[tuple[float, str]]  # x, label
    series: list[Series]
    entries: list[ScorePoint]
    drawable: bool


def _int(value: Any) -> int | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    try:
        return int(str(value).strip())
    except ValueError:
        return None


def score_entries(scores: list[dict[str, Any]]) -> list[ScorePoint]:
    """A goal's scores in the order they were taken (the API's shape; older entries kept numbers as text)."""
    entries = []
    for index, score in enumerate(scores):
        citizen = _int(score.get("citizen_score"))
        view = score.get("citizen_view")
        if citizen is None and view is not None:
            citizen = _int(view)
        entries.append(
            ScorePoint(
                index=index,
                at=str(score.get("at") or ""),
                now=_int(score.get("now")),
                expected=_int(score.get("expected")),
                citizen=citizen,
                now_words=score.get("now_words")
                or (None if _int(score.get("now")) is not None else score.get("now")),
                expected_words=score.get("expected_words"),
                disagrees=bool(score.get("citizen_disagrees")),
                citizen_view=view if isinstance(view, str) else None,
                by=str(score.get("by_name") or score.get("by") or ""),
            )
        )
    return entries


def score_chart(scores: list[dict[str, Any]]) -> ScoreChart:
    """Now, expected and the citizen's own score over time, on the scale the latest score declared."""
    entries = score_entries(scores)
    scale = str(scores[-1].get("scale") or "1-10") if scores else "1-10"
    low, high = SCALES.get(scale, (1, 10))
    numeric = [e for e in entries if e.now is not None]
    if scale == "words" or scale not in SCALES:
        numeric = []
    if numeric:
        low = min([low, *[v for e in numeric for v in (e.now, e.expected, e.citizen) if v is not None]])
        high = max([high, *[v for e in numeric for v in (e.now, e.expected, e.citizen) if v is not None]])
    left, top, right, bottom = PAD_L, PAD_T, CHART_W - PAD_R, CHART_H - PAD_B

    def x_of(i: int) -> float:
        if len(numeric) <= 1:
            return (left + right) / 2
        return left + (right - left) * i / (len(numeric) - 1)

    def y_of(value: int) -> float:
        return bottom - (bottom - top) * (value - low) / max(1, high - low)

    ticks = [(y_of(v), v) for v in range(low, high + 1)]
    series = []
    picks: tuple[tuple[str, str, Callable[[ScorePoint], int | None]], ...] = (
        ("expected", W.CHART_EXPECTED, lambda e: e.expected),
        ("now", W.CHART_NOW, lambda e: e.now),
        ("citizen", W.CHART_CITIZEN, lambda e: e.citizen),
    )
    for key, label, pick in picks:
        points = [(x_of(i), y_of(v), v) for i, e in enumerate(numeric) if (v := pick(e)) is not None]
        series.append(Series(key=key, label=label, points=points))
    dates = [(x_of(i), W.short_date(e.at)) for i, e in enumerate(numeric)]
    return ScoreChart(
        scale=scale,
        low=low,
        high=high,
        width=CHART_W,
        height=CHART_H,
        plot=(left, top, right, bottom),
        ticks=ticks,
        dates=dates,
        series=series,
        entries=entries,
        drawable=bool(numeric),
    )


def ladder(goal: dict[str, Any]) -> dict[str, Any]:
    """The goal ladder (måltrappen): the steps top-down as the template draws them, and how far the citizen is."""
    steps = [
        {"step": s.get("step", i), "title": s.get("title", ""), "achieved": bool(s.get("achieved"))}
        for i, s in enumerate(goal.get("sub_goals") or [], 1)
    ]
    done = sum(1 for s in steps if s["achieved"])
    return {
        "steps": list(reversed(steps)),
        "done": done,
        "total": len(steps),
        "percent": round(100 * done / len(steps)) if steps else 0,
    }
