"""The reports' charts as SVG written directly (numpy only): horizontal bars and score histograms (run
report), vertical bars and heatmaps (annotation audit).

matplotlib drew the same charts for ≈ 0.9 CPU s per run (0.24 s importing pyplot, 0.66 s laying out ten
axes' ticks and text), about a sixth of a real-100k run's CPU outside its kernels. Here every position is
computed from the data, so the picture is the same at any size of the data and its bounding box is known
without measuring it. Text widths are estimated from the character count (generously, so labels never
collide in a browser's sans-serif font); sizes are in points, as matplotlib's SVG had them.
"""

from __future__ import annotations

import math
from html import escape

import numpy as np

FONT_SIZE = 9.0
TITLE_SIZE = 10.8  # matplotlib's "large" title
TICK = 3.5  # tick mark length
PAD = 4.0  # between a tick mark and its label, and around the picture
LINE = FONT_SIZE * 1.25  # one line of text
FONT = "DejaVu Sans, Bitstream Vera Sans, Arial, sans-serif"
AXIS_COLOUR = "#000000"
HISTOGRAM_BINS = 20
SYMLOG_THRESHOLD = 2.0  # matplotlib's symlog default: linear up to 2 records, logarithmic above
_SYMLOG_LINEAR = 1.0 / (1.0 - 1.0 / 10)  # matplotlib's linscale 1 in base 10: the linear part is one decade long
_SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")
CELL_FONT_SIZE = 8.0  # the numbers written in heatmap cells
# viridis (matplotlib's default colour map, CC0) at 0, 1/16, …, 1: interpolated linearly between, within
# 6 of 255 of matplotlib's own (tests/pipelines/test_charts.py)
_VIRIDIS = np.array([(0x44, 0x01, 0x54), (0x48, 0x18, 0x6A), (0x47, 0x2D, 0x7B), (0x42, 0x40, 0x86), (0x3B, 0x52, 0x8B),
                     (0x33, 0x63, 0x8D), (0x2C, 0x72, 0x8E), (0x26, 0x82, 0x8E), (0x21, 0x91, 0x8C), (0x1F, 0xA0, 0x88),
                     (0x28, 0xAE, 0x80), (0x3F, 0xBC, 0x73), (0x5E, 0xC9, 0x62), (0x84, 0xD4, 0x4B), (0xAD, 0xDC, 0x30),
                     (0xD8, 0xE2, 0x19), (0xFD, 0xE7, 0x25)], dtype=float)  # fmt: skip
_LIGHT = 0.6  # viridis is light above this share of its range: black text there, white below


def text_width(text: str, size: float = FONT_SIZE) -> float:
    """An upper estimate of ``text``'s width: 0.62 em per character (DejaVu Sans' widest digits and
    capitals are 0.6–0.77 em, most letters ≈ 0.55), a full em for a wide (e.g. Chinese) character."""
    return size * sum(1.0 if ord(c) > 0x2E80 else 0.62 for c in text)


def nice_ticks(top: float, integer: bool = False, most: int = 6) -> list[float]:
    """Ticks 0, step, 2·step, … up to ``top``, the step 1, 2, 2.5 or 5 times a power of ten, at most
    ``most`` steps; ``integer``: whole steps only (counts: no 0.2-record ticks)."""
    if top <= 0:
        return [0.0]
    magnitude = 10 ** math.floor(math.log10(top / most))
    steps = [m * magnitude for m in (1, 2, 2.5, 5, 10)]  # the last always gives at most ``most`` steps
    if integer:
        steps = [s for s in steps if s >= 1 and float(s).is_integer()] or [1.0]
    step = next((s for s in steps if top / s <= most), steps[-1])
    return [i * step for i in range(int(math.floor(top / step + 1e-9)) + 1)]


def _number(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:g}"


def symlog(value: float) -> float:
    """matplotlib's symlog transform (base 10, linthresh 2, linscale 1) of a count ≥ 0."""
    if value <= SYMLOG_THRESHOLD:
        return value * _SYMLOG_LINEAR
    return SYMLOG_THRESHOLD * (_SYMLOG_LINEAR + math.log10(value / SYMLOG_THRESHOLD))


