"""The pure export builders (domain/exports.py) on a hand-made geography of two square buurten: CSV injection
and format, generalisation per session, no unapproved story in any file, the k-threshold in the report, HTML
escaping and an offline report, the GeoPackage layers, and the vision-board tables."""
from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import replace
from datetime import UTC, date, datetime
from functools import partial

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import box

from components.i18n import translate
from domain import exports
from domain.models import IndicatorMeta
from domain.projector import snap_to_grid
from domain.sessions import SessionSettings, WorkSession
from domain.stories import Story
from domain.vision import Action, Theme

NOW = datetime(2026, 11, 27, 20, 0, tzinfo=UTC)
PIN = (52.0951234, 5.1051234)  # inside BU1
CENTRES = {"BU1": (52.095, 5.105), "BU2": (52.095, 5.115)}
PAYLOAD = "<script>alert('x')</script><img src=x onerror=alert(1)> ${1+1} {{ 7*7 }}"


def geography(numbers: pd.DataFrame | None = None) -> exports.Geography:
    buurten = gpd.GeoDataFrame(
        {"code": ["BU1", "BU2"], "name": ["Kerkbuurt", "Werfkade"], "parent_code": ["WK1", "WK1"],
         "is_water": [False, False]},
        geometry=[box(5.10, 52.09, 5.11, 52.10), box(5.11, 52.09, 5.12, 52.10)], crs=4326)
    if numbers is None:
        numbers = pd.DataFrame({"woz": [312.0, float("nan")]}, index=pd.Index(["BU1", "BU2"], name="code"))
    metas = [IndicatorMeta("woz", "WOZ-waarde", "WOZ value", unit="x 1000 euro")]
    return exports.Geography(buurten, CENTRES, numbers, metas)


def work(session_id=1, *, mode="exact", k=5, code="AAA111", area=("BU1", "BU2"), demo=False) -> WorkSession:
    return WorkSession(id=session_id, code=code, title=f"Wijkavond {code}", session_date=date(2026, 11, 27),
                       municipality_id=1, area_codes=area, prompts={}, themes=(),
                       settings=SessionSettings(generalise=mode, k=k), status="open", is_demo=demo, created_at=NOW)


def story(story_id, *, status="approved", kind="proud", text=None, session_id=1, lat=PIN[0], lon=PIN[1],
          buurt="BU1", dimension=None, age=None, relation=None, themes=(), redacted=False) -> Story:
    return Story(id=story_id, session_id=session_id, kind=kind, text=text or f"verhaal nummer {story_id}",
                 status=status, created_at=NOW, buurt_code=buurt, lat=lat, lon=lon, place_description="Kerkstraat 12",
                 dimension=dimension, themes=themes, age_band=age, relation=relation, is_redacted=redacted)


def bundle(*stories, sessions=None, themes=(), actions=()) -> exports.ExportData:
    return exports.ExportData(tuple(sessions or [work()]), tuple(stories), tuple(themes), tuple(actions))


def read_csv_rows(payload: bytes) -> list[dict]:
    assert payload.startswith(b"\xef\xbb\xbf")
    return list(csv.DictReader(io.StringIO(payload.decode("utf-8-sig"), newline=""), delimiter=";"))


NL = partial(translate, "nl")
EN = partial(translate, "en")


# ------------------------------------------------------------------------------------- CSV injection

@pytest.mark.parametrize("text, expected", [
    ("=1+1", "'=1+1"),
    ("=HYPERLINK(\"http://evil.example\",\"klik\")", "'=HYPERLINK(\"http://evil.example\",\"klik\")"),
    ("+31 6 12345678", "'+31 6 12345678"),
    ("-2+3", "'-2+3"),
    ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
    ("\t=1+1", "'\t=1+1"),
    ("\r=1+1", "'\r=1+1"),
    ("Mooi plein", "Mooi plein"),
    ("a = b", "a = b"),
    ("'al geciteerd", "'al geciteerd"),
    ("", ""),
])
def test_neutralise_cell(text, expected):
    assert exports.neutralise_cell(text) == expected


