"""Import a municipality from a CBS wijk- en buurtkaart file, and indicator CSVs into it.

Reads GeoPackage, GeoJSON, TopoJSON and zipped shapefiles with pyogrio and writes through
storage.areas in the caller's transaction, so a rejected or failed import changes nothing.
"""
from __future__ import annotations

import re
import warnings
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path, PurePosixPath

import geopandas as gpd
import pandas as pd
import pyogrio
import pyogrio.errors
import shapely
from sqlalchemy import select
from sqlalchemy.orm import Session

from domain import cbs
from domain.errors import ImportRejected
from domain.indicators import meta_for_column
from domain.models import ImportSummary
from storage import areas as area_store
from storage.analysis import relink_stories
from storage.tables import AreaRow, AuditEventRow, MunicipalityRow

Progress = Callable[[float, str], None]

_READ_ERRORS = (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, pyogrio.errors.FieldError,
                pyogrio.errors.GeometryError, pyogrio.errors.FeatureError, OSError)
_TOPOLOGY = re.compile(rb'"type"\s*:\s*"Topology"')
SKIPPED_PER_KIND = 25  # a national file can hold thousands of bad rows; list a few, count the rest


@dataclass(frozen=True)
class LayerInfo:
    name: str
    geometry_type: str
    rows: int


@dataclass(frozen=True)
class GeoFileInfo:
    """What a facilitator needs to choose before importing: layer, gemeente, and column roles."""

    path: str
    format: str
    layers: list[LayerInfo]
    layer: str
    columns: list[str]
    mapping: cbs.ColumnMapping
    gemeenten: list[cbs.GemeenteInfo]
    year: int | None


@dataclass(frozen=True)
class CsvInfo:
    path: str
    format: cbs.CsvFormat
    columns: list[str]
    preview: pd.DataFrame
    mapping: cbs.CsvMapping
    rows: int


@dataclass(frozen=True)
class _Layer:
    gdal_path: str
    layer: str | None
    info: LayerInfo


@dataclass
class _Skips:
    """Skipped rows, listed up to a limit per reason so a national file gives a readable summary."""

    items: list[tuple[str, str]] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    def add(self, what: str, why: str) -> None:
        self.counts[why] = self.counts.get(why, 0) + 1
        if self.counts[why] <= SKIPPED_PER_KIND:
            self.items.append((what, why))

    def result(self) -> list[tuple[str, str]]:
        extra = [(f"nog {n - SKIPPED_PER_KIND} rijen", why) for why, n in self.counts.items()
                 if n > SKIPPED_PER_KIND]
        return self.items + extra


def _report(progress: Progress | None, fraction: float, message_nl: str) -> None:
    if progress is not None:
        progress(min(max(fraction, 0.0), 1.0), message_nl)


def _unreadable(path: Path, err: Exception | None = None) -> ImportRejected:
    detail = f" ({str(err).split(';')[0][:160]})" if err else ""
    return ImportRejected(
        nl=f"'{path.name}' kan niet worden gelezen als kaartbestand{detail}. Gebruik een GeoPackage (.gpkg), "
           "GeoJSON, TopoJSON of een gezipte shapefile (.zip).",
        en=f"'{path.name}' cannot be read as a map file{detail}. Use a GeoPackage (.gpkg), GeoJSON, "
           "TopoJSON or a zipped shapefile (.zip).")


def _is_topojson(path: Path) -> bool:
    """TopoJSON writers put the top-level `type` first or last, so the head and tail are enough to sniff."""
    if path.suffix.lower() == ".topojson":
        return True
    with path.open("rb") as handle:
        head = handle.read(65536)
        handle.seek(max(path.stat().st_size - 65536, 0))
        tail = handle.read()
    return bool(_TOPOLOGY.search(head) or _TOPOLOGY.search(tail))


def _quiet_pyogrio(call, *args, **kwargs):
    # Read-only GeoPackages (the shared data folder, files inside a zip) make GDAL warn about WAL and retry.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return call(*args, **kwargs)


