"""Statistics vs. lived experience per buurt: linking stories to buurten, counts and rates, the concern
share with a Wilson interval and empirical-Bayes shrinkage, the divergence ranking, "who spoke" with
k-anonymity, and a comparison of two sessions. Pure functions; the method is explained in docs/method.md.
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd

from domain.formatting import format_number, format_value
from domain.models import DIMENSIONS, STORY_KINDS, IndicatorMeta
from domain.profile import INHABITANTS_KEY, indicator_average
from domain.stories import AGE_BANDS, RELATIONS

ALL = "all"  # pseudo-dimension: every story, also those without a dimension
TOPICS: dict[str, dict[str, str]] = {**DIMENSIONS, ALL: {"nl": "Alle onderwerpen", "en": "All topics"}}
KINDS = tuple(STORY_KINDS)
# Only these two kinds say something is good or bad; dreams, ideas and own contributions are neither
# praise nor complaint, so they are counted and shown but stay out of the concern share.
JUDGING_KINDS = ("proud", "concern")
Z95 = 1.959963984540054
MIN_STORIES = 3  # proud + concern stories a buurt needs in a dimension before it is ranked
BAND = 0.5  # |z| below this counts as "around average" (the statistics page's deviation band too)
# Bounds on the prior's weight M (in stories): a prior may not be weaker than one story, nor so strong
# that no buurt could ever move away from the overall share.
MIN_STRENGTH, MAX_STRENGTH, DEFAULT_STRENGTH = 1.0, 1000.0, 10.0

LINK_PIN, LINK_LIST, LINK_OUTSIDE, LINK_UNKNOWN = "pin", "list", "outside", "unknown_buurt"
MATCH_COLUMNS = ["row", "code", "interior"]  # pin_matches: story index label, buurt code, inside (not on edge)
RANKED, TOO_FEW, NO_STORIES, NO_VALUE, NO_SPREAD = "ranked", "too_few", "no_stories", "no_value", "no_spread"


# ----------------------------------------------------------------------------------------------- linking

def link_stories(stories: pd.DataFrame, areas: gpd.GeoDataFrame) -> pd.DataFrame:
    """Each story's buurt from its pin (point in polygon on the stored geometry), or its chosen buurt.

    `stories` needs `id`, `lat`, `lon`, `buurt_code`; `areas` needs `code` and a geometry (EPSG:4326).
    Adds `linked_code` and `link`: "pin" (found by the pin), "list" (no pin: the buurt the resident picked),
    "outside" (pin in no buurt) or "unknown_buurt" (picked buurt no longer exists). Nothing is dropped.
    A pin on a shared edge goes to the lowest buurt code, so the answer never depends on row order.
    """
    return link_with_matches(stories, areas["code"], pin_matches(stories, areas))


def has_pin(stories: pd.DataFrame) -> pd.Series:
    return stories["lat"].notna() & stories["lon"].notna()


def pin_matches(stories: pd.DataFrame, areas: gpd.GeoDataFrame) -> pd.DataFrame:
    """The buurten each pinned story's point lies in, with geopandas: MATCH_COLUMNS, `row` = index label.

    `interior` is True when the pin lies inside the buurt, False when it lies on its boundary (edge,
    vertex, or the ring of a hole). A pin inside some buurt gets no boundary rows (they would not count).
    storage/postgis.py computes the same rows in the database.
    """
    pins = stories.loc[has_pin(stories)]
    if pins.empty or areas.empty:
        return pd.DataFrame({"row": [], "code": [], "interior": []}).astype({"interior": bool})
    points = gpd.GeoDataFrame({"row": pins.index}, geometry=gpd.points_from_xy(pins["lon"], pins["lat"]),
                              crs=areas.crs or 4326)
    polygons = areas[["code", "geometry"]]
    parts, done = [], set()
    for predicate in ("within", "intersects"):  # within first; intersects catches pins on an edge
        todo = points[~points["row"].isin(done)]
        if todo.empty:
            break
        joined = gpd.sjoin(todo, polygons, how="inner", predicate=predicate)
        parts.append(pd.DataFrame({"row": joined["row"].to_numpy(), "code": joined["code"].to_numpy(),
                                   "interior": predicate == "within"}))
        done.update(joined["row"])
    return pd.concat(parts, ignore_index=True)[MATCH_COLUMNS]


def link_with_matches(stories: pd.DataFrame, codes: Iterable[str], matches: pd.DataFrame) -> pd.DataFrame:
    """`link_stories` given the pin matches (from `pin_matches` or the database) and all current codes.

    The rule for a pin in or on several buurten: a buurt it lies inside beats one it only touches, and
    among equals the lowest code (Python string order, never a database collation) wins.

    Examples:
        >>> stories = pd.DataFrame({"id": [1, 2], "lat": [0.5, None], "lon": [1.0, None], "buurt_code": [None, "B"]})
        >>> matches = pd.DataFrame({"row": [0, 0], "code": ["B", "A"], "interior": [False, False]})
        >>> link_with_matches(stories, ["A", "B"], matches)[["linked_code", "link"]].values.tolist()
        [['A', 'pin'], ['B', 'list']]
    """
    out = stories.copy()
    out["linked_code"] = pd.Series([None] * len(out), index=out.index, dtype=object)
    out["link"] = pd.Series([None] * len(out), index=out.index, dtype=object)
    pinned = has_pin(out)
    known = set(codes)
    listed = ~pinned
    out.loc[listed, "linked_code"] = [c if c in known else None for c in out.loc[listed, "buurt_code"]]
    out.loc[listed, "link"] = [LINK_LIST if c in known else LINK_UNKNOWN for c in out.loc[listed, "buurt_code"]]
    if pinned.any():
        best: dict = {}
        for row, code, interior in zip(matches["row"], matches["code"], matches["interior"]):
            key = (not bool(interior), str(code))
            if row not in best or key < best[row]:
                best[row] = key
        rows = out.index[pinned]
        out.loc[pinned, "linked_code"] = [best[i][1] if i in best else None for i in rows]
        out.loc[pinned, "link"] = [LINK_PIN if i in best else LINK_OUTSIDE for i in rows]
    return out


def unlinked(linked: pd.DataFrame) -> pd.DataFrame:
    """Stories that belong to no current buurt: listed for the analyst, never silently dropped."""
    return linked[linked["linked_code"].isna()]


@dataclass(frozen=True)
class RelinkPlan:
    """What re-linking after a new import changes: (story id, old code, new code), and who falls outside."""

    changes: tuple[tuple[int, str | None, str], ...]
    outside: tuple[int, ...]


def relink_plan(stories: pd.DataFrame, areas: gpd.GeoDataFrame) -> RelinkPlan:
    """Stories whose stored buurt differs from the one their pin lies in now. Pins outside every buurt
    keep their stored code (hide, never delete) and are reported; no-map stories keep theirs."""
    return plan_from_links(link_stories(stories, areas))


def plan_from_links(linked: pd.DataFrame) -> RelinkPlan:
    """`relink_plan` from `link_stories` output (which the database may have computed, storage/postgis.py)."""
    pins = linked[linked["link"] == LINK_PIN]
    changes = tuple((int(r.id), r.buurt_code if isinstance(r.buurt_code, str) else None, str(r.linked_code))
                    for r in pins.itertuples() if r.linked_code != r.buurt_code)
    outside = tuple(int(i) for i in linked.loc[linked["link"].isin([LINK_OUTSIDE, LINK_UNKNOWN]), "id"])
    return RelinkPlan(changes, outside)


# -------------------------------------------------------------------------------- small-number statistics

def wilson_interval(successes: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval for a proportion; (0, 1) when there is nothing to go on.

    Examples:
        >>> [round(b, 4) for b in wilson_interval(8, 10)]
        [0.4902, 0.9433]
        >>> wilson_interval(0, 0)
        (0.0, 1.0)
    """
    if n <= 0:
        return 0.0, 1.0
    p = successes / n
    z2 = z * z
    denominator = 1 + z2 / n
    centre = (p + z2 / (2 * n)) / denominator
    half = z / denominator * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    return max(0.0, centre - half), min(1.0, centre + half)


