"""The demo municipality: deterministic, a clean tessellation with water and holes, coherent figures,
and stories that sit in their buurt."""
from __future__ import annotations

import re
from collections import Counter

import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import Polygon

from domain import demo
from domain.indicators import CATALOGUE
from domain.models import DIMENSIONS, STORY_KINDS

AREA_TOLERANCE_M2 = 1.0


@pytest.fixture(scope="module")
def areas():
    return demo.build_demo_areas()


@pytest.fixture(scope="module")
def rd(areas):
    return areas.to_crs(demo.RD_NEW)


@pytest.fixture(scope="module")
def buurten_rd(rd):
    return rd[rd["level"] == "buurt"].reset_index(drop=True)


@pytest.fixture(scope="module")
def built(areas):
    indicators, values = demo.build_demo_values(areas)
    return indicators, values, demo.build_demo_stories(areas, values)


@pytest.fixture(scope="module")
def figures(built):
    return built[1].pivot(index="code", columns="key", values="value")


@pytest.fixture(scope="module")
def reasons(built):
    return built[1].pivot(index="code", columns="key", values="missing_reason")


@pytest.fixture(scope="module")
def names(areas):
    return areas.set_index("code")["name"]


# ---------------------------------------------------------------- determinism and codes

def test_same_seed_gives_identical_geometry_values_and_stories(areas, built):
    again = demo.build_demo_areas()
    indicators, values = demo.build_demo_values(again)
    assert list(again.geometry.to_wkb()) == list(areas.geometry.to_wkb())
    assert again.drop(columns="geometry").equals(areas.drop(columns="geometry"))
    pd.testing.assert_frame_equal(values, built[1])
    assert indicators == built[0]
    assert demo.build_demo_stories(again, values) == built[2]


def test_another_seed_draws_another_town_with_the_same_codes(areas):
    other = demo.build_demo_areas(seed=7)
    assert list(other["code"]) == list(areas["code"])
    assert list(other.geometry.to_wkb()) != list(areas.geometry.to_wkb())


def test_counts_and_code_patterns(areas):
    levels = Counter(areas["level"])
    assert levels["gemeente"] == 1
    assert 4 <= levels["wijk"] <= 6
    assert 50 <= levels["buurt"] <= 70
    gemeente = areas[areas["level"] == "gemeente"].iloc[0]
    assert (gemeente["code"], gemeente["name"]) == ("GM9999", "Voorbeeldstad")
    assert pd.isna(gemeente["parent_code"])
    for row in areas[areas["level"] == "wijk"].itertuples():
        assert re.fullmatch(r"WK9999\d{2}", row.code) and row.parent_code == "GM9999"
    for row in areas[areas["level"] == "buurt"].itertuples():
        assert re.fullmatch(r"BU9999\d{4}", row.code)
        assert row.parent_code == "WK" + row.code[2:8]
    assert areas["code"].is_unique
    assert areas.loc[areas["level"] == "buurt", "name"].is_unique


# ---------------------------------------------------------------- geometry

def test_all_geometries_are_valid_polygons_in_both_crs(areas, rd):
    assert areas.crs.to_epsg() == 4326
    assert areas.is_valid.all() and rd.is_valid.all()
    assert set(areas.geom_type) <= {"Polygon", "MultiPolygon"}
    land = rd[(rd["level"] == "buurt") & ~rd["is_water"]]
    assert (land.geom_type == "Polygon").all(), "every land buurt is one piece"


def test_buurten_do_not_overlap(buurten_rd):
    left, right = buurten_rd.sindex.query(buurten_rd.geometry, predicate="intersects")
    pairs = left < right
    overlap = shapely.area(shapely.intersection(buurten_rd.geometry.values[left[pairs]],
                                                buurten_rd.geometry.values[right[pairs]]))
    assert pairs.sum() > len(buurten_rd), "neighbours should touch"
    assert overlap.max() < AREA_TOLERANCE_M2


def test_buurten_plus_the_pond_make_up_the_gemeente(rd, buurten_rd):
    gemeente = rd[rd["level"] == "gemeente"].geometry.iloc[0]
    union = shapely.union_all(buurten_rd.geometry.values)
    assert union.difference(gemeente).area < AREA_TOLERANCE_M2
    uncovered = gemeente.difference(union)
    ponds = [p for p in shapely.get_parts(uncovered) if p.area > AREA_TOLERANCE_M2]
    assert len(ponds) == 1, "only the pond in Stadspark belongs to no buurt"
    assert 10_000 < ponds[0].area < 300_000
    assert not ponds[0].intersects(gemeente.exterior)
    assert abs(buurten_rd.area.sum() + ponds[0].area - gemeente.area) < 10 * AREA_TOLERANCE_M2


def test_some_buurten_have_holes_one_filled_by_an_enclave_buurt(buurten_rd):
    with_holes = buurten_rd[[len(g.interiors) > 0 for g in buurten_rd.geometry]]
    assert set(with_holes["name"]) >= {"Stadspark", "Oude Molenbuurt"}
    host = buurten_rd.set_index("name").geometry
    hole = Polygon(host["Oude Molenbuurt"].interiors[0])
    assert hole.symmetric_difference(host["Molenerf"]).area < AREA_TOLERANCE_M2


