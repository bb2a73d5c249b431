"""storage.areas round-trips on SQLite and PostgreSQL: areas, values with missing reasons, re-imports."""
from __future__ import annotations

from datetime import UTC, datetime

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import box

from domain.models import IndicatorMeta
from storage import areas
from storage.db import read_scope, write_scope

NOW = datetime(2026, 11, 27, 9, 30, tzinfo=UTC)
INDICATORS = [
    IndicatorMeta(key="inwoners", label_nl="Inwoners", label_en="Inhabitants", unit="", direction=0,
                  weighting="none", decimals=0),
    IndicatorMeta(key="pct_groen", label_nl="Groen", label_en="Green", unit="%", direction=1),
]


def make_areas(size: float = 0.01, buurt_codes=("BU00010001", "BU00010002", "BU00010003")) -> gpd.GeoDataFrame:
    """Squares of `size` degrees side by side near Amsterdam, plus one wijk around them all."""
    x0, y0 = 4.90, 52.37
    rows = [{"code": code, "level": "buurt", "name": f"Buurt {i + 1}", "parent_code": "WK000101",
             "is_water": i == 2, "geometry": box(x0 + i * size, y0, x0 + (i + 1) * size, y0 + size)}
            for i, code in enumerate(buurt_codes)]
    rows.append({"code": "WK000101", "level": "wijk", "name": "Wijk 1", "parent_code": None,
                 "is_water": False, "geometry": box(x0, y0, x0 + len(buurt_codes) * size, y0 + size)})
    return gpd.GeoDataFrame(rows, columns=areas.AREA_COLUMNS, geometry="geometry", crs=4326)


VALUES = pd.DataFrame([
    ("BU00010001", "inwoners", 1200.0, None),
    ("BU00010002", "inwoners", 0.0, None),          # a real zero stays a zero
    ("BU00010003", "inwoners", None, "secret"),     # suppressed by CBS
    ("BU00010001", "pct_groen", 31.5, None),
    ("BU00010002", "pct_groen", float("nan"), None),  # missing without a reason → "unknown"
    ("BU00010003", "pct_groen", None, "unknown"),
    ("WK000101", "inwoners", 3400.0, None),
], columns=areas.VALUE_COLUMNS)


def import_municipality(session, code="GM0001", name="Testgemeente", gdf=None, values=VALUES, **kwargs):
    return areas.replace_municipality(
        session, code=code, name=name, source="hand-made test fixture", year=2024,
        areas=make_areas() if gdf is None else gdf, indicators=INDICATORS, values=values, now=NOW, **kwargs)


def test_areas_round_trip_with_codes_geometries_and_attributes(session_factory):
    original = make_areas()
    with write_scope(session_factory) as session:
        municipality = import_municipality(session, gdf=original)

    with read_scope(session_factory) as session:
        buurten = areas.load_areas(session, municipality.id, "buurt")
        wijken = areas.load_areas(session, municipality.id, "wijk")
        counts = areas.count_areas(session, municipality.id)

    assert buurten.crs.to_epsg() == 4326
    assert list(buurten.code) == ["BU00010001", "BU00010002", "BU00010003"]
    assert list(buurten.is_water) == [False, False, True]
    assert set(buurten.parent_code) == {"WK000101"}
    expected = original[original.level == "buurt"].reset_index(drop=True)
    assert all(got.equals_exact(want, tolerance=1e-12) for got, want in zip(buurten.geometry, expected.geometry))
    assert list(wijken.code) == ["WK000101"]
    assert wijken.parent_code.isna().all()
    assert wijken.geometry.iloc[0].equals_exact(original.geometry.iloc[3], tolerance=1e-12)
    assert counts == {"buurt": 3, "wijk": 1}