def _datasets(path: Path) -> tuple[str, list[tuple[str, str | None]]]:
    """(format name, [(GDAL path, label prefix)]) for a file; zips may hold several datasets."""
    if not path.exists():
        raise ImportRejected(nl=f"Bestand '{path}' bestaat niet.", en=f"File '{path}' does not exist.")
    suffix = path.suffix.lower()
    if suffix == ".zip":
        if not zipfile.is_zipfile(path):
            raise ImportRejected(nl=f"'{path.name}' is geen geldig zip-bestand.",
                                 en=f"'{path.name}' is not a valid zip file.")
        with zipfile.ZipFile(path) as archive:
            names = [n for n in archive.namelist()
                     if not n.startswith("__MACOSX/") and not PurePosixPath(n).name.startswith(".")]
        inner = [n for n in names if n.lower().endswith(".shp")]
        inner += [n for n in names if n.lower().endswith((".gpkg", ".geojson"))]
        if not inner:
            listed = ", ".join(names[:8]) or "(leeg)"
            raise ImportRejected(
                nl=f"Er staat geen shapefile (.shp) of GeoPackage in '{path.name}'. Inhoud: {listed}.",
                en=f"There is no shapefile (.shp) or GeoPackage in '{path.name}'. Contents: {listed}.")
        vsi = f"/vsizip/{path.resolve()}"
        return "Shapefile (zip)", [(f"{vsi}/{n}", n) for n in inner]
    if suffix in (".json", ".geojson", ".topojson") and _is_topojson(path):
        return "TopoJSON", [(f"TopoJSON:{path.resolve()}", None)]
    fmt = {".gpkg": "GeoPackage", ".json": "GeoJSON", ".geojson": "GeoJSON"}.get(suffix)
    if fmt is None:
        raise ImportRejected(
            nl=f"'{path.name}': dit bestandstype wordt niet ondersteund. Gebruik .gpkg, .geojson, .json, "
               ".topojson of een .zip met een shapefile.",
            en=f"'{path.name}': this file type is not supported. Use .gpkg, .geojson, .json, .topojson "
               "or a .zip holding a shapefile.")
    return fmt, [(str(path.resolve()), None)]


def _layers(path: Path) -> tuple[str, list[_Layer]]:
    fmt, datasets = _datasets(path)
    layers: list[_Layer] = []
    try:
        for gdal_path, inner in datasets:
            listed = _quiet_pyogrio(pyogrio.list_layers, gdal_path)
            for name, geometry_type in listed:
                rows = _quiet_pyogrio(pyogrio.read_info, gdal_path, layer=name)["features"]
                label = PurePosixPath(inner).stem if inner and inner.lower().endswith(".shp") else str(name)
                if inner and not inner.lower().endswith(".shp") and len(datasets) > 1:
                    label = f"{PurePosixPath(inner).stem}:{name}"
                layers.append(_Layer(gdal_path, str(name), LayerInfo(label, str(geometry_type or ""),
                                                                    int(rows))))
    except _READ_ERRORS as err:
        raise _unreadable(path, err) from err
    if not layers:
        raise _unreadable(path)
    return fmt, layers


def _pick_layer(layers: list[_Layer], wanted: str | None, path: Path) -> _Layer:
    if wanted is not None:
        hit = next((layer for layer in layers if layer.info.name == wanted), None)
        if hit is None:
            names = ", ".join(layer.info.name for layer in layers)
            raise ImportRejected(nl=f"Laag '{wanted}' staat niet in '{path.name}'. Lagen: {names}.",
                                 en=f"Layer '{wanted}' is not in '{path.name}'. Layers: {names}.")
        return hit
    areal = [layer for layer in layers if "polygon" in layer.info.geometry_type.lower()
             or layer.info.geometry_type.lower() in ("unknown", "")]
    candidates = areal or layers
    return next((layer for layer in candidates if "buurt" in layer.info.name.lower()), candidates[0])


