"""domain.analysis: every number checked against values computed by hand (see the comments per case)."""
from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

from domain import analysis
from domain.analysis import ALL, BetaPrior, DimensionPair
from domain.models import IndicatorMeta
from domain.story_generator import GENERATED_KIOSK, GENERATED_PREFIX, generate_stories

FYS = "fysieke_omgeving"


# ---------------------------------------------------------------- tiny fixtures drawn by hand

def two_squares() -> gpd.GeoDataFrame:
    """A = [0,1]×[0,1], B = [1,2]×[0,1]: they share the edge x = 1."""
    return gpd.GeoDataFrame({"code": ["A", "B"], "name": ["Aa", "Bb"], "is_water": [False, False]},
                            geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1)], crs=4326)


def story(id_, kind, lon=None, lat=None, buurt=None, dimension=FYS, age=None, relation=None):
    return {"id": id_, "kind": kind, "lon": lon, "lat": lat, "buurt_code": buurt, "dimension": dimension,
            "age_band": age, "relation": relation}


STORIES = pd.DataFrame([
    story(1, "proud", 0.5, 0.5),
    story(2, "concern", 0.2, 0.8),
    story(3, "concern", 0.7, 0.3),
    story(4, "idea", 1.5, 0.5),
    story(5, "concern", buurt="B", dimension="sociale_samenhang"),  # no map: picked from the list
    story(6, "concern", 5.0, 5.0),  # pin in no buurt
    story(7, "proud", 1.0, 0.5),  # pin on the shared edge: lowest code wins
    story(8, "concern", buurt="BU_GONE"),  # picked buurt no longer exists
    story(9, "dream", 0.5, 0.5, dimension=None),
])


# ---------------------------------------------------------------- linking

def test_link_stories_by_pin_list_edge_and_outside():
    linked = analysis.link_stories(STORIES, two_squares()).set_index("id")
    assert linked["linked_code"].to_dict() == {1: "A", 2: "A", 3: "A", 4: "B", 5: "B", 6: None, 7: "A",
                                               8: None, 9: "A"}
    assert linked["link"].to_dict() == {1: "pin", 2: "pin", 3: "pin", 4: "pin", 5: "list", 6: "outside",
                                        7: "pin", 8: "unknown_buurt", 9: "pin"}


def test_stories_outside_every_buurt_are_listed_not_dropped():
    linked = analysis.link_stories(STORIES, two_squares())
    assert len(linked) == len(STORIES)
    assert sorted(analysis.unlinked(linked)["id"]) == [6, 8]


def test_relink_plan_after_new_boundaries():
    # New boundaries: A shrinks to [0,0.5]×[0,1] and B takes the rest, so stories 1, 3 and 9 (x ≥ 0.5) move.
    stories = STORIES.assign(buurt_code=["A", "A", "A", "B", "B", "A", "A", "BU_GONE", "A"])
    new = gpd.GeoDataFrame({"code": ["A", "B"], "name": ["Aa", "Bb"]},
                           geometry=[box(0, 0, 0.5, 1), box(0.5, 0, 2, 1)], crs=4326)
    plan = analysis.relink_plan(stories, new)
    # 1 (0.5, 0.5) and 9 lie on the new edge: lowest code A, so they keep A; 3 and 7 move to B.
    assert plan.changes == ((3, "A", "B"), (7, "A", "B"))
    assert plan.outside == (6, 8)


# ---------------------------------------------------------------- Wilson, Newcombe, shrinkage

