"""Deduplication (clause 4.1.2(b)): exact and near duplicates, within a run and against the published version.

Shape of the Beam graph (every shuffled element carries many keys; nothing is collected per document):

1. ``Signatures``: per record batch, normalised-text hash (exact key) and MinHash signature, as one
   :class:`SignatureChunk` (numpy arrays), also written to a Parquet file in the run's staging
   space (``StageSignatures``): step 4 re-reads it and, once the version is published, the
   records that made it into the version become its signature index (``OUT_DIR/index/dedup/v<N>``).
   With cross-version dedup on, the published index's files join here.
2. ``StageBands`` → ``GroupBands``: each chunk's (band key, doc key) entries go to band spill files,
   one row group per shuffle bucket (:mod:`transforms.dedup.buckets`); then one task per bucket
   reads its row groups from every file, sorts the keys and finds the candidate docs that share a
   band key or exact key, reduced to a spanning forest (connectivity is all the next step needs).
3. ``CandidateComponents``: a global combine over the forests only (memory grows with the number of
   duplicate candidates, not with the corpus) gives each candidate doc a component label.
4. ``Candidates`` → ``Resolve``: signature files are re-read and filtered to candidate docs, which go
   to candidate spill files by component bucket; one task per bucket resolves all its components at
   once with numpy (:func:`resolve`): pairs verified on the signature estimate (>= threshold) or
   exact key, connected components of the verified pairs, keep policy by one lexsort. Decisions
   leave as a :class:`DecisionTable` (arrays).
5. ``Filter``: a ParDo over the record batches with the merged decision table (clustered docs
   only) as a side input, through :func:`transforms.core.stage.apply_control`; the batches wait in
   Parquet files meanwhile (:class:`transforms.core.stage.DecideWithView`).

Memory: the two groupings happen on disk, so a worker holds one shuffle bucket at a time
(1/``shuffle_buckets`` of the band entries, ≈ (bands + 1) × 16 bytes per document, or of the
candidates); what grows in memory is the component map and the decision table, which grow with
the duplicates only. The embedded runner holds only file lists between the steps.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Iterator, Literal

import apache_beam as beam
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from pydantic import Field, field_validator, model_validator

from transforms.core.records import Batch
from transforms.core.registry import register_stage
from transforms.core import storage
from transforms.core.stage import CommitFileList, ConcatFn, DecideWithView, RunContext, Stage, StageConfig, count
from transforms.dedup.buckets import BucketSpillFn, each_bucket, read_bucket
from transforms.dedup.index import (
    StageSignaturesFn,
    candidates_from_arrow,
    candidates_to_arrow,
    prepare_part,
    published_index,
    read_chunk,
    write_index,
)
from transforms.core.hashing import components, sorted_lookup
from transforms.dedup.minhash import optimal_bands_rows
from transforms.dedup.resolve import (
    EXACT,
    KEEP_CRITERIA,
    NEAR,
    SIZE_BINS,
    STAGE,
    DecisionLookup,
    DecisionTable,
    DedupParams,
    SignatureChunk,
    batch_chunk,
    candidate_pairs,
    chunk_band_entries,
    resolve,
)

# ---- Beam pieces -----------------------------------------------------------------------------


class _SignatureFn(beam.DoFn):
    def __init__(self, params: DedupParams):
        self.params = params

    def process(self, batch: Batch):
        if len(batch):
            yield batch_chunk(batch, self.params)


def _bucketed_band_entries(chunk: SignatureChunk, params: DedupParams) -> Iterator[tuple[int, np.ndarray, np.ndarray]]:
    """(shuffle bucket, band keys, doc keys) of a chunk's band entries, one piece per bucket."""
    band, docs = chunk_band_entries(chunk, params)
    bucket = band % np.uint64(params.shuffle_buckets)
    order = np.argsort(bucket, kind="stable")
    bucket, band, docs = bucket[order], band[order], docs[order]
    edges = np.flatnonzero(np.diff(bucket)) + 1
    for part_band, part_docs in zip(np.split(band, edges), np.split(docs, edges)):
        if len(part_band):
            yield int(part_band[0] % np.uint64(params.shuffle_buckets)), part_band, part_docs


