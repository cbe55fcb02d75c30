"""Source-level roll-up (TC260-003 §5.1): exclude a source whose illegal/harmful rate exceeds a threshold.

Place it after the content controls. Per source, per run:

    rate = content-risk rejects / (content-risk rejects + records of the source still kept here)

where content-risk rejects are the rows of every earlier stage's rejects whose ``category`` is in
:data:`transforms.core.records.CONTENT_RISK_CATEGORIES` (keyed on the category, not on which stage
rejected them). Records rejected for other reasons (quality, duplicates, licensing) were not
assessed as content and are left out of the denominator. A rate strictly above ``threshold``
(default 5 %; exactly 5 % does not exclude) excludes the source: all its records still kept are
rejected with reason ``source_excluded``. Sources with fewer than ``min_assessed`` records are
reported but never excluded (too few to estimate a rate).
"""

from __future__ import annotations

from collections import Counter
from fractions import Fraction
from typing import Literal

import apache_beam as beam
from apache_beam.transforms.window import GlobalWindow
from apache_beam.utils.timestamp import MIN_TIMESTAMP
from apache_beam.utils.windowed_value import WindowedValue

from transforms.core.records import CONTENT_RISK_CATEGORIES, Batch
from transforms.core.registry import register_stage
from transforms.core.stage import KEEP, Control, DecideWithView, Decision, Stage, StageConfig, count

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
    return [row["source"] for row in rows if row["category"] in CONTENT_RISK_CATEGORIES]


def _kept_sources(batch: Batch):
    return batch.source


class _CountBySource(beam.DoFn):
    """Per source, how many records ``sources_of(element)`` names in a bundle, as ``(source, (risk, kept))``
    with the count in the ``slot`` position: one element per source when the bundle ends.

    One step per input instead of a ``CombinePerKey`` each: each combine's grouping was a runner stage of
    its own (the full plan ran 39 runner stages, 26 without them, and built 168 transforms, 141 without),
    and what meets in the roll-up's ``Flatten`` stays a few numbers per bundle.
    Emitted when the bundle ends, so a retried bundle's counts are discarded with its other outputs."""

    def __init__(self, sources_of, slot: int):
        self.sources_of = sources_of
        self.slot = slot

    def start_bundle(self):
        self.counts: Counter[str] = Counter()

    def process(self, element):
        self.counts.update(self.sources_of(element))  # counted in C, not record by record in Python

    def finish_bundle(self):
        for source, n in self.counts.items():
            pair = (n, 0) if self.slot == 0 else (0, n)
            yield WindowedValue((source, pair), MIN_TIMESTAMP, [GlobalWindow()])
        self.counts = Counter()


def _add_pairs(pairs) -> tuple[int, int]:
    risk = kept = 0
    for r, k in pairs:
        risk += r
        kept += k
    return risk, kept


class _Verdicts(beam.DoFn):
    def __init__(self, threshold: float, min_assessed: int):
        self.threshold = threshold
        self.min_assessed = min_assessed

    def process(self, element):
        source, (risk, kept) = element
        verdict = source_verdict(source, risk, kept, self.threshold, self.min_assessed)
        count(STAGE, f"source:{source}:content_risk_rejects", risk)
        count(STAGE, f"source:{source}:kept_before", kept)
        if verdict["excluded"]:
            count(STAGE, f"source:{source}:excluded", 1)
        yield source, verdict


class SourceExclusion(Control):
    """Reject every record of a source whose verdict is `excluded`; keep the rest."""

    stage = STAGE

    def __init__(self, verdicts: dict[str, dict]):
        self.verdicts = verdicts

    def decide(self, batch: Batch) -> list[Decision]:
        decisions = []
        for source in batch.source:
            verdict = self.verdicts.get(source, {})
            if not verdict.get("excluded"):
                decisions.append(KEEP)
                continue
            detail = {k: verdict[k] for k in ("rate", "threshold", "content_risk_rejects", "kept_before_rollup")}
            decisions.append(
                Decision.reject(
                    rule="source_risk_rate", clause=CLAUSE, risk_level="major", category="source",
                    reason="source_excluded", detail=detail,
                )  # fmt: skip
            )
        return decisions


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
        # Counted where each stage rejects, so only per-source totals meet: the embedded runner
        # holds a Flatten's whole input in memory, and all rejects would be a lot.
        counts = [
            rejects | f"{STAGE}/RiskBySource{i}" >> beam.ParDo(_CountBySource(_risk_sources, 0))
            for i, rejects in enumerate(ctx.upstream_rejects)
        ]
        counts.append(batches | f"{STAGE}/KeptBySource" >> beam.ParDo(_CountBySource(_kept_sources, 1)))
        verdicts = (
            counts
            | f"{STAGE}/FlattenCounts" >> beam.Flatten()
            | f"{STAGE}/Sum" >> beam.CombinePerKey(_add_pairs)
            | f"{STAGE}/Verdicts" >> beam.ParDo(_Verdicts(self.config.threshold, self.config.min_assessed))
        )
        return batches | DecideWithView(
            STAGE, SourceExclusion, beam.pvalue.AsDict(verdicts), ctx.spill_dir(STAGE), ctx.run_id
        )

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