@pytest.mark.parametrize("x, n, low, high", [
    # p = 0.8, z² = 3.8415: centre (0.8 + 0.19207)/1.38415 = 0.71674, half 1.41603·√(0.016 + 0.0096037) = 0.22658
    (8, 10, 0.4902, 0.9433),
    (5, 10, 0.2366, 0.7634),  # centre 0.5, half 1.41603·√(0.025 + 0.0096037) = 0.26341
    (0, 10, 0.0, 0.2775),  # centre 0.13876, half 0.13877
    (1, 1, 0.2065, 1.0),  # centre 2.92073/4.84146 = 0.60327, half 0.39673
    (0, 0, 0.0, 1.0),  # nothing to go on: the whole range
])
def test_wilson_interval(x, n, low, high):
    got = analysis.wilson_interval(x, n)
    assert got == pytest.approx((low, high), abs=1e-4)


def test_newcombe_difference():
    # 2/10 → 8/10: Wilson (0.0567, 0.5098) and (0.4902, 0.9433); d = 0.6;
    # low = 0.6 − √(0.3098² + 0.3098²) = 0.1619, high = 0.6 + √(0.1433² + 0.1433²) = 0.8027
    d, low, high = analysis.newcombe_difference(2, 10, 8, 10)
    assert (d, low, high) == pytest.approx((0.6, 0.1619, 0.8027), abs=1e-3)
    assert analysis.newcombe_difference(0, 0, 3, 4) == (None, -1.0, 1.0)


@pytest.mark.parametrize("prior, x, n, expected", [
    (BetaPrior(3, 7), 2, 2, 5 / 12),  # (2 + 3) / (2 + 10): two concerns barely move a prior of 30 %
    (BetaPrior(3, 7), 8, 10, 11 / 20),
    (BetaPrior(3, 7), 0, 0, 0.3),  # no stories: the prior mean
    (BetaPrior(1, 1), 1, 1, 2 / 3),
    (BetaPrior(7.5, 5), 8, 10, 15.5 / 22.5),
])
def test_shrink(prior, x, n, expected):
    assert analysis.shrink(x, n, prior) == pytest.approx(expected)


@pytest.mark.parametrize("concerns, totals, mean, strength, estimated", [
    # μ = 18/30 = 0.6; S = 10·(0.04 + 0 + 0.04) = 0.8; S/μ(1−μ) = 3.333; Σn²/N = 10;
    # ρ = (3.333 − 2) / (30 − 10 − 2) = 0.07407 → M = 1/ρ − 1 = 12.5
    ([4, 6, 8], [10, 10, 10], 0.6, 12.5, True),
    ([5, 5], [10, 10], 0.5, analysis.MAX_STRENGTH, True),  # no spread beyond chance: pooled completely
    ([0, 10], [10, 10], 0.5, analysis.MIN_STRENGTH, True),  # all-or-nothing buurten: ρ ≥ 1, kept at 1
    ([3], [4], 0.75, analysis.DEFAULT_STRENGTH, False),  # one buurt: nothing to estimate a spread from
    ([0, 0], [3, 4], 0.0, analysis.DEFAULT_STRENGTH, False),  # no concerns at all
    ([2, 0], [3, 0], 2 / 3, analysis.DEFAULT_STRENGTH, False),  # buurten with n = 0 do not count
])
def test_estimate_prior(concerns, totals, mean, strength, estimated):
    prior = analysis.estimate_prior(concerns, totals)
    assert prior.mean == pytest.approx(mean)
    assert prior.strength == pytest.approx(strength)
    assert prior.estimated is estimated
    assert analysis.estimate_prior([], []) is None


# ---------------------------------------------------------------- buurt × dimension counts and rates