class _Svg:
    def __init__(self):
        self.parts: list[str] = []

    def text(self, x: float, y: float, text: str, anchor: str = "start", size: float = FONT_SIZE, colour: str = AXIS_COLOUR,
             rotate: bool = False, cls: str = "") -> None:  # fmt: skip
        """``y`` is the text's vertical middle."""
        turn = f' transform="rotate(-90 {x:.2f} {y:.2f})"' if rotate else ""
        kind = f' class="{cls}"' if cls else ""
        self.parts.append(f'<text x="{x:.2f}" y="{y:.2f}" dy="0.35em" text-anchor="{anchor}" font-size="{size:g}" '
                          f'fill="{colour}"{turn}{kind}>{escape(text)}</text>')

    def rect(self, x: float, y: float, width: float, height: float, colour: str, title: str | None = None, cls: str = "") -> None:
        kind = f' class="{cls}"' if cls else ""
        tip = f"<title>{escape(title)}</title>" if title is not None else ""
        self.parts.append(f'<rect x="{x:.2f}" y="{y:.2f}" width="{max(width, 0):.2f}" height="{max(height, 0):.2f}" '
                          f'fill="{colour}"{kind}>{tip}</rect>')

    def line(self, x1: float, y1: float, x2: float, y2: float, colour: str = AXIS_COLOUR, width: float = 0.8, dash: str = "") -> None:
        dashes = f' stroke-dasharray="{dash}"' if dash else ""
        self.parts.append(f'<line x1="{x1:.2f}" y1="{y1:.2f}" x2="{x2:.2f}" y2="{y2:.2f}" stroke="{colour}" '
                          f'stroke-width="{width:g}"{dashes}/>')

    def svg(self, width: float, height: float) -> str:
        return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.2f}pt" height="{height:.2f}pt" '
                f'viewBox="0 0 {width:.2f} {height:.2f}" font-family="{FONT}">' + "".join(self.parts) + "</svg>")  # fmt: skip


def horizontal_bars(labels: list[str], series: list[tuple[str, list[int], str | list[str]]], xlabel: str, row: float,
                    plot_width: float, legend: bool = False, value_labels: bool = False) -> str:  # fmt: skip
    """One row per label (the first on top), each series' bar stacked after the previous one's; ``series``:
    (name, values, one colour or one per label). ``legend``: the series' names above the bars;
    ``value_labels``: each row's total after its bar."""
    totals = np.sum([values for _, values, _ in series], axis=0).tolist()
    top = max(totals) * 1.05 or 1.0  # matplotlib's 5 % margin
    ticks = nice_ticks(top, integer=True)
    svg = _Svg()
    left = PAD + max(text_width(label) for label in labels) + PAD + TICK
    above = PAD + (LINE + PAD if legend else 0)
    if legend:
        x = left
        for name, _, colour in series:
            svg.rect(x, PAD + LINE / 2 - 4, 8, 8, colour if isinstance(colour, str) else colour[0], cls="legend")
            svg.text(x + 11, PAD + LINE / 2, name, cls="legend")
            x += 11 + text_width(name) + 2 * PAD
    scale = plot_width / top
    height = row * len(labels)
    for i, label in enumerate(labels):
        y = above + i * row
        svg.text(left - TICK - PAD, y + row / 2, label, anchor="end")
        svg.line(left - TICK, y + row / 2, left, y + row / 2)
        start = 0
        for name, values, colour in series:
            value = values[i]
            svg.rect(left + start * scale, y + row * 0.1, value * scale, row * 0.8, colour if isinstance(colour, str) else colour[i],
                     title=f"{label}: {value:,} {name}".rstrip(), cls="bar")  # fmt: skip
            start += value
        if value_labels:
            svg.text(left + start * scale + 2, y + row / 2, f"{start:,}", cls="value")
    axis = above + height
    svg.line(left, above, left, axis)
    svg.line(left, axis, left + plot_width, axis)
    for tick in ticks:
        x = left + tick * scale
        svg.line(x, axis, x, axis + TICK)
        svg.text(x, axis + TICK + PAD + FONT_SIZE / 2, _number(tick), anchor="middle")
    svg.text(left + plot_width / 2, axis + TICK + PAD + LINE + PAD + FONT_SIZE / 2, xlabel, anchor="middle")
    right = max([left + plot_width + text_width(_number(ticks[-1])) / 2]
                + [left + t * scale + 2 + text_width(f"{t:,}") for t in totals if value_labels])  # fmt: skip
    return svg.svg(right + PAD, axis + TICK + PAD + 2 * LINE + 2 * PAD)