def newcombe_difference(x1: int, n1: int, x2: int, n2: int, z: float = Z95) -> tuple[float | None, float, float]:
    """Difference p2 − p1 with Newcombe's hybrid score interval (built from the two Wilson intervals).

    Examples:
        >>> d, low, high = newcombe_difference(2, 10, 8, 10)
        >>> round(d, 2), round(low, 4), round(high, 4)
        (0.6, 0.1618, 0.8027)
    """
    if n1 <= 0 or n2 <= 0:
        return None, -1.0, 1.0
    p1, p2 = x1 / n1, x2 / n2
    l1, u1 = wilson_interval(x1, n1, z)
    l2, u2 = wilson_interval(x2, n2, z)
    d = p2 - p1
    return d, d - math.sqrt((p2 - l2) ** 2 + (u1 - p1) ** 2), d + math.sqrt((u2 - p2) ** 2 + (p1 - l1) ** 2)


@dataclass(frozen=True)
class BetaPrior:
    """Beta(alpha, beta) prior for the buurten's concern shares: mean = overall share, strength = alpha + beta,
    the number of "virtual stories" at the overall share that each buurt's own stories are mixed with."""

    alpha: float
    beta: float
    estimated: bool = True  # False: too little data, DEFAULT_STRENGTH was used

    @property
    def mean(self) -> float:
        return self.alpha / (self.alpha + self.beta)

    @property
    def strength(self) -> float:
        return self.alpha + self.beta

    @property
    def spread(self) -> float:
        """Standard deviation of the true buurt shares under the prior."""
        m = self.mean
        return math.sqrt(m * (1 - m) / (self.strength + 1))

    @classmethod
    def from_mean(cls, mean: float, strength: float, estimated: bool = True) -> BetaPrior:
        return cls(mean * strength, (1 - mean) * strength, estimated)