def test_count_table_counts_rates_and_shares():
    numbers = pd.DataFrame({"aantal_inwoners": [2000.0, np.nan]}, index=["A", "B"])
    linked = analysis.link_stories(STORIES, two_squares())
    table, priors = analysis.count_table(linked, two_squares(), numbers)
    rows = table.set_index(["code", "dimension"])
    a = rows.loc[("A", FYS)]
    # A, fysieke omgeving: stories 1, 7 (proud) and 2, 3 (concern); 9 has no dimension
    assert (a["proud"], a["concern"], a["idea"], a["total"], a["n"]) == (2, 2, 0, 4, 4)
    assert a["rate_per_1000"] == pytest.approx(4 / 2000 * 1000)  # 2.0
    assert a["concern_rate_per_1000"] == pytest.approx(1.0)
    assert a["concern_share"] == 0.5
    assert (a["wilson_low"], a["wilson_high"]) == pytest.approx(analysis.wilson_interval(2, 4))
    b = rows.loc[("B", FYS)]
    assert (b["idea"], b["total"], b["n"]) == (1, 1, 0)
    assert b["rate_per_1000"] is None or math.isnan(b["rate_per_1000"])  # inhabitants unknown: never 0
    assert b["concern_share"] is None or math.isnan(b["concern_share"])
    all_a, all_b = rows.loc[("A", ALL)], rows.loc[("B", ALL)]
    assert (all_a["total"], all_a["dream"]) == (5, 1)  # the dream without a dimension counts under "all"
    assert (all_b["total"], all_b["n"], all_b["concern_share"]) == (2, 1, 1.0)
    # shrunken share uses that dimension's prior: (x + α) / (n + α + β)
    prior = priors[ALL]
    assert all_a["shrunk_share"] == pytest.approx((2 + prior.alpha) / (4 + prior.strength))


def test_zero_inhabitants_give_a_missing_rate():
    numbers = pd.DataFrame({"aantal_inwoners": [0.0, 10.0]}, index=["A", "B"])
    table, _ = analysis.count_table(analysis.link_stories(STORIES, two_squares()), two_squares(), numbers)
    rows = table.set_index(["code", "dimension"])
    assert pd.isna(rows.loc[("A", ALL), "rate_per_1000"])
    assert rows.loc[("B", ALL), "rate_per_1000"] == pytest.approx(2 / 10 * 1000)


# ---------------------------------------------------------------- divergence

META = IndicatorMeta("score", "Score", "Score", unit="", direction=1, weighting="none", decimals=1)
PAIR = DimensionPair("score", FYS, +1)
PRIOR = BetaPrior(5, 5)  # mean 0.5, strength 10, spread √(0.25/11) = 0.150756
# code: (indicator value, proud, concern)
CASES = {
    "A": (10.0, 2, 8),  # figures better, mostly concerns → disagree, figures_better
    "B": (10.0, 8, 2),  # figures better, mostly pride → agree
    "C": (0.0, 9, 1),  # figures worse, mostly pride → disagree, stories_better (the strongest)
    "D": (0.0, 2, 3),  # figures worse, a few more concerns → mild agreement
    "E": (5.0, 1, 9),  # figures average: no disagreement however many concerns
    "F": (None, 3, 7),  # figure secret: never ranked, never counted as 0
    "G": (5.0, 1, 1),  # two stories: too few
    "H": (5.0, 0, 0),  # no stories
}


def divergence(cases=CASES, min_stories=3, meta=META, reasons=None):
    numbers = pd.DataFrame({"score": [v for v, _, _ in cases.values()]}, index=list(cases))
    rows = [{"code": c, "name": f"Buurt {c}", "dimension": FYS, "proud": p, "concern": x, "n": p + x,
             "concern_share": x / (p + x) if p + x else None,
             "wilson_low": analysis.wilson_interval(x, p + x)[0] if p + x else None,
             "wilson_high": analysis.wilson_interval(x, p + x)[1] if p + x else None,
             "shrunk_share": analysis.shrink(x, p + x, PRIOR) if p + x else None}
            for c, (_, p, x) in cases.items()]
    return analysis.divergence_table(pd.DataFrame(rows), PRIOR, numbers, meta, PAIR, min_stories=min_stories,
                                     reasons=reasons)


