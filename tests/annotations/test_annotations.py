"""Annotation audit: config, readers, consensus, role separation, voided batches, gate, outputs, CLI."""

import csv
import json
import math
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import typer
import yaml
from typer.testing import CliRunner

from demo import make_annotations
from pipelines.annotations import run_audit
from pipelines.commands import annotations as command
from tests.pipelines.test_charts import TEXT, rects
from transforms.annotations import agreement as ag
from transforms import annotations as ann

ROOT = Path(__file__).resolve().parents[2]


def write_jsonl(path: Path, rows) -> str:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return str(path)


def row(item, annotator, label, batch="b1", role="annotator", ts="2025-01-01T00:00:00Z"):
    return {"item_id": item, "annotator_id": annotator, "label": label, "batch_id": batch, "role": role, "timestamp": ts}


def config(tmp_path, inputs, **overrides) -> ann.AnnotationAuditConfig:
    data = {"inputs": inputs, "output_dir": str(tmp_path / "out"), "labels": ["a", "b", "c"], "bootstrap_samples": 200}
    return ann.parse_audit_config(data | overrides)


# --- config -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data, message",
    [
        ({"inputs": ["x.jsonl"], "output_dir": "o", "colour": 1}, "config error: colour: unknown key"),
        ({"output_dir": "o"}, "config error: inputs: required key is missing"),
        ({"inputs": ["x.jsonl"], "output_dir": "o", "level": "ordinal"}, "config error: labels: required for ordinal data"),
        ({"inputs": ["x.jsonl"], "output_dir": "o", "alpha_tentative": 0.9}, "config error: alpha_tentative: must not exceed"),
        ({"inputs": ["x.jsonl"], "output_dir": "o", "level": "interval", "consensus": "dawid_skene"}, "config error: consensus: dawid_skene"),
        ({"inputs": ["x.jsonl"], "output_dir": "o", "level": "ratios"}, "config error: level: Input should be"),
        ({"inputs": ["x.jsonl", 3], "output_dir": "o"}, "config error: inputs[1]: Input should be a valid string"),
    ],
)
def test_config_errors_name_the_key(data, message):
    with pytest.raises(ann.AnnotationConfigError) as exc:
        ann.parse_audit_config(data)
    assert str(exc.value).startswith(message)
    assert "\n" not in str(exc.value)


def test_demo_config_loads_from_any_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    cfg = ann.load_audit_config(ROOT / "configs" / "annotations_demo.yaml")
    assert cfg.level == "nominal" and cfg.alpha_threshold == 0.8
    assert cfg.inputs == [str(ROOT / "demo" / "annotations" / "annotations.jsonl")]
    assert cfg.output_dir == str(ROOT / "out" / "annotations_demo")


def test_relative_paths_resolve_against_the_config_folder_as_in_a_job_config(tmp_path, monkeypatch):
    from pipelines.config import load_config
    from tests.conftest import job_config

    folder = tmp_path / "configs"
    folder.mkdir()
    paths = ["../data/x.jsonl", "s3://bucket/labels/x.jsonl", "gs://bucket/x.csv", f"file://{tmp_path}/y.jsonl"]
    audit = folder / "audit.yaml"
    audit.write_text(json.dumps({"inputs": paths, "output_dir": "../out"}))
    job = job_config(folder, output={"dir": "../out"})
    data = yaml.safe_load(job.read_text())
    data["sources"][0]["paths"] = paths
    job.write_text(yaml.safe_dump(data))
    monkeypatch.chdir(tmp_path / "..")
    cfg = ann.load_audit_config(audit)
    assert cfg.inputs == [str(tmp_path / "data" / "x.jsonl"), *paths[1:3], str(tmp_path / "y.jsonl")]
    assert cfg.output_dir == str(tmp_path / "out")
    job_cfg, _ = load_config(job)
    assert cfg.inputs == job_cfg.sources[0].paths and cfg.output_dir == job_cfg.output.dir


def test_an_audit_config_key_given_twice_is_refused(tmp_path):
    audit = tmp_path / "audit.yaml"
    audit.write_text("inputs: [a.jsonl]\noutput_dir: out\noutput_dir: other\n")
    with pytest.raises(ann.AnnotationConfigError, match="line 3: key 'output_dir' appears twice"):
        ann.load_audit_config(audit)


