"""Deduplication (clause 4.1.2(b)): exact and near duplicates, within a run and against the published version.

Shape of the Beam graph (every shuffled element carries many keys; nothing is collected per document):

1. ``Signatures``: per record batch, normalised-text hash (exact key) and MinHash signature, as one
   :class:`SignatureChunk` (numpy arrays). With cross-version dedup on, chunks of the published
   version's signature index join here.
2. ``BandKeys`` → ``GroupByKey``: each chunk emits one element per shuffle bucket holding the
   (band key, doc key) pairs of that bucket; a bucket group sorts its keys and emits the candidate
   pairs (docs sharing a band key, or the exact key).
3. ``CandidateComponents``: a global combine over the candidate pairs only (memory grows with the
   number of duplicate candidates, not with the corpus) gives each candidate doc a component label.
4. ``Resolve``: chunks are filtered to candidate docs and regrouped by component bucket; each
   component verifies its pairs on the signature estimate (>= threshold) or exact key, takes the
   connected components of the verified pairs (union-find) and applies the keep policy.
5. ``Filter``: a ParDo over the record batches with the removal decisions (id → detail, only for
   clustered docs) as a side input, through :func:`transforms.base.apply_control`.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Literal, Mapping, Sequence

import apache_beam as beam
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from pydantic import Field, field_validator, model_validator

from transforms.base import (
    KEPT,
    REJECTED,
    Control,
    Decision,
    KEEP,
    RunContext,
    Stage,
    StageConfig,
    apply_control,
    count,
    register_stage,
)
from transforms.minhash import (
    MinHasher,
    band_keys,
    components,
    doc_key,
    exact_key,
    jaccard_estimate,
    normalize,
    optimal_bands_rows,
    UnionFind,
    shingle_hashes,
)
from transforms.records import Batch

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
    normalized = [normalize(t or "") for t in texts]
    exact = np.frombuffer(b"".join(exact_key(t) for t in normalized), dtype=np.uint64).reshape(-1, 2)
    shingles, offsets = shingle_hashes(normalized, params.word_ngram, params.char_ngram)
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
        lengths=np.fromiter((len(t) for t in normalized), dtype=np.int64, count=len(ids)),
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


def candidate_pairs(band: np.ndarray, docs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Unique (a, b), a < b, of docs sharing a band key: all pairs in small buckets, a star in large ones."""
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
    for start, size in zip(run_first[(run_size > 2) & (run_size <= _RUN_ALL_PAIRS_UP_TO)].tolist(),
                           run_size[(run_size > 2) & (run_size <= _RUN_ALL_PAIRS_UP_TO)].tolist()):
        i, j = np.triu_indices(size, k=1)
        keep = i > 0  # pairs with the first member are already in the star
        lefts.append(docs[start + i[keep]])
        rights.append(docs[start + j[keep]])
    a, b = np.concatenate(lefts), np.concatenate(rights)
    a, b = np.minimum(a, b), np.maximum(a, b)
    distinct = a != b
    pairs = np.unique(np.stack([a[distinct], b[distinct]], axis=1), axis=0)
    return pairs[:, 0].copy(), pairs[:, 1].copy()


def keep_order(chunk: SignatureChunk, params: DedupParams) -> list[int]:
    """Indices of ``chunk`` best first: published docs, then the configured criteria, then id."""
    priority = {s: i for i, s in enumerate(params.source_priority)}

    def rank(i: int) -> tuple:
        key: list = [0 if chunk.versions[i] >= 0 else 1]
        for criterion in params.keep:
            if criterion == "source_priority":
                key.append(priority.get(chunk.sources[i], len(priority)))
            elif criterion == "longest":
                key.append(-int(chunk.lengths[i]))
            elif criterion == "earliest":
                key.append((chunk.dates[i] is None, chunk.dates[i] or ""))
            elif criterion == "id":
                key.append(chunk.ids[i])
        key.append(chunk.ids[i])  # total order: reruns keep the same survivor
        return tuple(key)

    return sorted(range(len(chunk)), key=rank)


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


