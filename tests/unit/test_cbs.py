"""domain.cbs as tables: codes, sentinels, column conventions, CSV sniffing, geometry repair and CRS."""
from __future__ import annotations

import math

import geopandas as gpd
import pandas as pd
import pytest
from shapely.errors import GEOSException
from shapely.geometry import GeometryCollection, LineString, MultiPolygon, Polygon, box

from domain import cbs
from domain.errors import ImportRejected

# --- codes ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("value, buurt, wijk, gemeente", [
    ("BU03440311", True, False, False),
    (" bu03440311 ", True, False, False),   # typed or exported in lower case with spaces
    ("BU0344031", False, False, False),     # 7 digits
    ("BU034403111", False, False, False),   # 9 digits
    ("WK034403", False, True, False),
    ("WK03440", False, False, False),
    ("GM0344", False, False, True),
    ("GM344", False, False, False),
    ("0344", False, False, False),
    (None, False, False, False),
    (float("nan"), False, False, False),
    (3440311, False, False, False),
])
def test_code_validation(value, buurt, wijk, gemeente):
    assert (cbs.is_buurt_code(value), cbs.is_wijk_code(value), cbs.is_gemeente_code(value)) == (buurt, wijk, gemeente)


@pytest.mark.parametrize("buurt, wijk, gemeente", [
    ("BU03440311", "WK034403", "GM0344"),
    ("BU02339997", "WK023399", "GM0233"),
    ("BU00140202", "WK001402", "GM0014"),
])
def test_wijk_and_gemeente_derived_from_buurt_code(buurt, wijk, gemeente):
    assert cbs.wijk_code_of(buurt) == wijk
    assert cbs.gemeente_code_of(buurt) == gemeente
    assert cbs.gemeente_code_of(wijk) == gemeente


@pytest.mark.parametrize("text, expected", [
    ("GM0344", "GM0344"), ("gm0344", "GM0344"), ("0344", "GM0344"), ("344", "GM0344"), (" GM 14 ", "GM0014"),
    ("Utrecht", None), ("'s-Hertogenbosch", None), ("GM12345", None), ("", None),
])
def test_parse_gemeente_code(text, expected):
    assert cbs.parse_gemeente_code(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("buurten_2021_ermelo_GM0233.gpkg", 2021),
    ("utrecht_buurten_2014geom_kwb_lbm.gpkg", 2014),
    ("wijkenbuurten_2023_v1.gpkg", 2023),
    ("2021BU02330000", 2021),       # a jaarstatcode value
    ("buurten_q1e3.topojson", None),
    ("GM0233.gpkg", None),          # a gemeente code is not a year
])
def test_year_from_text(text, expected):
    assert cbs.year_from_text(text) == expected


@pytest.mark.parametrize("value, expected", [
    ("Zuilen", "Zuilen"),
    ("  Taag- en   Rubicondreef\n en omgeving ", "Taag- en Rubicondreef en omgeving"),
    ("<script>alert(1)</script>", "<script>alert(1)</script>"),  # kept literally; renderers escape
    ("a\x00b\x07c", "a b c"),
    (None, "BU00010001"),
    (float("nan"), "BU00010001"),
    ("   ", "BU00010001"),
    ("x" * 300, "x" * 200),
])
def test_clean_name(value, expected):
    assert cbs.clean_name(value, "BU00010001") == expected


# --- sentinels and missing values ----------------------------------------------------------------

@pytest.mark.parametrize("raw, zero_is_missing, value, reason", [
    (1349, False, 1349.0, None),
    (-99999999, False, None, "secret"),      # KWB ≤ 2022 "geheim"
    (-99999997, False, None, "unknown"),
    (-99997, False, None, "unknown"),        # PDOK 2024+
    (-99995, False, None, "secret"),
    (None, False, None, "unknown"),
    (float("nan"), False, None, "unknown"),
    (0, False, 0.0, None),                   # a real zero stays a zero ...
    (0, True, None, "unknown"),              # ... unless the catalogue says 0 is impossible (WOZ)
    (-0.14, False, -0.14, None),             # Leefbaarometer dimension scores can be negative
])
def test_clean_indicator(raw, zero_is_missing, value, reason):
    cleaned = cbs.clean_indicator(pd.Series([raw], dtype="float64"), zero_is_missing=zero_is_missing)
    got = cleaned["value"].iloc[0]
    assert (None if math.isnan(got) else got) == value
    assert cleaned["missing_reason"].iloc[0] == reason


