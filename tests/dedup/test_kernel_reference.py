"""The dedup kernel's numpy code (sliced batches, prefix-sum hashes, blocked MinHash, band keys, candidate
pairs, table casefolding) against straightforward per-document Python references, bit for bit."""

from __future__ import annotations

import hashlib
import random

import numpy as np
import pytest

import transforms.dedup.resolve as resolve_module
from transforms.core import hashing
from transforms.core.hashing import LENGTH_SALT, UNSPACED, WORD, casefold_codes, char_classes, normalize, span_hashes
from transforms.dedup.minhash import _BAND_MULTIPLIERS, MinHasher, band_keys
from transforms.dedup.resolve import DedupParams, candidate_pairs, signature_chunk

MASK64 = 2**64 - 1
_RNG = random.Random(21)
_WORDS = [f"w{i}" for i in range(3000)]

TEXTS = [
    "",
    "   \t\n",
    "!!! ... ???",  # no word: no shingles
    "hello",  # one shingle of a one-word run
    "The quick, brown fox jumps over the lazy dog!",
    " ".join(_RNG.choice(_WORDS) for _ in range(5000)),  # more shingles than one MinHash block holds
    "第一条　为了规范数据处理活动，保障数据安全（试行），制定本法。第二条　在中华人民共和国境内开展数据处理活动。",
    "我们使用机器学习 apache beam pipeline runs on many workers 来处理数据",
    "emoji 😀😀 and astral ideographs 𠀀𠀁𠀂𠀃𠀄𠀅 in 𝐁𝐨𝐥𝐝 text",
    "Straße ﬁne ΣΑΣ İstanbul ǅ",  # characters casefolding to several
    "ＦＵＬＬ　ｗｉｄｔｈ Ⅻ …",
    "ภาษาไทย ๑๒๓ ไม่มีช่องว่าง",
    "nul\0inside  the text",
    "\ud800 lone surrogate",
    "x",
]


def _mix64(x: int) -> int:
    x ^= x >> 30
    x = (x * 0xBF58476D1CE4E5B9) & MASK64
    x ^= x >> 27
    x = (x * 0x94D049BB133111EB) & MASK64
    return x ^ (x >> 31)


def _poly(values: list[int]) -> int:
    return sum(v * pow(hashing._BASE, k, 2**64) for k, v in enumerate(values)) & MASK64


def _reference_shingles(text: str, word_ngram: int = 5, char_ngram: int = 5) -> list[int]:
    """Tokens, script runs and n-gram hashes of one normalised text, a character at a time."""
    classes = char_classes()
    tokens: list[tuple[int, list[int]]] = []  # (kind, code points)
    word: list[int] = []
    for ch in normalize(text):
        kind = classes[ord(ch)]
        if kind == WORD:
            word.append(ord(ch))
            continue
        if word:
            tokens.append((WORD, word))
            word = []
        if kind == UNSPACED:
            tokens.append((UNSPACED, [ord(ch)]))
    if word:
        tokens.append((WORD, word))
    runs: list[tuple[int, list[int]]] = []
    for kind, codes in tokens:
        token = _mix64(_poly(codes) ^ ((len(codes) * int(LENGTH_SALT)) & MASK64))
        if runs and runs[-1][0] == kind:
            runs[-1][1].append(token)
        else:
            runs.append((kind, [token]))
    shingles = []
    for kind, run in runs:
        n = char_ngram if kind == UNSPACED else word_ngram
        span = min(n, len(run))
        salt = ((span * int(LENGTH_SALT)) & MASK64) ^ ((kind * int(hashing._KIND_SALT)) & MASK64)
        shingles += [_mix64(_poly(run[i : i + span]) ^ salt) for i in range(max(len(run) - n + 1, 1))]
    return shingles


