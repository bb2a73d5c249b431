"""storage.importer on the real shared data files and small hand-made ones written at test time.

The real files stay in ../shared/data (read-only, never copied into the repo); hand-made files go to tmp_path.
"""
from __future__ import annotations

import json
import shutil
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Polygon, box
from sqlalchemy import func, select

from domain.cbs import ColumnMapping
from domain.errors import ImportRejected
from domain.text import safe_text
from storage import areas, cli, importer
from storage.db import read_scope, write_scope
from storage.tables import AuditEventRow
from testsupport import SHARED_DATA, skip_or_fail

DATA = SHARED_DATA
UTRECHT_GPKG = DATA / "derived" / "utrecht_buurten_2014geom_kwb_lbm.gpkg"
ERMELO_GPKG = DATA / "cbs" / "buurten_2021_ermelo_GM0233.gpkg"
NL_TOPOJSON = DATA / "cbs" / "buurten_2014_nl_q1e3.topojson"
PROVINCE_CSV = DATA / "cbs" / "kwb_lbm_buurten_provincie_utrecht.csv"
AMSTELVEEN_CSV = DATA / "leefbaarometer" / "lbm_wijken_amstelveen_2014_2022.csv"
NOW = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)

# In the 2014 q1e3 TopoJSON these three Utrecht buurten were quantised to lines (zero area); make_valid
# leaves LineStrings, so they have no polygon to draw and are skipped with a reason (111 rows → 108 buurten).
UTRECHT_COLLAPSED = {"BU03440121", "BU03440621", "BU03440943"}


@pytest.fixture(scope="module", autouse=True)
def _shared_data_present():
    if not UTRECHT_GPKG.exists():
        skip_or_fail(f"the shared data files are missing at {DATA}")


def run_kwb(factory, path, **kwargs):
    with write_scope(factory) as session:
        return importer.import_kwb(session, path, now=NOW, **kwargs)


def run_csv(factory, path, **kwargs):
    with write_scope(factory) as session:
        municipality = areas.active_municipality(session)
        return importer.import_indicator_csv(session, path, municipality_id=municipality.id, now=NOW, **kwargs)


def stored(factory, level="buurt"):
    with read_scope(factory) as session:
        municipality = areas.active_municipality(session)
        return (municipality, areas.load_areas(session, municipality.id, level),
                areas.load_values(session, municipality.id, level), areas.count_areas(session, municipality.id))


def value_of(values: pd.DataFrame, code: str, key: str) -> tuple[float | None, str | None]:
    row = values[(values["code"] == code) & (values["key"] == key)].iloc[0]
    reason = row["missing_reason"]
    return (None if pd.isna(row["value"]) else row["value"]), (None if pd.isna(reason) else reason)


# --- hand-made files ---------------------------------------------------------------------------------

def write_zipped_shapefile(folder: Path) -> Path:
    """Old CBS shapefile convention (BU_CODE, AANT_INW, WATER), RD New, inside a subfolder of the zip,
    with a wijk layer next to it and one bow-tie buurt."""
    x, y = 136000, 455000
    bow_tie = Polygon([(x, y + 1000), (x + 1000, y + 2000), (x + 1000, y + 1000), (x, y + 2000)])
    buurten = gpd.GeoDataFrame({
        "BU_CODE": ["BU12340101", "BU12340102", "BU12340201", "BU12349999", "ONGELDIG"],
        "BU_NAAM": ["Oud Noord", "Nieuw Noord", "Zuid", None, "Kapotte rij"],
        "WK_CODE": ["WK123401", "WK123401", "WK123402", "WK123499", "WK123401"],
        "GM_CODE": ["GM1234"] * 5, "GM_NAAM": ["Proefdorp"] * 5,
        "WATER": ["NEE", "NEE", "NEE", "JA", "NEE"],
        "AANT_INW": [1200, 800, -99999997, -99999999, 5],
        "WOZ": [250, 0, 310, -99999999, 1],
        "OBJECTID": [1, 2, 3, 4, 5],
    }, geometry=[box(x, y, x + 1000, y + 1000), box(x + 1000, y, x + 2000, y + 1000), bow_tie,
                 box(x + 2000, y, x + 3000, y + 2000), box(x, y, x + 10, y + 10)], crs=28992)
    wijken = gpd.GeoDataFrame({"WK_CODE": ["WK123401", "WK123402", "WK123499"],
                               "WK_NAAM": ["Noord", "Zuid", "Water"]},
                              geometry=[box(x, y, x + 2000, y + 1000), box(x, y + 1000, x + 1000, y + 2000),
                                        box(x + 2000, y, x + 3000, y + 2000)], crs=28992)
    shp = folder / "shp"
    shp.mkdir()
    buurten.to_file(shp / "buurt_2019.shp", engine="pyogrio")
    wijken.to_file(shp / "wijk_2019.shp", engine="pyogrio")
    archive = folder / "WijkBuurtkaart_2019.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        for part in sorted(shp.iterdir()):
            zipped.write(part, f"WijkBuurtkaart_2019/SHP/{part.name}")
    return archive


