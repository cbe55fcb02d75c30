"""Retry-safe staging: a bundle that fails after writing part of its output and is then retried
neither loses nor duplicates a record, and no reader deletes its input.

Beam's embedded FnApiRunner (and Prism) do not retry a failed bundle: the job fails. So the
bundle retry is driven here the way a retrying runner (Flink, Dataflow) drives a DoFn: attempt 1
writes its file and fails before the bundle commits (its outputs are discarded), attempt 2
succeeds; then the real commit step runs on the embedded runner. The pipeline-level case runs the
whole job with a step that fails its first attempt on a chosen batch.
"""

from __future__ import annotations

import os

import apache_beam as beam
import pyarrow.parquet as pq

from pipelines.graph import _WriteParquetFn
from pipelines.publish import staged
from pipelines.run import execute
from tests.conftest import job_config
from transforms.core import storage
from transforms.core.records import RECORD_SCHEMA, Batch
from transforms.core.registry import STAGE_MODULES
from transforms.core.stage import CommitFileList, committed_files


def _batch(prefix: str, n: int) -> Batch:
    rows = [
        {"id": f"{prefix}{i}", "text": f"text {i}", "source": "s", "source_uri": "u", "locator": str(i), "license": "MIT",
         "lang": None, "meta": {}, "content_sha256": "0" * 64, "tags": [], "lineage": []}
        for i in range(n)
    ]  # fmt: skip
    return Batch.from_rows(rows)


def _attempt(fn: _WriteParquetFn, batches: list[Batch], fail: bool) -> list[str]:
    """One bundle attempt; the paths it emits (none when it fails: the runner discards them)."""
    fn.start_bundle()
    for batch in batches:
        fn.process(batch)
    if fail:
        fn._write_row_group()  # worst case: the failed attempt's file is complete on disk
        fn._close()
        return []
    return [wv.value for wv in fn.finish_bundle()]


def test_a_retried_bundle_neither_loses_nor_duplicates_records(tmp_path):
    staging = str(tmp_path / "staging")
    kept_dir = storage.join(staging, "kept")
    bundle = [_batch("a", 3), _batch("b", 4)]
    fn = _WriteParquetFn(kept_dir, RECORD_SCHEMA, "records")
    emitted = _attempt(fn, bundle, fail=True) + _attempt(fn, bundle, fail=False)
    emitted += _attempt(_WriteParquetFn(kept_dir, RECORD_SCHEMA, "records"), [_batch("c", 2)], fail=False)

    with beam.Pipeline(runner="FnApiRunner") as p:
        _ = p | beam.Create(emitted) | CommitFileList(staging, "kept")

    on_disk = storage.listdir(kept_dir, "*.parquet")
    assert len(on_disk) == 3  # the failed attempt's file is still there...
    files = committed_files(staging, "kept")
    assert len(files) == 2 and set(files) < set(on_disk)  # ...but not in the committed list
    ids = staged(files, RECORD_SCHEMA).to_table(columns=["id"]).column("id").to_pylist()
    assert sorted(ids) == sorted([f"a{i}" for i in range(3)] + [f"b{i}" for i in range(4)] + ["c0", "c1"])
    # reading every file instead would have published a0..b3 twice
    assert sum(pq.ParquetFile(f).metadata.num_rows for f in on_disk) == len(ids) + 7


def test_a_step_that_commits_no_file_lists_none(tmp_path):
    """Only a failed attempt's file on disk and nothing committed: the list is empty, never "every file there"."""
    staging = str(tmp_path / "staging")
    fn = _WriteParquetFn(storage.join(staging, "rejects"), RECORD_SCHEMA, "records")
    assert _attempt(fn, [_batch("a", 3)], fail=True) == []

    with beam.Pipeline(runner="FnApiRunner") as p:
        _ = p | beam.Create([]) | CommitFileList(staging, "rejects")

    assert len(storage.listdir(storage.join(staging, "rejects"), "*.parquet")) == 1
    assert committed_files(staging, "rejects") == []


def test_a_spilled_batch_can_be_read_again(tmp_path):
    from transforms.core.stage import _DecideSpilledFn, _SpillFn
    from transforms.core.stage import KEEP, Control

    class KeepAll(Control):
        stage = "keep_all"

        def decide(self, batch):
            return [KEEP] * len(batch)

    key = os.urandom(32)  # spills are sealed with the pipeline's key
    path = next(_SpillFn(str(tmp_path / "spill"), key).process(_batch("s", 3)))
    decide = _DecideSpilledFn("keep_all", lambda view: KeepAll(), "run", key)

    def bundle():
        decide.start_bundle()
        return list(decide.process(path, None)) + list(decide.finish_bundle())

    first = bundle()
    again = bundle()  # a retried bundle reads its input again
    assert len(first) == len(again) == 1 and len(again[0]) == 3
    assert storage.exists(path)


def test_a_spilled_batch_reads_back_as_it_would_from_parquet():
    import numpy as np

    from transforms.core.records import Batch, lineage_entry
    from transforms.core.stage import spill_bytes, unspill_batch

    batch = _batch("s", 3)
    # meta is read back as the JSON it is published as (sorted keys, numpy and other values JSON-typed),
    # as the Arrow round trip did; lineage, tags and the other columns come back unchanged
    batch.meta = [{"b": 1, "a": np.int64(2)}, {"when": object.__name__, 3: [np.float32(0.5)]}, {}]
    batch.lineage = [[lineage_entry("x", "keep")], [lineage_entry("y", "annotate", detail={"n": 1})], []]
    batch.tags = [["t"], [], ["u", "v"]]
    assert unspill_batch(spill_bytes(batch)) == Batch.from_arrow(batch.to_arrow())


def _flaky_config(corpus, marker, **overrides):
    stages = [
        {"stage": "ingest", "max_record_bytes": 4096, "batch_size": 2},
        {"stage": "flaky_once", "marker": str(marker), "source": "news"},
        {"stage": "quality", "min_chars": 20},
        {"stage": "dedup"},
    ]
    return job_config(corpus, stages=stages, **overrides)


def test_a_step_failing_its_first_attempt_on_the_embedded_runner(corpus, monkeypatch):
    """The embedded runner does not retry: the run fails, publishes nothing and leaves no staging;
    the job run again gives exactly what a run that never failed gives."""
    monkeypatch.setitem(STAGE_MODULES, "flaky_once", "tests.storage.flaky_stage")
    monkeypatch.chdir(corpus)
    marker = corpus / "flaky.marker"
    failed = execute(_flaky_config(corpus, marker))
    assert failed.status == "failed" and "planned failure" in failed.error
    assert marker.exists()
    assert not (corpus / "out" / "dataset").exists()
    assert storage.listdir(str(corpus / "out" / "_staging"), dirs=True) == []
    again = execute(_flaky_config(corpus, marker))
    assert again.status == "published", again.error

    clean = execute(_flaky_config(corpus, marker, output={"dir": "clean"}))  # the marker exists: never fails
    assert clean.status == "published"
    for key in ("input", "kept", "rejected", "rejected_by"):
        assert again.manifest["counts"][key] == clean.manifest["counts"][key], key
