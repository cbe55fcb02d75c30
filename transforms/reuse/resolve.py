"""Corpus-wide decisions of the reuse stage, as plain numpy functions (the Beam graph only moves arrays between them).

- :func:`paragraph_entries` → (shuffle by line hash) → :func:`repeated_paragraphs`: which lines of which
  documents repeat a line seen earlier in the corpus order (or are boilerplate) → :class:`RemovalTable`.
- :func:`fingerprint_entries` → (shuffle by fingerprint) → :func:`fingerprint_pairs` → (shuffle by pair) →
  :func:`candidate_pairs`: documents sharing enough winnowed fingerprints → :func:`resolve_containment` on the
  candidates' full shingle sets: exact containment, then, in corpus order, each document is flagged when it
  shares at least ``threshold`` of its own shingles with an earlier kept document, or holds at least
  ``threshold`` of that document's shingles → :class:`ContainmentTable`.

The corpus order ("first occurrence") is deterministic and independent of how the runner batches records:
source rank in ``source_priority`` (unlisted sources after), then the input file, then the record's line or
row number in it, then the record id's 64-bit key.
"""

from __future__ import annotations

import re
import zlib
from collections import Counter
from dataclasses import dataclass, field
from typing import Mapping, Sequence

import numpy as np

from transforms.core.records import Batch
from transforms.core.hashing import doc_key, pairs_within_runs, sorted_lookup
from transforms.reuse.sketch import BatchSketch, sketch

_LOCATOR_NUMBER = re.compile(r"(?:line|row)=(\d+)")
_PAIR_SALT = np.uint64(0x9E3779B97F4A7C15)


@dataclass(frozen=True)
class ReuseParams:
    """Plain, picklable parameters (what workers need from the stage config)."""

    paragraphs: bool = True
    min_paragraph_chars: int = 20
    boilerplate_min_docs: int = 0
    min_chars_after: int = 50
    containment: bool = True
    threshold: float = 0.3
    min_shingles: int = 20
    min_common: int = 50
    word_ngram: int = 5
    char_ngram: int = 8
    window: int = 8
    max_postings: int = 64
    min_shared_fingerprints: int = 2
    min_fingerprint_share: float = 0.1
    action: str = "reject"
    source_priority: tuple[str, ...] = ()
    shuffle_buckets: int = 16


def _locator_number(locator: str | None) -> int:
    """The line or row number of an ingest locator (``line=N;offset=B``, ``row=N;line=L``, ``row=N``), else 0."""
    if locator and locator[:5] == "line=" or locator and locator[:4] == "row=":
        digits = locator[locator.index("=") + 1 :].split(";", 1)[0]
        return int(digits) if digits.isdigit() else 0
    m = _LOCATOR_NUMBER.search(locator or "")
    return int(m.group(1)) if m else 0


def order_keys(batch_sources: Sequence[str], uris: Sequence[str], locators: Sequence[str], priority: Sequence[str]) -> np.ndarray:
    """uint64 corpus-order key per record: source rank (8 bits), input file (24-bit hash), line/row number (32 bits)."""
    rank = {s: i for i, s in enumerate(priority)}
    prefix: dict[tuple[str, str], int] = {}
    out = np.empty(len(uris), dtype=np.uint64)
    for i, (source, uri, locator) in enumerate(zip(batch_sources, uris, locators)):
        head = prefix.get((source, uri))
        if head is None:
            head = prefix[(source, uri)] = (min(rank.get(source, len(priority)), 255) << 56) | ((zlib.crc32((uri or "").encode()) & 0xFFFFFF) << 32)
        out[i] = head | (_locator_number(locator) & 0xFFFFFFFF)
    return out


@dataclass
class ReuseChunk:
    """One batch's sketch with the record keys and order: the only thing the corpus-wide steps see."""

    keys: np.ndarray  # uint64 doc keys (blake2b-64 of the record id)
    order: np.ndarray  # uint64 corpus-order key
    ids: list[str]
    sketch: BatchSketch

    def __len__(self) -> int:
        return len(self.keys)