def estimate_prior(concerns: Sequence[int], totals: Sequence[int]) -> BetaPrior | None:
    """Method-of-moments beta-binomial prior from per-buurt counts (buurten with n = 0 are ignored).

    mean μ = Σx / Σn. With S = Σ nᵢ(pᵢ − μ)², k buurten and N = Σnᵢ, the intra-buurt correlation is
    ρ = (S / (μ(1−μ)) − (k − 1)) / (N − Σnᵢ²/N − (k − 1)) and the strength M = 1/ρ − 1, kept
    within [MIN_STRENGTH, MAX_STRENGTH]. Fewer than two buurten with stories: M = DEFAULT_STRENGTH.

    Examples:
        >>> p = estimate_prior([0, 10], [10, 10])  # all-or-nothing buurten: hardly any shrinkage
        >>> round(p.mean, 2), p.strength
        (0.5, 1.0)
        >>> estimate_prior([], []) is None
        True
    """
    pairs = [(int(x), int(n)) for x, n in zip(concerns, totals) if n and n > 0]
    if not pairs:
        return None
    total = sum(n for _, n in pairs)
    mean = sum(x for x, _ in pairs) / total
    k = len(pairs)
    if k < 2 or mean in (0.0, 1.0):
        return BetaPrior.from_mean(mean, DEFAULT_STRENGTH, estimated=False)
    s = sum(n * (x / n - mean) ** 2 for x, n in pairs)
    denominator = total - sum(n * n for _, n in pairs) / total - (k - 1)
    if denominator <= 0:
        return BetaPrior.from_mean(mean, DEFAULT_STRENGTH, estimated=False)
    rho = (s / (mean * (1 - mean)) - (k - 1)) / denominator
    strength = MAX_STRENGTH if rho <= 0 else 1 / rho - 1
    return BetaPrior.from_mean(mean, min(max(strength, MIN_STRENGTH), MAX_STRENGTH))


def shrink(concerns: int, n: int, prior: BetaPrior) -> float:
    """Posterior mean (x + α) / (n + α + β): a buurt's share pulled towards the overall share, the more so
    the fewer stories it has.

    Examples:
        >>> shrink(2, 2, BetaPrior(3, 7))  # 2 of 2 concerns, prior 30 % worth 10 stories
        0.4166666666666667
        >>> shrink(0, 0, BetaPrior(3, 7))
        0.3
    """
    return (concerns + prior.alpha) / (n + prior.strength)


# ------------------------------------------------------------------------------ buurt × dimension table

TABLE_COLUMNS = ["code", "name", "dimension", *KINDS, "total", "n", "inhabitants", "rate_per_1000",
                 "concern_rate_per_1000", "concern_share", "wilson_low", "wilson_high", "shrunk_share"]


def count_table(linked: pd.DataFrame, buurten: pd.DataFrame, numbers: pd.DataFrame | None = None,
                dimensions: Iterable[str] = (*DIMENSIONS, ALL)) -> tuple[pd.DataFrame, dict[str, BetaPrior | None]]:
    """Per buurt × dimension: stories by kind, rates per 1,000 inhabitants, concern share with its Wilson
    interval and the shrunken share; and the prior used per dimension.

    `linked` is `link_stories` output of approved stories; `buurten` has `code` and `name` (every buurt
    appears, also with 0 stories). Missing or zero inhabitants give a missing rate, never 0 or infinity.
    """
    inhabitants = {}
    if numbers is not None and INHABITANTS_KEY in numbers:
        inhabitants = {c: float(v) for c, v in numbers[INHABITANTS_KEY].items() if pd.notna(v)}
    stories = linked[linked["linked_code"].notna()]
    rows, priors = [], {}
    for dimension in dimensions:
        subset = stories if dimension == ALL else stories[stories["dimension"] == dimension]
        counts = {key: int(v) for key, v in subset.groupby(["linked_code", "kind"]).size().items()}
        block = []
        for code, name in zip(buurten["code"], buurten["name"]):
            by_kind = {kind: counts.get((code, kind), 0) for kind in KINDS}
            total = sum(by_kind.values())
            n = by_kind["proud"] + by_kind["concern"]
            people = inhabitants.get(code)
            rate = total / people * 1000 if people and people > 0 else None
            concern_rate = by_kind["concern"] / people * 1000 if people and people > 0 else None
            low, high = wilson_interval(by_kind["concern"], n)
            block.append({"code": code, "name": name, "dimension": dimension, **by_kind, "total": total, "n": n,
                          "inhabitants": people, "rate_per_1000": rate, "concern_rate_per_1000": concern_rate,
                          "concern_share": by_kind["concern"] / n if n else None,
                          "wilson_low": low if n else None, "wilson_high": high if n else None})
        prior = estimate_prior([r["concern"] for r in block], [r["n"] for r in block])
        priors[dimension] = prior
        for r in block:
            r["shrunk_share"] = shrink(r["concern"], r["n"], prior) if prior and r["n"] else None
        rows += block
    return pd.DataFrame(rows, columns=TABLE_COLUMNS), priors


