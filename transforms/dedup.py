"""Deduplication (clause 4.1.2(b)): exact and near duplicates, within a run and against the published version.

Shape of the Beam graph (every shuffled element carries many keys; nothing is collected per document):

1. ``Signatures``: per record batch, normalised-text hash (exact key) and MinHash signature, as one
   :class:`SignatureChunk` (numpy arrays), also written to a Parquet file in the run's staging
   space (``StageSignatures``): step 4 re-reads it and, once the version is published, the
   records that made it into the version become its signature index (``OUT_DIR/index/dedup/v<N>``).
   With cross-version dedup on, the published index's files join here.
2. ``BandKeys`` → ``GroupByKey``: each chunk emits one element per shuffle bucket holding the
   (band key, doc key) pairs of that bucket; a bucket group sorts its keys and emits candidate
   edges (a star per shared key or exact key: connectivity is all the next step needs).
3. ``CandidateComponents``: a global combine over the candidate edges only (memory grows with the
   number of duplicate candidates, not with the corpus) gives each candidate doc a component label.
4. ``Resolve``: signature files are re-read and filtered to candidate docs, regrouped by component bucket; all
   components of a bucket are resolved at once with numpy (:func:`resolve`): pairs verified on the
   signature estimate (>= threshold) or exact key, connected components of the verified pairs,
   keep policy by one lexsort. Decisions leave as a :class:`DecisionTable` (arrays).
5. ``Filter``: a ParDo over the record batches with the merged decision table (clustered docs
   only) as a side input, through :func:`transforms.base.apply_control`; the batches wait in
   Parquet files meanwhile (:class:`transforms.base.DecideWithView`).

Memory that grows with the corpus (the embedded runner holds what crosses a step boundary): the
band-key shuffle, ≈ (bands + 1) × 16 bytes per document (416 bytes with the default 25 bands),
plus the component map and decision table, which grow with the duplicates only.
"""

from __future__ import annotations

import hashlib
import json
import os
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal, Sequence

import apache_beam as beam
import numpy as np
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
from pydantic import Field, field_validator, model_validator

from transforms.base import (
    DecideWithView,
    Control,
    Decision,
    KEEP,
    RunContext,
    Stage,
    StageConfig,
    count,
    register_stage,
)
from transforms.minhash import (
    MinHasher,
    band_keys,
    components,
    doc_key,
    exact_keys,
    pair_similarity,
    normalize_codes,
    optimal_bands_rows,
    shingle_hashes_of_codes,
)
from transforms.records import Batch
from transforms.storage import link_or_copy, stream_batches

STAGE = "dedup"
CLAUSE = "4.1.2(b)"
RULE = "dedup.minhash"
EXACT, NEAR = "exact_duplicate", "near_duplicate"
KEEP_CRITERIA = ("source_priority", "longest", "earliest", "id")
SIZE_BINS = ((2, "2"), (3, "3-5"), (6, "6-10"), (11, "11-100"), (101, "101+"))
_ALL_PAIRS_UP_TO = 64  # components this small verify every pair; larger ones verify LSH pairs only
_RUN_ALL_PAIRS_UP_TO = 32  # a band bucket this small emits all its pairs, a larger one a star
_PUBLISHED_SALT = np.uint64(0x5BD1E9955BD1E995)  # published docs never share a key with current ones
_EXACT_BAND_SALT = np.uint64(0x27D4EB2F165667C5)


@dataclass(frozen=True)
class DedupParams:
    """Plain, picklable parameters (what workers need from :class:`DedupConfig`)."""

    exact: bool = True
    near: bool = True
    threshold: float = 0.5
    num_perm: int = 128
    bands: int = 0
    rows: int = 0
    word_ngram: int = 5
    char_ngram: int = 5
    seed: int = 1
    keep: tuple[str, ...] = ("source_priority", "longest", "id")
    source_priority: tuple[str, ...] = ()
    date_field: str | None = None
    shuffle_buckets: int = 64

    def signature_params(self) -> dict:
        """What makes two signatures comparable (stored with the published index)."""
        return {"num_perm": self.num_perm, "seed": self.seed, "word_ngram": self.word_ngram, "char_ngram": self.char_ngram}


@lru_cache(maxsize=4)
def _hasher(num_perm: int, seed: int) -> MinHasher:
    return MinHasher(num_perm, seed)