def histograms(panels: list[tuple[str, np.ndarray, float | None]], xlabel: str, ylabel: str, colour: str, line_colour: str,
               plot_width: float = 150.0, plot_height: float = 110.0) -> str:  # fmt: skip
    """Side by side, one histogram per panel (title, counts of the :data:`HISTOGRAM_BINS` bins over [0, 1],
    threshold or None) on a symlog count axis; a dashed line and its value at the threshold."""
    svg = _Svg()
    x0 = PAD + LINE + PAD  # the y label, turned
    top = PAD + LINE * TITLE_SIZE / FONT_SIZE + PAD
    bottom = top + plot_height
    for title, counts, threshold in panels:
        highest = symlog(float(max(counts.max(), 1))) * 1.05
        decades = [0.0] + [10.0**k for k in range(0, int(math.log10(max(counts.max(), 1))) + 1)]
        labels = ["0"] + [f"10{str(k).translate(_SUPERSCRIPT)}" for k in range(len(decades) - 1)]
        left = x0 + max(map(text_width, labels)) + PAD + TICK
        last_label = math.inf
        for value, label in zip(decades, labels):
            y = bottom - plot_height * symlog(value) / highest
            svg.line(left - TICK, y, left, y)
            if last_label - y >= FONT_SIZE + 2:  # 0 and 10⁰ are close: a label only where it has room
                svg.text(left - TICK - PAD, y, label, anchor="end")
                last_label = y
        width = plot_width / HISTOGRAM_BINS
        for i, count in enumerate(counts.tolist()):
            h = plot_height * symlog(count) / highest
            bin_range = f"{i / HISTOGRAM_BINS:.2f}–{(i + 1) / HISTOGRAM_BINS:.2f}"
            svg.rect(left + i * width, bottom - h, width, h, colour, title=f"{bin_range}: {count:,}", cls="bin")
        if threshold is not None:
            x = left + threshold * plot_width
            svg.line(x, top, x, bottom, line_colour, 1.2, "4.4 1.9")
            svg.text(x, top + 0.05 * plot_height, f" {threshold:g}", colour=line_colour, cls="threshold")
        svg.line(left, top, left, bottom)
        svg.line(left, bottom, left + plot_width, bottom)
        for k in range(6):
            x = left + k / 5 * plot_width
            svg.line(x, bottom, x, bottom + TICK)
            svg.text(x, bottom + TICK + PAD + FONT_SIZE / 2, f"{k / 5:.1f}", anchor="middle")
        svg.text(left + plot_width / 2, PAD + LINE * TITLE_SIZE / FONT_SIZE / 2, title, anchor="middle", size=TITLE_SIZE, cls="title")
        svg.text(left + plot_width / 2, bottom + TICK + PAD + LINE + PAD + FONT_SIZE / 2, xlabel, anchor="middle")
        # the next panel starts past this one's threshold label, which may run beyond its axis
        overhang = 0.0 if threshold is None else max(text_width(f" {threshold:g}") - (1 - threshold) * plot_width, 0.0)
        x0 = left + plot_width + overhang + 3 * PAD
    svg.text(PAD + LINE / 2, top + plot_height / 2, ylabel, anchor="middle", rotate=True)
    return svg.svg(x0, bottom + TICK + PAD + 2 * LINE + 2 * PAD)


def viridis(fraction: float) -> str:
    """The viridis colour at ``fraction`` of the range (clipped to [0, 1]) as ``#rrggbb``."""
    at = np.linspace(0, 1, len(_VIRIDIS))
    red, green, blue = (np.interp(min(max(fraction, 0.0), 1.0), at, _VIRIDIS[:, k]) for k in range(3))
    return f"#{round(red):02x}{round(green):02x}{round(blue):02x}"


def _column_labels(svg: _Svg, labels: list[str], centres: list[float], top: float, column: float) -> float:
    """Labels under columns ``column`` wide: level when the widest fits, else turned to read upwards (never
    45°: a turned label's box would cover its neighbours'). Returns the height they take below ``top``."""
    level = max(map(text_width, labels)) <= column - 2
    for label, x in zip(labels, centres):
        svg.line(x, top, x, top + TICK)
        if level:
            svg.text(x, top + TICK + PAD + FONT_SIZE / 2, label, anchor="middle")
        else:
            svg.text(x, top + TICK + PAD, label, anchor="end", rotate=True)
    return TICK + PAD + (LINE if level else max(map(text_width, labels)))