def _verified_pairs(group: SignatureChunk, params: DedupParams) -> list[tuple[int, int]]:
    n = len(group)
    if n <= _ALL_PAIRS_UP_TO:
        i, j = np.triu_indices(n, k=1)
    else:
        entries = chunk_band_entries(group, params)
        local = {int(k): x for x, k in enumerate(group.keys.tolist())}
        a, b = candidate_pairs(*entries)
        i = np.array([local[int(k)] for k in a.tolist()], dtype=np.int64)
        j = np.array([local[int(k)] for k in b.tolist()], dtype=np.int64)
    same_exact = np.all(group.exact[i] == group.exact[j], axis=1) & params.exact
    similar = np.zeros(len(i), dtype=bool)
    if params.near:
        shingled = group.has_shingles[i] & group.has_shingles[j]
        similar = shingled & (jaccard_estimate(group.signatures[i], group.signatures[j]) >= params.threshold)
    ids = group.ids
    linked = (same_exact | similar) & np.array([ids[x] != ids[y] for x, y in zip(i.tolist(), j.tolist())], dtype=bool)
    return list(zip(i[linked].tolist(), j[linked].tolist()))


def size_bin(size: int) -> str:
    return next(label for low, label in reversed(SIZE_BINS) if size >= low)


def resolve_component(group: SignatureChunk, params: DedupParams) -> tuple[dict[str, tuple[str, dict]], Counter]:
    """Verified clusters of one candidate component and what to do with each current doc in them.

    Returns ({record id: (reason or "keep", detail)}, counts) for docs of this run only.
    """
    counts: Counter = Counter()
    pairs = _verified_pairs(group, params)
    counts["verified_pairs"] += len(pairs)
    uf = UnionFind(len(group))
    for a, b in pairs:
        uf.union(a, b)
    roots = uf.labels()
    decisions: dict[str, tuple[str, dict]] = {}
    for root in np.unique(roots).tolist():
        members = np.flatnonzero(roots == root)
        if len(members) < 2:
            continue
        cluster = group.take(members)
        order = keep_order(cluster, params)
        kept = order[0]
        cluster_id = hashlib.blake2b("\x1f".join(sorted(cluster.ids)).encode(), digest_size=8).hexdigest()
        counts["clusters"] += 1
        counts[f"cluster_size:{size_bin(len(members))}"] += 1
        kept_version = int(cluster.versions[kept])
        if kept_version < 0:
            decisions[cluster.ids[kept]] = ("keep", {"cluster_id": cluster_id, "cluster_size": len(members), "role": "kept"})
        for i in order[1:]:
            if cluster.versions[i] >= 0:
                continue  # published docs are never removed again
            exact = bool(np.all(cluster.exact[i] == cluster.exact[kept]))
            similarity = 1.0 if exact else float(jaccard_estimate(cluster.signatures[i], cluster.signatures[kept]))
            detail = {"kept_id": cluster.ids[kept], "similarity": round(similarity, 4), "cluster_id": cluster_id, "cluster_size": len(members)}
            if kept_version >= 0:
                detail["published_version"] = kept_version
                counts["cross_version"] += 1
            decisions[cluster.ids[i]] = (EXACT if exact else NEAR, detail)
    return decisions, counts