def test_divergence_order_sign_and_direction():
    # values 10,10,0,0,5,5,5 (F missing): average 5, sd √(100/6) = 4.0825 → stat_z ±1.2247 for A,B / C,D
    # story_z = (0.5 − shrunk)/0.150756: A (8+5)/20 = 0.65 → −0.995; B 0.35 → +0.995; C 0.30 → +1.3266;
    # D (3+5)/15 = 0.5333 → −0.2211; E 0.70 → −1.3266. score = −stat_z · story_z.
    table = divergence().set_index("code")
    assert list(table.index[:5]) == ["C", "A", "E", "D", "B"]
    expected = {"C": 1.2247 * 1.3266, "A": 1.2247 * 0.99499, "E": 0.0, "D": -1.2247 * 0.22111,
                "B": -1.2247 * 0.99499}
    for code, score in expected.items():
        assert table.at[code, "score"] == pytest.approx(score, abs=1e-3)
    assert table.at["A", "stat_z"] == pytest.approx(1.2247, abs=1e-4)
    assert table.at["A", "story_z"] == pytest.approx(-0.99499, abs=1e-4)
    assert table.loc[["C", "A", "E", "D", "B"], "rank"].tolist() == [1, 2, 3, 4, 5]
    assert table.loc[["A", "C", "B", "D", "E"], "direction"].tolist() == [
        "figures_better", "stories_better", "agree", "agree", "agree"]


def test_divergence_unranked_rows_come_last_with_their_reason():
    table = divergence()
    assert table["code"].tolist()[5:] == ["G", "F", "H"]
    statuses = table.set_index("code")["status"]
    assert (statuses["G"], statuses["F"], statuses["H"]) == ("too_few", "no_value", "no_stories")
    assert table.set_index("code").loc[["G", "F", "H"], "rank"].isna().all()


def test_missing_indicator_value_never_counts_as_zero_and_never_ranks():
    table = divergence().set_index("code")
    assert table.at["F", "average"] == pytest.approx(5.0)  # with F as 0 the average would be 35/8 = 4.375
    assert pd.isna(table.at["F", "score"]) and pd.isna(table.at["F", "stat_z"])
    reasons = pd.DataFrame({"score": ["secret" if c == "F" else None for c in CASES]}, index=list(CASES))
    sentence = divergence(reasons=reasons).set_index("code").at["F", "sentence_nl"]
    assert sentence.startswith("Geen cijfer voor Score (geheim)") and "geen 0" in sentence


def test_all_missing_indicator_ranks_nothing():
    cases = {code: (None, p, x) for code, (_, p, x) in CASES.items()}
    table = divergence(cases)
    assert table["rank"].isna().all() and set(table["status"]) <= {"no_value", "no_stories"}


def test_small_buurt_with_two_concerns_never_tops_the_ranking():
    cases = {**CASES, "S": (10.0, 0, 2)}  # best figures, 2 of 2 concerns
    table = divergence(cases, min_stories=3)
    assert table.set_index("code").at["S", "status"] == "too_few"
    # Even when the threshold is lowered, shrinkage keeps it below A's 8 of 10:
    # S shrunk (2+5)/12 = 0.583 → story_z −0.553, score 0.68 < A's 1.22
    lowered = divergence(cases, min_stories=1)
    assert lowered["code"].tolist().index("S") > lowered["code"].tolist().index("A")


def test_direction_minus_one_flips_the_reading():
    worse = IndicatorMeta("score", "Score", "Score", direction=-1, weighting="none")
    pair = DimensionPair("score", FYS, -1)
    numbers = pd.DataFrame({"score": [v for v, _, _ in CASES.values()]}, index=list(CASES))
    rows = divergence()  # same counts, read the other way round
    table = analysis.divergence_table(
        rows.assign(dimension=FYS)[
            ["code", "name", "dimension", "proud", "concern", "n", "concern_share", "wilson_low", "wilson_high",
             "shrunk_share"]], PRIOR, numbers, worse, pair).set_index("code")
    # Now a high value is worse: A's figures count as worse than average, so A and its concerns agree,
    # and B (high value, mostly pride) becomes the stories-better case.
    assert table.at["A", "stat_z"] == pytest.approx(-1.2247, abs=1e-4)
    assert table.loc[["A", "B", "C", "D"], "direction"].tolist() == ["agree", "stories_better", "agree",
                                                                      "figures_better"]