def list_layers(path: str | Path) -> list[LayerInfo]:
    """Layers in a map file (a zip lists one layer per shapefile), with geometry type and row count."""
    return [layer.info for layer in _layers(Path(path))[1]]


def _read(layer: _Layer, path: Path, *, geometry: bool = True) -> pd.DataFrame:
    try:
        frame = _quiet_pyogrio(pyogrio.read_dataframe, layer.gdal_path, layer=layer.layer,
                               read_geometry=geometry)
    except _READ_ERRORS as err:
        raise _unreadable(path, err) from err
    if geometry and not isinstance(frame, gpd.GeoDataFrame):
        raise ImportRejected(
            nl=f"Laag '{layer.info.name}' in '{path.name}' heeft geen geometrie (alleen een tabel). Gebruik "
               "een CSV-bestand voor losse cijfers.",
            en=f"Layer '{layer.info.name}' in '{path.name}' has no geometry (only a table). Use a CSV file "
               "for plain figures.")
    return frame


def _mapping_for(frame: pd.DataFrame, mapping: cbs.ColumnMapping | None) -> cbs.ColumnMapping:
    if mapping is not None:
        cbs.validate_mapping(mapping, frame.columns)
        return mapping
    found = cbs.recognise_columns(frame.columns, frame)
    if found.code is None:
        raise cbs.describe_missing_code_column(list(frame.columns), frame)
    return found


def _year_of(frame: pd.DataFrame, mapping: cbs.ColumnMapping, path: Path) -> int | None:
    if mapping.year_code:
        years = frame[mapping.year_code].dropna().astype(str).map(cbs.year_from_text).dropna()
        if not years.empty:
            return int(years.mode().iloc[0])
    return cbs.year_from_text(path.name)


def inspect_geofile(path: str | Path, *, layer: str | None = None, mapping: cbs.ColumnMapping | None = None
                    ) -> GeoFileInfo:
    """Layers, recognised (or given) column roles and gemeenten of a map file, read without geometry."""
    path = Path(path)
    fmt, layers = _layers(path)
    chosen = _pick_layer(layers, layer, path)
    frame = _read(chosen, path, geometry=False)
    if mapping is not None:
        cbs.validate_mapping(mapping, frame.columns)
    else:
        mapping = cbs.recognise_columns(frame.columns, frame)
    gemeenten = cbs.list_gemeenten(frame, mapping) if mapping.code else []
    return GeoFileInfo(path=str(path), format=fmt, layers=[item.info for item in layers], layer=chosen.info.name,
                       columns=[c for c in frame.columns if c != "geometry"], mapping=mapping,
                       gemeenten=gemeenten, year=_year_of(frame, mapping, path) if mapping.code else None)


def _wijk_layer(layers: list[_Layer], buurt_layer: _Layer, path: Path, wijk_codes: set[str]
                ) -> gpd.GeoDataFrame | None:
    """Wijk polygons from a sibling layer (PDOK files ship gemeenten, wijken and buurten together)."""
    sibling = next((item for item in layers if item is not buurt_layer and "wijk" in item.info.name.lower()
                    and "buurt" not in item.info.name.lower()), None)
    if sibling is None:
        return None
    frame = _read(sibling, path)
    by_lower = {c.lower(): c for c in frame.columns}
    code = next((by_lower[a] for a in ("wk_code", "wijkcode", "statcode") if a in by_lower), None)
    name = next((by_lower[a] for a in ("wk_naam", "wijknaam", "statnaam") if a in by_lower), None)
    if code is None:
        return None
    codes = frame[code].map(cbs.normalise_code)
    frame = frame[codes.isin(wijk_codes)]
    if frame.empty:
        return None
    frame, _ = cbs.ensure_crs(frame)
    geometry, _ = cbs.repair_geometries(frame.geometry)
    wijken = gpd.GeoDataFrame({"code": frame[code].map(cbs.normalise_code).to_numpy(),
                               "name": frame[name].to_numpy() if name else None},
                              geometry=geometry.to_numpy(), crs=frame.crs).to_crs(cbs.WGS84)
    return wijken[~wijken.geometry.is_empty]


