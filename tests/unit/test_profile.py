"""Buurt profile against the municipal average, hand-computed."""
import math

import pandas as pd
import pytest

from domain.models import IndicatorMeta
from domain.profile import buurt_profile, indicator_average, wide_values

INHABITANTS = IndicatorMeta("aantal_inwoners", "Aantal inwoners", "Inhabitants", "inwoners", 0, weighting="none")
WOZ = IndicatorMeta("woz", "WOZ", "WOZ", "× €1.000", 0, weighting="none", decimals=0)
BENEFITS = IndicatorMeta("pct_uitkering", "Uitkering", "Benefits", "%", -1)


def _values():
    rows = [
        ("BU1", "aantal_inwoners", 1000, None), ("BU2", "aantal_inwoners", 3000, None),
        ("BU3", "aantal_inwoners", None, "secret"),
        ("BU1", "woz", 200, None), ("BU2", "woz", 400, None), ("BU3", "woz", None, "unknown"),
        ("BU1", "pct_uitkering", 10, None), ("BU2", "pct_uitkering", 2, None), ("BU3", "pct_uitkering", 50, None),
    ]
    return wide_values(pd.DataFrame(rows, columns=["code", "key", "value", "missing_reason"]))


def test_weighted_average_uses_inhabitants_and_skips_unknown_weights():
    numbers, _ = _values()
    # (10·1000 + 2·3000) / 4000 = 4.0; BU3 has no known inhabitants so it is left out
    assert indicator_average(numbers, BENEFITS) == pytest.approx(4.0)
    assert indicator_average(numbers, WOZ) == pytest.approx(300.0)  # unweighted; BU3 missing


def test_missing_value_stays_missing_with_reason():
    numbers, reasons = _values()
    rows = {r.key: r for r in buurt_profile("BU3", numbers, reasons, [INHABITANTS, WOZ, BENEFITS])}
    assert rows["woz"].value is None and rows["woz"].missing_reason == "unknown"
    assert rows["aantal_inwoners"].value is None and rows["aantal_inwoners"].missing_reason == "secret"
    assert rows["woz"].standardised is None and rows["woz"].judgement is None


def test_standardised_deviation_and_judgement_follow_direction():
    numbers, reasons = _values()
    rows = {r.key: r for r in buurt_profile("BU1", numbers, reasons, [WOZ, BENEFITS])}
    # WOZ: (200 − 300) / sd(200, 400) = −100 / 141.42 = −0.7071; neutral → judgement 0
    assert rows["woz"].standardised == pytest.approx(-100 / math.sqrt(20000))
    assert rows["woz"].judgement == 0
    # benefits: sd(10, 2, 50) = 25.72; (10 − 4)/25.72 = 0.233 → within band → around (0)
    assert rows["pct_uitkering"].judgement == 0
    bu3 = {r.key: r for r in buurt_profile("BU3", numbers, reasons, [BENEFITS])}
    # (50 − 4)/25.72 = 1.79 > 0.5 and higher is worse → −1
    assert bu3["pct_uitkering"].judgement == -1


def test_profile_order_follows_metas_and_skips_unknown_indicators():
    numbers, reasons = _values()
    ghost = IndicatorMeta("not_loaded", "x", "x")
    assert [r.key for r in buurt_profile("BU1", numbers, reasons, [BENEFITS, ghost, WOZ])] == ["pct_uitkering", "woz"]


def test_wide_values_of_nothing():
    numbers, reasons = wide_values(pd.DataFrame(columns=["code", "key", "value", "missing_reason"]))
    assert numbers.empty and reasons.empty