@pytest.mark.parametrize("code, lang, expected", [
    ("A", "nl", ("De cijfers over fysieke omgeving zijn gunstiger dan gemiddeld (Score 10,0 tegen gemiddeld 5,0), "
                "maar 8 van de 10 verhalen (trots of zorg) zijn zorgen; in alle verhalen samen is dat 50%.")),
    ("A", "en", ("The figures on physical environment are better than average (Score 10.0 vs. average 5.0), "
                "but 8 of the 10 stories (proud or concern) are concerns; across all stories it is 50%.")),
    ("C", "nl", ("De cijfers over fysieke omgeving zijn ongunstiger dan gemiddeld (Score 0,0 tegen gemiddeld 5,0), "
                "maar 1 van de 10 verhalen (trots of zorg) is een zorg; in alle verhalen samen is dat 50%.")),
    ("G", "nl", "Te weinig verhalen: 2 met trots of zorg, minstens 3 nodig. Niet gerangschikt."),
    ("H", "en", "No stories on physical environment."),
])
def test_sentence_per_row(code, lang, expected):
    assert divergence().set_index("code").at[code, f"sentence_{lang}"] == expected


def test_pairing_table_and_custom_pairs():
    lbm = IndicatorMeta("lbm_overlast_onveiligheid", "x", "x", direction=1, dimension="overlast_onveiligheid")
    assert analysis.pair_for(lbm).dimension == "overlast_onveiligheid"
    woz = IndicatorMeta("woz", "WOZ", "WOZ", direction=0, dimension="woningvoorraad")
    assert (analysis.pair_for(woz).dimension, analysis.pair_for(woz).orientation) == ("woningvoorraad", 1)
    rent = IndicatorMeta("pct_huurwoningen", "Huur", "Rent", direction=0)
    assert analysis.pair_for(rent).orientation == -1
    income = IndicatorMeta("pct_laag_inkomen", "Laag inkomen", "Low income", direction=-1)
    assert analysis.pair_for(income) is None  # no dimension: the analyst chooses
    custom = analysis.custom_pair(income, "sociale_samenhang", -1)
    assert analysis.pair_for(income, {"pct_laag_inkomen": custom}) is custom
    with pytest.raises(ValueError):
        analysis.custom_pair(income, "weather", 1)


# ---------------------------------------------------------------- who spoke, k and complementary disclosure

def _lines_are_safe(counts: pd.DataFrame, cells: pd.DataFrame, totals: pd.Series, k: int) -> None:
    """No line with a public total has exactly one hidden entry, and hidden entries add up to ≥ k where
    anything is left to hide; every cell in (0, k) is hidden."""
    full = pd.concat([counts, counts.sum().to_frame().T])
    shown = pd.concat([cells, totals.to_frame().T])
    hidden = shown.isna().to_numpy()
    values = full.to_numpy()
    assert not ((values > 0) & (values < k) & ~hidden).any()
    lines = [[(r, c) for c in range(values.shape[1])] for r in range(values.shape[0])]
    lines += [[(r, c) for r in range(values.shape[0])] for c in range(values.shape[1])]
    for line in lines:
        secret = [values[e] for e in line if hidden[e]]
        assert len(secret) != 1, line
        if secret and any(not hidden[e] and values[e] > 0 for e in line):
            assert sum(secret) >= k, line