def chunk_of(ids: Sequence[str], texts: Sequence[str], order: np.ndarray, params: ReuseParams) -> ReuseChunk:
    keys = np.fromiter((doc_key(i) for i in ids), dtype=np.uint64, count=len(ids))
    return ReuseChunk(keys, np.asarray(order, dtype=np.uint64), list(ids), sketch(texts, params.word_ngram, params.char_ngram, params.window))


def batch_chunk(batch: Batch, params: ReuseParams) -> ReuseChunk:
    return chunk_of(batch.id, batch.text, order_keys(batch.source, batch.source_uri, batch.locator, params.source_priority), params)


def _concat(parts, fields) -> list[np.ndarray]:
    """Each named array field concatenated over ``parts`` (empty arrays of the right type when there are none)."""
    return [np.concatenate([getattr(p, f) for p in parts]) if parts else np.zeros(0, dtype) for f, dtype in fields]


# ---- paragraphs ----------------------------------------------------------------------------------


@dataclass
class ParagraphEntries:
    hashes: np.ndarray  # uint64
    order: np.ndarray  # uint64
    keys: np.ndarray  # uint64
    lines: np.ndarray  # int32

    @classmethod
    def concat(cls, parts: Sequence["ParagraphEntries"]) -> "ParagraphEntries":
        return cls(*_concat(parts, (("hashes", np.uint64), ("order", np.uint64), ("keys", np.uint64), ("lines", np.int32))))

    def take(self, index) -> "ParagraphEntries":
        return ParagraphEntries(self.hashes[index], self.order[index], self.keys[index], self.lines[index])


def paragraph_entries(chunk: ReuseChunk, params: ReuseParams) -> ParagraphEntries:
    """(line hash, order, doc key, line number) of every line long enough to count."""
    sk = chunk.sketch
    offsets = sk.paragraph_offsets
    doc = np.repeat(np.arange(len(chunk)), np.diff(offsets))
    line = (np.arange(len(sk.paragraphs)) - offsets[doc]).astype(np.int32)
    eligible = np.flatnonzero(sk.paragraph_chars >= params.min_paragraph_chars)
    return ParagraphEntries(sk.paragraphs[eligible], chunk.order[doc[eligible]], chunk.keys[doc[eligible]], line[eligible])


@dataclass
class RemovalTable:
    """Lines to remove, sorted by doc key: the first occurrence's doc key and how many documents hold the line."""

    keys: np.ndarray  # uint64 doc key
    lines: np.ndarray  # int32
    first_keys: np.ndarray  # uint64 doc key of the document keeping the line (0 for boilerplate removed everywhere)
    n_docs: np.ndarray  # int64 documents holding the line

    @classmethod
    def empty(cls) -> "RemovalTable":
        return cls(np.zeros(0, np.uint64), np.zeros(0, np.int32), np.zeros(0, np.uint64), np.zeros(0, np.int64))

    @classmethod
    def concat(cls, tables: Sequence["RemovalTable"]) -> "RemovalTable":
        tables = [t for t in tables if len(t.keys)]
        if not tables:
            return cls.empty()
        table = cls(*(np.concatenate([getattr(t, f) for t in tables]) for f in ("keys", "lines", "first_keys", "n_docs")))
        order = np.lexsort((table.lines, table.keys))
        return cls(table.keys[order], table.lines[order], table.first_keys[order], table.n_docs[order])

    def __len__(self) -> int:
        return len(self.keys)

    def rows_of(self, key: int) -> slice:
        k = np.uint64(key)
        return slice(int(np.searchsorted(self.keys, k, "left")), int(np.searchsorted(self.keys, k, "right")))


