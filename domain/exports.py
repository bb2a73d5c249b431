"""Exports built from plain data: the werksessie report (one offline HTML file) and the data downloads
(CSV, GeoJSON, GeoPackage). Only approved stories, placed as the session's generalisation says, respondent
profiles only from k, resident text escaped in HTML and neutralised in CSV. Columns and formats: docs/exports.md.
"""
from __future__ import annotations

import csv
import io
import json
import math
import tempfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely

from domain import analysis
from domain.errors import UserFacingError
from domain.models import DIMENSIONS, STORY_KINDS, IndicatorMeta
from domain.moderation import PUBLIC_STATUSES
from domain.projector import count_stories, generalise_point
from domain.sessions import GENERALISATIONS, WorkSession
from domain.stories import Story
from domain.text import safe_text
from domain.vision import Action, Theme, ranking

# Dutch Excel reads a CSV by the Windows list separator (";" in nl-NL) and a decimal comma, and only
# recognises UTF-8 with a byte-order mark; pandas reads the same file with sep=";", decimal=",".
CSV_SEPARATOR = ";"
CSV_BOM = "\ufeff"
# OWASP "CSV injection": a cell starting with one of these is a formula (or a DDE payload) in Excel,
# LibreOffice and Google Sheets. A leading apostrophe makes it plain text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

LOC_EXACT, LOC_GRID, LOC_CENTRE, LOC_NONE = "exact", "grid100", "buurt_centre", "none"

# Row-level exports carry no age band, relation, place description, photo or kiosk: the consent statement
# promises profiles only summed in groups of at least k, and places only as generalised (kiosk.consent.*).
STORY_COLUMNS = ("story_id", "session_code", "session_title", "kind", "kind_label", "dimension", "dimension_label",
                 "themes", "text", "redacted", "buurt_code", "buurt_name", "lat", "lon", "location", "created_on",
                 "generated")
THEME_COLUMNS = ("session_code", "rank", "theme_id", "theme", "votes", "stories", "story_ids")
ACTION_COLUMNS = ("session_code", "action_id", "what", "owner", "due_date", "buurt_codes", "buurten", "theme_ids",
                  "themes")
BUURT_COLUMNS = ("code", "name", "parent_code", "is_water")


class ExportFailed(UserFacingError):
    """A file could not be built; nothing was offered for download."""


@dataclass(frozen=True)
class ExportData:
    """What storage hands over for an export: the sessions, their approved stories, themes (also deleted ones,
    so an action can still name its theme) and agreed actions."""

    sessions: tuple[WorkSession, ...]
    stories: tuple[Story, ...]
    themes: tuple[Theme, ...]
    actions: tuple[Action, ...]


@dataclass(frozen=True)
class Geography:
    """The municipality's buurten (code, name, parent_code, is_water, geometry in EPSG:4326), the point where
    a generalised pin of each buurt is drawn (the projector's own centroids), and the indicators."""

    buurten: gpd.GeoDataFrame
    centroids: Mapping[str, tuple[float, float]]
    numbers: pd.DataFrame  # area code × indicator key (domain.profile.wide_values)
    metas: Sequence[IndicatorMeta] = ()

    def names(self) -> dict[str, str]:
        return {str(c): str(n) for c, n in zip(self.buurten["code"], self.buurten["name"])}


def _lang(lang: str) -> str:
    return lang if lang in ("nl", "en") else "nl"


def public_only(stories: Iterable[Story]) -> list[Story]:
    """Approved stories, oldest first. Defence in depth: storage reads approved stories already."""
    return sorted((s for s in stories if s.status in PUBLIC_STATUSES), key=lambda s: (s.session_id, s.id))


# ------------------------------------------------------------------------------------------------- CSV

