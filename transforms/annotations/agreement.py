"""Inter-annotator agreement coefficients, in numpy (Framework 6.1.6: cross-annotation and result audits).

Everything here works on small aggregates, not on items, so the same functions serve the in-memory audit
and the Beam pipeline (which combines the aggregates across workers):

* a **unit profile** is the multiset of pairable values one unit (item) received, as a sorted tuple of
  ``(value, count)``; units with fewer than two values are not pairable;
* **pair counts** ``{(c, k, m): n}`` count ordered pairs of values ``(c, k)`` from different coders within
  units that have ``m`` pairable values. Integers, so combining them in any order is exact; the coincidence
  matrix is ``o[c, k] = Σ_m n(c, k, m) / (m - 1)`` (Krippendorff 2011, "Computing Krippendorff's
  Alpha-Reliability");
* a **confusion** table between two annotators over the items both labelled (Cohen's κ).

Undefined coefficients (no pairable values, a single value in the whole data, chance agreement of 1) are
returned as NaN with an :class:`AgreementWarning`; callers (the audit gate) decide what NaN means.
"""

from __future__ import annotations

import math
import warnings
from collections import Counter
from typing import Hashable, Iterable, Mapping, Sequence

import numpy as np

LEVELS = ("nominal", "ordinal", "interval", "ratio")
KAPPA_WEIGHTS = ("unweighted", "linear", "quadratic")

Profile = tuple[tuple[Hashable, int], ...]


class AgreementWarning(UserWarning):
    """A coefficient is undefined for this data (returned as NaN)."""


def _undefined(why: str) -> float:
    warnings.warn(why, AgreementWarning, stacklevel=3)
    return math.nan


# --- units, profiles, pair counts -------------------------------------------------------------------------


def unit_profile(values: Iterable[Hashable]) -> Profile:
    """The sorted ``(value, count)`` multiset of one unit's values (missing values already dropped)."""
    return tuple(sorted(Counter(values).items()))


def profile_pair_counts(profile: Profile) -> Counter:
    """Ordered pairs of values from different coders within one unit, keyed ``(c, k, m)``."""
    m = sum(n for _, n in profile)
    pairs: Counter = Counter()
    if m < 2:
        return pairs
    for c, n_c in profile:
        for k, n_k in profile:
            n = n_c * (n_c - 1) if c == k else n_c * n_k
            if n:
                pairs[(c, k, m)] += n
    return pairs


def coincidence_matrix(pair_counts: Mapping[tuple, int], values: Sequence | None = None) -> tuple[list, np.ndarray]:
    """``(values, o)``: the coincidence matrix over ``values`` (default: every value seen, sorted)."""
    if values is None:
        values = sorted({c for c, _, _ in pair_counts} | {k for _, k, _ in pair_counts})
    index = {v: i for i, v in enumerate(values)}
    o = np.zeros((len(values), len(values)))
    for (c, k, m), n in pair_counts.items():
        o[index[c], index[k]] += n / (m - 1)
    return list(values), o


def delta_squared(values: Sequence, marginals: np.ndarray, level: str) -> np.ndarray:
    """Krippendorff's difference function δ²(c, k) for the given metric level."""
    if level == "nominal":
        return 1.0 - np.eye(len(values))
    if level == "ordinal":
        # Ranks are the positions in `values`; δ² is the squared count of values between c and k.
        cum = np.cumsum(marginals)
        i, j = np.meshgrid(np.arange(len(values)), np.arange(len(values)), indexing="ij")
        lo, hi = np.minimum(i, j), np.maximum(i, j)
        between = cum[hi] - cum[lo] + marginals[lo]  # Σ_{g=lo..hi} n_g
        return (between - (marginals[i] + marginals[j]) / 2.0) ** 2
    v = np.asarray(values, dtype=float)
    diff = v[:, None] - v[None, :]
    if level == "interval":
        return diff**2
    if level == "ratio":
        total = v[:, None] + v[None, :]
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(total == 0, 0.0, (diff / np.where(total == 0, 1.0, total)) ** 2)
    raise ValueError(f"level must be one of {LEVELS}, not {level!r}")


