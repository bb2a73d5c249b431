"""Classification tables: schemes, NaN, one unique value, k > n, deviation with direction."""
import math

import pytest

from domain.classification import classify, municipal_average
from domain.errors import ClassificationError

NAN = float("nan")


@pytest.mark.parametrize("values, scheme, k, expected_classes, expected_k", [
    ([1, 2, 3, 4], "equal_interval", 2, (0, 0, 1, 1), 2),
    ([1, 2, 3, 4, None], "equal_interval", 2, (0, 0, 1, 1, None), 2),
    ([1, 2, 3, 4, NAN], "quantiles", 2, (0, 0, 1, 1, None), 2),
    ([5, 5, 5], "quantiles", 5, (0, 0, 0), 1),            # one unique value → one class
    ([1, 2], "natural_breaks", 5, (0, 1), 2),             # k > distinct values → k reduced
    ([1, 2, 3, 50, 60, 100], "natural_breaks", 3, (0, 0, 0, 1, 1, 2), 3),
    ([0, 10, 20, 30, 40, 50, 60, 70, 80, 90], "quantiles", 5, (0, 0, 1, 1, 2, 2, 3, 3, 4, 4), 5),
])
def test_schemes(values, scheme, k, expected_classes, expected_k):
    c = classify(values, scheme, k)
    assert c.class_of == expected_classes
    assert c.k == expected_k
    assert sum(ci.count for ci in c.classes) == sum(1 for x in expected_classes if x is not None)


def test_missing_values_are_counted_and_never_class_zero():
    c = classify([None, 3.0, NAN, 1.0], "quantiles", 2)
    assert c.missing_count == 2
    assert c.class_of[0] is None and c.class_of[2] is None


def test_no_known_values_is_a_clear_error():
    with pytest.raises(ClassificationError) as err:
        classify([None, NAN], "quantiles")
    assert "geen enkele buurt" in err.value.nl and "no known value" in err.value.en


def test_unknown_scheme():
    with pytest.raises(ClassificationError):
        classify([1, 2], "rainbow")


def test_class_bounds_are_contiguous_and_cover_range():
    c = classify([3, 8, 1, 9, 4, 7, 2], "equal_interval", 4)
    assert c.classes[0].lower == 1 and c.classes[-1].upper == 9
    for left, right in zip(c.classes, c.classes[1:]):
        assert left.upper == right.lower


# values 0..8: mean 4, sample sd ≈ 2.7386 → band ≈ 1.3693, so 0..2 low, 3..5 around, 6..8 high
@pytest.mark.parametrize("direction, low_label, high_label, low_judgement, high_judgement", [
    (+1, "Duidelijk slechter", "Duidelijk beter", -1, +1),
    (-1, "Duidelijk beter", "Duidelijk slechter", +1, -1),
    (0, "Duidelijk lager", "Duidelijk hoger", None, None),
])
def test_deviation_respects_direction(direction, low_label, high_label, low_judgement, high_judgement):
    c = classify(list(range(9)), "deviation", direction=direction)
    assert c.class_of == (0, 0, 0, 1, 1, 1, 2, 2, 2)
    assert c.average == 4
    assert math.isclose(c.band, 0.5 * 2.7386127875, rel_tol=1e-6)
    assert c.classes[0].label_nl.startswith(low_label)
    assert c.classes[2].label_nl.startswith(high_label)
    assert c.classes[0].judgement == low_judgement and c.classes[2].judgement == high_judgement


def test_deviation_uses_given_average():
    c = classify([10, 10, 30], "deviation", direction=-1, average=10)
    assert c.class_of == (1, 1, 2)
    assert c.classes[2].label_en.startswith("Clearly worse")


@pytest.mark.parametrize("values, weights, expected", [
    ([10, 20, None], None, 15.0),
    ([10, 20, 99], [3, 1, None], 12.5),      # a missing weight drops the row, not the weight to 0
    ([10, None, 30], [1, 5, 1], 20.0),       # a missing value drops the row
    ([None, NAN], None, None),
    ([10, 20], [0, 0], None),
])
def test_municipal_average(values, weights, expected):
    assert municipal_average(values, weights) == expected
