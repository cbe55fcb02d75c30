"""Agreement coefficients against published worked examples, the `krippendorff` package and hand computation."""

import math
import warnings
from collections import Counter

import numpy as np
import pytest

from transforms.annotations import agreement as ag

nan = np.nan

# Wikipedia, "Krippendorff's alpha": 3 coders, 15 units, values 1–4, * = missing.
WIKI_ALPHA = np.array(
    [
        [nan, nan, nan, nan, nan, 3, 4, 1, 2, 1, 1, 3, 3, nan, 3],
        [1, nan, 2, 1, 3, 3, 4, 3, nan, nan, nan, nan, nan, nan, nan],
        [nan, nan, 2, 1, 3, 4, 4, nan, 2, 1, 1, 3, 3, nan, 4],
    ]
)
# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability": observers A–D, 12 units.
K2011 = np.array(
    [
        [1, 2, 3, 3, 2, 1, 4, 1, 2, nan, nan, nan],
        [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, nan, 3],
        [nan, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, nan],
        [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, nan],
    ]
)
# Wikipedia, "Fleiss' kappa": 10 subjects, 14 raters, 5 categories (κ = 0.210).
WIKI_FLEISS = np.array(
    [
        [0, 0, 0, 0, 14], [0, 2, 6, 4, 2], [0, 0, 3, 5, 6], [0, 3, 9, 2, 0], [2, 2, 8, 1, 1],
        [7, 7, 0, 0, 0], [3, 2, 6, 3, 0], [2, 5, 3, 2, 2], [6, 5, 2, 1, 0], [0, 2, 2, 3, 7],
    ]
)


def test_wikipedia_alpha_example():
    assert round(ag.krippendorff_alpha(WIKI_ALPHA, "nominal"), 3) == 0.691
    assert round(ag.krippendorff_alpha(WIKI_ALPHA, "interval"), 3) == 0.811


@pytest.mark.parametrize("level, expected", [("nominal", 0.743), ("ordinal", 0.815), ("interval", 0.849), ("ratio", 0.797)])
def test_krippendorff_2011_example(level, expected):
    assert round(ag.krippendorff_alpha(K2011, level), 3) == expected


def test_wikipedia_fleiss_example():
    assert round(ag.fleiss_kappa(WIKI_FLEISS), 3) == 0.210


def test_fleiss_from_profiles_equals_table():
    profiles = Counter()
    for row in WIKI_FLEISS:
        profiles[tuple((c, int(n)) for c, n in enumerate(row) if n)] += 1
    assert ag.fleiss_from_profiles(profiles, values=list(range(5))) == pytest.approx(ag.fleiss_kappa(WIKI_FLEISS))


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("level", ag.LEVELS)
def test_alpha_matches_krippendorff_package_with_missing_values(seed, level):
    krippendorff = pytest.importorskip("krippendorff")
    rng = np.random.default_rng(seed)
    truth = rng.integers(1, 6, size=40)
    data = np.where(rng.random((5, 40)) < 0.7, truth, rng.integers(1, 6, size=(5, 40))).astype(float)
    data[rng.random(data.shape) < 0.35] = nan  # plenty of missing ratings, some units unpairable
    ours = ag.krippendorff_alpha(data, level)
    theirs = krippendorff.alpha(reliability_data=data, level_of_measurement=level)
    assert ours == pytest.approx(theirs, abs=1e-9)


def test_published_examples_also_match_the_package():
    krippendorff = pytest.importorskip("krippendorff")
    for data in (WIKI_ALPHA, K2011):
        for level in ag.LEVELS:
            expected = krippendorff.alpha(reliability_data=data, level_of_measurement=level)
            assert ag.krippendorff_alpha(data, level) == pytest.approx(expected, abs=1e-9)


def test_ordinal_alpha_uses_the_given_order():
    data = np.array([[0, 1, 2, 2], [0, 1, 2, 0]], dtype=float)
    # relabelling the categories in a different order changes ordinal alpha, not nominal alpha
    assert ag.krippendorff_alpha(data, "ordinal", values=[0, 1, 2]) != pytest.approx(
        ag.krippendorff_alpha(data, "ordinal", values=[2, 0, 1])
    )
    assert ag.krippendorff_alpha(data, "nominal", values=[0, 1, 2]) == pytest.approx(
        ag.krippendorff_alpha(data, "nominal", values=[2, 0, 1])
    )


def test_pair_counts_are_additive_over_units():
    per_unit = Counter()
    for unit in K2011.T:
        per_unit.update(ag.profile_pair_counts(ag.unit_profile(unit[~np.isnan(unit)].tolist())))
    assert per_unit == ag.reliability_pair_counts(K2011)
    _, o = ag.coincidence_matrix(per_unit)
    assert o.sum() == pytest.approx(40)  # Krippendorff 2011: n = 40 pairable values
    assert ag.observed_agreement(o) == pytest.approx(np.trace(o) / 40)


