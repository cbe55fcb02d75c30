"""Beam-free MinHash kernel for deduplication: normalisation, shingling, signatures, LSH, union-find.

Everything here works on whole batches with numpy so the per-document Python cost stays at two
C-level calls (the exact-key digest, the id hash). The batch is joined and NFKC-normalised and
casefolded in one call, encoded once to code points (UTF-32, or bytes when the batch is ASCII),
and whitespace is collapsed on those code points; shingles are never built as Python strings: tokens and n-grams are hashed with
polynomial hashes (segment sums of ``code * B**position``), and the signature is
``min((a*x + b) mod 2**32)`` over each document's shingle hashes, evaluated for all permutations
at once.

Tokenisation: letters, digits and combining marks form words; each character of a script written
without spaces (Han, Hiragana, Katakana, Thai, Lao, Khmer, Myanmar) is a token of its own; anything
else separates tokens. Tokens are grouped into runs of one kind inside a document; word runs give
word n-grams, unspaced runs give character n-grams, so mixed documents shingle each part the way
its script needs. A run shorter than its n gives one shingle of the whole run.
"""

from __future__ import annotations

import hashlib
import unicodedata
from functools import lru_cache
from typing import Sequence

import numpy as np

SEPARATOR, WORD, UNSPACED, WHITESPACE = 0, 1, 2, 3  # WHITESPACE is a separator that normalisation collapses
MAX_HASH = np.uint32(0xFFFFFFFF)
_BASE = 0x100000001B3  # odd, so invertible mod 2**64
_LENGTH_SALT = np.uint64(0x9E3779B97F4A7C15)
_KIND_SALT = np.uint64(0xC2B2AE3D27D4EB4F)
_CHUNK_ROWS = 4096  # shingles per signature block: (128 x 4096) uint32 = 2 MiB, stays in cache

_UNSPACED_RANGES = (
    (0x0E00, 0x0EFF),  # Thai, Lao
    (0x1000, 0x109F),  # Myanmar
    (0x1780, 0x17FF),  # Khmer
    (0x3040, 0x30FF),  # Hiragana, Katakana
    (0x31F0, 0x31FF),  # Katakana phonetic extensions
    (0x3400, 0x4DBF),  # CJK extension A
    (0x4E00, 0x9FFF),  # CJK unified ideographs
    (0xF900, 0xFAFF),  # CJK compatibility ideographs
    (0x20000, 0x3FFFF),  # CJK extensions B–H
)