# --- readers --------------------------------------------------------------------------------------------------


def test_jsonl_csv_and_labelstudio_read_the_same_annotations(tmp_path):
    rows = [row("i1", "u1", "a"), row("i1", "u2", "b"), row("i2", "u1", "c", batch="b2"), row("i2", "r9", "illegal", batch="b2", role="reviewer")]
    jsonl = write_jsonl(tmp_path / "x.jsonl", rows)
    with open(tmp_path / "x.csv", "w", newline="") as handle:
        writer = csv.DictWriter(handle, list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    tasks = [
        {"id": 1, "data": {"item_id": "i1", "batch_id": "b1"}, "annotations": [
            {"completed_by": {"id": 1, "email": "u1"}, "updated_at": "2025-01-01T00:00:00Z",
             "result": [{"from_name": "label", "type": "choices", "value": {"choices": ["a"]}}]},
            {"completed_by": {"email": "u2"}, "updated_at": "2025-01-01T00:00:00Z",
             "result": [{"from_name": "label", "type": "choices", "value": {"choices": ["b"]}}]}]},
        {"id": 2, "data": {"item_id": "i2", "batch_id": "b2"}, "annotations": [
            {"completed_by": {"email": "u1"}, "updated_at": "2025-01-01T00:00:00Z",
             "result": [{"from_name": "label", "type": "choices", "value": {"choices": ["c"]}}]},
            {"completed_by": {"email": "r9"}, "updated_at": "2025-01-01T00:00:00Z",
             "result": [{"from_name": "review", "type": "choices", "value": {"choices": ["illegal"]}}]},
            {"completed_by": {"email": "u3"}, "was_cancelled": True, "result": []}]},
    ]
    (tmp_path / "x.json").write_text(json.dumps(tasks))
    cfg = config(tmp_path, [jsonl])

    def key(records):
        return sorted((r.item_id, r.annotator, r.label, r.batch, r.role) for r in records)

    expected = key(ann.read_annotations(jsonl, cfg))
    assert len(expected) == 4
    assert key(ann.read_annotations(str(tmp_path / "x.csv"), cfg)) == expected
    assert key(ann.read_annotations(str(tmp_path / "x.json"), cfg)) == expected


def test_bad_rows_are_counted_not_fatal(tmp_path):
    path = tmp_path / "x.jsonl"
    path.write_text(
        json.dumps(row("i1", "u1", "a")) + "\n{not json\n" + json.dumps(row("i1", "u2", "zzz")) + "\n"
        + json.dumps(row("i1", "", "a")) + "\n" + json.dumps(row("i1", "u3", "a", role="boss")) + "\n"
    )
    cfg = config(tmp_path, [str(path)])
    aggregate, _ = ann.audit_in_memory(ann.read_annotations(str(path), cfg), cfg)
    report = ann.compute_report(aggregate, cfg)
    assert report["invalid_rows"] == {
        "label 'zzz' not in labels": 1, "missing annotator_id": 1, "not valid JSON": 1, "unknown role 'boss'": 1,
    }


def test_numeric_labels_for_interval_data(tmp_path):
    path = write_jsonl(tmp_path / "x.jsonl", [row("i1", "u1", 1), row("i1", "u2", "2.5"), row("i1", "u3", "n/a")])
    cfg = config(tmp_path, [path], level="interval", labels=[])
    records = list(ann.read_annotations(path, cfg))
    assert [r.label for r in records[:2]] == [1.0, 2.5]
    assert records[2] == ann.Invalid(f"{path}:3", "label is not a number")


# --- items ----------------------------------------------------------------------------------------------------


def summarise(cfg, records):
    return ann.summarise_item(records[0].item_id, records, cfg)


def annotations(rows):
    return [ann.parse_row(r, ann.parse_audit_config({"inputs": ["x"], "output_dir": "o"}), "t", i) for i, r in enumerate(rows)]


def test_latest_label_per_annotator_wins(tmp_path):
    cfg = config(tmp_path, ["x"])
    item = summarise(cfg, annotations([row("i", "u1", "a", ts="2025-01-02"), row("i", "u1", "b", ts="2025-01-01"),
                                       row("i", "u2", "b", ts="2025-01-01"), row("i", "u2", "c", ts="2025-01-01")]))
    assert dict(zip(item.annotators, item.labels)) == {"u1": "a", "u2": "c"}  # same time: the later row


def test_tie_is_broken_by_label_order_and_flagged(tmp_path):
    cfg = config(tmp_path, ["x"], labels=["c", "b", "a"])
    item = summarise(cfg, annotations([row("i", "u1", "a"), row("i", "u2", "c")]))
    assert item.consensus == "c" and item.tie and item.agreement == 0.5
    assert item.needs_adjudication(cfg) == ["low_agreement", "tie"]


def test_leave_one_out_credit(tmp_path):
    cfg = config(tmp_path, ["x"])
    item = summarise(cfg, annotations([row("i", "u1", "a"), row("i", "u2", "a"), row("i", "u3", "b")]))
    assert item.consensus == "a" and item.agreement == pytest.approx(2 / 3)
    # u1 vs {u2: a, u3: b}: a tie between two labels, u1's is one of them -> credit 1/2
    assert item.loo_credit == ((1, 2), (1, 2), (0, 1))


def test_self_review_is_flagged(tmp_path):
    cfg = config(tmp_path, ["x"])
    item = summarise(cfg, annotations([row("i", "u1", "a"), row("i", "u2", "a"), row("i", "u1", "ok", role="reviewer")]))
    assert item.self_reviewed == ("u1",) and "self_review" in item.needs_adjudication(cfg)
    assert item.annotators == ("u1", "u2")  # the review is not an annotation


def test_illegal_review_voids_the_whole_batch_only(tmp_path):
    rows = [row("i1", "u1", "a"), row("i1", "u2", "a"), row("i2", "u1", "b"), row("i2", "u2", "b"),
            row("i2", "r", "illegal", role="reviewer"), row("i3", "u1", "a", batch="b2"), row("i3", "u2", "a", batch="b2"),
            row("i4", "u1", "a", batch=None), row("i4", "r", "illegal", batch=None, role="reviewer"),
            row("i5", "u1", "a", batch=None), row("i5", "u2", "b", batch=None),
            row("i6", "u1", "a", batch="b3"), row("i6", "r", "illegal", batch=None, role="reviewer"),
            row("i7", "u1", "a", batch="b3")]
    path = write_jsonl(tmp_path / "x.jsonl", rows)
    cfg = config(tmp_path, [path])
    aggregate, items = ann.audit_in_memory(ann.read_annotations(path, cfg), cfg)
    # a review without a batch id voids the batch its item was annotated in (i6 -> b3 -> i7 too)
    assert {i.item_id for i in items if i.voided} == {"i1", "i2", "i4", "i6", "i7"}
    assert aggregate["voided_batches"] == {"b1": 2, "b3": 2, "item:i4": 1}
    reject = ann.void_reject(next(i for i in items if i.item_id == "i1"))
    assert (reject["category"], reject["reason"], reject["risk_level"]) == ("annotation", "batch_voided", "major")
    assert aggregate["counts"]["scored_items"] == 2  # voided items do not enter the metrics


# --- report and gate --------------------------------------------------------------------------------------------


def simulated(tmp_path, n_items=300, weak_accuracy=0.4, seed=1):
    """Five annotators, three per item; u5 is weak."""
    rng = np.random.default_rng(seed)
    labels = ["a", "b", "c"]
    rows = []
    for n in range(n_items):
        truth = rng.choice(3, p=[0.5, 0.3, 0.2])
        for k in range(3):
            annotator = f"u{(n + k) % 5 + 1}"
            accuracy = weak_accuracy if annotator == "u5" else 0.95
            label = truth if rng.random() < accuracy else rng.choice([x for x in range(3) if x != truth])
            rows.append(row(f"i{n:04d}", annotator, labels[label], batch=f"b{n // 50}"))
    return write_jsonl(tmp_path / "sim.jsonl", rows)


def reliability_matrix(items, values):
    annotators = sorted({a for i in items for a in i.annotators})
    index = {v: k for k, v in enumerate(values)}
    data = np.full((len(annotators), len(items)), np.nan)
    for u, item in enumerate(items):
        for a, label in zip(item.annotators, item.labels):
            data[annotators.index(a), u] = index[label]
    return data, annotators


def test_report_metrics_equal_direct_computation(tmp_path):
    cfg = config(tmp_path, [simulated(tmp_path)], annotator_min_agreement=0.6)
    aggregate, items = ann.audit_in_memory(ann.read_annotations(cfg.inputs[0], cfg), cfg)
    report = ann.compute_report(aggregate, cfg)
    data, annotators = reliability_matrix(items, ["a", "b", "c"])
    assert report["metrics"]["alpha"] == pytest.approx(ag.krippendorff_alpha(data, "nominal"), abs=1e-6)
    krippendorff = pytest.importorskip("krippendorff")
    assert report["metrics"]["alpha"] == pytest.approx(krippendorff.alpha(reliability_data=data, level_of_measurement="nominal"), abs=1e-6)
    table = np.stack([np.bincount(col[~np.isnan(col)].astype(int), minlength=3) for col in data.T])
    assert report["metrics"]["fleiss_kappa"] == pytest.approx(ag.fleiss_kappa(table), abs=1e-6)
    pair = next(p for p in report["pairs"] if (p["a"], p["b"]) == ("u1", "u2"))
    both = ~np.isnan(data[0]) & ~np.isnan(data[1])
    for scheme, key in (("unweighted", "kappa"), ("linear", "kappa_linear"), ("quadratic", "kappa_quadratic")):
        expected = ag.cohen_kappa_labels(data[0][both].tolist(), data[1][both].tolist(), values=[0.0, 1.0, 2.0], weights=scheme)
        assert pair[key] == pytest.approx(expected, abs=1e-6)
    assert pair["items"] == int(both.sum())
    assert report["annotators_below_threshold"] == ["u5"]
    assert report["annotators"]["u5"]["peers"]["u1"]["kappa"] < report["annotators"]["u2"]["peers"]["u1"]["kappa"]
    assert report["gate"]["band"] in ("reliable", "tentative", "unreliable")
    confusion = np.array(report["confusion"]["matrix"])
    assert confusion.sum() == report["counts"]["annotations"]


@pytest.mark.parametrize(
    "alpha, band, passed",
    [(0.85, "reliable", True), (0.8, "reliable", True), (0.7, "tentative", False), (0.5, "unreliable", False), (math.nan, "undefined", False)],
)
def test_gate_bands(tmp_path, alpha, band, passed):
    result = ann.gate(alpha, config(tmp_path, ["x"]))
    assert (result["band"], result["passed"]) == (band, passed)


def test_undefined_alpha_passes_only_when_configured(tmp_path):
    path = write_jsonl(tmp_path / "x.jsonl", [row(f"i{n}", u, "a") for n in range(5) for u in ("u1", "u2")])
    for policy, passed in (("fail", False), ("pass", True)):
        cfg = config(tmp_path, [path], undefined_alpha=policy)
        report = ann.compute_report(ann.audit_in_memory(ann.read_annotations(path, cfg), cfg)[0], cfg)
        assert report["metrics"]["alpha"] is None and report["gate"]["passed"] is passed
        assert any("no variation" in w for w in report["warnings"])


def test_single_annotator_audit_is_undefined(tmp_path):
    path = write_jsonl(tmp_path / "x.jsonl", [row(f"i{n}", "u1", "abc"[n % 3]) for n in range(9)])
    cfg = config(tmp_path, [path])
    report = ann.compute_report(ann.audit_in_memory(ann.read_annotations(path, cfg), cfg)[0], cfg)
    assert report["gate"]["band"] == "undefined" and report["metrics"]["pairable_units"] == 0
    assert any("no pairable values" in w for w in report["warnings"])


def test_aggregate_json_round_trip(tmp_path):
    cfg = config(tmp_path, [simulated(tmp_path, n_items=40)])
    aggregate, _ = ann.audit_in_memory(ann.read_annotations(cfg.inputs[0], cfg), cfg)
    assert ann.aggregate_from_json(ann.aggregate_to_json(aggregate)) == aggregate


def test_merging_partial_aggregates_is_exact(tmp_path):
    cfg = config(tmp_path, [simulated(tmp_path, n_items=60)])
    aggregate, items = ann.audit_in_memory(ann.read_annotations(cfg.inputs[0], cfg), cfg)
    parts = [ann.new_aggregate() for _ in range(3)]
    for n, item in enumerate(reversed(items)):
        ann.add_item(parts[n % 3], item, cfg)
    assert ann.merge_aggregates(parts) == aggregate


# --- Dawid–Skene ------------------------------------------------------------------------------------------------


def test_dawid_skene_beats_majority_when_few_annotators_are_good(tmp_path):
    """Two careful and three noisy annotators label every item: the noisy majority often outvotes the careful
    pair; Dawid–Skene learns whom to trust."""
    rng = np.random.default_rng(0)
    accuracy = {"g1": 0.92, "g2": 0.9, "n1": 0.45, "n2": 0.45, "n3": 0.4}
    rows, truth = [], {}
    for n in range(500):
        t = int(rng.choice(3, p=[0.4, 0.3, 0.3]))
        truth[f"i{n:03d}"] = "abc"[t]
        for annotator, p in accuracy.items():
            label = t if rng.random() < p else int(rng.choice([x for x in range(3) if x != t]))
            rows.append(row(f"i{n:03d}", annotator, "abc"[label]))
    cfg = config(tmp_path, [write_jsonl(tmp_path / "x.jsonl", rows)], consensus="dawid_skene")
    _, items = ann.audit_in_memory(ann.read_annotations(cfg.inputs[0], cfg), cfg)
    flat = [(n, a, label) for n, i in enumerate(items) for a, label in zip(i.annotators, i.labels)]
    labels, posterior, estimated = ann.dawid_skene_labels(
        [f[0] for f in flat], [f[1] for f in flat], [f[2] for f in flat], len(items), ["a", "b", "c"])
    ds_right = np.mean([label == truth[i.item_id] for label, i in zip(labels, items)])
    majority_right = np.mean([i.consensus == truth[i.item_id] for i in items])
    assert ds_right > majority_right + 0.05
    assert min(estimated["g1"], estimated["g2"]) > max(estimated[n] for n in ("n1", "n2", "n3"))
    assert estimated["g1"] == pytest.approx(0.92, abs=0.05)
    assert all(1 / 3 <= p <= 1 for p in posterior)
    report = run_audit(cfg.model_copy(update={"alpha_threshold": 0.0, "alpha_tentative": 0.0}), use_beam=False)
    from deltalake import DeltaTable

    published = DeltaTable(str(tmp_path / "out" / "consensus")).to_pyarrow_table()
    assert set(published.column("method").to_pylist()) == {"dawid_skene"}
    assert report["dawid_skene"]["changed_from_majority"] > 0
    by_item = dict(zip(published.column("item_id").to_pylist(), published.column("label").to_pylist()))
    assert all(by_item[i.item_id] == label for label, i in zip(labels, items) if i.item_id in by_item)


# --- outputs, gate, CLI -----------------------------------------------------------------------------------------


def test_outputs_and_publication_follow_the_gate(tmp_path):
    from deltalake import DeltaTable

    good = config(tmp_path, [simulated(tmp_path, weak_accuracy=0.9)], output_dir=str(tmp_path / "good"),
                  alpha_threshold=0.6, alpha_tentative=0.5)
    report = run_audit(good, use_beam=False)
    out = tmp_path / "good"
    assert report["gate"]["passed"]
    assert {p.name for p in out.iterdir()} >= {"report.json", "report.html", "adjudication_queue.csv", "rejects.parquet", "consensus"}
    published = DeltaTable(str(out / "consensus")).to_pyarrow_table()
    queue = list(csv.DictReader(open(out / "adjudication_queue.csv")))
    assert published.num_rows + len(queue) == report["counts"]["scored_items"]
    assert not set(published.column("item_id").to_pylist()) & {r["item_id"] for r in queue}
    html = (out / "report.html").read_text()
    assert html.count("<svg ") == 3 and "<img" not in html and "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "https://" not in html

    bad = config(tmp_path, [simulated(tmp_path, weak_accuracy=0.0)], output_dir=str(tmp_path / "bad"),
                 alpha_threshold=0.95, alpha_tentative=0.9)
    report = run_audit(bad, use_beam=False)
    assert not report["gate"]["passed"] and report["published"] is None
    assert not (tmp_path / "bad" / "consensus").exists()
    assert json.loads((tmp_path / "bad" / "report.json").read_text())["gate"]["passed"] is False


def test_report_charts_are_svg_bars_per_annotator_and_heatmap_cells_with_values(tmp_path):
    report = run_audit(config(tmp_path, [simulated(tmp_path)], annotator_min_agreement=0.7), use_beam=False)
    bars, kappas, confusion = re.findall(r"<svg .*?</svg>", (tmp_path / "out" / "report.html").read_text(), re.S)
    names = list(report["annotators"])
    agreement = {a: s["agreement_with_others_consensus"] for a, s in report["annotators"].items()}
    assert [title for *_, title in rects(bars, "bar")] == [f"{a}: {agreement[a]:.3f}" for a in names]
    below = report["annotators_below_threshold"]
    assert 0 < len(below) < len(names)  # both colours drawn
    assert re.findall(r'fill="(#\w+)" class="bar"', bars) == ["#de2d26" if a in below else "#3182bd" for a in names]
    heights = {title.split(":")[0]: h for _, _, _, h, title in rects(bars, "bar")}
    assert heights["u1"] / heights["u5"] == pytest.approx(agreement["u1"] / agreement["u5"], rel=1e-3)
    assert "0.7" in TEXT.findall(bars)  # the threshold line's value
    # κ per pair, both ways round, none on the diagonal
    cells = {title.rsplit(": ", 1)[0]: title.rsplit(": ", 1)[1] for *_, title in rects(kappas, "cell")}
    pairs = [p for p in report["pairs"] if p["kappa"] is not None]
    assert len(cells) == 2 * len(pairs) and pairs
    for p in pairs:
        assert cells[f"{p['a']} × {p['b']}"] == cells[f"{p['b']} × {p['a']}"] == f"{p['kappa']:.2f}"
    assert f"{pairs[0]['kappa']:.2f}" in TEXT.findall(kappas)
    # confusion counts: one cell per (annotator label, consensus label), the counts written in
    labels, matrix = report["confusion"]["labels"], report["confusion"]["matrix"]
    cells = {title.rsplit(": ", 1)[0]: title.rsplit(": ", 1)[1] for *_, title in rects(confusion, "cell")}
    assert cells == {f"{r} × {c}": f"{matrix[i][j]:,}" for i, r in enumerate(labels) for j, c in enumerate(labels)}


def test_the_annotation_report_draws_without_matplotlib(tmp_path):
    run_audit(config(tmp_path, [simulated(tmp_path)]), use_beam=False)
    script = """
import json, sys
from pipelines.annotation_report import render_html
html = render_html(json.load(open(sys.argv[1])))
print(html.count("<svg "), "matplotlib" in sys.modules)
"""
    result = subprocess.run([sys.executable, "-c", script, str(tmp_path / "out" / "report.json")], cwd=ROOT,
                            capture_output=True, text=True, timeout=120)  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split() == ["3", "False"]


def cli():
    app = typer.Typer()
    command.register(app)
    app.command("noop")(lambda: None)  # a second command keeps `audit-annotations` a subcommand
    return app


def test_cli_exit_codes(tmp_path):
    sim = simulated(tmp_path)
    passing = tmp_path / "pass.yaml"
    passing.write_text(json.dumps({"inputs": [sim], "output_dir": str(tmp_path / "p"), "alpha_threshold": 0.3,
                                   "alpha_tentative": 0.2, "bootstrap_samples": 50}))
    failing = tmp_path / "fail.yaml"
    failing.write_text(json.dumps({"inputs": [sim], "output_dir": str(tmp_path / "f"), "alpha_threshold": 0.99,
                                   "bootstrap_samples": 50}))
    broken = tmp_path / "broken.yaml"
    broken.write_text(json.dumps({"inputs": [sim], "output_dir": "x", "thresh": 1}))
    runner = CliRunner()
    result = runner.invoke(cli(), ["audit-annotations", str(passing), "--in-memory"])
    assert result.exit_code == 0, result.output
    assert "gate passed" in result.output
    result = runner.invoke(cli(), ["audit-annotations", str(failing), "--in-memory"])
    assert result.exit_code == 2 and "gate FAILED" in result.output
    assert not (tmp_path / "f" / "consensus").exists()
    result = runner.invoke(cli(), ["audit-annotations", str(broken)])
    assert result.exit_code == 1 and "config error: thresh: unknown key" in result.output


def test_cli_runs_a_config_with_relative_paths_from_another_working_directory(tmp_path, monkeypatch):
    folder = tmp_path / "job"
    folder.mkdir()
    simulated(folder)
    relative = folder / "relative.yaml"
    relative.write_text(json.dumps({"inputs": ["sim.jsonl"], "output_dir": "out", "alpha_threshold": 0.3,
                                    "alpha_tentative": 0.2, "bootstrap_samples": 50}))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    result = CliRunner().invoke(cli(), ["audit-annotations", str(relative), "--in-memory"])
    assert result.exit_code == 0, result.output
    assert (folder / "out" / "report.json").exists() and not any(elsewhere.iterdir())


# --- the demo set -----------------------------------------------------------------------------------------------


def test_demo_set_shows_every_finding(tmp_path):
    make_annotations.main(str(tmp_path / "demo"))
    assert (tmp_path / "demo" / "annotations.jsonl").read_bytes() == (
        make_annotations.main(str(tmp_path / "again")) or (tmp_path / "again" / "annotations.jsonl").read_bytes()
    )
    cfg = ann.load_audit_config(ROOT / "configs" / "annotations_demo.yaml").model_copy(
        update={"inputs": [str(tmp_path / "demo" / "annotations.jsonl")], "output_dir": str(tmp_path / "out")}
    )
    report = run_audit(cfg, use_beam=False)
    assert report["voided_batches"] == {"b07": 50}
    assert report["counts"]["self_reviewed_items"] == 5
    assert report["annotators_below_threshold"] == ["a6"]
    assert report["gate"]["passed"] and report["gate"]["band"] == "reliable"
    assert 0.8 <= report["metrics"]["alpha"] < 0.85
    assert report["metrics"]["alpha_ci"]["low"] < report["metrics"]["alpha"] < report["metrics"]["alpha_ci"]["high"]


def test_interval_audit_uses_median_consensus_and_interval_alpha(tmp_path):
    rng = np.random.default_rng(5)
    rows = []
    for n in range(80):
        truth = float(rng.integers(1, 8))
        for k, annotator in enumerate(("u1", "u2", "u3")):
            if (n + k) % 5 == 0:
                continue
            rows.append(row(f"i{n:02d}", annotator, truth + float(rng.choice([-1, 0, 0, 0, 1]))))
    cfg = config(tmp_path, [write_jsonl(tmp_path / "x.jsonl", rows)], level="interval", labels=[], tolerance=1.0)
    aggregate, items = ann.audit_in_memory(ann.read_annotations(cfg.inputs[0], cfg), cfg)
    report = ann.compute_report(aggregate, cfg)
    annotators = ["u1", "u2", "u3"]
    data = np.full((3, len(items)), np.nan)
    for u, item in enumerate(items):
        for a, label in zip(item.annotators, item.labels):
            data[annotators.index(a), u] = label
        assert item.consensus == float(np.median(item.labels))
    krippendorff = pytest.importorskip("krippendorff")
    assert report["metrics"]["alpha"] == pytest.approx(krippendorff.alpha(reliability_data=data, level_of_measurement="interval"), abs=1e-6)
    assert report["metrics"]["alpha_nominal"] < report["metrics"]["alpha"]
    assert report["confusion"]["matrix"] is None
    assert all(s["agreement_with_others_consensus"] > 0.9 for s in report["annotators"].values())  # within ±1
