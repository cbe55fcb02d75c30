"""The run report: one self-contained HTML page per run, ``OUT_DIR/runs/<run_id>/report.html``.

Everything comes from what the run left behind: its manifest (stages, counts, counters, control
sections, gate), the rejects table (filtered by run id), the published dataset version (lineage scores,
sampled), the reviews table, annotation-audit reports and the parent version's run. A section whose
source is missing says so instead of failing. Plots are SVG (:mod:`pipelines.charts`) inlined in the page, CSS is
inline, so the file opens offline and prints (print CSS keeps tables whole and drops the navigation).

The clause → control mapping is data: ``pipelines/clause_map.yaml``.
"""

from __future__ import annotations

import json
import os
from collections import Counter, defaultdict
from datetime import datetime
from pathlib import Path
from typing import Any, Iterable

import numpy as np
import orjson
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import yaml

from pipelines import charts
from pipelines.diff import diff_versions
from pipelines.outdir import manifest_path, read_manifest, run_ids
from transforms.core import storage
from pipelines.publish import dataset_dir, open_table, rejects_dir, versions
from transforms.content.classifier import MODELS_DIR
from transforms.core.records import RISK_LEVELS
from transforms.core.storage import sample_batches

CLAUSE_MAP = Path(__file__).with_name("clause_map.yaml")
TEMPLATE_DIR = Path(__file__).with_name("templates")
SCORE_SAMPLE_ROWS = 20_000  # lineage rows read per table for the score histograms, from every file
REPORT_FILE = "report.html"

PASS, FAIL, PENDING, NOT_COVERED = "pass", "fail", "pending", "not covered in this run"


# --- locating runs -----------------------------------------------------------------------------------


def latest_run(out_dir: str | Path) -> str:
    ids = run_ids(out_dir)
    if not ids:
        raise FileNotFoundError(f"no runs under {storage.join(out_dir, 'runs')}")
    return ids[-1]


# --- data gathering ----------------------------------------------------------------------------------


def stage_configs(manifest: dict) -> dict[str, dict]:
    """Each stage's parameters, by stage name.

    A manifest written from the base ``StageConfig`` type holds only ``{"stage": name}``; then the parameters
    are read back from the job config file, but only when its sha256 still matches the run's."""
    entries = {e["stage"]: {k: v for k, v in e.items() if k != "stage"} for e in manifest["config"]["stages"]}
    if any(entries.values()):
        return entries
    path = Path(manifest.get("config_path", ""))
    try:
        from pipelines.config import load_config

        job, sha = load_config(path)
    except (ValueError, OSError):
        return entries
    if sha != manifest.get("config_sha256"):
        return entries
    return {e.stage: {k: v for k, v in e.model_dump(mode="json").items() if k != "stage"} for e in job.stages}


def _rejects_of_run(out_dir: Path, run_id: str) -> ds.Dataset | None:
    table = open_table(rejects_dir(out_dir))
    return table.to_pyarrow_dataset() if table is not None else None


def reject_groups(out_dir: Path, manifest: dict) -> list[dict]:
    """Rejects of the run grouped by stage, reason, clause, risk level, category (manifest counts if no table)."""
    rejects = _rejects_of_run(out_dir, manifest["run_id"])
    keys = ["stage", "reason", "clause", "risk_level", "category"]
    if rejects is not None:
        table = rejects.to_table(columns=keys, filter=pc.field("run_id") == manifest["run_id"])
        if table.num_rows:
            rows = table.group_by(keys).aggregate([([], "count_all")]).to_pylist()
            return sorted(
                ({**{k: r[k] for k in keys}, "records": r["count_all"]} for r in rows),
                key=lambda r: (-r["records"], r["stage"], r["reason"]),
            )
    by_reason = (manifest.get("counts") or {}).get("rejected_by", {})
    return [
        {"stage": key.split("/", 1)[0], "reason": key.split("/", 1)[1], "clause": None, "risk_level": None, "category": None, "records": n}
        for key, n in sorted(by_reason.items(), key=lambda kv: -kv[1])
    ]


def _clause_parts(clause: str | None) -> list[str]:
    return [part.strip() for part in (clause or "").split(" / ") if part.strip()]


