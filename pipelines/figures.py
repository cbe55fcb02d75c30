"""The run report's figures: matplotlib SVG, drawn in the report's process or in a child process.

Run as ``python -m pipelines.figures``, it draws figures for a run on another core (see
:class:`pipelines.report.Drawings`): it reads a pickled list of ``(name, figure function, arguments)``
on stdin and writes a pickled ``{name: svg}`` of those it could draw on stdout. This module imports only
numpy and matplotlib, so such a process starts in ≈ 0.4 s.
"""

from __future__ import annotations

import io
import pickle
import sys

import numpy as np

def _svg(fig) -> str:
    """The figure as SVG, cropped to what it draws plus matplotlib's padding, from one drawing pass.

    ``savefig(bbox_inches="tight")`` lays the figure out once to find that box and then draws it again
    with a new renderer, measuring every text again (≈ a third of a plot's cost). Here the box is
    measured after the one draw with the same renderer (text extents cached) and becomes the SVG's
    view box: the same picture and size, the drawing's coordinates unshifted."""
    import matplotlib.pyplot as plt
    from matplotlib.backends.backend_mixed import MixedModeRenderer
    from matplotlib.backends.backend_svg import FigureCanvasSVG, RendererSVG

    FigureCanvasSVG(fig)
    dpi, fig.dpi = fig.dpi, 72  # SVG user units are points, as in savefig
    width, height = fig.get_size_inches()
    buffer = io.StringIO()
    renderer = MixedModeRenderer(fig, width, height, dpi, RendererSVG(width * 72, height * 72, buffer, image_dpi=dpi))
    fig.draw(renderer)
    box = fig.get_tightbbox(renderer).padded(plt.rcParams["savefig.pad_inches"])  # inches, y upwards
    renderer.finalize()
    plt.close(fig)
    svg = buffer.getvalue()
    svg = svg[svg.index("<svg") :]
    full = f'width="{_points(width)}pt" height="{_points(height)}pt" viewBox="0 0 {_points(width)} {_points(height)}"'
    cropped = (f'width="{_points(box.width)}pt" height="{_points(box.height)}pt" '
               f'viewBox="{_points(box.x0)} {_points(height - box.y1)} {_points(box.width)} {_points(box.height)}"')  # fmt: skip
    if full not in svg:
        raise ValueError("matplotlib's SVG header changed: the figure cannot be cropped")
    return svg.replace(full, cropped, 1)


def _points(inches: float) -> str:
    """Inches as the SVG writer prints points (``backend_svg._short_float_fmt``)."""
    return f"{inches * 72:f}".rstrip("0").rstrip(".")


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams.update({"svg.fonttype": "none", "font.size": 9, "axes.spines.top": False, "axes.spines.right": False})
    return plt


def import_drawing() -> None:
    """Import what drawing the report needs (pyplot ≈ 0.3 s, jinja2), e.g. ahead of it on a thread."""
    _pyplot()
    import jinja2  # noqa: F401


KEPT_COLOUR, REJECT_COLOUR, ACCENT = "#3b7dd8", "#d9534f", "#444444"
RISK_COLOURS = ["#9ccc65", "#ffd54f", "#ffa726", "#ef5350", "#8e24aa"]


def funnel_figure(stages: list[dict]):
    """Kept and rejected records per stage; the legend sits above the axes, where no bar can be."""
    plt = _pyplot()
    names = [s["stage"] for s in stages][::-1]
    kept = [s["kept"] for s in stages][::-1]
    rejected = [s["rejected"] for s in stages][::-1]
    fig, ax = plt.subplots(figsize=(5.5, 0.3 * len(names) + 1.0))
    ax.barh(names, kept, color=KEPT_COLOUR, label="kept")
    ax.barh(names, rejected, left=kept, color=REJECT_COLOUR, label="rejected")
    ax.set_xlabel("records")
    ax.legend(loc="lower left", bbox_to_anchor=(0, 1.0), ncol=2, frameon=False, borderaxespad=0.2)
    return fig


def funnel_plot(stages: list[dict]) -> str | None:
    return _svg(funnel_figure(stages)) if stages else None


def bar_plot(labels: list[str], values: list[int], xlabel: str, colours=None) -> str | None:
    if not labels or not any(values):
        return None
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(4.2, 0.28 * len(labels) + 0.7))
    bars = ax.barh(labels[::-1], values[::-1], color=(colours[::-1] if colours else KEPT_COLOUR))
    ax.bar_label(bars, padding=2)
    ax.xaxis.get_major_locator().set_params(integer=True)  # counts: no 0.2-record ticks
    ax.set_xlabel(xlabel)
    return _svg(fig)


def score_figure(group: dict):
    """One histogram of 20 bins over [0, 1] per label, with the label's threshold."""
    plt = _pyplot()
    labels = list(group["scores"])
    fig, axes = plt.subplots(1, len(labels), figsize=(2.6 * len(labels) + 0.6, 2.4), squeeze=False, sharey=False)
    for ax, label in zip(axes[0], labels):
        # binned in numpy: ax.hist converts a list of floats one by one (≈ 0.15 s per 100k scores)
        counts, edges = np.histogram(np.asarray(group["scores"][label], dtype=float), bins=20, range=(0, 1))
        ax.hist(edges[:-1], edges, weights=counts, color=KEPT_COLOUR)
        threshold = group["thresholds"].get(label)
        if threshold is not None:
            ax.axvline(threshold, color=REJECT_COLOUR, linestyle="--", linewidth=1.2)
            ax.text(threshold, ax.get_ylim()[1] * 0.95, f" {threshold:g}", color=REJECT_COLOUR, va="top")
        ax.set_yscale("symlog")
        ax.set_title(label)
        ax.set_xlabel("1 − P(benign)" if group.get("scoring") == "risk" else "score")
    axes[0][0].set_ylabel("records")
    return fig


def score_plot(group: dict) -> str:
    return _svg(score_figure(group))


def main() -> None:
    jobs = pickle.load(sys.stdin.buffer)
    drawn = {}
    for name, draw, args in jobs:
        try:
            drawn[name] = draw(*args)
        except Exception:  # the report draws it again, and reports what fails
            continue
    pickle.dump(drawn, sys.stdout.buffer)


if __name__ == "__main__":
    main()