def alpha_from_coincidence(values: Sequence, o: np.ndarray, level: str) -> float:
    """α = 1 − (n − 1) Σ o_ck δ²_ck / Σ n_c n_k δ²_ck."""
    marginals = o.sum(axis=1)
    n = marginals.sum()
    if n <= 1:
        return _undefined("Krippendorff's alpha is undefined: no pairable values (fewer than two coders per unit)")
    d2 = delta_squared(values, marginals, level)
    expected = float(marginals @ d2 @ marginals)
    if expected == 0:
        return _undefined("Krippendorff's alpha is undefined: all pairable values are the same (no variation)")
    observed = float((o * d2).sum())
    return 1.0 - (n - 1) * observed / expected


def observed_agreement(o: np.ndarray) -> float:
    """Share of pairable value pairs that match exactly (the diagonal of the coincidence matrix)."""
    n = o.sum()
    return float(np.trace(o) / n) if n else math.nan


def reliability_pair_counts(data: np.ndarray) -> Counter:
    """Pair counts from a coders × units matrix with NaN for missing values."""
    data = np.asarray(data, dtype=float)
    pairs: Counter = Counter()
    for unit in data.T:
        pairs.update(profile_pair_counts(unit_profile(unit[~np.isnan(unit)].tolist())))
    return pairs


def krippendorff_alpha(data: np.ndarray, level: str = "nominal", values: Sequence | None = None) -> float:
    """α for a coders × units matrix with NaN for missing values. ``values`` fixes the ordinal order."""
    return alpha_from_coincidence(*coincidence_matrix(reliability_pair_counts(data), values), level)


def bootstrap_alpha(
    profiles: Mapping[Profile, int],
    level: str,
    *,
    values: Sequence | None = None,
    samples: int = 1000,
    seed: int = 0,
    confidence: float = 0.95,
    max_cells: int = 50_000_000,
) -> dict:
    """Percentile bootstrap CI for α, resampling units with replacement.

    Resampling N units from the observed units is a multinomial draw over the distinct unit profiles, so the
    cost depends on the number of distinct profiles, not of units. Returns ``{"low", "high", "samples",
    "defined"}`` (``defined`` = replicates where α was defined); NaN bounds when it cannot be computed.
    """
    pairable = [(p, w) for p, w in profiles.items() if sum(n for _, n in p) >= 2]
    result = {"low": math.nan, "high": math.nan, "samples": samples, "defined": 0, "confidence": confidence}
    if not pairable or samples <= 0:
        return result
    if values is None:
        values = sorted({v for p, _ in pairable for v, _ in p})
    per_profile = np.stack([coincidence_matrix(profile_pair_counts(p), values)[1] for p, _ in pairable])
    if per_profile.size * min(samples, 100) > max_cells:
        warnings.warn("bootstrap skipped: too many distinct unit profiles × values", AgreementWarning, stacklevel=2)
        return result
    weights = np.array([w for _, w in pairable], dtype=float)
    rng = np.random.default_rng(seed)
    draws = rng.multinomial(int(weights.sum()), weights / weights.sum(), size=samples)
    alphas = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AgreementWarning)
        for start in range(0, samples, 100):
            matrices = np.einsum("bp,pkl->bkl", draws[start : start + 100], per_profile)
            alphas.extend(alpha_from_coincidence(values, o, level) for o in matrices)
    alphas = np.array([a for a in alphas if not math.isnan(a)])
    result["defined"] = int(alphas.size)
    if alphas.size:
        tail = (1 - confidence) / 2 * 100
        result["low"], result["high"] = (float(x) for x in np.percentile(alphas, [tail, 100 - tail]))
    return result


# --- Fleiss' kappa ------------------------------------------------------------------------------------------