# ------------------------------------------------------------------------- indicator ↔ dimension pairs

@dataclass(frozen=True)
class DimensionPair:
    """Which story dimension an indicator is compared with, and which way its figures count as better.

    `orientation` +1: higher is better; −1: higher is worse. Neutral indicators (WOZ, % rental) get an
    explicit reading here, with `note` saying it is an assumption.
    """

    indicator: str
    dimension: str
    orientation: int
    note_nl: str = ""
    note_en: str = ""
    custom: bool = False

    def note(self, lang: str) -> str:
        return self.note_en if lang == "en" else self.note_nl


_LBM = ("Leefbaarometer-dimensiescore en verhalen op dezelfde dimensie.",
        "Leefbaarometer dimension score and stories on the same dimension.")
_LBM_READING = ("Aanname: gelezen zoals de Leefbaarometer dit kenmerk weegt.",
                "Assumption: read the way the Leefbaarometer weighs this feature.")
DEFAULT_PAIRS: dict[str, DimensionPair] = {p.indicator: p for p in (
    DimensionPair("lbm_score", ALL, +1, "Totaalscore tegen alle verhalen, ook die zonder onderwerp.",
                  "Overall score against all stories, also those without a topic."),
    DimensionPair("lbm_woningvoorraad", "woningvoorraad", +1, *_LBM),
    DimensionPair("lbm_fysieke_omgeving", "fysieke_omgeving", +1, *_LBM),
    DimensionPair("lbm_voorzieningen", "voorzieningen", +1, *_LBM),
    DimensionPair("lbm_sociale_samenhang", "sociale_samenhang", +1, *_LBM),
    DimensionPair("lbm_overlast_onveiligheid", "overlast_onveiligheid", +1, *_LBM),
    DimensionPair("woz", "woningvoorraad", +1, *_LBM_READING),
    DimensionPair("pct_koopwoningen", "woningvoorraad", +1, *_LBM_READING),
    DimensionPair("pct_huurwoningen", "woningvoorraad", -1, *_LBM_READING),
    DimensionPair("pct_corporatiewoningen", "woningvoorraad", -1, *_LBM_READING),
)}


def pair_for(meta: IndicatorMeta, custom: Mapping[str, DimensionPair] | None = None) -> DimensionPair | None:
    """The pair for an indicator: a custom one first, then the table, then the catalogue's dimension with
    the indicator's own direction. None when nothing matches (the analyst then picks a dimension)."""
    if custom and meta.key in custom:
        return custom[meta.key]
    if meta.key in DEFAULT_PAIRS:
        return DEFAULT_PAIRS[meta.key]
    if meta.dimension in DIMENSIONS and meta.direction:
        return DimensionPair(meta.key, meta.dimension, meta.direction, "Dimensie uit de indicatorcatalogus.",
                             "Dimension from the indicator catalogue.")
    return None


def custom_pair(meta: IndicatorMeta, dimension: str, orientation: int) -> DimensionPair:
    if dimension not in TOPICS or orientation not in (-1, 1):
        raise ValueError((dimension, orientation))
    return DimensionPair(meta.key, dimension, orientation, "Zelf gekozen koppeling.", "Pair chosen by the analyst.",
                         custom=True)


# ---------------------------------------------------------------------------------------- divergence

DIVERGENCE_COLUMNS = ["rank", "code", "name", "status", "value", "average", "stat_z", "proud", "concern", "n",
                      "concern_share", "wilson_low", "wilson_high", "shrunk_share", "overall_share", "story_z",
                      "score", "direction", "sentence_nl", "sentence_en"]


def judgement(z: float | None) -> int:
    if z is None or abs(z) <= BAND:
        return 0
    return 1 if z > 0 else -1


