"""The output directory as a shared, crash-safe place: one writer at a time, dangerous targets
refused, and what a killed run left behind cleaned up or completed by the next one.

Layout: ``OUT_DIR/dataset`` and ``OUT_DIR/rejects`` (Delta), ``OUT_DIR/runs/<run_id>/manifest.json``,
``OUT_DIR/_staging/<run_id>/`` while a run is live, ``OUT_DIR/.steward.lock`` (held while a run or a
rollback writes).

Publishing is all or nothing through one visibility point, the dataset's Delta commit, which carries
the run id. Before it, the run appends its rejects (tagged with its run id) and writes its manifest
with status ``publishing``; after it, the manifest becomes ``published``. Readers (``versions``,
``trace``, ``report``, ``diff``, ``verify``) count a run's rejects only when its manifest says
``published`` or ``gate_failed``; a manifest left ``running`` or ``publishing`` by a killed process is
resolved by the next writer (:func:`recover`): committed → completed as ``published``, else
``aborted`` with its rejects removed from the rejects table.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import socket
import time
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterator

from transforms.core import storage

LOCK_NAME = ".steward.lock"
UNFINISHED = ("running", "publishing")  # a live run's statuses; on disk without a live run: a killed run
SETTLED_WITH_REJECTS = ("published", "gate_failed")


class OutputLocked(RuntimeError):
    """Another live run (or rollback) holds the output directory."""


class DangerousOutput(ValueError):
    """output.dir points somewhere a run must not write without being told to (one-line message)."""


def _now() -> str:
    return datetime.now(timezone.utc).isoformat()


# --- lock ------------------------------------------------------------------------------------------


@contextmanager
def output_lock(out_dir: Path, holder: str, wait_seconds: float = 0.0) -> Iterator[Callable[[str], None]]:
    """Hold ``OUT_DIR/.steward.lock`` (an exclusive ``flock``) for the block; yields a function
    that renames the holder (a run names itself once it has its id).

    The kernel drops the lock when its process dies, so a killed run never leaves a stale lock.
    Another holder: wait up to ``wait_seconds``, then raise :class:`OutputLocked` naming it.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    handle = open(out_dir / LOCK_NAME, "a+", encoding="utf-8")
    deadline = time.monotonic() + wait_seconds
    try:
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise OutputLocked(f"{out_dir} is in use by {_holder(out_dir)}; wait for it, or pass --wait-lock SECONDS") from None
                time.sleep(0.2)
        since = _now()

        def announce(name: str) -> None:
            handle.seek(0)
            handle.truncate()
            handle.write(json.dumps({"holder": name, "pid": os.getpid(), "host": socket.gethostname(), "since": since}))
            handle.flush()

        announce(holder)
        try:
            yield announce
        finally:
            handle.seek(0)
            handle.truncate()
            handle.flush()
            fcntl.flock(handle, fcntl.LOCK_UN)
    finally:
        handle.close()


def lock_output(out_dir: str, holder: str, wait_seconds: float = 0.0):
    """:func:`output_lock` on a local output. Object storage has no ``flock``, so an output there is not
    locked (and no local ``s3:/…`` directory is made for it)."""
    if storage.is_remote(out_dir):
        return _unlocked()
    return output_lock(Path(out_dir), holder, wait_seconds)


@contextmanager
def _unlocked() -> Iterator[Callable[[str], None]]:
    yield lambda holder: None


def _holder(out_dir: Path) -> str:
    try:
        info = json.loads((out_dir / LOCK_NAME).read_text())
        return f"{info['holder']} (pid {info['pid']} on {info['host']}, since {info['since']})"
    except (OSError, ValueError, KeyError):
        return "another run"


# --- refusing dangerous targets --------------------------------------------------------------------


def check_target(out_dir: str | Path, job: str, force: bool = False) -> None:
    """Refuse (one line) an output.dir that is a file, is itself a Delta table, or holds another job's
    dataset: a local path or an object-store URI."""
    out_dir = str(out_dir)
    if storage.exists(out_dir) and not storage.is_dir(out_dir):
        raise DangerousOutput(f"output.dir: {out_dir} is a file, not a directory")
    if storage.is_dir(storage.join(out_dir, "_delta_log")):
        raise DangerousOutput(f"output.dir: {out_dir} is itself a Delta table; point it at a directory of its own")
    owner = dataset_job(out_dir)
    if owner is not None and owner != job and not force:
        raise DangerousOutput(
            f"output.dir: {out_dir} holds the dataset of job {owner!r}, not {job!r}; "
            "choose another output.dir, or pass --force to replace it"
        )


def dataset_job(out_dir: str | Path) -> str | None:
    """The job that published the dataset under ``out_dir`` ('' for a Delta table datasteward did not write)."""
    commits = storage.listdir(storage.join(out_dir, "dataset", "_delta_log"), "*.json")
    if not commits:
        return None
    for commit in reversed(commits):
        for line in storage.read_text(commit).splitlines():
            info = json.loads(line).get("commitInfo")
            if info is not None:
                job = info.get("datasteward.job")
                if job is not None:
                    return job
    return ""


