"""The report's charts (pipelines/charts.py): the data, titles and axes that matplotlib drew, without it."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from pipelines import charts
from pipelines.report import bar_plot, funnel_plot, score_plot

RECT = re.compile(r'<rect x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="([\d.]+)" fill="[^"]+" class="(\w+)">(?:<title>([^<]*)</title>)?')
TEXT = re.compile(r"<text [^>]*>([^<]*)</text>")


def rects(svg: str, kind: str) -> list[tuple[float, float, float, float, str]]:
    return [(float(x), float(y), float(w), float(h), title) for x, y, w, h, k, title in RECT.findall(svg) if k == kind]


def test_score_histogram_counts_every_score_in_its_bin_on_matplotlibs_symlog_axis():
    scores = [0.0, 0.01, 0.049, 0.05, 0.5, 0.97, 1.0, 1.0]  # 20 bins over [0, 1]; 1.0 falls in the last
    svg = score_plot({"scores": {"toxic": scores}, "thresholds": {"toxic": 0.8}, "scoring": "risk"})
    bins = rects(svg, "bin")
    counts = [int(title.rsplit(": ", 1)[1]) for *_, title in bins]
    assert len(counts) == 20 and counts[0] == 3 and counts[1] == 1 and counts[10] == 1 and counts[19] == 3
    assert sum(counts) == len(scores)
    heights = {c: h for (_, _, _, h, _), c in zip(bins, counts)}
    assert heights[0] == 0 and heights[3] / heights[1] == pytest.approx(charts.symlog(3) / charts.symlog(1), abs=1e-3)
    texts = TEXT.findall(svg)
    assert {"toxic", "1 − P(benign)", "records", " 0.8", "0", "10⁰", "0.0", "1.0"} <= set(texts)


def test_symlog_is_matplotlibs_transform():
    from matplotlib.scale import SymmetricalLogTransform

    values = [0, 0.5, 1, 2, 3, 10, 99, 12_345]
    expected = SymmetricalLogTransform(10, charts.SYMLOG_THRESHOLD, 1).transform(values)
    assert [charts.symlog(v) for v in values] == pytest.approx(list(expected))


def test_funnel_bars_are_stacked_in_proportion_under_their_legend():
    stages = [{"stage": s, "kept": k, "rejected": r} for s, k, r in (("ingest", 10_000, 0), ("dedup", 8_000, 2_000), ("aigc", 1_000, 7_000))]
    svg = funnel_plot(stages)
    bars = rects(svg, "bar")
    assert [title for *_, title in bars] == ["ingest: 10,000 kept", "ingest: 0 rejected", "dedup: 8,000 kept", "dedup: 2,000 rejected",
                                             "aigc: 1,000 kept", "aigc: 7,000 rejected"]  # fmt: skip
    (kx, ky, kw, _, _), (rx, ry, rw, _, _) = bars[2:4]
    assert rx == pytest.approx(kx + kw, abs=0.02) and ry == ky and kw / rw == pytest.approx(4, rel=1e-3)
    assert bars[0][1] < bars[2][1] < bars[4][1]  # the first stage on top
    legend_bottom = max(y + h for _, y, _, h, _ in rects(svg, "legend"))
    assert legend_bottom <= min(y for _, y, *_ in bars)
    assert {"kept", "rejected", "records", "ingest", "0", "10,000"} <= set(TEXT.findall(svg))
    assert funnel_plot([]) is None


def test_bar_plot_labels_each_bar_with_its_value_and_its_colour():
    svg = bar_plot(["low", "major"], [3_566, 9_624], "rejected records", ["#9ccc65", "#ef5350"])
    assert re.findall(r'fill="(#\w+)" class="bar"', svg) == ["#9ccc65", "#ef5350"]
    assert [t for t in TEXT.findall(svg) if "," in t] == ["3,566", "9,624", "2,000", "4,000", "6,000", "8,000", "10,000"]  # values, then ticks
    assert bar_plot(["low"], [0], "rejected records") is None


@pytest.mark.parametrize("top, integer", [(0.5, False), (7, True), (1.05, True), (9_624 * 1.05, True), (240_000, True), (1, False)])
def test_ticks_are_few_round_and_cover_the_axis(top, integer):
    ticks = charts.nice_ticks(top, integer)
    step = ticks[1] - ticks[0]
    assert ticks[0] == 0 and 2 <= len(ticks) <= 7 and ticks[-1] <= top < ticks[-1] + step
    assert not integer or all(float(t).is_integer() for t in ticks)


def test_the_report_draws_without_matplotlib():
    # pyplot's import alone cost ≈ 0.24 CPU s of every run
    script = """
