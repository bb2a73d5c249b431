"""Projector builders without a browser: pins per kind (colour AND shape), nothing unapproved in the layer,
no story text in the map's JS, generalised positions, lean markers and legends."""
import json
import re
from datetime import datetime
from types import SimpleNamespace

import folium
import pytest

from components import projector
from domain.models import STORY_KINDS
from domain.projector import Counts, Lean


def story(id, kind="proud", status="approved", lat=52.09, lon=5.12, buurt="BU1", text="Mooi plein"):
    return SimpleNamespace(id=id, kind=kind, status=status, lat=lat, lon=lon, buurt_code=buurt, text=text,
                           dimension=None, created_at=datetime(2026, 1, 1))


CENTRES = {"BU1": (52.1, 5.1)}


def rendered(group: folium.FeatureGroup) -> str:
    m = folium.Map(location=[52.1, 5.1], tiles=None)
    group.add_to(m)
    return m.get_root().render()


def pin_rows(html: str) -> list[list]:
    line = next(x for x in html.splitlines() if "_pins = [" in x)
    return json.loads(line.split(" = ", 1)[1].rstrip(";"))


def test_every_kind_has_its_own_colour_and_shape():
    colours = [c for c, _ in projector.KIND_STYLE.values()]
    shapes = [s for _, s in projector.KIND_STYLE.values()]
    assert set(projector.KIND_STYLE) == set(STORY_KINDS)
    assert len(set(colours)) == len(colours) and len(set(shapes)) == len(shapes)
    for kind, (colour, shape) in projector.KIND_STYLE.items():
        svg = projector.kind_svg(kind)
        assert f"fill='{colour}'" in svg and f"data-shape='{shape}'" in svg and "stroke='#1d1d1b'" in svg


def test_only_approved_stories_become_pins():
    stories = [story(1), story(2, status="pending"), story(3, status="hidden"), story(4, status="withdrawn"),
               story(5, kind="concern")]
    html = rendered(projector.build_story_pins(stories, "exact", CENTRES))
    assert [r[3] for r in pin_rows(html)] == [1, 5]
    kinds = list(STORY_KINDS)
    assert [r[2] for r in pin_rows(html)] == [kinds.index("proud"), kinds.index("concern")]


def test_story_text_never_reaches_the_map():
    payload = "<script>alert(1)</script>${alert(2)} geheimtekst"
    html = rendered(projector.build_story_pins([story(1, text=payload)], "exact", CENTRES))
    assert "geheimtekst" not in html and "alert" not in html


@pytest.mark.parametrize("mode, expected", [("exact", [52.09, 5.12]), ("centroid", [52.1, 5.1])])
def test_pins_use_the_sessions_generalisation(mode, expected):
    html = rendered(projector.build_story_pins([story(1)], mode, CENTRES))
    assert pin_rows(html)[0][:2] == expected


def test_grid_generalisation_moves_the_pin_off_the_exact_spot():
    row = pin_rows(rendered(projector.build_story_pins([story(1, lat=52.090712, lon=5.121433)], "grid100",
                                                       CENTRES)))[0]
    assert row[:2] != [52.090712, 5.121433]
    assert abs(row[0] - 52.090712) < 0.001 and abs(row[1] - 5.121433) < 0.001


def test_pins_are_clustered_with_local_markercluster_and_ids_are_deterministic():
    a = rendered(projector.build_story_pins([story(1), story(2)], "exact", CENTRES))
    b = rendered(projector.build_story_pins([story(2), story(1)], "exact", CENTRES))
    assert "L.markerClusterGroup" in a and "disableClusteringAtZoom: 18" in a
    scripts = [re.findall(r"<script src=\"([^\"]+)\"", h) for h in (a, b)]
    assert any("markercluster" in src for src in scripts[0])
    assert re.findall(r"var (story_pins\w*)", a) == re.findall(r"var (story_pins\w*)", b)
    assert pin_rows(a) == pin_rows(b)


def test_empty_layer_is_still_a_layer():
    assert pin_rows(rendered(projector.build_story_pins([], "exact", CENTRES))) == []


def test_lean_layer_carries_only_numbers_and_codes():
    html = rendered(projector.build_lean_layer({"BU1": Lean(2, 3), "BU9": Lean(1, 0)}, CENTRES))
    line = next(x for x in html.splitlines() if x.startswith("[[") or ".forEach(function (r)" in x)
    assert "[[52.1,5.1,2,3,\"BU1\"]]" in html and "BU9" not in html  # BU9 has no centre
    assert line


def test_kind_legend_counts_every_kind():
    counts = Counts(3, {"proud": 2, "concern": 1, "dream": 0, "idea": 0, "contribution": 0}, {})
    html = projector.build_kind_legend_html(counts, "nl")
    assert html.count("bb-kind-row") == len(STORY_KINDS)
    assert "Trots</span><b>2</b>" in html and "Zorg</span><b>1</b>" in html


def test_markercluster_links_are_read_when_rendering(monkeypatch):
    from folium.plugins import MarkerCluster

    monkeypatch.setattr(MarkerCluster, "default_js", [("markerclusterjs", "/app/static/vendor/mc.js")])
    html = rendered(projector.build_story_pins([story(1)], "exact", CENTRES))
    assert '<script src="/app/static/vendor/mc.js"></script>' in html