def import_kwb(session: Session, path: str | Path, *, gemeente: str, now: datetime,
               mapping: cbs.ColumnMapping | None = None, layer: str | None = None, hide_water: bool = False,
               progress: Progress | None = None, name: str | None = None, actor: str = "import"
               ) -> ImportSummary:
    """Import one gemeente's buurten (and wijken) with their indicator values from a wijk- en buurtkaart.

    `gemeente` is a code (GM0344, 0344) or a name; `name` names the gemeente when the file has no names.
    Replaces an earlier import of the same gemeente and makes it the active one.
    """
    path = Path(path)
    skips = _Skips()
    notes: list[str] = []
    _report(progress, 0.02, f"Bestand {path.name} openen")
    fmt, layers = _layers(path)
    chosen = _pick_layer(layers, layer, path)
    _report(progress, 0.1, f"Laag {chosen.info.name} lezen ({chosen.info.rows} rijen)")
    frame = _read(chosen, path)
    mapping = _mapping_for(frame, mapping)
    gemeenten = cbs.list_gemeenten(frame, mapping)
    target = cbs.match_gemeente(gemeente, gemeenten)
    gemeente_name = target.name or (name.strip() if name and name.strip() else target.code)
    if target.name is None:
        notes.append("Het bestand bevat geen gemeentenaam; "
                     + ("de opgegeven naam is gebruikt." if name and name.strip() else "de code is als naam gebruikt."))

    _report(progress, 0.3, f"Buurten van {gemeente_name} selecteren")
    codes = cbs.row_codes(frame, mapping)
    unattributed = int(codes["gemeente"].isna().sum())
    if unattributed and not mapping.gemeente_code:
        notes.append(f"{unattributed} rijen zonder geldige buurtcode overgeslagen; hun gemeente is onbekend.")
    rows = frame[codes["gemeente"] == target.code].copy()
    rows_codes = codes.loc[rows.index]
    for index in rows.index[rows_codes["buurt"].isna()]:
        raw = frame.at[index, mapping.code]
        skips.add(f"rij {index + 1}: {raw!r}", "ongeldige buurtcode (verwacht BU gevolgd door 8 cijfers)")
    rows = rows[rows_codes["buurt"].notna()]
    rows["code"] = rows_codes["buurt"]
    rows["wijk_code"] = rows_codes["wijk"]
    duplicated = rows["code"].duplicated()
    for code in rows.loc[duplicated, "code"]:
        skips.add(code, "dubbele buurtcode; de eerste rij is gebruikt")
    rows = rows[~duplicated]

    water_values = (rows[mapping.water].astype(str).str.strip().str.upper() if mapping.water
                    else pd.Series("", index=rows.index))
    rows["is_water"] = water_values == cbs.WATER_YES
    water_count = int(rows["is_water"].sum())
    if hide_water:
        for code in rows.loc[rows["is_water"], "code"]:
            skips.add(code, "waterbuurt; op verzoek niet geïmporteerd")
        rows = rows[~rows["is_water"]]
    rows["name"] = [cbs.clean_name(v, c) for v, c in zip(
        rows[mapping.name] if mapping.name else [None] * len(rows), rows["code"])]
    rows["wijk_name"] = rows[mapping.wijk_name] if mapping.wijk_name else None
    unnamed = int((rows["name"] == rows["code"]).sum())
    if unnamed:
        notes.append(f"{unnamed} buurten zonder naam; de buurtcode is als naam gebruikt.")

    _report(progress, 0.45, f"{len(rows)} geometrieën controleren en repareren")
    rows, crs_note = cbs.ensure_crs(rows)
    if crs_note:
        notes.append(crs_note)
    absent = pd.Series(shapely.is_missing(rows.geometry.values) | shapely.is_empty(rows.geometry.values),
                       index=rows.index)
    geometry, repaired = cbs.repair_geometries(rows.geometry)
    rows = rows.set_geometry(geometry).to_crs(cbs.WGS84)
    rows = rows.set_geometry(cbs.repair_geometries(rows.geometry)[0])  # reprojection can nick a ring
    empty = rows.geometry.is_empty
    for code, was_absent in zip(rows.loc[empty, "code"], absent[empty]):
        skips.add(code, "geen geometrie in het bestand" if was_absent
                  else "vlak zonder oppervlakte (tot een lijn platgedrukt, bijvoorbeeld door afronding)")
    rows = rows[~empty]
    if rows.empty:
        raise ImportRejected(
            nl=f"Geen enkele buurt van {target.label} heeft een bruikbare geometrie in '{path.name}'.",
            en=f"No buurt of {target.label} has a usable geometry in '{path.name}'.")

    _report(progress, 0.6, "Wijken samenstellen")
    wijken = _wijk_layer(layers, chosen, path, set(rows["wijk_code"]))
    if wijken is None:
        notes.append("Wijkgrenzen zijn samengesteld uit de buurten.")
    area_table = cbs.build_area_table(rows, gemeente_code=target.code, gemeente_name=gemeente_name, wijken=wijken)
    wijk_rows = area_table[area_table["level"] == "wijk"]
    if unnamed_wijken := int((wijk_rows["name"] == wijk_rows["code"]).sum()):
        notes.append(f"{unnamed_wijken} wijken zonder naam in het bestand; de wijkcode is als naam gebruikt.")

    _report(progress, 0.7, "Indicatoren verwerken")
    year = _year_of(frame, mapping, path)
    source = f"CBS wijk- en buurtkaart ({path.name})"
    chosen_columns, skipped_columns = cbs.indicator_columns(rows, exclude=mapping.columns() | {"code", "wijk_code",
                                                                                              "name", "wijk_name"})
    for what, why in skipped_columns:
        skips.add(what, why)
    specs = [(column, *meta_for_column(column, source=source, year=year)) for column in chosen_columns]
    result = cbs.long_values(rows, "code", specs)
    for what, why in result.skipped:
        skips.add(what, why)

    _report(progress, 0.85, f"{gemeente_name} opslaan")
    municipality = area_store.replace_municipality(
        session, code=target.code, name=gemeente_name, source=source, year=year, areas=area_table,
        indicators=result.indicators, values=result.values, now=now)
    relinked = relink_stories(session, municipality.id, now=now, actor=actor)  # new boundaries, same stories
    if relinked.changes or relinked.outside:
        notes.append(f"{len(relinked.changes)} verhalen opnieuw aan hun buurt gekoppeld; {len(relinked.outside)} "
                     "verhalen liggen nu in geen enkele buurt (ze blijven bewaard en staan op de analysepagina).")
    summary = ImportSummary(
        municipality_code=target.code, municipality_name=gemeente_name, buurten=len(rows),
        wijken=int((area_table["level"] == "wijk").sum()), indicators=[m.key for m in result.indicators],
        values=int(result.values["value"].notna().sum()), missing_values=sum(result.missing.values()),
        repaired_geometries=repaired, water_buurten=water_count, skipped=skips.result(), notes=notes)
    _note_missing(summary, result.missing)
    _audit(session, municipality.id, "import_kwb", actor, now, summary, path)
    _report(progress, 1.0, f"{gemeente_name} geïmporteerd")
    return summary


