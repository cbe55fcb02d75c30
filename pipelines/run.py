"""The run lifecycle: validate → lock the output → clean up after dead runs → lineage START → Beam
pipeline → gate → rejects → manifest (publishing) → dataset commit → manifest (published) → lineage end.

The dataset's Delta commit is the one visibility point (see :mod:`pipelines.outdir`): a kill at any
instant leaves either a version with its rejects and manifest, or nothing of the run published.
SIGINT and SIGTERM abort the run: an ABORT lineage event, a manifest with status ``aborted``, its
staging removed. Exit status: 0 published, 2 gate failed (nothing published), 1 error,
128 + the signal's number when aborted.
"""

from __future__ import annotations

import contextlib
import json
import signal
import threading
import os
import tempfile
import time
import traceback
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator

import pyarrow.dataset as ds
from apache_beam.options.pipeline_options import DirectOptions, PipelineOptions
from openlineage.client.uuid import generate_new_uuid

from expectations.gate import GateResult, import_gx, record_stat_columns, record_stats_schema, run_gate
from pipelines.config import JobConfig, create_stages, load_config
from pipelines.graph import pipeline_options, run_pipeline
from pipelines.lineage import LineageEmitter, gate_failure_message
from pipelines.outdir import (
    chain_link,
    check_target,
    lock_output,
    manifest_path,
    recover,
    write_manifest,
)
from pipelines.publish import (
    PendingCommit,
    append_rejects,
    commit_dataset,
    dataset_dir,
    open_table,
    rejects_dir,
    remove_rejects,
    staged,
)
from pipelines.progress import watch as watch_progress
from pipelines.report import import_rendering, write_report
from pipelines.version import code_version
from transforms.core import storage
from transforms.core.stage import RunContext, Stage
from transforms.ingest.readers import FILES, expand_sources
from transforms.core.records import RECORD_SCHEMA, REJECT_SCHEMA
from transforms.annotations.spotcheck import MACHINE_CHECK_STAGES, machine_check, stage_counts_from_counters

EXIT_PUBLISHED, EXIT_ERROR, EXIT_GATE_FAILED = 0, 1, 2


@dataclass
class RunOutcome:
    run_id: str
    status: str  # published | gate_failed | failed | aborted
    manifest: dict[str, Any]
    stages: list[dict[str, Any]] = field(default_factory=list)
    gate: GateResult | None = None
    error: str | None = None
    notes: list[str] = field(default_factory=list)  # what the run cleaned up or warns about, one line each
    signal: int | None = None  # the signal that aborted it

    @property
    def exit_code(self) -> int:
        if self.status == "aborted" and self.signal:
            return 128 + self.signal
        return {"published": EXIT_PUBLISHED, "gate_failed": EXIT_GATE_FAILED}.get(self.status, EXIT_ERROR)


@dataclass
class _Prepared:
    """What a run makes of its config and Beam arguments before it writes anything: a stage that cannot
    be created or an option Beam refuses stops it there, with nothing to clean up."""

    stages: list[Stage]
    options: PipelineOptions
    beam_args: list[str]


class RunAborted(BaseException):
    """SIGINT or SIGTERM arrived (a BaseException, so no stage or library swallows it as an error)."""

    def __init__(self, signum: int):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


class _Interrupts:
    """SIGINT/SIGTERM handlers for the run (main thread only). While ``defer`` is set (publishing,
    cleaning up) a signal is only noted; :meth:`checkpoint` raises it where aborting is safe."""

    def __init__(self):
        self.received: int | None = None
        self.defer = False
        self._previous: dict[int, Any] = {}

    def _handle(self, signum, frame) -> None:
        self.received = self.received or signum
        if not self.defer:
            raise RunAborted(signum)

    def checkpoint(self) -> None:
        if self.received:
            raise RunAborted(self.received)

    def __enter__(self):
        if threading.current_thread() is threading.main_thread():
            for signum in (signal.SIGINT, signal.SIGTERM):
                self._previous[signum] = signal.signal(signum, self._handle)
        return self

    def __exit__(self, *exc) -> None:
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)


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