@pytest.mark.parametrize("value, expected", [
    (52.1234567, "52,123457"),
    (-4.5, "-4,5"),  # a number we wrote is not text from a resident: no apostrophe
    (0.0, "0"),
    (12, "12"),
    (True, "1"),
    (False, "0"),
    (None, ""),
    (float("nan"), ""),
    (date(2026, 12, 1), "2026-12-01"),
    (("BU1", "BU2"), "BU1, BU2"),
    (("=cmd|' /C calc'!A0",), "'=cmd|' /C calc'!A0"),
    ("-bankjes weg", "'-bankjes weg"),
])
def test_csv_cell(value, expected):
    assert exports.csv_cell(value) == expected


def test_csv_file_is_dutch_excel_friendly_and_round_trips():
    rows = [{"a": "tekst; met puntkomma\nen \"quotes\"", "b": 1.5, "c": "=1+1"}, {"a": None, "b": -2.25, "c": "ok"}]
    payload = exports.build_csv(rows, ["a", "b", "c"])
    assert payload.startswith("\ufeff".encode()) and b"\r\n" in payload
    assert payload.decode("utf-8-sig").splitlines()[0] == "a;b;c"
    frame = pd.read_csv(io.BytesIO(payload), sep=";", decimal=",", encoding="utf-8-sig")
    assert frame["a"][0] == "tekst; met puntkomma\nen \"quotes\""
    assert frame["b"].tolist() == [1.5, -2.25]
    assert frame["c"].tolist() == ["'=1+1", "ok"]


def test_every_resident_text_column_of_the_story_csv_is_neutralised():
    data = bundle(story(1, text="=WEBSERVICE(\"http://x\")", themes=("+plein",)), sessions=[
        replace(work(), title="@Wijkavond")])
    [row] = read_csv_rows(exports.build_stories_csv(exports.story_records(data, geography())))
    assert row["text"].startswith("'=") and row["themes"] == "'+plein" and row["session_title"] == "'@Wijkavond"
    assert row["lat"] == "52,095123" and row["lon"] == "5,105123"


# ----------------------------------------------------------------------------------- generalisation

@pytest.mark.parametrize("mode, lat, lon, buurt, expected_place, expected_kind", [
    ("exact", *PIN, "BU1", (52.095123, 5.105123), "exact"),
    ("grid100", *PIN, "BU1", snap_to_grid(*PIN), "grid100"),
    ("centroid", *PIN, "BU1", CENTRES["BU1"], "buurt_centre"),
    ("no-such-mode", *PIN, "BU1", CENTRES["BU1"], "buurt_centre"),  # unknown: the most private
    ("exact", None, None, "BU2", CENTRES["BU2"], "buurt_centre"),  # told from the list, no pin
    ("grid100", None, None, "BU2", CENTRES["BU2"], "buurt_centre"),
    ("centroid", *PIN, "BU9", None, "none"),  # centroid never falls back to the exact spot
    ("exact", None, None, None, None, "none"),
])
def test_places_follow_the_session_generalisation(mode, lat, lon, buurt, expected_place, expected_kind):
    data = bundle(story(1, lat=lat, lon=lon, buurt=buurt), sessions=[work(mode=mode)])
    [record] = exports.story_records(data, geography())
    place = (record["lat"], record["lon"]) if record["lat"] is not None else None
    assert place == expected_place and record["location"] == expected_kind
    [feature] = json.loads(exports.build_stories_geojson([record]))["features"]
    if expected_place is None:
        assert feature["geometry"] is None
    else:
        assert feature["geometry"] == {"type": "Point", "coordinates": [expected_place[1], expected_place[0]]}


def test_each_story_is_generalised_by_its_own_session():
    sessions = [work(1, mode="exact", code="EXACT1"), work(2, mode="centroid", code="CENTR2")]
    data = bundle(story(1, session_id=1), story(2, session_id=2), sessions=sessions)
    records = {r["story_id"]: r for r in exports.story_records(data, geography())}
    assert (records[1]["lat"], records[1]["lon"]) == (52.095123, 5.105123)
    assert (records[2]["lat"], records[2]["lon"]) == CENTRES["BU1"]
    assert records[2]["session_code"] == "CENTR2"


def test_no_exact_coordinate_leaks_from_a_generalised_session():
    data = bundle(story(1), sessions=[work(mode="grid100")])
    records = exports.story_records(data, geography())
    blobs = [exports.build_stories_csv(records), exports.build_stories_geojson(records),
             exports.build_report_html(exports.session_report(data, geography(), municipality="X", made_at=NOW),
                                       NL).encode()]
    for blob in blobs:
        assert b"5.1051234" not in blob and b"5,1051234" not in blob and b"52.0951234" not in blob
        assert b"5.105123" not in blob and b"5,105123" not in blob