class _DecisionLookup(Control):
    """Removal decisions computed over the whole corpus, looked up per record."""

    stage = STAGE

    def __init__(self, decisions: Mapping[str, tuple[str, dict]]):
        self.decisions = decisions

    def decide(self, batch: Batch) -> list[Decision]:
        out = []
        for record_id in batch.id:
            found = self.decisions.get(record_id)
            if found is None:
                out.append(KEEP)
            elif found[0] == "keep":
                out.append(Decision("keep", rule=RULE, clause=CLAUSE, detail=found[1]))
            else:
                out.append(Decision.reject(rule=RULE, clause=CLAUSE, risk_level="low", category="duplicate", reason=found[0], detail=found[1]))
        return out


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
    a, b = candidate_pairs(np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts]))
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
    """Keeps the candidate docs of a chunk, labelled with their component, keyed by component bucket."""

    def __init__(self, params: DedupParams):
        self.params = params

    def process(self, chunk: SignatureChunk, component_map):
        keys, labels = component_map
        if not len(keys):
            return
        pos = np.minimum(np.searchsorted(keys, chunk.keys), len(keys) - 1)
        found = np.flatnonzero(keys[pos] == chunk.keys)
        if not len(found):
            return
        part = chunk.take(found)
        part.labels = labels[pos[found]]
        group = part.labels % np.uint64(self.params.shuffle_buckets)
        for bucket in np.unique(group).tolist():
            yield bucket, part.take(np.flatnonzero(group == bucket))


def _resolve_bucket(element, params: DedupParams):
    _, chunks = element
    merged = concat_chunks(list(chunks))
    totals: Counter = Counter()
    out: dict = {}
    order = np.argsort(merged.labels, kind="stable")
    edges = np.flatnonzero(np.diff(merged.labels[order])) + 1
    for members in np.split(order, edges):
        group = merged.take(members)
        decisions, counts = resolve_component(group, params)
        out.update(decisions)
        totals.update(counts)
    for name, n in totals.items():
        count(STAGE, name, n)
    if out:
        yield out


class _MergeDicts(beam.CombineFn):
    def create_accumulator(self):
        return {}

    def add_input(self, acc, part):
        acc.update(part)
        return acc

    def merge_accumulators(self, accs):
        out: dict = {}
        for acc in accs:
            out.update(acc)
        return out

    def extract_output(self, acc):
        return acc


class _FilterFn(beam.DoFn):
    def __init__(self, run_id: str):
        self.run_id = run_id

    def process(self, batch: Batch, decisions):
        result = apply_control(_DecisionLookup(decisions), batch, self.run_id)
        for name, n in result.counts.items():
            count(STAGE, name, n)
        if len(result.kept):
            yield result.kept
        if result.rejects:
            yield beam.pvalue.TaggedOutput(REJECTED, result.rejects)


# ---- cross-version index ---------------------------------------------------------------------

INDEX_FILE = "signatures.parquet"
PARAMS_FILE = "params.json"
_INDEX_ROWS = 4096


def index_dir(out_dir: Path, version: int) -> Path:
    return Path(out_dir) / "index" / STAGE / f"v{version}"


def write_index(dataset_dir: Path, version: int, target: Path, params: DedupParams) -> int:
    """Signatures of every record of ``version`` of the Delta table, written beside it. Returns rows."""
    from deltalake import DeltaTable

    table = DeltaTable(str(dataset_dir), version=version)
    target.mkdir(parents=True, exist_ok=True)
    width = params.num_perm * 4
    schema = pa.schema(
        [("id", pa.string()), ("exact", pa.binary(16)), ("has_shingles", pa.bool_()), ("signature", pa.binary(width))]
    )
    rows = 0
    tmp = target / (INDEX_FILE + ".tmp")
    with pq.ParquetWriter(tmp, schema) as writer:
        for record_batch in table.to_pyarrow_dataset().to_batches(columns=["id", "text"], batch_size=_INDEX_ROWS):
            if not record_batch.num_rows:
                continue
            columns = record_batch.to_pydict()
            chunk = signature_chunk(columns["id"], columns["text"], params)
            exact = chunk.exact.tobytes()
            sigs = np.ascontiguousarray(chunk.signatures).tobytes()
            writer.write_batch(
                pa.record_batch(
                    [
                        pa.array(chunk.ids, pa.string()),
                        pa.array([exact[i * 16 : (i + 1) * 16] for i in range(len(chunk))], pa.binary(16)),
                        pa.array(chunk.has_shingles),
                        pa.array([sigs[i * width : (i + 1) * width] for i in range(len(chunk))], pa.binary(width)),
                    ],
                    schema=schema,
                )
            )
            rows += len(chunk)
    tmp.replace(target / INDEX_FILE)
    (target / PARAMS_FILE).write_text(json.dumps({**params.signature_params(), "version": version, "rows": rows}))
    return rows