def _input_notes(inputs: list[dict], sources) -> list[str]:
    """One line per source whose records were refused as not UTF-8 but read as Chinese in GB18030, and per source
    whose records mostly lack its text_field (with the usual text fields they have instead)."""
    totals: dict[str, Counter] = defaultdict(Counter)
    seen: dict[str, set[str]] = defaultdict(set)
    for fingerprint in inputs:
        totals[fingerprint["source"]].update(
            {k: fingerprint.get(k, 0) for k in ("records", "gb18030_like", "missing_text")}
        )
        seen[fingerprint["source"]].update(fingerprint.get("text_fields_seen", ()))
    text_field = {s.name: s.text_field for s in sources}
    notes = []
    for source, n in sorted(totals.items()):
        if n["gb18030_like"]:
            notes.append(
                f"source {source}: {n['gb18030_like']:,} record(s) rejected as invalid_utf8 read as Chinese in GB18030; "
                "if its files are GBK / GB18030, set `encoding: gb18030` on the source"
            )
        if n["missing_text"] and 2 * n["missing_text"] >= n["records"]:
            instead = f"; they have {', '.join(repr(f) for f in sorted(seen[source]))}" if seen[source] else ""
            notes.append(
                f"source {source}: {n['missing_text']:,} of {n['records']:,} records have no field "
                f"{text_field.get(source)!r} (its text_field){instead}"
            )
    return notes


def execute(
    config_path: str | Path,
    beam_args: list[str] | None = None,
    on_phase=lambda phase: None,
    progress=None,
    *,
    force: bool = False,
    wait_lock: float = 0.0,
) -> RunOutcome:
    """Run one governed job end to end. Config errors (a stage that cannot be created among them) raise
    ConfigError and Beam options that Beam refuses BeamOptionsError, before anything is written; an
    output.dir that must not be written raises DangerousOutput, one held by a live run OutputLocked.

    ``progress``: a display from :func:`pipelines.progress.make_display` that shows the workers'
    live counts while the pipeline runs (None: no progress files are written)."""
    config, config_sha = load_config(config_path)
    beam_args = list(beam_args or [])
    prepared = _Prepared(create_stages(config), pipeline_options(beam_args), beam_args)
    out_dir = storage.resolve(config.output.dir, os.getcwd())  # load_config made it absolute already
    local = not storage.is_remote(out_dir)  # the lock and recovery work on local outputs (flock, rename)
    check_target(out_dir, config.job, force)
    # Signals are noted from the start and acted on once the run has a manifest to record them in.
    with _Interrupts() as interrupts, lock_output(out_dir, f"a starting run of job {config.job}", wait_lock) as announce:
        interrupts.defer = True
        # The id is made under the lock: UUIDv7 is time-ordered, so run ids order the runs of an
        # output as they happened (the manifest chain relies on it), even when several waited.
        run_id = str(generate_new_uuid())
        announce(f"run {run_id} of job {config.job}")
        if local:
            root = Path(out_dir)
            notes = recover(root, run_id, _finish_recovered(root), _abort_recovered(root), _redraw(root))
        else:
            notes = []
        outcome = _execute_locked(config, config_path, config_sha, run_id, prepared, on_phase, interrupts, progress)
    outcome.notes[:0] = notes
    return outcome


def _execute_locked(
    config: JobConfig, config_path, config_sha: str, run_id: str, prepared: _Prepared, on_phase, interrupts: "_Interrupts", progress
) -> RunOutcome:
    out_dir = storage.resolve(config.output.dir, os.getcwd())
    staging_dir = storage.join(out_dir, "_staging", run_id)
    if not storage.is_remote(staging_dir):
        os.makedirs(staging_dir, mode=0o700)  # raw text waits here: private to the user
        os.chmod(os.path.dirname(staging_dir), 0o700)
    with storage.local_folder(storage.join(out_dir, "runs", run_id)) as run_dir:
        ctx = RunContext(run_id=run_id, out_dir=out_dir, run_dir=run_dir, staging_dir=staging_dir, config=config)
        return _execute(ctx, config_path, config_sha, prepared, on_phase, interrupts, progress)