def write_geojson(path: Path, features: list[dict]) -> Path:
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    return path


def feature(properties: dict, x: float = 5.0, size: float = 0.01) -> dict:
    return {"type": "Feature", "properties": properties,
            "geometry": {"type": "Polygon", "coordinates": [[[x, 52.0], [x + size, 52.0], [x + size, 52.0 + size],
                                                             [x, 52.0 + size], [x, 52.0]]]}}


PAYLOAD = "<script>alert('buurt')</script> ${alert(1)}"


# --- real wijk- en buurtkaart files ------------------------------------------------------------------

def test_inspect_utrecht_geopackage():
    info = importer.inspect_geofile(UTRECHT_GPKG)
    assert (info.format, info.layer, info.year) == ("GeoPackage", "buurten", 2014)
    assert info.mapping.code == "statcode" and info.mapping.name == "statnaam"
    assert info.mapping.gemeente_name == "gm_naam"
    assert [(g.code, g.name, g.buurten) for g in info.gemeenten] == [("GM0344", "Utrecht", 111)]


def test_import_utrecht_geopackage(session_factory):
    summary = run_kwb(session_factory, UTRECHT_GPKG, gemeente="Utrecht")
    assert (summary.municipality_code, summary.municipality_name) == ("GM0344", "Utrecht")
    assert summary.buurten == 108 and summary.wijken == 10
    assert {what for what, _ in summary.skipped if what.startswith("BU")} == UTRECHT_COLLAPSED
    assert all("platgedrukt" in why for what, why in summary.skipped if what in UTRECHT_COLLAPSED)
    assert summary.repaired_geometries == 8    # GeometryCollections left by make_valid, reduced to polygons
    assert {"lbm_score", "lbm_fysieke_omgeving", "woz", "aantal_inwoners", "ses_score"} <= set(summary.indicators)
    assert "afstand_tot_bos_km" not in summary.indicators   # 0 everywhere in the source
    assert ("kolom afstand_tot_bos_km", "kolom is overal 0; dat wijst op ontbrekende gegevens") in summary.skipped

    municipality, buurten, values, counts = stored(session_factory)
    assert (municipality.year, municipality.is_active) == (2014, True)
    assert municipality.source == f"CBS wijk- en buurtkaart ({UTRECHT_GPKG.name})"
    assert counts == {"gemeente": 1, "wijk": 10, "buurt": 108}
    assert buurten.geometry.is_valid.all() and set(buurten.geom_type) <= {"Polygon", "MultiPolygon"}
    minx, miny, maxx, maxy = buurten.total_bounds
    assert 4.9 < minx < maxx < 5.3 and 52.0 < miny < maxy < 52.2
    assert value_of(values, "BU03440535", "woz") == (None, "unknown")   # Galgenwaard: WOZ 0 in the file
    assert value_of(values, "BU03440311", "lbm_score")[0] == pytest.approx(3.76, abs=0.5)
    assert summary.values + summary.missing_values == len(values)
    assert summary.values == int(values["value"].notna().sum())

    _, wijken, _, _ = stored(session_factory, "wijk")
    overvecht = wijken.set_index("code").loc["WK034403"]
    assert overvecht["name"] == "WK034403"          # the file has no wijk names
    parts = buurten[buurten["parent_code"] == "WK034403"]
    assert len(parts) == 10 and parts["code"].str.startswith("BU034403").all()
    assert overvecht.geometry.covers(parts.union_all().buffer(-1e-9))


