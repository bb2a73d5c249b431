"""Annotated map exports, built from plain data (no `st.` calls): the statistics choropleth of one indicator with
the approved story pins, as one HTML file that works offline (Leaflet inlined from its xstatic package) and as a
static sheet for PNG/PDF (domain/static_map.py). Colours, legend, tooltips and pin shapes are the statistics
map's (components/maps.py) and the projector's (components/projector.py) own; stories and their generalised
places are the data exports' `story_records`.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

import folium
import geopandas as gpd
import pandas as pd

from components import assets, maps, projector
from domain import exports, static_map
from domain.classification import SCHEMES, Classification, classify
from domain.formatting import format_value
from domain.models import STORY_KINDS, IndicatorMeta, Municipality
from domain.profile import indicator_average
from domain.projector import Counts
from domain.sessions import GENERALISATIONS
from domain.spatial import bounds_latlon, to_feature_collection
from domain.text import safe_text

MAP_ID = "buurtbeeld"  # a fixed map id instead of folium's random one: the same choice gives the same file
OFFLINE_ASSETS = ("leaflet.css", "leaflet.js")  # all the exported map needs; folium's other defaults are dropped
EXPORT_PIN_PX = 26
SIMPLIFY_M = 5.0

# Sources we can credit by name, matched in the stored source text (the importer stores "CBS wijk- en
# buurtkaart (file)"; a Leefbaarometer CSV keeps its file name). CBS publishes under CC BY 4.0.
SOURCE_CREDITS = (
    ("leefbaarometer", "Leefbaarometer, Ministerie van BZK"),
    ("cbs", "© CBS, CC BY 4.0"),
)

_SCRIPT_TAG = re.compile(r"<script\b[^>]*\bsrc=\"([^\"]+)\"[^>]*>\s*</script>", re.IGNORECASE)
_LINK_TAG = re.compile(r"<link\b[^>]*\bhref=\"([^\"]+)\"[^>]*>", re.IGNORECASE)
_SOURCE_MAP = re.compile(r"^\s*//# sourceMappingURL=.*$", re.MULTILINE)
# Anything a browser would fetch by itself: src/href on any tag but a link anchor (<a> only navigates on a
# click), srcset, CSS url() and @import — to another host (http, https or protocol-relative).
_EXTERNAL = (
    re.compile(r"<(?!a[\s>])[a-z][^<>]*?\s(?:src|href|srcset|data|poster)\s*=\s*[\"']?\s*(?:https?:)?//",
               re.IGNORECASE),
    re.compile(r"url\(\s*[\"']?\s*(?:https?:)?//", re.IGNORECASE),
    re.compile(r"@import\s+(?:url\()?\s*[\"']?\s*(?:https?:)?//", re.IGNORECASE),
)


@dataclass(frozen=True)
class MapChoice:
    meta: IndicatorMeta
    scheme: str
    k: int
    title: str
    annotation: str = ""


@dataclass(frozen=True)
class MapExport:
    """The classified map and everything printed around it, in one language."""

    choice: MapChoice
    lang: str
    area: gpd.GeoDataFrame
    classification: Classification
    cells: dict[str, maps.MapCell]
    entries: tuple[maps.LegendEntry, ...]
    legend_subtitle: str
    subtitle: str
    records: tuple[dict, ...]  # story_records: approved only, places generalised per session
    attribution: tuple[str, ...]
    made_at: datetime

    @property
    def pinned(self) -> list[dict]:
        kinds = list(STORY_KINDS)
        return sorted((r for r in self.records if r["lat"] is not None and r["lon"] is not None
                       and r["kind"] in STORY_KINDS), key=lambda r: (kinds.index(r["kind"]), r["story_id"]))


def mappable_indicators(metas: Sequence[IndicatorMeta], numbers: pd.DataFrame, codes: Sequence[str]) \
        -> list[IndicatorMeta]:
    """Indicators with at least one known value in the area (the others cannot be classified)."""
    shown = numbers.loc[numbers.index.isin(list(codes))]
    return [m for m in metas if m.key in shown and shown[m.key].notna().any()]


def map_area(data: exports.ExportData, geography: exports.Geography) -> gpd.GeoDataFrame:
    area = exports.session_buurten(geography.buurten, data.sessions)
    return area if len(area) else geography.buurten


def _credit(source: str, year: int | None) -> str:
    """The stored source and year, plus the licence line of a source we recognise.

    Examples:
        >>> _credit("CBS wijk- en buurtkaart (wijkbuurtkaart_2024_v1.gpkg)", 2024)
        'CBS wijk- en buurtkaart (wijkbuurtkaart_2024_v1.gpkg), 2024 (© CBS, CC BY 4.0)'
        >>> _credit("CSV (leefbaarometer_3.csv)", None)
        'CSV (leefbaarometer_3.csv) (Leefbaarometer, Ministerie van BZK)'
    """
    text = ", ".join(part for part in (source.strip(), str(year) if year else "") if part)
    extra = [credit for word, credit in SOURCE_CREDITS if word in source.lower()]
    return f"{text} ({extra[0]})" if extra else text


def _date(value: date | datetime, lang: str) -> str:
    return value.strftime("%d-%m-%Y") if lang == "nl" else value.strftime("%Y-%m-%d")


def attribution_lines(data: exports.ExportData, municipality: Municipality, meta: IndicatorMeta,
                      made_at: datetime, tr: Callable[..., str], lang: str, *, generated: bool) -> tuple[str, ...]:
    """Where the boundaries, the figures and the stories come from, and when the map was made."""
    modes = {s.settings.generalise for s in data.sessions}
    places = (GENERALISATIONS.get(next(iter(modes)), {}).get(lang, "") if len(modes) == 1
              else tr("exports.map.places_mixed"))
    sessions = ", ".join(f"{s.title} ({s.code})" for s in data.sessions)
    lines = [
        " · ".join((tr("exports.map.credit_boundaries", source=_credit(municipality.source, municipality.year)),
                    tr("exports.map.credit_figures", label=meta.label(lang),
                       source=_credit(meta.source, meta.year) or "–"))),
        tr("exports.map.credit_stories", sessions=sessions, places=places.lower()),
        tr("exports.map.credit_made", date=_date(made_at, lang)),
    ]
    if municipality.is_demo or generated:
        lines.insert(0, tr("exports.map.demo"))
    return tuple(lines)


def build_map_export(data: exports.ExportData, geography: exports.Geography, records: Sequence[dict],
                     choice: MapChoice, *, municipality: Municipality, made_at: datetime, tr: Callable[..., str],
                     lang: str = "nl") -> MapExport:
    """Classify the indicator over the sessions' buurten (raises ClassificationError when it has no values)."""
    lang = lang if lang in ("nl", "en") else "nl"
    meta = choice.meta
    area = map_area(data, geography)
    codes = [str(c) for c in area["code"]]
    column = geography.numbers[meta.key] if meta.key in geography.numbers else pd.Series(dtype="float64")
    values = [None if pd.isna(v := column.get(code)) else float(v) for code in codes]
    average = indicator_average(geography.numbers.loc[geography.numbers.index.isin(codes)], meta)
    classification = classify(values, choice.scheme, choice.k, direction=meta.direction, average=average,
                              decimals=meta.decimals)
    water = [bool(w) for w in area["is_water"]] if "is_water" in area else [False] * len(codes)
    cells = maps.choropleth_cells(codes, list(area["name"]), [None] * len(codes), water, values, classification,
                                  meta, lang)
    water_count = sum(1 for v, w in zip(values, water) if v is None and w)
    entries = maps.legend_entries(classification, lang, water_count=water_count)
    legend_subtitle = " · ".join(part for part in (
        f"{tr('stats.unit')}: {meta.unit}" if meta.unit else "",
        f"{tr('stats.average')}: {format_value(average, meta.unit, meta.decimals, lang)}",
        SCHEMES[choice.scheme][lang]) if part)
    if len(data.sessions) == 1:
        work = data.sessions[0]
        parts = [municipality.name, tr("exports.map.session", code=work.code),
                 _date(work.session_date, lang) if work.session_date else ""]
    else:
        parts = [municipality.name, tr("exports.map.sessions", n=len(data.sessions))]
    generated = any(r["generated"] for r in records) or any(s.is_demo for s in data.sessions)
    return MapExport(choice, lang, area, classification, cells, tuple(entries), legend_subtitle,
                     " · ".join(p for p in parts if p), tuple(records),
                     attribution_lines(data, municipality, meta, made_at, tr, lang, generated=generated), made_at)


