"""A buurt's profile: each indicator against the municipal average, missing kept as missing."""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from domain.classification import municipal_average
from domain.models import IndicatorMeta

INHABITANTS_KEY = "aantal_inwoners"


@dataclass(frozen=True)
class ProfileRow:
    key: str
    label: str
    unit: str
    decimals: int
    value: float | None
    missing_reason: str | None
    average: float | None
    # (value − average) / standard deviation across buurten; None when value or spread is unknown.
    standardised: float | None
    # +1 better than average, −1 worse, 0 around or neutral indicator; None when missing.
    judgement: int | None


def wide_values(values: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Long values → (numbers, missing reasons), each indexed by area code with a column per indicator."""
    if values.empty:
        return pd.DataFrame(), pd.DataFrame()
    numbers = values.pivot_table(index="code", columns="key", values="value", aggfunc="first", dropna=False)
    reasons = values.pivot_table(index="code", columns="key", values="missing_reason", aggfunc="first",
                                 dropna=False) if values["missing_reason"].notna().any() else \
        pd.DataFrame(index=numbers.index)
    return numbers, reasons


def indicator_average(numbers: pd.DataFrame, meta: IndicatorMeta) -> float | None:
    """Municipal average of one indicator: weighted by inhabitants where the catalogue says so."""
    if meta.key not in numbers:
        return None
    column = numbers[meta.key]
    values = [None if pd.isna(v) else float(v) for v in column]
    weights = None
    if meta.weighting == "inhabitants" and INHABITANTS_KEY in numbers and meta.key != INHABITANTS_KEY:
        weights = [None if pd.isna(w) else float(w) for w in numbers[INHABITANTS_KEY]]
    return municipal_average(values, weights)


def buurt_profile(code: str, numbers: pd.DataFrame, reasons: pd.DataFrame, metas: Sequence[IndicatorMeta],
                  lang: str = "nl", *, band_sd: float = 0.5,
                  averages: Mapping[str, float | None] | None = None) -> list[ProfileRow]:
    """Profile rows in the order of `metas`; a missing value stays None with its reason."""
    rows: list[ProfileRow] = []
    for meta in metas:
        if meta.key not in numbers:
            continue
        column = numbers[meta.key]
        raw = column.get(code)
        value = None if raw is None or pd.isna(raw) else float(raw)
        reason = None
        if value is None:
            raw_reason = reasons[meta.key].get(code) if meta.key in reasons else None
            reason = raw_reason if isinstance(raw_reason, str) else "unknown"
        average = averages[meta.key] if averages and meta.key in averages else indicator_average(numbers, meta)
        known = column.dropna()
        spread = float(known.std(ddof=1)) if len(known) > 1 else 0.0
        standardised = None
        judgement = None
        if value is not None and average is not None and spread > 0 and math.isfinite(spread):
            standardised = (value - average) / spread
            judgement = 0
            if meta.direction and abs(standardised) > band_sd:
                judgement = meta.direction * (1 if standardised > 0 else -1)
        rows.append(ProfileRow(meta.key, meta.label(lang), meta.unit, meta.decimals, value, reason, average,
                               standardised, judgement))
    return rows
