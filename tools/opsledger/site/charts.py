"""Charts as inline SVG, drawn at build time: no JavaScript library, nothing fetched.
Every label is escaped; values are numbers we computed."""

from __future__ import annotations

from html import escape

WIDTH, HEIGHT, LEFT, BOTTOM, TOP = 640, 240, 44, 36, 12
PALETTE = {"SEV1": "#c62828", "SEV2": "#ef6c00", "SEV3": "#f9a825", "SEV4": "#78909c",
           "ok": "#2e7d32", "failed": "#c62828"}
FALLBACK = ("#1565c0", "#6a1b9a", "#00838f", "#5d4037")


def _color(name: str, index: int) -> str:
    return PALETTE.get(name, FALLBACK[index % len(FALLBACK)])


def _frame(title: str, body: list[str], peak: float, legend: list[str]) -> str:
    plot_h = HEIGHT - BOTTOM - TOP
    grid = []
    for step in range(5):
        value = peak * step / 4
        y = TOP + plot_h - plot_h * step / 4
        grid.append(f'<line x1="{LEFT}" x2="{WIDTH - 8}" y1="{y:.1f}" y2="{y:.1f}" '
                    'class="ol-grid"/>')
        grid.append(f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" '
                    f'class="ol-axis">{_number(value)}</text>')
    keys = [f'<span class="ol-key"><i style="background:{_color(n, i)}"></i>{escape(n)}</span>'
            for i, n in enumerate(legend)]
    return (f'<figure class="ol-chart"><figcaption>{escape(title)}</figcaption>'
            f'<svg viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{escape(title)}" '
            f'xmlns="http://www.w3.org/2000/svg">{"".join(grid)}{"".join(body)}</svg>'
            f'<div class="ol-legend">{"".join(keys)}</div></figure>')


def _number(value: float) -> str:
    return f"{value:.0f}" if value >= 10 or value == int(value) else f"{value:.1f}"


def _axis_label(labels: list[str], i: int, slot: float) -> list[str]:
    """The label under the middle of slot i; about a dozen at most, so they stay legible."""
    if len(labels) > 16 and i % max(len(labels) // 12, 1):
        return []
    return [f'<text x="{LEFT + slot * (i + 0.5):.1f}" y="{HEIGHT - BOTTOM + 16}" '
            f'text-anchor="middle" class="ol-axis">{escape(labels[i])}</text>']


def bars(title: str, labels: list[str], series: dict[str, list[float]],
         stacked: bool = True) -> str:
    """Bars per label; series stacked (counts) or side by side (durations)."""
    if not labels:
        return ""
    names = list(series)
    totals = [sum(series[n][i] for n in names) if stacked else
              max((series[n][i] for n in names), default=0) for i in range(len(labels))]
    peak = max(max(totals, default=0), 1)
    plot_w, plot_h = WIDTH - LEFT - 8, HEIGHT - BOTTOM - TOP
    slot = plot_w / len(labels)
    width = slot * 0.7 / (1 if stacked else max(len(names), 1))
    body = []
    for i, label in enumerate(labels):
        x0, base = LEFT + slot * i + slot * 0.15, 0.0
        for j, name in enumerate(names):
            value = series[name][i]
            if value <= 0:
                continue
            h = plot_h * value / peak
            x = x0 if stacked else x0 + width * j
            y = TOP + plot_h - h - (plot_h * base / peak if stacked else 0)
            body.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{width:.1f}" height="{h:.1f}" '
                        f'fill="{_color(name, j)}"><title>{escape(label)} {escape(name)}: '
                        f'{_number(value)}</title></rect>')
            if stacked:
                base += value
        body += _axis_label(labels, i, slot)
    return _frame(title, body, peak, names)


def lines(title: str, labels: list[str], series: dict[str, list[float | None]]) -> str:
    """One line per series over the labels; gaps where a value is missing."""
    if not labels:
        return ""
    names = [n for n in series if any(v is not None for v in series[n])]
    peak = max([v for n in names for v in series[n] if v is not None] + [1])
    plot_w, plot_h = WIDTH - LEFT - 8, HEIGHT - BOTTOM - TOP
    step = plot_w / len(labels)
    body = []
    for j, name in enumerate(names):
        points = [(LEFT + step * (i + 0.5), TOP + plot_h - plot_h * v / peak, v)
                  for i, v in enumerate(series[name]) if v is not None]
        if len(points) > 1:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y, _ in points)
            body.append(f'<polyline points="{path}" fill="none" stroke="{_color(name, j)}" '
                        'stroke-width="2"/>')
        body += [f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{_color(name, j)}">'
                 f'<title>{escape(name)}: {_number(v)}</title></circle>' for x, y, v in points]
    for i in range(len(labels)):
        body += _axis_label(labels, i, step)
    return _frame(title, body, peak, names)
