"""CBS wijk- en buurtkaart conventions: codes, sentinels, column names, geometry repair and indicator CSVs.

Pure functions behind `storage/importer.py`; every rejection is an `ImportRejected` with a Dutch and
an English sentence that names the problem.
"""
from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from domain.errors import ImportRejected
from domain.indicators import meta_for_column
from domain.models import IndicatorMeta, MissingReason
from domain.spatial import RD_NEW, WGS84, polygonal_part, repair_geometries, repair_geometry  # noqa: F401

BUURT_CODE_RE = re.compile(r"^BU\d{8}$")
WIJK_CODE_RE = re.compile(r"^WK\d{6}$")
GEMEENTE_CODE_RE = re.compile(r"^GM\d{4}$")

VALUE_COLUMNS = ["code", "key", "value", "missing_reason"]
AREA_COLUMNS = ["code", "level", "name", "parent_code", "is_water", "geometry"]
NAME_MAX = 200  # areas.name is String(200)

# CBS publishes "secret" (too few people) and "unknown" as numbers, which must never reach a map as values.
SENTINELS: dict[int, MissingReason] = {
    -99999999: "secret",   # KWB up to ~2022
    -99999997: "unknown",  # KWB up to ~2022
    -99997: "unknown",     # PDOK 2024+
    -99995: "secret",      # PDOK 2024+
}
# StatLine-style CSV exports write markers instead of numbers.
TEXT_MARKERS: dict[str, MissingReason] = {".": "unknown", "x": "secret", "-": "unknown", "": "unknown"}

WATER_YES = "JA"  # CBS WATER: "JA" water, "NEE" land, "B" Belgian land around Baarle-Nassau (not water)


# --- codes ---------------------------------------------------------------------------------------

def normalise_code(value: object) -> str | None:
    """Strip and upper-case a code; None for empty or missing cells.

    Examples:
        >>> normalise_code(" bu03440311 ")
        'BU03440311'
        >>> normalise_code(float("nan")) is None
        True
    """
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return None
    text = str(value).strip().upper()
    return text or None


def is_buurt_code(value: object) -> bool:
    code = normalise_code(value)
    return bool(code and BUURT_CODE_RE.match(code))


def is_wijk_code(value: object) -> bool:
    code = normalise_code(value)
    return bool(code and WIJK_CODE_RE.match(code))


def is_gemeente_code(value: object) -> bool:
    code = normalise_code(value)
    return bool(code and GEMEENTE_CODE_RE.match(code))


def wijk_code_of(buurt_code: str) -> str:
    """The wijk a buurt belongs to, read from its code.

    Examples:
        >>> wijk_code_of("BU03440311")
        'WK034403'
    """
    return "WK" + buurt_code[2:8]


def gemeente_code_of(code: str) -> str:
    """The gemeente of a buurt or wijk code.

    Examples:
        >>> gemeente_code_of("BU03440311"), gemeente_code_of("WK036201")
        ('GM0344', 'GM0362')
    """
    return "GM" + code[2:6]


def parse_gemeente_code(text: str) -> str | None:
    """A gemeente code typed by a person, or None when the text is not a code (then it is a name).

    Examples:
        >>> parse_gemeente_code("gm0344"), parse_gemeente_code("344"), parse_gemeente_code("Utrecht")
        ('GM0344', 'GM0344', None)
    """
    match = re.fullmatch(r"(?:GM)?\s*(\d{1,4})", text.strip().upper())
    return f"GM{int(match.group(1)):04d}" if match else None


def clean_name(value: object, fallback: str) -> str:
    """Area names are shown everywhere: collapse whitespace, drop control characters, cap the length.

    HTML in a name is kept as literal text; escaping is the renderer's job (domain/text.safe_text).
    """
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return fallback
    text = re.sub(r"[\x00-\x1f\x7f]+", " ", str(value))
    text = re.sub(r"\s+", " ", text).strip()
    return text[:NAME_MAX] if text else fallback


def year_from_text(text: str) -> int | None:
    """A plausible data year inside a file name or a `jaarstatcode` value.

    Examples:
        >>> year_from_text("buurten_2021_ermelo_GM0233.gpkg"), year_from_text("2014BU03440311")
        (2021, 2014)
        >>> year_from_text("kaart.gpkg") is None
        True
    """
    match = re.search(r"(?<![0-9])((?:19|20)[0-9]{2})(?![0-9])", text)
    if match:
        return int(match.group(1))
    match = re.match(r"((?:19|20)[0-9]{2})(?:BU|WK|GM)", text.strip().upper())
    return int(match.group(1)) if match else None