def wijk_outlines(area: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The wijken as the union of their buurten (CBS buurten tile their wijk exactly)."""
    if "parent_code" not in area or not area["parent_code"].notna().any():
        return gpd.GeoDataFrame({"code": []}, geometry=[], crs=area.crs)
    land = area[area["parent_code"].notna()][["parent_code", "geometry"]]
    wijken = land.dissolve(by="parent_code").reset_index().rename(columns={"parent_code": "code"})
    return wijken[["code", "geometry"]]


def kind_counts(export: MapExport) -> Counts:
    pinned = export.pinned
    by_kind = {k: sum(1 for r in pinned if r["kind"] == k) for k in STORY_KINDS}
    return Counts(len(pinned), by_kind, {})


def _no_place_note(export: MapExport, tr: Callable[..., str]) -> str:
    missing = len(export.records) - len(export.pinned)
    return tr("exports.map.no_place", n=missing) if missing else ""


# --------------------------------------------------------------------------------------------- static sheet

def build_sheet(export: MapExport, tr: Callable[..., str]) -> static_map.MapSheet:
    """The PNG/PDF sheet: the same classes, colours and pins as the HTML map."""
    lang = export.lang
    area = export.area.copy()
    area["fill"] = [export.cells[str(c)].fill for c in area["code"]]
    area["hatched"] = [export.cells[str(c)].dashed for c in area["code"]]
    word = tr("stats.buurten")

    def swatch(entry: maps.LegendEntry) -> static_map.Swatch:
        label = f"{entry.label} ({entry.count} {word})" if entry.count is not None else entry.label
        return static_map.Swatch(entry.colour, label, hatched=entry.dashed)

    classes = tuple(swatch(e) for e in export.entries[:export.classification.k])
    no_data = tuple(swatch(e) for e in export.entries[export.classification.k:])
    counts = kind_counts(export)
    kinds = tuple(static_map.PinKind(kind, STORY_KINDS[kind][lang], *projector.KIND_STYLE[kind],
                                     counts.by_kind[kind]) for kind in STORY_KINDS)
    pins = tuple(static_map.Pin(r["lat"], r["lon"], r["kind"]) for r in export.pinned)
    return static_map.MapSheet(
        title=export.choice.title, subtitle=export.subtitle, areas=area, outlines=wijk_outlines(export.area).geometry,
        legend_title=export.choice.meta.label(lang), legend_subtitle=export.legend_subtitle, classes=classes,
        no_data=no_data, kinds_title=tr("exports.map.kinds"), kinds=kinds, pins=pins,
        annotation_title=tr("exports.map.annotation_title"), annotation=export.choice.annotation,
        note=_no_place_note(export, tr), attribution=export.attribution, made_at=export.made_at)


# ------------------------------------------------------------------------------------------------- HTML

class _ExportPins(maps._DataLayer):
    """Every pin, no clustering (the file is read, not projected): `[lat, lon, kind index, story id, dx, dy]`,
    shaped as on the projector. Stacked pins fan out by (dx, dy) pixels. No resident text travels in the JS:
    a pin's popup is a copy of its entry in the escaped story list below the map."""

    _template = folium.template.Template("""{% macro script(this, kwargs) %}
var {{ this.get_name() }}_pins = {{ this.pins_js }};
var {{ this.get_name() }}_svgs = {{ this.icons_js }};
var {{ this.get_name() }}_names = {{ this.names_js }};
var {{ this.get_name() }} = L.featureGroup();
{{ this.get_name() }}_pins.forEach(function (p) {
    var half = {{ this.px }} / 2;
    var icon = L.divIcon({html: {{ this.get_name() }}_svgs[p[2]], className: 'bb-kind',
                          iconSize: [{{ this.px }}, {{ this.px }}], iconAnchor: [half - p[4], half - p[5]]});
    var marker = L.marker([p[0], p[1]], {icon: icon, title: {{ this.get_name() }}_names[p[2]] + ' #' + p[3],
                                         alt: {{ this.get_name() }}_names[p[2]]});
    marker.bindPopup(function () {
        var box = document.createElement('div'), entry = document.getElementById('story-' + p[3]);
        box.className = 'bb-popup';
        if (entry) { var copy = entry.cloneNode(true); copy.removeAttribute('id'); box.appendChild(copy); }
        return box;
    }, {maxWidth: 340});
    marker.addTo({{ this.get_name() }});
});
{% endmacro %}""")

    def __init__(self, pins: list[list], lang: str, *, name: str):
        super().__init__(name=name, overlay=True)
        self._name = "ExportPins"
        self.px = EXPORT_PIN_PX
        self.icons_js = maps._script_json([projector.kind_svg(kind, EXPORT_PIN_PX) for kind in STORY_KINDS])
        self.names_js = maps._script_json([safe_text(spec[lang]) for spec in STORY_KINDS.values()])
        self.pins_js = maps._script_json(pins)


def export_pin_rows(pinned: Sequence[dict]) -> list[list]:
    """`[lat, lon, kind index, story id, dx, dy]`; stories on one generalised spot fan out around it."""
    kinds = list(STORY_KINDS)
    offsets = static_map.fanned_positions([(r["lat"], r["lon"]) for r in pinned], EXPORT_PIN_PX * 0.8)
    return [[r["lat"], r["lon"], kinds.index(r["kind"]), r["story_id"], dx, dy]
            for r, (dx, dy) in zip(pinned, offsets)]


def build_pin_layer(pinned: Sequence[dict], lang: str, *, name: str = "stories") -> folium.FeatureGroup:
    group = folium.FeatureGroup(name=name)
    _ExportPins(export_pin_rows(pinned), lang, name=name).add_to(group)
    maps.stabilise_ids(group, name)
    return group


def inline_assets(html: str) -> str:
    """Leaflet's script and stylesheet written into the page from the installed xstatic package; every other
    script or stylesheet folium links to (CDN defaults, the app's /app/static copies) is left out."""
    files = assets.package_files()

    def inline(match: re.Match, tag: str) -> str:
        name = match.group(1).rsplit("/", 1)[-1].split("?")[0]
        if name not in OFFLINE_ASSETS:
            return ""
        text = _SOURCE_MAP.sub("", files[name].read_text(encoding="utf-8"))
        if f"</{tag}" in text.lower():
            raise ValueError(f"{name} cannot be inlined: it contains </{tag}")
        return f"<{tag}>{text}</{tag}>"

    html = _SCRIPT_TAG.sub(lambda m: inline(m, "script"), html)
    return _LINK_TAG.sub(lambda m: inline(m, "style") if "stylesheet" in m.group(0).lower() else "", html)


def external_references(html: str) -> list[str]:
    """What in the page would make a browser reach another host by itself (empty for an offline file)."""
    return [m.group(0)[:120] for pattern in _EXTERNAL for m in pattern.finditer(html)]


EXPORT_CSS = """
:root{--ink:#1d1d1b;--muted:#5b5b57;--line:#d9d5cc;--accent:#1f5f8b}
html,body{height:auto!important;width:auto!important}
body{margin:0;background:#fff;color:var(--ink);font:16px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,
"Helvetica Neue",Arial,sans-serif}
.bb-page{max-width:90rem;margin:0 auto;padding:1.2rem 1.5rem 2rem}
.bb-kicker{text-transform:uppercase;letter-spacing:.08em;font-size:.8rem;color:var(--accent);margin:0;font-weight:700}
h1{font-size:1.8rem;line-height:1.2;margin:.2rem 0 .2rem}
.bb-sub{color:var(--muted);margin:0 0 1rem}
.bb-sheet{display:grid;grid-template-columns:minmax(0,3fr) minmax(16rem,1fr);gap:1.2rem;align-items:start}
.bb-mapbox{height:72vh;min-height:26rem;border:1px solid var(--line)}
.bb-mapbox .folium-map{height:100%!important}
.bb-mapbox .leaflet-container{background:#f4f1ea}
aside h2,.bb-stories h2{font-size:1.05rem;margin:1rem 0 .4rem}
.bb-kinds{display:grid;gap:.2rem}
.bb-kind-row{display:flex;align-items:center;gap:.5em}.bb-kind-row b{margin-left:auto}
.bb-kind{background:none;border:none}
.bb-note{color:var(--muted);font-size:.9rem}
.bb-annotation{border-left:4px solid var(--accent);background:#f7f5f0;padding:.4rem .8rem;margin-top:1rem}
.bb-annotation p{margin:.2rem 0;white-space:pre-wrap;overflow-wrap:anywhere}
.bb-stories ol{list-style:none;padding:0;columns:2 22rem;column-gap:2rem}
.bb-story{break-inside:avoid;border-left:4px solid var(--line);padding:.2rem 0 .2rem .7rem;margin:0 0 .7rem}
.bb-story .bb-meta{color:var(--muted);font-size:.85rem;display:flex;align-items:center;gap:.35em}
.bb-story p{margin:.1rem 0 0;white-space:pre-wrap;overflow-wrap:anywhere}
.bb-popup .bb-story{border:none;padding:0;margin:0}
footer{margin-top:1.5rem;padding-top:.6rem;border-top:1px solid var(--line);color:var(--muted);font-size:.85rem}
footer p{margin:.15rem 0}
@page{size:A4 landscape;margin:12mm}
@media print{.bb-page{max-width:none;padding:0}.bb-mapbox{height:150mm}.bb-story{break-inside:avoid}
.leaflet-control-zoom{display:none}*{-webkit-print-color-adjust:exact;print-color-adjust:exact}}
@media (max-width:50rem){.bb-sheet{grid-template-columns:1fr}}
"""
CSP = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:"


def _story_list(export: MapExport, tr: Callable[..., str]) -> str:
    e = safe_text
    kinds = list(STORY_KINDS)
    ordered = sorted(export.records, key=lambda r: (kinds.index(r["kind"]) if r["kind"] in kinds else 99,
                                                    r["story_id"]))
    items = []
    for r in ordered:
        meta = [r["kind_label"], r["buurt_name"] or r["buurt_code"] or "", r["dimension_label"] or "",
                f"#{r['story_id']}", "" if r["lat"] is not None else tr("exports.map.story_no_place")]
        items.append(f"<li class=bb-story id=story-{int(r['story_id'])} data-kind=\"{e(r['kind'])}\">"
                     f"<div class=bb-meta>{projector.kind_svg(r['kind'], 18) if r['kind'] in STORY_KINDS else ''}"
                     f"<span>{e(' · '.join(m for m in meta if m))}</span></div><p>{e(r['text'])}</p></li>")
    title = e(tr("exports.map.stories_title", n=len(ordered)))
    body = f"<ol>{''.join(items)}</ol>" if items else f"<p class=bb-note>{e(tr('exports.map.no_stories'))}</p>"
    return f"<section class=bb-stories id=stories><h2>{title}</h2>{body}</section>"


def build_map_html(export: MapExport, tr: Callable[..., str]) -> str:
    """One HTML file: the map (pan, zoom, hover a buurt, click a pin), legend, annotation, the stories and the
    sources. Leaflet is inside the file and a Content-Security-Policy forbids any request, so it opens
    without a network and cannot call home. Every text from data or from the analyst goes through safe_text."""
    e = safe_text
    lang = export.lang
    m = maps.build_base_map(bounds_latlon(export.area))  # never a tile layer: tiles would need the internet
    m._id = MAP_ID
    features = to_feature_collection(export.area, [], tolerance_m=SIMPLIFY_M)
    maps.build_choropleth_layer(features, export.cells).add_to(m)
    wijken = wijk_outlines(export.area)
    if len(wijken):
        maps.build_outline_layer(to_feature_collection(wijken, [], tolerance_m=SIMPLIFY_M)).add_to(m)
    build_pin_layer(export.pinned, lang).add_to(m)
    maps.stabilise_ids(m, "bb")
    rendered = inline_assets(m.get_root().render())

    head, rest = rendered.split("</head>", 1)
    head = head.split("<head>", 1)[1]
    body, script = rest.split("</body>", 1)
    body = body.split("<body>", 1)[1]
    script = script.rsplit("</html>", 1)[0]
    map_div = f'<div class="folium-map" id="map_{MAP_ID}" ></div>'
    if body.count(map_div) != 1:
        raise ValueError("folium's map element has changed; update build_map_html")

    legend = maps.build_legend_html(export.choice.meta.label(lang), export.legend_subtitle, export.entries,
                                    count_word=tr("stats.buurten"))
    aside = [legend, f"<h2>{e(tr('exports.map.kinds'))}</h2>",
             projector.build_kind_legend_html(kind_counts(export), lang),
             f"<p class=bb-note>{e(tr('exports.map.pin_hint'))}</p>"]
    if note := _no_place_note(export, tr):
        aside.append(f"<p class=bb-note>{e(note)}</p>")
    if export.choice.annotation:
        aside.append(f"<div class=bb-annotation><h2>{e(tr('exports.map.annotation_title'))}</h2>"
                     f"<p>{e(export.choice.annotation)}</p></div>")
    page = (f"<div class=bb-page><header><p class=bb-kicker>{e(tr('exports.map.kicker'))}</p>"
            f"<h1>{e(export.choice.title)}</h1><p class=bb-sub>{e(export.subtitle)}</p></header>"
            f"<div class=bb-sheet><div class=bb-mapbox>{map_div}</div><aside>{''.join(aside)}</aside></div>"
            f"{_story_list(export, tr)}"
            f"<footer>{''.join(f'<p>{e(line)}</p>' for line in export.attribution)}</footer></div>")
    html = ("<!DOCTYPE html>\n"
            f"<html lang={lang}><head><meta charset=utf-8>"
            f"<meta http-equiv=Content-Security-Policy content=\"{CSP}\">"
            f"<title>{e(export.choice.title)}</title>{head}<style>{EXPORT_CSS}</style></head>"
            f"<body>{body.replace(map_div, page)}{script}</body></html>\n")
    if found := external_references(html):
        raise ValueError(f"the exported map would reach the internet: {found}")
    return html
