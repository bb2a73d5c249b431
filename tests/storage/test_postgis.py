"""storage.postgis (issue 7): where PostGIS is installed, pins are linked to buurten in the database, and the
links equal the geopandas path exactly: on hand-drawn edge cases, on every vertex and edge of the demo
municipality, and through `relink_stories`. Without PostGIS (SQLite, or a plain PostgreSQL) nothing changes."""
from __future__ import annotations

import os
from datetime import UTC, datetime

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.affinity import translate
from shapely.geometry import MultiPolygon, Polygon, box
from sqlalchemy import select, text
from testsupport import SHARED_DATA, fresh_pg_database, skip_or_fail

from domain import analysis, demo
from storage import analysis as analysis_store
from storage import areas, importer, postgis
from storage.db import make_session_factory, read_scope, run_migrations, write_scope
from storage.seed import DEMO_SESSION_CODE, seed_demo
from storage.tables import SessionRow, StoryRow

NOW = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)
PG_ONLY = pytest.mark.parametrize("db_backend", [pytest.param("postgresql", id="pg", marks=pytest.mark.postgres)],
                                  indirect=True)
LINK_COLUMNS = ["id", "linked_code", "link"]
UTRECHT_GPKG = SHARED_DATA / "derived" / "utrecht_buurten_2014geom_kwb_lbm.gpkg"


@pytest.fixture
def postgis_factory(session_factory, db_backend):
    """A migrated PostgreSQL test database with PostGIS; skips without it (fails under CI=true)."""
    with read_scope(session_factory) as session:
        installed = session.scalar(text("SELECT count(*) FROM pg_extension WHERE extname = 'postgis'"))
        if not installed:
            skip_or_fail("PostGIS is not installed in the PostgreSQL test database: apt-get install "
                         "postgresql-15-postgis-3, then `scripts/test_postgres.sh start` enables it (docs/testing.md)")
        assert postgis.postgis_available(session)
    return session_factory


def store_areas(factory, frame: gpd.GeoDataFrame, code: str = "9998") -> int:
    frame = frame.assign(level="buurt", parent_code=None, is_water=False, name=frame["code"])
    with write_scope(factory) as session:
        return areas.replace_municipality(session, code=code, name="Randgevallen", source="test", year=2026,
                                          areas=frame[areas.AREA_COLUMNS], indicators=[], values=pd.DataFrame(
                                              columns=areas.VALUE_COLUMNS), now=NOW).id