def _reference_signature(shingles: list[int], hasher: MinHasher) -> np.ndarray:
    if not shingles:
        return np.full(hasher.num_perm, 0xFFFFFFFF, dtype=np.uint32)
    values = np.array(shingles, dtype=np.uint64) >> np.uint64(32)
    permuted = (hasher.a.astype(np.uint64)[:, None] * values + hasher.b.astype(np.uint64)[:, None]) & np.uint64(0xFFFFFFFF)
    return permuted.min(axis=1).astype(np.uint32)


def _reference_band_keys(signature: np.ndarray, bands: int, rows: int) -> list[int]:
    multipliers = [int(m) for m in _BAND_MULTIPLIERS[:rows]]
    keys = []
    for band in range(bands):
        combined = sum(int(signature[band * rows + r]) * multipliers[r] for r in range(rows))
        keys.append(_mix64((combined + band * int(LENGTH_SALT)) & MASK64))
    return keys


@pytest.mark.parametrize("slice_chars", [1, 60, 1 << 16])
def test_signature_chunk_equals_per_document_reference(monkeypatch, slice_chars):
    monkeypatch.setattr(resolve_module, "_SLICE_CHARS", slice_chars)  # one text, a few, all texts per slice
    params = DedupParams(bands=25, rows=5)
    hasher = MinHasher(params.num_perm, params.seed)
    texts = TEXTS + TEXTS[::-1]
    chunk = signature_chunk([f"id{i}" for i in range(len(texts))], texts, params)
    for i, text in enumerate(texts):
        shingles = _reference_shingles(text)
        assert chunk.has_shingles[i] == bool(shingles)
        assert np.array_equal(chunk.signatures[i], _reference_signature(shingles, hasher)), repr(text[:30])
        digest = hashlib.blake2b(normalize(text).encode("utf-8", "surrogatepass"), digest_size=16).digest()
        assert chunk.exact[i].tobytes() == digest
        assert chunk.lengths[i] == len(normalize(text))
    keys = band_keys(chunk.signatures, params.bands, params.rows)
    assert [row.tolist() for row in keys] == [_reference_band_keys(s, params.bands, params.rows) for s in chunk.signatures]


def test_span_hashes_equal_python_polynomials():
    rng = np.random.default_rng(5)
    for dtype, top in ((np.uint8, 256), (np.uint32, 0x110000), (np.uint64, 2**64)):
        values = rng.integers(0, top, 300, dtype=np.uint64 if dtype is np.uint64 else np.int64).astype(dtype)
        starts = rng.integers(0, 300, 50)
        ends = np.minimum(starts + rng.integers(1, 20, 50), 300)  # spans up to the array's end
        expected = [_poly([int(v) for v in values[s:e]]) for s, e in zip(starts, ends)]
        assert span_hashes(values, starts, ends).tolist() == expected


def test_casefold_codes_equals_str_casefold():
    for text in TEXTS + ["ΑΒΓ abc", "Ǆ ǈ ǋ", "ß", "𐐀𐐁 deseret", "plain"]:
        assert casefold_codes(text).tobytes() == text.casefold().encode("utf-32-le", "surrogatepass")


def test_candidate_pairs_equal_brute_force():
    rng = np.random.default_rng(3)
    band = rng.integers(0, 400, 3000).astype(np.uint64)  # runs of every size, singletons included
    band[:100] = 7  # one run larger than all_pairs_up_to
    docs = rng.integers(0, 500, 3000).astype(np.uint64)  # repeated docs, and a doc twice in one run
    for up_to in (0, 32):
        runs: dict[int, list[int]] = {}
        for key, doc in zip(band.tolist(), docs.tolist()):
            runs.setdefault(key, []).append(doc)
        expected = set()
        for run in runs.values():  # a star to the smallest doc; every pair where the run is short
            first = min(run)
            expected |= {(first, d) for d in run if d != first}
            if len(run) <= up_to:
                expected |= {(x, y) for x in run for y in run if x < y}
        a, b = candidate_pairs(band, docs, all_pairs_up_to=up_to)
        assert list(zip(a.tolist(), b.tolist())) == sorted(expected)
