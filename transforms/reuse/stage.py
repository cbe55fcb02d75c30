"""Reuse below the document level (clauses 4.1.2(b), 4.1.2(e)): repeated paragraphs and partial copies.

Two controls in one stage, because both need the same corpus-wide pass and the same corpus order:

- **Paragraph dedup** (dolma / CCNet style): a line repeated from an earlier document in the corpus order
  is removed from the later ones (``modify``, lineage lists the lines and the document that keeps each);
  with ``boilerplate_min_docs`` set, a line held by that many documents is removed from all of them. A
  document left with fewer than ``min_chars_after`` letters becomes a reject
  (``too_short_after_paragraph_dedup``).
- **Containment**: a document that shares at least ``threshold`` of its own shingles with an earlier kept
  document, or holds at least ``threshold`` of that document's shingles (and at least ``min_common``
  shingles either way), is a partial copy (``partial_copy``: reject, or tag with ``action: tag``). The
  candidates come from winnowed fingerprints; containment is exact on their full shingle sets.

Beam graph (numpy arrays cross every step; no text after the sketch):

1. ``Sketch``: per batch, line hashes, shingles, fingerprints (:mod:`transforms.reuse.sketch`).
2. ``Paragraphs`` → ``GroupByKey`` (line-hash bucket) → ``Repeats`` → one global combine: the
   :class:`RemovalTable` (repeated lines only).
3. ``Fingerprints`` → ``GroupByKey`` (fingerprint bucket) → ``FingerprintPairs`` → ``GroupByKey`` (pair
   bucket) → ``Candidates`` → one global combine: candidate pairs and their connected components.
4. ``ShingleSets``: each batch's shingles (32-bit) go to an ``.npz`` file in the stage's staging
   space (hashes, keys, order, ids: never text); ``CandidateSets`` re-reads them, keeps candidate documents,
   regroups them by component bucket; ``Resolve`` computes exact containment and the greedy pass
   (:func:`transforms.reuse.resolve.resolve_containment`) → :class:`ContainmentTable`.
5. ``Decide``: the batches wait as Parquet files (:class:`DecideWithView`) and get their decisions from the
   two tables (:class:`transforms.reuse.control.ReuseControl`).

Memory that grows with the corpus: the two shuffles, ≈ 30 bytes per line and ≈ 20 bytes per fingerprint
(≈ 37 fingerprints for a 1 KB document with the default window 8); everything else grows with repeats and
candidates only.
"""

from __future__ import annotations

import io
import uuid
from collections import Counter
from typing import Literal

import apache_beam as beam
import numpy as np
from pydantic import Field, model_validator

from transforms.core import storage
from transforms.core.records import Batch
from transforms.core.registry import register_stage
from transforms.core.stage import ConcatFn, DecideWithView, RunContext, Stage, StageConfig, count
from transforms.core.hashing import components, sorted_lookup
from transforms.reuse.control import PARTIAL_COPY, REPEATED, STAGE, TOO_SHORT, make_control
from transforms.reuse.resolve import (
    ContainmentTable,
    FingerprintEntries,
    PairEntries,
    ParagraphEntries,
    RemovalTable,
    ReuseParams,
    ShingleSets,
    batch_chunk,
    candidate_pairs,
    fingerprint_entries,
    fingerprint_pairs,
    paragraph_entries,
    rejected_keys,
    repeated_paragraphs,
    resolve_containment,
)

def _count_all(counts: Counter) -> None:
    for name, n in counts.items():
        count(STAGE, name, n)


def _buckets(values: np.ndarray, n: int):
    """(bucket, index array) for each non-empty bucket of ``values % n``."""
    bucket = (values % np.uint64(n)).astype(np.int64)
    order = np.argsort(bucket, kind="stable")
    edges = np.flatnonzero(np.diff(bucket[order])) + 1
    for part in np.split(order, edges):
        if len(part):
            yield int(bucket[part[0]]), part


class _SketchFn(beam.DoFn):
    """A batch's sketch; its shingle sets go to a staging file (path on the ``sets`` output)."""

    def __init__(self, params: ReuseParams, directory: str):
        self.params = params
        self.directory = directory

    def process(self, batch: Batch):
        if not len(batch):
            return
        chunk = batch_chunk(batch, self.params)
        if self.params.paragraphs:
            entries = paragraph_entries(chunk, self.params)
            for bucket, idx in _buckets(entries.hashes, self.params.shuffle_buckets):
                yield beam.pvalue.TaggedOutput("paragraphs", (bucket, entries.take(idx)))
        if self.params.containment:
            fps = fingerprint_entries(chunk, self.params)
            for bucket, idx in _buckets(fps.fingerprints.astype(np.uint64), self.params.shuffle_buckets):
                yield beam.pvalue.TaggedOutput("fingerprints", (bucket, FingerprintEntries(fps.fingerprints[idx], fps.keys[idx], fps.sizes[idx])))
            sets = ShingleSets.of_chunk(chunk, self.params)
            if len(sets):
                storage.makedirs(self.directory)
                path = storage.join(self.directory, f"{uuid.uuid4().hex}.npz")
                write_sets(path, sets)
                yield beam.pvalue.TaggedOutput("sets", path)