# --- missing values ------------------------------------------------------------------------------

def clean_indicator(series: pd.Series, *, zero_is_missing: bool = False) -> pd.DataFrame:
    """Numbers with CBS sentinels, NULL and text markers turned into missing cells with a reason.

    Returns a frame with `value` (float, NaN when missing) and `missing_reason` (None when present).

    Examples:
        >>> clean_indicator(pd.Series([5, -99999999, None, -99997])).missing_reason.tolist()
        [None, 'secret', 'unknown', 'unknown']
    """
    reasons = pd.Series([None] * len(series), index=series.index, dtype=object)
    if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
        values = series.astype("float64")
    else:
        text = [None if pd.isna(v) else str(v).strip() for v in series.astype(object)]
        reasons[:] = [None if v is None else TEXT_MARKERS.get(v.lower()) for v in text]
        values = pd.to_numeric(pd.Series(text, index=series.index, dtype=object), errors="coerce").astype("float64")
    for sentinel, reason in SENTINELS.items():
        reasons[values == sentinel] = reason
    if zero_is_missing:
        reasons[values == 0] = "unknown"
    reasons[values.isna() & reasons.isna()] = "unknown"
    values = values.mask(reasons.notna())
    return pd.DataFrame({"value": values, "missing_reason": reasons})


def looks_numeric(series: pd.Series) -> bool:
    """True for number columns, and for text columns holding only numbers and StatLine markers."""
    if pd.api.types.is_bool_dtype(series):
        return False
    if pd.api.types.is_numeric_dtype(series):
        return True
    if not (pd.api.types.is_string_dtype(series) or series.dtype == object):
        return False
    text = series.dropna().astype(str).str.strip()
    text = text[~text.str.lower().isin(TEXT_MARKERS)]
    return len(text) > 0 and pd.to_numeric(text, errors="coerce").notna().all()


# --- column recognition --------------------------------------------------------------------------

# Role → accepted names, in order of preference (old shapefile, PDOK/WFS, TopoJSON, third-party CSV).
COLUMN_ALIASES: dict[str, tuple[str, ...]] = {
    "code": ("bu_code", "buurtcode", "statcode", "buurt_code"),
    "name": ("bu_naam", "buurtnaam", "statnaam", "regio", "buurt_naam"),
    "wijk_code": ("wk_code", "wijkcode", "wijk_code"),
    "wijk_name": ("wk_naam", "wijknaam", "wijk_naam"),
    "gemeente_code": ("gm_code", "gemeentecode", "gemeente_code"),
    "gemeente_name": ("gm_naam", "gemeentenaam", "gemeente_naam"),
    "water": ("water",),
    "year_code": ("jaarstatcode", "jrstatcode"),
}

# Numeric columns that identify, classify or measure the polygon rather than the people in it.
NOT_INDICATORS = frozenset({
    "id", "fid", "objectid", "ogc_fid", "gid", "index", "level_0", "rubriek",
    "jaarstatcode", "jrstatcode", "jaar", "year", "peiljaar",
    "shape_area", "shape_leng", "shape_length", "area", "perimeter",
    "oppervlakte_totaal_in_ha", "oppervlakte_land_in_ha", "oppervlakte_water_in_ha",
    "opp_tot", "opp_land", "opp_water",
    "meest_voorkomende_postcode", "pc4", "postcode",
    # 1–5 class for how well the postcode covers the buurt: quality metadata, not a neighbourhood fact.
    "dekkingspercentage", "dek_perc",
    # 1–4 code saying whether the buurt boundary changed since last year.
    "indelingswijziging_wijken_en_buurten", "ind_wbi",
})


@dataclass(frozen=True)
class ColumnMapping:
    """Which column plays which role in a wijk- en buurtkaart layer. Only `code` is required."""

    code: str | None
    name: str | None = None
    wijk_code: str | None = None
    wijk_name: str | None = None
    gemeente_code: str | None = None
    gemeente_name: str | None = None
    water: str | None = None
    year_code: str | None = None

    def columns(self) -> set[str]:
        return {c for c in (self.code, self.name, self.wijk_code, self.wijk_name, self.gemeente_code,
                            self.gemeente_name, self.water, self.year_code) if c}

    @property
    def is_complete(self) -> bool:
        return self.code is not None and self.name is not None