def _note_missing(summary: ImportSummary, missing: dict[str, int]) -> None:
    if missing:
        summary.notes.append(f"Ontbrekende waarden: {missing.get('secret', 0)} geheim, "
                             f"{missing.get('unknown', 0)} onbekend (nooit als 0 opgeslagen).")


def _audit(session: Session, municipality_id: int, action: str, actor: str, now: datetime,
           summary: ImportSummary, path: Path) -> None:
    session.add(AuditEventRow(
        entity="municipality", entity_id=municipality_id, session_id=None, action=action, actor=actor,
        reason=None, created_at=now,
        detail={"file": path.name, "buurten": summary.buurten, "wijken": summary.wijken,
                "indicators": summary.indicators, "values": summary.values,
                "missing_values": summary.missing_values, "skipped": len(summary.skipped)}))
    session.flush()


def _read_csv_file(path: Path) -> tuple[pd.DataFrame, cbs.CsvFormat]:
    if not path.exists():
        raise ImportRejected(nl=f"Bestand '{path}' bestaat niet.", en=f"File '{path}' does not exist.")
    raw = path.read_bytes()
    if b"\x00" in raw[:4096]:
        raise ImportRejected(nl=f"'{path.name}' is geen tekstbestand en dus geen CSV.",
                             en=f"'{path.name}' is not a text file, so not a CSV.")
    return cbs.read_csv(raw)