def fleiss_kappa(table: np.ndarray, weights: np.ndarray | None = None) -> float:
    """Fleiss' κ from an items × categories table of rating counts.

    Items may have different numbers of ratings (missing ratings): each item's agreement P_i uses its own
    n_i, P̄ is the (weighted) mean over items with n_i ≥ 2, and the category shares p_j pool all their ratings.
    With a constant n this is Fleiss (1971). ``weights`` counts how many items share each row.
    """
    table = np.asarray(table, dtype=float)
    weights = np.ones(len(table)) if weights is None else np.asarray(weights, dtype=float)
    per_item = table.sum(axis=1)
    keep = per_item >= 2
    if not keep.any():
        return _undefined("Fleiss' kappa is undefined: no item has two or more ratings")
    table, weights, per_item = table[keep], weights[keep], per_item[keep]
    p_item = ((table * (table - 1)).sum(axis=1)) / (per_item * (per_item - 1))
    p_bar = float((p_item * weights).sum() / weights.sum())
    shares = (table * weights[:, None]).sum(axis=0) / (per_item * weights).sum()
    p_e = float((shares**2).sum())
    if p_e >= 1:
        return _undefined("Fleiss' kappa is undefined: every rating is in one category")
    return (p_bar - p_e) / (1 - p_e)


def fleiss_from_profiles(profiles: Mapping[Profile, int], values: Sequence | None = None) -> float:
    if values is None:
        values = sorted({v for p in profiles for v, _ in p})
    index = {v: i for i, v in enumerate(values)}
    table = np.zeros((len(profiles), len(values)))
    for row, profile in enumerate(profiles):
        for v, n in profile:
            table[row, index[v]] = n
    return fleiss_kappa(table, np.fromiter(profiles.values(), dtype=float, count=len(profiles)))


# --- Cohen's kappa ------------------------------------------------------------------------------------------


def kappa_weights(k: int, scheme: str) -> np.ndarray:
    """Disagreement weights over category positions 0..k-1."""
    i, j = np.meshgrid(np.arange(k), np.arange(k), indexing="ij")
    if scheme == "unweighted":
        return (i != j).astype(float)
    if scheme == "linear":
        return np.abs(i - j).astype(float)
    if scheme == "quadratic":
        return ((i - j) ** 2).astype(float)
    raise ValueError(f"weights must be one of {KAPPA_WEIGHTS}, not {scheme!r}")


def cohen_kappa(confusion: np.ndarray, weights: str = "unweighted") -> float:
    """Cohen's κ from a k × k confusion table (rows: rater 1, columns: rater 2), optionally weighted."""
    confusion = np.asarray(confusion, dtype=float)
    total = confusion.sum()
    if total == 0:
        return _undefined("Cohen's kappa is undefined: the two annotators share no items")
    w = kappa_weights(len(confusion), weights)
    expected = np.outer(confusion.sum(axis=1), confusion.sum(axis=0)) / total
    denominator = float((w * expected).sum())
    if denominator == 0:
        return _undefined("Cohen's kappa is undefined: chance agreement is 1 (both used one category)")
    return 1.0 - float((w * confusion).sum()) / denominator


def confusion_table(pairs: Mapping[tuple, int], values: Sequence) -> np.ndarray:
    """k × k table from ``{(label_1, label_2): n}``."""
    index = {v: i for i, v in enumerate(values)}
    table = np.zeros((len(values), len(values)))
    for (a, b), n in pairs.items():
        table[index[a], index[b]] += n
    return table


def cohen_kappa_labels(a: Sequence, b: Sequence, values: Sequence | None = None, weights: str = "unweighted") -> float:
    """Cohen's κ for two aligned label sequences (None = missing; such pairs are skipped)."""
    pairs = Counter((x, y) for x, y in zip(a, b) if x is not None and y is not None)
    if values is None:
        values = sorted({x for x, _ in pairs} | {y for _, y in pairs})
    return cohen_kappa(confusion_table(pairs, values), weights)


def wilson_interval(successes: int, n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion (95% by default)."""
    if n == 0:
        return math.nan, math.nan
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)
