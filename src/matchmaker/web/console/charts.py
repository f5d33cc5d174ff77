"""Small charts drawn on the server as SVG: horizontal bars, columns, stacked bars and a scatter plot.

No script and no charting library: each builder returns one ``<svg>`` element as text, sized by a
``viewBox`` so it scales with the page. Every text is escaped (names come from uploaded records), and
every chart is an image with an accessible name (``<title>``) and a description (``<desc>``) that says
in words what it shows; each bar and point has its own ``<title>`` (a tooltip, and read by screen
readers). Colours come from :data:`PALETTE`, chosen to stay apart for common colour-vision deficiencies.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

#: Colours of series, in order (Okabe–Ito).
PALETTE = ("#0072b2", "#d55e00", "#999999", "#e69f00", "#009e73", "#cc79a7", "#56b4e9")
FONT = 'font-family="system-ui, sans-serif" font-size="12"'
#: Approximate width of one character at 12 px, to size label columns.
CHAR_WIDTH = 6.6
MAX_LABEL = 30


@dataclass(frozen=True)
class Bar:
    """One bar: a label and a value."""

    label: str
    value: float


@dataclass(frozen=True)
class Stack:
    """One stacked bar: a label and one value per series."""

    label: str
    values: Sequence[float]


@dataclass(frozen=True)
class Point:
    """One point of a scatter plot; ``label`` is its tooltip."""

    x: float
    y: float
    label: str


def esc(value: object) -> str:
    """``value`` as text safe in XML content and attribute values."""
    return html.escape(str(value), quote=True)


def _text(x: float, y: float, content: str, cls: str, anchor: str = "start") -> str:
    """A ``<text>`` element of escaped ``content``."""
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" class="{cls}">{esc(content)}</text>'


def _short(label: str) -> str:
    return label if len(label) <= MAX_LABEL else label[: MAX_LABEL - 1] + "…"


def _number(value: float) -> str:
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.2f}"


def _label_width(labels: Iterable[str]) -> float:
    """The width of a column of row labels on the left: the longest shortened label, and a margin."""
    return min(MAX_LABEL, max(len(_short(label)) for label in labels)) * CHAR_WIDTH + 12


def _tipped(tag: str, attributes: str, tip: str) -> str:
    """A ``<tag>`` element (a bar or a point) with its own ``<title>``: a tooltip, read by screen readers."""
    return f"<{tag} {attributes}><title>{esc(tip)}</title></{tag}>"


def _y_axis_label(middle: float, label: str) -> str:
    """The name of the vertical axis, turned to read upwards and centred on ``middle``."""
    return (
        f'<text transform="translate(12 {middle:.1f}) rotate(-90)" text-anchor="middle"'
        f' class="axis">{esc(label)}</text>'
    )


def _said(bar: Bar, unit: str = "") -> str:
    """A bar in words: its label and its value."""
    return f"{bar.label}: {_number(bar.value)}{unit}"


def _top_value(bars: Sequence[Bar]) -> float:
    """The value a full-length bar stands for: the largest value, or 1 when none is above 0."""
    return max((b.value for b in bars), default=0.0) or 1.0


def _open(chart_id: str, title: str, description: str, width: float, height: float) -> list[str]:
    cid = esc(chart_id)
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{cid}" role="img"'
        f' viewBox="0 0 {width:.0f} {height:.0f}" width="{width:.0f}" height="{height:.0f}"'
        f' aria-labelledby="{cid}-title" aria-describedby="{cid}-desc" {FONT}>',
        f'<title id="{cid}-title">{esc(title)}</title>',
        f'<desc id="{cid}-desc">{esc(description)}</desc>',
    ]


def _empty(chart_id: str, title: str, message: str) -> str:
    parts = _open(chart_id, title, message, 480, 40)
    parts.append(f'<text x="0" y="24" fill="#555">{esc(message)}</text></svg>')
    return "".join(parts)


def bar_chart(
    chart_id: str,
    title: str,
    bars: Sequence[Bar],
    *,
    unit: str = "",
    empty: str = "Nothing to show yet.",
) -> str:
    """Horizontal bars, one per row, labels on the left and values at the bar's end."""
    if not bars:
        return _empty(chart_id, title, empty)
    row, top = 22, 8
    label_w = _label_width(b.label for b in bars)
    plot_w = 360.0
    width = label_w + plot_w + 60
    height = top + row * len(bars) + 8
    top_value = _top_value(bars)
    summary = "; ".join(_said(b, unit) for b in bars)
    parts = _open(chart_id, title, summary, width, height)
    for n, b in enumerate(bars):
        y = top + n * row
        w = max(0.0, b.value) / top_value * plot_w
        box = f'x="{label_w:.1f}" y="{y + 3}" width="{w:.1f}" height="{row - 6}"'
        parts.append(
            _text(label_w - 8, y + 14, _short(b.label), "name", "end")
            + _tipped("rect", f'class="bar" {box} fill="{PALETTE[0]}"', _said(b, unit))
            + _text(label_w + w + 4, y + 14, _number(b.value), "value")
        )
    parts.append("</svg>")
    return "".join(parts)


