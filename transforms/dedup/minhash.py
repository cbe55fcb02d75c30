"""Beam-free MinHash kernel for deduplication: signatures, LSH bands, the banding choice.

Shingle hashes come from :mod:`transforms.core.hashing` (normalisation and shingling of a whole batch
on code points, shared with the reuse control); the signature is ``min((a*x + b) mod 2**32)`` over each
document's shingle hashes, evaluated for all permutations at once. The exact key of a document is a
128-bit digest of its normalised text.
"""

from __future__ import annotations

import hashlib

import numpy as np

from transforms.core.hashing import LENGTH_SALT, mix64

MAX_HASH = np.uint32(0xFFFFFFFF)
_CHUNK_ROWS = 4096  # shingles per signature block
_PERM_GROUP = 32  # permutations per pass over a block: (32 x 4096) uint32 = 512 KiB, half of L2 (all 128: 2 MiB, 20 % slower)


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
        group = min(self.num_perm, _PERM_GROUP)
        buffer = np.empty((group, _CHUNK_ROWS), dtype=np.uint32)
        doc = 0
        while doc < n_docs:
            stop = int(np.searchsorted(offsets, offsets[doc] + _CHUNK_ROWS, side="right")) - 1
            stop = min(max(stop, doc + 1), n_docs)
            lo, hi = offsets[doc], offsets[stop]
            if hi > lo:
                block = buffer if hi - lo <= _CHUNK_ROWS else np.empty((group, hi - lo), np.uint32)
                docs = np.arange(doc, stop)
                docs = docs[offsets[docs + 1] > offsets[docs]]
                starts = offsets[docs] - lo
                for first in range(0, self.num_perm, group):
                    perms = slice(first, first + group)
                    rows = block[: min(group, self.num_perm - first), : hi - lo]
                    np.multiply(a[perms], values[lo:hi], out=rows)
                    rows += b[perms]
                    out[docs, perms] = np.minimum.reduceat(rows, starts, axis=1).T
            doc = stop
        return out


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
    used = signatures[:, : bands * rows]
    combined = np.zeros((n_docs, bands), dtype=np.uint64)
    term = np.empty((n_docs, bands), dtype=np.uint64)
    with np.errstate(over="ignore"):
        # one row of every band at a time: no (n_docs, bands, rows) uint64 copy, no reduction along a
        # 5-long axis (uint64 sums wrap, so the order of the terms leaves the keys unchanged)
        for row in range(rows):
            np.multiply(used[:, row::rows], _BAND_MULTIPLIERS[row], out=term, dtype=np.uint64)
            combined += term
        combined += np.arange(bands, dtype=np.uint64) * LENGTH_SALT
        return mix64(combined)
