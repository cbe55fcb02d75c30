"""The run lifecycle: validate → lineage START → Beam pipeline → gate → commit → manifest → lineage end.

Exit status: 0 published, 2 gate failed (nothing published), 1 error.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
import time
import traceback
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pyarrow.dataset as ds
from openlineage.client.uuid import generate_new_uuid

from expectations.gate import GateResult, record_stat_columns, record_stats_schema, run_gate
from pipelines.config import JobConfig, load_config
from pipelines.graph import pipeline_options, run_pipeline
from pipelines.lineage import LineageEmitter, gate_failure_message
from pipelines.progress import watch as watch_progress
from pipelines.version import code_version
from pipelines.publish import append_rejects, commit_dataset, dataset_dir, open_table, rejects_dir, staged
from pipelines.report import write_report
from transforms.core import storage
from transforms.core.stage import RunContext
from transforms.ingest.readers import FILES, expand_sources
from transforms.core.records import RECORD_SCHEMA, REJECT_SCHEMA
from transforms.annotations.spotcheck import MACHINE_CHECK_STAGES, machine_check, stage_counts_from_counters

EXIT_PUBLISHED, EXIT_ERROR, EXIT_GATE_FAILED = 0, 1, 2


@dataclass
class RunOutcome:
    run_id: str
    status: str  # published | gate_failed | failed
    manifest: dict[str, Any]
    stages: list[dict[str, Any]] = field(default_factory=list)
    gate: GateResult | None = None
    error: str | None = None

    @property
    def exit_code(self) -> int:
        return {"published": EXIT_PUBLISHED, "gate_failed": EXIT_GATE_FAILED}.get(self.status, EXIT_ERROR)


def _now() -> str:
    return datetime.now(timezone.utc).isoformat()


def _grouped(dataset: ds.Dataset, keys: list[str]) -> list[dict]:
    table = dataset.to_table(columns=keys)
    if table.num_rows == 0:
        return []
    return table.group_by(keys).aggregate([([], "count_all")]).to_pylist()


def staged_counts(kept: ds.Dataset, rejects: ds.Dataset, input_records: int) -> dict[str, Any]:
    """Counts read back from what was actually staged, so the accounting identity is a real check."""
    by_reason = {f"{r['stage']}/{r['reason']}": r["count_all"] for r in _grouped(rejects, ["stage", "reason"])}
    per_source: dict[str, dict[str, Any]] = defaultdict(lambda: {"kept": 0, "rejected": 0, "rejected_by": {}})
    for row in _grouped(kept, ["source"]):
        per_source[row["source"]]["kept"] = row["count_all"]
    for row in _grouped(rejects, ["source", "stage", "reason"]):
        entry = per_source[row["source"]]
        entry["rejected"] += row["count_all"]
        entry["rejected_by"][f"{row['stage']}/{row['reason']}"] = row["count_all"]
    return {
        "input": input_records,
        "kept": kept.count_rows(),
        "rejected": rejects.count_rows(),
        "rejected_by": dict(sorted(by_reason.items())),
        "by_category": {r["category"]: r["count_all"] for r in _grouped(rejects, ["category"])},
        "by_risk_level": {r["risk_level"]: r["count_all"] for r in _grouped(rejects, ["risk_level"])},
        "per_source": dict(sorted(per_source.items())),
    }


def stage_rows(names: list[str], counters: dict[str, int]) -> list[dict[str, Any]]:
    return [
        {
            "stage": name,
            "input": counters.get(f"{name}:input", 0),
            "kept": counters.get(f"{name}:kept", 0),
            "rejected": counters.get(f"{name}:rejected", 0),
        }
        for name in names
    ]


def _input_fingerprints(staging_dir: str) -> list[dict]:
    """What the readers wrote: one JSON per input file (a fixed name per file, so a retried read
    overwrites it). The run's input count is the sum of their ``records``, not a runner counter."""
    return sorted(
        (json.loads(storage.read_text(p)) for p in storage.listdir(storage.join(staging_dir, FILES), "*.json")),
        key=lambda f: (f["source"], f["uri"]),
    )