class _StageBandsFn(BucketSpillFn):
    """A chunk's LSH band entries to the band spill files, by shuffle bucket of the band key."""

    def __init__(self, directory: str, params: DedupParams):
        super().__init__(directory)
        self.params = params

    def pieces(self, chunk: SignatureChunk):
        for bucket, band, docs in _bucketed_band_entries(chunk, self.params):
            yield bucket, pa.table({"band": band, "doc": docs}, schema=_BAND_SCHEMA)


_BAND_SCHEMA = pa.schema([("band", pa.uint64()), ("doc", pa.uint64())])


def _bucket_forest(bucket: int, band_files):
    """Band grouping of one bucket: its candidate docs, each with the smallest doc it is connected to
    through this bucket's shared band keys (a spanning forest is all the global component step needs)."""
    tables = list(read_bucket(band_files, bucket))
    if not tables:
        return
    table = pa.concat_tables(tables)
    a, b = candidate_pairs(table.column("band").to_numpy(), table.column("doc").to_numpy(), all_pairs_up_to=0)
    count(STAGE, "candidate_pairs", len(a))
    if len(a):
        yield components(a, b)


class _ComponentsFn(beam.CombineFn):
    """Union of the buckets' forests → component label per candidate doc (sparse: duplicates only).

    A doc that shares keys in many bands is in many buckets' forests; the accumulator is compacted to
    one (doc, label) row per candidate doc whenever it passes ``COMPACT_ROWS``, so it stays near the
    number of candidate docs."""

    COMPACT_ROWS = 1 << 20

    def create_accumulator(self):
        return []

    def add_input(self, acc, forest):
        acc.append(forest)
        return self._compacted(acc)

    def merge_accumulators(self, accs):
        return self._compacted([p for acc in accs for p in acc])

    def extract_output(self, acc):
        if not acc:
            return np.zeros(0, np.uint64), np.zeros(0, np.uint64)
        return self._union(acc)

    def _compacted(self, acc):
        return [self._union(acc)] if len(acc) > 1 and sum(len(p[0]) for p in acc) > self.COMPACT_ROWS else acc

    @staticmethod
    def _union(acc):
        return components(np.concatenate([p[0] for p in acc]), np.concatenate([p[1] for p in acc]))


class _StageCandidatesFn(BucketSpillFn):
    """The candidate docs of a signature file, labelled with their component, to the candidate spill
    files by component bucket (every doc of a component lands in the same bucket)."""

    def __init__(self, directory: str, params: DedupParams):
        super().__init__(directory)
        self.params = params

    def pieces(self, signature_file: tuple[str, int, int], component_map):
        keys, labels = component_map
        if not len(keys):
            return
        chunk = read_chunk(*signature_file)
        pos, found = sorted_lookup(keys, chunk.keys)
        found = np.flatnonzero(found)
        if not len(found):
            return
        part = chunk.take(found)
        part.labels = labels[pos[found]]
        group = part.labels % np.uint64(self.params.shuffle_buckets)
        for bucket in np.unique(group).tolist():
            yield bucket, candidates_to_arrow(part.take(np.flatnonzero(group == bucket)))


def _resolve_bucket(bucket: int, candidate_files, params: DedupParams):
    tables = list(read_bucket(candidate_files, bucket))
    if not tables:
        return
    _, table, counts = resolve(candidates_from_arrow(pa.concat_tables(tables)), params)
    for name, n in counts.items():
        count(STAGE, name, n)
    if len(table):
        yield table


# ---- stage and config ------------------------------------------------------------------------


def _row_groups(path: str) -> int:
    with storage.open_input_file(path) as handle:
        return pq.ParquetFile(handle).num_row_groups


