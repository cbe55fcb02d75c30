"""Language identification model: py3langid's naive Bayes model, scored a batch at a time.

py3langid (BSD-3-Clause) ships its model (140 languages, byte n-gram features) inside the package, so
nothing is downloaded at run time. Its own ``classify`` walks the feature automaton one byte at a time
in Python (≈ 3,700 texts/s on this machine); :class:`BatchLangid` walks the same automaton for a whole
batch at once in numpy and scores every text with one sparse matrix product. Labels and
probabilities are the package's own (tests compare them on real text), including its length-scaled
softmax (``norm_probs``).

Only the first ``max_bytes`` bytes of UTF-8 are read: on the evaluation sets 300 bytes give the same
accuracy as the whole text (``eval/language_eval.py``).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Scores:
    """Per text: probabilities over every model language (rows sum to 1), and the bytes read."""

    probs: np.ndarray  # (texts, languages) float32
    labels: tuple[str, ...]
    nbytes: np.ndarray  # (texts,) int64


class BatchLangid:
    """py3langid's model over batches of texts. Load once per worker (the model is ~40 MB in memory)."""

    def __init__(self, max_bytes: int = 512):
        from py3langid.langid import MODEL_DIR, MODEL_FILE, LanguageIdentifier

        ident = LanguageIdentifier.from_modelpath(MODEL_DIR / MODEL_FILE, norm_probs=True)
        self.max_bytes = max_bytes
        self._nextmove = np.asarray(ident.tk_nextmove, dtype=np.int64)
        self._rowbase = np.asarray([r << 8 for r in ident.tk_row], dtype=np.int64)
        self._output = np.asarray(ident.tk_output, dtype=np.int64)
        self._ptc = np.ascontiguousarray(ident.nb_ptc, dtype=np.float32)
        self._pc = np.asarray(ident.nb_pc, dtype=np.float32)
        classes = list(ident.nb_classes)
        # py3langid folds script aliases (e.g. two columns for one label) into the first column
        first: dict[str, int] = {}
        self._alias = []
        for i, c in enumerate(classes):
            if c in first:
                self._alias.append((first[c], i))
            else:
                first[c] = i
        self._columns = np.array(sorted(first.values()))
        self.labels = tuple(classes[i] for i in self._columns)

    def _encode(self, text: str) -> bytes:
        # py3langid's own preparation: lower-case all-caps text, NFC, UTF-8
        if text.isupper():
            text = text.lower()
        return unicodedata.normalize("NFC", text).encode("utf-8", "surrogatepass")[: self.max_bytes]

    def scores(self, texts: list[str]) -> Scores:
        import scipy.sparse as sp

        data = [self._encode(t) for t in texts]
        n = len(data)
        lens = np.fromiter(map(len, data), dtype=np.int64, count=n)
        width = int(lens.max()) if n else 0
        order = np.argsort(-lens, kind="stable")  # longest first: the texts still being read are a prefix
        slens = lens[order]
        buf = np.zeros((n, max(width, 1)), dtype=np.uint8)
        if width:
            joined = np.frombuffer(b"".join(data[i] for i in order), dtype=np.uint8)
            rows = np.repeat(np.arange(n), slens)
            cols = np.arange(len(joined)) - np.repeat(np.cumsum(slens) - slens, slens)
            buf[rows, cols] = joined
        state = np.zeros(n, dtype=np.int64)
        feats = np.full((n, max(width, 1)), -1, dtype=np.int64)
        active = n
        for j in range(width):
            while active and slens[active - 1] <= j:
                active -= 1
            s = self._nextmove[self._rowbase[state[:active]] + buf[:active, j]]
            state[:active] = s
            feats[:active, j] = self._output[s]
        r, c = np.nonzero(feats >= 0)
        counts = sp.csr_matrix((np.ones(len(r), np.float32), (r, feats[r, c])), shape=(n, self._ptc.shape[0]))
        counts.sum_duplicates()
        counts.data = np.log1p(counts.data)
        raw = np.asarray(counts @ self._ptc, dtype=np.float32) + self._pc
        raw[np.diff(counts.indptr) == 0] = 0.0  # no feature: uniform, as py3langid
        raw *= (1.0 / np.sqrt(np.maximum(slens, 1))).astype(np.float32)[:, None]
        raw = np.exp(raw - raw.max(axis=1, keepdims=True))
        raw /= raw.sum(axis=1, keepdims=True)
        for i, j in self._alias:
            raw[:, i] += raw[:, j]
        probs = np.empty((n, len(self._columns)), dtype=np.float32)
        probs[order] = raw[:, self._columns]
        return Scores(probs, self.labels, lens)


_MODELS: dict[int, BatchLangid] = {}


def load(max_bytes: int = 512) -> BatchLangid:
    """One model per process and ``max_bytes`` (workers share it across stages and bundles)."""
    if max_bytes not in _MODELS:
        _MODELS[max_bytes] = BatchLangid(max_bytes)
    return _MODELS[max_bytes]