def test_values_keep_missing_as_missing_with_reason_never_zero(session_factory):
    with write_scope(session_factory) as session:
        municipality = import_municipality(session)

    with read_scope(session_factory) as session:
        values = areas.load_values(session, municipality.id, "buurt")
        wijk_values = areas.load_values(session, municipality.id, "wijk")
        indicators = areas.load_indicators(session, municipality.id)

    cell = values.set_index(["code", "key"])
    assert len(cell) == 6
    assert cell.loc[("BU00010001", "inwoners"), "value"] == 1200.0
    assert cell.loc[("BU00010002", "inwoners"), "value"] == 0.0
    assert pd.isna(cell.loc[("BU00010002", "inwoners"), "missing_reason"])
    for key, reason in [(("BU00010003", "inwoners"), "secret"), (("BU00010002", "pct_groen"), "unknown"),
                        (("BU00010003", "pct_groen"), "unknown")]:
        assert pd.isna(cell.loc[key, "value"]), key
        assert cell.loc[key, "missing_reason"] == reason
    assert list(wijk_values.value) == [3400.0]
    assert [m.key for m in indicators] == ["inwoners", "pct_groen"]
    assert indicators[1].unit == "%" and indicators[1].direction == 1


def test_reimport_bumps_version_and_replaces_areas(session_factory):
    with write_scope(session_factory) as session:
        first = import_municipality(session)
        version_before = areas.municipality_version(session, first.id)

    smaller = make_areas(size=0.02, buurt_codes=("BU00010001", "BU00010004"))
    new_values = pd.DataFrame([("BU00010004", "inwoners", 50.0, None)], columns=areas.VALUE_COLUMNS)
    with write_scope(session_factory) as session:
        second = import_municipality(session, name="Testgemeente (2025)", gdf=smaller, values=new_values)

    with read_scope(session_factory) as session:
        version_after = areas.municipality_version(session, second.id)
        buurten = areas.load_areas(session, second.id, "buurt")
        values = areas.load_values(session, second.id, "buurt")
        listed = areas.list_municipalities(session)

    assert second.id == first.id
    assert version_after > version_before
    assert [m.name for m in listed] == ["Testgemeente (2025)"]
    assert list(buurten.code) == ["BU00010001", "BU00010004"]
    assert buurten.geometry.iloc[0].equals_exact(smaller.geometry.iloc[0], tolerance=1e-12)
    # Values hang on area rows, so the old buurten's values went with them.
    assert list(zip(values.code, values.value)) == [("BU00010004", 50.0)]


def test_set_active_municipality_leaves_exactly_one_active(session_factory):
    with write_scope(session_factory) as session:
        one = import_municipality(session, code="GM0001", name="Een")
        two = import_municipality(session, code="GM0002", name="Twee")
    with read_scope(session_factory) as session:
        assert [m.code for m in areas.list_municipalities(session) if m.is_active] == ["GM0002"]

    with write_scope(session_factory) as session:
        areas.set_active_municipality(session, one.id)
    with read_scope(session_factory) as session:
        assert [m.code for m in areas.list_municipalities(session) if m.is_active] == ["GM0001"]
        assert areas.active_municipality(session).id == one.id
    assert two.id != one.id


def test_import_without_activate_keeps_the_active_one(session_factory):
    with write_scope(session_factory) as session:
        import_municipality(session, code="GM0001", name="Een")
        import_municipality(session, code="GM0002", name="Twee", activate=False)
    with read_scope(session_factory) as session:
        assert areas.active_municipality(session).code == "GM0001"


def test_areas_must_be_in_wgs84(session_factory):
    with write_scope(session_factory) as session, pytest.raises(ValueError, match="EPSG:4326"):
        import_municipality(session, gdf=make_areas().to_crs(28992))


def test_write_scope_rolls_back_everything_on_error(session_factory):
    with pytest.raises(RuntimeError, match="boom"):
        with write_scope(session_factory) as session:
            import_municipality(session)
            raise RuntimeError("boom")

    with read_scope(session_factory) as session:
        assert areas.list_municipalities(session) == []
        assert areas.active_municipality(session) is None
        assert areas.load_indicators(session, 1) == []


def test_imported_at_comes_back_as_aware_utc(session_factory):
    with write_scope(session_factory) as session:
        import_municipality(session)
    with read_scope(session_factory) as session:
        imported_at = areas.list_municipalities(session)[0].imported_at
    assert imported_at.utcoffset() is not None
    assert imported_at == NOW