@pytest.mark.parametrize("gemeente", ["GM0344", "gm0344", "344", "UTRECHT"])
def test_gemeente_by_code_or_name_in_any_case(session_factory, gemeente):
    assert run_kwb(session_factory, UTRECHT_GPKG, gemeente=gemeente).municipality_code == "GM0344"


def test_import_ermelo_pdok_geopackage(session_factory):
    summary = run_kwb(session_factory, ERMELO_GPKG, gemeente="ermelo")
    assert (summary.buurten, summary.wijken, summary.water_buurten) == (17, 3, 1)
    assert summary.indicators == ["omgevingsadressendichtheid", "mannen", "vrouwen"]
    assert summary.missing_values == 3                   # the water buurt's -99999999, three times
    assert ("kolom aantal_inwoners", "kolom is overal leeg, geheim of onbekend") in summary.skipped
    assert not any("dekkingspercentage" in what for what, _ in summary.skipped)   # not an indicator at all

    municipality, buurten, values, _ = stored(session_factory)
    assert (municipality.code, municipality.name, municipality.year) == ("GM0233", "Ermelo", 2021)
    assert value_of(values, "BU02339997", "mannen") == (None, "secret")
    assert value_of(values, "BU02339997", "vrouwen") == (None, "secret")
    assert value_of(values, "BU02330000", "mannen") == (5215.0, None)
    water = buurten.set_index("code").loc["BU02339997"]
    assert bool(water["is_water"]) and water["name"] == "BU02339997"   # no name in the file
    minx, miny, maxx, maxy = buurten.total_bounds               # EPSG:28992 → 4326
    assert 5.4 < minx < maxx < 5.8 and 52.2 < miny < maxy < 52.4


def test_hide_water_leaves_the_water_buurt_out(session_factory):
    summary = run_kwb(session_factory, ERMELO_GPKG, gemeente="GM0233", hide_water=True)
    assert (summary.buurten, summary.wijken, summary.missing_values) == (16, 2, 0)
    assert ("BU02339997", "waterbuurt; op verzoek niet geïmporteerd") in summary.skipped
    _, buurten, _, _ = stored(session_factory)
    assert "BU02339997" not in set(buurten["code"])


def test_topojson_dronten_repairs_the_shape_make_valid_cannot(session_factory):
    info = importer.inspect_geofile(NL_TOPOJSON)
    assert info.format == "TopoJSON" and len(info.gemeenten) > 400
    assert all(g.name is None for g in info.gemeenten)          # TopoJSON has codes only

    summary = run_kwb(session_factory, NL_TOPOJSON, gemeente="GM0303", name="Dronten")
    assert summary.municipality_name == "Dronten"
    assert summary.repaired_geometries >= 2
    assert ("BU03030548", "geen geometrie in het bestand") in summary.skipped
    assert any("EPSG:4326 afgeleid" in note for note in summary.notes)
    _, buurten, _, counts = stored(session_factory)
    repaired = buurten.set_index("code").loc["BU03030550"]      # make_valid raises "mixed-dimension" on it
    assert repaired["name"] == "Buitengebied Dronten"
    assert gpd.GeoSeries([repaired.geometry], crs=4326).to_crs(28992).area.iloc[0] > 100e6   # > 100 km²
    assert buurten.geometry.is_valid.all()
    assert counts["buurt"] == summary.buurten == 39 - len([s for s in summary.skipped if s[0].startswith("BU")])


def test_topojson_with_json_suffix_is_sniffed(session_factory, tmp_path):
    renamed = tmp_path / "buurten.json"
    shutil.copyfile(NL_TOPOJSON, renamed)
    summary = run_kwb(session_factory, renamed, gemeente="GM0014", name="Groningen")
    assert summary.buurten > 60
    _, buurten, _, _ = stored(session_factory)
    assert "BU00140202" in set(buurten["code"])                 # Selwerd


def test_topojson_rejects_a_name_because_it_has_only_codes(session_factory):
    with pytest.raises(ImportRejected, match="geen gemeentenamen"):
        run_kwb(session_factory, NL_TOPOJSON, gemeente="Utrecht")


