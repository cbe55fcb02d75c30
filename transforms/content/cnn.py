"""A token CNN with max-pooling over positions, scored in numpy: the Chinese harmful cascade's third view.

A text's tokens are those of its ``preprocess_batch`` view (each CJK character one token, other words whole),
the first ``max_tokens`` of them. Each token is an embedding row (unknown tokens share one, padding is zero);
filters of a few widths slide over the sequence, and each filter keeps its largest ReLU response over the
windows that start at a real token, so a phrase counts wherever it stands, and what it is next to matters —
what the bags of n-grams of the other two models cannot see. A logistic output gives P(first label).

The model file holds a bag of such networks trained with different seeds on the same vocabulary; their
probabilities are averaged. Its sidecar's ``mix`` is its share of the cascade band's probabilities: the stage
scores it only on band texts whose decision that share can still change (transforms/content/harmful.py).
Trained by eval/train_harmful_sparse.py (jax, ``pip install -e .[train]``).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Sequence

import numpy as np


@dataclass(frozen=True)
class TokenCNN:
    """``embedding`` (members × vocabulary+2 × dim; row 0 padding, row 1 unknown), per filter width ``w``
    ``conv[w]`` (members × w·dim × filters) and ``conv_bias[w]``, ``out`` (members × filters·widths), ``out_bias``
    (members): the logit of ``labels[0]``; ``mix``: its share of the probabilities where the cascade uses it."""

    path: str
    labels: tuple[str, ...]
    vocabulary: dict[str, int]
    max_tokens: int
    embedding: np.ndarray
    conv: dict[int, np.ndarray]
    conv_bias: dict[int, np.ndarray]
    out: np.ndarray
    out_bias: np.ndarray
    mix: float

    def probabilities(self, processed: Sequence[str]) -> np.ndarray:
        """One row per text (already passed through ``preprocess_batch``), one column per label."""
        positive = np.zeros(len(processed))
        if processed:
            flat = self._flat(processed)
            for member in range(len(self.out_bias)):
                positive += _sigmoid(self._logits(member, *flat, len(processed)))
            positive /= len(self.out_bias)
        return np.column_stack([positive, 1.0 - positive])

    def _flat(self, processed: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """The batch's row ids in one array, each text's first ``max_tokens`` followed by zeros (padding) as
        long as the widest window less one; where its real tokens are (where windows start), their text and
        their position in it."""
        pad = max(self.tables) - 1
        ids = [[self.vocabulary.get(token, 1) for token in text.split()[: self.max_tokens]] for text in processed]
        lengths = np.fromiter(map(len, ids), dtype=np.int64, count=len(ids))
        tokens = np.zeros(int(lengths.sum()) + pad * (len(ids) + 1), dtype=np.int64)
        first = np.concatenate(([0], np.cumsum(lengths + pad)[:-1]))
        owner = np.repeat(np.arange(len(ids)), lengths)
        position = np.arange(len(owner)) - np.repeat(np.cumsum(lengths) - lengths, lengths)
        starts = first[owner] + position
        tokens[starts] = [i for row in ids for i in row]
        return tokens, starts, owner, position

    def _logits(self, member: int, tokens: np.ndarray, all_starts: np.ndarray, all_owners: np.ndarray, position: np.ndarray, texts: int) -> np.ndarray:
        pooled = np.zeros((texts, sum(t.shape[3] for t in self.tables.values())), dtype=np.float32)
        if len(all_starts):
            # texts with no token keep zeros (every window's ReLU response is >= 0, an empty max is 0)
            present = np.flatnonzero(np.bincount(all_owners, minlength=texts))
            column = 0
            for width, tables in sorted(self.tables.items()):
                # windows end within the first max_tokens positions, as the network learnt them (a text's
                # first window always does, so every present text keeps one)
                inside = position <= self.max_tokens - width
                starts, owner = (all_starts, all_owners) if inside.all() else (all_starts[inside], all_owners[inside])
                boundaries = np.searchsorted(owner, present)
                # a window's response is the sum, over its offsets, of the token's row of that offset's table
                response = tables[member, 0][tokens[starts]] + self.conv_bias[width][member]
                for j in range(1, width):
                    response += tables[member, j][tokens[starts + j]]
                np.maximum(response, 0.0, out=response)
                filters = response.shape[1]
                pooled[present, column : column + filters] = np.maximum.reduceat(response, boundaries, axis=0)
                column += filters
        return pooled @ self.out[member] + self.out_bias[member]

    @cached_property
    def tables(self) -> dict[int, np.ndarray]:
        """Per width, members × offsets × vocabulary rows × filters: each token's embedding times the filter
        weights of each offset, so scoring gathers rows instead of multiplying (~100x fewer operations)."""
        dim = self.embedding.shape[2]
        return {
            width: np.stack([
                np.stack([self.embedding[m] @ weights[m, j * dim : (j + 1) * dim] for j in range(width)])
                for m in range(len(weights))
            ])
            for width, weights in self.conv.items()
        }


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def save_cnn(path: Path, labels: Sequence[str], vocabulary: Sequence[str], max_tokens: int, mix: float, members: Sequence[dict], meta: dict) -> None:
    """Write the bag ``members`` (dicts of ``emb``, ``conv{w}``, ``bconv{w}``, ``out``, ``bout``) as a float16
    ``.npz`` and its ``.json`` sidecar: ``labels``, ``vocabulary``, ``max_tokens``, ``mix``, the file's size and
    sha256, and ``meta``."""
    widths = sorted(int(k[4:]) for k in members[0] if k.startswith("conv"))
    arrays = {"embedding": np.stack([m["emb"] for m in members]), "out": np.stack([m["out"] for m in members]),
              "out_bias": np.array([float(m["bout"]) for m in members])}
    for w in widths:
        arrays[f"conv{w}"] = np.stack([m[f"conv{w}"] for m in members])
        arrays[f"conv_bias{w}"] = np.stack([m[f"bconv{w}"] for m in members])
    np.savez_compressed(path, **{k: v.astype(np.float16) if v.ndim > 1 else v.astype(np.float32) for k, v in arrays.items()})
    sidecar = {**meta, "labels": list(labels), "max_tokens": max_tokens, "mix": mix, "size_bytes": path.stat().st_size,
               "sha256": hashlib.sha256(path.read_bytes()).hexdigest(), "vocabulary": list(vocabulary)}
    path.with_suffix(".json").write_text(json.dumps(sidecar, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def load_cnn(path: Path) -> TokenCNN:
    """A ``.npz`` from :func:`save_cnn` with its ``.json`` sidecar (``labels``, ``vocabulary``, ``max_tokens``, ``mix``).
    Raises ValueError naming the file when they do not fit together."""
    try:
        meta = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
        with np.load(path) as data:
            arrays = {k: data[k].astype(np.float32) for k in data.files}
        widths = sorted(int(k[4:]) for k in arrays if k.startswith("conv") and not k.startswith("conv_bias"))
        vocabulary = {token: i + 2 for i, token in enumerate(meta["vocabulary"])}
        model = TokenCNN(
            str(path), tuple(meta["labels"]), vocabulary, int(meta["max_tokens"]), arrays["embedding"],
            {w: arrays[f"conv{w}"] for w in widths}, {w: arrays[f"conv_bias{w}"] for w in widths},
            arrays["out"], arrays["out_bias"], float(meta["mix"]),
        )
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"CNN model unreadable: {path}: {exc}") from None
    members, rows, dim = model.embedding.shape
    if rows != len(vocabulary) + 2 or not 0.0 < model.mix <= 1.0 or not widths or len(model.labels) != 2 or model.out.shape != (members, len(widths) * model.conv[widths[0]].shape[2]):
        raise ValueError(f"{path}: arrays do not fit its sidecar (vocabulary {len(vocabulary)}, labels {model.labels})")
    return model
