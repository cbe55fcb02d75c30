"""Manual spot checks and the machine-check share of a published dataset version (Framework 6.1.5, 6.1.2;
TC260-003 corpus assessment: a manual sample of ≥ 4,000 items with ≥ 96% qualified; a keyword + classifier
check of ≥ 10% of the corpus with ≥ 98% qualified).

* :func:`sample_version` draws a stratified random sample (by source, proportional allocation) of one
  published version of ``OUT_DIR/dataset/``; the same seed always gives the same sample.
* :func:`review_version` imports the reviewers' verdicts, computes the qualified rate with a Wilson 95%
  interval, appends a row to the Delta table ``OUT_DIR/reviews/`` (approved or not) and adds the failed ids
  to ``OUT_DIR/index/review_exclusions.parquet``, which the ``review_exclusions`` control rejects next run.
* :func:`machine_check` rates the automatic checks of a run from per-stage checked/passed counts.
"""

from __future__ import annotations

import csv
import hashlib
import json
import math
import uuid
from datetime import datetime, timezone
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from transforms.annotations.agreement import wilson_interval
from transforms.core import storage

MIN_SAMPLE = 4000
MIN_QUALIFIED_RATE = 0.96
MACHINE_MIN_SHARE = 0.10
MACHINE_MIN_PASS_RATE = 0.98
VERDICTS = ("pass", "fail")

REVIEW_SCHEMA = pa.schema(
    [
        ("version", pa.int64()),
        ("review_id", pa.string()),
        ("reviewed_at", pa.timestamp("us", tz="UTC")),
        ("n_reviewed", pa.int64()),
        ("n_pass", pa.int64()),
        ("n_fail", pa.int64()),
        ("rate", pa.float64()),
        ("ci_low", pa.float64()),
        ("ci_high", pa.float64()),
        ("threshold", pa.float64()),
        ("min_sample", pa.int64()),
        ("sample_ok", pa.bool_()),
        ("approved", pa.bool_()),
        ("reviewers", pa.list_(pa.string())),
        ("results_sha256", pa.string()),
    ]
)
EXCLUSION_SCHEMA = pa.schema([("id", pa.string()), ("reason", pa.string()), ("version", pa.int64())])


class SpotCheckError(ValueError):
    """Bad input to a spot check (unknown version, malformed results); the message is one line."""


def dataset_dir(out_dir: str | Path) -> str:
    return storage.join(out_dir, "dataset")  # a local path or an s3:// URI (Path would make it s3:/…)


def reviews_dir(out_dir: str | Path) -> str:
    return storage.join(out_dir, "reviews")


def exclusions_path(out_dir: str | Path) -> str:
    return storage.join(out_dir, "index", "review_exclusions.parquet")


def _open_version(out_dir: str | Path, version: int):
    from deltalake import DeltaTable
    from deltalake.exceptions import DeltaError, TableNotFoundError

    path = dataset_dir(out_dir)
    try:
        return DeltaTable(storage.table_uri(path), version=version)
    except TableNotFoundError:
        raise SpotCheckError(f"no published dataset at {path}") from None
    except DeltaError as exc:
        raise SpotCheckError(f"cannot open version {version} of {path}: {str(exc).splitlines()[0]}") from None


# --- sampling -----------------------------------------------------------------------------------------------


def proportional_allocation(sizes: Mapping[str, int], n: int) -> dict[str, int]:
    """Split ``n`` over strata in proportion to their sizes (largest remainder; ties by stratum name)."""
    total = sum(sizes.values())
    if n >= total:
        return dict(sizes)
    quotas = {s: n * size / total for s, size in sizes.items()}
    allocation = {s: math.floor(q) for s, q in quotas.items()}
    left = n - sum(allocation.values())
    for s in sorted(quotas, key=lambda s: (-(quotas[s] - allocation[s]), s))[:left]:
        allocation[s] += 1
    return allocation