def test_gemeente_not_in_file_lists_what_is(session_factory):
    with pytest.raises(ImportRejected) as caught:
        run_kwb(session_factory, UTRECHT_GPKG, gemeente="Amsterdam")
    assert "Amsterdam" in caught.value.nl and "Utrecht (GM0344)" in caught.value.nl
    assert "Present: Utrecht (GM0344)" in caught.value.en


def test_progress_is_reported_in_order(session_factory):
    seen: list[tuple[float, str]] = []
    run_kwb(session_factory, ERMELO_GPKG, gemeente="GM0233", progress=lambda f, m: seen.append((f, m)))
    fractions = [f for f, _ in seen]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0 and len(seen) >= 5
    assert seen[-1][1] == "Ermelo geïmporteerd"


def test_import_writes_an_audit_event(session_factory):
    run_kwb(session_factory, ERMELO_GPKG, gemeente="GM0233", actor="facilitator")
    with read_scope(session_factory) as session:
        event = session.scalars(select(AuditEventRow)).one()
    assert (event.entity, event.action, event.actor) == ("municipality", "import_kwb", "facilitator")
    assert event.detail["buurten"] == 17 and event.detail["file"] == ERMELO_GPKG.name


# --- real indicator CSVs ---------------------------------------------------------------------------

def test_inspect_province_csv():
    info = importer.inspect_csv(PROVINCE_CSV)
    assert "Unnamed: 0" not in info.columns                     # the pandas index the author saved
    assert (info.mapping.key_column, info.mapping.level, info.mapping.year) == ("buurt_code", "buurt", None)
    keys = {c.column: c.key for c in info.mapping.columns}
    assert keys["leefbarometer_score"] == "lbm_score"
    assert keys["leefbarometer_fysieke_omgeving"] == "lbm_fysieke_omgeving"
    assert keys["leefbarometer_fysieke_overlast"] == "lbm_overlast_onveiligheid"
    assert keys["gemiddelde_woningwaarde"] == "woz"


def test_province_csv_into_utrecht(session_factory):
    run_kwb(session_factory, UTRECHT_GPKG, gemeente="GM0344")
    summary = run_csv(session_factory, PROVINCE_CSV)
    assert summary.buurten == 108
    assert {"lbm_score", "lbm_fysieke_omgeving", "lbm_sociale_samenhang", "lbm_voorzieningen"} <= set(summary.indicators)
    assert ("145 rijen van GM0307", "hoort niet bij de actieve gemeente Utrecht (GM0344)") in summary.skipped
    not_on_map = {what for what, why in summary.skipped if why.startswith("staat niet op de kaart")}
    assert not_on_map == UTRECHT_COLLAPSED
    _, _, values, _ = stored(session_factory)
    csv = pd.read_csv(PROVINCE_CSV, index_col=0).set_index("buurt_code")
    assert value_of(values, "BU03440311", "lbm_score")[0] == pytest.approx(csv.loc["BU03440311",
                                                                                   "leefbarometer_score"])
    assert value_of(values, "BU03440535", "woz") == (None, "unknown")


def test_amstelveen_wijk_csv_is_rejected_for_utrecht_and_changes_nothing(session_factory):
    run_kwb(session_factory, UTRECHT_GPKG, gemeente="GM0344")
    _, _, before, _ = stored(session_factory)
    with pytest.raises(ImportRejected) as caught:
        run_csv(session_factory, AMSTELVEEN_CSV)
    assert "GM0362" in caught.value.nl and "Utrecht (GM0344)" in caught.value.nl
    assert "14 rows" in caught.value.en
    _, _, after, _ = stored(session_factory)
    pd.testing.assert_frame_equal(before.sort_values(["code", "key"]).reset_index(drop=True),
                                  after.sort_values(["code", "key"]).reset_index(drop=True))


def test_amstelveen_2022_wijk_codes_do_not_exist_on_the_2014_map(session_factory):
    # Amstelveen had one wijk (WK036200) in 2014; the Leefbaarometer file uses the later WK036201–14.
    run_kwb(session_factory, NL_TOPOJSON, gemeente="GM0362", name="Amstelveen")
    with pytest.raises(ImportRejected, match="buurtindeling van een ander jaar"):
        run_csv(session_factory, AMSTELVEEN_CSV)


