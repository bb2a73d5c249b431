"""The annotated map export builders (components/map_export.py) on a hand-made geography of three square buurten:
the HTML file works offline (Leaflet inlined, nothing fetched from another host, a CSP that forbids it), holds no
unapproved story, escapes every text, places pins as the session promises and fans out stacked ones; the static
sheet gets the same classes, colours and pins; sources are credited."""
from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import UTC, date, datetime
from functools import partial

import folium
import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import box

from components import maps, projector
from components.i18n import translate
from components.map_export import (
    MapChoice,
    build_map_export,
    build_map_html,
    build_sheet,
    export_pin_rows,
    external_references,
    inline_assets,
    mappable_indicators,
)
from domain import exports
from domain.errors import ClassificationError
from domain.models import STORY_KINDS, IndicatorMeta, Municipality
from domain.sessions import SessionSettings, WorkSession
from domain.stories import Story

NOW = datetime(2026, 11, 27, 20, 0, tzinfo=UTC)
PIN = (52.0951234, 5.1051234)  # inside BU1
CENTRES = {"BU1": (52.095, 5.105), "BU2": (52.095, 5.115), "BU3": (52.095, 5.125)}
PAYLOAD = "<script>alert('x')</script><img src=x onerror=alert(1)> ${1+1} {{ 7*7 }}"
NL = partial(translate, "nl")
EN = partial(translate, "en")
WOZ = IndicatorMeta("woz", "WOZ-waarde", "WOZ value", unit="x 1000 euro", source="CBS wijk- en buurtkaart (wbk.gpkg)",
                    year=2024, decimals=0)
LBM = IndicatorMeta("lbm", "Leefbaarometer", "Leefbaarometer", source="CSV (leefbaarometer_3.csv)", year=2022)
EMPTY = IndicatorMeta("leeg", "Nergens bekend", "Known nowhere")
MUNICIPALITY = Municipality(1, "GM0344", "Utrecht", "CBS wijk- en buurtkaart (wbk.gpkg)", 2024, False, True)


def geography() -> exports.Geography:
    buurten = gpd.GeoDataFrame(
        {"code": ["BU1", "BU2", "BU3"], "name": ["Kerkbuurt", "Werfkade", "Oud <Oost>"],
         "parent_code": ["WK1", "WK1", "WK2"], "is_water": [False, False, False]},
        geometry=[box(5.10, 52.09, 5.11, 52.10), box(5.11, 52.09, 5.12, 52.10), box(5.12, 52.09, 5.13, 52.10)],
        crs=4326)
    numbers = pd.DataFrame({"woz": [312.0, float("nan"), 250.0], "lbm": [4.1, 3.9, 4.0],
                            "leeg": [float("nan")] * 3}, index=pd.Index(["BU1", "BU2", "BU3"], name="code"))
    return exports.Geography(buurten, CENTRES, numbers, [WOZ, LBM, EMPTY])


def work(session_id=1, *, mode="exact", code="AAA111", area=(), title=None) -> WorkSession:
    return WorkSession(id=session_id, code=code, title=title or f"Wijkavond {code}", session_date=date(2026, 11, 27),
                       municipality_id=1, area_codes=area, prompts={}, themes=(),
                       settings=SessionSettings(generalise=mode), status="open", is_demo=False, created_at=NOW)


def story(story_id, *, status="approved", kind="proud", text=None, session_id=1, lat=PIN[0], lon=PIN[1],
          buurt="BU1") -> Story:
    return Story(id=story_id, session_id=session_id, kind=kind, text=text or f"verhaal nummer {story_id}",
                 status=status, created_at=NOW, buurt_code=buurt, lat=lat, lon=lon, place_description="Kerkstraat 12")


def make(*stories, sessions=None, choice=None, lang="nl", tr=NL):
    data = exports.ExportData(tuple(sessions or [work()]), tuple(stories), (), ())
    geo = geography()
    records = exports.story_records(data, geo, lang)
    choice = choice or MapChoice(WOZ, "quantiles", 5, "Kaart van de avond")
    return build_map_export(data, geo, records, choice, municipality=MUNICIPALITY, made_at=NOW, tr=tr, lang=lang)