def test_clean_indicator_reads_text_markers_of_statline_exports():
    cleaned = cbs.clean_indicator(pd.Series(["12", ".", "x", "", "7,5", None], dtype=object))
    assert cleaned["missing_reason"].tolist() == [None, "unknown", "secret", "unknown", "unknown", "unknown"]
    assert cleaned["value"].iloc[0] == 12.0


def test_clean_indicator_on_int32_column_as_in_the_ermelo_file():
    cleaned = cbs.clean_indicator(pd.Series([5215, -99999999], dtype="int32"))
    assert cleaned["missing_reason"].tolist() == [None, "secret"]


# --- column recognition --------------------------------------------------------------------------

@pytest.mark.parametrize("columns, expected", [
    pytest.param(["BU_CODE", "BU_NAAM", "WK_CODE", "GM_CODE", "GM_NAAM", "WATER", "AANT_INW", "geometry"],
                 cbs.ColumnMapping(code="BU_CODE", name="BU_NAAM", wijk_code="WK_CODE", gemeente_code="GM_CODE",
                                   gemeente_name="GM_NAAM", water="WATER"), id="cbs-shapefile"),
    pytest.param(["buurtcode", "buurtnaam", "wijkcode", "wijknaam", "gemeentecode", "gemeentenaam", "water",
                  "jaarstatcode", "mannen"],
                 cbs.ColumnMapping(code="buurtcode", name="buurtnaam", wijk_code="wijkcode", wijk_name="wijknaam",
                                   gemeente_code="gemeentecode", gemeente_name="gemeentenaam", water="water",
                                   year_code="jaarstatcode"), id="pdok-wfs"),
    pytest.param(["id", "rubriek", "statcode", "statnaam", "geometry"],
                 cbs.ColumnMapping(code="statcode", name="statnaam"), id="topojson"),
    pytest.param(["buurt_code", "gm_naam", "regio", "aantal_inwoners"],
                 cbs.ColumnMapping(code="buurt_code", name="regio", gemeente_name="gm_naam"), id="third-party-csv"),
    pytest.param(["naam", "waarde"], cbs.ColumnMapping(code=None), id="nothing-known"),
])
def test_recognise_columns_by_name(columns, expected):
    assert cbs.recognise_columns(columns) == expected


def test_recognise_code_column_by_its_values_when_the_name_is_unknown():
    sample = pd.DataFrame({"sleutel": ["BU03440311", "BU03440312"], "omschrijving": ["Taag", "Zambesi"]})
    mapping = cbs.recognise_columns(sample.columns, sample)
    assert mapping.code == "sleutel"
    assert not mapping.is_complete  # the name column still has to be chosen by a person


def test_statcode_of_a_wijk_layer_is_not_taken_for_buurt_codes():
    sample = pd.DataFrame({"statcode": ["WK034403", "WK034404"], "statnaam": ["Overvecht", "Noordoost"]})
    assert cbs.recognise_columns(sample.columns, sample).code is None
    with pytest.raises(ImportRejected, match="wijken, geen buurten"):
        raise cbs.describe_missing_code_column(list(sample.columns), sample)


@pytest.mark.parametrize("mapping, message", [
    (cbs.ColumnMapping(code=None), "buurtcodes"),
    (cbs.ColumnMapping(code="BU_CODE", name="NAAM_DIE_ER_NIET_IS"), "NAAM_DIE_ER_NIET_IS"),
])
def test_validate_mapping_names_the_problem(mapping, message):
    with pytest.raises(ImportRejected, match=message):
        cbs.validate_mapping(mapping, ["BU_CODE", "BU_NAAM"])


@pytest.mark.parametrize("name, values, expected", [
    ("Unnamed: 0", [0, 1, 2], True),
    ("", [0, 1, 2], True),
    ("1", [3, 5, 6], True),          # the Amstelveen Leefbaarometer file: a header lost to a row index
    ("1", [3, 3, 6], False),         # not unique, so data
    ("Unnamed: 0", [0.5, 1, 2], False),
    ("aantal", [0, 1, 2], False),
])
def test_is_index_column(name, values, expected):
    assert cbs.is_index_column(name, pd.Series(values)) is expected