def test_amstelveen_wijk_csv_takes_the_latest_year(session_factory, tmp_path):
    path = write_geojson(tmp_path / "amstelveen_2022.geojson", [
        feature({"buurtcode": "BU03620101", "buurtnaam": "Randwijck-Noord", "gemeentenaam": "Amstelveen"}, 4.86),
        feature({"buurtcode": "BU03620201", "buurtnaam": "Elsrijk-West", "gemeentenaam": "Amstelveen"}, 4.87),
    ])
    run_kwb(session_factory, path, gemeente="Amstelveen")
    summary = run_csv(session_factory, AMSTELVEEN_CSV)
    assert summary.wijken == 2 and summary.buurten == 0
    assert any("Jaar 2022" in note for note in summary.notes)
    assert sum(1 for _, why in summary.skipped if why.startswith("staat niet op de kaart")) == 12
    _, _, values, _ = stored(session_factory, "wijk")
    lbm = pd.read_csv(AMSTELVEEN_CSV)
    expected = lbm[(lbm["wk_code"] == "WK036201") & (lbm["jaar"] == 2022)]["lbm"].iloc[0]
    assert value_of(values, "WK036201", "lbm_score")[0] == pytest.approx(expected)
    with read_scope(session_factory) as session:
        metas = {m.key: m for m in areas.load_indicators(session, areas.active_municipality(session).id)}
    assert metas["lbm_score"].year == 2022


def test_earlier_year_can_be_chosen(session_factory, tmp_path):
    path = write_geojson(tmp_path / "amstelveen.geojson", [
        feature({"buurtcode": "BU03620101", "buurtnaam": "Randwijck-Noord", "gemeentenaam": "Amstelveen"})])
    run_kwb(session_factory, path, gemeente="GM0362")
    run_csv(session_factory, AMSTELVEEN_CSV, year=2014)
    _, _, values, _ = stored(session_factory, "wijk")
    assert value_of(values, "WK036201", "lbm_score")[0] == pytest.approx(4.270599604867483)


# --- hand-made files ---------------------------------------------------------------------------------

def test_zipped_shapefile_in_a_subfolder_with_old_cbs_columns(session_factory, tmp_path):
    archive = write_zipped_shapefile(tmp_path)
    assert [layer.name for layer in importer.list_layers(archive)] == ["buurt_2019", "wijk_2019"]
    info = importer.inspect_geofile(archive)
    assert (info.format, info.layer, info.year) == ("Shapefile (zip)", "buurt_2019", 2019)

    summary = run_kwb(session_factory, archive, gemeente="Proefdorp")
    assert (summary.buurten, summary.wijken, summary.water_buurten, summary.repaired_geometries) == (4, 3, 1, 1)
    assert ("rij 5: 'ONGELDIG'", "ongeldige buurtcode (verwacht BU gevolgd door 8 cijfers)") in summary.skipped
    assert summary.indicators == ["aantal_inwoners", "woz"]      # AANT_INW and WOZ via the catalogue
    _, buurten, values, _ = stored(session_factory)
    assert value_of(values, "BU12340101", "aantal_inwoners") == (1200.0, None)
    assert value_of(values, "BU12340201", "aantal_inwoners") == (None, "unknown")   # -99999997
    assert value_of(values, "BU12349999", "aantal_inwoners") == (None, "secret")    # -99999999
    assert value_of(values, "BU12340102", "woz") == (None, "unknown")               # 0 is no WOZ value
    assert buurten.geometry.is_valid.all()
    _, wijken, _, _ = stored(session_factory, "wijk")
    assert dict(zip(wijken["code"], wijken["name"])) == {"WK123401": "Noord", "WK123402": "Zuid",
                                                         "WK123499": "Water"}


