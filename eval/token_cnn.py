"""Fit the token CNN of transforms/content/cnn.py with jax on CPU (``pip install -e .[train]``; the stage scores
it with numpy). Used by eval/train_harmful_sparse.py for the Chinese cascade's third view.

Adam, binary cross-entropy, dropout on the pooled features, a fixed number of epochs; texts cut to the
scorer's ``max_tokens`` so the network learns from what it will see.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Sequence

import numpy as np


@dataclass(frozen=True)
class CNNSettings:
    dim: int = 48  # embedding size
    filters: int = 64  # per width
    widths: tuple[int, ...] = (2, 3, 4)
    max_tokens: int = 100
    epochs: int = 3
    batch: int = 64
    learning_rate: float = 2e-3
    dropout: float = 0.3
    weight_decay: float = 1e-5  # on the convolution and output weights
    min_count: int = 2  # tokens seen fewer times in training share the unknown row
    seeds: tuple[int, ...] = (1, 2)  # one network per seed, probabilities averaged
    mix: float = 1 / 3  # the bag's share of the cascade band's probabilities


def vocabulary(processed: Sequence[str], min_count: int) -> list[str]:
    """The tokens with a row of their own (sorted: row i + 2)."""
    counts = Counter(token for text in processed for token in text.split())
    return sorted(token for token, count in counts.items() if count >= min_count)


def fit_member(processed: Sequence[str], positive: np.ndarray, vocab: list[str], settings: CNNSettings, seed: int) -> dict:
    """One network's weights (numpy, named as transforms/content/cnn.save_cnn takes them)."""
    import jax
    import jax.numpy as jnp

    ids = token_ids(processed, vocab, settings.max_tokens)
    rng = np.random.default_rng(seed)
    s = settings
    params = {"emb": rng.normal(0, 0.1, (len(vocab) + 2, s.dim)).astype(np.float32)}
    params["emb"][0] = 0.0
    for w in s.widths:
        params[f"conv{w}"] = (rng.normal(0, 1, (w * s.dim, s.filters)) / np.sqrt(w * s.dim)).astype(np.float32)
        params[f"bconv{w}"] = np.zeros(s.filters, np.float32)
    features = s.filters * len(s.widths)
    params["out"] = (rng.normal(0, 1, features) / np.sqrt(features)).astype(np.float32)
    params["bout"] = np.zeros((), np.float32)
    params = {k: jnp.asarray(v) for k, v in params.items()}

    def logits(p, batch_ids, key):
        f = pooled_features(p, batch_ids, s.widths, jnp, jax.nn.relu)
        keep = jax.random.bernoulli(key, 1 - s.dropout, f.shape)
        return jnp.where(keep, f / (1 - s.dropout), 0.0) @ p["out"] + p["bout"]

    def loss(p, batch_ids, y, key):
        z = logits(p, batch_ids, key)
        decay = sum(jnp.sum(v * v) for k, v in p.items() if k.startswith(("conv", "out")))
        return jnp.mean(jnp.logaddexp(0.0, z) - y * z) + s.weight_decay * decay

    @jax.jit
    def step(p, m, v, t, batch_ids, y, key):
        g = jax.grad(loss)(p, batch_ids, y, key)
        m = {k: 0.9 * m[k] + 0.1 * g[k] for k in p}
        v = {k: 0.999 * v[k] + 0.001 * g[k] ** 2 for k in p}
        p = {k: p[k] - s.learning_rate * (m[k] / (1 - 0.9**t)) / (jnp.sqrt(v[k] / (1 - 0.999**t)) + 1e-8) for k in p}
        return p, m, v

    m = {k: jnp.zeros_like(x) for k, x in params.items()}
    v = {k: jnp.zeros_like(x) for k, x in params.items()}
    key = jax.random.PRNGKey(seed)
    y = np.asarray(positive, np.float32)
    t = 0
    lengths = (ids > 0).sum(axis=1)
    for _ in range(s.epochs):
        for rows in _batches(lengths, s.batch, rng):
            # cut each batch's common padding to a few fixed widths (one compilation each): ~2x faster; wide
            # enough that every window starting at a real token fits, as in the stage's scorer (up to max_tokens)
            width = next(b for b in (*_PAD_TO, s.max_tokens) if b >= min(lengths[rows].max() + max(s.widths) - 1, s.max_tokens))
            t += 1
            key, sub = jax.random.split(key)
            params, m, v = step(params, m, v, t, ids[rows, :width], y[rows], sub)
    out = {k: np.array(x) for k, x in params.items()}
    out["emb"][0] = 0.0
    return out


def token_ids(processed: Sequence[str], vocab: list[str], max_tokens: int) -> np.ndarray:
    """texts × ``max_tokens`` rows of the embedding: a token's own (vocabulary order + 2), 1 unknown, 0 padding."""
    index = {token: i + 2 for i, token in enumerate(vocab)}
    ids = np.zeros((len(processed), max_tokens), dtype=np.int32)
    for i, text in enumerate(processed):
        tokens = [index.get(token, 1) for token in text.split()[:max_tokens]]
        ids[i, : len(tokens)] = tokens
    return ids


def pooled_features(p: dict, batch_ids, widths: Sequence[int], xp, relu):
    """The network before its output layer, for array module ``xp`` (jax.numpy when training; numpy is the
    reference the stage's scorer, transforms/content/cnn.py, is tested against): per filter, the largest
    ReLU response over the windows that start at a real token (ids > 0)."""
    x = p["emb"][batch_ids] * (batch_ids > 0)[..., None]  # padding stays a zero row
    real = batch_ids > 0
    pooled = []
    for w in widths:
        starts = batch_ids.shape[1] - w + 1
        windows = xp.concatenate([x[:, j : j + starts] for j in range(w)], axis=-1)
        response = relu(windows @ p[f"conv{w}"] + p[f"bconv{w}"])
        pooled.append(xp.where(real[:, :starts, None], response, 0.0).max(axis=1))
    return xp.concatenate(pooled, axis=-1)


_PAD_TO = (16, 32, 64)


def _batches(lengths: np.ndarray, size: int, rng: np.random.Generator) -> list[np.ndarray]:
    """Full batches of similar lengths in random order: shuffled, sorted by length in chunks of 20 batches."""
    order = rng.permutation(len(lengths))
    batches = []
    for start in range(0, len(order), 20 * size):
        chunk = order[start : start + 20 * size]
        chunk = chunk[np.argsort(lengths[chunk], kind="stable")]
        batches += [chunk[i : i + size] for i in range(0, len(chunk) - size + 1, size)]
    return [batches[i] for i in rng.permutation(len(batches))]
