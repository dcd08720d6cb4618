"""Charts as inline SVG, drawn at build time: no JavaScript library, nothing fetched.
Every label is escaped; values are numbers we computed.

Each chart carries its title, a unit on its axis, ticks at round numbers (whole ones for
counts), optional target lines, and its numbers as a table for readers who cannot see it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape
from math import ceil, floor, log10

WIDTH, HEIGHT, LEFT, BOTTOM, TOP = 640, 240, 52, 36, 24
TITLE_X = 2  # the y axis's title, from the left edge
# Series colours with at least 3:1 contrast against a white page (WCAG 1.4.11).
PALETTE = {"SEV1": "#c62828", "SEV2": "#d84315", "SEV3": "#8d6e00", "SEV4": "#546e7a",
           "SEV?": "#5d4037", "ok": "#2e7d32", "failed": "#c62828"}
FALLBACK = ("#1565c0", "#6a1b9a", "#00838f", "#5d4037")


@dataclass(frozen=True)
class Axis:
    unit: str                 # above the axis, and beside every number that is not a count
    whole: bool = False       # counts: ticks at whole numbers only
    data_label: str = "Numbers"   # the summary of the table of numbers
    targets: dict[str, float] = field(default_factory=dict)   # per series: a dashed line
    colors: dict[str, str] = field(default_factory=dict)      # per series, over the palette
    target_label: str = "target"


def _color(name: str, index: int, axis: Axis | None = None) -> str:
    if axis is not None and name in axis.colors:
        return axis.colors[name]
    return PALETTE.get(name, FALLBACK[index % len(FALLBACK)])


def scale(peak: float, whole: bool) -> list[float]:
    """Round tick values from 0 to at least `peak`: steps of 1, 2 or 5 times a power of ten,
    about four of them; whole steps for counts."""
    raw = max(peak, 1.0 if whole else 0.0) / 4 or 1.0
    magnitude = 10 ** floor(log10(raw))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    if whole:
        step = max(1.0, float(round(step)))
    top = step * max(ceil(peak / step - 1e-9), 1)
    return [step * i for i in range(round(top / step) + 1)]


def number(value: float) -> str:
    if value == int(value):
        return str(int(value))
    return f"{value:.1f}" if value >= 10 else f"{value:.2f}".rstrip("0")


def _y(value: float, top: float) -> float:
    plot_h = HEIGHT - BOTTOM - TOP
    return TOP + plot_h - plot_h * value / top


def _frame(title: str, body: list[str], ticks: list[float], legend: list[str], axis: Axis,
           table: str) -> str:
    # The axis title starts at the chart's left edge and runs right, above the plot: a
    # title wider than the tick-label margin would otherwise be cut off at the left.
    grid = [f'<text x="{TITLE_X}" y="{TOP - 10}" text-anchor="start" '
            f'class="ol-axis ol-axis-title">{escape(axis.unit)}</text>']
    for value in ticks:
        y = _y(value, ticks[-1])
        grid.append(f'<line x1="{LEFT}" x2="{WIDTH - 8}" y1="{y:.1f}" y2="{y:.1f}" '
                    'class="ol-grid"/>')
        grid.append(f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" '
                    f'class="ol-axis">{number(value)}</text>')
    keys = [f'<span class="ol-key"><i style="background:{_color(n, i, axis)}"></i>'
            f'{escape(n)}</span>'
            for i, n in enumerate(legend)]
    if any(n in axis.targets for n in legend):
        keys.append(f'<span class="ol-key"><i class="ol-key-target"></i>'
                    f'{escape(axis.target_label)}</span>')
    return (f'<figure class="ol-chart"><figcaption>{escape(title)}</figcaption>'
            f'<svg viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{escape(title)}" '
            f'xmlns="http://www.w3.org/2000/svg">{"".join(grid)}{"".join(body)}</svg>'
            f'<div class="ol-legend">{"".join(keys)}</div>{table}</figure>')


def _table(labels: list[str], series: dict[str, list[float | None]], axis: Axis) -> str:
    """The chart's numbers, a row per label: the text alternative (WCAG 1.1.1)."""
    names = list(series)
    head = "".join(f"<th>{escape(n)}</th>" for n in names)
    rows = "".join(
        f"<tr><th>{escape(label)}</th>" + "".join(
            f"<td>{'' if series[n][i] is None else _with_unit(series[n][i], axis)}</td>"
            for n in names) + "</tr>" for i, label in enumerate(labels))
    return (f'<details class="ol-chart-data"><summary>{escape(axis.data_label)}</summary>'
            f'<table class="ol-table ol-compact"><thead><tr><td></td>{head}</tr></thead>'
            f"<tbody>{rows}</tbody></table></details>")