def _stratum_rng(seed: int, stratum: str) -> np.random.Generator:
    # one generator per stratum, so adding a source does not reshuffle the others
    digest = int.from_bytes(hashlib.blake2b(stratum.encode(), digest_size=8).digest(), "big")
    return np.random.default_rng([seed, digest])


def sample_version(out_dir: str | Path, version: int, n: int = MIN_SAMPLE, seed: int = 0) -> pa.Table:
    """Stratified random sample of a published version: columns id, source, text, version."""
    if n <= 0:
        raise SpotCheckError("--n must be positive")
    table = _open_version(out_dir, version)
    index = table.to_pyarrow_table(columns=["id", "source"])
    by_source: dict[str, list[str]] = {}
    for record_id, source in zip(index.column("id").to_pylist(), index.column("source").to_pylist()):
        by_source.setdefault(source or "", []).append(record_id)
    allocation = proportional_allocation({s: len(ids) for s, ids in by_source.items()}, n)
    chosen = []
    for source in sorted(by_source):
        ids = sorted(by_source[source])
        picks = _stratum_rng(seed, source).choice(len(ids), size=allocation[source], replace=False)
        chosen.extend(ids[i] for i in sorted(picks))
    rows = table.to_pyarrow_dataset().to_table(
        columns=["id", "source", "text"], filter=pc.field("id").isin(pa.array(chosen, pa.string()))
    )
    rows = rows.sort_by([("source", "ascending"), ("id", "ascending")])
    return rows.append_column("version", pa.array([version] * rows.num_rows, pa.int64()))


def write_sample(sample: pa.Table, path: str | Path, fmt: str) -> None:
    """CSV with empty verdict/reason/reviewer columns to fill in, or Label Studio tasks (JSON)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = sample.to_pylist()
    if fmt == "csv":
        with open(path, "w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, ["id", "source", "version", "text", "verdict", "reason", "reviewer"])
            writer.writeheader()
            for row in rows:
                writer.writerow({**row, "verdict": "", "reason": "", "reviewer": ""})
    elif fmt == "labelstudio":
        # record_id: Label Studio's JSON-MIN and CSV exports put the task's own id in `id`
        tasks = [{"data": {"record_id": row["id"], **row}} for row in rows]
        path.write_text(json.dumps(tasks, ensure_ascii=False, indent=1), encoding="utf-8")
        label_config_path(path).write_text(LABEL_STUDIO_CONFIG, encoding="utf-8")
    else:
        raise SpotCheckError(f"--format must be csv or labelstudio, not {fmt!r}")


# --- review ---------------------------------------------------------------------------------------------------


LABEL_STUDIO_CONFIG = """<View>
  <Header value="Spot check of dataset version $version (source $source): fit for training?"/>
  <Text name="text" value="$text"/>
  <Choices name="verdict" toName="text" choice="single" showInline="true" required="true">
    <Choice value="pass"/>
    <Choice value="fail"/>
  </Choices>
  <TextArea name="reason" toName="text" placeholder="why it fails (personal information, harmful, low quality, ...)"
            maxSubmissions="1" editable="true"/>
