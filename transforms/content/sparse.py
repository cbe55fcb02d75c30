"""Hashed n-gram features and a linear scorer in numpy: the harmful stage's second model.

A text's features are the hashed word n-grams and the character n-grams within each padded word
(``" word "``, as scikit-learn's ``char_wb``) of its ``preprocess_batch`` view, every CJK character
being a word. Each n-gram counts ``1/sqrt(m)`` in its bucket (``m``: the text's n-grams of that kind,
words or characters), so long and short texts score on one scale without a per-text count table.

The whole batch is hashed at once: one code-point array and one 64-bit polynomial hash (numpy's unsigned
arithmetic wraps modulo 2**64, the same on every platform) — a word n-gram's as the difference of two
prefix sums, character n-grams rolled one character longer per length. Training (``eval/train_harmful_sparse.py``) and scoring both go through
:func:`features`, so they cannot drift apart.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

_BASE = np.uint64(0x100000001B3)  # odd: every power is invertible modulo 2**64
_MIX = np.uint64(0x9E3779B97F4A7C15)
_SPACE = 32
_WORD_SALT, _CHAR_SALT = np.uint64(0x5BD1E995), np.uint64(0xC2B2AE3D27D4EB4F)


@dataclass(frozen=True)
class FeatureSpec:
    """Which n-grams and how many buckets (recorded in the model's sidecar)."""

    buckets: int
    word_ngrams: int  # word n-grams of length 1..word_ngrams
    char_min: int  # character n-grams within " word ", lengths char_min..char_max (0: none)
    char_max: int

    def to_json(self) -> dict:
        return {"buckets": self.buckets, "word_ngrams": self.word_ngrams, "char_min": self.char_min, "char_max": self.char_max}


def _codes(processed: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """The batch as one code-point array, each text as ``" w1 w2 … "`` (its words between single
    spaces), and the text each point belongs to."""
    padded = [f" {' '.join(text.split())} " for text in processed]
    points = np.frombuffer("".join(padded).encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    lengths = np.fromiter(map(len, padded), dtype=np.int64, count=len(padded))
    return points.astype(np.uint64), np.repeat(np.arange(len(padded)), lengths)


def features(processed: Sequence[str], spec: FeatureSpec) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(rows, buckets, values)``: one entry per n-gram occurrence (repeats add up in a sparse sum)."""
    rows, buckets, words = _hashed(processed, spec)
    values = np.empty(len(rows))
    for part, scale in zip((slice(0, words), slice(words, None)), _scales(rows, words, len(processed))):
        values[part] = scale[rows[part]]
    return rows, buckets, values


def _scales(rows: np.ndarray, words: int, texts: int) -> tuple[np.ndarray, np.ndarray]:
    """Per text, 1/sqrt(m) for its m word n-grams and for its m character n-grams (the first ``words``
    entries of ``rows`` are word n-grams)."""
    return tuple(1.0 / np.sqrt(np.maximum(np.bincount(part, minlength=texts), 1)) for part in (rows[:words], rows[words:]))


def _hashed(processed: Sequence[str], spec: FeatureSpec) -> tuple[np.ndarray, np.ndarray, int]:
    """``(rows, buckets, words)``: the text and bucket of every n-gram occurrence, word n-grams first
    (``words`` of them), then character n-grams."""
    if not processed:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), 0
    points, doc_of = _codes(processed)
    n = len(points)
    is_space = points == _SPACE
    spaces = np.flatnonzero(is_space)
    hashes, rows = [], []
    with np.errstate(over="ignore"):
        # word n-grams: from the point after a space to the space k words on, within one text. The hash of
        # points[lo:hi] is the sum of points[lo + j] * BASE**j: with prefix[i] the sum of points[j] * BASE**j
        # for j < i, it is (prefix[hi] - prefix[lo]) * BASE**-lo, whatever the n-gram's place in the batch.
        powers = np.cumprod(np.full(n, _BASE, dtype=np.uint64)) * np.uint64(pow(int(_BASE), -1, 2**64))
        prefix = np.concatenate(([np.uint64(0)], np.cumsum(points * powers)))
        inverse = _inverse_powers(n)
        for k in range(1, spec.word_ngrams + 1):
            lo, hi = spaces[:-k] + 1, spaces[k:]
            ok = (hi > lo) & (doc_of[spaces[:-k]] == doc_of[hi])
            lo, hi = lo[ok], hi[ok]
            hashes.append((prefix[hi] - prefix[lo]) * inverse[lo] ^ (_WORD_SALT + np.uint64(k)))
            rows.append(doc_of[lo])
        words = sum(len(r) for r in rows)
        if spec.char_max:
            # character k-grams within " word ": no space strictly inside (texts end in their own spaces, so
            # such a window never spans two texts); the same polynomial, rolled one character longer per k
            rolling, step = points.copy(), np.uint64(1)
            space_count = np.concatenate(([0], np.cumsum(is_space)))
            for k in range(2, spec.char_max + 1):
                step *= _BASE
                rolling = rolling[:-1] + points[k - 1 :] * step
                if k < spec.char_min:
                    continue
                if k == 2:  # an empty text's two spaces
                    lo = np.flatnonzero(~(is_space[:-1] & is_space[1:]))
                else:
                    lo = np.flatnonzero(space_count[k - 1 : n] == space_count[1 : n - k + 2])
                hashes.append(rolling[lo] ^ (_CHAR_SALT + np.uint64(k)))
                rows.append(doc_of[lo])
        h = np.concatenate(hashes) * _MIX
        h ^= h >> np.uint64(29)
    if spec.buckets & (spec.buckets - 1) == 0:  # a power of two: the same as the remainder, cheaper
        buckets = (h & np.uint64(spec.buckets - 1)).astype(np.int64)
    else:
        buckets = (h % np.uint64(spec.buckets)).astype(np.int64)
    return np.concatenate(rows), buckets, words


_inverse_cache: list[np.ndarray] = [np.ones(1, dtype=np.uint64)]


def _inverse_powers(n: int) -> np.ndarray:
    """BASE**-i modulo 2**64 for i in 0..n (grown and kept per process)."""
    table = _inverse_cache[0]
    if len(table) <= n:
        inverse = np.uint64(pow(int(_BASE), -1, 2**64))
        with np.errstate(over="ignore"):
            table = np.cumprod(np.full(max(n + 1, 2 * len(table)), inverse, dtype=np.uint64))
            table = np.concatenate(([np.uint64(1)], table[:-1]))
        _inverse_cache[0] = table
    return table


@dataclass(frozen=True)
class SparseLinear:
    """Multinomial logistic regression over :func:`features`: ``weights`` (buckets × labels-1, the last
    label's column subtracted, as softmax ignores a common shift) and ``bias``; from its sidecar, the
    cascade it belongs to: fastText's risk (1 - P(negative)) from which it scores a text (``gate``), its
    share of the probabilities there (``mix``), the thresholds chosen for the cascade, and the model whose
    probabilities it averages with its own there (``companion``: a file beside it, or None)."""

    path: str
    spec: FeatureSpec
    labels: tuple[str, ...]
    weights: np.ndarray
    bias: np.ndarray
    gate: float = 0.0
    mix: float = 1.0
    thresholds: dict = field(default_factory=dict)
    companion: str | None = None

    def probabilities(self, processed: Sequence[str]) -> np.ndarray:
        """One row per text (already passed through ``preprocess_batch``), one column per label."""
        n = len(processed)
        logits = np.zeros((n, len(self.labels)))
        if processed:
            rows, buckets, words = _hashed(processed, self.spec)
            # every n-gram of a kind weighs the same within a text: sum the rows per kind, then scale
            word_scale, char_scale = _scales(rows, words, n)
            rows_w, rows_c = rows[:words], rows[words:]
            for j in range(len(self.labels) - 1):
                column = self.weights[:, j][buckets]
                logits[:, j] = np.bincount(rows_w, column[:words], minlength=n) * word_scale
                logits[:, j] += np.bincount(rows_c, column[words:], minlength=n) * char_scale
            logits[:, :-1] += self.bias
        logits -= logits.max(axis=1, keepdims=True)
        exp = np.exp(logits)
        return exp / exp.sum(axis=1, keepdims=True)


def cascade(
    first: np.ndarray, negative: int, gate: float, mix: float, second_of: Callable[[np.ndarray], np.ndarray]
) -> tuple[np.ndarray, np.ndarray]:
    """The probabilities a cascade decides on, and the rows the second model scored: where the first model's
    risk (1 - P(negative), column ``negative``) reaches ``gate``, ``mix`` of ``second_of(rows)``'s probabilities
    and the rest of the first's; the first's alone elsewhere. The stage and its training both go through here."""
    rows = np.flatnonzero(1.0 - first[:, negative] >= gate)
    out = first.copy()
    if len(rows):
        out[rows] = (1.0 - mix) * first[rows] + mix * second_of(rows)
    return out, rows


def sparse_path(first_model: Path) -> Path:
    """Where the second model of a fastText model lives: ``harmful_en.bin`` -> ``harmful_en_sparse.npz``."""
    return first_model.with_name(f"{first_model.stem}_sparse.npz")


def load_sparse(path: Path) -> SparseLinear:
    """A ``.npz`` of ``weights`` / ``bias`` with its ``.json`` sidecar (labels, features, gate, mix,
    thresholds, companion). Raises ValueError naming the file when they do not fit together."""
    sidecar = path.with_suffix(".json")
    try:
        meta = json.loads(sidecar.read_text(encoding="utf-8"))
        with np.load(path) as data:
            weights, bias = data["weights"], data["bias"]
        spec = FeatureSpec(**meta["features"])
        labels = tuple(meta["labels"])
        # stored as float16 (half the file), scored as float32 (numpy gathers those several times faster)
        weights = np.asfortranarray(weights, dtype=np.float32)  # one label's column contiguous
        model = SparseLinear(str(path), spec, labels, weights, bias, float(meta["gate"]), float(meta["mix"]), dict(meta["thresholds"]),
                             meta.get("companion"))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"second model unreadable: {path}: {exc}") from None
    if weights.shape != (spec.buckets, len(labels) - 1) or bias.shape != (len(labels) - 1,):
        raise ValueError(f"{path}: weights {weights.shape} / bias {bias.shape} do not fit {spec} and labels {labels}")
    return model
