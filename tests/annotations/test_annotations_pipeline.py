"""The Beam path of the annotation audit equals the in-memory computation."""

import json
from pathlib import Path

import apache_beam as beam
import pyarrow.parquet as pq
import pytest
from apache_beam.testing.test_pipeline import TestPipeline as BeamTestPipeline
from apache_beam.testing.util import assert_that, equal_to

from pipelines.annotations import build_audit, run_audit, run_beam, run_in_memory
from transforms import annotations as ann


def rows():
    """Three batches; b2 has an illegal review; a reviewer who annotated; a bad row; a repeated label."""
    out = []
    for n in range(60):
        batch = f"b{n // 20}"
        for k, annotator in enumerate(("u1", "u2", "u3", "u4")):
            if (n + k) % 4 == 0:
                continue  # missing ratings
            label = "abc"[(n * (k + 1)) % 3] if annotator == "u4" else "abc"[n % 3]
            out.append({"item_id": f"i{n:02d}", "annotator_id": annotator, "label": label, "batch_id": batch,
                        "role": "annotator", "timestamp": f"2025-01-01T00:{k:02d}:00Z"})
    out.append({"item_id": "i05", "annotator_id": "u1", "label": "c", "batch_id": "b0", "timestamp": "2025-01-02"})
    out.append({"item_id": "i45", "annotator_id": "r1", "label": "illegal", "batch_id": "b2", "role": "reviewer"})
    out.append({"item_id": "i07", "annotator_id": "u3", "label": "ok", "batch_id": "b0", "role": "reviewer"})
    out.append({"item_id": "i08", "annotator_id": "u2", "label": "zzz", "batch_id": "b0"})
    return out


@pytest.fixture
def cfg(tmp_path):
    first, second = tmp_path / "part1.jsonl", tmp_path / "part2.jsonl"
    data = rows()
    first.write_text("".join(json.dumps(r) + "\n" for r in data[: len(data) // 2]))
    second.write_text("".join(json.dumps(r) + "\n" for r in data[len(data) // 2 :]))
    return ann.parse_audit_config({"inputs": [str(first), str(second)], "output_dir": str(tmp_path / "out"),
                                   "labels": ["a", "b", "c"], "bootstrap_samples": 100, "runner": "FnApiRunner"})


def test_beam_aggregate_equals_in_memory(cfg):
    expected, items = run_in_memory(cfg)[0], ann.audit_in_memory(
        [r for p in cfg.inputs for r in ann.read_annotations(p, cfg)], cfg)[1]
    assert expected["counts"]["voided_items"] == 20 and expected["invalid"] == {"label 'zzz' not in labels": 1}
    with BeamTestPipeline(runner="FnApiRunner") as pipeline:
        beam_items, aggregate = build_audit(pipeline, cfg)
        assert_that(aggregate, equal_to([expected]), label="aggregate")
        assert_that(beam_items | beam.Map(lambda i: i.item_id), equal_to([i.item_id for i in items]), label="items")


def test_beam_run_equals_in_memory_run(cfg, tmp_path):
    beam_aggregate, beam_items, beam_rejects = run_beam(cfg, tmp_path / "staging")
    aggregate, items, rejects = run_in_memory(cfg)
    assert beam_aggregate == aggregate
    assert beam_items.to_pylist() == items.to_pylist()
    assert beam_rejects.sort_by("item_id").to_pylist() == rejects.sort_by("item_id").to_pylist()
    assert ann.compute_report(beam_aggregate, cfg) == ann.compute_report(aggregate, cfg)


def test_run_audit_beam_outputs(cfg):
    report = run_audit(cfg)  # Beam by default
    out = cfg.output_dir
    rejects = pq.read_table(f"{out}/rejects.parquet")
    assert rejects.num_rows == 20 and set(rejects.column("reason").to_pylist()) == {"batch_voided"}
    assert report["counts"]["self_reviewed_items"] == 1
    assert not (Path(out) / "_staging").exists()
