"""Tamper evidence: ``steward verify OUT_DIR`` checks what the runs recorded against what is on disk.

Each run manifest records the sha256 of the previous run's manifest (a chain in run-id order) and the
size and sha256 of every data file its commits added. Verification checks:

1. the chain: every manifest names its predecessor and that file's bytes still hash the same;
2. the Delta logs against the files: every file of the current dataset and rejects versions exists,
   has the size its log entry says and the sha256 a manifest recorded;
3. each publish commit's metadata against its run's manifest: run id, version, counts, config hash,
   and the rows its files hold;
4. the rejects table against the counts: each settled run has exactly the rejects its manifest counts,
   and no rows belong to runs without one.

Anything that differs is one line naming what changed. An attacker who can rewrite every file can
recompute every hash: this detects edits, it does not prevent them.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pyarrow as pa

from pipelines.outdir import SETTLED_WITH_REJECTS, UNFINISHED, file_sha256, manifest_path, read_manifest, run_ids
from pipelines.publish import dataset_dir, open_table, rejects_dir
from transforms.core import storage

_COUNTS = ("input", "kept", "rejected")


def _commits(table_dir: str) -> list[tuple[int, dict, list[dict]]]:
    """(version, commitInfo, add actions) of every commit in a Delta log, oldest first."""
    commits = []
    for path in storage.listdir(storage.join(table_dir, "_delta_log"), "*.json"):
        info, adds = {}, []
        for line in storage.read_text(path).splitlines():
            action = json.loads(line)
            info = action.get("commitInfo", info)
            if "add" in action:
                adds.append(action["add"])
        commits.append((int(storage.basename(path).removesuffix(".json")), info, adds))
    return commits


def _meta(info: dict, key: str) -> Any:
    value = info.get(f"datasteward.{key}")
    if isinstance(value, str) and value[:1] in "{[":
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def verify(out_dir: str | Path, hash_files: bool = True) -> tuple[list[str], list[str]]:
    """(problems, notes): problems name what changed; notes say what is unsettled but not wrong.
    ``out_dir``: a local folder or a bucket URI."""
    problems: list[str] = []
    notes: list[str] = []
    manifests = _manifests(out_dir, problems)
    _check_chain(out_dir, manifests, problems)
    recorded = {}  # (table, file name) -> recorded size/sha256
    for run_id, manifest in manifests.items():
        for table, files in (manifest.get("files") or {}).items():
            for entry in files:
                recorded[(table, entry["path"])] = entry
        if manifest.get("status") in UNFINISHED:
            notes.append(f"run {run_id} is {manifest['status']}: live, or killed (the next run on this output settles it)")
    _check_dataset(out_dir, manifests, recorded, hash_files, problems)
    _check_rejects(out_dir, manifests, recorded, hash_files, problems)
    return problems, notes


def _manifests(out_dir: str | Path, problems: list[str]) -> dict[str, dict]:
    found = {}
    for run_id in run_ids(out_dir):
        manifest = read_manifest(manifest_path(out_dir, run_id))
        if manifest is None:
            problems.append(f"manifest {manifest_path(out_dir, run_id)} is not valid JSON")
            continue
        found[run_id] = manifest
    return found


def _check_chain(out_dir: str | Path, manifests: dict[str, dict], problems: list[str]) -> None:
    previous = None
    for run_id, manifest in manifests.items():
        if "previous_manifest" in manifest:
            link = manifest["previous_manifest"]
            if previous is None and link is not None:
                problems.append(f"chain: run {run_id} follows run {link['run_id']}, whose manifest is gone")
            elif previous is not None and link is None:
                problems.append(f"chain: run {run_id} names no predecessor, but run {previous} came before it")
            elif previous is not None and link["run_id"] != previous:
                problems.append(f"chain: run {run_id} follows run {link['run_id']}, but the manifest before it is run {previous}'s")
            elif previous is not None:
                actual = file_sha256(manifest_path(out_dir, previous))
                if actual != link["sha256"]:
                    problems.append(f"chain: the manifest of run {previous} changed after run {run_id} recorded it (sha256 differs)")
        previous = run_id


def _check_files(table: str, table_dir: str, recorded: dict, hash_files: bool, problems: list[str]) -> None:
    current = open_table(table_dir)
    if current is None:
        return
    actions = pa.table(current.get_add_actions(flatten=True)).to_pylist()
    for action in actions:
        path = storage.join(table_dir, action["path"])
        entry = recorded.get((table, action["path"]))
        try:
            size, _ = storage.info(path)
        except FileNotFoundError:
            problems.append(f"{table}: file {action['path']} of version {current.version()} is missing")
            continue
        if size != action["size_bytes"]:
            problems.append(f"{table}: file {action['path']} has {size:,} bytes, its log entry says {action['size_bytes']:,}")
        if entry is None:
            problems.append(f"{table}: file {action['path']} is in the log but no run manifest recorded it")
            continue
        if size != entry["size"]:
            problems.append(f"{table}: file {action['path']} was rewritten ({size:,} bytes; its run recorded {entry['size']:,})")
        elif hash_files and file_sha256(path) != entry["sha256"]:
            problems.append(f"{table}: file {action['path']} was rewritten (sha256 differs from the one its run recorded)")


def _check_dataset(out_dir: str | Path, manifests: dict, recorded: dict, hash_files: bool, problems: list[str]) -> None:
    table_dir = dataset_dir(out_dir)
    for version, info, adds in _commits(table_dir):
        operation = _meta(info, "operation")
        if operation is None:
            problems.append(f"dataset: version {version} was not committed by datasteward (no datasteward metadata)")
            continue
        if operation != "publish":
            continue
        run_id = _meta(info, "run_id")
        manifest = manifests.get(run_id)
        if manifest is None:
            problems.append(f"dataset: version {version} names run {run_id}, which has no manifest")
            continue
        if manifest.get("dataset_version") is not None and manifest["dataset_version"] != version:
            problems.append(f"dataset: version {version} names run {run_id}, whose manifest says version {manifest['dataset_version']}")
        counts = _meta(info, "counts") or {}
        mine = {k: (manifest.get("counts") or {}).get(k) for k in _COUNTS}
        if {k: counts.get(k) for k in _COUNTS} != mine:
            problems.append(f"dataset: version {version}: commit counts {counts} differ from run {run_id}'s manifest {mine}")
        if _meta(info, "config_sha256") != manifest.get("config_sha256"):
            problems.append(f"dataset: version {version}: config sha256 differs from run {run_id}'s manifest")
        added = sum(json.loads(a.get("stats") or "{}").get("numRecords", 0) for a in adds)
        if added != mine["kept"]:
            problems.append(f"dataset: version {version} adds files holding {added:,} rows; run {run_id} kept {mine['kept']:,}")
        rows = _meta(info, "rows")
        if rows is not None and manifest.get("parent_version") is None and int(rows) != added:
            problems.append(f"dataset: version {version}: commit says {int(rows):,} rows, its files hold {added:,}")
        names = {a["path"] for a in adds}
        listed = {f["path"] for f in (manifest.get("files") or {}).get("dataset", [])}
        if "files" in manifest and names != listed:
            problems.append(f"dataset: version {version} adds files its run's manifest does not list")
    _check_files("dataset", table_dir, recorded, hash_files, problems)


def _check_rejects(out_dir: str | Path, manifests: dict, recorded: dict, hash_files: bool, problems: list[str]) -> None:
    table = open_table(rejects_dir(out_dir))
    per_run = Counter()
    if table is not None:
        for batch in table.to_pyarrow_dataset().to_batches(columns=["run_id"]):
            per_run.update(batch.column("run_id").to_pylist())
    for run_id, manifest in manifests.items():
        counted = (manifest.get("counts") or {}).get("rejected")
        settled = manifest.get("status") in SETTLED_WITH_REJECTS
        if settled and counted is not None and manifest.get("rejects_appended", counted) != counted:
            problems.append(f"rejects: run {run_id}'s manifest counts {counted:,} rejects but says it appended {manifest['rejects_appended']:,}")
        expected = counted if settled else manifest.get("rejects_appended", 0)  # a failed run keeps its rejects
        if expected is None or manifest.get("status") in UNFINISHED:
            continue
        if per_run.get(run_id, 0) != expected:
            problems.append(
                f"rejects: run {run_id} ({manifest.get('status')}) has {per_run.get(run_id, 0):,} rejects in the table, its manifest counts {expected:,}"
            )
    for run_id, n in per_run.items():
        if run_id not in manifests:
            problems.append(f"rejects: {n:,} rows name run {run_id}, which has no manifest")
    _check_files("rejects", rejects_dir(out_dir), recorded, hash_files, problems)


def warning(out_dir: str | Path) -> str | None:
    """One line for trace/report/diff when a quick verification (no file hashing) fails. A storage error
    (a missing bucket, refused credentials) is the command's own one-line error, not a warning before it."""
    try:
        problems, _ = verify(out_dir, hash_files=False)
    except OSError:
        raise
    except Exception as exc:  # noqa: BLE001 - a warning must not break the command it decorates
        return f"warning: could not verify {out_dir} ({type(exc).__name__}); run `steward verify {out_dir}`"
    if not problems:
        return None
    return f"warning: {out_dir} fails verification ({problems[0]}{'; …' if len(problems) > 1 else ''}); run `steward verify {out_dir}`"

