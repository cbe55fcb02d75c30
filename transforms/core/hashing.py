"""Hashing and grouping kernels shared by the controls that compare documents (deduplication, reuse).

Text: normalisation (NFKC, casefold, whitespace collapsed) of a whole batch at once as code points,
and 64-bit shingle hashes computed on those code points with polynomial hashes (segment sums of
``code * B**position``), never as Python strings. Tokenisation: letters, digits and combining marks
form words; each character of a script written without spaces (Han, Hiragana, Katakana, Thai, Lao,
Khmer, Myanmar) is a token of its own; anything else separates tokens. Tokens are grouped into runs
of one kind inside a document; word runs give word n-grams, unspaced runs give character n-grams, so
mixed documents shingle each part the way its script needs. A run shorter than its n gives one
shingle of the whole run.

Grouping: record ids as 64-bit keys, connected components over key pairs, pairs inside sorted runs
and look-ups in sorted keys (numpy, no Python object per document).
"""

from __future__ import annotations

import hashlib
import unicodedata
from functools import lru_cache
from typing import Sequence

import numpy as np

SEPARATOR, WORD, UNSPACED, WHITESPACE = 0, 1, 2, 3  # WHITESPACE is a separator that normalisation collapses
_BASE = 0x100000001B3  # odd, so invertible mod 2**64
LENGTH_SALT = np.uint64(0x9E3779B97F4A7C15)
_KIND_SALT = np.uint64(0xC2B2AE3D27D4EB4F)

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
    folded = _nfkc_joined(texts, joined) + "\0"
    if folded.isascii():  # the common case: one byte per code point, classes by bytes.translate
        raw = folded.lower().encode("ascii")
        codes = np.frombuffer(raw, dtype=np.uint8)
        classes = np.frombuffer(raw.translate(ascii_classes()), dtype=np.uint8)
    else:
        codes = casefold_codes(folded)
        classes = char_classes().take(codes)  # take: under half the cost of fancy indexing with uint32 codes
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


def _nfkc_joined(texts: Sequence[str], joined: str) -> str:
    """NFKC of ``joined`` (the texts joined by NULs), without normalising the whole batch where few of it changes.

    NFKC over a whole batch decomposes and recomposes every character (≈ 20 µs per IMDB review, 33 per
    Chinese statute) although most texts are normal already (quick check) and most of the rest change
    only by characters whose compatibility decomposition is one character (full-width punctuation).
    Replacing a character by its full decomposition leaves NFKD, hence NFKC, unchanged; so where the
    replaced text is NFKC-normal it *is* the text's NFKC, and only the others are normalised in full.
    """
    if unicodedata.is_normalized("NFKC", joined):
        return joined
    pending = [i for i, t in enumerate(texts) if not unicodedata.is_normalized("NFKC", t)]
    mapped = "\0".join(texts[i] for i in pending).encode("utf-32-le", "surrogatepass")
    mapped = single_decompositions()[np.frombuffer(mapped, dtype=np.uint32)].tobytes().decode("utf-32-le", "surrogatepass")
    out = list(texts)
    for i, m in zip(pending, mapped.split("\0")):
        out[i] = m if unicodedata.is_normalized("NFKC", m) else unicodedata.normalize("NFKC", texts[i])
    return "\0".join(out)


@lru_cache(maxsize=1)
def single_decompositions() -> np.ndarray:
    """Every code point mapped to its full compatibility decomposition (NFKD) where that is one other
    code point (full-width forms, Roman numerals, …), else to itself (4.5 MB, built once per process)."""
    table = np.arange(0x110000, dtype=np.uint32)
    for c in range(0x110000):
        if 0xD800 <= c < 0xE000:  # surrogates: no decomposition, and no str of their own to normalise
            continue
        d = unicodedata.normalize("NFKD", chr(c))
        if len(d) == 1 and d != chr(c):
            table[c] = ord(d)
    return table