def test_wijk_is_the_exact_union_of_its_buurten(rd, buurten_rd):
    for wijk in rd[rd["level"] == "wijk"].itertuples():
        members = buurten_rd[buurten_rd["parent_code"] == wijk.code]
        assert len(members) >= 5
        union = shapely.union_all(members.geometry.values)
        assert wijk.geometry.symmetric_difference(union).area < AREA_TOLERANCE_M2, wijk.name


def test_river_and_harbour_are_water_buurten_cutting_through_the_land(buurten_rd):
    water = buurten_rd[buurten_rd["is_water"]]
    assert 1 <= len(water) <= 2
    gemeente_width = buurten_rd.total_bounds[2] - buurten_rd.total_bounds[0]
    river = water.geometry.iloc[np.argmax(water.area)]
    assert river.bounds[2] - river.bounds[0] > 0.9 * gemeente_width, "the river crosses the whole town"
    land = buurten_rd[~buurten_rd["is_water"]]
    assert shapely.union_all(land.geometry.values).geom_type == "MultiPolygon", "the river splits the land"


@pytest.mark.parametrize("seed", [1, 44, 64])
def test_other_seeds_also_give_a_clean_tessellation(seed):
    rd = demo.build_demo_areas(seed).to_crs(demo.RD_NEW)
    buurten = rd[rd["level"] == "buurt"].reset_index(drop=True)
    assert rd.is_valid.all()
    assert (buurten.loc[~buurten["is_water"]].geom_type == "Polygon").all()
    left, right = buurten.sindex.query(buurten.geometry, predicate="intersects")
    pairs = left < right
    overlap = shapely.intersection(buurten.geometry.values[left[pairs]], buurten.geometry.values[right[pairs]])
    assert shapely.area(overlap).max() < AREA_TOLERANCE_M2
    gemeente = rd[rd["level"] == "gemeente"].geometry.iloc[0]
    pond = gemeente.area - buurten.area.sum()
    assert 10_000 < pond < 300_000, "only the pond belongs to no buurt"


def test_size_of_a_small_town_with_buurten_of_varied_size(buurten_rd):
    minx, miny, maxx, maxy = buurten_rd.total_bounds
    assert 6_000 <= max(maxx - minx, maxy - miny) <= 10_000
    land = buurten_rd[~buurten_rd["is_water"]].area
    assert land.max() / land.min() > 10
    assert land.quantile(0.9) / land.quantile(0.1) > 1.5


# ---------------------------------------------------------------- figures

PLAUSIBLE = [  # (key, lowest, highest) for populated buurten
    ("aantal_inwoners", 200, 6_000),
    ("woz", 150, 1_200),
    ("gem_huishoudensgrootte", 1.2, 3.3),
    ("pct_huurwoningen", 0, 100),
    ("gem_inkomen_per_inwoner", 15, 70),
    ("pct_laag_inkomen", 1, 35),
    ("bijstand_per_1000", 1, 200),
    ("ses_score", -1.2, 0.8),
    ("bevolkingsdichtheid", 50, 15_000),
    ("afstand_supermarkt", 0.2, 6),
    ("lbm_score", 3.4, 4.9),
    ("lbm_voorzieningen", -0.4, 0.4),
    ("geluid_weg", 40, 70),
]


@pytest.mark.parametrize(("key", "lowest", "highest"), PLAUSIBLE, ids=[p[0] for p in PLAUSIBLE])
def test_figures_have_dutch_magnitudes(figures, key, lowest, highest):
    populated = figures[figures.index.str.startswith("BU") & (figures["aantal_inwoners"] >= 200)]
    column = populated[key].dropna()
    assert len(column) >= 0.9 * len(populated)
    assert column.between(lowest, highest).all(), column[~column.between(lowest, highest)]


def test_every_catalogue_indicator_is_there_marked_as_demo(built, figures):
    indicators, values, _ = built
    assert [m.key for m in indicators] == [e.meta.key for e in CATALOGUE]
    assert {m.source for m in indicators} == {demo.DEMO_SOURCE} and {m.year for m in indicators} == {2024}
    assert not values.duplicated(["code", "key"]).any()
    assert set(values["code"]) == set(figures.index)
    assert values.groupby("code").size().eq(len(indicators)).all()


def test_shares_add_up(figures):
    populated = figures[figures.index.str.startswith("BU")].dropna(subset=["pct_0_15"])
    ages = populated[["pct_0_15", "pct_15_25", "pct_25_45", "pct_45_65", "pct_65_plus"]].sum(axis=1)
    assert ages.between(99.7, 100.3).all()
    tenure = populated["pct_huurwoningen"] + populated["pct_koopwoningen"]
    assert tenure.between(97, 100).all()
    assert (populated["pct_corporatiewoningen"] <= populated["pct_huurwoningen"]).all()
    assert (populated["mannen"] + populated["vrouwen"] == populated["aantal_inwoners"]).all()