class DedupStage(Stage):
    """Removes exact and near duplicates (MinHash LSH), keeping one record per cluster."""

    name = STAGE

    def __init__(self, params: DedupParams, cross_version: bool):
        self.params = params
        self.cross_version = cross_version
        self.cross_version_note = "off"
        self._index_parts: dict[str, tuple[str, int]] = {}  # run id → this run's prepared index part

    def expand(self, batches, ctx: RunContext):
        params = self.params
        pipeline = batches.pipeline
        spill = ctx.stage_dir(STAGE)
        chunks = batches | "dedup/Signatures" >> beam.ParDo(_SignatureFn(params))
        files = chunks | "dedup/StageSignatures" >> beam.ParDo(StageSignaturesFn(spill))
        _ = files | "dedup/SignaturePaths" >> beam.Map(lambda f: f[0]) | CommitFileList(ctx.staging_dir, f"stages/{STAGE}")
        band_files = chunks | "dedup/StageBands" >> beam.ParDo(_StageBandsFn(f"{spill}/bands", params))
        if self.cross_version:
            mode = getattr(getattr(ctx.config, "output", None), "mode", "append")
            if mode == "append":
                parts, version, self.cross_version_note = published_index(ctx.out_dir, ctx.dataset_dir, params)
            else:
                parts, self.cross_version_note = [], "output mode overwrite replaces the published version"
            if parts:
                groups = [(p, g, version) for p in parts for g in range(_row_groups(p))]
                published_files = pipeline | "dedup/PublishedIndex" >> beam.Create(groups)
                published_bands = (
                    published_files
                    | "dedup/ReadIndex" >> beam.MapTuple(read_chunk)
                    | "dedup/StagePublishedBands" >> beam.ParDo(_StageBandsFn(f"{spill}/bands", params))
                )
                band_files = (band_files, published_bands) | "dedup/AllBandFiles" >> beam.Flatten()
                files = (files, published_files) | "dedup/AllSignatureFiles" >> beam.Flatten()
        # Steps 2-4 group by shuffle bucket on disk (transforms.dedup.buckets): one bucket in memory at a time.
        component_map = (
            each_bucket(pipeline, "dedup/GroupBands", params.shuffle_buckets)
            | "dedup/CandidatePairs" >> beam.FlatMap(_bucket_forest, beam.pvalue.AsList(band_files))
            | "dedup/CandidateComponents" >> beam.CombineGlobally(_ComponentsFn()).without_defaults()
        )
        # Combines without defaults, their empty results given to the side inputs instead: a default
        # costs the runner a side input and four more steps per combine.
        no_components = _ComponentsFn().extract_output([])
        candidate_files = files | "dedup/Candidates" >> beam.ParDo(
            _StageCandidatesFn(f"{spill}/candidates", params), beam.pvalue.AsSingleton(component_map, default_value=no_components)
        )
        decisions = (
            each_bucket(pipeline, "dedup/GroupComponents", params.shuffle_buckets)
            | "dedup/Resolve" >> beam.FlatMap(_resolve_bucket, beam.pvalue.AsList(candidate_files), params)
            | "dedup/Decisions" >> beam.CombineGlobally(ConcatFn(DecisionTable.concat)).without_defaults()
        )
        return batches | DecideWithView(
            STAGE, DecisionLookup, beam.pvalue.AsSingleton(decisions, default_value=DecisionTable.empty()), ctx.spill_dir(STAGE), ctx.run_id
        )

    def report(self, ctx, counters):
        def get(name: str) -> int:
            return int(counters.get(f"{STAGE}:{name}", 0))

        return {
            "input": get("input"),
            "kept": get("kept"),
            "rejected": get("rejected"),
            "exact_duplicates": get(f"rejected:{EXACT}"),
            "near_duplicates": get(f"rejected:{NEAR}"),
            "against_published": get("cross_version"),
            "clusters": get("clusters"),
            "cluster_sizes": {label: get(f"cluster_size:{label}") for _, label in SIZE_BINS},
            "candidate_pairs": get("candidate_pairs"),
            "verified_pairs": get("verified_pairs"),
            "cross_version": self.cross_version_note,
            "parameters": {
                "exact": self.params.exact,
                "near": self.params.near,
                "threshold": self.params.threshold,
                "num_perm": self.params.num_perm,
                "bands": self.params.bands,
                "rows": self.params.rows,
                "word_ngram": self.params.word_ngram,
                "char_ngram": self.params.char_ngram,
                "keep": list(self.params.keep),
                "source_priority": list(self.params.source_priority),
            },
        }

    def prepare_publish(self, ctx) -> None:
        if self.cross_version:
            self._index_parts[ctx.run_id] = prepare_part(ctx, self.params, ctx.committed_files(f"stages/{STAGE}"))

    def on_publish(self, ctx, version: int) -> None:
        if self.cross_version:
            write_index(ctx, version, self.params, ctx.committed_files(f"stages/{STAGE}"), self._index_parts.pop(ctx.run_id, None))