def _execute(ctx: RunContext, config_path, config_sha: str, prepared: _Prepared, on_phase, interrupts: "_Interrupts", progress) -> RunOutcome:
    config, run_id, run_dir, out_dir, staging_dir = ctx.config, ctx.run_id, ctx.run_dir, ctx.out_dir, ctx.staging_dir
    manifest: dict[str, Any] = {
        "run_id": run_id,
        "job": config.job,
        "status": "running",
        "dataset_version": None,
        "parent_version": None,
        "previous_manifest": chain_link(out_dir, run_id),
        "config_path": str(config_path),
        "config_sha256": config_sha,
        "config": config.model_dump(mode="json", serialize_as_any=True),
        "code_version": code_version(),
        "started_at": _now(),
    }
    if not config.gate.suites:
        manifest["gate_waived"] = config.gate.reason
    write_manifest(run_dir / "manifest.json", manifest)  # from here a kill leaves a run the next one resolves
    lineage = LineageEmitter(config, run_id, run_dir, dataset_dir(out_dir), prepared.beam_args)
    outcome = RunOutcome(run_id=run_id, status="failed", manifest=manifest)
    phases = _PhaseClock(manifest, on_phase)
    removals = _Removals()
    try:
        lineage.start()
        interrupts.defer = False
        interrupts.checkpoint()
        _run(config, prepared, ctx, manifest, outcome, lineage, phases, interrupts, progress, removals)
    except RunAborted as exc:
        interrupts.defer = True
        outcome.status, outcome.signal = "aborted", exc.signum
        outcome.error = f"interrupted by {exc}"
        manifest["status"], manifest["error"] = "aborted", outcome.error
        if manifest.get("rejects_appended"):
            remove_rejects(out_dir, run_id)
            manifest["rejects_appended"] = 0
        lineage.finish(False, aborted=True, error=outcome.error)
    except Exception as exc:
        interrupts.defer = True
        outcome.status = "failed"
        outcome.error = f"{type(exc).__name__}: {exc}"
        manifest["status"] = "failed"
        manifest["error"] = outcome.error
        (run_dir / "error.txt").write_text(traceback.format_exc())
        lineage.finish(False, error=outcome.error)
    finally:
        interrupts.defer = True  # a second Ctrl-C must not leave half a cleanup
        removals.start(staging_dir)  # while the report is drawn (it reads only the published outputs)
        phases("report")
        manifest["finished_at"] = _now()
        write_manifest(run_dir / "manifest.json", manifest)  # the report reads it
        try:  # the report explains the run; failing to draw it must not change the run's outcome
            write_report(out_dir, run_id, run_dir=run_dir)
        except Exception:
            (run_dir / "report_error.txt").write_text(traceback.format_exc())
        removals.wait()
        phases(None)
        write_manifest(run_dir / "manifest.json", manifest)
        if not storage.is_remote(out_dir):  # (a bucket has no empty folders)
            remove_if_empty(Path(out_dir) / "_staging")  # only the folder itself: another run's staging is its own
        prune_empty_dirs(run_dir / "gx")
    outcome.notes.extend(lineage.warnings)
    if interrupts.received and outcome.status != "aborted":
        outcome.notes.append(f"{signal.Signals(interrupts.received).name} arrived after the commit: the run completed")
    return outcome


class _Removals:
    """Removes staged folders on threads while the run goes on, and waits for them before the run ends.

    Removing the staging folder is the disk's time, not the CPU's (on a 200k-document run, 1.7 s of
    which 0.1 s CPU: the unlinked spills' pages), and the run's last phases use one core: the spills
    go while the gate and the publishing run, the rest while the report is drawn. A process killed
    meanwhile leaves the staging folder to the next run's recovery, as before. Each removal first waits
    for the earlier ones: the staging folder holds the spills, and two removals walking one tree at once
    could each skip what the other was deleting and leave folders behind."""

    def __init__(self):
        self._threads: list[threading.Thread] = []

    def after(self, thread: threading.Thread) -> None:
        """Removals started from now on wait for ``thread`` (it writes into the staging folder)."""
        self._threads.append(thread)

    def start(self, location: str) -> None:
        earlier = list(self._threads)

        def remove() -> None:
            for thread in earlier:
                thread.join()
            storage.rmtree(location)

        thread = threading.Thread(target=remove, name="remove-staging", daemon=True)
        thread.start()
        self._threads.append(thread)

    def wait(self) -> None:
        for thread in self._threads:
            thread.join()