def test_csv_with_semicolons_and_decimal_commas(session_factory, tmp_path):
    run_kwb(session_factory, write_zipped_shapefile(tmp_path), gemeente="GM1234")
    csv = tmp_path / "cijfers.csv"
    csv.write_text("Buurtcode;Naam;Groen per inwoner;Gemiddelde WOZ-waarde\n"
                   "BU12340101;Oud Noord;12,5;1.234,5\n"
                   "BU12340102;Nieuw Noord;-0,5;x\n"
                   "BU99990101;Elders;1,0;2\n", encoding="cp1252")
    summary = run_csv(session_factory, csv)
    assert summary.indicators == ["groen_per_inwoner", "gemiddelde_woz_waarde"]
    assert ("1 rijen van GM9999", "hoort niet bij de actieve gemeente Proefdorp (GM1234)") in summary.skipped
    _, _, values, _ = stored(session_factory)
    assert value_of(values, "BU12340101", "groen_per_inwoner") == (12.5, None)
    assert value_of(values, "BU12340102", "groen_per_inwoner") == (-0.5, None)
    assert value_of(values, "BU12340101", "gemiddelde_woz_waarde") == (1234.5, None)
    assert value_of(values, "BU12340102", "gemiddelde_woz_waarde") == (None, "secret")


def test_script_in_a_buurt_name_is_stored_as_text(session_factory, tmp_path):
    path = write_geojson(tmp_path / "payload.geojson", [
        feature({"BU_CODE": "BU00010001", "BU_NAAM": PAYLOAD, "GM_NAAM": "Proef"}),
        feature({"BU_CODE": "BU00010002", "BU_NAAM": "Gewoon", "GM_NAAM": "Proef"}, 5.01)])
    run_kwb(session_factory, path, gemeente="Proef")
    _, buurten, _, _ = stored(session_factory)
    name = buurten.set_index("code").loc["BU00010001", "name"]
    assert name == PAYLOAD                                  # no silent rewriting of data ...
    assert "<script" not in safe_text(name) and "${" not in safe_text(name)   # ... escaped where shown


def test_explicit_mapping_for_unrecognised_columns(session_factory, tmp_path):
    path = write_geojson(tmp_path / "eigen.geojson", [
        feature({"sleutel": "BU00010001", "omschrijving": "Dorp", "inw": 10}),
        feature({"sleutel": "BU00010002", "omschrijving": "Veld", "inw": 20}, 5.01)])
    info = importer.inspect_geofile(path)
    assert info.mapping.code == "sleutel" and not info.mapping.is_complete    # found by its values
    mapping = ColumnMapping(code="sleutel", name="omschrijving")
    run_kwb(session_factory, path, gemeente="GM0001", mapping=mapping, name="Proef")
    _, buurten, values, _ = stored(session_factory)
    assert list(buurten["name"]) == ["Dorp", "Veld"]
    assert value_of(values, "BU00010002", "inw") == (20.0, None)


@pytest.mark.parametrize("name, content, message", [
    ("kapot.gpkg", b"dit is geen geopackage" * 50, "kan niet worden gelezen als kaartbestand"),
    ("kapot.geojson", b'{"type": "FeatureCollection", "features": [', "kan niet worden gelezen"),
    ("kaart.zip", b"PK? nee", "geen geldig zip-bestand"),
    ("kaart.kml", b"<kml/>", "wordt niet ondersteund"),
])
def test_unreadable_files_are_rejected(session_factory, tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ImportRejected, match=message) as caught:
        run_kwb(session_factory, path, gemeente="GM0344")
    assert name in caught.value.nl and caught.value.en


def test_zip_without_a_shapefile(session_factory, tmp_path):
    archive = tmp_path / "leeg.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("LEESMIJ.txt", "geen kaart")
    with pytest.raises(ImportRejected, match=r"geen shapefile \(\.shp\).*LEESMIJ\.txt"):
        importer.inspect_geofile(archive)


def test_missing_file(tmp_path):
    with pytest.raises(ImportRejected, match="bestaat niet"):
        importer.inspect_geofile(tmp_path / "nergens.gpkg")


def test_layer_without_buurt_codes(session_factory, tmp_path):
    path = write_geojson(tmp_path / "zonder.geojson", [feature({"naam": "Dorp", "waarde": 1})])
    with pytest.raises(ImportRejected, match="Geen kolom met buurtcodes") as caught:
        run_kwb(session_factory, path, gemeente="GM0001")
    assert "naam, waarde" in caught.value.nl


def test_no_usable_geometry(session_factory, tmp_path):
    line = {"type": "LineString", "coordinates": [[5.0, 52.0], [5.1, 52.1]]}
    path = write_geojson(tmp_path / "lijnen.geojson", [
        {"type": "Feature", "properties": {"BU_CODE": "BU00010001", "BU_NAAM": "Lijn"}, "geometry": line}])
    with pytest.raises(ImportRejected, match="bruikbare geometrie"):
        run_kwb(session_factory, path, gemeente="GM0001")