def _lineage_details(dataset: ds.Dataset | None, stages: set[str], row_filter=None) -> Iterable[tuple[str, list[dict], np.ndarray]]:
    """Per stage of ``stages``: the distinct lineage details of its entries in about SCORE_SAMPLE_ROWS
    records spread over every file, parsed once, and each entry's position among them, in entry order.

    Records share details (the scores are rounded), so the details are parsed and mapped per distinct
    string and fanned out to the entries with numpy, not one by one."""
    if dataset is None or not stages:
        return
    entries = []
    for batch in sample_batches(dataset, ["lineage"], SCORE_SAMPLE_ROWS, 4096, row_filter):
        flat = pc.list_flatten(batch.column("lineage"))
        if len(flat):
            entries.append(flat.filter(pc.is_in(pc.struct_field(flat, "stage"), pa.array(sorted(stages)))))
    if not entries:
        return
    entries = pa.concat_arrays(entries)
    stage_of = pc.struct_field(entries, "stage")
    for stage in sorted(stages):
        mine = entries.filter(pc.equal(stage_of, stage))
        if not len(mine):
            continue
        encoded = pc.fill_null(pc.struct_field(mine, "detail"), "{}").dictionary_encode()
        details = [orjson.loads(d or "{}") for d in encoded.dictionary.to_pylist()]
        yield stage, details, encoded.indices.to_numpy(zero_copy_only=False)


def _model_cards(stage_config: dict) -> dict[str, dict]:
    """{model name: {"thresholds": {label: threshold}, "scoring": ..., "negative": ...}}: the model card's
    thresholds overridden by the stage's config, and how the model's score is formed.

    Keys ``model``/``model_<lang>`` name the models, ``thresholds``/``thresholds_<lang>`` the overrides;
    the high-risk model's ``hazard_`` label prefix is dropped so its domains match the config's keys."""
    out = {}
    for key, path in stage_config.items():
        if not key.startswith("model") or not isinstance(path, str):
            continue
        suffix = key.removeprefix("model")
        sidecar = Path(path) if Path(path).is_absolute() or Path(path).exists() else MODELS_DIR / path
        sidecar = sidecar.with_suffix(".json")
        card = json.loads(sidecar.read_text()) if sidecar.is_file() else {}
        merged = {label.removeprefix("hazard_"): t for label, t in card.get("thresholds", {}).items()}
        merged.update(stage_config.get(f"thresholds{suffix}") or {})
        out[Path(path).stem] = {"thresholds": merged, "scoring": card.get("scoring"),
                                "negative": card.get("negative_label")}  # fmt: skip
    return out


def _plotted_scores(scores: dict[str, float], card: dict) -> dict[str, float]:
    """The numbers the stage compared with its thresholds: each label's probability, or for a model that
    scores by risk (1 - P(negative label)) that risk, under the most likely non-negative label."""
    negative = card.get("negative")
    if card.get("scoring") != "risk" or negative not in scores:
        return {label.removeprefix("hazard_"): float(p) for label, p in scores.items()}
    others = {label: p for label, p in scores.items() if label != negative}
    if not others:
        return {}
    top = max(others, key=others.get)
    return {top.removeprefix("hazard_"): 1.0 - float(scores[negative])}


