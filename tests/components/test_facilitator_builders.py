"""Builders of the facilitator pages, without a browser: the QR code, the clickable area layer (names escaped),
the small locator map (numbers only) and the audit table."""
import io
from datetime import UTC, datetime

import folium
import geopandas as gpd
import pandas as pd
import segno
from PIL import Image
from shapely.geometry import box

from components.moderation_queue import build_locator_svg, build_trail_table, locator
from components.session_form import build_area_layer, build_qr_png, build_session_table
from domain.moderation import AuditEvent
from domain.sessions import SessionSettings, WorkSession
from domain.spatial import to_feature_collection
from domain.stories import Story

BUURTEN = gpd.GeoDataFrame({
    "code": ["BU01", "BU02", "BU03"],
    "name": ["<img src=x onerror=alert(1)>", "Kerkbuurt", "Ver weg"],
    "parent_code": ["WK1", "WK1", "WK2"],
}, geometry=[box(5.00, 52.00, 5.01, 52.01), box(5.01, 52.00, 5.02, 52.01), box(5.30, 52.30, 5.31, 52.31)], crs=4326)
NOW = datetime(2026, 11, 27, 20, 0, tzinfo=UTC)


def test_qr_png_is_a_square_png_of_the_kiosk_address():
    url = "http://192.168.1.20:8501/?kiosk=1&session=K7Q4FX"
    png = build_qr_png(url)
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG" and image.width == image.height >= 250
    expected = segno.make(url, error="m")
    assert image.width == (expected.symbol_size(scale=10, border=4)[0])


def test_area_layer_escapes_names_and_marks_the_chosen_buurten():
    layer = build_area_layer(to_feature_collection(BUURTEN, []), dict(zip(BUURTEN["code"], BUURTEN["name"])),
                             {"BU02"})
    m = folium.Map(tiles=None)
    layer.add_to(m)
    html = m.get_root().render()
    assert "<img src=x" not in html and "\\u0026lt;img src=x onerror=alert(1)\\u0026gt;" in html  # &lt; in JSON
    assert '"fillColor": "#1f5f8b"' in html  # BU02 chosen
    assert '"fillColor": "#ece8df"' in html  # the others


def test_locator_svg_has_the_buurt_its_neighbour_and_a_dot_inside():
    svg = build_locator_svg(BUURTEN, "BU01", size=200)
    assert svg.startswith("<svg") and svg.count("<path") == 2  # BU03 is too far away to be drawn
    assert "img" not in svg and "Kerkbuurt" not in svg  # numbers only, no names
    assert build_locator_svg(BUURTEN, "BU99") is None
    story = Story(id=1, session_id=1, kind="proud", text="x", status="pending", created_at=NOW, lat=52.005, lon=5.005)
    with_dot = locator(svg, story)
    x, y = (float(v) for v in with_dot.split('<circle cx="')[1].split(' r=')[0].replace('" cy="', " ")
            .strip('"').split())
    assert 60 < x < 140 and 60 < y < 140  # the middle of BU01 lands in the middle of the picture
    assert locator(svg, Story(id=2, session_id=1, kind="proud", text="x", status="pending", created_at=NOW)) == svg


def test_trail_table_is_oldest_first_in_words():
    events = [AuditEvent("story", 1, "submit", "resident", NOW, detail={"status": "pending"}),
              AuditEvent("story", 1, "redact", "Anna", NOW, detail={"from_status": "pending", "to_status": "pending",
                                                                    "removed_characters": 10}),
              AuditEvent("story", 1, "hide", "Bert", NOW, "<b>reclame</b>",
                         detail={"from_status": "pending", "to_status": "hidden"}),
              AuditEvent("story", 1, "set_dimension", "Anna", NOW, detail={"old": None, "new": "voorzieningen"})]
    table = build_trail_table(events)
    assert list(table["Wie"]) == ["resident", "Anna", "Bert", "Anna"]
    assert list(table["Wat"]) == ["Ingestuurd", "Deel weggelaten", "Verborgen", "Dimensie gewijzigd"]
    assert table["Waarom"].iloc[2] == "<b>reclame</b>"  # a dataframe cell: shown as text
    assert list(table["Details"]) == ["Wacht op beoordeling", "10 tekens weggelaten",
                                      "Wacht op beoordeling → Verborgen", "geen → Voorzieningen"]
    assert table["Wanneer"].iloc[0] == "27-11-2026 21:00"  # Amsterdam time


def test_session_table_counts_per_status():
    ws = WorkSession(id=3, code="K7Q4FX", title="Avond", session_date=None, municipality_id=1, area_codes=(),
                     prompts={}, themes=(), settings=SessionSettings(), status="open", is_demo=False, created_at=NOW)
    table = build_session_table([ws], {3: {"pending": 2, "approved": 5}}, "nl")
    assert isinstance(table, pd.DataFrame)
    assert table.iloc[0].to_dict() == {"Titel": "Avond", "Datum": None, "Code": "K7Q4FX", "Status": "Open",
                                       "Wacht op beoordeling": 2, "Goedgekeurd": 5, "Verborgen": 0, "Ingetrokken": 0}