def test_indicator_columns_skip_bookkeeping_and_empty_columns_with_a_reason():
    frame = pd.DataFrame({
        "buurtcode": ["BU00010001", "BU00010002"], "id": [1, 2], "fid": [1, 2], "jaarstatcode": [2021, 2021],
        "shape_area": [1.0, 2.0], "dekkingspercentage": [1, 1], "meest_voorkomende_postcode": [3511, 3512],
        "oppervlakte_land_in_ha": [10, 20],
        "mannen": [5215, -99999999], "aantal_inwoners": [float("nan")] * 2, "afstand_tot_bos_km": [0.0, 0.0],
        "secret_only": [-99999999, -99995], "is_water": [True, False], "regio": ["a", "b"],
        "gemiddelde_woningwaarde": [0, 0],   # 0 is "unknown" for WOZ, so this column is empty, not zero
    })
    chosen, skipped = cbs.indicator_columns(frame, exclude=["buurtcode"])
    assert chosen == ["mannen"]
    assert dict(skipped) == {
        "kolom aantal_inwoners": "kolom is overal leeg, geheim of onbekend",
        "kolom afstand_tot_bos_km": "kolom is overal 0; dat wijst op ontbrekende gegevens",
        "kolom secret_only": "kolom is overal leeg, geheim of onbekend",
        "kolom gemiddelde_woningwaarde": "kolom is overal leeg, geheim of onbekend",
    }


def test_long_values_keeps_the_first_column_of_a_key_and_counts_missing():
    frame = pd.DataFrame({"code": ["BU1", "BU2"], "lbm": [4.1, 0.0], "leefbarometer_score": [3.0, 3.0]})
    specs = [(column, *cbs.meta_for_column(column)) for column in ("lbm", "leefbarometer_score")]
    result = cbs.long_values(frame, "code", specs)
    assert [m.key for m in result.indicators] == ["lbm_score"]
    assert result.skipped == [("kolom leefbarometer_score", "zelfde indicator (lbm_score) als kolom lbm")]
    assert result.missing == {"unknown": 1}     # lbm 0 is impossible on a 1–5 scale
    assert list(result.values.columns) == cbs.VALUE_COLUMNS


# --- gemeenten -----------------------------------------------------------------------------------

GEMEENTEN = [cbs.GemeenteInfo("GM0344", "Utrecht", 111), cbs.GemeenteInfo("GM0307", "Amersfoort", 145),
             cbs.GemeenteInfo("GM0014", "Groningen", 69)]


@pytest.mark.parametrize("query, code", [
    ("GM0344", "GM0344"), ("gm0344", "GM0344"), ("344", "GM0344"), ("utrecht", "GM0344"),
    ("  AMERSFOORT ", "GM0307"),
])
def test_match_gemeente(query, code):
    assert cbs.match_gemeente(query, GEMEENTEN).code == code


@pytest.mark.parametrize("query, gemeenten, message", [
    ("Amsterdam", GEMEENTEN, "Wel aanwezig: Utrecht \\(GM0344\\), Amersfoort"),
    ("GM0363", GEMEENTEN, "GM0363"),
    ("", GEMEENTEN, "Geef een gemeente op"),
    ("Utrecht", [cbs.GemeenteInfo("GM0344", None, 111)], "geen gemeentenamen"),
    ("Utrecht", [], "geen enkele geldige buurtcode"),
])
def test_match_gemeente_rejections(query, gemeenten, message):
    with pytest.raises(ImportRejected, match=message) as caught:
        cbs.match_gemeente(query, gemeenten)
    assert caught.value.en  # every rejection has an English sentence too


def test_list_gemeenten_derives_codes_and_takes_the_usual_name():
    frame = pd.DataFrame({"BU_CODE": ["BU03440311", "BU03440312", "BU03070100", "kapot"],
                          "GM_NAAM": ["Utrecht", "Utrecht", "Amersfoort", "Utrecht"]})
    mapping = cbs.recognise_columns(frame.columns)
    assert cbs.list_gemeenten(frame, mapping) == [cbs.GemeenteInfo("GM0307", "Amersfoort", 1),
                                                  cbs.GemeenteInfo("GM0344", "Utrecht", 2)]


