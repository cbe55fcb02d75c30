"""Beam-free kernel of the reuse stage: per batch, paragraph hashes, shingle hashes and winnowed fingerprints.

One NFKC + casefold pass over the joined batch feeds all three (numpy throughout, no Python object per
paragraph or shingle):

- **Paragraphs** are lines (``\\n``-separated, as in dolma and CCNet). A line's key is a 64-bit hash of its
  letters, digits and unspaced-script characters only (punctuation, spaces and case do not count), with
  their number, so ``Read more »`` and ``read more`` are the same boilerplate line.
- **Shingles** are exactly the dedup stage's (:func:`transforms.core.hashing.shingle_hashes_of_codes`):
  word n-grams, character n-grams for unspaced scripts, mixed text by script run.
- **Fingerprints** are the winnowed shingles (Schleimer, Wilkerson & Aiken 2003, MOSS): the smallest hash of
  every window of ``window`` consecutive shingles. Two texts sharing a run of at least
  ``window + n - 1`` tokens share a fingerprint whatever surrounds the run, which is what a partial-copy
  search needs and a whole-document MinHash does not give (its Jaccard estimate falls with the size of the
  new text around a copied part).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from transforms.core.hashing import LENGTH_SALT, UNSPACED, WORD, ascii_classes, casefold_codes, char_classes, mix64, shingle_hashes_of_codes, span_hashes

_NEWLINE = 10
_MAX = np.uint64(0xFFFFFFFFFFFFFFFF)
_LOW32 = np.uint64(0xFFFFFFFF)
_HIGH32 = np.uint64(0xFFFFFFFF00000000)


def nfkc_joined(texts: Sequence[str]) -> str:
    """``unicodedata.normalize("NFKC", "\\0".join(texts))``, several times faster on Chinese text.

    Python's NFKC takes its slow path over the whole string once one character fails the quick check, and
    Chinese text nearly always holds full-width punctuation (，（）：) that NFKC maps to ASCII. Those
    (U+FF01–FF5E, U+3000) are mapped with numpy first, exactly as NFKC maps them; then only the texts that
    still fail ``is_normalized`` are normalised (a test checks equality with plain NFKC on real text).
    """
    joined = "\0".join(texts)
    if joined.isascii():
        return joined
    codes = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    wide = (codes >= 0xFF01) & (codes <= 0xFF5E)
    ideographic_space = codes == 0x3000
    if wide.any() or ideographic_space.any():
        codes = codes.copy()
        codes[wide] -= 0xFEE0
        codes[ideographic_space] = 0x20
        joined = codes.tobytes().decode("utf-32-le", "surrogatepass")
    if unicodedata.is_normalized("NFKC", joined):
        return joined
    return "\0".join(p if unicodedata.is_normalized("NFKC", p) else unicodedata.normalize("NFKC", p) for p in joined.split("\0"))


def fold(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """NFKC + casefold of the batch as code points (uint8 when ASCII), their character classes, and text
    bounds: text ``i`` is ``codes[bounds[i]:bounds[i+1] - 1]``, each followed by a 0. Newlines are kept."""
    if any("\0" in t for t in texts):
        texts = [t.replace("\0", " ") for t in texts]
    folded = nfkc_joined(texts) + "\0"
    if folded.isascii():
        raw = folded.lower().encode("ascii")
        codes = np.frombuffer(raw, dtype=np.uint8)
        classes = np.frombuffer(raw.translate(ascii_classes()), dtype=np.uint8)
    else:
        codes = casefold_codes(folded)
        classes = char_classes().take(codes)
    bounds = np.concatenate(([0], np.flatnonzero(codes == 0) + 1)).astype(np.int64)
    return codes, classes, bounds


def paragraph_hashes(codes: np.ndarray, classes: np.ndarray, bounds: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every line of every text: (64-bit hash of its letters/digits, their number, per-text offsets).

    Lines of text ``i`` are rows ``offsets[i]:offsets[i+1]``, in order; line ``k`` of a text is line ``k`` of
    ``text.split("\\n")`` (NFKC and casefolding never add or remove a newline).
    """
    breaks = np.flatnonzero((codes == _NEWLINE) | (codes == 0))
    keep = (classes == WORD) | (classes == UNSPACED)
    kept_before = np.concatenate(([0], np.cumsum(keep)))
    line_start = np.concatenate(([0], breaks[:-1] + 1))
    s, e = kept_before[line_start], kept_before[breaks]
    filtered = codes[keep]
    with np.errstate(over="ignore"):
        h = span_hashes(filtered, s, e) if len(filtered) else np.zeros(len(s), np.uint64)
        h = mix64(h ^ ((e - s).astype(np.uint64) * LENGTH_SALT))
    offsets = np.searchsorted(breaks, bounds, side="left").astype(np.int64)
    offsets[-1] = len(breaks)
    return h, (e - s).astype(np.int64), offsets