# ---------------------------------------------------------------------- only approved stories leave

def all_outputs(data: exports.ExportData, geo: exports.Geography, tmp_path) -> dict[str, str]:
    records = exports.story_records(data, geo)
    gpkg = tmp_path / "x.gpkg"
    gpkg.write_bytes(exports.build_geopackage(data, geo, records))
    layer = gpd.read_file(gpkg, layer="stories")
    report = exports.session_report(data, geo, municipality="Voorbeeldstad", made_at=NOW)
    return {
        "csv": exports.build_stories_csv(records).decode("utf-8-sig"),
        "geojson": exports.build_stories_geojson(records).decode(),
        "gpkg": layer.to_json(),
        "themes": exports.build_csv(exports.theme_records(data), exports.THEME_COLUMNS).decode("utf-8-sig"),
        "report": exports.build_report_html(report, NL),
    }


@pytest.mark.parametrize("status", ["pending", "hidden", "withdrawn"])
def test_no_unapproved_story_in_any_export(status, tmp_path):
    secret = f"GEHEIM-{status}-verhaal"
    data = bundle(story(1, text="openbaar verhaal"), story(2, text=secret, status=status),
                  themes=[Theme(1, 1, "Groen", (1, 2), False, votes=3)])
    outputs = all_outputs(data, geography(), tmp_path)
    for name, text in outputs.items():
        assert secret not in text, name
    assert "openbaar verhaal" in outputs["csv"] and "openbaar verhaal" in outputs["report"]
    assert [f["id"] for f in json.loads(outputs["geojson"])["features"]] == [1]
    assert read_csv_rows(exports.build_csv(exports.theme_records(data), exports.THEME_COLUMNS))[0]["story_ids"] == "1"


def test_row_level_files_hold_no_profile_or_place_description(tmp_path):
    data = bundle(story(1, age="65+", relation="works"))
    outputs = all_outputs(data, geography(), tmp_path)
    for name in ("csv", "geojson", "gpkg"):
        assert "65+" not in outputs[name] and "works" not in outputs[name] and "Kerkstraat" not in outputs[name]
    assert "Kerkstraat" not in outputs["report"]
    assert set(exports.STORY_COLUMNS).isdisjoint({"age_band", "relation", "place_description", "photo_id",
                                                   "kiosk_id"})


# -------------------------------------------------------------------------------------- the report

def report_html(data, geo=None, tr=NL, lang="nl") -> str:
    geo = geo or geography()
    return exports.build_report_html(exports.session_report(data, geo, municipality="Voorbeeldstad", made_at=NOW,
                                                             lang=lang), tr, lang)


def test_resident_text_is_escaped_everywhere_in_the_report():
    data = bundle(story(1, text=PAYLOAD, themes=("<b>plein</b>",)), sessions=[replace(work(), title=PAYLOAD)],
                  themes=[Theme(1, 1, PAYLOAD, (1,), False, votes=2)],
                  actions=[Action(1, 1, PAYLOAD, "<i>Ans</i>", date(2027, 3, 1), ("BU1",), (1,))])
    html = report_html(data)
    assert "<script" not in html and "<img" not in html and "<b>plein" not in html and "<i>Ans" not in html
    assert "${" not in html and "{{" not in html
    assert html.count("&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;") >= 4  # title, story, theme, action
    assert "&lt;i&gt;Ans&lt;/i&gt;" in html and "01-03-2027" in html


def test_report_is_self_contained_and_print_friendly():
    html = report_html(bundle(story(1)))
    assert html.startswith("<!DOCTYPE html>") and "<html lang=nl>" in html
    assert "default-src 'none'" in html  # the browser itself refuses any request or script
    assert not re.search(r"(?i)(https?:)?//[a-z0-9.-]+\.[a-z]{2,}", html)
    assert not re.search(r"(?i)\b(src|href)\s*=", html) and "<link" not in html and "@import" not in html
    assert "@media print" in html and "@page" in html and "break-inside:avoid" in html