</View>
"""
"""The Label Studio labelling config for a spot-check sample: a `verdict` choice and a `reason` text."""


def label_config_path(tasks_path: str | Path) -> Path:
    return Path(tasks_path).with_suffix(".label_config.xml")


def _labelstudio_reviewer(annotation: dict) -> str:
    who = annotation.get("completed_by")
    if isinstance(who, dict):  # some exports expand the user
        return str(who.get("email") or who.get("username") or who.get("id") or "")
    return "" if who is None else str(who)


def _labelstudio_annotation(annotation: dict, where: str) -> tuple[str, str] | None:
    """(verdict, reason) of one annotation: the `verdict` choice and the `reason` text area."""
    verdict, reason = None, ""
    for item in annotation.get("result") or []:
        value = item.get("value") or {}
        if "choices" in value:
            choices = value.get("choices") or []
            if len(choices) != 1:
                raise SpotCheckError(f"{where}: expected one verdict (pass or fail), got {choices!r}")
            verdict = str(choices[0])
        elif "text" in value:
            text = value["text"]
            reason = " ".join(map(str, text)) if isinstance(text, list) else str(text or "")
    return (verdict, reason) if verdict is not None else None


def _labelstudio_rows(tasks: list) -> list[tuple[str, dict]]:
    """(where, row) per reviewed task of a Label Studio JSON export (a list of tasks, each with
    ``data`` and ``annotations[].result[].value.choices``). Cancelled (skipped) annotations are
    ignored; when several reviewers annotated a task, one `fail` fails it (a spot check errs on the
    side of caution) and the reviewers are listed together."""
    rows = []
    for n, task in enumerate(tasks, 1):
        if not isinstance(task, dict):
            raise SpotCheckError(f"task {n}: not an object")
        where = f"task {task.get('id', n)}"
        data = task.get("data") or {}
        found = []
        for annotation in task.get("annotations") or []:
            if annotation.get("was_cancelled"):
                continue
            verdict = _labelstudio_annotation(annotation, where)
            if verdict is not None:
                found.append((*verdict, _labelstudio_reviewer(annotation)))
        if not found:
            continue  # a task nobody reviewed
        verdict, reason, _ = next((f for f in found if f[0].strip().lower() == "fail"), found[0])
        reviewers = ",".join(sorted({f[2] for f in found if f[2]}))
        rows.append((where, {"id": data.get("record_id") or data.get("id"), "verdict": verdict, "reason": reason,
                             "reviewer": reviewers}))  # fmt: skip
    return rows


def _json_rows(path: Path) -> list[tuple[str, dict]]:
    """A Label Studio JSON export (full, or JSON-MIN with one flat object per annotated task)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, list):
        raise SpotCheckError(f"{path}: a Label Studio export is a JSON list of tasks")
    if any(isinstance(t, dict) and ("annotations" in t or "data" in t) for t in data):
        return _labelstudio_rows(data)
    rows = []
    for n, row in enumerate(data, 1):  # JSON-MIN: data fields and control names flattened, `id` is the task's
        if not isinstance(row, dict):
            raise SpotCheckError(f"{path}: item {n}: not an object")
        verdict = row.get("verdict")
        verdict = verdict[0] if isinstance(verdict, list) and len(verdict) == 1 else verdict
        rows.append((f"item {n}", {"id": row.get("record_id") or row.get("id"), "verdict": verdict,
                                   "reason": row.get("reason"), "reviewer": row.get("annotator") or row.get("reviewer")}))  # fmt: skip
    return rows


def read_verdicts(path: str | Path) -> list[dict]:
    """Rows with id, verdict (pass|fail), reason, reviewer from CSV, JSONL or a Label Studio JSON
    export (``.json``: full or JSON-MIN; the task's ``data.record_id`` is the record). Rows without a
    verdict (a sample row nobody reviewed) are skipped; an unknown verdict or a repeated id is an error."""
    path = Path(path)
    try:
        if path.suffix.lower() == ".csv":
            with open(path, encoding="utf-8", newline="") as handle:
                raw = [(f"line {n}", row) for n, row in enumerate(csv.DictReader(handle), 2)]
                # a Label Studio CSV export: `id` is the task's, the record is `record_id`
                raw = [(w, {**row, "id": row.get("record_id") or row.get("id")}) for w, row in raw]
        elif path.suffix.lower() == ".json":
            raw = _json_rows(path)
        else:
            with open(path, encoding="utf-8") as handle:
                raw = [(f"line {n}", json.loads(line)) for n, line in enumerate(handle, 1) if line.strip()]
    except OSError as exc:
        raise SpotCheckError(f"cannot read {path}: {exc.strerror}") from None
    except json.JSONDecodeError as exc:
        raise SpotCheckError(f"{path}: line {exc.lineno} of the JSON is not valid") from None
    verdicts, seen = [], set()
    for where, row in raw:
        verdict = str(row.get("verdict") or "").strip().lower()
        if not verdict:
            continue
        if verdict not in VERDICTS:
            raise SpotCheckError(f"{path}: {where}: verdict must be pass or fail, not {verdict!r}")
        record_id = str(row.get("id") or "").strip()
        if not record_id:
            raise SpotCheckError(f"{path}: {where}: missing id")
        if record_id in seen:
            raise SpotCheckError(f"{path}: {where}: id {record_id} reviewed twice")
        seen.add(record_id)
        verdicts.append(
            {"id": record_id, "verdict": verdict, "reason": str(row.get("reason") or "").strip(),
             "reviewer": str(row.get("reviewer") or row.get("annotator") or "").strip()}
        )
    return verdicts