def _share_matching(series: pd.Series, pattern: re.Pattern) -> float:
    values = series.dropna()
    if values.empty or pd.api.types.is_numeric_dtype(values):
        return 0.0
    text = values.astype(str).str.strip().str.upper()
    return float(text.str.match(pattern.pattern).mean())


def recognise_columns(columns: Iterable[str], sample: pd.DataFrame | None = None) -> ColumnMapping:
    """Find the role columns by name in any CBS convention (case-insensitive).

    With a `sample` of rows, a code column with an unknown name is still found by its values.

    Examples:
        >>> recognise_columns(["BU_CODE", "BU_NAAM", "GM_CODE", "AANT_INW"]).name
        'BU_NAAM'
        >>> recognise_columns(["id", "rubriek", "statcode", "statnaam"]).code
        'statcode'
    """
    columns = [c for c in columns if c != "geometry"]
    by_lower: dict[str, str] = {}
    for column in columns:
        by_lower.setdefault(column.strip().lower(), column)
    found: dict[str, str | None] = {}
    for role, aliases in COLUMN_ALIASES.items():
        found[role] = next((by_lower[a] for a in aliases if a in by_lower), None)
    if sample is not None:
        if found["code"] is not None and _share_matching(sample[found["code"]], BUURT_CODE_RE) < 0.5:
            found["code"] = None  # e.g. `statcode` of a wijk layer holds WK codes
        if found["code"] is None:
            scored = [(_share_matching(sample[c], BUURT_CODE_RE), c) for c in columns if c in sample]
            best = max(scored, default=(0.0, None))
            found["code"] = best[1] if best[0] >= 0.8 else None
    return ColumnMapping(**found)


def validate_mapping(mapping: ColumnMapping, columns: Iterable[str]) -> None:
    """A mapping chosen by a person must name existing columns and at least the buurt code."""
    available = set(columns)
    if not mapping.code:
        raise ImportRejected(
            nl="Kies de kolom met de buurtcodes (waarden zoals BU03440311).",
            en="Choose the column that holds the buurt codes (values such as BU03440311).")
    unknown = sorted(c for c in mapping.columns() if c not in available)
    if unknown:
        raise ImportRejected(
            nl=f"Deze kolommen staan niet in het bestand: {', '.join(unknown)}.",
            en=f"These columns are not in the file: {', '.join(unknown)}.")


def describe_missing_code_column(columns: Sequence[str], sample: pd.DataFrame | None = None) -> ImportRejected:
    """The rejection for a layer without buurt codes, with a hint when it is a wijk or gemeente layer."""
    shown = ", ".join(c for c in columns if c != "geometry")[:300]
    if sample is not None and any(_share_matching(sample[c], WIJK_CODE_RE) > 0.8 for c in sample.columns
                                  if c != "geometry"):
        return ImportRejected(
            nl=f"Dit bestand bevat wijken, geen buurten (codes als WK…). Kies de buurtenlaag of een "
               f"buurtenbestand. Kolommen: {shown}.",
            en=f"This file holds wijken, not buurten (codes like WK…). Choose the buurten layer or a "
               f"buurten file. Columns: {shown}.")
    return ImportRejected(
        nl=f"Geen kolom met buurtcodes gevonden (verwacht bijvoorbeeld BU_CODE, buurtcode of statcode met "
           f"waarden als BU03440311). Kolommen in het bestand: {shown}.",
        en=f"No buurt code column found (expected e.g. BU_CODE, buurtcode or statcode holding values like "
           f"BU03440311). Columns in the file: {shown}.")


def is_index_column(name: str, series: pd.Series) -> bool:
    """A left-over row index: a blank, `Unnamed: n` or purely numeric header over distinct integers.

    Examples:
        >>> is_index_column("Unnamed: 0", pd.Series([0, 1, 2]))
        True
        >>> is_index_column("1", pd.Series([3, 5, 6]))
        True
        >>> is_index_column("aantal", pd.Series([3, 5, 6]))
        False
    """
    header = str(name).strip()
    if not (header == "" or re.fullmatch(r"Unnamed: \d+", header) or header.isdigit()):
        return False
    values = pd.to_numeric(series, errors="coerce")
    return bool(values.notna().all() and (values == values.round()).all() and values.is_unique)