def pin_rows(html: str) -> list[list]:
    line = next(x for x in html.splitlines() if "_pins = [" in x)
    return json.loads(line.split(" = ", 1)[1].rstrip(";"))


# ---------------------------------------------------------------------------------------------- offline

def test_the_html_map_needs_no_network():
    html = build_map_html(make(story(1), story(2, kind="concern")), NL)
    assert external_references(html) == []
    # the brief's own check: no src/href to another host anywhere in the file, only Leaflet's credit link
    # (an <a> in Leaflet's attribution control: followed on a click, never fetched)
    found = re.findall(r"(?:src|href)\s*=\s*[\"']?(?:https?:)?//[^\"'\s>]*", html, re.IGNORECASE)
    assert set(found) == {'href="https://leafletjs.com'}
    assert "<link" not in html and not re.search(r"<script[^>]+src", html)
    assert "Content-Security-Policy" in html and "default-src 'none'" in html
    assert "L.map(" in html and "L.divIcon" in html and ".leaflet-container" in html  # Leaflet inlined
    assert "sourceMappingURL" not in html


@pytest.mark.parametrize("links", [
    # folium's defaults (CDN) and the app's local copies after components.assets.use_local_assets
    ([("leaflet", "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js"),
      ("jquery", "https://code.jquery.com/jquery-3.7.1.min.js"),
      ("bootstrap", "https://cdn.jsdelivr.net/npm/bootstrap@5.2.2/dist/js/bootstrap.bundle.min.js")],
     [("leaflet_css", "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.css"),
      ("awesome", "https://netdna.bootstrapcdn.com/bootstrap/3.0.0/css/bootstrap-glyphicons.css")]),
    ([("leaflet", "/app/static/vendor/leaflet/leaflet.js"), ("jquery", "/app/static/vendor/jquery/jquery.min.js")],
     [("leaflet_css", "/app/static/vendor/leaflet/leaflet.css")]),
], ids=["cdn", "local"])
def test_leaflet_is_inlined_whatever_folium_links_to(links, monkeypatch):
    js, css = links
    monkeypatch.setattr(folium.Map, "default_js", js)
    monkeypatch.setattr(folium.Map, "default_css", css)
    html = build_map_html(make(story(1)), NL)
    assert external_references(html) == [] and "/app/static" not in html
    assert "Leaflet 1.9.3" in html and "-webkit-tap-highlight-color" in html  # its script and its stylesheet
    assert "jquery" not in html.lower() and "bootstrap" not in html.lower()


@pytest.mark.parametrize("snippet, external", [
    ('<script src="https://cdn.example.org/x.js"></script>', True),
    ("<link rel=stylesheet href=//cdn.example.org/x.css>", True),
    ('<img alt="" src="http://example.org/a.png">', True),
    ("<style>.a{background:url( 'https://example.org/a.png')}</style>", True),
    ('<style>@import "https://example.org/b.css";</style>', True),
    ('<a href="https://leafletjs.com">Leaflet</a>', False),
    ("<svg xmlns='http://www.w3.org/2000/svg'></svg>", False),
    ('<img src="data:image/png;base64,AAAA">', False),
    ('<script src="leaflet.js"></script>', False),
])
def test_external_references(snippet, external):
    assert bool(external_references(snippet)) is external


def test_inline_assets_drops_what_it_cannot_inline():
    page = ('<head><script src="https://cdn.example.org/leaflet.js"></script>'
            '<script src="https://cdn.example.org/other.js"></script>'
            '<link rel="stylesheet" href="https://cdn.example.org/leaflet.css"/>'
            '<link rel="stylesheet" href="https://cdn.example.org/font.css"/></head>')
    inlined = inline_assets(page)
    assert external_references(inlined) == [] and "other.js" not in inlined and "font.css" not in inlined
    assert inlined.count("<script>") == 1 and inlined.count("<style>") == 1