def winnow(shingles: np.ndarray, offsets: np.ndarray, window: int) -> tuple[np.ndarray, np.ndarray]:
    """Winnowed fingerprints: the smallest hash of every window of ``window`` consecutive shingles of a text
    (windows running past a text's end are cut there, so a short text gives its smallest). Returns
    (fingerprints, per-text offsets), each text's in order.

    Sliding minimum by van Herk / Gil-Werman (prefix and suffix minima inside blocks of ``window``) over keys
    ``high 32 bits of the hash | position``, texts separated by ``window - 1`` sentinels.
    """
    n = len(shingles)
    n_docs = len(offsets) - 1
    if n == 0:
        return np.zeros(0, np.uint64), np.zeros(n_docs + 1, np.int64)
    w = max(1, int(window))
    lengths = np.diff(offsets)
    doc_of = np.repeat(np.arange(n_docs), lengths)
    padded = np.arange(n) + doc_of * (w - 1)
    size = n + n_docs * (w - 1)
    size += (-size) % w + w
    key = np.full(size, _MAX)
    key[padded] = (shingles & _HIGH32) | padded.astype(np.uint64)
    blocks = key.reshape(-1, w)
    prefix = np.minimum.accumulate(blocks, axis=1).ravel()
    suffix = np.minimum.accumulate(blocks[:, ::-1], axis=1)[:, ::-1].ravel()
    chosen = (np.minimum(suffix[padded], prefix[padded + w - 1]) & _LOW32).astype(np.int64)
    first = np.ones(n, dtype=bool)  # a window's minimum never moves left: repeats are adjacent
    first[1:] = chosen[1:] != chosen[:-1]
    shingle_at = np.empty(size, dtype=np.int64)
    shingle_at[padded] = np.arange(n)
    picked = shingle_at[chosen[first]]
    fp_offsets = np.zeros(n_docs + 1, np.int64)
    np.cumsum(np.bincount(doc_of[picked], minlength=n_docs), out=fp_offsets[1:])
    return shingles[picked], fp_offsets


@dataclass
class BatchSketch:
    """What the reuse stage keeps of a batch: hashes only, never text."""

    paragraphs: np.ndarray  # uint64 line hashes
    paragraph_chars: np.ndarray  # int64 letters/digits per line
    paragraph_offsets: np.ndarray  # int64, n_docs + 1
    shingles: np.ndarray  # uint64, each text's in order
    shingle_offsets: np.ndarray
    fingerprints: np.ndarray  # uint64 winnowed shingles
    fingerprint_offsets: np.ndarray


def sketch(texts: Sequence[str], word_ngram: int = 5, char_ngram: int = 8, window: int = 8) -> BatchSketch:
    codes, classes, bounds = fold([t or "" for t in texts])
    paragraphs, chars, paragraph_offsets = paragraph_hashes(codes, classes, bounds)
    shingles, shingle_offsets = shingle_hashes_of_codes(codes, bounds, word_ngram, char_ngram)
    fingerprints, fingerprint_offsets = winnow(shingles, shingle_offsets, window)
    return BatchSketch(paragraphs, chars, paragraph_offsets, shingles, shingle_offsets, fingerprints, fingerprint_offsets)