def indicator_columns(frame: pd.DataFrame, exclude: Iterable[str] = ()) -> tuple[list[str], list[tuple[str, str]]]:
    """Columns to import as indicators, and (column, reason in Dutch) for numeric ones left out.

    Every numeric column counts except the role columns in `exclude`, ids, years, postcodes and
    polygon bookkeeping (NOT_INDICATORS). A column with no usable number at all is skipped.
    """
    excluded = {c.lower() for c in exclude} | NOT_INDICATORS
    chosen: list[str] = []
    skipped: list[tuple[str, str]] = []
    for column in frame.columns:
        if column == "geometry" or column.strip().lower() in excluded:
            continue
        series = frame[column]
        if is_index_column(column, series) or not looks_numeric(series):
            continue
        entry_zero = meta_for_column(column)[1]
        cleaned = clean_indicator(series, zero_is_missing=entry_zero)
        present = cleaned["value"].dropna()
        if present.empty:
            skipped.append((f"kolom {column}", "kolom is overal leeg, geheim of onbekend"))
        elif (present == 0).all():
            skipped.append((f"kolom {column}", "kolom is overal 0; dat wijst op ontbrekende gegevens"))
        else:
            chosen.append(column)
    return chosen, skipped


def fit_meta(meta: IndicatorMeta) -> IndicatorMeta:
    """Metadata cut to the stored column widths (PostgreSQL refuses longer strings; SQLite would not notice)."""
    return replace(meta, key=meta.key[:100], label_nl=meta.label_nl[:200], label_en=meta.label_en[:200],
                   unit=meta.unit[:40], source=meta.source[:300])


@dataclass(frozen=True)
class IndicatorValues:
    indicators: list[IndicatorMeta]
    values: pd.DataFrame  # VALUE_COLUMNS, long format
    missing: dict[str, int]  # reason → count
    skipped: list[tuple[str, str]] = field(default_factory=list)


def long_values(frame: pd.DataFrame, code_column: str, columns: Sequence[tuple[str, IndicatorMeta, bool]]
                ) -> IndicatorValues:
    """Wide indicator columns → long (code, key, value, missing_reason); one indicator per key.

    `columns` holds (column, meta, zero_is_missing). When two columns map to the same key, the first wins.
    """
    parts: list[pd.DataFrame] = []
    indicators: list[IndicatorMeta] = []
    skipped: list[tuple[str, str]] = []
    first_column: dict[str, str] = {}
    for column, meta, zero_is_missing in columns:
        meta = fit_meta(meta)
        if meta.key in first_column:
            skipped.append((f"kolom {column}", f"zelfde indicator ({meta.key}) als kolom {first_column[meta.key]}"))
            continue
        first_column[meta.key] = column
        indicators.append(meta)
        cleaned = clean_indicator(frame[column], zero_is_missing=zero_is_missing)
        parts.append(pd.DataFrame({"code": frame[code_column].to_numpy(), "key": meta.key,
                                   "value": cleaned["value"].to_numpy(),
                                   "missing_reason": cleaned["missing_reason"].to_numpy()}))
    values = (pd.concat(parts, ignore_index=True) if parts
              else pd.DataFrame({c: pd.Series(dtype=object) for c in VALUE_COLUMNS}))
    missing = values["missing_reason"].dropna().value_counts().to_dict()
    return IndicatorValues(indicators, values[VALUE_COLUMNS], {str(k): int(v) for k, v in missing.items()}, skipped)


# --- gemeenten -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class GemeenteInfo:
    code: str
    name: str | None
    buurten: int

    @property
    def label(self) -> str:
        return f"{self.name} ({self.code})" if self.name else self.code


def _codes(series: pd.Series, pattern: re.Pattern) -> pd.Series:
    """Normalised codes where they match `pattern`, else None (vectorised: national files have 10k+ rows)."""
    text = series.astype(object).where(series.notna(), None)
    text = pd.Series([str(v).strip().upper() if v is not None else "" for v in text], index=series.index)
    return text.where(text.str.match(pattern.pattern), None).astype(object)


def row_codes(frame: pd.DataFrame, mapping: ColumnMapping) -> pd.DataFrame:
    """Per row: normalised buurt code (None when invalid), its wijk and its gemeente code.

    Wijk and gemeente come from their own columns when those hold valid codes, else from the buurt code.
    """
    buurt = _codes(frame[mapping.code], BUURT_CODE_RE)
    wijk = ("WK" + buurt.str[2:8]).astype(object).where(buurt.notna(), None)
    gemeente = ("GM" + buurt.str[2:6]).astype(object).where(buurt.notna(), None)
    if mapping.wijk_code:
        given = _codes(frame[mapping.wijk_code], WIJK_CODE_RE)
        wijk = given.where(given.notna(), wijk)
    if mapping.gemeente_code:
        given = _codes(frame[mapping.gemeente_code], GEMEENTE_CODE_RE)
        gemeente = given.where(given.notna(), gemeente)
    return pd.DataFrame({"buurt": buurt, "wijk": wijk, "gemeente": gemeente}, index=frame.index)


