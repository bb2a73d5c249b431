"""Municipalities, their buurten/wijken and indicator values: write once per import, read as plain data."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import geopandas as gpd
import pandas as pd
import shapely
from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import Session

from domain.models import IndicatorMeta, Municipality
from storage.tables import AreaRow, IndicatorRow, IndicatorValueRow, MunicipalityRow

AREA_COLUMNS = ["code", "level", "name", "parent_code", "is_water", "geometry"]
VALUE_COLUMNS = ["code", "key", "value", "missing_reason"]


def _to_municipality(row: MunicipalityRow) -> Municipality:
    return Municipality(id=row.id, code=row.code, name=row.name, source=row.source, year=row.year,
                        is_demo=row.is_demo, is_active=row.is_active, imported_at=row.imported_at)


def replace_municipality(session: Session, *, code: str, name: str, source: str, year: int | None,
                         areas: gpd.GeoDataFrame, indicators: Sequence[IndicatorMeta], values: pd.DataFrame,
                         now: datetime, is_demo: bool = False, activate: bool = True) -> Municipality:
    """Store a municipality's areas and values, replacing an earlier import of the same gemeente.

    `areas` has AREA_COLUMNS in EPSG:4326; `values` has VALUE_COLUMNS (long format).
    Sessions and stories of the gemeente are kept: they refer to buurt codes, not area rows.
    """
    if areas.crs is None or areas.crs.to_epsg() != 4326:
        raise ValueError("areas must be in EPSG:4326")
    row = session.scalar(select(MunicipalityRow).where(MunicipalityRow.code == code))
    if row is None:
        row = MunicipalityRow(code=code, name=name, source=source, year=year, is_demo=is_demo,
                              is_active=False, imported_at=now, version=1)
        session.add(row)
        session.flush()
    else:
        session.execute(delete(AreaRow).where(AreaRow.municipality_id == row.id))
        row.name, row.source, row.year, row.is_demo, row.imported_at = name, source, year, is_demo, now
        row.version = (row.version or 0) + 1
    wkb = shapely.to_wkb(areas.geometry.values, include_srid=False)
    session.execute(insert(AreaRow), [
        {"municipality_id": row.id, "code": r.code, "level": r.level, "name": r.name,
         "parent_code": r.parent_code if isinstance(r.parent_code, str) else None,
         "is_water": bool(r.is_water), "geometry_wkb": geom}
        for r, geom in zip(areas.itertuples(index=False), wkb)
    ])
    session.flush()
    add_indicator_values(session, row.id, indicators, values)
    if activate:
        set_active_municipality(session, row.id)
    session.flush()
    return _to_municipality(row)


def upsert_indicators(session: Session, indicators: Sequence[IndicatorMeta]) -> dict[str, int]:
    """Create or update indicator metadata; returns key → id."""
    ids: dict[str, int] = {}
    existing = {r.key: r for r in session.scalars(
        select(IndicatorRow).where(IndicatorRow.key.in_([m.key for m in indicators])))}
    changed: list[int] = []
    for meta in indicators:
        fields = {"label_nl": meta.label_nl, "label_en": meta.label_en, "unit": meta.unit,
                  "direction": meta.direction, "source": meta.source, "year": meta.year,
                  "dimension": meta.dimension, "weighting": meta.weighting, "decimals": meta.decimals}
        row = existing.get(meta.key)
        if row is None:
            row = IndicatorRow(key=meta.key, **fields)
            session.add(row)
        elif any(getattr(row, name) != value for name, value in fields.items()):
            changed.append(row.id)
            for name, value in fields.items():
                setattr(row, name, value)
    session.flush()
    if changed:
        # Metadata is shared by all gemeenten: bump the version (the cache key, components/deps.py) of every
        # gemeente with values for it, or other replicas keep showing the old label or direction (issue 7).
        users = (select(AreaRow.municipality_id).join(IndicatorValueRow, IndicatorValueRow.area_id == AreaRow.id)
                 .where(IndicatorValueRow.indicator_id.in_(changed)))
        session.execute(update(MunicipalityRow).where(MunicipalityRow.id.in_(users))
                        .values(version=MunicipalityRow.version + 1))
    for row in session.scalars(select(IndicatorRow).where(IndicatorRow.key.in_([m.key for m in indicators]))):
        ids[row.key] = row.id
    return ids


def add_indicator_values(session: Session, municipality_id: int, indicators: Sequence[IndicatorMeta],
                         values: pd.DataFrame) -> int:
    """Write values (long format) for areas of this municipality, replacing same area × indicator.

    Returns the number of values written. Codes not among the municipality's areas are ignored;
    callers report them (the importer knows why they were skipped).
    """
    if not indicators:
        return 0
    ids = upsert_indicators(session, indicators)
    area_ids = dict(session.execute(
        select(AreaRow.code, AreaRow.id).where(AreaRow.municipality_id == municipality_id)).all())
    rows = []
    for r in values.itertuples(index=False):
        area_id = area_ids.get(r.code)
        indicator_id = ids.get(r.key)
        if area_id is None or indicator_id is None:
            continue
        value = None if pd.isna(r.value) else float(r.value)
        reason = None if value is not None else (r.missing_reason if isinstance(r.missing_reason, str)
                                                 else "unknown")
        rows.append({"area_id": area_id, "indicator_id": indicator_id, "value": value, "missing_reason": reason})
    touched_indicators = sorted({row["indicator_id"] for row in rows})
    if touched_indicators:
        session.execute(delete(IndicatorValueRow).where(
            IndicatorValueRow.area_id.in_(area_ids.values()),
            IndicatorValueRow.indicator_id.in_(touched_indicators)))
        session.execute(insert(IndicatorValueRow), rows)
        session.execute(update(MunicipalityRow).where(MunicipalityRow.id == municipality_id)
                        .values(version=MunicipalityRow.version + 1))
    return len(rows)


def set_active_municipality(session: Session, municipality_id: int) -> None:
    if session.get(MunicipalityRow, municipality_id) is None:
        raise LookupError(municipality_id)
    session.execute(update(MunicipalityRow).values(
        is_active=(MunicipalityRow.id == municipality_id)))


def active_municipality(session: Session) -> Municipality | None:
    row = session.scalar(select(MunicipalityRow).where(MunicipalityRow.is_active.is_(True)))
    return _to_municipality(row) if row else None


def municipality_version(session: Session, municipality_id: int) -> int:
    """Changes on every re-import; part of the cache key of map layers."""
    return session.scalar(select(MunicipalityRow.version).where(MunicipalityRow.id == municipality_id)) or 0


def list_municipalities(session: Session) -> list[Municipality]:
    rows = session.scalars(select(MunicipalityRow).order_by(MunicipalityRow.is_demo, MunicipalityRow.name))
    return [_to_municipality(r) for r in rows]


def load_areas(session: Session, municipality_id: int, level: str = "buurt") -> gpd.GeoDataFrame:
    """Areas of one level as a GeoDataFrame in EPSG:4326, sorted by code."""
    rows = session.execute(
        select(AreaRow.code, AreaRow.level, AreaRow.name, AreaRow.parent_code, AreaRow.is_water,
               AreaRow.geometry_wkb)
        .where(AreaRow.municipality_id == municipality_id, AreaRow.level == level)
        .order_by(AreaRow.code)).all()
    frame = pd.DataFrame(rows, columns=[*AREA_COLUMNS[:-1], "geometry_wkb"])
    geometry = shapely.from_wkb(frame.pop("geometry_wkb").to_numpy()) if len(frame) else []
    return gpd.GeoDataFrame(frame, geometry=geometry, crs=4326)


def count_areas(session: Session, municipality_id: int) -> dict[str, int]:
    return dict(session.execute(
        select(AreaRow.level, func.count()).where(AreaRow.municipality_id == municipality_id)
        .group_by(AreaRow.level)).all())


def load_indicators(session: Session, municipality_id: int) -> list[IndicatorMeta]:
    """Indicators that have at least one value or missing cell in this municipality."""
    rows = session.scalars(
        select(IndicatorRow).where(IndicatorRow.id.in_(
            select(IndicatorValueRow.indicator_id).join(AreaRow, AreaRow.id == IndicatorValueRow.area_id)
            .where(AreaRow.municipality_id == municipality_id)))
        .order_by(IndicatorRow.id))
    return [IndicatorMeta(key=r.key, label_nl=r.label_nl, label_en=r.label_en, unit=r.unit,
                          direction=r.direction, source=r.source, year=r.year, dimension=r.dimension,
                          weighting=r.weighting, decimals=r.decimals) for r in rows]


def load_values(session: Session, municipality_id: int, level: str = "buurt") -> pd.DataFrame:
    """All indicator values of one level, long format with VALUE_COLUMNS."""
    rows = session.execute(
        select(AreaRow.code, IndicatorRow.key, IndicatorValueRow.value, IndicatorValueRow.missing_reason)
        .join(AreaRow, AreaRow.id == IndicatorValueRow.area_id)
        .join(IndicatorRow, IndicatorRow.id == IndicatorValueRow.indicator_id)
        .where(AreaRow.municipality_id == municipality_id, AreaRow.level == level)).all()
    return pd.DataFrame(rows, columns=VALUE_COLUMNS).astype({"value": "float64"})
