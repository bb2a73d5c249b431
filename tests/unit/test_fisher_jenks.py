"""domain.classification.fisher_jenks_bins: the same natural breaks as mapclassify, the least squared
deviation of all partitions, and usable on a national layer (mapclassify without numba is O(k·n²) Python)."""
import itertools
import warnings

import mapclassify
import numpy as np
import pytest

from domain.classification import classify, fisher_jenks_bins


def _partition_cost(values, uppers):
    x = np.sort(values)
    parts = np.split(x, [np.searchsorted(x, u, side="right") for u in uppers[:-1]])
    return sum(float(((p - p.mean()) ** 2).sum()) for p in parts)


def _brute_force_cost(values, k):
    x = np.sort(values)
    return min(sum(float(((p - p.mean()) ** 2).sum()) for p in np.split(x, cuts))
               for cuts in itertools.combinations(range(1, len(x)), k - 1))


@pytest.mark.parametrize("seed", range(6))
def test_same_bins_as_mapclassify(seed):
    rng = np.random.default_rng(seed)
    values = [rng.lognormal(3, 1, 150), rng.integers(0, 25, 150).astype(float), rng.normal(50, 9, 150).round(1)]
    for x in values:
        for k in (2, 3, 5, 7):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # "Numba not installed"
                expected = sorted({float(b) for b in mapclassify.FisherJenks(x, k=k).bins})
            assert sorted(set(fisher_jenks_bins(x, k))) == expected


def test_no_partition_has_less_squared_deviation():
    rng = np.random.default_rng(11)
    for trial in range(200):
        n = int(rng.integers(2, 10))
        k = int(rng.integers(1, n + 1))
        x = rng.normal(0, 1, n) if trial % 2 else rng.permutation(n) * 1.5
        assert _partition_cost(x, fisher_jenks_bins(x, k)) <= _brute_force_cost(x, k) + 1e-9


def test_national_sized_input_gives_k_classes_up_to_the_maximum():
    x = np.random.default_rng(3).lognormal(0, 1.2, 12_000)
    uppers = fisher_jenks_bins(x, 7)
    assert len(uppers) == 7 and uppers == sorted(uppers) and uppers[-1] == x.max()
    classes = classify(list(x), "natural_breaks", 7)
    assert classes.k == 7 and sum(c.count for c in classes.classes) == len(x)