def review_version(
    out_dir: str | Path,
    version: int,
    results: str | Path,
    *,
    threshold: float = MIN_QUALIFIED_RATE,
    min_sample: int = MIN_SAMPLE,
    allow_small_sample: bool = False,
) -> dict:
    """Record one review of ``version``. Approved iff qualified rate ≥ ``threshold`` and at least
    ``min_sample`` items were reviewed (or ``allow_small_sample``, which adds a warning)."""
    from deltalake import write_deltalake

    verdicts = read_verdicts(results)
    if not verdicts:
        raise SpotCheckError(f"{results}: no verdicts")
    table = _open_version(out_dir, version)
    ids = pa.array([v["id"] for v in verdicts], pa.string())
    known = table.to_pyarrow_dataset().to_table(columns=["id"], filter=pc.field("id").isin(ids)).column("id")
    unknown = sorted(set(ids.to_pylist()) - set(known.to_pylist()))
    if unknown:
        raise SpotCheckError(f"{len(unknown)} reviewed ids are not in version {version} (first: {unknown[0]})")
    n = len(verdicts)
    n_pass = sum(v["verdict"] == "pass" for v in verdicts)
    low, high = wilson_interval(n_pass, n)
    rate = n_pass / n
    sample_ok = n >= min_sample
    warnings = []
    if not sample_ok:
        if allow_small_sample:
            warnings.append(f"sample of {n} is below the required {min_sample} (allowed by --allow-small-sample)")
        else:
            warnings.append(f"sample of {n} is below the required {min_sample}: the version cannot be approved")
    approved = rate >= threshold and (sample_ok or allow_small_sample)
    reviewers = sorted({r.strip() for v in verdicts for r in v["reviewer"].split(",") if r.strip()})
    row = {
        "version": version,
        "review_id": uuid.uuid4().hex,
        "reviewed_at": datetime.now(timezone.utc),
        "n_reviewed": n,
        "n_pass": n_pass,
        "n_fail": n - n_pass,
        "rate": rate,
        "ci_low": low,
        "ci_high": high,
        "threshold": threshold,
        "min_sample": min_sample,
        "sample_ok": sample_ok,
        "approved": approved,
        "reviewers": reviewers,
        "results_sha256": hashlib.sha256(Path(results).read_bytes()).hexdigest(),
    }
    write_deltalake(storage.table_uri(reviews_dir(out_dir)), pa.Table.from_pylist([row], schema=REVIEW_SCHEMA), mode="append")
    failed = [v for v in verdicts if v["verdict"] == "fail"]
    add_exclusions(out_dir, [(v["id"], v["reason"] or "failed_spot_check") for v in failed], version)
    return {**row, "reviewed_at": row["reviewed_at"].isoformat(), "warnings": warnings, "excluded": len(failed)}


def add_exclusions(out_dir: str | Path, failed: Sequence[tuple[str, str]], version: int) -> int:
    """Merge failed ids into the exclusion list (an id keeps its first entry); returns the list's size."""
    path = exclusions_path(out_dir)
    if storage.exists(path):
        with storage.open_input_file(path) as handle:
            existing = pq.read_table(handle, schema=EXCLUSION_SCHEMA)
    else:
        existing = EXCLUSION_SCHEMA.empty_table()
    if not failed:
        return existing.num_rows
    seen = set(existing.column("id").to_pylist())
    new = [{"id": i, "reason": r, "version": version} for i, r in failed if i not in seen]
    merged = pa.concat_tables([existing, pa.Table.from_pylist(new, schema=EXCLUSION_SCHEMA)])
    with storage.open_output(path) as handle:  # readers never see a half-written list
        pq.write_table(merged, handle)
    return merged.num_rows