def inspect_csv(path: str | Path, *, key_column: str | None = None, year: int | None = None,
                preview_rows: int = 10) -> CsvInfo:
    """Format, detected key column, year and indicator columns of an indicator CSV, plus a preview."""
    path = Path(path)
    frame, fmt = _read_csv_file(path)
    mapping = cbs.detect_csv_mapping(frame, key_column=key_column, year=year)
    return CsvInfo(path=str(path), format=fmt, columns=list(frame.columns), preview=frame.head(preview_rows),
                   mapping=mapping, rows=len(frame))


def import_indicator_csv(session: Session, path: str | Path, *, municipality_id: int, now: datetime,
                         mapping: cbs.CsvMapping | None = None, year: int | None = None,
                         progress: Progress | None = None, actor: str = "import") -> ImportSummary:
    """Add indicator values from a CSV keyed on buurt- or wijkcode to an imported municipality."""
    path = Path(path)
    _report(progress, 0.05, f"{path.name} lezen")
    frame, fmt = _read_csv_file(path)
    municipality = session.get(MunicipalityRow, municipality_id)
    if municipality is None:
        raise ImportRejected(nl="Er is geen gemeente geladen om deze cijfers aan toe te voegen. Importeer eerst "
                                "een wijk- en buurtkaart.",
                             en="No municipality is loaded to add these figures to. Import a wijk- en "
                                "buurtkaart first.")
    if mapping is None:
        mapping = cbs.detect_csv_mapping(frame, year=year)
    else:
        _validate_csv_mapping(mapping, frame)
    label = f"{municipality.name} ({municipality.code})"
    skips = _Skips()
    notes = [f"CSV gelezen met scheidingsteken {fmt.delimiter!r} en decimaalteken {fmt.decimal!r}."]
    if mapping.year_column and mapping.year is not None:
        notes.append(f"Jaar {mapping.year} gebruikt (beschikbaar: {', '.join(map(str, mapping.years))}).")

    _report(progress, 0.3, f"Codes vergelijken met {municipality.name}")
    rows = cbs.rows_for_year(frame, mapping.year_column, mapping.year).copy()
    rows["code"] = rows[mapping.key_column].map(cbs.normalise_code)
    pattern = cbs.BUURT_CODE_RE if mapping.level == "buurt" else cbs.WIJK_CODE_RE
    valid = rows["code"].map(lambda c: bool(c and pattern.match(c)))
    kind = "buurtcode" if mapping.level == "buurt" else "wijkcode"
    for index in rows.index[~valid]:
        skips.add(f"rij {index + 2}: {rows.at[index, mapping.key_column]!r}", f"ongeldige {kind}")
    rows = rows[valid]
    rows["gemeente"] = rows["code"].map(cbs.gemeente_code_of)
    elsewhere = rows[rows["gemeente"] != municipality.code]
    for other, count in elsewhere["gemeente"].value_counts().sort_index().items():
        skips.add(f"{count} rijen van {other}", f"hoort niet bij de actieve gemeente {label}")
    rows = rows[rows["gemeente"] == municipality.code]
    known = set(session.scalars(select(AreaRow.code).where(AreaRow.municipality_id == municipality_id,
                                                           AreaRow.level == mapping.level)))
    if rows.empty:
        counts = elsewhere["gemeente"].value_counts().head(5).items()
        present_nl = ", ".join(f"{g} ({n} rijen)" for g, n in counts) or "geen geldige codes"
        present_en = present_nl.replace(" rijen)", " rows)").replace("geen geldige codes", "no valid codes")
        raise ImportRejected(
            nl=f"Geen enkele {kind} in '{path.name}' hoort bij de actieve gemeente {label}. "
               f"Het bestand bevat codes van: {present_nl}. Importeer eerst die gemeente of kies een ander bestand.",
            en=f"No {kind} in '{path.name}' belongs to the active municipality {label}. The file holds codes "
               f"of: {present_en}. Import that municipality first or choose another file.")
    unknown = ~rows["code"].isin(known)
    for code in rows.loc[unknown, "code"]:
        skips.add(code, f"staat niet op de kaart van {municipality.name} (andere indeling of geometrie ontbrak)")
    rows = rows[~unknown]
    duplicated = rows["code"].duplicated()
    for code in rows.loc[duplicated, "code"]:
        skips.add(code, "dubbele code in het bestand; de eerste rij is gebruikt")
    rows = rows[~duplicated]
    if rows.empty:
        raise ImportRejected(
            nl=f"De codes in '{path.name}' horen bij {label}, maar geen ervan staat op de geïmporteerde kaart. "
               "Waarschijnlijk is de buurtindeling van een ander jaar.",
            en=f"The codes in '{path.name}' belong to {label}, but none is on the imported map. The buurt "
               "division is probably from another year.")

    _report(progress, 0.6, "Indicatoren verwerken")
    source = f"CSV ({path.name})"
    usable, empty_columns = cbs.indicator_columns(rows[[c.column for c in mapping.columns]])
    for what, why in empty_columns:
        skips.add(what, f"{why} (voor {municipality.name})")
    specs = [(c.column, cbs.csv_indicator_meta(c, source=source, year=mapping.year), c.zero_is_missing)
             for c in mapping.columns if c.column in usable]
    if not specs:
        raise ImportRejected(
            nl=f"'{path.name}' bevat geen bruikbare cijferkolommen voor {label}.",
            en=f"'{path.name}' holds no usable numeric columns for {label}.")
    result = cbs.long_values(rows, "code", specs)
    for what, why in result.skipped:
        skips.add(what, why)

    _report(progress, 0.85, "Waarden opslaan")
    area_store.add_indicator_values(session, municipality_id, result.indicators, result.values)
    summary = ImportSummary(
        municipality_code=municipality.code, municipality_name=municipality.name,
        buurten=len(rows) if mapping.level == "buurt" else 0, wijken=len(rows) if mapping.level == "wijk" else 0,
        indicators=[m.key for m in result.indicators], values=int(result.values["value"].notna().sum()),
        missing_values=sum(result.missing.values()), skipped=skips.result(), notes=notes)
    _note_missing(summary, result.missing)
    _audit(session, municipality_id, "import_csv", actor, now, summary, path)
    _report(progress, 1.0, "Cijfers geïmporteerd")
    return summary


def _validate_csv_mapping(mapping: cbs.CsvMapping, frame: pd.DataFrame) -> None:
    wanted = [mapping.key_column, *(c.column for c in mapping.columns)]
    if mapping.year_column:
        wanted.append(mapping.year_column)
    missing = [c for c in wanted if c not in frame.columns]
    if missing:
        raise ImportRejected(nl=f"Deze kolommen staan niet in het CSV-bestand: {', '.join(missing)}.",
                             en=f"These columns are not in the CSV file: {', '.join(missing)}.")
    if not mapping.columns:
        raise ImportRejected(nl="Kies minstens één kolom om te importeren.",
                             en="Choose at least one column to import.")