@pytest.mark.parametrize("counts, k, visible", [
    # one small group and a public row total 25: a (3) hidden, and b (10) too, or a = 25 − 10 − 12
    ({"a": [3], "b": [10], "c": [12]}, 5, {"a": False, "b": False, "c": True}),
    ({"a": [0], "b": [10], "c": [12]}, 5, {"a": True, "b": True, "c": True}),  # nothing small: all shown
    ({"a": [1], "b": [1], "c": [2]}, 5, {"a": False, "b": False, "c": False}),  # row total 4 < k: all hidden
])
def test_protect_single_row(counts, k, visible):
    cells, _ = analysis.protect_table(pd.DataFrame(counts), k)
    assert {c: not pd.isna(cells.iloc[0][c]) for c in cells.columns} == visible


def test_protect_across_buurten_blocks_subtraction_from_the_area_total():
    # X has 3 in group q; the area total of q (11) minus Y's 8 would give it away, so Y's q is hidden too,
    # and then Y's other cell, so that Y's row does not give Y's q away either.
    counts = pd.DataFrame({"p": [6, 7], "q": [3, 8]}, index=["X", "Y"])
    cells, totals = analysis.protect_table(counts, 5)
    assert cells.isna().all().all()
    assert totals.tolist() == [13, 11]
    _lines_are_safe(counts, cells, totals, 5)


def test_protect_random_tables_are_always_safe():
    rng = np.random.default_rng(6)
    for _ in range(200):
        counts = pd.DataFrame(rng.poisson(rng.uniform(0.5, 9), size=(rng.integers(1, 6), 5)))
        k = int(rng.integers(2, 8))
        cells, totals = analysis.protect_table(counts, k)
        _lines_are_safe(counts, cells, totals, k)


CBS_PROFILE = {"aantal_inwoners": [1000.0, 500.0], "pct_0_15": [20.0, 20.0], "pct_15_25": [10.0, 10.0],
               "pct_25_45": [30.0, 30.0], "pct_45_65": [25.0, 25.0], "pct_65_plus": [15.0, 15.0]}
SPEAKERS_A = ([story(i, "proud", 0.5, 0.5, age="25-44", relation="lives") for i in range(6)]
              + [story(10 + i, "concern", 0.5, 0.5, age="45-64", relation="lives") for i in range(7)]
              + [story(20 + i, "concern", 0.5, 0.5, age="65+", relation="works") for i in range(2)])


def test_who_spoke_hides_small_groups_and_warns_for_missing_ones():
    linked = analysis.link_stories(pd.DataFrame(SPEAKERS_A), two_squares())
    numbers = pd.DataFrame(CBS_PROFILE, index=["A", "B"])
    who = analysis.who_spoke(linked, ["A", "B"], numbers, k=5)
    # A: <25 0, 25-44 6, 45-64 7, 65+ 2, not given 0. 65+ is below k; 25-44 (the smallest visible non-zero)
    # is hidden too, or 65+ = 15 − 6 − 7.
    assert {r.group: r.count for r in who["A"].ages} == {"<25": 0, "25-44": None, "45-64": 7, "65+": None,
                                                         "not_given": 0}
    assert who["A"].warnings("nl") == ["geen jongeren onder 25", "geen bezoekers"]
    assert who["A"].warnings("en") == ["no young people under 25", "no visitors"]
    assert next(r for r in who["A"].ages if r.group == "45-64").share == pytest.approx(7 / 15)
    # relation: lives 13, works 2 → works hidden, and lives too (13 = 15 − 2 otherwise... and back)
    assert {r.group: r.count for r in who["A"].relations}["works"] is None
    assert {r.group: r.count for r in who["A"].relations}["lives"] is None
    # The area as a whole is A alone here: its totals may not give A's small groups away either.
    assert {r.group: r.count for r in who[None].ages}["65+"] is None
    # CBS shares among residents aged 15+: 10/80, 30/80, 25/80, 15/80
    population = {r.group: r.population_share for r in who[None].ages}
    assert population == pytest.approx({"<25": 0.125, "25-44": 0.375, "45-64": 0.3125, "65+": 0.1875,
                                        "not_given": None})