def test_report_ranks_themes_by_dots_and_lists_the_agreed_actions():
    themes = [Theme(1, 1, "Verkeer", (1,), False, votes=2), Theme(2, 1, "Groen", (1, 2), False, votes=7),
              Theme(3, 1, "Weggehaald", (), True, votes=9), Theme(4, 1, "Spelen", (), False, votes=2)]
    actions = [Action(1, 1, "Geveltuintjes aanleggen", "Bewonersgroep", date(2027, 4, 1), ("BU1", "BU2"), (2, 3))]
    data = bundle(story(1), story(2, kind="concern", dimension="woningvoorraad"), themes=themes, actions=actions)
    html = report_html(data)
    ranked = re.findall(r"<td class=num>(\d)</td><td>([^<]+)</td>", html)
    assert ranked == [("1", "Groen"), ("2", "Verkeer"), ("3", "Spelen")]  # ties: the oldest theme first
    assert "Weggehaald</td>" not in html.split('id=actions')[0]
    actions_part = html.split("id=actions")[1].split("</section>")[0]
    for text in ("Geveltuintjes aanleggen", "Bewonersgroep", "01-04-2027", "Kerkbuurt, Werfkade", "Groen, Weggehaald"):
        assert text in actions_part
    assert "<td>Trots</td><td class=num>1</td>" in html and "<td>Zorg</td><td class=num>1</td>" in html
    assert "<td>Woningvoorraad</td><td class=num>1</td>" in html
    assert "<td>Zonder onderwerp</td><td class=num>1</td>" in html


@pytest.mark.parametrize("area, expected", [
    (("BU1", "BU2"), "<dd>de hele gemeente Voorbeeldstad</dd>"),
    ((), "<dd>de hele gemeente Voorbeeldstad</dd>"),
    (("BU2",), "<dd>Werfkade</dd>"),
])
def test_report_names_the_area(area, expected):
    assert expected in report_html(bundle(sessions=[work(area=area)]))


def test_report_in_english():
    html = report_html(bundle(story(1)), tr=EN, lang="en")
    assert "<html lang=en>" in html and "Werksessie report" in html and "Who spoke" in html and ">Proud<" in html


def test_report_says_so_when_there_is_nothing_yet():
    html = report_html(bundle())
    assert "Er zijn (nog) geen goedgekeurde verhalen." in html
    assert "Op het visiebord zijn (nog) geen thema" in html and "Er zijn (nog) geen afspraken" in html


# ------------------------------------------------------------------------------------- k-threshold

def profile_stories(ages: dict[str, int]) -> list[Story]:
    out, next_id = [], 1
    for age, n in ages.items():
        for _ in range(n):
            out.append(story(next_id, age=age, relation="lives"))
            next_id += 1
    return out


@pytest.mark.parametrize("k, ages, shown, hidden", [
    (5, {"25-44": 6, "45-64": 5, "65+": 2, "<25": 3}, {"25-44": 6, "45-64": 5}, {"65+", "<25"}),
    (2, {"25-44": 6, "45-64": 5, "65+": 2, "<25": 3}, {"25-44": 6, "45-64": 5, "65+": 2, "<25": 3}, set()),
    (5, {"25-44": 6, "65+": 1}, {}, {"25-44", "65+"}),  # 65+ below k, and 25-44 would give it away
])
def test_respondent_profile_hides_groups_below_k(k, ages, shown, hidden):
    who = exports.respondent_profile(profile_stories(ages), geography().buurten, pd.DataFrame(), k)
    counts = {row.group: row.count for row in who.ages}
    assert {g: counts[g] for g in shown} == shown
    assert all(counts[g] is None for g in hidden)
    for row in who.ages + who.relations:
        assert row.count is None or row.count == 0 or row.count >= k


def test_report_shows_no_group_below_k():
    data = bundle(*profile_stories({"25-44": 6, "45-64": 5, "65+": 2, "<25": 3}), sessions=[work(k=5)])
    profile = report_html(data).split("id=profile")[1].split("</section>")[0]
    cells = re.findall(r"<td>([^<]+)</td><td class=num>([^<]+)</td>", profile)
    by_group = dict(cells)
    assert by_group["25–44 jaar"] == "6" and by_group["45–64 jaar"] == "5"
    assert by_group["65 jaar en ouder"] == "verborgen" and by_group["jonger dan 25"] == "verborgen"
    assert all(value == "verborgen" or int(value) == 0 or int(value) >= 5 for _, value in cells)