@dataclass
class SignatureChunk:
    """Signatures and keep-policy attributes of some documents, as arrays (one Beam element)."""

    keys: np.ndarray  # uint64 doc keys
    exact: np.ndarray  # (n, 2) uint64: the 128-bit exact key
    signatures: np.ndarray  # (n, num_perm) uint32
    has_shingles: np.ndarray  # bool
    ids: list[str]
    sources: list[str]
    lengths: np.ndarray  # int64, characters of normalised text
    dates: list[str | None]
    versions: np.ndarray  # int64: the published version a doc comes from, -1 for this run
    labels: np.ndarray | None = None  # candidate component per doc, set before resolution

    def __len__(self) -> int:
        return len(self.keys)

    def take(self, index: np.ndarray) -> "SignatureChunk":
        pick = index.tolist()
        return SignatureChunk(
            self.keys[index],
            self.exact[index],
            self.signatures[index],
            self.has_shingles[index],
            [self.ids[i] for i in pick],
            [self.sources[i] for i in pick],
            self.lengths[index],
            [self.dates[i] for i in pick],
            self.versions[index],
            None if self.labels is None else self.labels[index],
        )


def signature_chunk(
    ids: Sequence[str],
    texts: Sequence[str],
    params: DedupParams,
    sources: Sequence[str] | None = None,
    dates: Sequence[str | None] | None = None,
    published: int = -1,
) -> SignatureChunk:
    codes, bounds = normalize_codes([t or "" for t in texts])
    exact = exact_keys(codes, bounds)
    shingles, offsets = shingle_hashes_of_codes(codes, bounds, params.word_ngram, params.char_ngram)
    signatures = _hasher(params.num_perm, params.seed).signatures(shingles, offsets)
    keys = np.fromiter((doc_key(i) for i in ids), dtype=np.uint64, count=len(ids))
    if published >= 0:
        keys ^= _PUBLISHED_SALT
    return SignatureChunk(
        keys=keys,
        exact=exact,
        signatures=signatures,
        has_shingles=np.diff(offsets) > 0,
        ids=list(ids),
        sources=list(sources) if sources is not None else [""] * len(ids),
        lengths=np.diff(bounds) - 1,
        dates=list(dates) if dates is not None else [None] * len(ids),
        versions=np.full(len(ids), published, dtype=np.int64),
    )


def batch_chunk(batch: Batch, params: DedupParams) -> SignatureChunk:
    dates = [str(m.get(params.date_field)) if m.get(params.date_field) is not None else None for m in batch.meta] if params.date_field else None
    return signature_chunk(batch.id, batch.text, params, sources=batch.source, dates=dates)


def chunk_band_entries(chunk: SignatureChunk, params: DedupParams) -> tuple[np.ndarray, np.ndarray]:
    """(band keys, doc keys): the LSH bands of docs with shingles, plus one exact-key band."""
    keys, docs = [], []
    if params.exact:
        keys.append(chunk.exact[:, 0] ^ chunk.exact[:, 1] ^ _EXACT_BAND_SALT)
        docs.append(chunk.keys)
    if params.near and params.bands:
        usable = np.flatnonzero(chunk.has_shingles)
        bands = band_keys(chunk.signatures[usable], params.bands, params.rows)
        keys.append(bands.ravel())
        docs.append(np.repeat(chunk.keys[usable], params.bands))
    if not keys:
        return np.zeros(0, np.uint64), np.zeros(0, np.uint64)
    return np.concatenate(keys), np.concatenate(docs)