def test_who_spoke_small_buurt_shows_nothing_and_cannot_be_subtracted():
    rows = SPEAKERS_A + [story(30 + i, "idea", 1.5, 0.5, age="65+", relation="lives") for i in range(3)]
    linked = analysis.link_stories(pd.DataFrame(rows), two_squares())
    who = analysis.who_spoke(linked, ["A", "B"], pd.DataFrame(CBS_PROFILE, index=["A", "B"]), k=5)
    assert who["B"].total == 3
    assert all(r.count is None for r in (*who["B"].ages, *who["B"].relations))  # 3 < k: nothing at all
    area = {r.group: r.count for r in who[None].ages}
    in_a = {r.group: r.count for r in who["A"].ages}
    # B's three 65+ stories cannot be found as area − A, nor as B's total − B's other groups
    assert area["65+"] == 5 and in_a["65+"] is None
    assert area["<25"] == 0  # the area as a whole still says plainly that no one under 25 spoke
    assert who[None].warnings("nl")[0] == "geen jongeren onder 25"


def test_population_shares_unknown_when_cbs_profile_missing():
    numbers = pd.DataFrame({"aantal_inwoners": [1000.0], "pct_25_45": [30.0]}, index=["A"])
    assert analysis.population_shares(numbers, ["A"]) == {b: None for b in analysis.AGE_TO_CBS}


# ---------------------------------------------------------------- across sessions

def test_compare_sessions_per_dimension():
    before = pd.DataFrame([story(i, "proud") for i in range(8)] + [story(10 + i, "concern") for i in range(2)])
    after = pd.DataFrame([story(i, "proud") for i in range(2)] + [story(10 + i, "concern") for i in range(8)]
                         + [story(30, "idea", dimension="voorzieningen")])
    frame = analysis.compare_sessions(before, after).set_index("dimension")
    row = frame.loc[FYS]
    assert (row["proud_a"], row["concern_a"], row["n_a"], row["share_a"]) == (8, 2, 10, 0.2)
    assert (row["proud_b"], row["concern_b"], row["n_b"], row["share_b"]) == (2, 8, 10, 0.8)
    assert (row["difference"], row["difference_low"], row["difference_high"]) == pytest.approx(
        (0.6, 0.1619, 0.8027), abs=1e-3)
    assert frame.loc["voorzieningen", "idea_b"] == 1 and pd.isna(frame.loc["voorzieningen", "difference"])
    assert frame.loc[ALL, "n_b"] == 10


# ---------------------------------------------------------------- generator

def test_generator_is_seeded_marked_and_places_pins_inside_their_buurt():
    squares = gpd.GeoDataFrame({"code": ["A", "B", "C"], "name": list("abc"), "is_water": [False, False, True]},
                               geometry=[box(5.0, 52.0, 5.01, 52.01), box(5.01, 52.0, 5.02, 52.01),
                                         box(5.02, 52.0, 5.03, 52.01)], crs=4326)
    numbers = pd.DataFrame({"aantal_inwoners": [3000.0, 800.0, 0.0], "lbm_score": [4.5, 3.5, np.nan]},
                           index=["A", "B", "C"])
    first = generate_stories(squares, 120, seed=3, numbers=numbers)
    assert first == generate_stories(squares, 120, seed=3, numbers=numbers)
    assert len(first.stories) == 120
    assert {s.buurt_code for s in first.stories} <= {"A", "B"}  # never in the water buurt
    assert all(s.text.startswith(GENERATED_PREFIX) for s in first.stories)
    by_code = squares.set_index("code").geometry
    for s in first.stories:
        if s.lat is not None:
            assert by_code[s.buurt_code].contains(gpd.points_from_xy([s.lon], [s.lat])[0])
    assert any(s.lat is None for s in first.stories)  # some told without a map
    assert GENERATED_KIOSK == "generated"