@register_stage("dedup")
class DedupConfig(StageConfig):
    """Exact and near-duplicate removal (clause 4.1.2(b))."""

    stage: Literal["dedup"] = "dedup"
    exact: bool = True
    near: bool = True
    threshold: float = Field(0.5, gt=0.0, lt=1.0)
    num_perm: int = Field(128, ge=16, le=1024)
    bands: int | None = Field(None, ge=1)
    rows: int | None = Field(None, ge=1)
    false_positive_weight: float = Field(0.5, ge=0.0)
    false_negative_weight: float = Field(0.5, ge=0.0)
    word_ngram: int = Field(5, ge=1, le=16)
    char_ngram: int = Field(5, ge=1, le=32)
    seed: int = 1
    keep: list[str] = ["source_priority", "longest", "id"]
    source_priority: list[str] = []
    date_field: str | None = None
    cross_version: bool = True
    shuffle_buckets: int = Field(64, ge=1, le=65536)

    @field_validator("keep")
    @classmethod
    def _known_criteria(cls, keep: list[str]) -> list[str]:
        unknown = [k for k in keep if k not in KEEP_CRITERIA]
        if unknown:
            raise ValueError(f"unknown criterion {unknown[0]!r} (known: {', '.join(KEEP_CRITERIA)})")
        if len(set(keep)) != len(keep):
            raise ValueError("criteria must not repeat")
        return keep

    @model_validator(mode="after")
    def _consistent(self) -> "DedupConfig":
        if (self.bands is None) != (self.rows is None):
            raise ValueError("bands: set bands and rows together, or neither to derive them from threshold")
        if self.bands is not None and self.bands * self.rows > self.num_perm:
            raise ValueError(f"bands: bands x rows = {self.bands * self.rows} exceeds num_perm {self.num_perm}")
        if "earliest" in self.keep and not self.date_field:
            raise ValueError("date_field: required when keep contains 'earliest'")
        if not (self.exact or self.near):
            raise ValueError("exact: at least one of exact and near must be on")
        return self

    def params(self) -> DedupParams:
        bands, rows = (self.bands, self.rows) if self.bands is not None else _derived_bands_rows(
            self.threshold, self.num_perm, self.false_positive_weight, self.false_negative_weight
        )
        return DedupParams(
            exact=self.exact,
            near=self.near,
            threshold=self.threshold,
            num_perm=self.num_perm,
            bands=bands,
            rows=rows,
            word_ngram=self.word_ngram,
            char_ngram=self.char_ngram,
            seed=self.seed,
            keep=tuple(self.keep),
            source_priority=tuple(self.source_priority),
            date_field=self.date_field,
            shuffle_buckets=self.shuffle_buckets,
        )

    def create(self) -> Stage:
        return DedupStage(self.params(), self.cross_version)


@lru_cache(maxsize=32)
def _derived_bands_rows(threshold: float, num_perm: int, fp_weight: float, fn_weight: float) -> tuple[int, int]:
    return optimal_bands_rows(threshold, num_perm, fp_weight, fn_weight)