def list_gemeenten(frame: pd.DataFrame, mapping: ColumnMapping) -> list[GemeenteInfo]:
    """Gemeenten in a layer with the number of valid buurt codes in each, sorted by name then code."""
    codes = row_codes(frame, mapping)
    table = pd.DataFrame({"gemeente": codes["gemeente"], "buurt": codes["buurt"]})
    if mapping.gemeente_name:
        table["name"] = [clean_name(v, "") for v in frame[mapping.gemeente_name]]
    else:
        table["name"] = ""
    table = table[table["gemeente"].notna()]
    counts = table.groupby("gemeente")["buurt"].count()
    named = table[table["name"] != ""]
    # The most frequent spelling wins when a file is inconsistent.
    names = (named.groupby(["gemeente", "name"]).size().rename("n").reset_index()
             .sort_values(["gemeente", "n"], ascending=[True, False]).drop_duplicates("gemeente")
             .set_index("gemeente")["name"])
    result = [GemeenteInfo(code=str(code), name=names.get(code), buurten=int(n)) for code, n in counts.items()]
    return sorted(result, key=lambda g: ((g.name or "").casefold(), g.code))


def _few(gemeenten: Sequence[GemeenteInfo], limit: int = 5) -> tuple[str, str]:
    shown = ", ".join(g.label for g in gemeenten[:limit])
    rest = len(gemeenten) - limit
    if rest > 0:
        return f"{shown} en {rest} andere", f"{shown} and {rest} more"
    return shown, shown


def match_gemeente(query: str, gemeenten: Sequence[GemeenteInfo]) -> GemeenteInfo:
    """The gemeente a person asked for, by code (GM0344, 0344) or name (case-insensitive)."""
    query = (query or "").strip()
    shown_nl, shown_en = _few(gemeenten)
    if not gemeenten:
        raise ImportRejected(nl="Dit bestand bevat geen enkele geldige buurtcode, dus ook geen gemeente.",
                             en="This file holds no valid buurt code, and so no gemeente either.")
    if not query:
        raise ImportRejected(nl=f"Geef een gemeente op (code of naam). In dit bestand: {shown_nl}.",
                             en=f"Give a gemeente (code or name). In this file: {shown_en}.")
    code = parse_gemeente_code(query)
    if code:
        hit = next((g for g in gemeenten if g.code == code), None)
    else:
        wanted = query.casefold()
        hit = next((g for g in gemeenten if g.name and g.name.casefold() == wanted), None)
        if hit is None and not any(g.name for g in gemeenten):
            raise ImportRejected(
                nl=f"Dit bestand bevat geen gemeentenamen, alleen codes. Geef de gemeentecode op "
                   f"(bijvoorbeeld {gemeenten[0].code}). In dit bestand: {shown_nl}.",
                en=f"This file has no gemeente names, only codes. Give the gemeente code "
                   f"(for example {gemeenten[0].code}). In this file: {shown_en}.")
    if hit is None:
        raise ImportRejected(
            nl=f"Gemeente '{query}' staat niet in dit bestand. Wel aanwezig: {shown_nl}.",
            en=f"Gemeente '{query}' is not in this file. Present: {shown_en}.")
    return hit


# --- geometry ------------------------------------------------------------------------------------



def guess_crs(bounds: Sequence[float]) -> int | None:
    """EPSG code from coordinate ranges when a file has no CRS (TopoJSON never has one).

    Examples:
        >>> guess_crs((4.97, 52.02, 5.19, 52.14)), guess_crs((165776, 472412, 180558, 482733))
        (4326, 28992)
    """
    minx, miny, maxx, maxy = bounds
    if -180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90:
        return WGS84
    if -7_000 <= minx <= maxx <= 300_000 and 289_000 <= miny <= maxy <= 629_000:
        return RD_NEW
    return None