def repeated_paragraphs(
    entries: ParagraphEntries, params: ReuseParams, rejected: np.ndarray | None = None
) -> tuple[RemovalTable, Counter]:
    """Every occurrence of a line after its first in corpus order (order, doc key, line number), and with
    ``boilerplate_min_docs`` set, every occurrence of a line held by at least that many documents.

    ``rejected`` (sorted doc keys: the partial copies this run removes) never keep a line: the first
    occurrence is the first in a document that stays, so a line is not lost with the copy that held it first.
    """
    counts: Counter = Counter()
    if not len(entries.hashes):
        return RemovalTable.empty(), counts
    excluded = np.zeros(len(entries.keys), dtype=bool)
    if rejected is not None and len(rejected):
        excluded = sorted_lookup(rejected, entries.keys)[1]
    o = np.lexsort((entries.lines, entries.keys, entries.order, excluded, entries.hashes))
    e = entries.take(o)
    first = np.ones(len(e.hashes), dtype=bool)
    first[1:] = e.hashes[1:] != e.hashes[:-1]
    run = np.cumsum(first) - 1
    new_doc = first.copy()
    new_doc[1:] |= e.keys[1:] != e.keys[:-1]
    docs_per_run = np.bincount(run, weights=new_doc).astype(np.int64)
    n_docs = docs_per_run[run]
    first_key = e.keys[np.flatnonzero(first)][run]
    remove = ~first
    if params.boilerplate_min_docs:
        boiler = n_docs >= params.boilerplate_min_docs
        counts["boilerplate_lines"] += int(np.count_nonzero(boiler & first))
        first_key = np.where(boiler, np.uint64(0), first_key)
        remove |= boiler
    counts["repeated_lines"] += int(np.count_nonzero(first & (n_docs > 1)))
    pick = np.flatnonzero(remove)
    table = RemovalTable(e.keys[pick], e.lines[pick], first_key[pick], n_docs[pick])
    return RemovalTable.concat([table]), counts


# ---- containment ---------------------------------------------------------------------------------


@dataclass
class FingerprintEntries:
    fingerprints: np.ndarray  # uint32: the high half of the winnowed shingle hash
    keys: np.ndarray  # uint64 doc key
    sizes: np.ndarray  # int32 distinct fingerprints of the doc

    @classmethod
    def concat(cls, parts: Sequence["FingerprintEntries"]) -> "FingerprintEntries":
        return cls(*_concat(parts, (("fingerprints", np.uint32), ("keys", np.uint64), ("sizes", np.int32))))


