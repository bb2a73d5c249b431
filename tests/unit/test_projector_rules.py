"""The projector's pure rules: location generalisation (exact / 100 m RD New grid / buurt centre), the staged
reveal's steps, counts per kind and dimension, and how a buurt's stories lean."""
import math
from types import SimpleNamespace as S

import pytest
from pyproj import Transformer

from domain.projector import (
    STAGES,
    count_stories,
    generalise_point,
    lean_per_buurt,
    snap_to_grid,
    step_stage,
)

CENTRES = {"BU1": (52.1, 5.1)}
TO_RD = Transformer.from_crs(4326, 28992, always_xy=True)


@pytest.mark.parametrize("stage, step, expected", [
    ("numbers", 1, "stories"), ("stories", 1, "both"), ("both", 1, "compare"), ("compare", 1, "compare"),
    ("compare", -1, "both"), ("numbers", -1, "numbers"), ("nonsense", 1, "stories"), ("both", 0, "both"),
])
def test_step_stage(stage, step, expected):
    assert step_stage(stage, step) == expected


def test_stages_tell_numbers_then_voices_then_comparison():
    assert STAGES == ("numbers", "stories", "both", "compare")


@pytest.mark.parametrize("lat, lon, buurt, mode, expected", [
    (52.09, 5.12, "BU1", "exact", (52.09, 5.12)),
    (52.09, 5.12, "BU1", "centroid", (52.1, 5.1)),
    (None, None, "BU1", "exact", (52.1, 5.1)),       # told without a spot: the buurt centre
    (None, None, "BU1", "grid100", (52.1, 5.1)),
    (None, None, None, "exact", None),               # neither spot nor buurt: no pin
    (52.09, 5.12, None, "centroid", None),           # centroid never falls back to the exact spot
    (52.09, 5.12, "BU1", "unknown-mode", (52.1, 5.1)),  # unknown mode: the most private one
    (float("nan"), 5.12, "BU1", "exact", (52.1, 5.1)),
])
def test_generalise_point(lat, lon, buurt, mode, expected):
    assert generalise_point(lat, lon, buurt, mode, CENTRES) == expected


@pytest.mark.parametrize("lat, lon", [(52.0907, 5.1214), (52.3731, 4.8922), (51.4416, 5.4697)])
def test_grid100_lands_on_the_centre_of_its_100_m_rd_cell(lat, lon):
    snapped = generalise_point(lat, lon, "BU1", "grid100", CENTRES)
    x, y = TO_RD.transform(lon, lat)
    sx, sy = TO_RD.transform(snapped[1], snapped[0])
    assert math.floor(x / 100) == math.floor(sx / 100) and math.floor(y / 100) == math.floor(sy / 100)
    assert abs(sx % 100 - 50) < 0.2 and abs(sy % 100 - 50) < 0.2
    assert math.hypot(sx - x, sy - y) <= 71  # at most half the cell's diagonal away


def test_two_spots_in_one_cell_become_one_spot():
    a = snap_to_grid(52.09070, 5.12140)
    b = snap_to_grid(52.09071, 5.12141)
    assert a == b


def test_counts_list_every_kind_and_only_used_dimensions():
    stories = [S(kind="proud", dimension="voorzieningen"), S(kind="concern", dimension=None),
               S(kind="concern", dimension="voorzieningen")]
    counts = count_stories(stories)
    assert counts.total == 3
    assert counts.by_kind == {"proud": 1, "concern": 2, "dream": 0, "idea": 0, "contribution": 0}
    assert counts.by_dimension == {"voorzieningen": 2}


def test_lean_per_buurt():
    stories = [S(kind="proud", buurt_code="A"), S(kind="concern", buurt_code="A"), S(kind="concern", buurt_code="A"),
               S(kind="idea", buurt_code="B"), S(kind="proud", buurt_code=None), S(kind="proud", buurt_code="C")]
    leans = lean_per_buurt(stories, ["A", "B"])
    assert set(leans) == {"A"}  # B only has an idea; C is outside the session's buurten
    assert (leans["A"].proud, leans["A"].concern, round(leans["A"].concern_share, 3)) == (1, 2, 0.667)