def test_many_gemeenten_are_listed_briefly_in_a_rejection():
    many = [cbs.GemeenteInfo(f"GM{i:04d}", None, 1) for i in range(1, 12)]
    with pytest.raises(ImportRejected, match="en 6 andere") as caught:
        cbs.match_gemeente("GM0999", many)
    assert "and 6 more" in caught.value.en


# --- geometry ------------------------------------------------------------------------------------

BOW_TIE = Polygon([(0, 0), (2, 2), (2, 0), (0, 2), (0, 0)])  # self-intersecting at (1, 1)


def test_bow_tie_is_repaired_into_its_two_triangles():
    assert not BOW_TIE.is_valid
    repaired, count = cbs.repair_geometries(gpd.GeoSeries([BOW_TIE, box(0, 0, 1, 1)]))
    assert count == 1
    assert repaired.is_valid.all()
    assert repaired.iloc[0].geom_type == "MultiPolygon"
    assert repaired.iloc[0].area == pytest.approx(2.0)
    assert repaired.iloc[1].equals(box(0, 0, 1, 1))


def test_buffer_zero_is_the_fallback_when_make_valid_raises(monkeypatch):
    def raising(geom, *args, **kwargs):
        raise GEOSException("IllegalArgumentException: Overlay input is mixed-dimension")

    monkeypatch.setattr(cbs.shapely, "make_valid", raising)
    repaired, count = cbs.repair_geometries(gpd.GeoSeries([BOW_TIE]))
    assert count == 1
    assert repaired.iloc[0].is_valid and repaired.iloc[0].area > 0
    assert repaired.iloc[0].geom_type in ("Polygon", "MultiPolygon")


@pytest.mark.parametrize("geom, geom_type, area", [
    (GeometryCollection([box(0, 0, 1, 1), LineString([(0, 0), (3, 3)])]), "MultiPolygon", 1.0),
    (LineString([(0, 0), (1, 1)]), "Polygon", 0.0),                       # a buurt squashed to a line
    (Polygon([(0, 0), (1, 1), (2, 2), (0, 0)]), "Polygon", 0.0),          # zero-area ring
    (Polygon(), "Polygon", 0.0),
    (MultiPolygon([box(0, 0, 1, 1), box(2, 0, 3, 1)]), "MultiPolygon", 2.0),
])
def test_only_polygonal_parts_are_kept(geom, geom_type, area):
    repaired = cbs.repair_geometry(geom)
    assert repaired.geom_type == geom_type
    assert repaired.area == pytest.approx(area)
    assert repaired.is_valid


def test_missing_and_empty_geometries_are_not_counted_as_repaired():
    repaired, count = cbs.repair_geometries(gpd.GeoSeries([None, Polygon(), LineString([(0, 0), (1, 1)])]))
    assert count == 0
    assert repaired.is_empty.all() or repaired.isna().iloc[0]


@pytest.mark.parametrize("bounds, epsg", [
    ((4.97, 52.02, 5.19, 52.14), 4326),                # Utrecht in lon/lat (TopoJSON)
    ((165776, 472412, 180558, 482733), 28992),         # Ermelo in RD New
    ((-2000, 300000, 290000, 620000), 28992),
    ((500000, 5700000, 600000, 5800000), None),        # UTM: neither
])
def test_guess_crs(bounds, epsg):
    assert cbs.guess_crs(bounds) == epsg


def test_to_wgs84_guesses_rd_new_and_reprojects():
    frame = gpd.GeoDataFrame(geometry=[box(136000, 455000, 137000, 456000)])  # central Utrecht, no CRS
    result, note = cbs.to_wgs84(frame)
    assert result.crs.to_epsg() == 4326
    assert "EPSG:28992" in note
    minx, miny, maxx, maxy = result.total_bounds
    assert 5.0 < minx < maxx < 5.2 and 52.0 < miny < maxy < 52.2


def test_to_wgs84_rejects_unknown_coordinates():
    with pytest.raises(ImportRejected, match="coördinatenstelsel"):
        cbs.to_wgs84(gpd.GeoDataFrame(geometry=[box(500000, 5700000, 500100, 5700100)]))