def _with_unit(value: float | None, axis: Axis) -> str:
    """A count stands alone (its axis says what is counted); a measure carries its unit."""
    if axis.whole:
        return number(value or 0)
    return f"{number(value or 0)} {escape(axis.unit)}"


def _axis_label(labels: list[str], i: int, slot: float) -> list[str]:
    """The label under the middle of slot i; about a dozen at most, so they stay legible."""
    if len(labels) > 16 and i % max(len(labels) // 12, 1):
        return []
    return [f'<text x="{LEFT + slot * (i + 0.5):.1f}" y="{HEIGHT - BOTTOM + 16}" '
            f'text-anchor="middle" class="ol-axis">{escape(labels[i])}</text>']


def _targets(names: list[str], axis: Axis, top: float) -> list[str]:
    lines = []
    for j, name in enumerate(names):
        if name in axis.targets:
            y = _y(min(axis.targets[name], top), top)
            lines.append(f'<line x1="{LEFT}" x2="{WIDTH - 8}" y1="{y:.1f}" y2="{y:.1f}" '
                         f'stroke="{_color(name, j)}" stroke-dasharray="6 4" class="ol-target">'
                         f'<title>{escape(name)} {escape(axis.target_label)}: '
                         f'{_with_unit(axis.targets[name], axis)}'
                         "</title></line>")
    return lines


def bars(title: str, labels: list[str], series: dict[str, list[float]], axis: Axis,
         stacked: bool = True) -> str:
    """Bars per label; series stacked (counts) or side by side (durations)."""
    if not labels:
        return ""
    names = list(series)
    totals = [sum(series[n][i] for n in names) if stacked else
              max((series[n][i] for n in names), default=0) for i in range(len(labels))]
    ticks = scale(max([*totals, *axis.targets.values()], default=0), axis.whole)
    top, plot_w = ticks[-1], WIDTH - LEFT - 8
    slot = plot_w / len(labels)
    width = slot * 0.7 / (1 if stacked else max(len(names), 1))
    body = []
    for i, label in enumerate(labels):
        x0, base = LEFT + slot * i + slot * 0.15, 0.0
        for j, name in enumerate(names):
            value = series[name][i]
            if value <= 0:
                continue
            x = x0 if stacked else x0 + width * j
            y = _y(value + (base if stacked else 0), top)
            h = _y(base if stacked else 0, top) - y
            body.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{width:.1f}" height="{h:.1f}" '
                        f'fill="{_color(name, j, axis)}"><title>{escape(label)} {escape(name)}: '
                        f'{_with_unit(value, axis)}</title></rect>')
            if stacked:
                base += value
        body += _axis_label(labels, i, slot)
    body += _targets(names, axis, top)
    return _frame(title, body, ticks, names, axis,
                  _table(labels, {n: list[float | None](series[n]) for n in names}, axis))


def lines(title: str, labels: list[str], series: dict[str, list[float | None]],
          axis: Axis) -> str:
    """One line per series over the labels; gaps where a value is missing."""
    if not labels:
        return ""
    names = [n for n in series if any(v is not None for v in series[n])]
    peak = max([v for n in names for v in series[n] if v is not None]
               + [axis.targets[n] for n in names if n in axis.targets] + [0])
    ticks = scale(peak, axis.whole)
    step = (WIDTH - LEFT - 8) / len(labels)
    body = []
    for j, name in enumerate(names):
        points = [(LEFT + step * (i + 0.5), _y(v, ticks[-1]), v)
                  for i, v in enumerate(series[name]) if v is not None]
        if len(points) > 1:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y, _ in points)
            body.append(f'<polyline points="{path}" fill="none" stroke="{_color(name, j)}" '
                        'stroke-width="2"/>')
        body += [f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{_color(name, j)}">'
                 f'<title>{escape(name)}: {_with_unit(v, axis)}</title></circle>'
                 for x, y, v in points]
    for i in range(len(labels)):
        body += _axis_label(labels, i, step)
    body += _targets(names, axis, ticks[-1])
    return _frame(title, body, ticks, names, axis,
                  _table(labels, {n: series[n] for n in names}, axis))