def divergence_table(table: pd.DataFrame, prior: BetaPrior | None, numbers: pd.DataFrame, meta: IndicatorMeta,
                     pair: DimensionPair, *, min_stories: int = MIN_STORIES,
                     reasons: pd.DataFrame | None = None) -> pd.DataFrame:
    """Rank buurten by how much their figures and their stories disagree, for one indicator ↔ dimension pair.

    stat_z  = orientation × (value − municipal average) / sd across buurten   (> 0: figures better)
    story_z = (overall share − shrunken share) / prior spread                 (> 0: stories more positive)
    score   = −stat_z × story_z   (> 0: they disagree; < 0: they agree; 0: one side is average)

    `direction` says which way they disagree: "figures_better" (good figures, mostly concerns) or
    "stories_better" (poor figures, mostly pride); "agree" otherwise. A product needs both sides to be
    clear: extreme figures with average stories (or a few stories, shrunk to the overall share) score low.
    Ranked by score, largest first. Not ranked, and listed after the ranked rows: buurten with fewer than
    `min_stories` proud/concern stories (too_few), without a value (no_value: missing or secret is never
    0), or without stories in the dimension (no_stories).
    """
    rows = table[table["dimension"] == pair.dimension].set_index("code")
    column = numbers[meta.key] if meta.key in numbers else pd.Series(dtype="float64")
    known = column.dropna()
    average = indicator_average(numbers, meta)
    spread = float(known.std(ddof=1)) if len(known) > 1 else 0.0
    overall = prior.mean if prior else None
    out = []
    for code, r in rows.iterrows():
        raw = column.get(code)
        value = None if raw is None or pd.isna(raw) else float(raw)
        stat_z = None
        if value is not None and average is not None and spread > 0:
            stat_z = pair.orientation * (value - average) / spread
        n = int(r["n"])
        story_z = None
        if prior and n and prior.spread > 0:
            story_z = (prior.mean - float(r["shrunk_share"])) / prior.spread
        if n == 0:
            status = NO_STORIES
        elif value is None:
            status = NO_VALUE
        elif stat_z is None:
            status = NO_SPREAD
        elif n < min_stories:
            status = TOO_FEW
        else:
            status = RANKED
        score = -stat_z * story_z if status == RANKED and story_z is not None else None
        direction = None
        if score is not None:
            direction = "figures_better" if stat_z > 0 > story_z else \
                "stories_better" if stat_z < 0 < story_z else "agree"
        record = {"code": code, "name": r["name"], "status": status, "value": value, "average": average,
                  "stat_z": stat_z, "proud": int(r["proud"]), "concern": int(r["concern"]), "n": n,
                  "concern_share": r["concern_share"], "wilson_low": r["wilson_low"],
                  "wilson_high": r["wilson_high"], "shrunk_share": r["shrunk_share"], "overall_share": overall,
                  "story_z": story_z, "score": score, "direction": direction}
        reason = None
        if reasons is not None and meta.key in reasons and isinstance(reasons[meta.key].get(code), str):
            reason = reasons[meta.key].get(code)
        for lang in ("nl", "en"):
            record[f"sentence_{lang}"] = divergence_sentence(record, meta, pair, lang, min_stories=min_stories,
                                                             missing_reason=reason)
        out.append(record)
    frame = pd.DataFrame(out, columns=[c for c in DIVERGENCE_COLUMNS if c != "rank"])
    order = {RANKED: 0, TOO_FEW: 1, NO_VALUE: 2, NO_SPREAD: 3, NO_STORIES: 4}
    frame["_order"] = frame["status"].map(order)
    frame["_score"] = frame["score"].astype("float64").fillna(0.0)
    frame = frame.sort_values(["_order", "_score", "n", "code"], ascending=[True, False, False, True])
    frame = frame.drop(columns=["_order", "_score"]).reset_index(drop=True)
    ranked = frame["status"] == RANKED
    frame.insert(0, "rank", pd.array([i + 1 if ok else None for i, ok in enumerate(ranked)], dtype="Int64"))
    return frame


_STAT_PHRASE = {
    1: ("zijn gunstiger dan gemiddeld", "are better than average"),
    0: ("liggen rond het gemiddelde", "are around the average"),
    -1: ("zijn ongunstiger dan gemiddeld", "are worse than average"),
}


def value_text(value: float | None, meta: IndicatorMeta, lang: str) -> str:
    # "4,49 score" reads oddly; scores and unitless figures go without a unit
    unit = "" if meta.unit in ("score", "") else meta.unit
    return format_value(value, unit, meta.decimals, lang)


def _pct(share: float | None, lang: str) -> str:
    return "?" if share is None else f"{format_number(100 * share, 0, lang)}%"