def write_sets(path: str, sets: ShingleSets) -> None:
    """One batch's shingle sets as plain arrays (uncompressed: hashes do not compress); no text."""
    buffer = io.BytesIO()
    np.savez(buffer, keys=sets.keys, order=sets.order, ids=np.array(sets.ids, dtype=str), values=sets.values, offsets=sets.offsets)
    storage.write_bytes(path, buffer.getvalue())


def read_sets(path: str) -> ShingleSets:
    with np.load(io.BytesIO(storage.read_bytes(path)), allow_pickle=False) as data:
        return ShingleSets(data["keys"], data["order"], data["ids"].tolist(), data["values"], data["offsets"])


def _repeats(element, containment: ContainmentTable, params: ReuseParams):
    _, parts = element
    table, counts = repeated_paragraphs(ParagraphEntries.concat(list(parts)), params, rejected_keys(containment, params))
    _count_all(counts)
    if len(table):
        yield table


def _pairs(element, params: ReuseParams):
    _, parts = element
    pairs, counts = fingerprint_pairs(FingerprintEntries.concat(list(parts)), params)
    _count_all(counts)
    for bucket, idx in _buckets(pairs.bucket(params.shuffle_buckets), params.shuffle_buckets):
        yield bucket, PairEntries(pairs.a[idx], pairs.b[idx], pairs.size_a[idx], pairs.size_b[idx])


def _candidates(element, params: ReuseParams):
    _, parts = element
    a, b, counts = candidate_pairs(PairEntries.concat(list(parts)), params)
    _count_all(counts)
    if len(a):
        yield a, b


def _candidate_graph(pairs: list) -> dict:
    """Candidate pairs and each candidate doc's component label (all keys sorted)."""
    if not pairs:
        empty = np.zeros(0, np.uint64)
        return {"a": empty, "b": empty, "keys": empty, "labels": empty}
    a = np.concatenate([p[0] for p in pairs])
    b = np.concatenate([p[1] for p in pairs])
    keys, labels = components(a, b)
    return {"a": a, "b": b, "keys": keys, "labels": labels}


class _CandidateSetsFn(beam.DoFn):
    """Keeps the candidate documents of one shingle-set file, keyed by component bucket."""

    def __init__(self, params: ReuseParams):
        self.params = params

    def process(self, path: str, graph):
        keys, labels = graph["keys"], graph["labels"]
        # The file stays (a retried bundle reads it again); staging goes as a whole after the run.
        if not len(keys):
            return
        sets = read_sets(path)
        pos, found = sorted_lookup(keys, sets.keys)
        rows = np.flatnonzero(found)
        if not len(rows):
            return
        part = sets.take(rows)
        for bucket, idx in _buckets(labels[pos[rows]], self.params.shuffle_buckets):
            yield bucket, part.take(idx)


def _resolve(element, graph, params: ReuseParams):
    _, parts = element
    sets = ShingleSets.concat(list(parts))
    table, counts = resolve_containment(sets, graph["a"], graph["b"], params)
    _count_all(counts)
    if len(table):
        yield table