def test_report_shows_no_profile_at_all_below_k():
    data = bundle(*profile_stories({"25-44": 3}), sessions=[work(k=5)])
    profile = report_html(data).split("id=profile")[1].split("</section>")[0]
    assert "Met 3 verhalen (minder dan k = 5) tonen we geen profiel." in profile
    assert "<table" not in profile


# ------------------------------------------------------------------------------------- GeoPackage

def test_geopackage_has_stories_and_buurten_with_indicators(tmp_path):
    data = bundle(story(1), story(2, kind="concern"), story(3, buurt="BU2", lat=None, lon=None),
                  sessions=[work(mode="grid100")])
    geo = geography()
    records = exports.story_records(data, geo)
    path = tmp_path / "export.gpkg"
    path.write_bytes(exports.build_geopackage(data, geo, records))
    import pyogrio

    assert [tuple(layer) for layer in pyogrio.list_layers(path)] == [("stories", "Point"),
                                                                     ("buurten", "MultiPolygon")]
    stories = gpd.read_file(path, layer="stories")
    assert stories.crs.to_epsg() == 4326 and sorted(stories["story_id"]) == [1, 2, 3]
    first = stories.set_index("story_id").loc[1]
    assert (round(first.geometry.y, 6), round(first.geometry.x, 6)) == snap_to_grid(*PIN)
    buurten = gpd.read_file(path, layer="buurten").set_index("code")
    assert buurten.loc["BU1", "woz"] == 312.0 and pd.isna(buurten.loc["BU2", "woz"])  # missing is not 0
    assert buurten.loc["BU1", ["stories_proud", "stories_concern", "stories_total"]].tolist() == [1, 1, 2]
    assert buurten.loc["BU2", "stories_proud"] == 1 and buurten.loc["BU1", "name"] == "Kerkbuurt"


def test_geopackage_builds_without_stories(tmp_path):
    data = bundle()
    path = tmp_path / "empty.gpkg"
    path.write_bytes(exports.build_geopackage(data, geography(), []))
    assert len(gpd.read_file(path, layer="stories")) == 0 and len(gpd.read_file(path, layer="buurten")) == 2


def test_geopackage_only_holds_the_sessions_area(tmp_path):
    data = bundle(story(1), sessions=[work(area=("BU1",))])
    path = tmp_path / "area.gpkg"
    path.write_bytes(exports.build_geopackage(data, geography(), exports.story_records(data, geography())))
    assert gpd.read_file(path, layer="buurten")["code"].tolist() == ["BU1"]


def test_a_failing_geopackage_write_is_a_clear_error(monkeypatch):
    def broken(*args, **kwargs):
        raise OSError("No space left on device")

    monkeypatch.setattr(gpd.GeoDataFrame, "to_file", broken)
    with pytest.raises(exports.ExportFailed) as caught:
        exports.build_geopackage(bundle(), geography(), [])
    assert caught.value.nl.startswith("Het GeoPackage kon niet worden gemaakt.")
    assert caught.value.en.startswith("The GeoPackage could not be built.") and "OSError" in caught.value.en


# ------------------------------------------------------------------------------- vision-board tables

def test_theme_and_action_tables():
    themes = [Theme(1, 1, "Verkeer", (1, 2), False, votes=2), Theme(2, 1, "=Groen", (1,), False, votes=5),
              Theme(3, 1, "Oud", (), True, votes=8)]
    actions = [Action(7, 1, "-Bankjes plaatsen", "Gemeente", None, ("BU2",), (3,))]
    data = bundle(story(1), story(2, status="hidden"), themes=themes, actions=actions)
    theme_rows = read_csv_rows(exports.build_csv(exports.theme_records(data), exports.THEME_COLUMNS))
    assert [(r["rank"], r["theme"], r["votes"], r["stories"], r["story_ids"]) for r in theme_rows] == [
        ("1", "'=Groen", "5", "1", "1"), ("2", "Verkeer", "2", "1", "1")]
    [action] = read_csv_rows(exports.build_csv(exports.action_records(data, geography()), exports.ACTION_COLUMNS))
    assert action == {"session_code": "AAA111", "action_id": "7", "what": "'-Bankjes plaatsen", "owner": "Gemeente",
                      "due_date": "", "buurt_codes": "BU2", "buurten": "Werfkade", "theme_ids": "3", "themes": "Oud"}