def divergence_sentence(row: Mapping, meta: IndicatorMeta, pair: DimensionPair, lang: str, *,
                        min_stories: int = MIN_STORIES, missing_reason: str | None = None) -> str:
    """One plain sentence per row, with the numbers behind it.

    e.g. "De cijfers over fysieke omgeving zijn gunstiger dan gemiddeld (… 0,12 tegen gemiddeld 0,03),
    maar 8 van de 10 verhalen (trots of zorg) zijn zorgen; in alle verhalen samen is dat 45%."
    """
    nl = lang != "en"
    topic = TOPICS[pair.dimension]["nl" if nl else "en"].lower()
    about = (f"over {topic}" if nl else f"on {topic}") if pair.dimension != ALL else \
        ("over de buurt als geheel" if nl else "on the buurt as a whole")
    label = meta.label("nl" if nl else "en")
    value = value_text(row["value"], meta, "nl" if nl else "en")
    if row["status"] == NO_STORIES:
        return f"Geen verhalen {about}." if nl else f"No stories {about}."
    if row["status"] == NO_VALUE:
        why = {"secret": ("geheim", "secret")}.get(missing_reason or "", ("onbekend", "unknown"))
        return (f"Geen cijfer voor {label} ({why[0]}): niet gerangschikt, want een ontbrekend cijfer is geen 0."
                if nl else f"No figure for {label} ({why[1]}): not ranked, because a missing figure is not 0.")
    if row["status"] == NO_SPREAD:
        return (f"{label} verschilt niet tussen buurten: niets om mee te vergelijken."
                if nl else f"{label} does not vary between buurten: nothing to compare against.")
    if row["status"] == TOO_FEW:
        return (f"Te weinig verhalen: {row['n']} met trots of zorg, minstens {min_stories} nodig. Niet gerangschikt."
                if nl else f"Too few stories: {row['n']} proud or concern, at least {min_stories} needed. Not ranked.")
    stat = judgement(row["stat_z"])
    story = judgement(row["story_z"])
    average = value_text(row["average"], meta, "nl" if nl else "en")
    overall = _pct(row["overall_share"], "nl" if nl else "en")
    x, n = row["concern"], row["n"]
    if nl:
        joint = "maar" if stat != story else "en"
        told = (f"geen van de {n} verhalen (trots of zorg) is een zorg" if x == 0 else
                f"{x} van de {n} verhalen (trots of zorg) is een zorg" if x == 1 else
                f"{x} van de {n} verhalen (trots of zorg) zijn zorgen")
        return (f"De cijfers {about} {_STAT_PHRASE[stat][0]} ({label} {value} tegen gemiddeld {average}), "
                f"{joint} {told}; in alle verhalen samen is dat {overall}.")
    joint = "but" if stat != story else "and"
    told = (f"none of the {n} stories (proud or concern) is a concern" if x == 0 else
            f"{x} of the {n} stories (proud or concern) {'is a concern' if x == 1 else 'are concerns'}")
    return (f"The figures {about} {_STAT_PHRASE[stat][1]} ({label} {value} vs. average {average}), "
            f"{joint} {told}; across all stories it is {overall}.")


# ------------------------------------------------------------------------------------------ who spoke

NOT_GIVEN = "not_given"
AGE_GROUPS = (*AGE_BANDS, NOT_GIVEN)
RELATION_GROUPS = (*RELATIONS, NOT_GIVEN)
# Story age band → CBS column. CBS "15 tot 25 jaar" is 15–24, so 25-44, 45-64 and 65+ line up exactly;
# "<25" is compared with 15–24 only, because children under 15 rarely tell a story themselves: the CBS
# shares are taken among residents aged 15 and over (100 − pct_0_15).
AGE_TO_CBS = {"<25": "pct_15_25", "25-44": "pct_25_45", "45-64": "pct_45_65", "65+": "pct_65_plus"}
CBS_CHILDREN = "pct_0_15"
GROUP_LABELS = {
    "<25": ("jonger dan 25", "under 25"), "25-44": ("25–44 jaar", "aged 25–44"),
    "45-64": ("45–64 jaar", "aged 45–64"), "65+": ("65 jaar en ouder", "aged 65 and over"),
    "lives": ("woont hier", "lives here"), "works": ("werkt hier", "works here"),
    "visits": ("komt hier", "visits"), "other": ("anders", "other"), NOT_GIVEN: ("niet ingevuld", "not given"),
}
MISSING_WARNINGS = {
    "<25": ("geen jongeren onder 25", "no young people under 25"),
    "25-44": ("niemand van 25–44 jaar", "nobody aged 25–44"),
    "45-64": ("niemand van 45–64 jaar", "nobody aged 45–64"),
    "65+": ("geen 65-plussers", "nobody aged 65 or over"),
    "lives": ("geen bewoners", "no residents"), "works": ("niemand die hier werkt", "nobody who works here"),
    "visits": ("geen bezoekers", "no visitors"), "other": ("", ""),
}