def execute(
    config_path: str | Path, beam_args: list[str] | None = None, on_phase=lambda phase: None, progress=None
) -> RunOutcome:
    """Run one governed job end to end. Config errors raise ConfigError before anything is written.

    ``progress``: a display from :func:`pipelines.progress.make_display` that shows the workers'
    live counts while the pipeline runs (None: no progress files are written)."""
    config, config_sha = load_config(config_path)
    run_id = str(generate_new_uuid())  # UUIDv7: time-ordered, as OpenLineage requires a UUID
    out_dir = storage.resolve(config.output.dir, os.getcwd())  # load_config made it absolute already
    staging_dir = storage.join(out_dir, "_staging", run_id)
    with storage.local_folder(storage.join(out_dir, "runs", run_id)) as run_dir:
        ctx = RunContext(run_id=run_id, out_dir=out_dir, run_dir=run_dir, staging_dir=staging_dir, config=config)
        return _execute(ctx, config_path, config_sha, beam_args, on_phase, progress)


def _execute(ctx: RunContext, config_path, config_sha: str, beam_args, on_phase, progress=None) -> RunOutcome:
    config, run_id, run_dir, out_dir, staging_dir = ctx.config, ctx.run_id, ctx.run_dir, ctx.out_dir, ctx.staging_dir
    manifest: dict[str, Any] = {
        "run_id": run_id,
        "job": config.job,
        "status": "failed",
        "dataset_version": None,
        "parent_version": None,
        "config_path": str(config_path),
        "config_sha256": config_sha,
        "config": config.model_dump(mode="json", serialize_as_any=True),
        "code_version": code_version(),
        "started_at": _now(),
    }
    lineage = LineageEmitter(config, run_id, run_dir, dataset_dir(out_dir), beam_args)
    lineage.start()
    outcome = RunOutcome(run_id=run_id, status="failed", manifest=manifest)
    phases = _PhaseClock(manifest, on_phase)
    try:
        _run(config, beam_args or [], ctx, manifest, outcome, lineage, phases, progress=progress)
    except Exception as exc:
        outcome.status = "failed"
        outcome.error = f"{type(exc).__name__}: {exc}"
        manifest["status"] = "failed"
        manifest["error"] = outcome.error
        (run_dir / "error.txt").write_text(traceback.format_exc())
        lineage.finish(False, error=outcome.error)
    finally:
        storage.rmtree(staging_dir)
        phases("report")
        manifest["finished_at"] = _now()
        _write_manifest(run_dir, manifest)  # the report reads it
        try:  # the report explains the run; failing to draw it must not change the run's outcome
            write_report(out_dir, run_id, run_dir=run_dir)
        except Exception:
            (run_dir / "report_error.txt").write_text(traceback.format_exc())
        phases(None)
        _write_manifest(run_dir, manifest)
        if not storage.is_remote(out_dir):  # (a bucket has no empty folders)
            remove_if_empty(Path(out_dir) / "_staging")  # only the folder itself: another run's staging is its own
        prune_empty_dirs(run_dir / "gx")
    return outcome


def remove_if_empty(folder: Path) -> None:
    """Remove ``folder`` if it is empty (a run leaves no empty ``_staging/`` behind)."""
    try:
        folder.rmdir()
    except OSError:
        pass  # absent, or another run's staging is in it


def prune_empty_dirs(root: Path) -> None:
    """Remove the empty folders under ``root`` (one run's own folder), and ``root`` if it ends up
    empty: the checkpoint and plugin folders Great Expectations creates and never fills."""
    if not root.is_dir():
        return
    for folder in sorted((p for p in root.rglob("*") if p.is_dir()), key=lambda p: len(p.parts), reverse=True):
        remove_if_empty(folder)
    remove_if_empty(root)


def _write_manifest(run_dir: Path, manifest: dict) -> None:
    (run_dir / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False, default=str))


class _PhaseClock:
    """Tells ``on_phase`` which phase starts and keeps each phase's seconds in ``manifest["seconds"]``."""

    def __init__(self, manifest: dict, on_phase):
        self.seconds = manifest.setdefault("seconds", {})
        self.on_phase = on_phase
        self.phase, self.since = "start", time.perf_counter()

    def __call__(self, phase: str | None) -> None:
        now = time.perf_counter()
        self.seconds[self.phase] = round(self.seconds.get(self.phase, 0.0) + now - self.since, 3)
        self.phase, self.since = phase, now
        if phase is not None:
            self.on_phase(phase)