def pairs_within_runs(run_first: np.ndarray, run_size: np.ndarray, skip_first: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Positions (i, j), i < j, of every pair inside each run ``[first, first + size)`` of a sorted
    array (without the pairs of each run's first position when ``skip_first``)."""
    size_of = np.repeat(run_size, run_size)
    position = np.arange(len(size_of)) - np.repeat(np.cumsum(run_size) - run_size, run_size)
    left = np.repeat(run_first, run_size) + position
    if skip_first:
        left, position, size_of = left[position > 0], position[position > 0], size_of[position > 0]
    partners = size_of - position - 1
    right_offset = np.arange(int(partners.sum())) - np.repeat(np.cumsum(partners) - partners, partners)
    left = np.repeat(left, partners)
    return left, left + 1 + right_offset


def candidate_pairs(band: np.ndarray, docs: np.ndarray, all_pairs_up_to: int = _RUN_ALL_PAIRS_UP_TO) -> tuple[np.ndarray, np.ndarray]:
    """Unique (a, b), a < b, of docs sharing a band key: all pairs in runs of up to ``all_pairs_up_to``
    docs, a star to the first doc in larger ones (``all_pairs_up_to=0``: stars only, enough for
    connectivity)."""
    order = np.lexsort((docs, band))
    band, docs = band[order], docs[order]
    if len(band) < 2:
        return np.zeros(0, np.uint64), np.zeros(0, np.uint64)
    new_run = np.ones(len(band), dtype=bool)
    new_run[1:] = band[1:] != band[:-1]
    run_first = np.flatnonzero(new_run)
    run_size = np.diff(np.append(run_first, len(band)))
    first_of = np.repeat(run_first, run_size)
    member = np.flatnonzero(~new_run)
    lefts, rights = [docs[first_of[member]]], [docs[member]]
    small = (run_size > 2) & (run_size <= all_pairs_up_to)
    if small.any():  # pairs with a run's first doc are already in the star
        i, j = pairs_within_runs(run_first[small], run_size[small], skip_first=True)
        lefts.append(docs[i])
        rights.append(docs[j])
    a, b = np.concatenate(lefts), np.concatenate(rights)
    a, b = np.minimum(a, b), np.maximum(a, b)
    distinct = a != b
    a, b = a[distinct], b[distinct]
    order = np.lexsort((b, a))
    a, b = a[order], b[order]
    first = np.ones(len(a), dtype=bool)
    first[1:] = (a[1:] != a[:-1]) | (b[1:] != b[:-1])
    return a[first], b[first]


def sorted_lookup(sorted_keys: np.ndarray, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(position in ``sorted_keys``, whether it is there) for each of ``keys``."""
    if not len(sorted_keys):
        return np.zeros(len(keys), np.int64), np.zeros(len(keys), bool)
    pos = np.minimum(np.searchsorted(sorted_keys, keys), len(sorted_keys) - 1)
    return pos, sorted_keys[pos] == keys


def concat_chunks(chunks: Sequence[SignatureChunk]) -> SignatureChunk:
    return SignatureChunk(
        keys=np.concatenate([c.keys for c in chunks]),
        exact=np.concatenate([c.exact for c in chunks]),
        signatures=np.concatenate([c.signatures for c in chunks]),
        has_shingles=np.concatenate([c.has_shingles for c in chunks]),
        ids=[i for c in chunks for i in c.ids],
        sources=[s for c in chunks for s in c.sources],
        lengths=np.concatenate([c.lengths for c in chunks]),
        dates=[d for c in chunks for d in c.dates],
        versions=np.concatenate([c.versions for c in chunks]),
        labels=np.concatenate([c.labels for c in chunks]) if all(c.labels is not None for c in chunks) else None,
    )


def _verified_pairs(chunk: SignatureChunk, run_first: np.ndarray, run_size: np.ndarray, params: DedupParams) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (i, j) of ``chunk`` rows inside one candidate component (the runs of rows
    ``[first, first + size)``) that are exact duplicates or estimated similar enough.

    Small components check every pair; larger ones only the pairs sharing an LSH band.
    """
    small = run_size <= _ALL_PAIRS_UP_TO
    i, j = pairs_within_runs(run_first[small], run_size[small])
    lefts, rights = [i], [j]
    for first, size in zip(run_first[~small].tolist(), run_size[~small].tolist()):
        rows = np.arange(first, first + size)
        group = chunk.take(rows)
        a, b = candidate_pairs(*chunk_band_entries(group, params))
        order = np.argsort(group.keys, kind="stable")
        lefts.append(rows[order[np.searchsorted(group.keys[order], a)]])
        rights.append(rows[order[np.searchsorted(group.keys[order], b)]])
    i, j = np.concatenate(lefts), np.concatenate(rights)
    same_exact = _same_exact(chunk.exact, i, j) & params.exact
    similar = np.zeros(len(i), dtype=bool)
    if params.near:
        shingled = chunk.has_shingles[i] & chunk.has_shingles[j]
        similar = shingled & (pair_similarity(chunk.signatures, i, j) >= params.threshold)
    _, id_codes = np.unique(np.array(chunk.ids, dtype=object), return_inverse=True)
    linked = (same_exact | similar) & (id_codes[i] != id_codes[j])  # a re-ingested record is not its own copy
    return i[linked], j[linked]


def _same_exact(exact: np.ndarray, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    return (exact[i, 0] == exact[j, 0]) & (exact[i, 1] == exact[j, 1])


def size_bin(size: int) -> str:
    return next(label for low, label in reversed(SIZE_BINS) if size >= low)


def _keep_rank(chunk: SignatureChunk, params: DedupParams) -> list[np.ndarray]:
    """Sort keys, most significant first, for :func:`keep_order` (smaller is better)."""
    priority = {s: i for i, s in enumerate(params.source_priority)}
    _, id_rank = np.unique(np.array(chunk.ids, dtype=object), return_inverse=True)
    keys = [np.where(chunk.versions >= 0, 0, 1)]  # published docs first
    for criterion in params.keep:
        if criterion == "source_priority":
            keys.append(np.array([priority.get(s, len(priority)) for s in chunk.sources], dtype=np.int64))
        elif criterion == "longest":
            keys.append(-chunk.lengths)
        elif criterion == "earliest":
            _, date_rank = np.unique(np.array([d or "" for d in chunk.dates], dtype=object), return_inverse=True)
            keys.append(np.array([d is None for d in chunk.dates]))
            keys.append(date_rank)
        elif criterion == "id":
            keys.append(id_rank)
    keys.append(id_rank)  # total order: reruns keep the same survivor
    return keys


def keep_order(chunk: SignatureChunk, params: DedupParams) -> list[int]:
    """Indices of ``chunk`` best first: published docs, then the configured criteria, then id."""
    return np.lexsort(_keep_rank(chunk, params)[::-1]).tolist()


def _greedy_survivors(
    members: np.ndarray, i: np.ndarray, j: np.ndarray, versions: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Which members survive, and the kept member each one matched (itself when kept).

    ``members`` are ordered by cluster, best first. A component is a chain of verified pairs, so its
    ends can be far apart (A~B~C with A and C unrelated): walking best first, a member is removed
    only if it has a verified pair with a member already kept, and that member is named as its match.
    Published members always stay (they are never removed again).
    """
    neighbours: dict[int, list[int]] = defaultdict(list)
    for a, b in zip(i.tolist(), j.tolist()):
        neighbours[a].append(b)
        neighbours[b].append(a)
    position = {m: p for p, m in enumerate(members.tolist())}
    kept_set: set[int] = set()
    match = np.empty(len(members), dtype=np.int64)
    is_kept = np.zeros(len(members), dtype=bool)
    for p, m in enumerate(members.tolist()):
        linked = [n for n in neighbours[m] if n in kept_set]
        if linked and versions[m] < 0:
            match[p] = min(linked, key=position.__getitem__)
        else:
            kept_set.add(m)
            is_kept[p] = True
            match[p] = m
    return match, is_kept


def resolve(chunk: SignatureChunk, params: DedupParams) -> tuple[np.ndarray, "DecisionTable", Counter]:
    """Verified clusters of every candidate component of ``chunk`` (``chunk.labels``) and what to
    do with each doc of this run in them, for all components at once.

    Returns (rows of ``chunk`` decided, their :class:`DecisionTable` in that order, counts).
    """
    counts: Counter = Counter()
    order = np.argsort(chunk.labels, kind="stable")
    chunk = chunk.take(order)
    new_run = np.ones(len(chunk), dtype=bool)
    new_run[1:] = chunk.labels[1:] != chunk.labels[:-1]
    run_first = np.flatnonzero(new_run)
    run_size = np.diff(np.append(run_first, len(chunk)))
    i, j = _verified_pairs(chunk, run_first, run_size, params)
    counts["verified_pairs"] += len(i)
    if not len(i):
        return np.zeros(0, np.int64), DecisionTable.empty(), counts
    members, cluster_of = components(i.astype(np.uint64), j.astype(np.uint64))
    members, cluster_of = members.astype(np.int64), cluster_of.astype(np.int64)
    ranks = _keep_rank(chunk.take(members), params)
    best_first = np.lexsort([*ranks[::-1], cluster_of])  # by cluster, best first inside it
    members, cluster_of = members[best_first], cluster_of[best_first]
    new_cluster = np.ones(len(members), dtype=bool)
    new_cluster[1:] = cluster_of[1:] != cluster_of[:-1]
    cluster_first = np.flatnonzero(new_cluster)
    sizes = np.diff(np.append(cluster_first, len(members)))
    kept, is_kept = _greedy_survivors(members, i, j, chunk.versions)
    size_of = np.repeat(sizes, sizes)
    cluster_ids = []
    for first, size in zip(cluster_first.tolist(), sizes.tolist()):
        ids = sorted(chunk.ids[m] for m in members[first : first + size].tolist())
        cluster_ids.append(int.from_bytes(hashlib.blake2b("\x1f".join(ids).encode(), digest_size=8).digest(), "big"))
        counts[f"cluster_size:{size_bin(size)}"] += 1
    counts["clusters"] += len(sizes)
    clusters = np.repeat(np.array(cluster_ids, dtype=np.uint64), sizes)

    kept_version = chunk.versions[kept]
    current = chunk.versions[members] < 0  # published docs are never removed again
    decided = current & (~is_kept | (kept_version < 0))
    exact = _same_exact(chunk.exact, members, kept)
    similarity = np.where(exact, 1.0, np.round(pair_similarity(chunk.signatures, members, kept), 4))
    actions = np.where(is_kept, ACTIONS.index("keep"), np.where(exact, ACTIONS.index(EXACT), ACTIONS.index(NEAR)))
    counts["cross_version"] += int(np.count_nonzero(decided & ~is_kept & (kept_version >= 0)))
    pick = np.flatnonzero(decided)
    kept_ids = [b"" if is_kept[p] else chunk.ids[kept[p]].encode() for p in pick.tolist()]
    table = DecisionTable(
        keys=chunk.keys[members[pick]],
        actions=actions[pick].astype(np.int8),
        similarity=similarity[pick],
        clusters=clusters[pick],
        cluster_sizes=size_of[pick].astype(np.int64),
        published_versions=np.where(kept_version >= 0, kept_version, -1)[pick].astype(np.int64),
        kept_ids=b"".join(kept_ids),
        kept_offsets=np.concatenate(([0], np.cumsum([len(k) for k in kept_ids], dtype=np.int64))).astype(np.int64),
    )
    return order[members[pick]], table, counts


def resolve_component(group: SignatureChunk, params: DedupParams) -> tuple[dict[str, tuple[str, dict]], Counter]:
    """:func:`resolve` for docs forming one candidate component, as {record id: (reason or "keep", detail)}."""
    labelled = group.take(np.arange(len(group)))
    labelled.labels = np.zeros(len(group), dtype=np.uint64)
    rows, table, counts = resolve(labelled, params)
    decisions = {}
    for k, row in enumerate(rows.tolist()):
        decision = table.decision(k)
        decisions[group.ids[row]] = (decision.reason or "keep", dict(decision.detail))
    return decisions, counts


ACTIONS = ("keep", EXACT, NEAR)


@dataclass
class DecisionTable:
    """Decisions for clustered docs as sorted arrays: the Filter's side input.

    Arrays instead of a dict of detail dicts, so pickling it and the runner's side-input cache
    (which walks every object to size it) cost O(arrays), not O(objects), and it stays small:
    ~50 bytes per clustered doc plus its kept id.
    """

    keys: np.ndarray  # uint64 doc keys, sorted
    actions: np.ndarray  # int8 index into ACTIONS
    similarity: np.ndarray  # float64
    clusters: np.ndarray  # uint64: the 8-byte cluster id
    cluster_sizes: np.ndarray  # int64
    published_versions: np.ndarray  # int64, -1 when the kept doc is from this run
    kept_ids: bytes  # UTF-8 kept ids of rejected docs, concatenated
    kept_offsets: np.ndarray  # int64, len(keys) + 1

    @classmethod
    def empty(cls) -> "DecisionTable":
        none = np.zeros(0, dtype=np.int64)
        return cls(none.astype(np.uint64), none.astype(np.int8), none.astype(np.float64), none.astype(np.uint64), none, none, b"", np.zeros(1, dtype=np.int64))

    @classmethod
    def concat(cls, tables: Sequence["DecisionTable"]) -> "DecisionTable":
        tables = [t for t in tables if len(t.keys)]
        if not tables:
            return cls.empty()
        starts = np.cumsum([0] + [t.kept_offsets[-1] for t in tables[:-1]])
        table = cls(
            keys=np.concatenate([t.keys for t in tables]),
            actions=np.concatenate([t.actions for t in tables]),
            similarity=np.concatenate([t.similarity for t in tables]),
            clusters=np.concatenate([t.clusters for t in tables]),
            cluster_sizes=np.concatenate([t.cluster_sizes for t in tables]),
            published_versions=np.concatenate([t.published_versions for t in tables]),
            kept_ids=b"".join(t.kept_ids for t in tables),
            kept_offsets=np.concatenate([[0]] + [t.kept_offsets[1:] + start for t, start in zip(tables, starts)]).astype(np.int64),
        )
        return table.sorted()

    def sorted(self) -> "DecisionTable":
        order = np.argsort(self.keys, kind="stable")
        lengths = np.diff(self.kept_offsets)[order]
        starts = self.kept_offsets[:-1][order]
        kept = b"".join(self.kept_ids[s : s + n] for s, n in zip(starts.tolist(), lengths.tolist()))
        return DecisionTable(
            self.keys[order], self.actions[order], self.similarity[order], self.clusters[order],
            self.cluster_sizes[order], self.published_versions[order], kept,
            np.concatenate(([0], np.cumsum(lengths, dtype=np.int64))).astype(np.int64),
        )

    def __len__(self) -> int:
        return len(self.keys)

    def lookup(self, record_ids: Sequence[str]) -> list[Decision]:
        """One decision per record id: a plain keep for docs outside every cluster."""
        out = [KEEP] * len(record_ids)
        if not len(self.keys):
            return out
        keys = np.fromiter((doc_key(i) for i in record_ids), dtype=np.uint64, count=len(record_ids))
        pos, found = sorted_lookup(self.keys, keys)
        for i in np.flatnonzero(found).tolist():
            out[i] = self.decision(int(pos[i]))
        return out

    def decision(self, row: int) -> Decision:
        action = ACTIONS[self.actions[row]]
        cluster = {"cluster_id": int(self.clusters[row]).to_bytes(8, "big").hex(), "cluster_size": int(self.cluster_sizes[row])}
        if action == "keep":
            return Decision("keep", rule=RULE, clause=CLAUSE, detail={**cluster, "role": "kept"})
        kept_id = self.kept_ids[self.kept_offsets[row] : self.kept_offsets[row + 1]].decode()
        detail = {"kept_id": kept_id, "similarity": float(self.similarity[row]), **cluster}
        if self.published_versions[row] >= 0:
            detail["published_version"] = int(self.published_versions[row])
        return Decision.reject(rule=RULE, clause=CLAUSE, risk_level="low", category="duplicate", reason=action, detail=detail)


class _DecisionLookup(Control):
    """Removal decisions computed over the whole corpus, looked up per record."""

    stage = STAGE

    def __init__(self, decisions: DecisionTable):
        self.decisions = decisions

    def decide(self, batch: Batch) -> list[Decision]:
        return self.decisions.lookup(batch.id)


# ---- Beam pieces -----------------------------------------------------------------------------


class _SignatureFn(beam.DoFn):
    def __init__(self, params: DedupParams):
        self.params = params

    def process(self, batch: Batch):
        if len(batch):
            yield batch_chunk(batch, self.params)


def _bucketed_band_entries(chunk: SignatureChunk, params: DedupParams):
    band, docs = chunk_band_entries(chunk, params)
    bucket = band % np.uint64(params.shuffle_buckets)
    order = np.argsort(bucket, kind="stable")
    bucket, band, docs = bucket[order], band[order], docs[order]
    edges = np.flatnonzero(np.diff(bucket)) + 1
    for part_band, part_docs in zip(np.split(band, edges), np.split(docs, edges)):
        if len(part_band):
            yield int(part_band[0] % np.uint64(params.shuffle_buckets)), (part_band, part_docs)


def _bucket_pairs(element):
    _, parts = element
    parts = list(parts)
    # connectivity is all the component step needs: stars, not all pairs
    a, b = candidate_pairs(np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts]), all_pairs_up_to=0)
    count(STAGE, "candidate_pairs", len(a))
    if len(a):
        yield a, b


class _ComponentsFn(beam.CombineFn):
    """Union of candidate pairs → component label per candidate doc (sparse: duplicates only)."""

    def create_accumulator(self):
        return []

    def add_input(self, acc, pairs):
        acc.append(pairs)
        return acc

    def merge_accumulators(self, accs):
        return [p for acc in accs for p in acc]

    def extract_output(self, acc):
        if not acc:
            return np.zeros(0, np.uint64), np.zeros(0, np.uint64)
        return components(np.concatenate([p[0] for p in acc]), np.concatenate([p[1] for p in acc]))


class _CandidatesFn(beam.DoFn):
    """Keeps the candidate docs of a signature file, labelled with their component, keyed by component bucket."""

    def __init__(self, params: DedupParams):
        self.params = params

    def process(self, signature_file: tuple[str, int, int], component_map):
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
            yield bucket, part.take(np.flatnonzero(group == bucket))


def _resolve_bucket(element, params: DedupParams):
    _, chunks = element
    _, table, counts = resolve(concat_chunks(list(chunks)), params)
    for name, n in counts.items():
        count(STAGE, name, n)
    if len(table):
        yield table


class _MergeTables(beam.CombineFn):
    def create_accumulator(self):
        return []

    def add_input(self, acc, table):
        acc.append(table)
        return acc

    def merge_accumulators(self, accs):
        return [t for acc in accs for t in acc]

    def extract_output(self, acc):
        return DecisionTable.concat(acc)


# ---- signature files: this run's (staged) and the published index ---------------------------

INDEX_PARAMS = "params.json"
_INDEX_ROWS = 4096


def signature_schema(num_perm: int) -> pa.Schema:
    return pa.schema(
        [
            ("key", pa.uint64()),  # doc key, unsalted
            ("exact", pa.binary(16)),
            ("signature", pa.binary(num_perm * 4)),
            ("has_shingles", pa.bool_()),
            ("id", pa.string()),
            ("source", pa.string()),
            ("length", pa.int64()),
            ("date", pa.string()),
        ]
    )


def chunk_to_arrow(chunk: SignatureChunk) -> pa.RecordBatch:
    """The columns of this run's ``chunk`` that a later step or run needs, as one Arrow batch."""
    num_perm = chunk.signatures.shape[1]
    return pa.record_batch(
        [
            pa.array(chunk.keys, pa.uint64()),
            _fixed_width(np.ascontiguousarray(chunk.exact), 16),
            _fixed_width(np.ascontiguousarray(chunk.signatures), num_perm * 4),
            pa.array(chunk.has_shingles, pa.bool_()),
            pa.array(chunk.ids, pa.string()),
            pa.array(chunk.sources, pa.string()),
            pa.array(chunk.lengths, pa.int64()),
            pa.array(chunk.dates, pa.string()),
        ],
        schema=signature_schema(num_perm),
    )


def _fixed_width(rows: np.ndarray, width: int) -> pa.Array:
    return pa.FixedSizeBinaryArray.from_buffers(pa.binary(width), len(rows), [None, pa.py_buffer(rows.tobytes())])


def _fixed_width_rows(column: pa.ChunkedArray, dtype, per_row: int) -> np.ndarray:
    array = column.combine_chunks()
    data = np.frombuffer(array.buffers()[1], dtype=dtype)
    return data[array.offset * per_row : (array.offset + len(array)) * per_row].reshape(len(array), per_row)


def chunk_from_arrow(table: pa.Table, version: int) -> SignatureChunk:
    """A :class:`SignatureChunk` read back; ``version`` >= 0 marks docs of that published version."""
    n = table.num_rows
    signatures = _fixed_width_rows(table.column("signature"), np.uint32, table.schema.field("signature").type.byte_width // 4)
    keys = table.column("key").to_numpy()
    return SignatureChunk(
        keys=keys ^ _PUBLISHED_SALT if version >= 0 else keys,
        exact=_fixed_width_rows(table.column("exact"), np.uint64, 2),
        signatures=signatures,
        has_shingles=table.column("has_shingles").to_numpy(zero_copy_only=False),
        ids=table.column("id").to_pylist(),
        sources=table.column("source").to_pylist(),
        lengths=table.column("length").to_numpy(),
        dates=table.column("date").to_pylist(),
        versions=np.full(n, version, dtype=np.int64),
    )


def read_chunk(path: str, row_group: int, version: int) -> SignatureChunk:
    """One row group of a signature file: this run's (``version`` -1) or a published index part."""
    return chunk_from_arrow(pq.ParquetFile(path).read_row_group(row_group), version)


class _StageSignaturesFn(beam.DoFn):
    """Writes a batch's signatures to the stage's staging space; passes on (path, row group, -1).

    The files are what ``Candidates`` re-reads once the candidate components exist (so the runner
    does not buffer every signature in memory) and what the published index is made of.
    """

    def __init__(self, directory: str):
        self.directory = directory

    def process(self, chunk: SignatureChunk):
        os.makedirs(self.directory, exist_ok=True)
        path = os.path.join(self.directory, f"{uuid.uuid4().hex}.parquet")
        pq.write_table(pa.Table.from_batches([chunk_to_arrow(chunk)]), path, compression="none")
        yield path, 0, -1


def index_dir(out_dir: Path, version: int) -> Path:
    return Path(out_dir) / "index" / STAGE / f"v{version}"


def index_parts(directory: Path) -> list[Path]:
    return sorted(Path(directory).glob("part-*.parquet"))


def write_index(ctx: RunContext, version: int, params: DedupParams) -> int:
    """The signature index of dataset ``version``, beside it; returns its rows.

    It is this run's staged signatures of the records it published, plus (appending) the parts of
    the previous version's index, hard-linked. Without a usable previous index the published
    table is signed again.
    """
    target = index_dir(ctx.out_dir, version)
    target.mkdir(parents=True, exist_ok=True)
    previous = index_dir(ctx.out_dir, version - 1)
    appended = version > 0 and ctx.config.output.mode == "append"
    if appended and not _usable(previous, params):
        return _sign_published(ctx.dataset_dir, version, target, params)
    rows = 0
    if appended:
        for part in index_parts(previous):
            if not (target / part.name).exists():
                link_or_copy(part, target / part.name)
            rows += pq.ParquetFile(part).metadata.num_rows
    staged = sorted(Path(ctx.stage_dir(STAGE)).glob("*.parquet"))
    rows += _write_part(staged, _published_keys(ctx), target / f"part-{ctx.run_id}.parquet", params)
    (target / INDEX_PARAMS).write_text(json.dumps({**params.signature_params(), "version": version, "rows": rows}))
    return rows


def _published_keys(ctx: RunContext) -> np.ndarray:
    """Sorted doc keys of the records this run staged for publishing."""
    files = sorted(str(p) for p in ctx.kept_dir.glob("*.parquet")) if ctx.kept_dir.exists() else []
    ids = ds.dataset(files, format="parquet").to_table(columns=["id"]).column("id").to_pylist() if files else []
    return np.sort(np.fromiter((doc_key(i) for i in ids), dtype=np.uint64, count=len(ids)))


def _write_part(staged: list[Path], published: np.ndarray, path: Path, params: DedupParams) -> int:
    """The rows of the staged signature files whose record was published, in row groups of ~4k."""
    rows, pending = 0, []
    tmp = path.with_suffix(".tmp")
    with pq.ParquetWriter(tmp, signature_schema(params.num_perm)) as writer:
        for i, file in enumerate(staged):
            table = pq.read_table(file)
            _, found = sorted_lookup(published, table.column("key").to_numpy())
            pending.append(table.filter(pa.array(found)))
            if sum(t.num_rows for t in pending) >= _INDEX_ROWS or i == len(staged) - 1:
                part = pa.concat_tables(pending)
                writer.write_table(part, row_group_size=_INDEX_ROWS)
                rows += part.num_rows
                pending = []
    tmp.replace(path)
    return rows


def _sign_published(dataset_dir: Path, version: int, target: Path, params: DedupParams) -> int:
    from deltalake import DeltaTable

    for stale in index_parts(target):
        stale.unlink()
    rows = 0
    tmp = target / "part-rebuilt.tmp"
    with pq.ParquetWriter(tmp, signature_schema(params.num_perm)) as writer:
        dataset = DeltaTable(str(dataset_dir), version=version).to_pyarrow_dataset()
        for record_batch in stream_batches(dataset, ["id", "text", "source"], _INDEX_ROWS):
            if record_batch.num_rows:
                columns = record_batch.to_pydict()
                writer.write_batch(chunk_to_arrow(signature_chunk(columns["id"], columns["text"], params, sources=columns["source"])))
                rows += record_batch.num_rows
    tmp.replace(target / "part-rebuilt.parquet")
    (target / INDEX_PARAMS).write_text(json.dumps({**params.signature_params(), "version": version, "rows": rows}))
    return rows


def _usable(directory: Path, params: DedupParams) -> bool:
    params_file = Path(directory) / INDEX_PARAMS
    if not params_file.exists():
        return False
    stored = json.loads(params_file.read_text())
    return all(stored.get(k) == v for k, v in params.signature_params().items())


def published_index(out_dir: Path, dataset_dir: Path, params: DedupParams) -> tuple[list[Path], int, str]:
    """(index parts, version, note) of the current published version's index, if usable."""
    from deltalake import DeltaTable

    if not (Path(dataset_dir) / "_delta_log").exists():
        return [], -1, "no published version"
    version = DeltaTable(str(dataset_dir)).version()
    target = index_dir(out_dir, version)
    if not (target / INDEX_PARAMS).exists():
        return [], version, f"no dedup index for published version {version}"
    if not _usable(target, params):
        return [], version, f"index of version {version} was built with other signature parameters"
    return index_parts(target), version, f"deduplicated against published version {version}"


# ---- stage and config ------------------------------------------------------------------------


class DedupStage(Stage):
    """Removes exact and near duplicates (MinHash LSH), keeping one record per cluster."""

    name = STAGE

    def __init__(self, params: DedupParams, cross_version: bool):
        self.params = params
        self.cross_version = cross_version
        self.cross_version_note = "off"

    def expand(self, batches, ctx: RunContext):
        params = self.params
        chunks = batches | "dedup/Signatures" >> beam.ParDo(_SignatureFn(params))
        files = chunks | "dedup/StageSignatures" >> beam.ParDo(_StageSignaturesFn(ctx.stage_dir(STAGE)))
        band_entries = chunks | "dedup/BandKeys" >> beam.FlatMap(_bucketed_band_entries, params)
        if self.cross_version:
            mode = getattr(getattr(ctx.config, "output", None), "mode", "append")
            if mode == "append":
                parts, version, self.cross_version_note = published_index(ctx.out_dir, ctx.dataset_dir, params)
            else:
                parts, self.cross_version_note = [], "output mode overwrite replaces the published version"
            if parts:
                groups = [(str(p), g, version) for p in parts for g in range(pq.ParquetFile(p).num_row_groups)]
                published_files = batches.pipeline | "dedup/PublishedIndex" >> beam.Create(groups)
                published_entries = (
                    published_files
                    | "dedup/ReadIndex" >> beam.MapTuple(read_chunk)
                    | "dedup/PublishedBandKeys" >> beam.FlatMap(_bucketed_band_entries, params)
                )
                # band entries, not signatures, meet in the Flatten: the embedded runner holds its input
                band_entries = (band_entries, published_entries) | "dedup/WithPublished" >> beam.Flatten()
                files = (files, published_files) | "dedup/AllSignatureFiles" >> beam.Flatten()
        component_map = (
            band_entries
            | "dedup/GroupBands" >> beam.GroupByKey()
            | "dedup/CandidatePairs" >> beam.FlatMap(_bucket_pairs)
            | "dedup/CandidateComponents" >> beam.CombineGlobally(_ComponentsFn())
        )
        decisions = (
            files
            | "dedup/Candidates" >> beam.ParDo(_CandidatesFn(params), beam.pvalue.AsSingleton(component_map))
            | "dedup/GroupComponents" >> beam.GroupByKey()
            | "dedup/Resolve" >> beam.FlatMap(_resolve_bucket, params)
            | "dedup/Decisions" >> beam.CombineGlobally(_MergeTables())
        )
        return batches | DecideWithView(
            STAGE, _DecisionLookup, beam.pvalue.AsSingleton(decisions), ctx.spill_dir(STAGE), ctx.run_id
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

    def on_publish(self, ctx, version: int) -> None:
        if self.cross_version:
            write_index(ctx, version, self.params)


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