def neutralise_cell(text: str) -> str:
    """Text a spreadsheet would run as a formula gets a leading apostrophe; other text is left alone.

    Examples:
        >>> neutralise_cell("=HYPERLINK(\\"http://x\\")")
        '\\'=HYPERLINK("http://x")'
        >>> neutralise_cell("-1"), neutralise_cell("Mooi plein = fijn")
        ("'-1", 'Mooi plein = fijn')
    """
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def csv_cell(value: object) -> str:
    """One value as a CSV cell: numbers with a decimal comma (not neutralised: we wrote them), text neutralised,
    lists joined with ", ", dates in ISO form, missing as an empty cell.

    Examples:
        >>> csv_cell(52.123456), csv_cell(-4.5), csv_cell(7), csv_cell(True), csv_cell(None)
        ('52,123456', '-4,5', '7', '1', '')
        >>> csv_cell(("BU1", "=BU2")), csv_cell(date(2026, 11, 27))
        ('BU1, =BU2', '2026-11-27')
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return f"{value:.6f}".rstrip("0").rstrip(".").replace(".", ",")
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return neutralise_cell(", ".join(str(v) for v in value))
    return neutralise_cell(str(value))


def build_csv(rows: Iterable[Mapping], columns: Sequence[str]) -> bytes:
    """UTF-8 with BOM, ";"-separated, CRLF, every cell through `csv_cell`."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=CSV_SEPARATOR, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([csv_cell(row.get(column)) for column in columns])
    return (CSV_BOM + buffer.getvalue()).encode("utf-8")


# --------------------------------------------------------------------------------------------- stories

def location_kind(lat: float | None, lon: float | None, mode: str, point: tuple[float, float] | None) -> str:
    """How precise an exported place is, next to `generalise_point`'s answer.

    Examples:
        >>> location_kind(52.1, 4.3, "grid100", (52.1004, 4.3006)), location_kind(None, None, "exact", (52.1, 4.3))
        ('grid100', 'buurt_centre')
    """
    if point is None:
        return LOC_NONE
    has_pin = lat is not None and lon is not None and math.isfinite(lat) and math.isfinite(lon)
    return mode if has_pin and mode in (LOC_EXACT, LOC_GRID) else LOC_CENTRE


def story_records(data: ExportData, geography: Geography, lang: str = "nl") -> list[dict]:
    """One row per approved story, its place generalised per its own session's setting."""
    lang = _lang(lang)
    by_id = {s.id: s for s in data.sessions}
    names = geography.names()
    rows = []
    for story in public_only(data.stories):
        work = by_id.get(story.session_id)
        if work is None:
            continue
        mode = work.settings.generalise
        point = generalise_point(story.lat, story.lon, story.buurt_code, mode, geography.centroids)
        kind = STORY_KINDS.get(story.kind, {})
        dimension = DIMENSIONS.get(story.dimension or "", {})
        rows.append({
            "story_id": story.id, "session_code": work.code, "session_title": work.title, "kind": story.kind,
            "kind_label": kind.get(lang, story.kind), "dimension": story.dimension or None,
            "dimension_label": dimension.get(lang), "themes": tuple(story.themes), "text": story.text,
            "redacted": bool(story.is_redacted), "buurt_code": story.buurt_code,
            "buurt_name": names.get(story.buurt_code or ""), "lat": point[0] if point else None,
            "lon": point[1] if point else None, "location": location_kind(story.lat, story.lon, mode, point),
            "created_on": story.created_at.date() if isinstance(story.created_at, datetime) else story.created_at,
            "generated": bool(story.is_demo)})
    return rows


def build_stories_csv(records: Sequence[Mapping]) -> bytes:
    return build_csv(records, STORY_COLUMNS)


def _json_value(value: object) -> object:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, tuple):
        return list(value)
    return value


def build_stories_geojson(records: Sequence[Mapping]) -> bytes:
    """RFC 7946 FeatureCollection (WGS84, lon/lat); a story without any place keeps a null geometry."""
    features = []
    for row in records:
        geometry = None
        if row["lat"] is not None and row["lon"] is not None:
            geometry = {"type": "Point", "coordinates": [row["lon"], row["lat"]]}
        properties = {k: _json_value(row[k]) for k in STORY_COLUMNS if k not in ("lat", "lon")}
        features.append({"type": "Feature", "id": row["story_id"], "geometry": geometry, "properties": properties})
    return json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False,
                      indent=1).encode("utf-8")


# ------------------------------------------------------------------------------------------ GeoPackage

def session_buurten(buurten: gpd.GeoDataFrame, sessions: Iterable[WorkSession]) -> gpd.GeoDataFrame:
    """The buurten of the sessions' areas; a session without area codes covers the whole municipality."""
    chosen = list(sessions)
    if not chosen or any(not s.area_codes for s in chosen):
        return buurten
    codes = set().union(*(s.area_codes for s in chosen))
    return buurten[buurten["code"].isin(codes)]


