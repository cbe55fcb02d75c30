"""Self-contained HTML for the annotation audit: no CDN, charts as inline SVG (pipelines/charts.py, numpy only)."""

from __future__ import annotations

from html import escape

import numpy as np

from pipelines import charts

BELOW_COLOUR, ABOVE_COLOUR = "#de2d26", "#3182bd"  # an annotator's bar under / over the agreement threshold

STYLE = """
body{font-family:system-ui,sans-serif;margin:2em;max-width:1100px;color:#222}
table{border-collapse:collapse;margin:.5em 0 1.5em}td,th{border:1px solid #ccc;padding:.25em .6em;text-align:right}
th{background:#f3f3f3}td:first-child,th:first-child{text-align:left}
.pass{background:#e5f5e0;padding:.6em;border-left:6px solid #31a354}
.fail{background:#fde0dd;padding:.6em;border-left:6px solid #de2d26}.low{background:#fde0dd}
svg{max-width:100%;height:auto;display:block;margin:.5em 0}
td,th{overflow-wrap:anywhere}
@media print{
  body{margin:0;font-size:11px}
  table{font-size:10px}th,td{padding:2px 4px}
  tr,svg{break-inside:avoid}h2{break-after:avoid}
}
@page{size:A4;margin:14mm}
"""


def _fmt(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.3f}"
    return escape(str(value))


def _table(headers: list[str], rows: list[list], highlight: list[bool] | None = None) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = []
    for i, row in enumerate(rows):
        cls = ' class="low"' if highlight and highlight[i] else ""
        body.append(f"<tr{cls}>" + "".join(f"<td>{_fmt(v)}</td>" for v in row) + "</tr>")
    return f"<table><tr>{head}</tr>{''.join(body)}</table>"


def _annotator_plot(report: dict) -> str:
    names = list(report["annotators"])
    if not names:
        return ""
    values = [report["annotators"][a]["agreement_with_others_consensus"] or 0.0 for a in names]
    threshold = report["config"]["annotator_min_agreement"]
    colours = [BELOW_COLOUR if v < threshold else ABOVE_COLOUR for v in values]
    return charts.vertical_bars(names, values, colours, "agreement with others' consensus", threshold=threshold)


def _kappa_plot(report: dict) -> str:
    names = list(report["annotators"])
    if len(names) < 2:
        return ""
    index = {a: i for i, a in enumerate(names)}
    matrix = np.full((len(names), len(names)), np.nan)
    for row in report["pairs"]:
        if row["kappa"] is not None:
            matrix[index[row["a"]], index[row["b"]]] = matrix[index[row["b"]], index[row["a"]]] = row["kappa"]
    return charts.heatmap(matrix, names, names, "Cohen's kappa per annotator pair", low=-1.0, high=1.0)


def _confusion_plot(report: dict) -> str:
    confusion = report["confusion"]
    if not confusion["matrix"]:
        return ""
    labels = confusion["labels"]
    matrix = np.array(confusion["matrix"], dtype=float)
    return charts.heatmap(matrix, labels, labels, "annotator label (rows) vs consensus (columns)", low=0.0,
                          high=float(np.nanmax(matrix)), decimals=0)


def render_html(report: dict) -> str:
    gate = report["gate"]
    metrics = report["metrics"]
    ci = metrics["alpha_ci"]
    verdict = "PASSED" if gate["passed"] else "FAILED"
    published = report.get("published")
    banner = (
        f'<p class="{"pass" if gate["passed"] else "fail"}"><b>Gate {verdict}</b>: Krippendorff\'s α = '
        f'{_fmt(gate["alpha"])} ({escape(gate["band"])}; threshold {gate["alpha_threshold"]}, tentative from '
        f'{gate["alpha_tentative"]}). Consensus {"published as version " + str(published["version"]) if published else "not published"}.</p>'
    )
    metric_rows = [
        ["Krippendorff's α (" + metrics["level"] + ")", metrics["alpha"]],
        [f"α {int(ci['confidence'] * 100)}% CI ({ci['samples']} bootstrap samples, seed {ci['seed']})",
         f"{_fmt(ci['low'])} – {_fmt(ci['high'])}"],
        ["observed agreement (pairable value pairs)", metrics["observed_agreement"]],
        ["Fleiss' κ", metrics.get("fleiss_kappa")],
        ["pairable units", metrics["pairable_units"]],
    ]
    if "alpha_nominal" in metrics:
        metric_rows.insert(1, ["Krippendorff's α (nominal)", metrics["alpha_nominal"]])
    annotator_rows, low = [], []
    for name, s in report["annotators"].items():
        annotator_rows.append([name, s["items"], s["agreement_with_consensus"], s["agreement_with_others_consensus"],
                               s["mean_kappa_with_peers"], "below threshold" if s["below_threshold"] else ""])
        low.append(s["below_threshold"])
    parts = [
        "<!DOCTYPE html><html><head><meta charset='utf-8'>",
        f"<title>Annotation audit {escape(report['name'])}</title><style>{STYLE}</style></head><body>",
        f"<h1>Annotation audit: {escape(report['name'])}</h1><p>audit {escape(report['audit_id'])}</p>",
        banner,
        "<h2>Counts</h2>" + _table(["count", "n"], [[k, v] for k, v in report["counts"].items()]),
        "<h2>Agreement</h2>" + _table(["metric", "value"], metric_rows),
        "<h2>Annotators</h2>" + _annotator_plot(report)
        + _table(["annotator", "items", "agreement with consensus", "with others' consensus", "mean κ with peers", ""], annotator_rows, low),
        "<h2>Annotator pairs</h2>" + _kappa_plot(report)
        + _table(["a", "b", "shared items", "agreement", "κ", "κ linear", "κ quadratic"],
                 [[p["a"], p["b"], p["items"], p["agreement"], p["kappa"], p["kappa_linear"], p["kappa_quadratic"]] for p in report["pairs"]]),
        "<h2>Labels</h2>" + _confusion_plot(report)
        + _table(["label", "pairable values", "pair agreement", "annotations", "precision vs consensus", "recall vs consensus"],
                 [[k, v["pairable_values"], v["pair_agreement"], v["annotations"], v["precision_vs_consensus"], v["recall_vs_consensus"]]
                  for k, v in report["per_label"].items()]),
        "<h2>Role separation and voided batches</h2>"
        + f"<p>Items reviewed by one of their own annotators: {report['counts']['self_reviewed_items']}.</p>"
        + _table(["voided batch", "items rejected (batch_voided)"], [[b, n] for b, n in report["voided_batches"].items()]),
    ]
    if report.get("dawid_skene"):
        parts.append("<h2>Dawid–Skene</h2>" + _table(["annotator", "estimated accuracy"],
                                                      [[a, x] for a, x in report["dawid_skene"]["annotator_accuracy"].items()]))
    if report["warnings"] or report["invalid_rows"]:
        parts.append("<h2>Warnings</h2><ul>" + "".join(f"<li>{escape(w)}</li>" for w in report["warnings"])
                     + "".join(f"<li>{n} invalid rows: {escape(r)}</li>" for r, n in report["invalid_rows"].items()) + "</ul>")
    parts.append("</body></html>")
    return "\n".join(parts)