class ReuseStage(Stage):
    """Reuse below the document level: removes repeated paragraphs and flags partial copies (containment)."""

    name = STAGE

    def __init__(self, params: ReuseParams):
        self.params = params

    def expand(self, batches, ctx: RunContext):
        p = self.params
        sketched = batches | "reuse/Sketch" >> beam.ParDo(_SketchFn(p, ctx.stage_dir(STAGE))).with_outputs(
            "paragraphs", "fingerprints", "sets"
        )
        pipeline = batches.pipeline
        if p.containment:
            graph = (
                sketched.fingerprints
                | "reuse/GroupFingerprints" >> beam.GroupByKey()
                | "reuse/FingerprintPairs" >> beam.FlatMap(_pairs, p)
                | "reuse/GroupPairs" >> beam.GroupByKey()
                | "reuse/Candidates" >> beam.FlatMap(_candidates, p)
                | "reuse/CandidateGraph" >> beam.CombineGlobally(ConcatFn(_candidate_graph))
            )
            graph_view = beam.pvalue.AsSingleton(graph)
            containment = (
                sketched.sets
                | "reuse/CandidateSets" >> beam.ParDo(_CandidateSetsFn(p), graph_view)
                | "reuse/GroupComponents" >> beam.GroupByKey()
                | "reuse/Resolve" >> beam.FlatMap(_resolve, graph_view, p)
                | "reuse/ContainmentTable" >> beam.CombineGlobally(ConcatFn(ContainmentTable.concat))
            )
        else:
            containment = pipeline | "reuse/NoContainment" >> beam.Create([ContainmentTable.empty()])
        if p.paragraphs:  # after containment: a line's first occurrence must be in a document that stays
            removal = (
                sketched.paragraphs
                | "reuse/GroupParagraphs" >> beam.GroupByKey()
                | "reuse/Repeats" >> beam.FlatMap(_repeats, beam.pvalue.AsSingleton(containment), p)
                | "reuse/RemovalTable" >> beam.CombineGlobally(ConcatFn(RemovalTable.concat))
            )
        else:
            removal = pipeline | "reuse/NoRemovals" >> beam.Create([RemovalTable.empty()])
        view = (
            pipeline
            | "reuse/One" >> beam.Create([None])
            | "reuse/View"
            >> beam.Map(lambda _, r, c: (r, c), beam.pvalue.AsSingleton(removal), beam.pvalue.AsSingleton(containment))
        )
        return batches | DecideWithView(STAGE, make_control(p), beam.pvalue.AsSingleton(view), ctx.spill_dir(STAGE), ctx.run_id)

    def report(self, ctx, counters):
        def get(name: str) -> int:
            return int(counters.get(f"{STAGE}:{name}", 0))

        p = self.params
        return {
            "input": get("input"),
            "kept": get("kept"),
            "rejected": get("rejected"),
            "modified": get("modify"),
            "partial_copies": get(f"rejected:{PARTIAL_COPY}") if p.action == "reject" else get("annotate"),
            "too_short_after_paragraph_dedup": get(f"rejected:{TOO_SHORT}"),
            "repeated_lines": get("repeated_lines"),
            "boilerplate_lines": get("boilerplate_lines"),
            "common_fingerprints": get("common_fingerprints"),
            "fingerprint_pairs": get("fingerprint_pairs"),
            "candidate_pairs": get("candidate_pairs"),
            "verified_pairs": get("verified_pairs"),
            "containment_pairs": get("containment_pairs"),
            "parameters": {
                "paragraphs": p.paragraphs, "min_paragraph_chars": p.min_paragraph_chars,
                "boilerplate_min_docs": p.boilerplate_min_docs, "min_chars_after": p.min_chars_after,
                "containment": p.containment, "threshold": p.threshold, "min_shingles": p.min_shingles,
                "min_common": p.min_common, "word_ngram": p.word_ngram, "char_ngram": p.char_ngram,
                "window": p.window, "max_postings": p.max_postings, "action": p.action,
                "source_priority": list(p.source_priority),
            },  # fmt: skip
            "modify_reason": REPEATED,
        }


@register_stage(STAGE)
class ReuseConfig(StageConfig):
    """Repeated paragraphs and partial copies (clauses 4.1.2(b), 4.1.2(e))."""

    stage: Literal["reuse"] = "reuse"
    paragraphs: bool = True
    min_paragraph_chars: int = Field(20, ge=1)
    boilerplate_min_docs: int = Field(0, ge=0)
    min_chars_after: int = Field(50, ge=0)
    containment: bool = True
    threshold: float = Field(0.3, gt=0.0, le=1.0)
    min_shingles: int = Field(20, ge=1)
    min_common: int = Field(50, ge=1)
    word_ngram: int = Field(5, ge=1, le=16)
    char_ngram: int = Field(8, ge=1, le=32)
    window: int = Field(8, ge=1, le=64)
    max_postings: int = Field(64, ge=2)
    min_shared_fingerprints: int = Field(2, ge=1)
    min_fingerprint_share: float = Field(0.1, ge=0.0, le=1.0)
    action: Literal["reject", "tag"] = "reject"
    source_priority: list[str] = []
    shuffle_buckets: int = Field(16, ge=1, le=65536)

    @model_validator(mode="after")
    def _something_on(self) -> "ReuseConfig":
        if not (self.paragraphs or self.containment):
            raise ValueError("paragraphs: at least one of paragraphs and containment must be on")
        if self.boilerplate_min_docs == 1:
            raise ValueError("boilerplate_min_docs: 1 would remove every line; use 0 (off) or >= 2")
        return self

    def params(self) -> ReuseParams:
        return ReuseParams(
            paragraphs=self.paragraphs, min_paragraph_chars=self.min_paragraph_chars,
            boilerplate_min_docs=self.boilerplate_min_docs, min_chars_after=self.min_chars_after,
            containment=self.containment, threshold=self.threshold, min_shingles=self.min_shingles,
            min_common=self.min_common, word_ngram=self.word_ngram, char_ngram=self.char_ngram, window=self.window,
            max_postings=self.max_postings, min_shared_fingerprints=self.min_shared_fingerprints,
            min_fingerprint_share=self.min_fingerprint_share, action=self.action,
            source_priority=tuple(self.source_priority), shuffle_buckets=self.shuffle_buckets,
        )  # fmt: skip

    def create(self) -> Stage:
        return ReuseStage(self.params())
