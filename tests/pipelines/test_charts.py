"""The report's charts (pipelines/charts.py): the data, titles and axes that matplotlib drew, without it."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

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
