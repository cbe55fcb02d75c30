"""Source-level roll-up (TC260-003 §5.1): exclude a source whose illegal/harmful rate exceeds a threshold.

Place it after the content controls. Per source, per run:

    rate = content-risk rejects / (content-risk rejects + records of the source still kept here)

where content-risk rejects are the rows of every earlier stage's rejects whose ``category`` is in
:data:`transforms.records.CONTENT_RISK_CATEGORIES` (keyed on the category, not on which stage
rejected them). Records rejected for other reasons (quality, duplicates, licensing) were not
assessed as content and are left out of the denominator. A rate strictly above ``threshold``
(default 5 %; exactly 5 % does not exclude) excludes the source: all its records still kept are
rejected with reason ``source_excluded``. Sources with fewer than ``min_assessed`` records are
reported but never excluded (too few to estimate a rate).
"""

from __future__ import annotations

from fractions import Fraction
from typing import Literal

import apache_beam as beam

from transforms.base import KEPT, REJECTED, Stage, StageConfig, count, register_stage
from transforms.records import CONTENT_RISK_CATEGORIES, Batch, identity, lineage_entry, reject_row

STAGE = "source_rollup"
CLAUSE = "TC260-003 §5.1"


def exceeds(risk_rejects: int, kept: int, threshold: float, min_assessed: int = 1) -> bool:
    """Whether a source with these counts is excluded: rate strictly above the threshold (exact arithmetic)."""
    assessed = risk_rejects + kept
    if assessed < max(1, min_assessed):
        return False
    return Fraction(risk_rejects, assessed) > Fraction(str(threshold))


def source_verdict(source: str, risk_rejects: int, kept: int, threshold: float, min_assessed: int) -> dict:
    assessed = risk_rejects + kept
    return {
        "source": source,
        "content_risk_rejects": risk_rejects,
        "kept_before_rollup": kept,
        "rate": round(risk_rejects / assessed, 6) if assessed else 0.0,
        "threshold": threshold,
        "excluded": exceeds(risk_rejects, kept, threshold, min_assessed),
    }


def _risk_sources(rows: list[dict]):
    for row in rows:
        if row["category"] in CONTENT_RISK_CATEGORIES:
            yield row["source"], 1


def _kept_sources(batch: Batch):
    counts: dict[str, int] = {}
    for source in batch.source:
        counts[source] = counts.get(source, 0) + 1
    return list(counts.items())


class _Verdicts(beam.DoFn):
    def __init__(self, threshold: float, min_assessed: int):
        self.threshold = threshold
        self.min_assessed = min_assessed

    def process(self, element):
        source, grouped = element
        risk, kept = sum(grouped["risk"]), sum(grouped["kept"])
        verdict = source_verdict(source, risk, kept, self.threshold, self.min_assessed)
        count(STAGE, f"source:{source}:content_risk_rejects", risk)
        count(STAGE, f"source:{source}:kept_before", kept)
        if verdict["excluded"]:
            count(STAGE, f"source:{source}:excluded", 1)
        yield source, verdict


class _Exclude(beam.DoFn):
    def __init__(self, run_id: str):
        self.run_id = run_id

    def process(self, batch: Batch, verdicts: dict):
        excluded = [i for i, s in enumerate(batch.source) if verdicts.get(s, {}).get("excluded")]
        count(STAGE, "input", len(batch))
        if not excluded:
            count(STAGE, "kept", len(batch))
            yield batch
            return
        rejects = []
        for i in excluded:
            v = verdicts[batch.source[i]]
            detail = {k: v[k] for k in ("rate", "threshold", "content_risk_rejects", "kept_before_rollup")}
            entry = lineage_entry(STAGE, "reject", rule="source_risk_rate", clause=CLAUSE, risk_level="major",
                                  reason="source_excluded", detail=detail)  # fmt: skip
            rejects.append(
                reject_row(identity(batch, i), stage=STAGE, rule="source_risk_rate", clause=CLAUSE, risk_level="major",
                           category="source", reason="source_excluded", detail=detail, run_id=self.run_id,
                           lineage=batch.lineage[i] + [entry])  # fmt: skip
            )
        gone = set(excluded)
        kept = [i for i in range(len(batch)) if i not in gone]
        count(STAGE, "kept", len(kept))
        count(STAGE, "rejected", len(rejects))
        count(STAGE, "rejected:source_excluded", len(rejects))
        if kept:
            yield batch.take(kept)
        yield beam.pvalue.TaggedOutput(REJECTED, rejects)


@register_stage(STAGE)
class SourceRollupConfig(StageConfig):
    stage: Literal["source_rollup"] = "source_rollup"
    threshold: float = 0.05  # exclude when the content-risk rate is strictly above this
    min_assessed: int = 1

    def create(self) -> Stage:
        return SourceRollupStage(self)


class SourceRollupStage(Stage):
    """Source roll-up: exclude sources whose illegal/harmful reject rate exceeds the threshold (TC260-003 §5.1)."""

    name = STAGE

    def __init__(self, config: SourceRollupConfig):
        self.config = config

    def expand(self, batches, ctx):
        p = batches.pipeline
        upstream = list(ctx.upstream_rejects) or [p | f"{STAGE}/NoUpstream" >> beam.Create([])]
        risk = (
            upstream
            | f"{STAGE}/FlattenRejects" >> beam.Flatten()
            | f"{STAGE}/RiskBySource" >> beam.FlatMap(_risk_sources)
            | f"{STAGE}/SumRisk" >> beam.CombinePerKey(sum)
        )
        kept = (
            batches
            | f"{STAGE}/KeptBySource" >> beam.FlatMap(_kept_sources)
            | f"{STAGE}/SumKept" >> beam.CombinePerKey(sum)
        )
        verdicts = (
            {"risk": risk, "kept": kept}
            | f"{STAGE}/Join" >> beam.CoGroupByKey()
            | f"{STAGE}/Verdicts" >> beam.ParDo(_Verdicts(self.config.threshold, self.config.min_assessed))
        )
        outputs = batches | f"{STAGE}/Exclude" >> beam.ParDo(
            _Exclude(ctx.run_id), beam.pvalue.AsDict(verdicts)
        ).with_outputs(REJECTED, main=KEPT)
        return outputs[KEPT], outputs[REJECTED]

    def report(self, ctx, counters):
        prefix = f"{STAGE}:source:"
        names = sorted({k[len(prefix) :].rsplit(":", 1)[0] for k in counters if k.startswith(prefix)})
        verdicts = {}
        for name in names:
            risk = counters.get(f"{prefix}{name}:content_risk_rejects", 0)
            kept = counters.get(f"{prefix}{name}:kept_before", 0)
            verdicts[name] = source_verdict(name, risk, kept, self.config.threshold, self.config.min_assessed)
        return {
            "threshold": self.config.threshold,
            "denominator": "content-risk rejects + records of the source kept before the roll-up",
            "content_risk_categories": sorted(CONTENT_RISK_CATEGORIES),
            "excluded_sources": [n for n, v in verdicts.items() if v["excluded"]],
            "sources": verdicts,
        }
