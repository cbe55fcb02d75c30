"""Source roll-up: the 5 % rule on content-risk rejects, as a pure function and as a Beam stage."""

from __future__ import annotations

import json
from types import SimpleNamespace

import apache_beam as beam
import pytest
from apache_beam.testing.test_pipeline import TestPipeline as BeamTestPipeline
from apache_beam.testing.util import assert_that, equal_to

from transforms.core.stage import RunContext
from transforms.core.records import Batch, content_sha256
from transforms.source_rollup.stage import SourceRollupConfig, SourceRollupStage, exceeds, source_verdict


@pytest.mark.parametrize(
    "risk, kept, excluded",
    [
        (5, 95, False),  # exactly 5 % does not exclude
        (6, 94, True),  # just above
        (1, 19, False),  # 5 % again, where float arithmetic would round
        (51, 949, True),  # 5.1 %
        (0, 10, False),
        (3, 0, True),
        (0, 0, False),
    ],
)
def test_threshold_edges(risk, kept, excluded):
    assert exceeds(risk, kept, 0.05) is excluded


def test_min_assessed_protects_tiny_sources():
    assert not exceeds(1, 2, 0.05, min_assessed=10)
    assert source_verdict("s", 6, 94, 0.05, 1)["rate"] == 0.06


def _batch(source: str, n: int, start: int = 0) -> Batch:
    rows = []
    for i in range(start, start + n):
        text = f"{source} record {i}"
        rows.append(
            {"id": f"{source}-{i}", "text": text, "source": source, "source_uri": f"file://{source}", "locator": str(i),
             "license": "MIT", "lang": "en", "meta": {}, "content_sha256": content_sha256(text), "tags": [], "lineage": []}
        )  # fmt: skip
    return Batch.from_rows(rows)


def _rejects(source: str, category: str, n: int) -> list[dict]:
    return [{"id": f"{source}-x{i}", "source": source, "category": category} for i in range(n)]


def test_rollup_stage_excludes_only_sources_above_threshold(tmp_path):
    stage = SourceRollupConfig().create()
    assert isinstance(stage, SourceRollupStage)
    with BeamTestPipeline(runner="FnApiRunner") as p:
        # "bad": 6 harmful/illegal rejects vs 94 kept = 6 % → excluded; "edge": 5 vs 95 = 5 % → kept;
        # "noisy": many rejects, but none in a content-risk category → kept.
        upstream_a = p | "a" >> beam.Create([_rejects("bad", "harmful", 4), _rejects("edge", "illegal", 5)])
        upstream_b = p | "b" >> beam.Create([_rejects("bad", "classified", 2), _rejects("noisy", "duplicate", 50)])
        ctx = RunContext("run-1", tmp_path, tmp_path, tmp_path, SimpleNamespace(sources=[]), [upstream_a, upstream_b])
        batches = p | "batches" >> beam.Create([_batch("bad", 94), _batch("edge", 95), _batch("noisy", 10)])
        kept, rejects = stage.expand(batches, ctx)
        assert_that(
            kept | "kept sources" >> beam.FlatMap(lambda b: b.source) | "count kept" >> beam.combiners.Count.PerElement(),
            equal_to([("edge", 95), ("noisy", 10)]),
            label="kept",
        )
        summary = rejects | "reject fields" >> beam.FlatMap(
            lambda rows: [(r["source"], r["reason"], r["category"], r["clause"], json.loads(r["detail"])["rate"]) for r in rows]
        )
        assert_that(
            summary | "count rejects" >> beam.combiners.Count.PerElement(),
            equal_to([(("bad", "source_excluded", "source", "TC260-003 §5.1", 0.06), 94)]),
            label="rejects",
        )
    counters = {
        "source_rollup:source:bad:content_risk_rejects": 6,
        "source_rollup:source:bad:kept_before": 94,
        "source_rollup:source:edge:content_risk_rejects": 5,
        "source_rollup:source:edge:kept_before": 95,
        "source_rollup:source:noisy:kept_before": 10,
    }
    report = stage.report(ctx, counters)
    assert report["excluded_sources"] == ["bad"]
    assert report["sources"]["edge"]["rate"] == 0.05 and not report["sources"]["edge"]["excluded"]


def test_rollup_without_upstream_rejects_keeps_everything(tmp_path):
    stage = SourceRollupConfig(threshold=0.0).create()
    with BeamTestPipeline(runner="FnApiRunner") as p:
        ctx = RunContext("run-1", tmp_path, tmp_path, tmp_path, SimpleNamespace(sources=[]), [])
        kept, rejects = stage.expand(p | beam.Create([_batch("clean", 3)]), ctx)
        assert_that(kept | beam.FlatMap(lambda b: b.id), equal_to(["clean-0", "clean-1", "clean-2"]), label="kept")
        assert_that(rejects, equal_to([]), label="rejects")