def test_the_same_choice_gives_the_same_file():
    assert build_map_html(make(story(1)), NL) == build_map_html(make(story(1)), NL)


# ---------------------------------------------------------------------------------------- what is in it

@pytest.mark.parametrize("status", ["pending", "hidden", "withdrawn"])
def test_no_unapproved_story_in_the_map(status):
    secret = f"GEHEIM-{status}-verhaal"
    export = make(story(1, text="openbaar verhaal"), story(2, text=secret, status=status))
    html = build_map_html(export, NL)
    assert secret not in html and "openbaar verhaal" in html
    assert [row[3] for row in pin_rows(html)] == [1] and "story-2" not in html
    assert [p.kind for p in build_sheet(export, NL).pins] == ["proud"]


def test_every_text_is_escaped():
    export = make(story(1, text=PAYLOAD), sessions=[work(title=f"Avond {PAYLOAD}")],
                  choice=MapChoice(WOZ, "quantiles", 5, f"Titel {PAYLOAD}", f"Toelichting {PAYLOAD}"))
    html = build_map_html(export, NL)
    assert "<script>alert" not in html and "<img src=x" not in html and "{{ 7*7 }}" not in html
    escaped = "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt; &#36;&#123;1+1&#125;"
    assert html.count(escaped) >= 4  # title (h1 and <title>), annotation, story, the session in the sources
    assert f"<h1>Titel {escaped}" in html and f"<p>Toelichting {escaped}" in html
    assert "Oud &lt;Oost&gt;" in html and "Oud <Oost>" not in html  # a buurt name from data
    # no resident text in the map's JS: a pin's popup copies its escaped list entry
    assert "alert" not in "".join(line for line in html.splitlines() if "_pins = " in line)


def test_pins_follow_the_session_generalisation_and_fan_out():
    export = make(story(1), story(2, kind="concern"), story(3, kind="idea", buurt="BU3", lat=None, lon=None),
                  sessions=[work(mode="centroid")])
    rows = pin_rows(build_map_html(export, NL))
    kinds = list(STORY_KINDS)
    assert [(r[0], r[1], r[2], r[3]) for r in rows] == [
        (52.095, 5.105, kinds.index("proud"), 1), (52.095, 5.105, kinds.index("concern"), 2),
        (52.095, 5.125, kinds.index("idea"), 3)]
    assert (rows[0][4], rows[0][5]) == (0.0, 0.0) and (rows[1][4], rows[1][5]) != (0.0, 0.0)  # stacked: fanned
    assert (rows[2][4], rows[2][5]) == (0.0, 0.0)
    assert "52.0951234" not in build_map_html(export, NL)


def test_each_story_keeps_its_own_session_generalisation():
    export = make(story(1, session_id=1), story(2, session_id=2),
                  sessions=[work(1, mode="exact"), work(2, mode="centroid", code="BBB222")])
    rows = {r[3]: (r[0], r[1]) for r in export_pin_rows(export.pinned)}
    assert rows == {1: (52.095123, 5.105123), 2: (52.095, 5.105)}


def test_a_story_without_a_place_is_listed_not_pinned():
    export = make(story(1), story(2, lat=None, lon=None, buurt=None))
    html = build_map_html(export, NL)
    assert [r[3] for r in pin_rows(html)] == [1] and "id=story-2" in html
    assert "1 verhalen zonder plek staan niet op de kaart" in html
    assert build_sheet(export, NL).note.startswith("1 verhalen zonder plek")


def test_legend_and_fills_use_the_statistics_map_colours():
    export = make(story(1))
    html = build_map_html(export, NL)
    colours = maps.class_colours(export.classification)
    assert export.classification.k == 2 and all(c in html for c in colours)
    assert export.cells["BU2"].fill == maps.MISSING_FILL and export.cells["BU2"].dashed
    assert "geheim/onbekend" in html and "WOZ-waarde" in html
    for colour, shape in projector.KIND_STYLE.values():
        assert f"data-shape='{shape}'" in html and colour in html


