"""Choropleth classes: quantiles, equal interval, natural breaks (Fisher-Jenks) and deviation from
the municipal average in the style of a wijkkompas. Missing values get no class, never class 0.
"""
from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from domain.errors import ClassificationError
from domain.formatting import format_number

SCHEMES: dict[str, dict[str, str]] = {
    "quantiles": {"nl": "Kwantielen (even veel buurten per klasse)", "en": "Quantiles (equal counts)"},
    "equal_interval": {"nl": "Gelijke intervallen", "en": "Equal intervals"},
    "natural_breaks": {"nl": "Natuurlijke grenzen (Jenks)", "en": "Natural breaks (Jenks)"},
    "deviation": {"nl": "Afwijking van het gemeentelijk gemiddelde", "en": "Deviation from the municipal average"},
}

# Half a standard deviation either side of the average counts as "around average": wide enough that
# ordinary spread is not called better or worse, narrow enough that real outliers stand out.
DEVIATION_BAND_SD = 0.5

DEVIATION_LABELS = {
    +1: (("Duidelijk slechter", "Clearly worse"), ("Rond het gemiddelde", "Around average"),
         ("Duidelijk beter", "Clearly better")),
    -1: (("Duidelijk beter", "Clearly better"), ("Rond het gemiddelde", "Around average"),
         ("Duidelijk slechter", "Clearly worse")),
    0: (("Duidelijk lager", "Clearly lower"), ("Rond het gemiddelde", "Around average"),
        ("Duidelijk hoger", "Clearly higher")),
}


@dataclass(frozen=True)
class ClassInfo:
    lower: float
    upper: float
    label_nl: str
    label_en: str
    count: int
    # For deviation classes: -1 worse, 0 around, +1 better (0 for neutral indicators' "around");
    # lets the palette say better/worse rather than low/high.
    judgement: int | None = None

    def label(self, lang: str) -> str:
        return self.label_en if lang == "en" else self.label_nl


@dataclass(frozen=True)
class Classification:
    scheme: str
    classes: tuple[ClassInfo, ...]
    class_of: tuple[int | None, ...]
    missing_count: int
    average: float | None = None
    band: float | None = None

    @property
    def k(self) -> int:
        return len(self.classes)


def municipal_average(values: Sequence[float | None], weights: Sequence[float | None] | None = None) -> float | None:
    """Mean of the known values, weighted where a weight is known (e.g. inhabitants).

    Rows where the value or its weight is missing are left out, never counted as 0.

    Examples:
        >>> municipal_average([10, 20, None])
        15.0
        >>> municipal_average([10, 20, 99], [3, 1, None])
        12.5
        >>> municipal_average([None, None]) is None
        True
    """
    pairs = []
    for i, value in enumerate(values):
        if _missing(value):
            continue
        weight = 1.0 if weights is None else weights[i]
        if _missing(weight) or weight <= 0:
            continue
        pairs.append((float(value), float(weight)))
    if not pairs:
        return None
    total = sum(w for _, w in pairs)
    return sum(v * w for v, w in pairs) / total


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _bounds_labels(edges: list[float], decimals: int, lang: str) -> list[str]:
    return [f"{format_number(lo, decimals, lang)} – {format_number(hi, decimals, lang)}"
            for lo, hi in zip(edges[:-1], edges[1:])]


def fisher_jenks_bins(values: np.ndarray, k: int) -> list[float]:
    """Upper bound of each of `k` natural-breaks classes: the exact Fisher-Jenks optimum (least total
    within-class squared deviation), as mapclassify.FisherJenks computes it, in vectorised numpy.

    mapclassify's version is O(k·n²) in pure Python unless numba is installed (it is not a dependency
    here): 4 s for 1,200 buurten, about 6 minutes for the 10,416 national ones. This is the same dynamic
    programme, but the best start of the last class never moves left as the end moves right (squared
    deviation satisfies the quadrangle inequality), so each class is solved by divide and conquer over
    the ends, one whole recursion level per numpy step: O(k·n·log n). Ties go to the partition whose last
    class starts earliest, as in mapclassify (which sums in float32, so exact near-ties may still differ).

    Examples:
        >>> fisher_jenks_bins(np.array([1, 2, 3, 50, 60, 100]), 3)
        [3.0, 60.0, 100.0]
        >>> fisher_jenks_bins(np.array([4.0, 1.0]), 5)
        [1.0, 4.0]
    """
    x = np.sort(np.asarray(values, dtype="float64"))
    n = len(x)
    k = max(1, min(k, n))
    centred = x - x.mean()  # smaller sums, less cancellation in s2 - s1²/w
    s1 = np.concatenate([[0.0], np.cumsum(centred)])
    s2 = np.concatenate([[0.0], np.cumsum(centred * centred)])

    def ssd(first, last):  # squared deviation of x[first..last] (inclusive) around its own mean
        total = s1[last + 1] - s1[first]
        return (s2[last + 1] - s2[first]) - total * total / (last - first + 1)

    best = ssd(np.zeros(n, dtype=np.int64), np.arange(n))  # best[j]: cost of 1 class over x[0..j]
    starts = np.zeros((k, n), dtype=np.int64)  # starts[c, j]: first index of the last of c+1 classes ending at j
    for c in range(1, k):
        current = np.full(n, np.inf)
        # segments of ends [end_lo, end_hi] whose best start lies in [start_lo, start_hi]
        end_lo, end_hi = np.array([c]), np.array([n - 1])
        start_lo, start_hi = np.array([c]), np.array([n - 1])
        while len(end_lo):
            mid = (end_lo + end_hi) // 2
            counts = np.minimum(mid, start_hi) - start_lo + 1
            offsets = np.concatenate([[0], np.cumsum(counts)[:-1]])
            segment = np.repeat(np.arange(len(mid)), counts)
            flat = np.arange(int(counts.sum()))
            first = start_lo[segment] + flat - offsets[segment]
            cost = best[first - 1] + ssd(first, mid[segment])
            lowest = np.minimum.reduceat(cost, offsets)
            leftmost = np.minimum.reduceat(np.where(cost == lowest[segment], flat, flat[-1] + 1), offsets)
            chosen = first[leftmost]
            current[mid] = lowest
            starts[c, mid] = chosen
            left, right = mid > end_lo, mid < end_hi
            end_lo, end_hi, start_lo, start_hi = (
                np.concatenate([end_lo[left], mid[right] + 1]), np.concatenate([mid[left] - 1, end_hi[right]]),
                np.concatenate([start_lo[left], chosen[right]]), np.concatenate([chosen[left], start_hi[right]]))
        best = current
    uppers, end = [], n - 1
    for c in range(k - 1, 0, -1):
        uppers.append(float(x[end]))
        end = int(starts[c, end]) - 1
    uppers.append(float(x[end]))
    return sorted(uppers)