def casefold_codes(text: str) -> np.ndarray:
    """``text.casefold()`` as uint32 code points.

    Casefolding is per character, so where every character is in the BMP and folds to one character
    it is a table look-up, a fraction of ``str.casefold`` on Chinese or English text (≈ 2.4 µs per
    real document); otherwise (astral characters, ß, ﬁ, …) ``str.casefold`` itself.
    """
    codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    if len(codes) and codes.max() <= 0xFFFF:
        folded = casefold_table().take(codes)
        if not (folded == _FOLDS_TO_SEVERAL).any():
            return folded
    return np.frombuffer(text.casefold().encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


_FOLDS_TO_SEVERAL = 0xFFFFFFFF  # not a code point


@lru_cache(maxsize=1)
def casefold_table() -> np.ndarray:
    """``str.casefold`` of every BMP character where that is one character, else ``_FOLDS_TO_SEVERAL`` (256 KB)."""
    table = np.arange(0x10000, dtype=np.uint32)
    for c in range(0x10000):
        if 0xD800 <= c < 0xE000:  # surrogates fold to themselves
            continue
        folded = chr(c).casefold()
        table[c] = ord(folded) if len(folded) == 1 else _FOLDS_TO_SEVERAL
    return table


@lru_cache(maxsize=1)
def ascii_classes() -> bytes:
    return char_classes()[:256].tobytes()


def _encode(texts: Sequence[str]) -> np.ndarray:
    return np.frombuffer(("\0".join(texts) + "\0").encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


def _bounds(lengths: Sequence[int]) -> np.ndarray:
    bounds = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(np.asarray(lengths, dtype=np.int64) + 1, out=bounds[1:])
    return bounds

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
    np.multiply(values, forward[: len(values)], out=prefix[1:])  # widened inside the multiply: no uint64 copy of values
    np.cumsum(prefix[1:], out=prefix[1:])
    return (prefix.take(ends) - prefix.take(starts)) * inverse.take(starts)


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
    classes = char_classes().take(codes)
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
    kind = classes.take(starts)
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
        tokens = mix64(tokens ^ ((ends - starts).astype(np.uint64) * LENGTH_SALT))
        shingles = span_hashes(tokens, take, take + span.astype(np.int64))
        shingles = mix64(shingles ^ (span * LENGTH_SALT) ^ salt)
    run_doc = np.searchsorted(doc_first_token, run_first, side="right") - 1
    offsets = np.zeros(n_docs + 1, dtype=np.int64)
    np.cumsum(np.bincount(run_doc, weights=per_run, minlength=n_docs).astype(np.int64), out=offsets[1:])
    return shingles, offsets


def components(keys_a: np.ndarray, keys_b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Connected components of the edges (keys_a[i], keys_b[i]) over arbitrary uint64 keys.

    Returns (sorted unique keys, component label per key) where a label is the smallest key of its
    component, so labels are the same whatever order the edges arrive in.

    Union-find in whole-array numpy steps, no Python object per doc: each round hooks every edge's
    larger root under its smaller one, then flattens every tree onto its root. A parent is never larger
    than its node, so each root is its component's smallest key. Rounds: 3–6 on duplicate clusters, 13 on a
    shuffled 1M-node chain (scipy's csgraph, used before, cost its 0.24 CPU s import in every process).
    """
    keys, inverse = np.unique(np.concatenate([keys_a, keys_b]), return_inverse=True)
    a, b = inverse[: len(keys_a)], inverse[len(keys_a) :]
    parent = np.arange(len(keys))
    while len(a):
        np.minimum.at(parent, np.maximum(a, b), np.minimum(a, b))
        while not np.array_equal(grand := parent[parent], parent):
            parent = grand
        a, b = parent[a], parent[b]
        apart = a != b  # an edge inside one tree stays inside it: later rounds skip it
        a, b = a[apart], b[apart]
    return keys, keys[parent]


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


def sorted_lookup(sorted_keys: np.ndarray, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(position in ``sorted_keys``, whether it is there) for each of ``keys``."""
    if not len(sorted_keys):
        return np.zeros(len(keys), np.int64), np.zeros(len(keys), bool)
    pos = np.minimum(np.searchsorted(sorted_keys, keys), len(sorted_keys) - 1)
    return pos, sorted_keys[pos] == keys