def ensure_crs(frame: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, str | None]:
    """Give a CRS-less layer the CRS its coordinates show (TopoJSON never has one). Returns a note."""
    if frame.crs is not None:
        return frame, None
    values = frame.geometry.values
    present = frame.geometry[~(shapely.is_missing(values) | shapely.is_empty(values))]
    epsg = guess_crs(present.total_bounds) if len(present) else WGS84
    if epsg is None:
        raise ImportRejected(
            nl="Het bestand heeft geen coördinatenstelsel en de coördinaten lijken niet op RD New "
               "(EPSG:28992) of lengte/breedte (EPSG:4326). Sla het op met een coördinatenstelsel.",
            en="The file has no coordinate reference system and its coordinates look like neither RD New "
               "(EPSG:28992) nor longitude/latitude (EPSG:4326). Save it with a CRS.")
    return frame.set_crs(epsg), f"Geen coördinatenstelsel in het bestand; EPSG:{epsg} afgeleid uit de coördinaten."


def to_wgs84(frame: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, str | None]:
    """Reproject once to EPSG:4326, guessing a missing CRS first. Returns a note when it guessed."""
    frame, note = ensure_crs(frame)
    if frame.crs.to_epsg() != WGS84:
        frame = frame.to_crs(WGS84)
    return frame, note


def dissolve(areas: gpd.GeoDataFrame, by: str) -> gpd.GeoSeries:
    """Union of the geometries per value of `by`, polygonal and valid, indexed by that value."""
    merged = {key: polygonal_part(shapely.union_all(group.geometry.values))
              for key, group in areas.groupby(by, sort=True)}
    return gpd.GeoSeries(list(merged.values()), index=list(merged.keys()), crs=areas.crs)


def _first_text(*values: object) -> str | None:
    return next((v.strip() for v in values if isinstance(v, str) and v.strip()), None)


def build_area_table(buurten: gpd.GeoDataFrame, *, gemeente_code: str, gemeente_name: str,
                     wijken: gpd.GeoDataFrame | None = None) -> gpd.GeoDataFrame:
    """Buurten (code, name, wijk_code, wijk_name, is_water, geometry) → AREA_COLUMNS for all three levels.

    Wijk polygons come from `wijken` (code, name, geometry) when given, else from dissolving buurten;
    a wijk without a name anywhere is named by its code.
    """
    geometries = dissolve(buurten, "wijk_code")
    water = buurten.groupby("wijk_code", sort=True)["is_water"].all()
    names_in_buurten = {code: _first_text(*group) for code, group in buurten.groupby("wijk_code")["wijk_name"]}
    given = wijken.drop_duplicates("code").set_index("code") if wijken is not None and len(wijken) else None
    codes = list(geometries.index)
    wijk_rows = gpd.GeoDataFrame({
        "code": codes, "level": "wijk",
        "name": [clean_name(_first_text(names_in_buurten.get(c), given["name"].get(c) if given is not None
                                        else None), c) for c in codes],
        "parent_code": gemeente_code, "is_water": [bool(water[c]) for c in codes],
    }, geometry=[given.geometry[c] if given is not None and c in given.index else geometries[c] for c in codes],
        crs=buurten.crs)
    buurt_rows = gpd.GeoDataFrame({
        "code": buurten["code"].to_numpy(), "level": "buurt", "name": buurten["name"].to_numpy(),
        "parent_code": buurten["wijk_code"].to_numpy(), "is_water": buurten["is_water"].astype(bool).to_numpy(),
    }, geometry=buurten.geometry.to_numpy(), crs=buurten.crs)
    gemeente_row = gpd.GeoDataFrame({
        "code": [gemeente_code], "level": "gemeente", "name": [gemeente_name], "parent_code": [None],
        "is_water": [False]}, geometry=[polygonal_part(shapely.union_all(buurten.geometry.values))],
        crs=buurten.crs)
    table = pd.concat([gemeente_row, wijk_rows, buurt_rows], ignore_index=True)
    return gpd.GeoDataFrame(table[AREA_COLUMNS], geometry="geometry", crs=buurten.crs)


# --- indicator CSVs ------------------------------------------------------------------------------

DELIMITERS = ",;\t"
YEAR_COLUMNS = ("jaar", "year", "peiljaar")
KEY_ALIASES = ("buurtcode", "bu_code", "buurt_code", "wijkcode", "wk_code", "wijk_code", "statcode", "code",
               "codering", "gwb_code", "gwb_code_10", "regiocode")
_DECIMAL_COMMA = re.compile(r"(?:^|[;\t])\s*\"?-?\d{1,3}(?:\.\d{3})*,\d+\"?\s*(?=[;\t]|$)", re.MULTILINE)


