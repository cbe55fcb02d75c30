"""The ``published`` gate suite: a run publishing fewer than the configured number or share of records fails, with its reason."""

from __future__ import annotations

import json

import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

from expectations.gate import published_suite, record_stats, run_gate
from pipelines.run import execute
from tests.conftest import job_config


def _staged(tmp_path, n: int) -> ds.Dataset:
    ids = [f"r{i}" for i in range(n)]
    batch = record_stats(ids, ["s"] * n, ["MIT"] * n, ["en"] * n, ["text"] * n, [])
    pq.write_table(pa.Table.from_batches([batch], schema=batch.schema), tmp_path / "stats.parquet")
    return ds.dataset([str(tmp_path / "stats.parquet")])


def test_empty_run_fails_by_default_with_reason(tmp_path):
    result = run_gate(["run_accounting"], _staged(tmp_path, 0), {"input": 5, "kept": 0, "rejected": 5}, tmp_path / "run")
    assert not result.success
    failed = [o for o in result.outcomes if not o.success]
    assert [(o.suite, o.column, o.clause) for o in failed] == [("published", "kept", "4.1.2(b)")]
    assert result.reason == "the run would publish 0 records; gate.min_published asks for at least 1"


def test_minimum_share_and_count(tmp_path):
    counts = {"input": 10, "kept": 3, "rejected": 7}
    assert run_gate([], _staged(tmp_path, 3), counts, tmp_path / "a").success
    low = run_gate([], _staged(tmp_path, 3), counts, tmp_path / "b", min_published=1, min_published_share=0.5)
    assert not low.success and "30.0% of its input records" in low.reason and "at least 50.0%" in low.reason
    few = run_gate([], _staged(tmp_path, 3), counts, tmp_path / "c", min_published=5)
    assert not few.success and few.reason.startswith("the run would publish 3 records")
    off = run_gate([], _staged(tmp_path, 0), {"input": 1, "kept": 0, "rejected": 1}, tmp_path / "d", min_published=0)
    assert off.success  # min_published: 0 turns the check off


def test_published_suite_shape():
    assert published_suite(0, 0)["expectations"] == []
    suite = published_suite(2, 0.1)
    assert suite["meta"]["frame"] == "run" and [e["kwargs"]["column"] for e in suite["expectations"]] == ["kept", "kept_share"]


@pytest.fixture
def project(corpus, monkeypatch):
    monkeypatch.chdir(corpus)
    return corpus


def test_run_that_rejects_everything_publishes_nothing_and_says_why(project):
    config = job_config(project, stages=[{"stage": "ingest", "max_record_bytes": 4096}, {"stage": "quality", "min_chars": 100000}])
    outcome = execute(config)
    assert outcome.status == "gate_failed" and outcome.exit_code == 2
    assert not (project / "out" / "dataset").exists()
    run_dir = project / "out" / "runs" / outcome.run_id
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert manifest["gate"]["reason"] == "the run would publish 0 records; gate.min_published asks for at least 1"
    assert "the run would publish 0 records" in (run_dir / "report.html").read_text()
