"""Chart geometry, computed in Python so the templates only place what is given.

Coordinates are in SVG user units (y grows downwards), rounded to two places.
"""

import math
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field

RADAR_SIZE = 360.0
RADAR_RADIUS = 120.0
LABEL_GAP = 18.0


def _fmt(value: float) -> str:
    text = f"{value:.2f}"
    return "0.00" if text == "-0.00" else text


def _point(cx: float, cy: float, radius: float, angle: float) -> tuple[float, float]:
    return cx + radius * math.cos(angle), cy + radius * math.sin(angle)


def _points(points: Sequence[tuple[float, float]]) -> str:
    return " ".join(f"{_fmt(x)},{_fmt(y)}" for x, y in points)


@dataclass(frozen=True)
class Axis:
    label: str
    x: str
    y: str
    label_x: str
    label_y: str
    anchor: str
    lines: list[tuple[str, str]] = field(default_factory=list)
    """The label wrapped: (text, dy of the line) for each line."""


FONT_SIZE = 11.0
LINE_HEIGHT = 13.0
WRAP_AT = 18
"""Characters on a label line before it wraps (at a space)."""
PAD = 6.0


def _char_width(char: str) -> float:
    """A generous estimate of a glyph's advance at FONT_SIZE: wide (CJK) glyphs a full em,
    others 0.64 em, so that an estimated box contains the drawn one in any usual font."""
    return FONT_SIZE if unicodedata.east_asian_width(char) in ("W", "F") else FONT_SIZE * 0.64


def text_width(text: str) -> float:
    return sum(_char_width(c) for c in text)


def wrap(label: str) -> list[str]:
    """Lines of at most WRAP_AT characters, broken at spaces (a longer word stays whole;
    text without spaces, such as Chinese, is cut every WRAP_AT // 2 wide glyphs)."""
    if " " not in label:
        step = WRAP_AT // 2 if any(_char_width(c) == FONT_SIZE for c in label) else WRAP_AT * 2
        return [label[i : i + step] for i in range(0, len(label), step)] or [label]
    lines: list[str] = []
    for word in label.split(" "):
        if lines and len(lines[-1]) + 1 + len(word) <= WRAP_AT:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines


@dataclass(frozen=True)
class Series:
    name: str
    css: str
    points: str
    """`x,y x,y …` for an SVG polygon; empty when the series has no value on some axis."""
    dots: list[tuple[str, str]]


@dataclass(frozen=True)
class Radar:
    size: str
    centre: str
    axes: list[Axis]
    rings: list[str]
    """Polygons of the scale's whole points, from the lowest to the highest."""
    series: list[Series]
    view_box: str = ""
    """`min-x min-y width height`: the chart and every label's estimated box, padded."""
    width: str = ""
    height: str = ""


def radar(
    labels: Sequence[str],
    series: Sequence[tuple[str, str, Sequence[float | None]]],
    scale_min: int,
    scale_max: int,
) -> Radar:
    """Axis i points at -90° + 360°·i/n (the first straight up, then clockwise); a value v
    lies at radius R·(v - min)/(max - min) along its axis."""
    c = RADAR_SIZE / 2
    n = len(labels)
    angles = [-math.pi / 2 + 2 * math.pi * i / n for i in range(n)]
    span = scale_max - scale_min

    def at(value: float, angle: float) -> tuple[float, float]:
        return _point(c, c, RADAR_RADIUS * (value - scale_min) / span, angle)

    axes = []
    left, top, right, bottom = 0.0, 0.0, RADAR_SIZE, RADAR_SIZE
    for label, angle in zip(labels, angles, strict=True):
        x, y = _point(c, c, RADAR_RADIUS, angle)
        lx, ly = _point(c, c, RADAR_RADIUS + LABEL_GAP, angle)
        cos = math.cos(angle)
        anchor = "middle" if abs(cos) < 1e-9 else ("start" if cos > 0 else "end")
        lines = wrap(label)
        joiner = " " if " " in label else ""
        # the block of lines is centred on the label point
        first = -(len(lines) - 1) * LINE_HEIGHT / 2
        wide = max(text_width(line) for line in lines)
        x0 = lx - wide / 2 if anchor == "middle" else (lx if anchor == "start" else lx - wide)
        left, right = min(left, x0 - PAD), max(right, x0 + wide + PAD)
        top = min(top, ly + first - LINE_HEIGHT / 2 - PAD)
        bottom = max(bottom, ly - first + LINE_HEIGHT / 2 + PAD)
        # a continuation line keeps its space, so the label's text reads as it was written
        wrapped = [
            (line if i == 0 else f"{joiner}{line}", _fmt(first if i == 0 else LINE_HEIGHT))
            for i, line in enumerate(lines)
        ]
        axes.append(Axis(label, _fmt(x), _fmt(y), _fmt(lx), _fmt(ly), anchor, wrapped))
    rings = [
        _points([at(level, angle) for angle in angles])
        for level in range(scale_min + 1, scale_max + 1)
    ]
    drawn = []
    for name, css, values in series:
        placed = [at(v, a) for v, a in zip(values, angles, strict=True) if v is not None]
        complete = len(placed) == n
        drawn.append(
            Series(
                name,
                css,
                _points(placed) if complete else "",
                [(_fmt(x), _fmt(y)) for x, y in placed],
            )
        )
    width, height = right - left, bottom - top
    return Radar(
        _fmt(RADAR_SIZE),
        _fmt(c),
        axes,
        rings,
        drawn,
        f"{_fmt(left)} {_fmt(top)} {_fmt(width)} {_fmt(height)}",
        _fmt(width),
        _fmt(height),
    )