def buurt_layer(data: ExportData, geography: Geography, records: Sequence[Mapping]) -> gpd.GeoDataFrame:
    """The sessions' buurten with every indicator (missing stays missing) and approved stories per kind."""
    area = session_buurten(geography.buurten, data.sessions)
    frame = area[[c for c in BUURT_COLUMNS if c in area.columns]].copy()
    frame["is_water"] = frame["is_water"].astype(bool) if "is_water" in frame else False
    keys = [m.key for m in geography.metas if m.key in geography.numbers.columns] or \
        list(geography.numbers.columns)
    numbers = geography.numbers.reindex(index=frame["code"], columns=keys).astype("float64")
    for key in keys:
        frame[key] = numbers[key].to_numpy()
    counts = pd.DataFrame(list(records), columns=["buurt_code", "kind"]).value_counts().to_dict()
    for kind in STORY_KINDS:
        frame[f"stories_{kind}"] = [int(counts.get((c, kind), 0)) for c in frame["code"]]
    frame["stories_total"] = frame[[f"stories_{kind}" for kind in STORY_KINDS]].sum(axis=1).astype(int)
    return gpd.GeoDataFrame(frame, geometry=area.geometry.to_numpy(), crs=area.crs or 4326)


def story_layer(records: Sequence[Mapping]) -> gpd.GeoDataFrame:
    frame = pd.DataFrame(list(records), columns=list(STORY_COLUMNS))
    frame["themes"] = [", ".join(v) for v in frame["themes"]]
    frame["created_on"] = [v.isoformat() if v is not None else None for v in frame["created_on"]]
    frame = frame.astype({"story_id": "int64", "redacted": bool, "generated": bool})
    geometry = [shapely.Point(lon, lat) if lat is not None and lon is not None else None
                for lat, lon in zip(frame["lat"], frame["lon"])]
    return gpd.GeoDataFrame(frame.drop(columns=["lat", "lon"]), geometry=geometry, crs=4326)


def build_geopackage(data: ExportData, geography: Geography, records: Sequence[Mapping]) -> bytes:
    """A GeoPackage with two layers: `stories` (points, generalised) and `buurten` (polygons with indicators)."""
    stories = story_layer(records)
    buurten = buurt_layer(data, geography, records)
    with tempfile.TemporaryDirectory(prefix="buurtbeeld-export-") as folder:
        path = Path(folder) / "export.gpkg"
        try:
            stories.to_file(path, layer="stories", driver="GPKG", engine="pyogrio", geometry_type="Point")
            buurten.to_file(path, layer="buurten", driver="GPKG", engine="pyogrio", mode="a",
                            geometry_type="MultiPolygon" if len(buurten) else "Polygon", promote_to_multi=True)
        except Exception as err:  # pyogrio/GDAL errors have no common base class we could name
            raise ExportFailed("Het GeoPackage kon niet worden gemaakt. De andere bestanden werken wel; "
                               f"probeer het opnieuw of meld dit aan de beheerder ({type(err).__name__}).",
                               "The GeoPackage could not be built. The other files still work; try again or "
                               f"tell the administrator ({type(err).__name__}).") from err
        return path.read_bytes()


# --------------------------------------------------------------------------------- vision board tables

def theme_records(data: ExportData) -> list[dict]:
    """Per session the live themes in dot-vote order; a theme's stories are only those still approved."""
    public = {s.id for s in public_only(data.stories)}
    rows = []
    for work in data.sessions:
        for place, theme in enumerate(ranking(t for t in data.themes if t.session_id == work.id), 1):
            story_ids = tuple(i for i in theme.story_ids if i in public)
            rows.append({"session_code": work.code, "rank": place, "theme_id": theme.id, "theme": theme.name,
                         "votes": theme.votes, "stories": len(story_ids),
                         "story_ids": tuple(str(i) for i in story_ids)})
    return rows


def action_records(data: ExportData, geography: Geography) -> list[dict]:
    names = geography.names()
    themes = {t.id: t.name for t in data.themes}
    codes = {s.id: s.code for s in data.sessions}
    return [{"session_code": codes.get(a.session_id), "action_id": a.id, "what": a.what, "owner": a.owner,
             "due_date": a.due_date, "buurt_codes": a.buurt_codes,
             "buurten": tuple(names.get(c, c) for c in a.buurt_codes),
             "theme_ids": tuple(str(i) for i in a.theme_ids),
             "themes": tuple(themes.get(i, f"#{i}") for i in a.theme_ids)}
            for a in sorted(data.actions, key=lambda a: (a.session_id, a.id)) if a.session_id in codes]