def test_build_area_table_dissolves_buurten_into_wijken():
    buurten = gpd.GeoDataFrame({
        "code": ["BU00010101", "BU00010102", "BU00010201"], "name": ["A", "B", "C"],
        "wijk_code": ["WK000101", "WK000101", "WK000102"], "wijk_name": ["Noord", "Noord", None],
        "is_water": [False, False, True]},
        geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1), box(0, 1, 1, 2)], crs=4326)
    table = cbs.build_area_table(buurten, gemeente_code="GM0001", gemeente_name="Testdorp")
    assert list(table.columns) == cbs.AREA_COLUMNS
    assert table.groupby("level").size().to_dict() == {"buurt": 3, "gemeente": 1, "wijk": 2}
    wijken = table[table["level"] == "wijk"].set_index("code")
    assert wijken.loc["WK000101", "name"] == "Noord"
    assert wijken.loc["WK000102", "name"] == "WK000102"      # no wijk name in the file: the code
    assert wijken.loc["WK000101"].geometry.area == pytest.approx(2.0)
    assert wijken.loc["WK000102", "is_water"] and not wijken.loc["WK000101", "is_water"]
    assert table.loc[table["level"] == "gemeente"].geometry.iloc[0].area == pytest.approx(3.0)
    assert set(table.loc[table["level"] == "buurt", "parent_code"]) == {"WK000101", "WK000102"}


# --- indicator CSVs ------------------------------------------------------------------------------

@pytest.mark.parametrize("text, delimiter, decimal", [
    ("buurtcode,waarde\nBU03440311,4.2\n", ",", "."),
    ("buurtcode;waarde\nBU03440311;4,2\nBU03440312;3,9\n", ";", ","),
    ("buurtcode;waarde\nBU03440311;42\n", ";", "."),
    ("buurtcode\twaarde\nBU03440311\t4,2\n", "\t", ","),
    ('"buurtcode";"woz"\n"BU03440311";"1.234,5"\n', ";", ","),
    ("buurtcode,naam,waarde\nBU03440311,\"Taag, Rubicon\",4.2\n", ",", "."),
])
def test_sniff_csv(text, delimiter, decimal):
    fmt = cbs.sniff_csv(text)
    assert (fmt.delimiter, fmt.decimal) == (delimiter, decimal)


@pytest.mark.parametrize("text, message", [
    ("", "leeg"),
    ("   \n", "leeg"),
    ("alleen een kolom\nzonder scheiding\n", "geen komma"),
])
def test_sniff_csv_rejections(text, message):
    with pytest.raises(ImportRejected, match=message):
        cbs.sniff_csv(text)


def test_read_csv_with_semicolons_decimal_commas_and_windows_encoding():
    raw = ("buurtcode;buurtnaam;woz;score\n"
           "BU03440311;Taag- en Rubicondreef;1.234,5;4,2\n"
           "BU03440312;Zuilen-Oost é;210;-0,14\n").encode("cp1252")
    frame, fmt = cbs.read_csv(raw)
    assert (fmt.delimiter, fmt.decimal, fmt.encoding) == (";", ",", "cp1252")
    assert frame["woz"].tolist() == [1234.5, 210.0]
    assert frame["score"].tolist() == [4.2, -0.14]
    assert frame["buurtnaam"].iloc[1] == "Zuilen-Oost é"


def test_read_csv_drops_left_over_index_columns():
    frame, _ = cbs.read_csv(b",buurt_code,lbm\n0,BU03440311,4.1\n1,BU03440312,3.9\n")
    assert list(frame.columns) == ["buurt_code", "lbm"]


@pytest.mark.parametrize("columns, key, level", [
    ({"buurt_code": ["BU03440311", "BU03440312"], "x": [1, 2]}, "buurt_code", "buurt"),
    ({"wk_code": ["WK036201", "WK036202"], "lbm": [4.1, 4.2]}, "wk_code", "wijk"),
    ({"Regio's": ["BU03440311 ", "bu03440312"], "x": [1, 2]}, "Regio's", "buurt"),   # found by its values
])
def test_find_key_column(columns, key, level):
    assert cbs.find_key_column(pd.DataFrame(columns)) == (key, level)