def classifier_scores(out_dir: Path, manifest: dict, configs: dict[str, dict]) -> list[dict]:
    """Score samples per (stage, model, label) from lineage details that carry ``scores``, with thresholds."""
    stages = {name for name, cfg in configs.items() if any(k.startswith("model") for k in cfg)}
    if not stages:
        return []
    cards = {stage: _model_cards(configs[stage]) for stage in stages}
    values: dict[tuple[str, str], dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    sources = []
    if manifest.get("dataset_version") is not None:
        table = open_table(dataset_dir(out_dir), version=manifest["dataset_version"])
        sources.append((table.to_pyarrow_dataset() if table else None, None))
    sources.append((_rejects_of_run(out_dir, manifest["run_id"]), pc.field("run_id") == manifest["run_id"]))
    for dataset, row_filter in sources:
        for stage, details, entry_detail in _lineage_details(dataset, stages, row_filter):
            # each (model, label)'s plotted score per distinct detail, then gathered for the entries in order
            per_detail: dict[tuple[str, str], tuple[np.ndarray, np.ndarray]] = {}
            for i, detail in enumerate(details):
                model = detail.get("model", stage)
                for label, p in _plotted_scores(detail.get("scores") or {}, cards[stage].get(model, {})).items():
                    if (model, label) not in per_detail:
                        per_detail[(model, label)] = (np.zeros(len(details)), np.zeros(len(details), dtype=bool))
                    per_detail[(model, label)][0][i] = p
                    per_detail[(model, label)][1][i] = True
            for (model, label), (scores, has_score) in per_detail.items():
                taken = entry_detail[has_score[entry_detail]]
                values[(stage, model)][label].extend(scores[taken].tolist())
    groups = []
    for (stage, model), labels in sorted(values.items()):
        card = cards[stage].get(model, {})
        thresholds = card.get("thresholds", {})
        plotted = {label: v for label, v in sorted(labels.items()) if label in thresholds}
        if plotted:
            groups.append({"stage": stage, "model": model, "scores": plotted, "thresholds": thresholds,
                           "scoring": card.get("scoring") or "probability",
                           "records": sum(len(v) for v in plotted.values()) if card.get("scoring") == "risk"
                           else max(len(v) for v in plotted.values())})  # fmt: skip
    return groups


def source_rows(manifest: dict) -> list[dict]:
    controls = manifest.get("controls") or {}
    licensing = (controls.get("licensing") or {}).get("sources", {})
    rollup = controls.get("source_rollup") or {}
    per_source = (manifest.get("counts") or {}).get("per_source", {})
    rows = []
    for source in manifest["config"]["sources"]:
        name = source["name"]
        verdict = licensing.get(name) or {}
        rates = (rollup.get("sources") or {}).get(name)
        counts = per_source.get(name, {})
        rows.append(
            {
                "name": name,
                "license": source["license"],
                "basis": source["basis"],
                "evidence": source["evidence"],
                "owner": source.get("owner") or "",
                "verdict": verdict.get("verdict"),
                "verdict_why": (verdict.get("verdict_detail") or {}).get("failing_branch")
                or (verdict.get("verdict_detail") or {}).get("use_not_allowed"),
                "kept": counts.get("kept", 0),
                "rejected": counts.get("rejected", 0),
                "rejected_by": counts.get("rejected_by", {}),
                "rate": rates["rate"] if rates else None,
                "threshold": rates["threshold"] if rates else rollup.get("threshold"),
                "excluded": rates["excluded"] if rates else None,
            }
        )
    return rows


def _prefixed(counters: dict[str, int], prefix: str) -> dict[str, int]:
    return {k.removeprefix(prefix): v for k, v in sorted(counters.items()) if k.startswith(prefix)}


def pii_section(manifest: dict, configs: dict) -> dict | None:
    if "pii" not in configs:
        return None
    config = configs["pii"]
    counters = manifest.get("counters", {})
    modes = config.get("modes") or {}
    default = config.get("default_mode", "redact")
    entities = _prefixed(counters, "pii:entity:")
    return {
        "entities": [{"type": t, "count": n, "mode": modes.get(t, default)} for t, n in sorted(entities.items(), key=lambda kv: -kv[1])],
        "modified": counters.get("pii:modify", 0),
        "rejected": _prefixed(counters, "pii:rejected:"),
        "checked": counters.get("pii:input", 0),
        "default_mode": default,
        "on_residual": config.get("on_residual"),
    }


def secrets_section(manifest: dict, configs: dict) -> dict | None:
    counters = manifest.get("counters", {})
    out = {}
    for stage in ("classified", "credentials"):
        if stage in configs:
            out[stage] = {
                "checked": counters.get(f"{stage}:input", 0),
                "rejected": _prefixed(counters, f"{stage}:rejected:"),
                "annotated": counters.get(f"{stage}:annotate", 0),
                "redacted": counters.get(f"{stage}:modify", 0),
                "hits": _prefixed(counters, f"{stage}:credential:"),
                "action": configs[stage].get("action"),
            }
    return out or None


def review_section(out_dir: Path, version: int | None) -> dict | None:
    """Manual spot-check reviews of this version (OUT_DIR/reviews), newest first."""
    if version is None:
        return None
    table = open_table(storage.join(out_dir, "reviews"))
    if table is None:
        return None
    rows = table.to_pyarrow_dataset().to_table(filter=pc.field("version") == version).to_pylist()
    rows.sort(key=lambda r: r["reviewed_at"], reverse=True)
    return {"reviews": rows, "latest": rows[0] if rows else None}


def annotation_audits(out_dir: Path, run_dir: Path) -> list[dict]:
    """Annotation-audit reports (``steward audit-annotations``) under OUT_DIR or beside it (local OUT_DIR only)."""
    if storage.is_remote(out_dir):
        return []
    out_dir = Path(out_dir)
    found = []
    for path in sorted({*out_dir.glob("*/report.json"), *out_dir.parent.glob("*/report.json")}):
        try:
            report = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        if not isinstance(report, dict) or "audit_id" not in report:
            continue
        html = path.with_suffix(".html")
        metrics, gate = report.get("metrics", {}), report.get("gate", {})
        found.append(
            {
                "name": (report.get("config") or {}).get("name") or path.parent.name,
                "audit_id": report["audit_id"],
                "alpha": metrics.get("alpha"),
                "alpha_ci": metrics.get("alpha_ci") or {},
                "level": metrics.get("level"),
                "passed": gate.get("passed"),
                "band": gate.get("band"),
                "items": (report.get("counts") or {}).get("items"),
                "html": os.path.relpath(html, run_dir) if html.exists() else None,
            }
        )
    return found


def machine_check_section(manifest: dict, stages: list[str]) -> dict | None:
    from transforms.annotations.spotcheck import machine_check, stage_counts_from_counters

    counts = stage_counts_from_counters(manifest.get("counters", {}), stages)
    if not counts:
        return None
    return machine_check(counts, (manifest.get("counts") or {}).get("input", 0))


def _flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            out.update(_flatten(v, f"{prefix}.{k}" if prefix else str(k)))
        return out
    return {prefix: value}


def config_diff(old: dict, new: dict) -> list[dict]:
    """Keys whose value differs between the job configs of two run manifests, sources and stages keyed by name."""

    def keyed(manifest: dict) -> dict:
        config = manifest["config"]
        return {**config, "sources": {s["name"]: s for s in config["sources"]}, "stages": stage_configs(manifest)}

    a, b = _flatten(keyed(old)), _flatten(keyed(new))
    return [{"key": k, "old": a.get(k), "new": b.get(k)} for k in sorted(a.keys() | b.keys()) if a.get(k) != b.get(k)]


def version_section(out_dir: Path, manifest: dict) -> dict:
    version, parent = manifest.get("dataset_version"), manifest.get("parent_version")
    known = {v["version"]: v for v in versions(out_dir)}
    section: dict[str, Any] = {"version": version, "parent": parent, "history": list(known.values())}
    if version is not None and parent is not None and {version, parent} <= known.keys():
        section["diff"] = diff_versions(out_dir, parent, version)
    parent_run = known.get(parent, {}).get("run_id") if parent is not None else None
    section["parent_run"] = parent_run
    if parent_run:
        parent_manifest = read_manifest(manifest_path(out_dir, parent_run))
        section["config_diff"] = config_diff(parent_manifest, manifest) if parent_manifest is not None else None
    return section


def lineage_run_id(run_dir: Path) -> str | None:
    path = run_dir / "openlineage.jsonl"
    if not path.exists():
        return None
    for line in path.read_text().splitlines():
        return json.loads(line).get("run", {}).get("runId")
    return None


def clause_rows(manifest: dict, configs: dict, rejects: list[dict], context: dict) -> list[dict]:
    """One row per clause of the clause map: controls, their configuration, findings, status."""
    spec = yaml.safe_load(CLAUSE_MAP.read_text())
    gate = (manifest.get("gate") or {}).get("expectations", [])
    rows = []
    for clause in spec["clauses"]:
        def matches(text: str | None) -> bool:
            return any(part.startswith(prefix) for part in _clause_parts(text) for prefix in clause["matches"])

        counters = manifest.get("counters") or {}
        controls = [{"stage": s, "config": configs[s], **control_found(s, counters, rejects, matches)}
                    for s in clause["stages"] if s in configs]  # fmt: skip
        missing = [s for s in clause["stages"] if s not in configs]
        found = Counter()
        for r in rejects:
            if matches(r["clause"]):
                found[f"{r['stage']}/{r['reason']}"] += r["records"]
        evidence, failed = [], False
        for kind in clause["evidence"]:
            item = _evidence(kind, manifest, gate, matches, context)
            if item is not None:
                evidence.append(item)
                failed |= item["status"] == FAIL
        covered = controls or any(e["status"] != PENDING for e in evidence)
        if not covered:
            status = NOT_COVERED  # a pending check (e.g. no spot check yet) is not coverage
        elif failed or manifest.get("status") == "failed":
            status = FAIL
        else:
            status = PASS
        rows.append({**clause, "controls": controls, "missing": missing, "rejects": dict(found.most_common()),
                     "rejected": sum(found.values()), "evidence": evidence, "status": status,
                     "found": sum(c["found"] for c in controls)})  # fmt: skip
    return rows


def control_found(stage: str, counters: dict[str, int], rejects: list[dict], matches) -> dict:
    """What one control found for one clause: records checked, and records it rejected under that
    clause, modified (de-identified, redacted) or labelled, with the detail that says what."""
    rejected = Counter()
    for r in rejects:
        if r["stage"] == stage and matches(r["clause"]):
            rejected[r["reason"]] += r["records"]
    parts = []
    n_rejected = sum(rejected.values())
    if n_rejected:
        top = ", ".join(f"{reason} {n:,}" for reason, n in rejected.most_common(3))
        parts.append(f"{n_rejected:,} rejected ({top}{', …' if len(rejected) > 3 else ''})")
    modified = counters.get(f"{stage}:modify", 0)
    if modified:
        identifiers = sum(n for name, n in counters.items() if name.startswith(f"{stage}:entity:"))
        secrets = sum(n for name, n in counters.items() if name.startswith(f"{stage}:credential:"))
        if identifiers:
            parts.append(f"{identifiers:,} identifiers replaced in {modified:,} records")
        elif secrets:
            parts.append(f"{secrets:,} secrets redacted in {modified:,} records")
        else:
            parts.append(f"{modified:,} records modified")
    annotated = counters.get(f"{stage}:annotate", 0)
    detected = counters.get(f"{stage}:detected", 0)
    if annotated or detected:
        parts.append(f"{max(annotated, detected):,} labelled")
    return {
        "checked": counters.get(f"{stage}:input", 0),
        "found": n_rejected + modified + max(annotated, detected),
        "found_text": "; ".join(parts) or "nothing found",
    }


def _evidence(kind: str, manifest: dict, gate: list[dict], matches, context: dict) -> dict | None:
    """One check outside the stage list for the clause map, or None where this run has none."""
    if kind == "gate":
        mine = [e for e in gate if matches(e.get("clause"))]
        if not mine:
            return None
        bad = [e for e in mine if not e["success"]]
        return {"kind": "gate", "status": FAIL if bad else PASS,
                "text": f"{len(mine) - len(bad)}/{len(mine)} gate expectations passed"}  # fmt: skip
    if kind == "versions":
        version, history = manifest.get("dataset_version"), context["version"]["history"]
        if version is None:
            return {"kind": "versions", "status": PASS if manifest.get("status") == "gate_failed" else FAIL,
                    "text": f"nothing published ({manifest.get('status')}); the current version stays as it was"}  # fmt: skip
        return {"kind": "versions", "status": PASS,
                "text": f"published as Delta version {version} (parent {manifest.get('parent_version')}); "
                        f"{len(history)} versions kept, any can be restored with steward rollback"}  # fmt: skip
    if kind == "spot_check":
        reviews = context.get("reviews")
        latest = reviews and reviews["latest"]
        if not latest:
            return {"kind": "spot_check", "status": PENDING, "text": "no manual spot-check review of this version yet"}
        return {"kind": "spot_check", "status": PASS if latest["approved"] else FAIL,
                "text": f"manual review: {latest['n_pass']}/{latest['n_reviewed']} qualified = {latest['rate']:.2%} "
                        f"(95% CI {latest['ci_low']:.2%}–{latest['ci_high']:.2%}; needs ≥ {latest['threshold']:.0%} "
                        f"on ≥ {latest['min_sample']:,})"}  # fmt: skip
    if kind == "machine_check":
        check = context.get("machine_check")
        if not check:
            return None
        return {"kind": "machine_check", "status": PASS if check["passed"] else FAIL,
                "text": f"keyword + classifier checked {check['share']:.1%} of the corpus (≥ {check['min_share']:.0%}), "
                        f"pass rate {check['pass_rate']:.2%} (≥ {check['min_pass_rate']:.0%})"}  # fmt: skip
    if kind == "annotation_audit":
        audits = context.get("audits")
        if not audits:
            return None
        bad = [a for a in audits if not a["passed"]]
        return {"kind": "annotation_audit", "status": FAIL if bad else PASS,
                "text": f"{len(audits) - len(bad)}/{len(audits)} annotation audits passed their agreement gate"}  # fmt: skip
    raise ValueError(f"clause_map.yaml: unknown evidence kind {kind!r}")


# --- plots -------------------------------------------------------------------------------------------


KEPT_COLOUR, REJECT_COLOUR, ACCENT = "#3b7dd8", "#d9534f", "#444444"
RISK_COLOURS = ["#9ccc65", "#ffd54f", "#ffa726", "#ef5350", "#8e24aa"]


def import_rendering() -> None:
    """Import what rendering the page needs (jinja2), e.g. ahead of it on a thread."""
    import jinja2  # noqa: F401


def funnel_plot(stages: list[dict]) -> str | None:
    """Kept and rejected records per stage; the legend sits above the bars, where no bar can be."""
    if not stages:
        return None
    return charts.horizontal_bars([s["stage"] for s in stages],
                                  [("kept", [s["kept"] for s in stages], KEPT_COLOUR),
                                   ("rejected", [s["rejected"] for s in stages], REJECT_COLOUR)],
                                  "records", row=21.6, plot_width=300.0, legend=True)  # fmt: skip


def bar_plot(labels: list[str], values: list[int], xlabel: str, colours=None) -> str | None:
    if not labels or not any(values):
        return None
    return charts.horizontal_bars(labels, [("", values, colours or KEPT_COLOUR)], xlabel, row=20.2, plot_width=220.0,
                                  value_labels=True)  # fmt: skip


def score_plot(group: dict) -> str:
    """One histogram of 20 bins over [0, 1] per label, with the label's threshold."""
    panels = [(label, charts.score_bins(scores), group["thresholds"].get(label)) for label, scores in group["scores"].items()]
    xlabel = "1 − P(benign)" if group.get("scoring") == "risk" else "score"
    return charts.histograms(panels, xlabel, "records", KEPT_COLOUR, REJECT_COLOUR)


# --- rendering ---------------------------------------------------------------------------------------


def build_context(out_dir: str | Path, run_id: str, run_dir: Path | None = None) -> dict[str, Any]:
    """``run_dir``: a local folder holding the run's files (default ``OUT_DIR/runs/<run_id>``, local)."""
    out_dir = str(out_dir)
    run_dir = Path(run_dir) if run_dir is not None else Path(storage.join(out_dir, "runs", run_id))
    local = run_dir / "manifest.json"
    location = local if local.exists() else manifest_path(out_dir, run_id)
    if (manifest := read_manifest(location)) is None:
        raise FileNotFoundError(f"no readable manifest for run {run_id} ({location})")
    configs = stage_configs(manifest)
    controls = manifest.get("controls") or {}
    rejects = reject_groups(out_dir, manifest)
    counts = manifest.get("counts") or {}
    stages = manifest.get("stages") or []
    spec = yaml.safe_load(CLAUSE_MAP.read_text())

    by_risk = Counter()
    for r in rejects:
        by_risk[r["risk_level"]] += r["records"]
    if not any(by_risk.get(level) for level in RISK_LEVELS):
        by_risk.update(counts.get("by_risk_level", {}))
    context: dict[str, Any] = {
        "m": manifest,
        "run_id": run_id,
        "generated_at": datetime.now().astimezone().isoformat(timespec="seconds"),
        "lineage_run_id": lineage_run_id(run_dir),
        "counts": counts,
        "balanced": bool(counts) and counts["input"] == counts["kept"] + counts["rejected"],
        "stages": stages,
        "configs": configs,
        "rejects": rejects,
        "risk_levels": [{"level": level, "records": by_risk.get(level, 0)} for level in RISK_LEVELS],
        "sources": source_rows(manifest),
        "pii": pii_section(manifest, configs),
        "dedup": controls.get("dedup"),
        "secrets": secrets_section(manifest, configs),
        "aigc": controls.get("aigc"),
        "rollup": controls.get("source_rollup"),
        "classifiers": classifier_scores(out_dir, manifest, configs),
        "other_controls": {k: _flatten(v) for k, v in controls.items() if k not in ("licensing", "dedup", "aigc", "source_rollup")},
        "gate": manifest.get("gate"),
        "data_docs": _data_docs(run_dir),
        "reviews": review_section(out_dir, manifest.get("dataset_version")),
        "audits": annotation_audits(out_dir, run_dir),
        "machine_check": machine_check_section(manifest, spec.get("machine_check_stages", [])),
        "version": version_section(out_dir, manifest),
    }
    context["clauses"] = clause_rows(manifest, configs, rejects, context)
    context["plots"] = {
        "funnel": funnel_plot(stages),
        "risk": bar_plot([r["level"] for r in context["risk_levels"]], [r["records"] for r in context["risk_levels"]],
                         "rejected records", RISK_COLOURS),  # fmt: skip
        "pii": context["pii"] and bar_plot([e["type"] for e in context["pii"]["entities"]],
                                           [e["count"] for e in context["pii"]["entities"]], "entities replaced"),  # fmt: skip
        "dedup": context["dedup"] and bar_plot(list(context["dedup"].get("cluster_sizes", {})),
                                               list(context["dedup"].get("cluster_sizes", {}).values()), "clusters"),  # fmt: skip
        "scores": [score_plot(g) for g in context["classifiers"]],
    }
    return context


def _data_docs(run_dir: Path) -> str | None:
    index = run_dir / "gx" / "uncommitted" / "data_docs" / "local_site" / "index.html"
    return os.path.relpath(index, run_dir) if index.exists() else None


def render(context: dict[str, Any]) -> str:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATE_DIR), autoescape=True, undefined=jinja2.ChainableUndefined,
        trim_blocks=True, lstrip_blocks=True,
    )  # fmt: skip
    env.filters["num"] = lambda v: "—" if v is None else f"{v:,}" if isinstance(v, int) else f"{v:,.4g}" if isinstance(v, float) else v
    env.filters["pct"] = lambda v: "—" if v is None else f"{v:.2%}"
    env.filters["json"] = lambda v: json.dumps(v, ensure_ascii=False, default=str)
    env.filters["safe_svg"] = lambda svg: jinja2.utils.markupsafe.Markup(svg or "")
    return env.get_template("report.html.j2").render(**context)


def write_report(out_dir: str | Path, run_id: str, run_dir: Path | None = None) -> Path | str:
    """Render ``OUT_DIR/runs/<run_id>/report.html`` from what the run left behind; return its location.

    ``run_dir`` is a local folder holding the run's files (the run itself passes its working
    folder); without it a remote run folder is fetched into a temporary one and the report uploaded.
    """
    target = storage.join(out_dir, "runs", run_id)
    if run_dir is None and storage.is_remote(out_dir):
        with storage.local_folder(target, download=True) as local:
            write_report(out_dir, run_id, run_dir=local)
        return storage.join(target, REPORT_FILE)
    html = render(build_context(out_dir, run_id, run_dir))
    folder = Path(run_dir) if run_dir is not None else Path(target)
    path = folder / REPORT_FILE
    tmp = path.with_suffix(".html.tmp")
    tmp.write_text(html, encoding="utf-8")
    tmp.replace(path)
    return path if not storage.is_remote(out_dir) else storage.join(target, REPORT_FILE)