class _Preparation:
    """Each stage's ``prepare_publish``, in plan order, on a thread started when the pipeline has
    finished, so it runs while this process reads the counts, runs the gate and commits.

    Dedup's index part was most of the publish phase (a 1M-document run: ≈ 3 s of one core, mostly
    Arrow reading, filtering and writing, which release the interpreter while the gate runs on the
    other core; at 200k: publish 0.76 → 0.45 s, bench/RESULTS.md). :meth:`result` waits and re-raises a failure at the point where ``on_publish``
    is called, so a failed preparation fails the run as the same failure in ``on_publish`` did; a run
    that does not publish never asks (a failed gate, an abort, an error) and its staging removal
    waits for the thread (:meth:`_Removals.after`)."""

    def __init__(self, stages: list[Stage], ctx: RunContext):
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._prepare, args=(stages, ctx), name="prepare-publish", daemon=True)
        self.thread.start()

    def _prepare(self, stages: list[Stage], ctx: RunContext) -> None:
        try:
            for stage in stages:
                stage.prepare_publish(ctx)
        except BaseException as exc:  # raised in the run's own thread by result()
            self.error = exc

    def result(self) -> None:
        self.thread.join()
        if self.error is not None:
            raise self.error


def remove_if_empty(folder: Path) -> None:
    """Remove ``folder`` if it is empty."""
    try:
        folder.rmdir()
    except OSError:
        pass  # absent, or not empty


def prune_empty_dirs(root: Path) -> None:
    """Remove the empty folders under ``root`` (one run's own folder), and ``root`` if it ends up
    empty: the checkpoint and plugin folders Great Expectations creates and never fills."""
    if not root.is_dir():
        return
    for folder in sorted((p for p in root.rglob("*") if p.is_dir()), key=lambda p: len(p.parts), reverse=True):
        remove_if_empty(folder)
    remove_if_empty(root)


def _finish_recovered(out_dir: Path):
    def finish(run_id: str, manifest: dict, version: int) -> None:
        # Event and report before the settled manifest: a kill in between leaves the run for the next one
        manifest.update(status="published", dataset_version=version, recovered_at=_now())
        _late_lineage(out_dir, run_id, manifest, success=True, version=version)
        write_manifest(Path(manifest_path(out_dir, run_id)), manifest)
        _redraw(out_dir)(run_id)

    return finish


def _redraw(out_dir: Path):
    def draw(run_id: str) -> None:
        try:
            write_report(out_dir, run_id)
        except Exception:  # `steward report` can draw it later
            pass

    return draw


def _abort_recovered(out_dir: Path):
    def abort(run_id: str, manifest: dict) -> None:
        remove_rejects(out_dir, run_id)
        manifest.update(status="aborted", error="interrupted: the process ended before publishing", recovered_at=_now())
        manifest["rejects_appended"] = 0
        _late_lineage(out_dir, run_id, manifest, success=False)
        write_manifest(Path(manifest_path(out_dir, run_id)), manifest)

    return abort


def _late_lineage(out_dir: Path, run_id: str, manifest: dict, success: bool, version: int | None = None) -> None:
    """The COMPLETE or ABORT event a killed run could not send, from its recorded config."""
    try:
        config = JobConfig.model_validate(manifest["config"])
    except Exception:  # a manifest from before the run recorded its config: nothing to name the job by
        return
    lineage = LineageEmitter(config, run_id, Path(manifest_path(out_dir, run_id)).parent, dataset_dir(out_dir))
    if success:
        lineage.finish(True, version=version, rows=manifest.get("counts", {}).get("kept"))
    else:
        lineage.finish(False, aborted=True, error=manifest.get("error"))


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


@contextlib.contextmanager
def _progress_folder(staging_dir: str) -> Iterator[str]:
    """Where the workers leave their progress snapshots (display only): inside the staging folder, or for a
    bucket's staging folder a local temporary one, removed when the pipeline is done."""
    if not storage.is_remote(staging_dir):
        yield storage.join(staging_dir, "_progress")
        return
    with tempfile.TemporaryDirectory(prefix="steward-progress-") as local:
        yield local