def _run(config: JobConfig, beam_args, ctx: RunContext, manifest, outcome: RunOutcome, lineage, on_phase, progress=None) -> None:
    stages = [entry.create() for entry in config.stages]
    ingest, controls = stages[0], stages[1:]
    files = expand_sources(config.sources)

    on_phase("pipeline")
    progress_dir = (
        storage.join(ctx.staging_dir, "_progress") if not storage.is_remote(ctx.staging_dir) else tempfile.mkdtemp(prefix="steward-progress-")
    )  # display only: a bucket staging folder gets a local one
    with watch_progress(progress_dir, [s.name for s in stages], progress) as watcher:
        counters = run_pipeline(pipeline_options(beam_args), ingest, controls, ctx, files)
        watcher.finish(counters)
    kept = staged(ctx.committed_files("kept"), RECORD_SCHEMA)
    rejects = staged(ctx.committed_files("rejects"), REJECT_SCHEMA)
    inputs = _input_fingerprints(ctx.staging_dir)
    missing = sorted({f.uri for f in files} - {i["uri"] for i in inputs})
    if missing:
        raise RuntimeError(f"{len(missing)} input file(s) have no reader fingerprint, e.g. {missing[0]}")
    counts = staged_counts(kept, rejects, sum(i["records"] for i in inputs))
    outcome.stages = stage_rows([s.name for s in stages], counters)
    manifest["counts"] = counts
    manifest["stages"] = outcome.stages
    manifest["counters"] = dict(sorted(counters.items()))
    manifest["inputs"] = inputs
    manifest["controls"] = {s.name: report for s in controls if (report := s.report(ctx, counters)) is not None}
    checked = stage_counts_from_counters(counters, MACHINE_CHECK_STAGES)
    if checked:  # TC260-003: keyword + classifier check of ≥ 10% of the corpus with ≥ 98% passing
        manifest["machine_check"] = machine_check(checked, counts["input"])

    on_phase("gate")
    record_stats = staged(ctx.committed_files("record_stats"), record_stats_schema(record_stat_columns(config.gate.suites)))
    gate = run_gate(
        config.gate.suites, record_stats, counts, ctx.run_dir, config.gate.min_published, config.gate.min_published_share
    )
    outcome.gate = gate
    manifest["gate"] = {
        "success": gate.success,
        "reason": gate.reason,
        "results_path": _run_location(ctx, gate.results_path),
        "data_docs": _run_location(ctx, gate.data_docs),
        "expectations": [vars(o) for o in gate.outcomes],
    }
    assertions = [
        {"assertion": o.expectation, "success": o.success, "column": o.column, "actual": json.dumps(o.observed, default=str)}
        for o in gate.outcomes
    ]

    on_phase("publish")
    previous = _current_version(ctx.out_dir)
    manifest["parent_version"] = previous
    if gate.success:
        version = commit_dataset(
            ctx.out_dir,
            kept,
            config.output.mode,
            {
                "run_id": ctx.run_id,
                "job": config.job,
                "config_sha256": manifest["config_sha256"],
                "code_version": manifest["code_version"],
                "inputs": [{k: f[k] for k in ("uri", "sha256", "records")} for f in manifest["inputs"]],
                "counts": {k: counts[k] for k in ("input", "kept", "rejected")},
                "gate": "passed",
                "parent_version": previous,
            },
        )
        for stage in controls:
            stage.on_publish(ctx, version)
        manifest["dataset_version"] = version
        manifest["status"] = outcome.status = "published"
    else:
        manifest["status"] = outcome.status = "gate_failed"
    manifest["rejects_appended"] = append_rejects(ctx.out_dir, rejects, ctx.run_id)
    rejects_table = open_table(rejects_dir(ctx.out_dir))
    lineage.finish(
        gate.success,
        version=manifest["dataset_version"],
        rows=counts["kept"] if gate.success else None,
        assertions=assertions,
        error=None if gate.success else gate_failure_message(gate.outcomes),
        rejects_version=rejects_table.version() if rejects_table is not None and manifest["rejects_appended"] else None,
        rejects_rows=manifest["rejects_appended"],
    )


def _run_location(ctx: RunContext, path: str | None) -> str | None:
    """Where a file of the run folder ends up: the run's working folder is a local stand-in when
    OUT_DIR is a bucket (uploaded when the run ends)."""
    if path is None or not storage.is_remote(ctx.out_dir):
        return path
    rel = os.path.relpath(path, ctx.run_dir)
    return storage.join(ctx.out_dir, "runs", ctx.run_id, *rel.split(os.sep))


def _current_version(out_dir: str) -> int | None:
    table = open_table(dataset_dir(out_dir))
    return table.version() if table is not None else None