def both_paths(factory, stories: pd.DataFrame, municipality_id: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(geopandas links, PostGIS links) of the same stories against the same stored areas."""
    with read_scope(factory) as session:
        buurten = areas.load_areas(session, municipality_id, "buurt")
        in_database = postgis.link_stories(session, stories, municipality_id, "buurt")
    return analysis.link_stories(stories, buurten), in_database


# ---------------------------------------------------------------- hand-drawn edge cases

def hand_drawn_areas() -> gpd.GeoDataFrame:
    shapes = {
        "BU10": box(0, 0, 1, 1),  # shares x = 1 with BU9; "BU10" < "BU9" as strings
        "BU9": box(1, 0, 2, 1),
        "C": Polygon(box(3, 0, 6, 3).exterior.coords, [box(4, 1, 5, 2).exterior.coords]),  # hole, empty
        "E": Polygon(box(7, 0, 10, 3).exterior.coords, [box(8, 1, 9, 2).exterior.coords]),  # hole ...
        "D": box(8, 1, 9, 2),  # ... filled by an island buurt
        "T2": Polygon([(11, 0), (13, 0), (13, 2)]),  # two triangles sharing the diagonal (11,0)-(13,2)
        "T1": Polygon([(11, 0), (13, 2), (11, 2)]),
        "M": MultiPolygon([box(14, 0, 15, 1), box(16, 0, 17, 1)]),
        "a": box(18, 0, 19, 1),  # "B" < "a" in code-point order; most collations put "a" first
        "B": box(19, 0, 20, 1),
    }
    return gpd.GeoDataFrame({"code": list(shapes)}, geometry=list(shapes.values()), crs=4326)


EDGE_CASES = [
    # (lon, lat, stored buurt_code, expected linked_code, expected link)
    pytest.param(0.5, 0.5, None, "BU10", "pin", id="inside"),
    pytest.param(1.0, 0.5, None, "BU10", "pin", id="shared-edge-lowest-code-as-string"),
    pytest.param(1.0, 1.0, None, "BU10", "pin", id="shared-vertex"),
    pytest.param(0.0, 0.0, None, "BU10", "pin", id="outer-vertex-of-one-buurt"),
    pytest.param(2.0, 0.5, None, "BU9", "pin", id="outer-edge-of-one-buurt"),
    pytest.param(1 - 1e-9, 0.5, None, "BU10", "pin", id="just-left-of-edge"),
    pytest.param(1 + 1e-9, 0.5, None, "BU9", "pin", id="just-right-of-edge"),
    pytest.param(4.5, 1.5, "C", None, "outside", id="in-unfilled-hole"),
    pytest.param(4.0, 1.5, None, "C", "pin", id="on-hole-ring"),
    pytest.param(4.0, 1.0, None, "C", "pin", id="on-hole-ring-vertex"),
    pytest.param(8.5, 1.5, None, "D", "pin", id="in-hole-filled-by-island"),
    pytest.param(8.0, 1.5, None, "D", "pin", id="on-island-edge-D-before-E"),
    pytest.param(12.0, 1.0, None, "T1", "pin", id="shared-diagonal-edge"),
    pytest.param(16.5, 0.5, None, "M", "pin", id="second-part-of-multipolygon"),
    pytest.param(15.5, 0.5, None, None, "outside", id="between-multipolygon-parts"),
    pytest.param(19.0, 0.5, None, "B", "pin", id="code-point-order-not-collation"),
    pytest.param(50.0, 50.0, "BU9", None, "outside", id="outside-every-buurt"),
    pytest.param(None, None, "BU9", "BU9", "list", id="no-pin-listed-buurt"),
    pytest.param(None, None, "BU_GONE", None, "unknown_buurt", id="no-pin-unknown-buurt"),
    pytest.param(None, 0.5, "C", "C", "list", id="half-a-pin-is-no-pin"),
]


@PG_ONLY
@pytest.mark.parametrize("lon, lat, stored, expected_code, expected_link", EDGE_CASES)
def test_edge_case_links_the_same_in_both_paths(postgis_factory, lon, lat, stored, expected_code, expected_link):
    municipality_id = store_areas(postgis_factory, hand_drawn_areas())
    # The case sits between two ordinary pins, so a row-order mix-up would show too.
    stories = pd.DataFrame({"id": [7, 8, 9], "lon": [0.25, lon, 1.75], "lat": [0.25, lat, 0.75],
                            "buurt_code": [None, stored, None]}).astype({"lat": "float64", "lon": "float64"})
    by_geopandas, in_database = both_paths(postgis_factory, stories, municipality_id)
    for linked in (by_geopandas, in_database):
        assert linked[LINK_COLUMNS].values.tolist() == [[7, "BU10", "pin"], [8, expected_code, expected_link],
                                                         [9, "BU9", "pin"]]


# ---------------------------------------------------------------- the demo municipality

def probe_pins(buurten: gpd.GeoDataFrame, seed: int = 7) -> pd.DataFrame:
    """Every vertex and every edge midpoint of every buurt (shared ones included), a point in each hole,
    and random points over the municipality and around it."""
    rings = shapely.get_rings(shapely.get_parts(buurten.geometry.values))
    coords = np.unique(shapely.get_coordinates(rings), axis=0)
    midpoints = []
    for ring in rings:
        xy = shapely.get_coordinates(ring)
        midpoints.append((xy[:-1] + xy[1:]) / 2)
    holes = [shapely.get_coordinates(shapely.point_on_surface(Polygon(r)))
             for p in shapely.get_parts(buurten.geometry.values) for r in p.interiors]
    minx, miny, maxx, maxy = buurten.total_bounds
    rng = np.random.default_rng(seed)
    scattered = np.column_stack([rng.uniform(minx - 0.01, maxx + 0.01, 3000),
                                 rng.uniform(miny - 0.01, maxy + 0.01, 3000)])
    xy = np.vstack([coords, *midpoints, *holes, scattered])
    return pd.DataFrame({"id": np.arange(1, len(xy) + 1), "lon": xy[:, 0], "lat": xy[:, 1], "buurt_code": None})


@pytest.fixture
def demo_db(postgis_factory):
    with write_scope(postgis_factory) as session:
        municipality = seed_demo(session, now=NOW)
    return postgis_factory, municipality.id


@PG_ONLY
def test_demo_municipality_links_equal_geopandas(demo_db):
    factory, municipality_id = demo_db
    with read_scope(factory) as session:
        buurten = areas.load_areas(session, municipality_id, "buurt")
        rows = session.execute(select(StoryRow.id, StoryRow.lon, StoryRow.lat, StoryRow.buurt_code)).all()
    seeded = pd.DataFrame(rows, columns=["id", "lon", "lat", "buurt_code"]).astype({"lat": "float64", "lon": "float64"})
    probes = probe_pins(buurten).assign(id=lambda f: f["id"] + int(seeded["id"].max()))
    stories = pd.concat([seeded, probes], ignore_index=True)
    by_geopandas, in_database = both_paths(factory, stories, municipality_id)
    pd.testing.assert_frame_equal(in_database[LINK_COLUMNS], by_geopandas[LINK_COLUMNS])

    # Not just the same winners: the same buurten inside, and the same ones touched where none is.
    with read_scope(factory) as session:
        db_matches = postgis.pin_matches(session, stories, municipality_id)
    gp_matches = analysis.pin_matches(stories, buurten)
    inside = {(r, c) for r, c, i in gp_matches.itertuples(index=False) if i}
    assert {(r, c) for r, c, i in db_matches.itertuples(index=False) if i} == inside
    rows_inside = {r for r, _ in inside}
    assert {(r, c) for r, c, i in db_matches.itertuples(index=False) if r not in rows_inside} == \
        {(r, c) for r, c, i in gp_matches.itertuples(index=False) if not i}

    # The probes really exercise the boundary: pins on shared edges, and pins outside every buurt.
    on_edges = gp_matches[~gp_matches["interior"]].groupby("row").size()
    assert (on_edges >= 2).sum() > 100 and (by_geopandas["link"] == "outside").sum() > 100
    assert (by_geopandas.loc[:len(seeded) - 1, "link"] != "outside").all()


@PG_ONLY
def test_utrecht_links_equal_geopandas(postgis_factory):
    """Real, repaired CBS geometry (multipolygons, water buurten) rather than the tidy demo."""
    if not UTRECHT_GPKG.exists():
        skip_or_fail(f"the shared Utrecht file is missing at {UTRECHT_GPKG}")
    with write_scope(postgis_factory) as session:
        importer.import_kwb(session, UTRECHT_GPKG, gemeente="Utrecht", now=NOW)
        municipality_id = areas.active_municipality(session).id
        buurten = areas.load_areas(session, municipality_id, "buurt")
    stories = probe_pins(buurten, seed=8)
    by_geopandas, in_database = both_paths(postgis_factory, stories, municipality_id)
    pd.testing.assert_frame_equal(in_database[LINK_COLUMNS], by_geopandas[LINK_COLUMNS])
    assert (by_geopandas["link"] == "pin").sum() > 1000 and (by_geopandas["link"] == "outside").sum() > 100


def import_demo_moved_east(session) -> None:
    """New boundaries: every demo buurt 300 m east, as a re-import of another year might do (as in
    test_analysis_storage)."""
    shifted = demo.build_demo_areas()
    shifted = shifted.set_geometry(shifted.to_crs(28992).geometry.apply(lambda g: translate(g, 300, 0))).to_crs(4326)
    indicators, values = demo.build_demo_values(demo.build_demo_areas())
    areas.replace_municipality(session, code=demo.GEMEENTE_CODE, name=demo.GEMEENTE_NAME, source="t", year=2025,
                               areas=shifted, indicators=indicators, values=values, now=NOW, is_demo=True)


@PG_ONLY
def test_relink_runs_in_postgis_with_the_geopandas_result(demo_db, monkeypatch):
    factory, municipality_id = demo_db
    with write_scope(factory) as session:
        # New boundaries, plus stories pinned on the new shared vertices, stored with the highest code that
        # touches them so the tie-break must move them.
        import_demo_moved_east(session)
        buurten = areas.load_areas(session, municipality_id, "buurt")
        vertices = probe_pins(buurten).iloc[:400]
        touching = analysis.pin_matches(vertices, buurten).groupby("row")["code"].max()
        session_id = session.scalar(select(SessionRow.id).where(SessionRow.code == DEMO_SESSION_CODE))
        added = [StoryRow(session_id=session_id, kind="idea", text="x", original_text="x", themes=[],
                          lat=float(vertices.at[row, "lat"]), lon=float(vertices.at[row, "lon"]), buurt_code=code,
                          language="nl", consent=True, status="approved", created_at=NOW, updated_at=NOW)
                 for row, code in touching.items()]
        session.add_all(added)
        session.flush()
        added_ids = {r.id for r in added}
        rows = session.execute(select(StoryRow.id, StoryRow.lat, StoryRow.lon, StoryRow.buurt_code)
                               .where(StoryRow.status != "withdrawn")).all()
        stories = pd.DataFrame(rows, columns=["id", "lat", "lon", "buurt_code"]).astype(
            {"lat": "float64", "lon": "float64"})
        expected = analysis.relink_plan(stories, buurten)

        calls = []
        real = postgis.pin_matches
        monkeypatch.setattr(postgis, "pin_matches", lambda *a, **k: calls.append(1) or real(*a, **k))
        plan = analysis_store.relink_stories(session, municipality_id, now=NOW, actor="t")
    assert calls, "on PostgreSQL with PostGIS, relink_stories must match pins in the database"
    assert sorted(plan.changes) == sorted(expected.changes) and sorted(plan.outside) == sorted(expected.outside)
    moved_by_tie_break = [c for c in plan.changes if c[0] in added_ids]
    assert len(moved_by_tie_break) > 20 and all(new < old for _, old, new in moved_by_tie_break)


# ---------------------------------------------------------------- without PostGIS nothing changes

def test_sqlite_has_no_postgis(sqlite_session_factory):
    with read_scope(sqlite_session_factory) as session:
        assert postgis.postgis_available(session) is False


@pytest.mark.postgres
def test_postgresql_without_postgis_relinks_with_geopandas(monkeypatch):
    base_url = os.environ.get("BUURTBEELD_TEST_PG_URL")
    if not base_url:
        skip_or_fail("PostgreSQL tests need BUURTBEELD_TEST_PG_URL (docs/testing.md)")
    monkeypatch.setattr(postgis, "pin_matches", lambda *a, **k: pytest.fail("PostGIS path used without PostGIS"))
    with fresh_pg_database(base_url, "buurtbeeld_nogis", template="template0") as url:
        run_migrations(url)
        factory = make_session_factory(url)
        try:
            with write_scope(factory) as session:
                municipality = seed_demo(session, now=NOW)
                assert session.scalar(text("SELECT count(*) FROM pg_extension WHERE extname = 'postgis'")) == 0
                assert postgis.postgis_available(session) is False
                import_demo_moved_east(session)
                plan = analysis_store.relink_stories(session, municipality.id, now=NOW, actor="t")
        finally:
            factory.kw["bind"].dispose()
    assert plan.changes