@pytest.mark.parametrize(("a", "b", "sign"), [
    ("woz", "pct_huurwoningen", -1),
    ("lbm_score", "bijstand_per_1000", -1),
    ("gem_inkomen_per_inwoner", "pct_laag_inkomen", -1),
    ("pct_corporatiewoningen", "pct_uitkering", +1),
    ("ses_score", "gem_inkomen_per_inwoner", +1),
])
def test_figures_move_together_through_deprivation(figures, a, b, sign):
    buurten = figures[figures.index.str.startswith("BU")]
    assert sign * buurten[a].corr(buurten[b]) > 0.4


def test_small_buurten_have_secret_income_figures(figures, reasons):
    buurten = figures[figures.index.str.startswith("BU") & (figures["aantal_inwoners"] > 0)]
    small = buurten.index[buurten["aantal_inwoners"] < 200]
    assert len(small) >= 2
    for key in demo.INCOME_KEYS:
        assert figures.loc[small, key].isna().all()
        assert (reasons.loc[small, key] == "secret").all()
    large = buurten.index[buurten["aantal_inwoners"] >= 200]
    assert figures.loc[large, "gem_inkomen_per_inwoner"].notna().all()


def test_a_couple_of_ordinary_unknowns_in_populated_buurten(figures, reasons):
    populated = figures.index[figures.index.str.startswith("BU") & (figures["aantal_inwoners"] >= 500)]
    assert 1 <= (reasons.loc[populated] == "unknown").sum().sum() <= 4


def test_water_buurten_have_no_inhabitants_and_no_figures(areas, figures, reasons):
    for code in areas.loc[areas["is_water"], "code"]:
        assert figures.loc[code, "aantal_inwoners"] == 0
        others = figures.loc[code].drop(list(demo.COUNT_KEYS))
        assert others.isna().all() and (reasons.loc[code, others.index] == "unknown").all()


def test_wijk_and_gemeente_figures_aggregate_the_buurten(figures):
    buurten = figures[figures.index.str.startswith("BU")]
    assert figures.loc["GM9999", "aantal_inwoners"] == buurten["aantal_inwoners"].sum()
    wijken = figures[figures.index.str.startswith("WK")]
    assert wijken["aantal_inwoners"].sum() == figures.loc["GM9999", "aantal_inwoners"]
    assert 30_000 <= figures.loc["GM9999", "aantal_inwoners"] <= 120_000
    assert wijken["lbm_score"].min() < figures.loc["GM9999", "lbm_score"] < wijken["lbm_score"].max()


# ---------------------------------------------------------------- stories

def test_story_counts_kinds_dimensions_and_statuses(built):
    stories = built[2]
    assert 40 <= len(stories) <= 60
    assert {s.kind for s in stories} == set(STORY_KINDS)
    assert {s.dimension for s in stories} == set(DIMENSIONS) | {None}
    statuses = Counter(s.status for s in stories)
    assert set(statuses) == {"approved", "pending", "hidden"}
    assert statuses["approved"] > 0.75 * len(stories) and statuses["pending"] >= 3 and statuses["hidden"] >= 2
    assert {s.age_band for s in stories} <= {*demo.AGE_BANDS, None}
    assert {s.relation for s in stories} <= {*demo.RELATIONS, None}
    assert Counter(s.language for s in stories).keys() == {"nl", "en"}
    assert all(s.created_offset_minutes > 0 for s in stories)


def test_stories_include_markup_template_syntax_and_emoji_as_plain_text(built):
    texts = [s.text for s in built[2]]
    assert any("<b>" in t and "${1+1}" in t for t in texts)
    assert any(any(ord(ch) > 0x1F000 for ch in t) for t in texts)


def test_every_story_lies_inside_its_populated_buurt_or_describes_its_place(areas, built, figures):
    geometry = areas.set_index("code").geometry
    for story in built[2]:
        assert figures.loc[story.buurt_code, "aantal_inwoners"] > 0, story.text
        if story.lat is None:
            assert story.lon is None and story.place_description
        else:
            assert shapely.contains_xy(geometry[story.buurt_code], story.lon, story.lat), story.text
    assert sum(s.lat is None for s in built[2]) >= 3


def test_concerns_gather_in_low_scoring_buurten_except_for_the_deliberate_mismatches(built, figures, names):
    stories = built[2]
    lbm = figures["lbm_score"]
    mismatch = {code for code, name in names.items() if name in demo.MISMATCH_BUURTEN}
    by_kind = {kind: [lbm[s.buurt_code] for s in stories if s.kind == kind and s.buurt_code not in mismatch]
               for kind in ("concern", "proud")}
    assert np.nanmean(by_kind["concern"]) < np.nanmean(by_kind["proud"]) - 0.05

    median = lbm[lbm.index.str.startswith("BU")].median()
    mismatches = (("Werfkade", True, {"concern"}), ("Tarwestraat e.o.", False, {"proud", "contribution"}))
    for name, better, dominant in mismatches:
        code = names[names == name].index[0]
        kinds = [s.kind for s in stories if s.buurt_code == code]
        assert bool(lbm[code] > median) is better
        assert sum(k in dominant for k in kinds) > len(kinds) / 2, name