def test_cohen_kappa_wikipedia_example():
    # Wikipedia, "Cohen's kappa": 50 applications, yes/yes 20, yes/no 5, no/yes 10, no/no 15 -> 0.4
    assert ag.cohen_kappa(np.array([[20, 5], [10, 15]])) == pytest.approx(0.4)


def _weighted_kappa_by_hand(table, power):
    table = np.asarray(table, dtype=float)
    k, n = len(table), table.sum()
    rows, cols = table.sum(axis=1), table.sum(axis=0)
    observed = expected = 0.0
    for i in range(k):
        for j in range(k):
            w = abs(i - j) ** power if power else float(i != j)
            observed += w * table[i, j] / n
            expected += w * rows[i] * cols[j] / n / n
    return 1 - observed / expected


@pytest.mark.parametrize("scheme, power", [("unweighted", 0), ("linear", 1), ("quadratic", 2)])
def test_weighted_cohen_kappa_by_hand(scheme, power):
    table = [[11, 3, 1, 0], [2, 9, 4, 1], [0, 3, 12, 2], [1, 0, 2, 8]]
    assert ag.cohen_kappa(np.array(table), scheme) == pytest.approx(_weighted_kappa_by_hand(table, power))


def test_weights_do_not_matter_for_two_categories():
    table = np.array([[20, 5], [10, 15]])
    assert {round(ag.cohen_kappa(table, s), 12) for s in ag.KAPPA_WEIGHTS} == {0.4}


def test_cohen_kappa_from_labels_skips_missing():
    a = ["x", "x", "y", "y", None, "x"]
    b = ["x", "y", "y", "y", "x", None]
    assert ag.cohen_kappa_labels(a, b) == pytest.approx(ag.cohen_kappa(np.array([[1, 1], [0, 2]])))


def test_perfect_agreement_with_variation_is_one():
    data = np.array([[1, 2, 3, 1], [1, 2, 3, 1], [1, 2, nan, 1]])
    for level in ag.LEVELS:
        assert ag.krippendorff_alpha(data, level) == pytest.approx(1.0)
    assert ag.cohen_kappa(np.array([[3, 0], [0, 2]])) == pytest.approx(1.0)


def test_one_category_only_is_undefined():
    data = np.array([[1, 1, 1], [1, 1, 1]], dtype=float)
    with pytest.warns(ag.AgreementWarning, match="no variation"):
        assert math.isnan(ag.krippendorff_alpha(data, "nominal"))
    with pytest.warns(ag.AgreementWarning, match="one category"):
        assert math.isnan(ag.fleiss_kappa(np.array([[2], [2], [2]])))
    with pytest.warns(ag.AgreementWarning, match="chance agreement is 1"):
        assert math.isnan(ag.cohen_kappa(np.array([[5, 0], [0, 0]])))


def test_single_annotator_is_undefined():
    with pytest.warns(ag.AgreementWarning, match="no pairable values"):
        assert math.isnan(ag.krippendorff_alpha(np.array([[1, 2, 3, 1]], dtype=float), "nominal"))
    with pytest.warns(ag.AgreementWarning, match="two or more ratings"):
        assert math.isnan(ag.fleiss_kappa(np.array([[1, 0], [0, 1]])))


def _profiles(data):
    profiles = Counter()
    for unit in data.T:
        profiles[ag.unit_profile(unit[~np.isnan(unit)].tolist())] += 1
    return profiles


def test_bootstrap_is_seeded_and_brackets_alpha():
    profiles = _profiles(K2011)
    first = ag.bootstrap_alpha(profiles, "nominal", samples=500, seed=3)
    assert first == ag.bootstrap_alpha(profiles, "nominal", samples=500, seed=3)
    assert first != ag.bootstrap_alpha(profiles, "nominal", samples=500, seed=4)
    assert first["low"] < ag.krippendorff_alpha(K2011, "nominal") < first["high"]
    assert first["defined"] > 400


def test_bootstrap_narrows_with_more_units():
    small = _profiles(K2011)
    large = Counter({p: n * 25 for p, n in small.items()})
    a, b = (ag.bootstrap_alpha(x, "interval", samples=400, seed=0) for x in (small, large))
    assert b["high"] - b["low"] < (a["high"] - a["low"]) / 2


def test_bootstrap_of_unpairable_data_is_nan():
    result = ag.bootstrap_alpha(Counter({((1, 1),): 5}), "nominal", samples=10)
    assert math.isnan(result["low"]) and result["defined"] == 0


def test_wilson_interval():
    low, high = ag.wilson_interval(8, 10)
    assert (round(low, 4), round(high, 4)) == (0.4902, 0.9433)
    assert ag.wilson_interval(0, 10)[0] == 0.0
    assert round(ag.wilson_interval(0, 10)[1], 4) == 0.2775
    assert all(math.isnan(x) for x in ag.wilson_interval(0, 0))


def test_no_warning_on_well_defined_data():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ag.krippendorff_alpha(K2011, "ordinal")