def read_index_chunks(path: str, row_group: int, version: int, num_perm: int) -> SignatureChunk:
    table = pq.ParquetFile(path).read_row_group(row_group)
    n = table.num_rows
    exact = np.frombuffer(b"".join(table.column("exact").to_pylist()), dtype=np.uint64).reshape(n, 2)
    sigs = np.frombuffer(b"".join(table.column("signature").to_pylist()), dtype=np.uint32).reshape(n, num_perm)
    ids = table.column("id").to_pylist()
    keys = np.fromiter((doc_key(i) for i in ids), dtype=np.uint64, count=n) ^ _PUBLISHED_SALT
    return SignatureChunk(
        keys=keys,
        exact=exact,
        signatures=sigs,
        has_shingles=table.column("has_shingles").to_numpy(zero_copy_only=False),
        ids=ids,
        sources=[""] * n,
        lengths=np.zeros(n, np.int64),
        dates=[None] * n,
        versions=np.full(n, version, dtype=np.int64),
    )


def published_index(out_dir: Path, dataset_dir: Path, params: DedupParams) -> tuple[Path | None, int, str]:
    """(index dir, version, note) of the current published version's index, if usable."""
    from deltalake import DeltaTable

    if not (Path(dataset_dir) / "_delta_log").exists():
        return None, -1, "no published version"
    version = DeltaTable(str(dataset_dir)).version()
    target = index_dir(out_dir, version)
    if not (target / INDEX_FILE).exists():
        return None, version, f"no dedup index for published version {version}"
    stored = json.loads((target / PARAMS_FILE).read_text())
    if any(stored.get(k) != v for k, v in params.signature_params().items()):
        return None, version, f"index of version {version} was built with other signature parameters"
    return target, version, f"deduplicated against published version {version}"


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
        if self.cross_version:
            mode = getattr(getattr(ctx.config, "output", None), "mode", "append")
            if mode == "append":
                target, version, self.cross_version_note = published_index(ctx.out_dir, ctx.dataset_dir, params)
            else:
                target, self.cross_version_note = None, "output mode overwrite replaces the published version"
            if target is not None:
                path = str(target / INDEX_FILE)
                groups = [(path, g, version, params.num_perm) for g in range(pq.ParquetFile(path).num_row_groups)]
                published = (
                    batches.pipeline
                    | "dedup/PublishedIndex" >> beam.Create(groups)
                    | "dedup/ReadIndex" >> beam.MapTuple(read_index_chunks)
                )
                chunks = (chunks, published) | "dedup/WithPublished" >> beam.Flatten()
        component_map = (
            chunks
            | "dedup/BandKeys" >> beam.FlatMap(_bucketed_band_entries, params)
            | "dedup/GroupBands" >> beam.GroupByKey()
            | "dedup/CandidatePairs" >> beam.FlatMap(_bucket_pairs)
            | "dedup/CandidateComponents" >> beam.CombineGlobally(_ComponentsFn())
        )
        decisions = (
            chunks
            | "dedup/Candidates" >> beam.ParDo(_CandidatesFn(params), beam.pvalue.AsSingleton(component_map))
            | "dedup/GroupComponents" >> beam.GroupByKey()
            | "dedup/Resolve" >> beam.FlatMap(_resolve_bucket, params)
            | "dedup/Decisions" >> beam.CombineGlobally(_MergeDicts())
        )
        outputs = batches | "dedup/Filter" >> beam.ParDo(
            _FilterFn(ctx.run_id), beam.pvalue.AsSingleton(decisions)
        ).with_outputs(REJECTED, main=KEPT)
        return outputs[KEPT], outputs[REJECTED]

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
            write_index(ctx.dataset_dir, version, index_dir(ctx.out_dir, version), self.params)


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