def protect_table(counts: pd.DataFrame, k: int) -> tuple[pd.DataFrame, pd.Series]:
    """k-anonymity for a buurten × groups table whose row totals are public (the story counts are).

    Returns (cells, column totals) with hidden entries as <NA>. Rules, applied until nothing changes:
    1. a cell or column total with 0 < count < k is hidden; a row whose total is below k hides all cells
       (except in a row whose total is 0: its zeros cannot be anything else);
    2. complementary disclosure: in every line with a public total (each row; each column with its column
       total; the column totals with the grand total) the hidden entries must be zero or at least two, and
       must add up to k or more; otherwise the smallest visible non-zero entry of that line is hidden too,
       so no hidden entry can be found by subtraction.

    Examples:
        >>> cells, totals = protect_table(pd.DataFrame({"a": [2], "b": [6], "c": [7]}), k=5)
        >>> cells.iloc[0].tolist(), totals.tolist()
        ([<NA>, <NA>, 7], [<NA>, <NA>, 7])
    """
    values = counts.astype(int).to_numpy()
    n_rows, n_cols = values.shape
    # Entries: interior cells (r, c) and column totals (n_rows, c); row totals are public and fixed.
    full = np.vstack([values, values.sum(axis=0, keepdims=True)]) if n_rows else np.zeros((1, n_cols), int)
    hidden = (full > 0) & (full < k)
    row_totals = values.sum(axis=1)
    hidden[:n_rows][row_totals < k] = True
    # Counts are never negative, so a buurt whose (public) total is 0 shows its zeros anyway: keep them visible
    # and never pick them to hide. Column totals are not public by themselves, so their zeros can be hidden.
    fixed = np.zeros_like(hidden)
    fixed[:n_rows][row_totals == 0] = True
    hidden &= ~fixed
    lines = [[(r, c) for c in range(n_cols)] for r in range(n_rows + 1)]  # rows + the totals row
    lines += [[(r, c) for r in range(n_rows + 1)] for c in range(n_cols)]  # columns incl. their total
    changed = True
    while changed:
        changed = False
        for line in lines:
            secret = [full[e] for e in line if hidden[e]]
            if not secret or (len(secret) >= 2 and sum(secret) >= k):
                continue
            visible = sorted((e for e in line if not hidden[e] and not fixed[e]), key=lambda e: (full[e], e))
            nonzero = [e for e in visible if full[e] > 0]
            # A visible zero is a last resort: it still stops a single hidden entry from being exact.
            pick = nonzero[0] if nonzero else (visible[0] if visible and len(secret) == 1 else None)
            if pick is not None:
                hidden[pick] = True
                changed = True
    cells = pd.DataFrame(full[:n_rows], index=counts.index, columns=counts.columns).astype("Int64")
    cells = cells.mask(pd.DataFrame(hidden[:n_rows], index=counts.index, columns=counts.columns))
    totals = pd.Series(full[n_rows], index=counts.columns).astype("Int64").mask(hidden[n_rows])
    return cells, totals


@dataclass(frozen=True)
class GroupRow:
    group: str
    count: int | None  # None: hidden (below k, or hidden so it cannot be worked out)
    share: float | None  # of all the buurt's stories (the total is public); None when the count is hidden
    population_share: float | None  # CBS share among residents aged 15+ (age groups only)

    def label(self, lang: str) -> str:
        return GROUP_LABELS[self.group][1 if lang == "en" else 0]


@dataclass(frozen=True)
class WhoSpoke:
    scope: str | None  # buurt code, or None for all buurten together
    total: int
    k: int
    ages: tuple[GroupRow, ...]
    relations: tuple[GroupRow, ...]
    missing: tuple[str, ...] = field(default=())  # groups with a visible 0: nobody of them spoke

    def warnings(self, lang: str) -> list[str]:
        return [MISSING_WARNINGS[g][1 if lang == "en" else 0] for g in self.missing if MISSING_WARNINGS[g][0]]


def _group_counts(stories: pd.DataFrame, column: str, groups: Sequence[str], codes: Sequence[str]) -> pd.DataFrame:
    values = stories[column].where(stories[column].isin(groups[:-1]), NOT_GIVEN)
    table = pd.crosstab(stories["linked_code"], values)
    return table.reindex(index=list(codes), columns=list(groups), fill_value=0)


def _population_table(numbers: pd.DataFrame) -> pd.DataFrame:
    """Per buurt with a complete CBS age profile: each story band's share among residents aged 15+, and the
    number of residents aged 15+ as the weight."""
    part = numbers.reindex(columns=[*AGE_TO_CBS.values(), CBS_CHILDREN, INHABITANTS_KEY]).dropna()
    part = part[part[INHABITANTS_KEY] > 0]
    adults = 100 - part[CBS_CHILDREN]
    table = pd.DataFrame({band: part[column] / adults for band, column in AGE_TO_CBS.items()}, index=part.index)
    table["weight"] = part[INHABITANTS_KEY] * adults / 100
    return table[table["weight"] > 0]