def _upper_bounds(known: np.ndarray, scheme: str, k: int) -> list[float]:
    import mapclassify

    distinct = np.unique(known)
    k = max(1, min(k, len(distinct)))
    if k == 1:
        return [float(distinct[-1])]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if scheme == "quantiles":
            bins = mapclassify.Quantiles(known, k=k).bins
        elif scheme == "equal_interval":
            bins = mapclassify.EqualInterval(known, k=k).bins
        else:
            bins = fisher_jenks_bins(known, k)
    return sorted({float(b) for b in bins})


def classify(values: Sequence[float | None], scheme: str = "quantiles", k: int = 5, *, direction: int = 0,
             average: float | None = None, decimals: int = 1) -> Classification:
    """Put each value in a class; `None`/NaN values get class `None` (shown as geheim/onbekend).

    `k` is reduced when there are fewer distinct values than classes. For `deviation`, `average`
    is the municipal average (computed unweighted when not given) and `direction` says whether
    higher is better (+1), worse (-1) or neither (0).

    Examples:
        >>> c = classify([1, 2, 3, 4, None], "equal_interval", k=2)
        >>> c.class_of, c.missing_count
        ((0, 0, 1, 1, None), 1)
        >>> classify([10, 10, 30], "deviation", direction=-1, average=10).class_of
        (1, 1, 2)
    """
    if scheme not in SCHEMES:
        raise ClassificationError(f"Onbekende indeling '{scheme}'.", f"Unknown classification '{scheme}'.")
    known_mask = [not _missing(v) for v in values]
    known = np.array([float(v) for v, ok in zip(values, known_mask) if ok])
    missing_count = len(values) - len(known)
    if len(known) == 0:
        raise ClassificationError("Deze indicator heeft voor geen enkele buurt een bekende waarde.",
                                  "This indicator has no known value for any buurt.")
    if scheme == "deviation":
        return _classify_deviation(values, known, known_mask, direction, average, decimals, missing_count)

    uppers = _upper_bounds(known, scheme, k)
    edges = [float(known.min()), *uppers]
    class_of: list[int | None] = []
    for value, ok in zip(values, known_mask):
        if not ok:
            class_of.append(None)
            continue
        index = int(np.searchsorted(uppers, float(value), side="left"))
        class_of.append(min(index, len(uppers) - 1))
    counts = [class_of.count(i) for i in range(len(uppers))]
    labels_nl = _bounds_labels(edges, decimals, "nl") if len(uppers) > 1 else [format_number(edges[-1], decimals)]
    labels_en = _bounds_labels(edges, decimals, "en") if len(uppers) > 1 else [format_number(edges[-1], decimals, "en")]
    classes = tuple(ClassInfo(edges[i], edges[i + 1] if len(uppers) > 1 else edges[-1],
                              labels_nl[i], labels_en[i], counts[i]) for i in range(len(uppers)))
    return Classification(scheme, classes, tuple(class_of), missing_count)


def _classify_deviation(values, known, known_mask, direction, average, decimals, missing_count) -> Classification:
    average = float(known.mean()) if average is None else float(average)
    spread = float(known.std(ddof=1)) if len(known) > 1 else 0.0
    band = DEVIATION_BAND_SD * spread
    class_of: list[int | None] = []
    for value, ok in zip(values, known_mask):
        if not ok:
            class_of.append(None)
        elif value < average - band:
            class_of.append(0)
        elif value > average + band:
            class_of.append(2)
        else:
            class_of.append(1)
    sign = 1 if direction > 0 else -1 if direction < 0 else 0
    names = DEVIATION_LABELS[sign]
    lo, hi = average - band, average + band
    bounds_nl = (f"< {format_number(lo, decimals)}", f"{format_number(lo, decimals)} – {format_number(hi, decimals)}",
                 f"> {format_number(hi, decimals)}")
    bounds_en = (f"< {format_number(lo, decimals, 'en')}",
                 f"{format_number(lo, decimals, 'en')} – {format_number(hi, decimals, 'en')}",
                 f"> {format_number(hi, decimals, 'en')}")
    judgements = (-sign, 0, sign) if sign else (None, None, None)
    edges = (float(known.min()), lo, hi, float(known.max()))
    classes = tuple(
        ClassInfo(edges[i], edges[i + 1], f"{names[i][0]} ({bounds_nl[i]})", f"{names[i][1]} ({bounds_en[i]})",
                  class_of.count(i), judgements[i])
        for i in range(3))
    return Classification("deviation", classes, tuple(class_of), missing_count, average=average, band=band)
