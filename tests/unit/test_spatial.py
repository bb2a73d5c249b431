"""Tiny hand-drawn polygons: repair, coverage simplification keeping shared edges, point lookup."""
import json

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from shapely.geometry import LineString, MultiPolygon, Polygon, box

from domain.spatial import area_at, bounds_latlon, repair_geometry, simplify_for_display, to_feature_collection


def _two_buurten():
    # two adjacent 1 km squares in RD New sharing the edge x = 156000
    frame = gpd.GeoDataFrame({"code": ["BU00010001", "BU00010002"], "name": ["West", "Oost"]},
                             geometry=[box(155000, 463000, 156000, 464000), box(156000, 463000, 157000, 464000)],
                             crs=28992)
    return frame.to_crs(4326)


def test_repair_bow_tie_gives_valid_polygonal():
    bow_tie = Polygon([(0, 0), (2, 2), (2, 0), (0, 2), (0, 0)])
    assert not bow_tie.is_valid
    repaired = repair_geometry(bow_tie)
    assert repaired.is_valid and isinstance(repaired, (Polygon, MultiPolygon))
    assert repaired.area == pytest.approx(2.0)


def test_repair_falls_back_to_buffer_when_make_valid_raises(monkeypatch):
    def boom(_):
        raise shapely.errors.GEOSException("IllegalArgumentException: mixed-dimension")
    monkeypatch.setattr(shapely, "make_valid", boom)
    bow_tie = Polygon([(0, 0), (2, 2), (2, 0), (0, 2), (0, 0)])
    assert repair_geometry(bow_tie).is_valid


def test_repair_drops_non_polygonal_leftovers():
    assert repair_geometry(LineString([(0, 0), (1, 1)])).is_empty
    assert repair_geometry(Polygon()).is_empty


def test_simplify_keeps_shared_edge_shared():
    frame = _two_buurten()
    simplified = simplify_for_display(frame, 50)
    west, east = simplified.to_crs(28992).values
    assert west.intersection(east).length == pytest.approx(1000, rel=0.01)
    assert west.intersection(east).area == pytest.approx(0, abs=1.0)


def test_simplify_requires_crs():
    with pytest.raises(ValueError):
        simplify_for_display(gpd.GeoDataFrame({"code": ["x"]}, geometry=[box(0, 0, 1, 1)]), 5)


def test_feature_collection_only_listed_properties_and_ids():
    data = json.loads(to_feature_collection(_two_buurten(), ["name"], tolerance_m=5))
    assert [f["id"] for f in data["features"]] == ["BU00010001", "BU00010002"]
    assert data["features"][0]["properties"] == {"name": "West"}


@pytest.mark.parametrize("offset_m, expected", [(500, "BU00010001"), (1500, "BU00010002"), (5000, None)])
def test_area_at(offset_m, expected):
    frame = _two_buurten()
    point = gpd.GeoSeries([shapely.Point(155000 + offset_m, 463500)], crs=28992).to_crs(4326)[0]
    assert area_at(frame, point.y, point.x) == expected


def test_area_at_rejects_nan():
    assert area_at(_two_buurten(), float("nan"), 5.0) is None


def test_bounds_latlon_order():
    (south, west), (north, east) = bounds_latlon(_two_buurten())
    assert south < north and west < east and 50 < south < 54 and 3 < west < 8


def _edge_pair():
    # in frame order the higher code comes first, so "first hit of the index" and "lowest code" disagree
    return gpd.GeoDataFrame({"code": ["BU2", "BU1"], "name": ["Links", "Rechts"]},
                            geometry=[box(5.00, 52.00, 5.01, 52.01), box(5.01, 52.00, 5.02, 52.01)], crs=4326)


@pytest.mark.parametrize("lat, lon, expected", [
    (52.005, 5.005, "BU2"),   # inside the higher code
    (52.005, 5.015, "BU1"),
    (52.005, 5.01, "BU1"),    # on the shared edge: lowest code
    (52.00, 5.01, "BU1"),     # on the shared vertex
    (52.01, 5.005, "BU2"),    # on an outer edge of one buurt only
    (52.02, 5.005, None),
])
def test_area_at_breaks_ties_as_relinking_does(lat, lon, expected):
    from domain.analysis import link_stories

    frame = _edge_pair()
    assert area_at(frame, lat, lon) == expected
    stories = pd.DataFrame({"id": [1], "lat": [lat], "lon": [lon], "buurt_code": [None]})
    assert link_stories(stories, frame)["linked_code"].iloc[0] == expected