def population_shares(numbers: pd.DataFrame, codes: Sequence[str], *,
                      table: pd.DataFrame | None = None) -> dict[str, float | None]:
    """CBS age shares among residents aged 15+, weighted by inhabitants over `codes`; None where unknown."""
    table = _population_table(numbers) if table is None else table
    part = table[table.index.isin(codes)]
    if part.empty:
        return {band: None for band in AGE_TO_CBS}
    weights = part["weight"]
    return {band: float((part[band] * weights).sum() / weights.sum()) for band in AGE_TO_CBS}


def who_spoke(linked: pd.DataFrame, codes: Sequence[str], numbers: pd.DataFrame, k: int) -> dict[str | None, WhoSpoke]:
    """Respondent profile per buurt and for all `codes` together (key None), protected with `protect_table`.

    We count stories, not people: the kiosk keeps no identity, so one person telling three stories counts
    three times (docs/method.md says so).
    """
    stories = linked[linked["linked_code"].isin(codes)]
    result: dict[str | None, WhoSpoke] = {}
    tables = {}
    lines = {}
    for column, groups in (("age_band", AGE_GROUPS), ("relation", RELATION_GROUPS)):
        tables[column] = protect_table(_group_counts(stories, column, groups, codes), k)
        cells = tables[column][0]
        lines[column] = dict(zip(cells.index, cells.astype(object).to_numpy().tolist()))
    tables = {column: (None, totals_) for column, (_, totals_) in tables.items()}
    totals = stories.groupby("linked_code").size().reindex(list(codes), fill_value=0)
    profile = _population_table(numbers)
    per_buurt = profile.drop(columns="weight").to_dict("index")
    for scope in [None, *codes]:
        total = int(totals.sum()) if scope is None else int(totals[scope])
        rows_by_column, missing = {}, []
        for column, groups in (("age_band", AGE_GROUPS), ("relation", RELATION_GROUPS)):
            column_totals = tables[column][1].tolist()
            line = (column_totals if scope is None else lines[column][scope])
            shown = {g: (None if pd.isna(v) else int(v)) for g, v in zip(groups, line)}
            population = {}
            if column == "age_band":
                population = population_shares(numbers, codes, table=profile) if scope is None else \
                    per_buurt.get(scope, {})
            rows = []
            for g in groups:
                count = shown[g]
                share = count / total if count is not None and total else None
                rows.append(GroupRow(g, count, share, population.get(g)))
                if count == 0 and g != NOT_GIVEN and total >= k:
                    missing.append(g)
            rows_by_column[column] = tuple(rows)
        result[scope] = WhoSpoke(scope, total, k, rows_by_column["age_band"], rows_by_column["relation"],
                                 tuple(missing))
    return result


# ------------------------------------------------------------------------------------- across sessions

SESSION_COMPARISON_COLUMNS = ["dimension", *[f"{kind}_a" for kind in KINDS], "n_a", "share_a", "low_a", "high_a",
                              *[f"{kind}_b" for kind in KINDS], "n_b", "share_b", "low_b", "high_b",
                              "difference", "difference_low", "difference_high"]


def compare_sessions(stories_a: pd.DataFrame, stories_b: pd.DataFrame,
                     dimensions: Iterable[str] = (*DIMENSIONS, ALL)) -> pd.DataFrame:
    """Two sessions over the same area, per dimension: counts by kind, concern share with its Wilson
    interval, and the change in share (B − A) with Newcombe's interval. Pass approved, linked stories."""
    rows = []
    for dimension in dimensions:
        record: dict = {"dimension": dimension}
        for suffix, stories in (("a", stories_a), ("b", stories_b)):
            subset = stories if dimension == ALL else stories[stories["dimension"] == dimension]
            counts = subset["kind"].value_counts()
            for kind in KINDS:
                record[f"{kind}_{suffix}"] = int(counts.get(kind, 0))
            x, n = record[f"concern_{suffix}"], record[f"concern_{suffix}"] + record[f"proud_{suffix}"]
            low, high = wilson_interval(x, n)
            record |= {f"n_{suffix}": n, f"share_{suffix}": x / n if n else None,
                       f"low_{suffix}": low if n else None, f"high_{suffix}": high if n else None}
        d, low, high = newcombe_difference(record["concern_a"], record["n_a"], record["concern_b"], record["n_b"])
        record |= {"difference": d, "difference_low": low if d is not None else None,
                   "difference_high": high if d is not None else None}
        rows.append(record)
    return pd.DataFrame(rows, columns=SESSION_COMPARISON_COLUMNS)


def area_overlap(codes_a: Iterable[str], codes_b: Iterable[str]) -> float:
    """Share of the two sessions' buurten they have in common (1.0: the same area).

    Examples:
        >>> area_overlap(["A", "B"], ["B", "C"])
        0.3333333333333333
    """
    a, b = set(codes_a), set(codes_b)
    return len(a & b) / len(a | b) if a | b else 1.0