def _doc_unique(values: np.ndarray, offsets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct uint32 values per doc: (values sorted within each doc, doc index of each). One sort of
    ``doc << 32 | value`` (a lexsort of the two columns costs ~10x more)."""
    doc = np.repeat(np.arange(len(offsets) - 1, dtype=np.uint64), np.diff(offsets))
    combined = np.sort((doc << np.uint64(32)) | values.astype(np.uint64))
    keep = np.ones(len(combined), dtype=bool)
    keep[1:] = combined[1:] != combined[:-1]
    combined = combined[keep]
    return (combined & np.uint64(0xFFFFFFFF)).astype(np.uint32), (combined >> np.uint64(32)).astype(np.int64)


def fingerprint_entries(chunk: ReuseChunk, params: ReuseParams) -> FingerprintEntries:
    """(fingerprint, doc key, doc's fingerprint count) for docs with at least ``min_shingles`` shingles."""
    sk = chunk.sketch
    fps, doc = _doc_unique((sk.fingerprints >> np.uint64(32)).astype(np.uint32), sk.fingerprint_offsets)
    sizes = np.bincount(doc, minlength=len(chunk))
    usable = (np.diff(sk.shingle_offsets) >= params.min_shingles)[doc]
    return FingerprintEntries(fps[usable], chunk.keys[doc[usable]], sizes[doc[usable]].astype(np.int32))


@dataclass
class PairEntries:
    a: np.ndarray  # uint64 doc key, a < b
    b: np.ndarray
    size_a: np.ndarray  # int32
    size_b: np.ndarray

    @classmethod
    def concat(cls, parts: Sequence["PairEntries"]) -> "PairEntries":
        return cls(*_concat(parts, (("a", np.uint64), ("b", np.uint64), ("size_a", np.int32), ("size_b", np.int32))))

    def bucket(self, n: int) -> np.ndarray:
        with np.errstate(over="ignore"):
            return (self.a * _PAIR_SALT ^ self.b) % np.uint64(n)


def fingerprint_pairs(entries: FingerprintEntries, params: ReuseParams) -> tuple[PairEntries, Counter]:
    """One row per (shared fingerprint, document pair); fingerprints held by more than ``max_postings``
    documents are common phrases, not copies, and make no pairs."""
    counts: Counter = Counter()
    # (fingerprint, doc) rows are already distinct per doc; sorting fingerprint << 32 | row beats an argsort
    o = (np.sort((entries.fingerprints.astype(np.uint64) << np.uint64(32)) | np.arange(len(entries.keys), dtype=np.uint64))
         & np.uint64(0xFFFFFFFF)).astype(np.int64)
    f, k, s = entries.fingerprints[o], entries.keys[o], entries.sizes[o]
    new = np.ones(len(f), dtype=bool)
    new[1:] = f[1:] != f[:-1]
    first = np.flatnonzero(new)
    size = np.diff(np.append(first, len(f)))
    common = size > params.max_postings
    counts["common_fingerprints"] += int(np.count_nonzero(common))
    ok = (size >= 2) & ~common
    i, j = pairs_within_runs(first[ok], size[ok])
    swap = k[i] > k[j]
    a, b = np.where(swap, k[j], k[i]), np.where(swap, k[i], k[j])
    sa, sb = np.where(swap, s[j], s[i]), np.where(swap, s[i], s[j])
    distinct = a != b
    return PairEntries(a[distinct], b[distinct], sa[distinct], sb[distinct]), counts


def candidate_pairs(entries: PairEntries, params: ReuseParams) -> tuple[np.ndarray, np.ndarray, Counter]:
    """Document pairs sharing at least ``min_shared_fingerprints`` fingerprints and ``min_fingerprint_share``
    of the smaller one's: what exact containment is computed for."""
    counts: Counter = Counter()
    if not len(entries.a):
        return np.zeros(0, np.uint64), np.zeros(0, np.uint64), counts
    with np.errstate(over="ignore"):
        o = np.argsort(entries.a * _PAIR_SALT ^ entries.b)  # one 64-bit key: a lexsort of (a, b) costs far more
    a, b = entries.a[o], entries.b[o]
    new = np.ones(len(a), dtype=bool)
    new[1:] = (a[1:] != a[:-1]) | (b[1:] != b[:-1])
    first = np.flatnonzero(new)
    shared = np.diff(np.append(first, len(a)))
    smaller = np.minimum(entries.size_a[o][first], entries.size_b[o][first]).clip(1)
    keep = (shared >= params.min_shared_fingerprints) & (shared / smaller >= params.min_fingerprint_share)
    counts["fingerprint_pairs"] += len(first)
    counts["candidate_pairs"] += int(np.count_nonzero(keep))
    return a[first][keep], b[first][keep], counts


@dataclass
class ShingleSets:
    """Candidate documents' distinct shingles (high 32 bits, sorted per doc), keys, order and ids."""

    keys: np.ndarray
    order: np.ndarray
    ids: list[str]
    values: np.ndarray  # uint32
    offsets: np.ndarray  # int64

    def __len__(self) -> int:
        return len(self.keys)

    @classmethod
    def of_chunk(cls, chunk: ReuseChunk, params: ReuseParams) -> "ShingleSets":
        """The docs with at least ``min_shingles`` shingles, their shingles in text order (made distinct and
        sorted only for candidates, by :meth:`distinct`: most documents are never compared)."""
        sk = chunk.sketch
        usable = np.flatnonzero(np.diff(sk.shingle_offsets) >= params.min_shingles)
        sets = cls(chunk.keys, chunk.order, chunk.ids, (sk.shingles >> np.uint64(32)).astype(np.uint32), sk.shingle_offsets)
        return sets.take(usable)

    def distinct(self) -> "ShingleSets":
        values, doc = _doc_unique(self.values, self.offsets)
        per_doc = np.bincount(doc, minlength=len(self))
        return ShingleSets(self.keys, self.order, self.ids, values, np.concatenate(([0], np.cumsum(per_doc))).astype(np.int64))

    def take(self, index: np.ndarray) -> "ShingleSets":
        index = np.asarray(index, dtype=np.int64)
        lengths = np.diff(self.offsets)[index]
        starts = self.offsets[:-1][index]
        take = np.repeat(starts - np.concatenate(([0], np.cumsum(lengths)[:-1])), lengths) + np.arange(int(lengths.sum()))
        return ShingleSets(self.keys[index], self.order[index], [self.ids[i] for i in index.tolist()], self.values[take],
                           np.concatenate(([0], np.cumsum(lengths))).astype(np.int64))

    @classmethod
    def concat(cls, parts: Sequence["ShingleSets"]) -> "ShingleSets":
        parts = [p for p in parts if len(p)]
        if not parts:
            return cls(np.zeros(0, np.uint64), np.zeros(0, np.uint64), [], np.zeros(0, np.uint32), np.zeros(1, np.int64))
        starts = np.cumsum([0] + [p.offsets[-1] for p in parts[:-1]])
        return cls(
            np.concatenate([p.keys for p in parts]),
            np.concatenate([p.order for p in parts]),
            [i for p in parts for i in p.ids],
            np.concatenate([p.values for p in parts]),
            np.concatenate([[0]] + [p.offsets[1:] + s for p, s in zip(parts, starts)]).astype(np.int64),
        )


@dataclass
class ContainmentTable:
    """Flagged documents, sorted by key: the earlier document they share text with and how much."""

    keys: np.ndarray  # uint64
    own: np.ndarray  # float64 share of the flagged doc's shingles found in the earlier doc
    taken: np.ndarray  # float64 share of the earlier doc's shingles found in the flagged doc
    common: np.ndarray  # int64 shared distinct shingles
    matched_ids: list[str] = field(default_factory=list)

    @classmethod
    def empty(cls) -> "ContainmentTable":
        return cls(np.zeros(0, np.uint64), np.zeros(0), np.zeros(0), np.zeros(0, np.int64), [])

    @classmethod
    def concat(cls, tables: Sequence["ContainmentTable"]) -> "ContainmentTable":
        tables = [t for t in tables if len(t.keys)]
        if not tables:
            return cls.empty()
        keys = np.concatenate([t.keys for t in tables])
        order = np.argsort(keys, kind="stable")
        ids = [i for t in tables for i in t.matched_ids]
        return cls(keys[order], np.concatenate([t.own for t in tables])[order], np.concatenate([t.taken for t in tables])[order],
                   np.concatenate([t.common for t in tables])[order], [ids[i] for i in order.tolist()])

    def __len__(self) -> int:
        return len(self.keys)


def shared_count(a: np.ndarray, b: np.ndarray) -> int:
    """Values two sorted distinct arrays share (binary search of the shorter in the longer)."""
    if len(a) > len(b):
        a, b = b, a
    if not len(a):
        return 0
    pos = np.minimum(np.searchsorted(b, a), len(b) - 1)
    return int(np.count_nonzero(b[pos] == a))


def resolve_containment(sets: ShingleSets, a: np.ndarray, b: np.ndarray, params: ReuseParams) -> tuple[ContainmentTable, Counter]:
    """Exact containment of the candidate pairs (a, b) whose documents are in ``sets``, then the greedy pass in
    corpus order: a document is flagged by its earliest qualifying earlier partner that is itself kept
    (``action: reject``) or by any earlier partner (``action: tag``, nothing is removed)."""
    counts: Counter = Counter()
    if not len(sets) or not len(a):
        return ContainmentTable.empty(), counts
    by_key = np.argsort(sets.keys, kind="stable")
    pos_a, found_a = sorted_lookup(sets.keys[by_key], a)
    pos_b, found_b = sorted_lookup(sets.keys[by_key], b)
    here = found_a & found_b
    ra, rb = by_key[pos_a[here]], by_key[pos_b[here]]
    involved, inverse = np.unique(np.concatenate([ra, rb]), return_inverse=True)
    sets = sets.take(involved).distinct()  # only the candidates' shingles are sorted
    ra, rb = inverse[: len(ra)], inverse[len(ra) :]
    size = np.diff(sets.offsets)
    common = np.empty(len(ra), dtype=np.int64)
    for k, (x, y) in enumerate(zip(ra.tolist(), rb.tolist())):
        common[k] = shared_count(sets.values[sets.offsets[x] : sets.offsets[x + 1]], sets.values[sets.offsets[y] : sets.offsets[y + 1]])
    counts["verified_pairs"] += len(ra)
    # orient: x earlier in corpus order, y later
    later_a = (sets.order[ra] > sets.order[rb]) | ((sets.order[ra] == sets.order[rb]) & (sets.keys[ra] > sets.keys[rb]))
    x, y = np.where(later_a, rb, ra), np.where(later_a, ra, rb)
    own = common / np.maximum(size[y], 1)
    taken = common / np.maximum(size[x], 1)
    hit = (np.maximum(own, taken) >= params.threshold) & (common >= params.min_common)
    x, y, own, taken, common = x[hit], y[hit], own[hit], taken[hit], common[hit]
    counts["containment_pairs"] += len(x)
    # greedy in corpus order of the later doc, its earliest partner first
    o = np.lexsort((sets.keys[x], sets.order[x], sets.keys[y], sets.order[y]))
    flagged: dict[int, int] = {}
    for k in o.tolist():
        yy, xx = int(y[k]), int(x[k])
        if yy in flagged or (params.action == "reject" and xx in flagged):
            continue
        flagged[yy] = k
    rows = np.array(list(flagged.values()), dtype=np.int64)
    table = ContainmentTable(sets.keys[y[rows]], own[rows], taken[rows], common[rows], [sets.ids[i] for i in x[rows].tolist()])
    counts["flagged"] += len(rows)
    return ContainmentTable.concat([table]), counts


# ---- everything at once, in memory (evaluation, tests, small corpora) -------------------------------


def decide_in_memory(chunks: Sequence[ReuseChunk], params: ReuseParams) -> tuple[RemovalTable, ContainmentTable, Counter]:
    """The tables the Beam stage computes, for chunks held in memory (one bucket, same functions)."""
    counts: Counter = Counter()
    removal = RemovalTable.empty()
    containment = ContainmentTable.empty()
    if params.containment:
        pairs, c = fingerprint_pairs(FingerprintEntries.concat([fingerprint_entries(ch, params) for ch in chunks]), params)
        counts.update(c)
        a, b, c = candidate_pairs(pairs, params)
        counts.update(c)
        sets = ShingleSets.concat([ShingleSets.of_chunk(ch, params) for ch in chunks])
        containment, c = resolve_containment(sets, a, b, params)
        counts.update(c)
    if params.paragraphs:
        removal, c = repeated_paragraphs(
            ParagraphEntries.concat([paragraph_entries(ch, params) for ch in chunks]), params, rejected_keys(containment, params)
        )
        counts.update(c)
    return removal, containment, counts


def rejected_keys(containment: ContainmentTable, params: ReuseParams) -> np.ndarray:
    """Sorted keys of the documents the containment control removes (none with ``action: tag``)."""
    return containment.keys if params.action == "reject" else np.zeros(0, np.uint64)


def removed_lines(removal: RemovalTable, key: int) -> Mapping[int, tuple[int, int]]:
    """{line number: (first doc key or 0 for boilerplate, documents holding it)} for one document."""
    rows = removal.rows_of(key)
    return {int(l): (int(f), int(n)) for l, f, n in zip(removal.lines[rows].tolist(), removal.first_keys[rows].tolist(), removal.n_docs[rows].tolist())}