def reviews(out_dir: str | Path) -> pa.Table:
    """Every recorded review (empty when none)."""
    from deltalake import DeltaTable

    path = reviews_dir(out_dir)
    if not DeltaTable.is_deltatable(storage.table_uri(path)):
        return REVIEW_SCHEMA.empty_table()
    return DeltaTable(storage.table_uri(path)).to_pyarrow_table()


def approved_versions(out_dir: str | Path) -> list[int]:
    """Versions whose latest review approved them."""
    latest: dict[int, tuple] = {}
    for row in reviews(out_dir).to_pylist():
        key = (row["reviewed_at"], row["review_id"])
        if row["version"] not in latest or key > latest[row["version"]][0]:
            latest[row["version"]] = (key, row["approved"])
    return sorted(v for v, (_, ok) in latest.items() if ok)


# --- machine check --------------------------------------------------------------------------------------------


MACHINE_CHECK_STAGES = ("classified", "credentials", "harmful", "highrisk")
"""The keyword-rule and classifier stages whose checks count as TC260-003's machine check."""


def machine_check(
    stage_counts: Mapping[str, Mapping[str, int]],
    corpus_size: int,
    *,
    min_share: float = MACHINE_MIN_SHARE,
    min_pass_rate: float = MACHINE_MIN_PASS_RATE,
) -> dict:
    """Share of the corpus checked by keyword/classifier stages and the pass rate of what they checked.

    ``stage_counts`` maps each machine-check stage to ``{"checked": records it examined, "passed": records it
    let through}``; ``corpus_size`` is the run's input record count. The stages run one after another on the
    same stream, so the records checked by any of them are those the first one saw (the largest
    ``checked``), and a record fails at most one stage: failures add up. If a stage only tags records
    (``annotate``) a record can fail twice, which makes the pass rate conservative.
    """
    for stage, c in stage_counts.items():
        if not {"checked", "passed"} <= set(c) or c["passed"] > c["checked"] or c["passed"] < 0:
            raise ValueError(f"machine_check: {stage} needs 0 ≤ passed ≤ checked, got {dict(c)}")
    checked = max((c["checked"] for c in stage_counts.values()), default=0)
    failed = sum(c["checked"] - c["passed"] for c in stage_counts.values())
    share = checked / corpus_size if corpus_size else math.nan
    pass_rate = 1 - failed / checked if checked else math.nan
    return {
        "stages": {s: dict(c) for s, c in stage_counts.items()},
        "corpus": corpus_size,
        "checked": checked,
        "failed": failed,
        "share": share,
        "pass_rate": pass_rate,
        "pass_rate_interval": wilson_interval(checked - failed, checked) if checked else (math.nan, math.nan),
        "min_share": min_share,
        "min_pass_rate": min_pass_rate,
        "share_ok": bool(share >= min_share),
        "pass_rate_ok": bool(pass_rate >= min_pass_rate),
        "passed": bool(share >= min_share and pass_rate >= min_pass_rate),
    }


def stage_counts_from_counters(counters: Mapping[str, int], stages: Sequence[str]) -> dict[str, dict[str, int]]:
    """``{stage: {"checked", "passed"}}`` from a run's Beam counters ``"<stage>:input"`` / ``"<stage>:rejected"``
    (the counters every :class:`transforms.core.stage.ControlStage` keeps); stages without counters are left out."""
    counts = {}
    for stage in stages:
        checked = counters.get(f"{stage}:input")
        if checked is None:
            continue
        counts[stage] = {"checked": int(checked), "passed": int(checked) - int(counters.get(f"{stage}:rejected", 0))}
    return counts