@dataclass(frozen=True)
class CsvFormat:
    delimiter: str
    decimal: str
    encoding: str


def decode_text(raw: bytes) -> tuple[str, str]:
    """Text and encoding: UTF-8 (with or without BOM), else Windows-1252 as Dutch Excel writes it."""
    try:
        return raw.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace"), "cp1252"


def sniff_csv(text: str) -> CsvFormat:
    """Delimiter (`,` `;` tab) and decimal mark of CSV text.

    Examples:
        >>> sniff_csv("code;waarde\\nBU03440311;4,2\\n")
        CsvFormat(delimiter=';', decimal=',', encoding='utf-8')
        >>> sniff_csv("code,waarde\\nBU03440311,4.2\\n").delimiter
        ','
    """
    sample = "\n".join(text.splitlines()[:50])
    if not sample.strip():
        raise ImportRejected(nl="Het CSV-bestand is leeg.", en="The CSV file is empty.")
    try:
        delimiter = csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter
    except csv.Error:
        header = sample.splitlines()[0]
        delimiter = max(DELIMITERS, key=header.count)
        if header.count(delimiter) == 0:
            raise ImportRejected(
                nl="Dit lijkt geen CSV-bestand: de kopregel bevat geen komma, puntkomma of tab.",
                en="This does not look like a CSV file: the header line has no comma, semicolon or tab.")
    decimal = "," if delimiter != "," and _DECIMAL_COMMA.search(sample) else "."
    return CsvFormat(delimiter=delimiter, decimal=decimal, encoding="utf-8")


def read_csv(raw: bytes) -> tuple[pd.DataFrame, CsvFormat]:
    """Parse CSV bytes after sniffing; left-over index columns are dropped."""
    text, encoding = decode_text(raw)
    fmt = replace(sniff_csv(text), encoding=encoding)
    try:
        # With a decimal comma, Dutch exports write thousands as "1.234,5".
        frame = pd.read_csv(io.StringIO(text), sep=fmt.delimiter, decimal=fmt.decimal,
                            thousands="." if fmt.decimal == "," else None, skipinitialspace=True)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as err:
        raise ImportRejected(nl=f"Het CSV-bestand kan niet worden gelezen ({err}).",
                             en=f"The CSV file cannot be read ({err}).") from err
    frame.columns = [str(c).strip() for c in frame.columns]
    if fmt.decimal == ",":
        frame = frame.apply(_dutch_numbers)
    index_columns = [c for c in frame.columns if is_index_column(c, frame[c])]
    return frame.drop(columns=index_columns), fmt


_DUTCH_NUMBER = re.compile(r"^-?(?:\d{1,3}(?:\.\d{3})+|\d+)(?:,\d+)?$")


def _dutch_numbers(column: pd.Series) -> pd.Series:
    """A text column of "1.234,5"-style numbers mixed with StatLine markers ("x", ".") → floats and markers.

    pandas only applies `decimal=","` to columns that are entirely numeric; one "x" keeps the whole column text.
    """
    if pd.api.types.is_numeric_dtype(column) or not _looks_numeric_text(column):
        return column
    return column.astype(object).map(
        lambda v: float(v.strip().replace(".", "").replace(",", ".")) if isinstance(v, str)
        and _DUTCH_NUMBER.match(v.strip()) else v)


def _looks_numeric_text(column: pd.Series) -> bool:
    text = column.dropna().astype(str).str.strip()
    text = text[~text.str.lower().isin(TEXT_MARKERS)]
    return len(text) > 0 and bool(text.str.match(_DUTCH_NUMBER.pattern).all())


def find_year_column(frame: pd.DataFrame) -> str | None:
    by_lower = {c.lower(): c for c in frame.columns}
    return next((by_lower[n] for n in YEAR_COLUMNS if n in by_lower), None)