# ------------------------------------------------------------------------------------- the report

def respondent_profile(stories: Sequence[Story], area: gpd.GeoDataFrame, numbers: pd.DataFrame,
                       k: int) -> analysis.WhoSpoke:
    """Who spoke, over the whole area, with the analysis page's k-protection (`analysis.who_spoke`)."""
    land = area[~area["is_water"].astype(bool)] if "is_water" in area else area
    frame = pd.DataFrame([{"id": s.id, "lat": s.lat, "lon": s.lon, "buurt_code": s.buurt_code,
                           "age_band": s.age_band, "relation": s.relation} for s in public_only(stories)],
                         columns=["id", "lat", "lon", "buurt_code", "age_band", "relation"])
    frame = frame.astype({"lat": "float64", "lon": "float64"})
    linked = analysis.link_stories(frame, land)
    return analysis.who_spoke(linked, list(land["code"]), numbers, k)[None]


@dataclass(frozen=True)
class SessionReport:
    session: WorkSession
    municipality: str
    area_names: tuple[str, ...]  # empty: the whole municipality (no area codes, or all of its buurten)
    stories: tuple[dict, ...]  # story_records of this session
    themes: tuple[dict, ...]  # theme_records, in ranking order
    actions: tuple[dict, ...]  # action_records
    profile: analysis.WhoSpoke
    made_at: datetime


def session_report(data: ExportData, geography: Geography, *, municipality: str, made_at: datetime,
                   lang: str = "nl") -> SessionReport:
    """Everything the report of one session shows (`data` holds exactly one session)."""
    if len(data.sessions) != 1:
        raise ValueError("a report covers exactly one session")
    work = data.sessions[0]
    names = geography.names()
    covers_all = not work.area_codes or set(names) <= set(work.area_codes)
    area_names = () if covers_all else tuple(sorted((names.get(c, c) for c in work.area_codes), key=str.casefold))
    area = session_buurten(geography.buurten, [work])
    profile = respondent_profile(data.stories, area, geography.numbers, work.settings.k)
    return SessionReport(work, municipality, area_names, tuple(story_records(data, geography, lang)),
                         tuple(theme_records(data)), tuple(action_records(data, geography)), profile, made_at)


REPORT_CSS = """
:root{--ink:#1d1d1b;--muted:#5b5b57;--line:#d9d5cc;--accent:#1f5f8b;--paper:#fbfaf7}
*{box-sizing:border-box}
body{margin:0;background:var(--paper);color:var(--ink);font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,
"Helvetica Neue",Arial,sans-serif}
main{max-width:60rem;margin:0 auto;padding:2rem 1.5rem 3rem;background:#fff}
h1{font-size:1.9rem;line-height:1.2;margin:.2rem 0 1rem}
h2{font-size:1.3rem;margin:2.2rem 0 .6rem;padding-bottom:.2rem;border-bottom:2px solid var(--accent)}
h3{font-size:1.05rem;margin:1.4rem 0 .4rem}
.kicker{text-transform:uppercase;letter-spacing:.08em;font-size:.8rem;color:var(--accent);margin:0;font-weight:700}
.demo{border:2px dashed #b45309;padding:.5rem .8rem;color:#7c2d12}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem;margin:0}
dl.facts dt{color:var(--muted)}dl.facts dd{margin:0}
table{border-collapse:collapse;width:100%;margin:.4rem 0 1rem}
th,td{text-align:left;vertical-align:top;padding:.35rem .5rem;border-bottom:1px solid var(--line)}
th{font-weight:600;color:var(--muted);font-size:.9rem}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.nowrap{white-space:nowrap}
.grid{display:grid;grid-template-columns:1fr 1fr;gap:0 2rem}
.bar{display:inline-block;height:.8rem;background:var(--accent);vertical-align:middle;margin-right:.4rem;
-webkit-print-color-adjust:exact;print-color-adjust:exact}
.note,.muted{color:var(--muted);font-size:.9rem}
.story{border-left:4px solid var(--line);padding:.2rem 0 .2rem .8rem;margin:.6rem 0}
.story p{margin:0;white-space:pre-wrap;overflow-wrap:anywhere}
.story .meta{color:var(--muted);font-size:.85rem}
footer{margin-top:2.5rem;padding-top:.6rem;border-top:1px solid var(--line);color:var(--muted);font-size:.85rem}
@page{size:A4;margin:16mm 15mm}
@media print{
 body{background:#fff;font-size:10.5pt}
 main{max-width:none;padding:0}
 h2{break-after:avoid}
 tr,.story,dl.facts{break-inside:avoid}
}
@media (max-width:40rem){.grid{grid-template-columns:1fr}}
"""


