"""Geometry work that stays pure: repair, display simplification that keeps shared edges,
compact GeoJSON for the browser, and point-in-buurt lookups.
"""
from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import shapely
from shapely.errors import GEOSException
from shapely.geometry import MultiPolygon, Polygon

RD_NEW = 28992
WGS84 = 4326


def polygonal_part(geom):
    """Only the areal part of a geometry: collections become MultiPolygons, lines and points vanish.

    Examples:
        >>> from shapely.geometry import GeometryCollection, LineString, box
        >>> polygonal_part(GeometryCollection([box(0, 0, 1, 1), LineString([(0, 0), (2, 2)])])).geom_type
        'MultiPolygon'
        >>> polygonal_part(LineString([(0, 0), (1, 1)])).is_empty
        True
    """
    if geom is None or geom.is_empty:
        return Polygon()
    if isinstance(geom, (Polygon, MultiPolygon)):
        return geom
    polygons: list[Polygon] = []
    for part in shapely.get_parts(geom):
        if isinstance(part, Polygon) and not part.is_empty:
            polygons.append(part)
        elif isinstance(part, MultiPolygon):
            polygons.extend(part.geoms)
        elif part.geom_type == "GeometryCollection":
            inner = polygonal_part(part)
            polygons.extend(getattr(inner, "geoms", [inner]) if not inner.is_empty else [])
    return MultiPolygon(polygons) if polygons else Polygon()


def repair_geometry(geom):
    """Valid, polygonal version of one geometry.

    `make_valid` raises "Overlay input is mixed-dimension" on some real CBS 2014 TopoJSON shapes
    (BU03030550, Dronten); `buffer(0)` still gives a usable polygon there.
    """
    if geom is None or geom.is_empty:
        return Polygon()
    if not geom.is_valid:
        try:
            geom = shapely.make_valid(geom)
        except GEOSException:
            geom = geom.buffer(0)
    return polygonal_part(geom)


def repair_geometries(geoms: gpd.GeoSeries) -> tuple[gpd.GeoSeries, int]:
    """Repair a layer; returns the new geometries and how many that still have an area were changed."""
    values = geoms.values
    needs_work = ~(shapely.is_valid(values) & np.isin(shapely.get_type_id(values), [3, 6]))
    needs_work &= ~(shapely.is_missing(values) | shapely.is_empty(values))
    repaired = values.copy()
    for i in np.flatnonzero(needs_work):
        repaired[i] = repair_geometry(values[i])
    changed = int((needs_work & ~shapely.is_empty(repaired)).sum())
    return gpd.GeoSeries(repaired, index=geoms.index, crs=geoms.crs), changed


def simplify_for_display(areas: gpd.GeoDataFrame, tolerance_m: float) -> gpd.GeoSeries:
    """Simplify a coverage in RD New, keeping shared edges shared; returns EPSG:4326 geometry.

    A few outputs of coverage simplification come out invalid on real data (about 0.05 % of the national buurten);
    those are repaired, and any that collapse keep their original shape.
    """
    if areas.crs is None:
        raise ValueError("areas has no CRS; reproject when importing, not here")
    projected = areas.geometry.to_crs(RD_NEW)
    if tolerance_m > 0 and len(projected):
        simplified = shapely.coverage_simplify(projected.values, tolerance_m)
        fixed = [repair_geometry(g) if not g.is_valid else g for g in simplified]
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
    """Code of the area that contains the point (EPSG:4326), or None outside all of them.

    A point on a shared edge or vertex gets the same buurt as relinking gives it (domain/analysis.py
    `link_with_matches`): an area it lies inside beats one it only touches, then the lowest code.
    """
    if not (np.isfinite(lat) and np.isfinite(lon)):
        return None
    point = shapely.Point(lon, lat)
    hits = areas.sindex.query(point, predicate="intersects")
    if len(hits) == 0:
        return None
    candidates = areas.iloc[np.asarray(hits)]
    codes = [str(code) for code in candidates["code"]]
    inside = [code for code, geometry in zip(codes, candidates.geometry) if geometry.contains(point)]
    return min(inside or codes)