def find_key_column(frame: pd.DataFrame, wanted: str | None = None) -> tuple[str, Literal["buurt", "wijk"]]:
    """The column with buurt or wijk codes: by name first, then by how many values look like codes."""
    if wanted is not None:
        if wanted not in frame.columns:
            raise ImportRejected(
                nl=f"Kolom '{wanted}' staat niet in het CSV-bestand. Kolommen: {', '.join(frame.columns)}.",
                en=f"Column '{wanted}' is not in the CSV file. Columns: {', '.join(frame.columns)}.")
        candidates = [wanted]
    else:
        by_lower = {c.lower(): c for c in frame.columns}
        named = [by_lower[a] for a in KEY_ALIASES if a in by_lower]
        candidates = named + [c for c in frame.columns if c not in named]
    for column in candidates:
        buurt, wijk = _share_matching(frame[column], BUURT_CODE_RE), _share_matching(frame[column], WIJK_CODE_RE)
        if max(buurt, wijk) >= 0.8:
            return column, "buurt" if buurt >= wijk else "wijk"
    if wanted is not None:
        raise ImportRejected(
            nl=f"Kolom '{wanted}' bevat geen buurt- of wijkcodes (verwacht BU03440311 of WK034403).",
            en=f"Column '{wanted}' holds no buurt or wijk codes (expected BU03440311 or WK034403).")
    raise ImportRejected(
        nl=f"Geen kolom met buurt- of wijkcodes gevonden (waarden als BU03440311 of WK034403). "
           f"Kolommen: {', '.join(frame.columns)}.",
        en=f"No column with buurt or wijk codes found (values like BU03440311 or WK034403). "
           f"Columns: {', '.join(frame.columns)}.")


@dataclass(frozen=True)
class CsvColumn:
    """One CSV column to import and what it becomes; label, unit and direction are editable."""

    column: str
    key: str
    label_nl: str
    label_en: str
    unit: str = ""
    direction: int = 0
    zero_is_missing: bool = False


@dataclass(frozen=True)
class CsvMapping:
    key_column: str
    level: Literal["buurt", "wijk"]
    year_column: str | None
    year: int | None
    columns: tuple[CsvColumn, ...]
    years: tuple[int, ...] = ()
    skipped: tuple[tuple[str, str], ...] = ()


def csv_years(frame: pd.DataFrame, year_column: str) -> list[int]:
    years = pd.to_numeric(frame[year_column], errors="coerce").dropna()
    return sorted({int(y) for y in years})


def rows_for_year(frame: pd.DataFrame, year_column: str | None, year: int | None) -> pd.DataFrame:
    if year_column is None or year is None:
        return frame
    return frame[pd.to_numeric(frame[year_column], errors="coerce") == year]


def detect_csv_mapping(frame: pd.DataFrame, *, key_column: str | None = None, year: int | None = None
                       ) -> CsvMapping:
    """Key column, year (latest unless given) and indicator columns of an indicator CSV."""
    key, level = find_key_column(frame, key_column)
    year_column = find_year_column(frame)
    years: list[int] = []
    if year_column is not None:
        years = csv_years(frame, year_column)
        if year is None and years:
            year = years[-1]
        elif year is not None and year not in years:
            raise ImportRejected(
                nl=f"Jaar {year} staat niet in het bestand. Beschikbare jaren: {', '.join(map(str, years))}.",
                en=f"Year {year} is not in the file. Available years: {', '.join(map(str, years))}.")
    elif year is not None:
        raise ImportRejected(
            nl=f"Het bestand heeft geen jaarkolom ({', '.join(YEAR_COLUMNS)}), dus jaar {year} kan niet "
               "gekozen worden.",
            en=f"The file has no year column ({', '.join(YEAR_COLUMNS)}), so year {year} cannot be chosen.")
    rows = rows_for_year(frame, year_column, year)
    role_columns = set(recognise_columns(frame.columns).columns()) | {key}
    chosen, skipped = indicator_columns(rows, exclude=role_columns)
    columns = []
    for column in chosen:
        meta, zero = meta_for_column(column, year=year)
        columns.append(CsvColumn(column=column, key=meta.key, label_nl=meta.label_nl, label_en=meta.label_en,
                                 unit=meta.unit, direction=meta.direction, zero_is_missing=zero))
    return CsvMapping(key_column=key, level=level, year_column=year_column, year=year, columns=tuple(columns),
                      years=tuple(years), skipped=tuple(skipped))


def csv_indicator_meta(column: CsvColumn, *, source: str, year: int | None) -> IndicatorMeta:
    """Catalogue metadata for a mapped CSV column, with the person's label, unit and direction on top."""
    base, _ = meta_for_column(column.column, source=source, year=year)
    if base.key != column.key:
        base = IndicatorMeta(key=column.key, label_nl=column.label_nl, label_en=column.label_en,
                             source=source, year=year, weighting="none")
    return replace(base, label_nl=column.label_nl.strip() or base.label_nl,
                   label_en=column.label_en.strip() or base.label_en, unit=column.unit,
                   direction=int(np.sign(column.direction)))