import sys
from pipelines.report import bar_plot, funnel_plot, score_plot
funnel_plot([{"stage": "ingest", "kept": 3, "rejected": 1}])
bar_plot(["a"], [1], "x")
score_plot({"scores": {"toxic": [0.1, 0.9]}, "thresholds": {}})
print("matplotlib" in sys.modules)
"""
    result = subprocess.run([sys.executable, "-c", script], cwd=Path(__file__).parents[2], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split() == ["False"]


def test_viridis_is_matplotlibs_within_a_shade():
    from matplotlib import colormaps

    for fraction in [k / 40 for k in range(41)]:
        expected = [round(255 * c) for c in colormaps["viridis"](fraction)[:3]]
        actual = [int(charts.viridis(fraction)[i : i + 2], 16) for i in (1, 3, 5)]
        assert max(abs(a - e) for a, e in zip(actual, expected)) <= 6, (fraction, actual, expected)
    assert charts.viridis(-0.5) == charts.viridis(0.0) == "#440154" and charts.viridis(2.0) == "#fde725"


def test_vertical_bars_stand_in_proportion_and_turn_labels_that_do_not_fit():
    svg = charts.vertical_bars(["a1", "a2"], [0.9, 0.45], ["#3182bd", "#de2d26"], "agreement", threshold=0.7)
    (x1, y1, w1, h1, _), (x2, y2, w2, h2, _) = rects(svg, "bar")
    assert h1 / h2 == pytest.approx(2, rel=1e-3) and y1 + h1 == pytest.approx(y2 + h2) and x1 + w1 < x2
    assert re.findall(r'fill="(#\w+)" class="bar"', svg) == ["#3182bd", "#de2d26"]
    dashed = re.findall(r'<line x1="[\d.]+" y1="([\d.]+)" x2="[\d.]+" y2="([\d.]+)"[^>]*stroke-dasharray', svg)
    assert len(dashed) == 1 and float(dashed[0][0]) == pytest.approx(y2 + h2 - h2 / 0.45 * 0.7, abs=0.02)
    assert {"a1", "a2", "0.7", "agreement", "0", "1"} <= set(TEXT.findall(svg))
    assert re.findall(r'text-anchor="end"[^>]*rotate\(-90', svg) == []  # short labels stay level
    turned = charts.vertical_bars(["annotator-with-a-long-name", "a2"], [0.9, 0.45], ["#3182bd"] * 2, "agreement")
    assert len(re.findall(r'text-anchor="end"[^>]*rotate\(-90', turned)) == 2  # both turned, not one of them


def test_heatmap_writes_each_value_in_its_cell_and_skips_missing_ones():
    matrix = np.array([[np.nan, 0.5], [-1.0, 1.0]])
    svg = charts.heatmap(matrix, ["r1", "r2"], ["c1", "c2"], "kappa", low=-1.0, high=1.0)
    cells = rects(svg, "cell")
    assert [title for *_, title in cells] == ["r1 × c2: 0.50", "r2 × c1: -1.00", "r2 × c2: 1.00"]
    fills = re.findall(r'fill="(#\w+)" class="cell"><title>', svg)
    assert fills == [charts.viridis(0.75), charts.viridis(0.0), charts.viridis(1.0)]
    # black on light cells, white on dark ones
    assert re.findall(r'fill="(#\w+)" class="cell">([^<]+)</text>', svg) == [("#000000", "0.50"), ("#ffffff", "-1.00"), ("#000000", "1.00")]
    assert {"-1", "0", "1", "kappa"} <= set(TEXT.findall(svg))  # the colour bar's ticks (two lines apart), the title
    counts = charts.heatmap(np.array([[1234.0, 0.0]]), ["a"], ["x", "y"], "counts", low=0.0, high=1234.0, decimals=0)
    assert [t for *_, t in rects(counts, "cell")] == ["a × x: 1,234", "a × y: 0"]
    assert all(float(t.replace(",", "")).is_integer() for t in re.findall(r'class="colourbar">([^<]+)</text>', counts))