def column_chart(
    chart_id: str,
    title: str,
    bars: Sequence[Bar],
    *,
    y_label: str = "",
    empty: str = "Nothing to show yet.",
) -> str:
    """Vertical columns side by side (a histogram over categories), labels below each column."""
    if not bars:
        return _empty(chart_id, title, empty)
    col_w, gap, left, top, plot_h = 110.0, 14.0, 40.0, 16.0, 160.0
    width = left + len(bars) * (col_w + gap) + gap
    height = top + plot_h + 66
    top_value = _top_value(bars)
    summary = "; ".join(_said(b) for b in bars)
    parts = _open(chart_id, title, summary, width, height)
    base = top + plot_h
    parts.append(
        f'<line x1="{left}" y1="{base}" x2="{width - gap / 2:.1f}" y2="{base}" stroke="#444"/>'
        f'<text x="{left - 6}" y="{base}" text-anchor="end" class="tick">0</text>'
        f'<text x="{left - 6}" y="{top + 4}" text-anchor="end" class="tick">{esc(_number(top_value))}</text>'
    )
    if y_label:
        parts.append(_y_axis_label(base - plot_h / 2, y_label))
    for n, b in enumerate(bars):
        x = left + gap + n * (col_w + gap)
        h = max(0.0, b.value) / top_value * plot_h
        box = f'x="{x:.1f}" y="{base - h:.1f}" width="{col_w:.1f}" height="{h:.1f}"'
        parts.append(
            _tipped("rect", f'class="bar" {box} fill="{PALETTE[n % len(PALETTE)]}"', _said(b))
            + f'<text x="{x + col_w / 2:.1f}" y="{base - h - 4:.1f}" text-anchor="middle" class="value">'
            f"{esc(_number(b.value))}</text>"
        )
        for k, line in enumerate(_wrap(b.label, 18)[:3]):
            parts.append(
                f'<text x="{x + col_w / 2:.1f}" y="{base + 16 + 14 * k}" text-anchor="middle" class="name">'
                f"{esc(line)}</text>"
            )
    parts.append("</svg>")
    return "".join(parts)


def _wrap(text: str, width: int) -> list[str]:
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines or [""]