def normalize(text: str) -> str:
    """NFKC, casefolded, whitespace runs collapsed to one space and trimmed."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def normalize_codes(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """``normalize`` of every text as one code-point array, each text followed by a 0.

    Returns (codes, bounds): text ``i`` is ``codes[bounds[i]:bounds[i+1] - 1]``. NFKC and casefold
    run once over the joined batch (a NUL is a stable starter that nothing composes with, and
    casefolding is per character, so this equals normalising each text); whitespace runs are
    collapsed and trimmed on the code points, which is where the per-text ``split``/``join`` cost went.
    The array is uint8 when the batch is ASCII after NFKC, else uint32.
    """
    if not texts:
        return np.zeros(0, dtype=np.uint32), np.zeros(1, dtype=np.int64)
    joined = "\0".join(texts)
    if joined.count("\0") != len(texts) - 1:  # a text holds NUL itself: normalise text by text
        normalized = [normalize(t) for t in texts]
        return _encode(normalized), _bounds([len(t) for t in normalized])
    folded = unicodedata.normalize("NFKC", joined) + "\0"
    if folded.isascii():  # the common case: one byte per code point, classes by bytes.translate
        raw = folded.lower().encode("ascii")
        codes = np.frombuffer(raw, dtype=np.uint8)
        classes = np.frombuffer(raw.translate(ascii_classes()), dtype=np.uint8)
    else:
        codes = np.frombuffer(folded.casefold().encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        classes = char_classes()[codes]
    space = classes == WHITESPACE
    if space.any():
        nul = codes == 0
        # a space survives if it follows a non-space character of the same text
        after_text = np.zeros(len(codes), dtype=bool)
        after_text[1:] = ~space[:-1] & ~nul[:-1]
        keep = ~space | after_text
        if not keep.all():
            codes, space = codes[keep], space[keep]
        # now spaces are single; one right before a text's end is trailing
        trailing = np.flatnonzero(space[:-1] & (codes[1:] == 0))
        if len(trailing):
            codes = np.delete(codes, trailing)
            space = np.delete(space, trailing)
        other_space = space & (codes != 0x20)
        if other_space.any():
            codes = codes.copy()
            codes[other_space] = 0x20
    ends = np.flatnonzero(codes == 0) + 1
    return codes, np.concatenate(([0], ends)).astype(np.int64)


@lru_cache(maxsize=1)
def ascii_classes() -> bytes:
    return char_classes()[:256].tobytes()


def _encode(texts: Sequence[str]) -> np.ndarray:
    return np.frombuffer(("\0".join(texts) + "\0").encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


def _bounds(lengths: Sequence[int]) -> np.ndarray:
    bounds = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(np.asarray(lengths, dtype=np.int64) + 1, out=bounds[1:])
    return bounds


def exact_keys(codes: np.ndarray, bounds: np.ndarray) -> np.ndarray:
    """(n, 2) uint64 :func:`exact_key` of every text of :func:`normalize_codes` output."""
    if len(bounds) == 1:
        return np.zeros((0, 2), dtype=np.uint64)
    if codes.dtype == np.uint8:  # ASCII: the code points are the UTF-8 bytes
        data = codes.tobytes()
    else:
        data = codes.tobytes().decode("utf-32-le", "surrogatepass").encode("utf-8", "surrogatepass")
    if np.count_nonzero(codes == 0) == len(bounds) - 1:  # separators are the only NULs: split once
        parts = data.split(b"\0")[:-1]
    else:
        texts = codes.astype(np.uint32).tobytes().decode("utf-32-le", "surrogatepass")
        parts = [texts[s : e - 1].encode("utf-8", "surrogatepass") for s, e in zip(bounds[:-1].tolist(), bounds[1:].tolist())]
    digests = b"".join(hashlib.blake2b(p, digest_size=16).digest() for p in parts)
    return np.frombuffer(digests, dtype=np.uint64).reshape(-1, 2)


def exact_key(normalized: str) -> bytes:
    """128-bit blake2b of the normalised text: equal keys mean exact duplicates."""
    return hashlib.blake2b(normalized.encode("utf-8", "surrogatepass"), digest_size=16).digest()


def doc_key(record_id: str) -> int:
    """64-bit key of a record id, the integer the shuffles carry instead of the id string."""
    return int.from_bytes(hashlib.blake2b(record_id.encode(), digest_size=8).digest(), "little")


@lru_cache(maxsize=1)
def char_classes() -> np.ndarray:
    """SEPARATOR / WORD / UNSPACED for every code point (1.1 MB table, built once per process)."""
    table = np.zeros(0x110000, dtype=np.uint8)
    bmp = [unicodedata.category(chr(c))[0] in "LNM" for c in range(0x10000)]
    table[:0x10000] = np.array(bmp, dtype=np.uint8) * WORD
    table[0x10000:] = WORD  # astral letters and symbols: rare, treat as word characters
    for lo, hi in _UNSPACED_RANGES:
        table[lo : hi + 1] = UNSPACED
    for c in range(0x0E00, 0x0F00):  # Thai/Lao digits and punctuation stay out of the char n-grams
        if unicodedata.category(chr(c))[0] not in "LM":
            table[c] = SEPARATOR
    for c in range(0x3001):  # str.isspace: what str.split() splits on (none above U+3000)
        if chr(c).isspace():
            table[c] = WHITESPACE
    return table


class _Powers:
    """B**i and B**-i mod 2**64 for prefix-sum hashing, grown on demand.

    Replaced as one tuple and read once per call, so bundles hashing in parallel threads of one
    worker never see a grown ``forward`` with the old, shorter ``inverse``.
    """

    def __init__(self):
        self.series = (np.ones(1, dtype=np.uint64), np.ones(1, dtype=np.uint64))

    def get(self, n: int) -> tuple[np.ndarray, np.ndarray]:
        forward, inverse = self.series
        if len(forward) < n:
            size = max(n, 2 * len(forward))
            forward, inverse = _power_series(_BASE, size), _power_series(pow(_BASE, -1, 2**64), size)
            self.series = (forward, inverse)
        return forward[:n], inverse[:n]


def _power_series(base: int, n: int) -> np.ndarray:
    steps = np.full(n, base, dtype=np.uint64)
    steps[0] = 1
    with np.errstate(over="ignore"):
        return np.cumprod(steps, dtype=np.uint64)


_POWERS = _Powers()


def mix64(x: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser: spreads the weak bits of a polynomial hash over all 64."""
    x = x ^ (x >> np.uint64(30))
    x *= np.uint64(0xBF58476D1CE4E5B9)
    x ^= x >> np.uint64(27)
    x *= np.uint64(0x94D049BB133111EB)
    x ^= x >> np.uint64(31)
    return x