def vertical_bars(labels: list[str], values: list[float], colours: list[str], ylabel: str, top: float = 1.0,
                  threshold: float | None = None, column: float = 24.0, plot_height: float = 150.0) -> str:  # fmt: skip
    """One bar per label on a 0–``top`` axis, coloured one by one; a dashed line and its value at ``threshold``."""
    svg = _Svg()
    ticks = nice_ticks(top)
    plot_height = max(plot_height, text_width(ylabel))  # the turned y label is no longer than the axis
    left = PAD + LINE + PAD + max(text_width(_number(t)) for t in ticks) + PAD + TICK
    upper = PAD + FONT_SIZE / 2  # room for the top tick's label
    bottom = upper + plot_height
    scale = plot_height / top
    for tick in ticks:
        y = bottom - tick * scale
        svg.line(left - TICK, y, left, y)
        svg.text(left - TICK - PAD, y, _number(tick), anchor="end")
    for i, (label, value, colour) in enumerate(zip(labels, values, colours)):
        svg.rect(left + (i + 0.1) * column, bottom - value * scale, 0.8 * column, value * scale, colour,
                 title=f"{label}: {value:.3f}", cls="bar")  # fmt: skip
    width = column * len(labels)
    below = _column_labels(svg, labels, [left + (i + 0.5) * column for i in range(len(labels))], bottom, column)
    right = left + width
    if threshold is not None:
        y = bottom - threshold * scale
        svg.line(left, y, right, y, AXIS_COLOUR, 1.0, "4.4 1.9")
        svg.text(right + 2, y, f"{threshold:g}", cls="threshold")
        right += 2 + text_width(f"{threshold:g}")
    svg.line(left, upper, left, bottom)
    svg.line(left, bottom, left + width, bottom)
    svg.text(PAD + LINE / 2, upper + plot_height / 2, ylabel, anchor="middle", rotate=True)
    return svg.svg(right + PAD, bottom + below + PAD)


def heatmap(matrix: np.ndarray, rows: list[str], columns: list[str], title: str, low: float, high: float,
            decimals: int = 2) -> str:  # fmt: skip
    """A cell per value of ``matrix`` (none where it is NaN) coloured on viridis from ``low`` to ``high``, its
    value written in it with ``decimals`` (0: counts, whole ticks); row labels left, column labels below, a
    colour bar on the right."""
    svg = _Svg()
    texts = [[f"{v:,.{decimals}f}" if not np.isnan(v) else "" for v in row] for row in matrix.tolist()]
    width = max(26.0, max(text_width(t, CELL_FONT_SIZE) for row in texts for t in row) + 2 * PAD)
    height = 18.0
    left = PAD + max(map(text_width, rows)) + PAD + TICK
    grid_width, grid_height = width * len(columns), height * len(rows)
    title_width = text_width(title, TITLE_SIZE)
    centre = max(left + grid_width / 2, PAD + title_width / 2)  # a title wider than the grid stays in the picture
    svg.text(centre, PAD + LINE * TITLE_SIZE / FONT_SIZE / 2, title, anchor="middle", size=TITLE_SIZE, cls="title")
    upper = PAD + LINE * TITLE_SIZE / FONT_SIZE + 2 * PAD
    span = (high - low) or 1.0
    for i, (label, row) in enumerate(zip(rows, matrix.tolist())):
        y = upper + i * height
        svg.line(left - TICK, y + height / 2, left, y + height / 2)
        svg.text(left - TICK - PAD, y + height / 2, label, anchor="end")
        for j, value in enumerate(row):
            if np.isnan(value):
                continue
            fraction = (value - low) / span
            svg.rect(left + j * width, y, width, height, viridis(fraction), title=f"{label} × {columns[j]}: {texts[i][j]}", cls="cell")
            svg.text(left + (j + 0.5) * width, y + height / 2, texts[i][j], anchor="middle", size=CELL_FONT_SIZE,
                     colour="#000000" if fraction > _LIGHT else "#ffffff", cls="cell")  # fmt: skip
    bottom = upper + grid_height
    below = _column_labels(svg, columns, [left + (j + 0.5) * width for j in range(len(columns))], bottom, width)
    svg.line(left, upper, left, bottom)
    svg.line(left, bottom, left + grid_width, bottom)
    # the colour bar: as tall as the grid, at least four lines so its tick labels have room
    bar_left, bar_height = left + grid_width + 3 * PAD, max(grid_height, 4 * LINE)
    stripes = 64
    for k in range(stripes):
        svg.rect(bar_left, upper + bar_height * (1 - (k + 1) / stripes), 10, bar_height / stripes + 0.3, viridis((k + 0.5) / stripes),
                 cls="colourbar")  # fmt: skip
    ticks = [low + t for t in nice_ticks(span, integer=decimals == 0, most=max(1, int(bar_height // (2 * LINE))))]
    for tick in ticks:
        y = upper + bar_height * (1 - (tick - low) / span)
        svg.line(bar_left + 10, y, bar_left + 10 + TICK, y)
        svg.text(bar_left + 10 + TICK + PAD, y, _number(tick), cls="colourbar")
    right = max(bar_left + 10 + TICK + PAD + max(text_width(_number(t)) for t in ticks), centre + title_width / 2)
    return svg.svg(right + PAD, max(bottom + below, upper + bar_height + FONT_SIZE / 2) + PAD)


def score_bins(scores) -> np.ndarray:
    """Counts of :data:`HISTOGRAM_BINS` equal bins over [0, 1] (1.0 in the last)."""
    return np.histogram(np.asarray(scores, dtype=float), bins=HISTOGRAM_BINS, range=(0, 1))[0]
