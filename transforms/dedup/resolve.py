"""Beam-free dedup decisions: signature chunks, candidate pairs from band keys, verification and keep policy.

Everything here works on numpy arrays of one bucket of candidate documents; :mod:`transforms.dedup.stage`
wires it into the Beam graph.
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from dataclasses import dataclass
from functools import lru_cache
from typing import Sequence

import numpy as np

from transforms.core.records import Batch
from transforms.core.stage import KEEP, Control, Decision
from transforms.core.hashing import components, doc_key, normalize_codes, pairs_within_runs, shingle_hashes_of_codes, sorted_lookup
from transforms.dedup.minhash import MinHasher, band_keys, exact_keys, pair_similarity

STAGE = "dedup"
CLAUSE = "4.1.2(b)"
RULE = "dedup.minhash"
EXACT, NEAR = "exact_duplicate", "near_duplicate"
KEEP_CRITERIA = ("source_priority", "longest", "earliest", "id")
SIZE_BINS = ((2, "2"), (3, "3-5"), (6, "6-10"), (11, "11-100"), (101, "101+"))
_ALL_PAIRS_UP_TO = 64  # components this small verify every pair; larger ones verify LSH pairs only
_RUN_ALL_PAIRS_UP_TO = 32  # a band bucket this small emits all its pairs, a larger one a star
PUBLISHED_SALT = np.uint64(0x5BD1E9955BD1E995)  # published docs never share a key with current ones
_EXACT_BAND_SALT = np.uint64(0x27D4EB2F165667C5)
_SLICE_CHARS = 1 << 16  # characters signed at a time (≈ 100 IMDB reviews): a slice's arrays fit in L2


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
    texts = [t or "" for t in texts]
    # a slice of the batch at a time: its code, class and hash arrays stay in the core's cache, where
    # a whole batch's (MBs) went through memory once per numpy pass
    parts = [_signed_texts(texts[start:stop], params) for start, stop in _slices(texts, _SLICE_CHARS)]
    exact, signatures, has_shingles, lengths = (np.concatenate(column) for column in zip(*parts))
    keys = np.fromiter((doc_key(i) for i in ids), dtype=np.uint64, count=len(ids))
    if published >= 0:
        keys ^= PUBLISHED_SALT
    return SignatureChunk(
        keys=keys,
        exact=exact,
        signatures=signatures,
        has_shingles=has_shingles,
        ids=list(ids),
        sources=list(sources) if sources is not None else [""] * len(ids),
        lengths=lengths,
        dates=list(dates) if dates is not None else [None] * len(ids),
        versions=np.full(len(ids), published, dtype=np.int64),
    )


def _signed_texts(texts: Sequence[str], params: DedupParams) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(exact keys, signatures, has shingles, normalised length) of each text."""
    codes, bounds = normalize_codes(texts)
    shingles, offsets = shingle_hashes_of_codes(codes, bounds, params.word_ngram, params.char_ngram)
    signatures = _hasher(params.num_perm, params.seed).signatures(shingles, offsets)
    return exact_keys(codes, bounds), signatures, np.diff(offsets) > 0, np.diff(bounds) - 1


def _slices(texts: Sequence[str], chars: int) -> list[tuple[int, int]]:
    """(start, stop) of consecutive runs of texts of about ``chars`` characters in all (at least one text each)."""
    if not texts:
        return [(0, 0)]
    ends = np.cumsum(np.fromiter(map(len, texts), dtype=np.int64, count=len(texts)))
    cuts = np.searchsorted(ends, np.arange(chars, ends[-1], chars), side="right")
    cuts = np.unique(np.concatenate(([0], cuts, [len(texts)])))
    return list(zip(cuts[:-1].tolist(), cuts[1:].tolist()))


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
        # band keys are per row: key every row and keep the usable ones, not copy their 512-byte signatures
        bands = band_keys(chunk.signatures, params.bands, params.rows)[usable]
        keys.append(bands.ravel())
        docs.append(np.repeat(chunk.keys[usable], params.bands))
    if not keys:
        return np.zeros(0, np.uint64), np.zeros(0, np.uint64)
    return np.concatenate(keys), np.concatenate(docs)


def candidate_pairs(band: np.ndarray, docs: np.ndarray, all_pairs_up_to: int = _RUN_ALL_PAIRS_UP_TO) -> tuple[np.ndarray, np.ndarray]:
    """Unique (a, b), a < b, of docs sharing a band key: all pairs in runs of up to ``all_pairs_up_to``
    docs, a star to the first doc in larger ones (``all_pairs_up_to=0``: stars only, enough for
    connectivity)."""
    band, docs = _shared_entries(band, docs)
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


def _shared_entries(band: np.ndarray, docs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The entries whose band key another entry shares: the only ones that make pairs. Most keys are
    unique, and one argsort of the keys finds the shared ones for a fraction of sorting every entry by
    (key, doc)."""
    order = np.argsort(band)
    sorted_band = band[order]
    equal_next = sorted_band[1:] == sorted_band[:-1]
    shared = np.zeros(len(band), dtype=bool)
    shared[1:] = equal_next
    shared[:-1] |= equal_next
    pick = order[shared]
    return band[pick], docs[pick]


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


class DecisionLookup(Control):
    """Removal decisions computed over the whole corpus, looked up per record."""

    stage = STAGE

    def __init__(self, decisions: DecisionTable):
        self.decisions = decisions

    def decide(self, batch: Batch) -> list[Decision]:
        return self.decisions.lookup(batch.id)