BAR_WIDTH = 18.0
BAR_GAP = 4.0
GROUP_GAP = 24.0
PLOT_HEIGHT = 200.0
MARGIN_LEFT = 40.0
MARGIN_TOP = 16.0
MARGIN_BOTTOM = 40.0


@dataclass(frozen=True)
class Bar:
    series: str
    css: str
    x: str
    y: str
    width: str
    height: str
    value: str


@dataclass(frozen=True)
class BandColumn:
    band: str
    label: str
    label_x: str
    bars: list[Bar]


@dataclass(frozen=True)
class Tick:
    y: str
    label: str


@dataclass(frozen=True)
class Bars:
    width: str
    height: str
    baseline: str
    left: str
    right: str
    columns: list[BandColumn]
    ticks: list[Tick]


def bars(
    bands: Sequence[tuple[str, str]],
    series: Sequence[tuple[str, str, Sequence[float | None]]],
) -> Bars:
    """Grouped bars: per band (code, label) one bar per series (name, css class, values
    per band). Heights are value / the largest value · PLOT_HEIGHT; a missing value draws
    no bar."""
    present = [s for s in series if any(v is not None for v in s[2])]
    top = max((v for _, _, values in present for v in values if v is not None), default=0.0)
    top = max(top, 1.0)
    per = len(present) * BAR_WIDTH + max(len(present) - 1, 0) * BAR_GAP
    baseline = MARGIN_TOP + PLOT_HEIGHT
    columns = []
    for i, (code, label) in enumerate(bands):
        left = MARGIN_LEFT + GROUP_GAP / 2 + i * (per + GROUP_GAP)
        drawn = []
        for j, (name, css, values) in enumerate(present):
            value = values[i]
            if value is None:
                continue
            height = PLOT_HEIGHT * value / top
            drawn.append(
                Bar(
                    name,
                    css,
                    _fmt(left + j * (BAR_WIDTH + BAR_GAP)),
                    _fmt(baseline - height),
                    _fmt(BAR_WIDTH),
                    _fmt(height),
                    f"{value:g}" if value == int(value) else f"{value:.1f}",
                )
            )
        columns.append(BandColumn(code, label, _fmt(left + per / 2), drawn))
    width = MARGIN_LEFT + len(bands) * (per + GROUP_GAP) + GROUP_GAP / 2
    step = max(1, math.ceil(top / 5))
    ticks = [
        Tick(_fmt(baseline - PLOT_HEIGHT * t / top), str(t))
        for t in range(0, math.floor(top) + 1, step)
    ]
    return Bars(
        _fmt(width),
        _fmt(baseline + MARGIN_BOTTOM),
        _fmt(baseline),
        _fmt(MARGIN_LEFT),
        _fmt(width),
        columns,
        ticks,
    )