def test_the_sheet_has_the_same_classes_pins_and_texts():
    export = make(story(1), story(2, kind="dream"),
                  choice=MapChoice(WOZ, "quantiles", 5, "Kaart", "Let op de Werfkade."))
    sheet = build_sheet(export, NL)
    colours = maps.class_colours(export.classification)
    assert [s.colour for s in sheet.classes] == colours and not any(s.hatched for s in sheet.classes)
    assert [(s.colour, s.hatched) for s in sheet.no_data] == [(maps.MISSING_FILL, True)]
    assert sheet.no_data[0].label == "geheim/onbekend (1 buurten)"
    assert list(sheet.areas["fill"]) == [export.cells[c].fill for c in ("BU1", "BU2", "BU3")]
    assert list(sheet.areas["hatched"]) == [False, True, False]
    assert [(k.key, k.shape, k.count) for k in sheet.kinds if k.count] == [("proud", "circle", 1),
                                                                          ("dream", "star", 1)]
    assert (sheet.title, sheet.annotation, sheet.legend_title) == ("Kaart", "Let op de Werfkade.", "WOZ-waarde")
    assert len(sheet.outlines) == 2  # WK1 and WK2, dissolved from their buurten


def test_the_map_covers_the_sessions_area_only():
    export = make(story(1), sessions=[work(area=("BU1", "BU2"))])
    assert list(export.area["code"]) == ["BU1", "BU2"] and set(export.cells) == {"BU1", "BU2"}
    html = build_map_html(export, NL)
    assert "Oud &lt;Oost&gt;" not in html


def test_an_indicator_without_values_is_not_offered_and_cannot_be_classified():
    geo = geography()
    assert [m.key for m in mappable_indicators(geo.metas, geo.numbers, ["BU1", "BU2", "BU3"])] == ["woz", "lbm"]
    assert [m.key for m in mappable_indicators(geo.metas, geo.numbers, ["BU2"])] == ["lbm"]
    with pytest.raises(ClassificationError):
        make(story(1), choice=MapChoice(EMPTY, "quantiles", 5, "Kaart"))


@pytest.mark.parametrize("meta, expected", [
    (WOZ, "WOZ-waarde: CBS wijk- en buurtkaart (wbk.gpkg), 2024 (© CBS, CC BY 4.0)"),
    (LBM, "Leefbaarometer: CSV (leefbaarometer_3.csv), 2022 (Leefbaarometer, Ministerie van BZK)"),
    (replace(WOZ, source="", year=None), "WOZ-waarde: –"),
])
def test_sources_are_credited(meta, expected):
    export = make(story(1), choice=MapChoice(meta, "quantiles", 5, "Kaart"))
    boundaries, stories, made = export.attribution
    assert boundaries == ("Buurtgrenzen: CBS wijk- en buurtkaart (wbk.gpkg), 2024 (© CBS, CC BY 4.0) · " + expected)
    assert stories == "Verhalen: bewoners in Wijkavond AAA111 (AAA111); alleen goedgekeurde verhalen, " \
                      "plekken: precieze plek."
    assert made == "Gemaakt met Buurtbeeld op 27-11-2026."
    html = build_map_html(export, NL)
    assert "Gemaakt met Buurtbeeld op 27-11-2026." in html


def test_demo_data_says_so():
    export = build_map_export(exports.ExportData((work(),), (story(1),), (), ()), geography(),
                              exports.story_records(exports.ExportData((work(),), (story(1),), (), ()), geography()),
                              MapChoice(WOZ, "quantiles", 5, "Kaart"),
                              municipality=replace(MUNICIPALITY, is_demo=True), made_at=NOW, tr=NL)
    assert export.attribution[0] == "Voorbeeldgegevens: gegenereerd, niet echt."


def test_english():
    export = make(story(1), lang="en", tr=EN, sessions=[work(mode="grid100")])
    html = build_map_html(export, EN)
    assert "<html lang=en>" in html and "WOZ value" in html and "secret/unknown" in html
    assert "Made with Buurtbeeld on 2026-11-27." in html and "places: snapped to a 100 m grid." in html
    assert build_sheet(export, EN).kinds[0].label == "Proud"
