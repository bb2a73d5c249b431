"""Geometry work that stays pure: repair, display simplification that keeps shared edges,
compact GeoJSON for the browser, and point-in-buurt lookups.
"""
from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon

RD_NEW = 28992
WGS84 = 4326


def repair_polygonal(geom):
    """Make a geometry valid and polygonal; None when nothing polygonal is left.

    `make_valid` raises on some real CBS 2014 shapes ("mixed-dimension"), so `buffer(0)` is the
    fallback; lines and points that repair leaves behind are dropped.
    """
    if geom is None or geom.is_empty:
        return None
    if not geom.is_valid:
        try:
            geom = shapely.make_valid(geom)
        except Exception:  # GEOS raises a plain GEOSException subclass here, not worth narrowing
            geom = geom.buffer(0)
    polygons = [g for g in getattr(geom, "geoms", [geom]) if isinstance(g, (Polygon, MultiPolygon))]
    parts = [p for g in polygons for p in getattr(g, "geoms", [g]) if not p.is_empty]
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else MultiPolygon(parts)


def simplify_for_display(areas: gpd.GeoDataFrame, tolerance_m: float) -> gpd.GeoSeries:
    """Simplify a coverage in RD New, keeping shared edges shared; returns EPSG:4326 geometry.

    A few outputs of coverage simplification come out invalid on real data (TECH_NOTES §9);
    those are repaired, and any that collapse keep their original shape.
    """
    if areas.crs is None:
        raise ValueError("areas has no CRS; reproject when importing, not here")
    projected = areas.geometry.to_crs(RD_NEW)
    if tolerance_m > 0 and len(projected):
        simplified = shapely.coverage_simplify(projected.values, tolerance_m)
        fixed = [repair_polygonal(g) if not g.is_valid else g for g in simplified]
        simplified = [orig if (g is None or g.is_empty) else g for g, orig in zip(fixed, projected.values)]
        projected = gpd.GeoSeries(simplified, crs=RD_NEW, index=areas.index)
    return projected.to_crs(WGS84)


def to_feature_collection(areas: gpd.GeoDataFrame, properties: list[str], *, tolerance_m: float = 0.0,
                          precision: int = 5) -> str:
    """A compact GeoJSON FeatureCollection string: only the listed properties, rounded coordinates,
    and `id` = the area code so map styles can be looked up per feature."""
    geometry = simplify_for_display(areas, tolerance_m)
    rounded = shapely.set_precision(geometry.values, 10 ** -precision, mode="pointwise")
    features = []
    for (_, row), geom in zip(areas.iterrows(), rounded):
        if geom is None or geom.is_empty:
            continue
        features.append({
            "type": "Feature",
            "id": row["code"],
            "properties": {name: _plain(row[name]) for name in properties},
            "geometry": json.loads(shapely.to_geojson(geom)),
        })
    return json.dumps({"type": "FeatureCollection", "features": features}, separators=(",", ":"),
                      ensure_ascii=False)


def _plain(value):
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating,)):
        return float(value)
    if isinstance(value, (np.bool_,)):
        return bool(value)
    return value


def bounds_latlon(areas: gpd.GeoDataFrame) -> list[list[float]]:
    """[[south, west], [north, east]] as Leaflet's fitBounds wants it."""
    minx, miny, maxx, maxy = areas.total_bounds
    return [[float(miny), float(minx)], [float(maxy), float(maxx)]]


def area_at(areas: gpd.GeoDataFrame, lat: float, lon: float) -> str | None:
    """Code of the area that contains the point (EPSG:4326), or None outside all of them."""
    if not (np.isfinite(lat) and np.isfinite(lon)):
        return None
    point = shapely.Point(lon, lat)
    hits = areas.sindex.query(point, predicate="intersects")
    if len(hits) == 0:
        return None
    return str(areas.iloc[int(hits[0])]["code"])