def _date(value: date | None, lang: str) -> str:
    if value is None:
        return ""
    return value.strftime("%d-%m-%Y") if lang == "nl" else value.isoformat()


def _pct(share: float | None, lang: str) -> str:
    if share is None:
        return ""
    text = f"{100 * share:.0f} %"
    return text if lang == "nl" else text.replace(" %", "%")


def _table(headers: Sequence[tuple[str, str]], rows: Iterable[Sequence[str]]) -> str:
    """`headers` as (escaped label, CSS class: "", "num" or "nowrap"); cells must be escaped already."""
    head = "".join(f"<th{f' class={cls}' if cls else ''} scope=col>{label}</th>" for label, cls in headers)
    body = "".join("<tr>" + "".join(f"<td{f' class={cls}' if cls else ''}>{cell}</td>"
                                    for cell, (_, cls) in zip(row, headers)) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def build_report_html(report: SessionReport, tr: Callable[..., str], lang: str = "nl") -> str:
    """The report as one self-contained HTML page: no script, no external request (the CSP says so too),
    print-friendly. Every value from data goes through `safe_text`; `tr(key, **params)` gives the texts."""
    lang = _lang(lang)
    e = safe_text
    work = report.session
    public = list(report.stories)
    counts = count_stories(_Counted(r["kind"], r["dimension"]) for r in public)
    parts = [f"<p class=kicker>{e(tr('exports.report.kicker'))}</p><h1>{e(work.title)}</h1>"]
    if work.is_demo or any(r["generated"] for r in public):
        parts.append(f"<p class=demo>{e(tr('exports.report.demo'))}</p>")
    area = ", ".join(report.area_names) if report.area_names else tr("exports.report.whole_municipality",
                                                                       name=report.municipality)
    facts = [(tr("exports.report.date"), _date(work.session_date, lang) or tr("exports.report.no_date")),
             (tr("exports.report.municipality"), report.municipality),
             (tr("exports.report.area"), area),
             (tr("exports.report.code"), work.code),
             (tr("exports.report.places"), GENERALISATIONS.get(work.settings.generalise, {}).get(lang, "")),
             (tr("exports.report.approved"), str(counts.total))]
    parts.append("<dl class=facts>" + "".join(f"<dt>{e(k)}</dt><dd>{e(v)}</dd>" for k, v in facts) + "</dl>")

    parts.append(f"<section id=themes><h2>{e(tr('exports.report.themes'))}</h2>")
    if report.themes:
        top = max(r["votes"] for r in report.themes) or 1
        rows = [(str(r["rank"]), e(r["theme"]),
                 f"<span class=bar style='width:{round(6 * r['votes'] / top, 2)}rem'></span>{r['votes']}",
                 e(", ".join(f"#{i}" for i in r["story_ids"])) or "–") for r in report.themes]
        parts.append(_table([("#", "num"), (e(tr("exports.report.theme")), ""),
                             (e(tr("exports.report.votes")), "nowrap"), (e(tr("exports.report.theme_stories")), "")],
                            rows))
    else:
        parts.append(f"<p class=muted>{e(tr('exports.report.no_themes'))}</p>")
    parts.append("</section>")

    parts.append(f"<section id=actions><h2>{e(tr('exports.report.actions'))}</h2>")
    if report.actions:
        rows = [(e(a["what"]), e(a["owner"]), e(_date(a["due_date"], lang)) or "–",
                 e(", ".join(a["buurten"])) or "–", e(", ".join(a["themes"])) or "–") for a in report.actions]
        parts.append(_table([(e(tr(f"exports.report.action_{c}")), "nowrap" if c == "due" else "")
                             for c in ("what", "owner", "due", "buurten", "themes")], rows))
    else:
        parts.append(f"<p class=muted>{e(tr('exports.report.no_actions'))}</p>")
    parts.append("</section>")

    parts.append(f"<section id=counts><h2>{e(tr('exports.report.counts'))}</h2><div class=grid><div>")
    parts.append(_table([(e(tr("exports.report.kind")), ""), (e(tr("exports.report.stories")), "num")],
                        [(e(STORY_KINDS[k][lang]), str(n)) for k, n in counts.by_kind.items()]))
    parts.append("</div><div>")
    without = counts.total - sum(counts.by_dimension.values())
    dims = [(e(DIMENSIONS[d][lang]), str(n)) for d, n in counts.by_dimension.items()]
    dims += [(e(tr("exports.report.no_dimension")), str(without))] if without else []
    parts.append(_table([(e(tr("exports.report.dimension")), ""), (e(tr("exports.report.stories")), "num")],
                        dims))
    parts.append("</div></div></section>")

    parts.append(_profile_html(report.profile, tr, lang))

    parts.append(f"<section id=stories><h2>{e(tr('exports.report.stories_title'))}</h2>")
    if not public:
        parts.append(f"<p class=muted>{e(tr('exports.report.no_stories'))}</p>")
    for kind, spec in STORY_KINDS.items():
        of_kind = [r for r in public if r["kind"] == kind]
        if not of_kind:
            continue
        parts.append(f"<h3>{e(spec[lang])} ({len(of_kind)})</h3>")
        for r in of_kind:
            meta = [f"#{r['story_id']}", r["buurt_name"] or r["buurt_code"] or "", r["dimension_label"] or "",
                    ", ".join(r["themes"]), tr("exports.report.redacted") if r["redacted"] else ""]
            parts.append(f"<div class=story><p>{e(r['text'])}</p>"
                         f"<div class=meta>{e(' · '.join(m for m in meta if m))}</div></div>")
    parts.append("</section>")

    made = report.made_at.strftime("%d-%m-%Y %H:%M" if lang == "nl" else "%Y-%m-%d %H:%M")
    parts.append(f"<footer><p>{e(tr('exports.report.footer', made=made, k=work.settings.k))}</p></footer>")
    title = f"{tr('exports.report.kicker')} · {work.title}"
    return ("<!DOCTYPE html>\n"
            f"<html lang={lang}><head><meta charset=utf-8>"
            "<meta http-equiv=Content-Security-Policy content=\"default-src 'none'; style-src 'unsafe-inline'\">"
            "<meta name=viewport content='width=device-width, initial-scale=1'>"
            f"<title>{e(title)}</title><style>{REPORT_CSS}</style></head>"
            f"<body><main>{''.join(parts)}</main></body></html>\n")


@dataclass(frozen=True)
class _Counted:
    kind: str
    dimension: str | None


def _profile_html(who: analysis.WhoSpoke, tr: Callable[..., str], lang: str) -> str:
    e = safe_text
    head = f"<section id=profile><h2>{e(tr('exports.report.profile'))}</h2>"
    note = f"<p class=note>{e(tr('exports.report.profile_note', k=who.k))}</p>"
    if who.total < who.k:
        return head + f"<p class=muted>{e(tr('exports.report.profile_too_few', total=who.total, k=who.k))}</p>" \
            + note + "</section>"
    hidden = e(tr("exports.report.hidden"))
    tables = []
    for title, rows in ((tr("exports.report.age"), who.ages), (tr("exports.report.relation"), who.relations)):
        with_population = any(r.population_share is not None for r in rows)
        headers = [(e(title), ""), (e(tr("exports.report.stories")), "num"), (e(tr("exports.report.share")), "num")]
        if with_population:
            headers.append((e(tr("exports.report.population")), "num"))
        cells = []
        for r in rows:
            row = [e(r.label(lang)), hidden if r.count is None else str(r.count),
                   hidden if r.count is None else e(_pct(r.share, lang))]
            if with_population:
                row.append(e(_pct(r.population_share, lang)))
            cells.append(row)
        tables.append(f"<div>{_table(headers, cells)}</div>")
    missing = who.warnings(lang)
    warning = f"<p>{e(tr('exports.report.profile_missing', groups='; '.join(missing)))}</p>" if missing else ""
    return head + f"<div class=grid>{''.join(tables)}</div>" + warning + note + "</section>"