# --- manifests -------------------------------------------------------------------------------------


def runs_dir(out_dir: str | Path) -> str:
    return storage.join(out_dir, "runs")


def manifest_path(out_dir: str | Path, run_id: str) -> str:
    return storage.join(runs_dir(out_dir), run_id, "manifest.json")


def run_ids(out_dir: str | Path) -> list[str]:
    """Runs that wrote a manifest, oldest first (run ids are UUIDv7, so their order is time order)."""
    return sorted(
        storage.basename(d) for d in storage.listdir(runs_dir(out_dir), dirs=True) if storage.exists(storage.join(d, "manifest.json"))
    )


def write_manifest(path: Path, manifest: dict) -> None:
    """Atomically: a reader (or a kill) sees the old manifest or the new one, never half of one."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(manifest, indent=2, ensure_ascii=False, default=str), encoding="utf-8")
    os.replace(tmp, path)


def read_manifest(location: str | Path) -> dict | None:
    """The manifest at ``location`` (a path or URI), None when it is missing or not JSON: every reader of
    manifests comes through here, each saying what None means where it reads."""
    try:
        return json.loads(storage.read_text(location))
    except (OSError, ValueError):
        return None


def file_sha256(location: str | Path) -> str:
    digest = hashlib.sha256()
    with storage.open_input(location) as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def chain_link(out_dir: str | Path, run_id: str) -> dict | None:
    """The previous run's manifest (by run id, i.e. start time) and the sha256 of its bytes."""
    previous = [r for r in run_ids(out_dir) if r < run_id]
    if not previous:
        return None
    return {"run_id": previous[-1], "sha256": file_sha256(manifest_path(out_dir, previous[-1]))}


def settled_runs(out_dir: str | Path) -> dict[str, str]:
    """run id -> status of every run whose manifest is final (the reader-side rule's input)."""
    statuses = {}
    for run_id in run_ids(out_dir):
        manifest = read_manifest(manifest_path(out_dir, run_id))
        if manifest is not None and manifest.get("status") not in UNFINISHED:
            statuses[run_id] = manifest.get("status")
    return statuses


def runs_with_rejects(out_dir: str | Path) -> set[str]:
    """Runs whose rejects count: their manifest says published or gate_failed."""
    return {run for run, status in settled_runs(out_dir).items() if status in SETTLED_WITH_REJECTS}


# --- what a killed run left behind -----------------------------------------------------------------


def recover(out_dir: Path, current_run: str, finish_published, abort_unpublished, draw_report) -> list[str]:
    """Clean up after runs that died (call with the lock held): remove their staging, complete a
    run killed after its commit (``finish_published(run_id, manifest, version)``), abort one killed
    before it (``abort_unpublished(run_id, manifest)``), draw the report a published run was killed
    before drawing (``draw_report(run_id)``). Returns one line per thing done."""
    out_dir = Path(out_dir)
    notes = []
    staging_root = out_dir / "_staging"
    for staging in sorted(staging_root.glob("*")) if staging_root.is_dir() else []:
        if staging.name == current_run:
            continue
        size = sum(p.stat().st_size for p in staging.rglob("*") if p.is_file())
        shutil.rmtree(staging, ignore_errors=True)
        notes.append(f"removed the staging of interrupted run {staging.name} ({size / 1e6:.1f} MB)")
    if staging_root.is_dir() and not any(staging_root.iterdir()):
        staging_root.rmdir()
    committed = committed_runs(out_dir)
    runs = Path(runs_dir(out_dir))
    for run_dir in sorted(runs.glob("*")) if runs.is_dir() else []:
        if run_dir.name == current_run or not run_dir.is_dir():
            continue
        path = run_dir / "manifest.json"
        manifest = read_manifest(path)
        if manifest is None:
            manifest = {"run_id": run_dir.name, "status": "running"}
        if manifest.get("status") == "published" and not (run_dir / "report.html").exists():
            draw_report(run_dir.name)
            notes.append(f"drew the report of run {run_dir.name}, killed after it published")
            continue
        if manifest.get("status") not in UNFINISHED:
            continue
        if run_dir.name in committed:
            finish_published(run_dir.name, manifest, committed[run_dir.name])
            notes.append(f"completed interrupted run {run_dir.name}: it had committed dataset version {committed[run_dir.name]}")
        else:
            abort_unpublished(run_dir.name, manifest)
            notes.append(f"marked interrupted run {run_dir.name} aborted: it had published nothing")
    return notes


def committed_runs(out_dir: Path) -> dict[str, int]:
    """run id -> dataset version, for every publish commit in the dataset's Delta log."""
    log = Path(out_dir) / "dataset" / "_delta_log"
    found = {}
    for commit in sorted(log.glob("*.json")) if log.is_dir() else []:
        for line in commit.read_text(encoding="utf-8").splitlines():
            info = json.loads(line).get("commitInfo")
            if info is not None and info.get("datasteward.operation") == "publish" and info.get("datasteward.run_id"):
                found[info["datasteward.run_id"]] = int(commit.stem)
    return found