def span_hashes(values: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Position-independent polynomial hash of ``values[s:e]`` for every (s, e), via one prefix sum."""
    forward, inverse = _POWERS.get(len(values) + 1)
    prefix = np.zeros(len(values) + 1, dtype=np.uint64)
    np.cumsum(values.astype(np.uint64) * forward[: len(values)], out=prefix[1:])
    return (prefix[ends] - prefix[starts]) * inverse[starts]


def shingle_hashes(texts: Sequence[str], word_ngram: int = 5, char_ngram: int = 5) -> tuple[np.ndarray, np.ndarray]:
    """64-bit hashes of every shingle of every (normalised) text, and per-text offsets into them.

    Shingles of text ``i`` are ``hashes[offsets[i]:offsets[i+1]]``; a text without any word or
    unspaced character has none.
    """
    return shingle_hashes_of_codes(_encode(texts), _bounds([len(t) for t in texts]), word_ngram, char_ngram)


def shingle_hashes_of_codes(
    codes: np.ndarray, bounds: np.ndarray, word_ngram: int = 5, char_ngram: int = 5
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`shingle_hashes` of texts given as code points, each followed by a 0 (see :func:`normalize_codes`)."""
    n_docs = len(bounds) - 1
    classes = char_classes()[codes]
    is_word = classes == WORD
    is_unspaced = classes == UNSPACED
    word_start = is_word.copy()
    word_start[1:] &= ~is_word[:-1]
    word_end = is_word.copy()
    word_end[:-1] &= ~is_word[1:]  # the trailing separator closes the last word
    starts = np.flatnonzero(word_start | is_unspaced)
    ends = np.flatnonzero(word_end | is_unspaced) + 1
    if len(starts) == 0:
        return np.zeros(0, dtype=np.uint64), np.zeros(n_docs + 1, dtype=np.int64)

    n_tokens = len(starts)
    doc_first_token = np.searchsorted(starts, bounds[:-1])
    kind = classes[starts]
    # runs of one kind inside one text; shingles are chosen per run, not per token
    kind_change = np.flatnonzero(kind[1:] != kind[:-1]) + 1
    run_first = np.union1d(doc_first_token, kind_change)
    run_first = run_first[run_first < n_tokens]
    run_length = np.diff(np.append(run_first, n_tokens))
    run_kind = kind[run_first]
    n = np.where(run_kind == UNSPACED, char_ngram, word_ngram)
    per_run = np.maximum(run_length - n + 1, 1)  # a run shorter than n gives one shingle of the whole run
    run_offsets = np.cumsum(per_run) - per_run
    take = np.arange(int(per_run.sum())) + np.repeat(run_first - run_offsets, per_run)
    span = np.repeat(np.minimum(n, run_length).astype(np.uint64), per_run)
    salt = np.repeat(run_kind.astype(np.uint64) * _KIND_SALT, per_run)
    with np.errstate(over="ignore"):
        tokens = span_hashes(codes, starts, ends)
        tokens = mix64(tokens ^ ((ends - starts).astype(np.uint64) * _LENGTH_SALT))
        shingles = span_hashes(tokens, take, take + span.astype(np.int64))
        shingles = mix64(shingles ^ (span * _LENGTH_SALT) ^ salt)
    run_doc = np.searchsorted(doc_first_token, run_first, side="right") - 1
    offsets = np.zeros(n_docs + 1, dtype=np.int64)
    np.cumsum(np.bincount(run_doc, weights=per_run, minlength=n_docs).astype(np.int64), out=offsets[1:])
    return shingles, offsets


class MinHasher:
    """``num_perm`` universal-hash permutations ``(a*x + b) mod 2**32`` of 32-bit shingle hashes."""

    def __init__(self, num_perm: int = 128, seed: int = 1):
        rng = np.random.default_rng(seed)
        self.num_perm = num_perm
        self.a = (rng.integers(0, 2**32, num_perm, dtype=np.uint64) | 1).astype(np.uint32)
        self.b = rng.integers(0, 2**32, num_perm, dtype=np.uint64).astype(np.uint32)

    def signatures(self, shingles: np.ndarray, offsets: np.ndarray) -> np.ndarray:
        """(n_docs, num_perm) uint32; a document without shingles gets all MAX_HASH."""
        n_docs = len(offsets) - 1
        out = np.full((n_docs, self.num_perm), MAX_HASH, dtype=np.uint32)
        values = (shingles >> np.uint64(32)).astype(np.uint32)
        a, b = self.a[:, None], self.b[:, None]
        # (perm, shingle) layout: the reduction runs along contiguous rows, ~5x faster than axis 0
        buffer = np.empty((self.num_perm, _CHUNK_ROWS), dtype=np.uint32)
        doc = 0
        while doc < n_docs:
            stop = int(np.searchsorted(offsets, offsets[doc] + _CHUNK_ROWS, side="right")) - 1
            stop = min(max(stop, doc + 1), n_docs)
            lo, hi = offsets[doc], offsets[stop]
            if hi > lo:
                block = buffer if hi - lo <= _CHUNK_ROWS else np.empty((self.num_perm, hi - lo), np.uint32)
                block = block[:, : hi - lo]
                np.multiply(a, values[lo:hi], out=block)
                block += b
                docs = np.arange(doc, stop)
                docs = docs[offsets[docs + 1] > offsets[docs]]
                out[docs] = np.minimum.reduceat(block, offsets[docs] - lo, axis=1).T
            doc = stop
        return out

    def signatures_of(self, normalized: Sequence[str], word_ngram: int = 5, char_ngram: int = 5) -> np.ndarray:
        return self.signatures(*shingle_hashes(normalized, word_ngram, char_ngram))


def jaccard_estimate(sig_a: np.ndarray, sig_b: np.ndarray) -> np.ndarray:
    """Share of equal signature positions (along the last axis)."""
    return np.count_nonzero(sig_a == sig_b, axis=-1) / sig_a.shape[-1]


def pair_similarity(signatures: np.ndarray, i: np.ndarray, j: np.ndarray, block: int = 1 << 16) -> np.ndarray:
    """:func:`jaccard_estimate` of rows ``i[k]`` and ``j[k]`` of ``signatures``, a block of pairs at
    a time: gathering every pair's two signatures at once costs 1 KB per pair (GBs for templated text)."""
    out = np.empty(len(i), dtype=np.float64)
    for start in range(0, len(i), block):
        end = start + block
        out[start:end] = jaccard_estimate(signatures[i[start:end]], signatures[j[start:end]])
    return out


def _integrate(f, lo: float, hi: float, steps: int = 1001) -> float:
    if hi <= lo:
        return 0.0
    xs = np.linspace(lo, hi, steps)
    return float(np.trapezoid(f(xs), xs))


def optimal_bands_rows(
    threshold: float, num_perm: int, false_positive_weight: float = 0.5, false_negative_weight: float = 0.5
) -> tuple[int, int]:
    """(bands, rows) minimising the weighted area of false positives below and false negatives above
    ``threshold`` on the LSH S-curve ``1 - (1 - s**r)**b`` (the rule datasketch's MinHashLSH uses)."""
    best, best_error = (1, 1), float("inf")
    for b in range(1, num_perm + 1):
        for r in range(1, num_perm // b + 1):
            fp = _integrate(lambda s: 1 - (1 - s**r) ** b, 0.0, threshold)
            fn = _integrate(lambda s: (1 - s**r) ** b, threshold, 1.0)
            error = fp * false_positive_weight + fn * false_negative_weight
            if error < best_error:
                best, best_error = (b, r), error
    return best


_BAND_MULTIPLIERS = mix64(np.arange(1, 1025, dtype=np.uint64))


def band_keys(signatures: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """(n_docs, bands) uint64: one hash per band of ``rows`` signature values, salted by band index."""
    n_docs = signatures.shape[0]
    blocks = signatures[:, : bands * rows].reshape(n_docs, bands, rows).astype(np.uint64)
    with np.errstate(over="ignore"):
        combined = (blocks * _BAND_MULTIPLIERS[:rows]).sum(axis=2, dtype=np.uint64)
        combined += np.arange(bands, dtype=np.uint64) * _LENGTH_SALT
        return mix64(combined)


def components(keys_a: np.ndarray, keys_b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Connected components of the edges (keys_a[i], keys_b[i]) over arbitrary uint64 keys.

    Returns (sorted unique keys, component label per key) where a label is the smallest key of its
    component, so labels are the same whatever order the edges arrive in.
    """
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    keys, inverse = np.unique(np.concatenate([keys_a, keys_b]), return_inverse=True)
    half = len(keys_a)
    edges = coo_matrix((np.ones(half, dtype=np.int8), (inverse[:half], inverse[half:])), shape=(len(keys), len(keys)))
    _, roots = connected_components(edges, directed=False)  # C union-find: no Python object per doc
    smallest = np.full(len(keys), len(keys), dtype=np.int64)
    np.minimum.at(smallest, roots, np.arange(len(keys)))
    return keys, keys[smallest[roots]]