def _run(
    config: JobConfig, prepared: _Prepared, ctx: RunContext, manifest, outcome: RunOutcome, lineage, on_phase, interrupts, progress, removals: _Removals
) -> None:
    stages, options = prepared.stages, prepared.options
    ingest, controls = stages[0], stages[1:]
    files = expand_sources(config.sources, config.output.dir)
    outcome.notes.extend(_worker_notes(options, len(files)))

    on_phase("pipeline")
    gx_import = _import_gx_meanwhile(options)
    with _progress_folder(ctx.staging_dir) as progress_dir, watch_progress(progress_dir, [s.name for s in stages], progress) as watcher:
        counters = run_pipeline(options, ingest, controls, ctx, files)
        watcher.finish(counters)
    removals.start(ctx.spill_root)
    preparation = _Preparation(controls, ctx)
    removals.after(preparation.thread)
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
    outcome.notes.extend(_input_notes(inputs, config.sources))
    manifest["controls"] = {s.name: report for s in controls if (report := s.report(ctx, counters)) is not None}
    outcome.notes.extend(report["note"] for report in manifest["controls"].values() if "note" in report)
    checked = stage_counts_from_counters(counters, MACHINE_CHECK_STAGES)
    if checked:  # TC260-003: keyword + classifier check of ≥ 10% of the corpus with ≥ 98% passing
        manifest["machine_check"] = machine_check(checked, counts["input"])

    on_phase("gate")
    if gx_import is not None:
        gx_import.join()
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
    interrupts.defer = True  # from here the run publishes or aborts as a unit
    interrupts.checkpoint()
    previous = _current_version(ctx.out_dir)
    manifest["parent_version"] = previous
    pending = [PendingCommit(rejects_dir(ctx.out_dir), rejects) if rejects.count_rows() else None]
    pending.append(PendingCommit(dataset_dir(ctx.out_dir), kept) if gate.success else None)
    try:
        manifest["files"] = {"rejects": pending[0].files if pending[0] else [], "dataset": pending[1].files if pending[1] else []}
        write_manifest(ctx.run_dir / "manifest.json", manifest)  # every file a commit below adds is recorded first
        interrupts.checkpoint()
        # Rejects first: until the dataset commit below, readers ignore them (their run is not settled).
        manifest["rejects_appended"] = append_rejects(ctx.out_dir, rejects, ctx.run_id, pending[0])
        pending[0] = None
        if gate.success:
            manifest["status"] = "publishing"
            write_manifest(ctx.run_dir / "manifest.json", manifest)
            interrupts.checkpoint()  # the last instant an abort leaves nothing published
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
                    "gate": "passed" if config.gate.suites else "waived",
                    "parent_version": previous,
                },
                pending[1],
            )
            pending[1] = None
            manifest["dataset_version"] = version
            manifest["status"] = outcome.status = "published"
            preparation.result()
            for stage in controls:
                stage.on_publish(ctx, version)
        else:
            manifest["status"] = outcome.status = "gate_failed"
    finally:
        for commit in pending:
            if commit is not None:
                commit.discard()
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


def _embedded_workers(options) -> int:
    """Worker processes of the embedded runner (1 unless multi_processing)."""
    direct = options.view_as(DirectOptions)
    return (direct.direct_num_workers or 1) if direct.direct_running_mode == "multi_processing" else 1


def _worker_notes(options, n_files: int) -> list[str]:
    """A note when the embedded runner has more workers than input files: a file is read by one worker and its
    records stay there until dedup groups them, so the others wait (one 286 MB file on 2 workers: 85 s of CPU
    against 3 s in the first two minutes)."""
    workers = _embedded_workers(options)
    if n_files >= workers:
        return []
    return [f"{n_files} input file(s) for {workers} workers: a file is read by one worker, so split the corpus into "
            f"at least {workers} files to use them all"]


def _import_gx_meanwhile(options) -> threading.Thread | None:
    """Import Great Expectations, then the report's template engine, on a thread while worker
    processes run the pipeline: the imports are most of the gate's serial time (~3 s), and this
    process only coordinates meanwhile. With the workers in this process (one worker, the default)
    the thread would compete with them for the interpreter, so the gate and the report import them
    then. A failed import here is retried where it is used."""
    if _embedded_workers(options) < 2:
        return None
    thread = threading.Thread(target=_try_import_gx, name="import-gx", daemon=True)
    thread.start()
    return thread


def _try_import_gx() -> None:
    for imports in (import_gx, import_rendering):
        try:
            imports()
        except Exception:  # the gate or the report imports it again and reports what fails
            pass


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