@pytest.mark.parametrize("content, message", [
    ("naam;waarde\nDorp;1\n", "Geen kolom met buurt- of wijkcodes"),
    ("buurtcode;waarde\nBU12349876;1\n", "geen ervan staat op de geïmporteerde kaart"),
    ("buurtcode;naam\nBU12340101;Dorp\n", "geen bruikbare cijferkolommen"),
])
def test_csv_rejections(session_factory, tmp_path, content, message):
    run_kwb(session_factory, write_zipped_shapefile(tmp_path), gemeente="GM1234")
    path = tmp_path / "cijfers.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ImportRejected, match=message):
        run_csv(session_factory, path)


def test_binary_file_as_csv(session_factory, tmp_path):
    run_kwb(session_factory, ERMELO_GPKG, gemeente="GM0233")
    with pytest.raises(ImportRejected, match="geen tekstbestand"):
        run_csv(session_factory, ERMELO_GPKG)


# --- transactions ------------------------------------------------------------------------------------

def test_failed_reimport_leaves_the_earlier_import_untouched(session_factory, monkeypatch):
    run_kwb(session_factory, UTRECHT_GPKG, gemeente="GM0344")
    municipality, buurten, values, counts = stored(session_factory)

    def broken(*args, **kwargs):
        raise RuntimeError("disk full halfway through")

    # Fails after replace_municipality has already deleted the old areas inside the transaction.
    with read_scope(session_factory) as session:
        version = areas.municipality_version(session, municipality.id)
    monkeypatch.setattr(areas, "add_indicator_values", broken)
    with pytest.raises(RuntimeError):
        run_kwb(session_factory, UTRECHT_GPKG, gemeente="GM0344")
    monkeypatch.undo()
    after_municipality, after_buurten, after_values, after_counts = stored(session_factory)
    assert after_counts == counts
    assert after_municipality == municipality
    assert after_buurten.geometry.geom_equals(buurten.geometry).all()
    pd.testing.assert_frame_equal(after_values.sort_values(["code", "key"]).reset_index(drop=True),
                                  values.sort_values(["code", "key"]).reset_index(drop=True))
    with read_scope(session_factory) as session:
        assert areas.municipality_version(session, municipality.id) == version
        assert session.scalar(select(func.count()).select_from(AuditEventRow)) == 1


def test_rejected_import_of_another_gemeente_keeps_the_active_one(session_factory):
    run_kwb(session_factory, UTRECHT_GPKG, gemeente="GM0344")
    with pytest.raises(ImportRejected):
        run_kwb(session_factory, ERMELO_GPKG, gemeente="Utrecht")
    municipality, _, _, _ = stored(session_factory)
    assert municipality.code == "GM0344"


# --- command line ------------------------------------------------------------------------------------

def test_cli_imports_and_lists(sqlite_db_url, capsys):
    assert cli.main(["--database-url", sqlite_db_url, "gemeenten", str(UTRECHT_GPKG)]) == 0
    assert "GM0344       111  Utrecht" in capsys.readouterr().out
    assert cli.main(["--database-url", sqlite_db_url, "import-kwb", str(ERMELO_GPKG), "--gemeente", "Ermelo",
                     "--hide-water"]) == 0
    out = capsys.readouterr().out
    assert "Gemeente / Municipality: Ermelo (GM0233)" in out and "Buurten: 16" in out
    assert "BU02339997: waterbuurt" in out


def test_cli_rejection_exits_2_with_both_languages(sqlite_db_url, capsys):
    cli.main(["--database-url", sqlite_db_url, "import-kwb", str(UTRECHT_GPKG), "--gemeente", "GM0344"])
    capsys.readouterr()
    code = cli.main(["--database-url", sqlite_db_url, "import-csv", str(AMSTELVEEN_CSV), "--key-column", "wk_code",
                     "--year", "2020"])
    err = capsys.readouterr().err
    assert code == 2
    assert "Import geweigerd: Geen enkele wijkcode" in err and "Import rejected: No wijkcode" in err