def stacked_bar_chart(
    chart_id: str,
    title: str,
    stacks: Sequence[Stack],
    series: Sequence[str],
    *,
    empty: str = "Nothing to show yet.",
) -> str:
    """Horizontal bars split into ``series`` (shares of each bar's total), with a legend above."""
    if not stacks or not any(sum(s.values) for s in stacks):
        return _empty(chart_id, title, empty)
    row, legend_h = 24, 24
    label_w = _label_width(s.label for s in stacks)
    plot_w = 360.0
    width = label_w + plot_w + 70
    height = legend_h + row * len(stacks) + 8
    described = []
    for s in stacks:
        total = sum(s.values)
        shares = ", ".join(f"{name} {_number(v)}" for name, v in zip(series, s.values, strict=True))
        described.append(f"{s.label} ({_number(total)}): {shares}")
    parts = _open(chart_id, title, "; ".join(described), width, height)
    x = label_w
    for k, name in enumerate(series):
        parts.append(
            f'<rect class="legend" x="{x:.1f}" y="4" width="12" height="12"'
            f' fill="{PALETTE[k % len(PALETTE)]}"/>' + _text(x + 16, 14, name, "legend-label")
        )
        x += 16 + len(name) * CHAR_WIDTH + 14
    for n, s in enumerate(stacks):
        y = legend_h + n * row
        total = sum(s.values)
        parts.append(_text(label_w - 8, y + 15, _short(s.label), "name", "end"))
        x = label_w
        for k, (name, value) in enumerate(zip(series, s.values, strict=True)):
            if value <= 0 or total <= 0:
                continue
            w = value / total * plot_w
            tip = f"{s.label}, {name}: {_number(value)} of {_number(total)} ({value / total:.0%})"
            box = f'x="{x:.1f}" y="{y + 3}" width="{w:.1f}" height="{row - 6}"'
            parts.append(_tipped("rect", f'class="bar" {box} fill="{PALETTE[k % len(PALETTE)]}"', tip))
            x += w
        parts.append(
            f'<text x="{label_w + plot_w + 6:.1f}" y="{y + 15}" class="value">{esc(_number(total))}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def scatter_chart(
    chart_id: str,
    title: str,
    points: Sequence[Point],
    *,
    x_label: str,
    y_label: str,
    x_range: tuple[float, float] = (0.0, 1.0),
    y_ticks: Sequence[tuple[float, str]] = (),
    x_format: Callable[[float], str] = _number,
    empty: str = "Nothing to show yet.",
) -> str:
    """Points on two axes; ``y_ticks`` name values of the vertical axis (categories such as ratings)."""
    if not points:
        return _empty(chart_id, title, empty)
    tick_w = max((len(t) for _, t in y_ticks), default=4) * CHAR_WIDTH + 12
    left, top, plot_w, plot_h = tick_w + 24, 12.0, 380.0, 180.0
    width, height = left + plot_w + 20, top + plot_h + 48
    x0, x1 = x_range
    ys = [p.y for p in points] + [v for v, _ in y_ticks]
    y0, y1 = min(ys), max(ys)
    if y1 == y0:
        y0, y1 = y0 - 1, y1 + 1

    def sx(x: float) -> float:
        return left + (min(max(x, x0), x1) - x0) / ((x1 - x0) or 1.0) * plot_w

    def sy(y: float) -> float:
        return top + plot_h - (y - y0) / (y1 - y0) * plot_h

    description = f"{len(points)} points; {x_label} across, {y_label} up. " + "; ".join(
        p.label for p in points
    )
    parts = _open(chart_id, title, description, width, height)
    base = top + plot_h
    parts.append(
        f'<line x1="{left}" y1="{base}" x2="{left + plot_w}" y2="{base}" stroke="#444"/>'
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{base}" stroke="#444"/>'
    )
    for k in range(5):
        x = x0 + (x1 - x0) * k / 4
        parts.append(_text(sx(x), base + 16, x_format(x), "tick", "middle"))
    for value, name in y_ticks:
        parts.append(
            f'<line x1="{left}" y1="{sy(value):.1f}" x2="{left + plot_w}" y2="{sy(value):.1f}"'
            f' stroke="#ddd"/>'
            f'<text x="{left - 6}" y="{sy(value) + 4:.1f}" text-anchor="end" class="tick">{esc(name)}</text>'
        )
    parts.append(
        _text(left + plot_w / 2, base + 36, x_label, "axis", "middle")
        + _y_axis_label(top + plot_h / 2, y_label)
    )
    for p in points:
        dot = f'cx="{sx(p.x):.1f}" cy="{sy(p.y):.1f}" r="5" fill="{PALETTE[0]}" fill-opacity="0.6"'
        parts.append(_tipped("circle", f'class="point" {dot} stroke="{PALETTE[0]}"', p.label))
    parts.append("</svg>")
    return "".join(parts)


__all__ = [
    "PALETTE",
    "Bar",
    "Point",
    "Stack",
    "bar_chart",
    "column_chart",
    "esc",
    "scatter_chart",
    "stacked_bar_chart",
]