def test_find_key_column_rejects_a_csv_without_codes():
    with pytest.raises(ImportRejected, match="Geen kolom met buurt- of wijkcodes") as caught:
        cbs.find_key_column(pd.DataFrame({"naam": ["Zuilen"], "waarde": [1]}))
    assert "naam, waarde" in caught.value.nl


def test_detect_csv_mapping_picks_the_latest_year_and_catalogue_keys():
    frame = pd.DataFrame({"wk_code": ["WK036201"] * 2, "jaar": [2020, 2022], "lbm": [4.3, 4.33],
                          "fys": [0.01, -0.01]})
    mapping = cbs.detect_csv_mapping(frame)
    assert (mapping.key_column, mapping.level, mapping.year_column, mapping.year) == ("wk_code", "wijk", "jaar", 2022)
    assert mapping.years == (2020, 2022)
    assert [(c.column, c.key) for c in mapping.columns] == [("lbm", "lbm_score"), ("fys", "lbm_fysieke_omgeving")]
    assert cbs.detect_csv_mapping(frame, year=2020).year == 2020


@pytest.mark.parametrize("frame, year, message", [
    (pd.DataFrame({"wk_code": ["WK036201"], "jaar": [2022], "lbm": [4.3]}), 2019, "Beschikbare jaren: 2022"),
    (pd.DataFrame({"wk_code": ["WK036201"], "lbm": [4.3]}), 2019, "geen jaarkolom"),
])
def test_detect_csv_mapping_rejects_an_absent_year(frame, year, message):
    with pytest.raises(ImportRejected, match=message):
        cbs.detect_csv_mapping(frame, year=year)


def test_csv_indicator_meta_takes_the_persons_edits_over_the_catalogue():
    column = cbs.CsvColumn(column="lbm", key="lbm_score", label_nl="Leefbaarheid", label_en="Liveability",
                           unit="punten", direction=5)
    meta = cbs.csv_indicator_meta(column, source="CSV (x.csv)", year=2022)
    assert (meta.key, meta.label_nl, meta.label_en, meta.unit, meta.direction, meta.year) == (
        "lbm_score", "Leefbaarheid", "Liveability", "punten", 1, 2022)
    assert meta.source == "Leefbaarometer (BZK)"   # catalogue source kept for known indicators


def test_code_patterns_are_the_cbs_formats():
    assert cbs.BUURT_CODE_RE.pattern == r"^BU\d{8}$"
    assert cbs.WIJK_CODE_RE.pattern == r"^WK\d{6}$"
    assert cbs.GEMEENTE_CODE_RE.pattern == r"^GM\d{4}$"


def test_read_csv_keeps_statline_markers_in_a_decimal_comma_column():
    frame, _ = cbs.read_csv(b"buurtcode;woz\nBU03440311;1.234,5\nBU03440312;x\nBU03440313;.\n")
    cleaned = cbs.clean_indicator(frame["woz"])
    assert cleaned["value"].iloc[0] == 1234.5
    assert cleaned["missing_reason"].tolist() == [None, "secret", "unknown"]


def test_indicator_metadata_is_cut_to_the_stored_widths():
    column = "Aantal " + "heel lange kolomnaam " * 20
    specs = [(column, *cbs.meta_for_column(column, source="CSV (" + "x" * 400 + ")"))]
    meta = cbs.long_values(pd.DataFrame({"code": ["BU1"], column: [1.0]}), "code", specs).indicators[0]
    assert (len(meta.key), len(meta.label_nl), len(meta.source)) == (100, 200, 300)


def test_wijk_names_come_from_a_wijk_layer_when_buurten_lack_them():
    buurten = gpd.GeoDataFrame({"code": ["BU00010101"], "name": ["A"], "wijk_code": ["WK000101"],
                                "wijk_name": [float("nan")], "is_water": [False]}, geometry=[box(0, 0, 1, 1)], crs=4326)
    wijken = gpd.GeoDataFrame({"code": ["WK000101"], "name": ["Centrum"]}, geometry=[box(0, 0, 2, 2)], crs=4326)
    table = cbs.build_area_table(buurten, gemeente_code="GM0001", gemeente_name="Testdorp", wijken=wijken)
    wijk = table[table["level"] == "wijk"].iloc[0]
    assert wijk["name"] == "Centrum" and wijk.geometry.area == pytest.approx(4.0)
