"""Optional PostGIS path (issue 7): where the extension is installed, pins are matched to buurten in the
database, on the same WKB the geopandas path reads; `domain.analysis` applies the same tie-breaking rule."""
from __future__ import annotations

from collections.abc import Iterable

import pandas as pd
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from domain.analysis import MATCH_COLUMNS, has_pin, link_with_matches
from storage.tables import AreaRow

# Only an installed extension counts: creating it needs a superuser and changes what pg_dump writes
# (docs/deploy.md §7), so it is the administrator's choice, never a side effect of a page or an import.
_POSTGIS_ON_SEARCH_PATH = text("""
    SELECT EXISTS (
        SELECT 1 FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
        WHERE e.extname = 'postgis' AND n.nspname = ANY (current_schemas(false)))
""")

# Both geometries are parsed once (MATERIALIZED). Without a spatial index (the geometry is plain WKB, as on
# SQLite) the join visits every pin × buurt pair; the comparison of plain bounding-box numbers first halves
# the time against calling ST_Intersects on every pair (20,000 pins × 108 Utrecht buurten: 0.5 s vs 0.8 s).
# ST_Intersects is the boundary-inclusive test of geopandas' "intersects", ST_Contains the interior-only
# one of its "within".
_PIN_MATCHES = text("""
    WITH pins AS MATERIALIZED (
        SELECT p.ord, p.lon, p.lat, ST_SetSRID(ST_MakePoint(p.lon, p.lat), 4326) AS geom
        FROM unnest(CAST(:lons AS double precision[]), CAST(:lats AS double precision[]))
             WITH ORDINALITY AS p(lon, lat, ord)
    ), buurten AS MATERIALIZED (
        SELECT code, geom, ST_XMin(geom) AS xmin, ST_XMax(geom) AS xmax, ST_YMin(geom) AS ymin,
               ST_YMax(geom) AS ymax
        FROM (SELECT code, ST_GeomFromWKB(geometry_wkb, 4326) AS geom FROM areas
              WHERE municipality_id = :municipality_id AND level = :level) AS parsed
    )
    SELECT pins.ord, buurten.code, ST_Contains(buurten.geom, pins.geom) AS interior
    FROM pins JOIN buurten
      ON pins.lon BETWEEN buurten.xmin AND buurten.xmax AND pins.lat BETWEEN buurten.ymin AND buurten.ymax
     AND ST_Intersects(buurten.geom, pins.geom)
""")


def postgis_available(session: Session) -> bool:
    """True on PostgreSQL with the postgis extension installed in a schema on the search path."""
    if session.get_bind().dialect.name != "postgresql":
        return False
    return bool(session.scalar(_POSTGIS_ON_SEARCH_PATH))


def pin_matches(session: Session, stories: pd.DataFrame, municipality_id: int, level: str = "buurt") -> pd.DataFrame:
    """`domain.analysis.pin_matches` computed by PostGIS against the stored areas of one municipality.

    Returns every buurt a pin touches (MATCH_COLUMNS); `link_with_matches` ignores edge rows of a pin
    that also lies inside a buurt, so the extra rows change nothing.
    """
    pins = stories.loc[has_pin(stories)]
    if pins.empty:
        return pd.DataFrame({"row": [], "code": [], "interior": []}).astype({"interior": bool})
    rows = session.execute(_PIN_MATCHES, {
        "lons": [float(v) for v in pins["lon"]], "lats": [float(v) for v in pins["lat"]],
        "municipality_id": municipality_id, "level": level}).all()
    labels = pins.index
    return pd.DataFrame({"row": [labels[ord_ - 1] for ord_, _, _ in rows], "code": [c for _, c, _ in rows],
                         "interior": [bool(i) for _, _, i in rows]}, columns=MATCH_COLUMNS)


def area_codes(session: Session, municipality_id: int, level: str = "buurt") -> list[str]:
    return list(session.scalars(select(AreaRow.code).where(AreaRow.municipality_id == municipality_id,
                                                           AreaRow.level == level)))


def link_stories(session: Session, stories: pd.DataFrame, municipality_id: int, level: str = "buurt",
                 codes: Iterable[str] | None = None) -> pd.DataFrame:
    """`domain.analysis.link_stories(stories, load_areas(...))`, with the point-in-polygon work in PostGIS."""
    if codes is None:
        codes = area_codes(session, municipality_id, level)
    return link_with_matches(stories, codes, pin_matches(session, stories, municipality_id, level))
