"""The choropleth layer's JS: the cached geometry string goes in verbatim, styles and shared tooltip words
once, one small entry per buurt; deterministic; nothing from the data can close the <script> block."""
import json
import re

import geopandas as gpd
import pytest
from shapely.geometry import box
from streamlit_folium import _get_feature_group_string

from components import maps
from domain.classification import classify
from domain.models import IndicatorMeta
from domain.spatial import to_feature_collection

META = IndicatorMeta("pct_huur", "Huur <b>", "Rent", "%", 0)
CODES = ["BU00010001", "BU00010002", "BU00010003", "BU00010004", "BU00010005"]


@pytest.fixture
def buurten():
    frame = gpd.GeoDataFrame(
        {"code": CODES, "name": ["West", "Oost</script><script>alert(1)</script>", "Noord", "Haven", "Zuid"],
         "parent_code": ["WK000100"] * 5, "is_water": [False, False, False, True, False]},
        geometry=[box(155000 + 1000 * i, 463000, 156000 + 1000 * i, 464000) for i in range(5)], crs=28992)
    return frame.to_crs(4326)


def _cells(buurten, values, wijk="Centrum"):
    classification = classify(values, "quantiles", 2)
    return maps.choropleth_cells(list(buurten["code"]), list(buurten["name"]), [wijk] * len(buurten),
                                 list(buurten["is_water"]), values, classification, META, "nl")


def _feature_group_js(layer) -> str:
    base = maps.build_base_map([[52.0, 5.0], [52.1, 5.1]])
    base.get_root().render()
    return _get_feature_group_string(layer, base, 0)


def _table(js: str, suffix: str):
    match = re.search(rf"var \w+_{suffix} = (.*);\n", js)
    assert match, f"no {suffix} table in the layer JS"
    return json.loads(match.group(1))


def test_geometry_string_is_embedded_as_is_and_there_is_no_switch_per_feature(buurten):
    features = to_feature_collection(buurten, [])
    js = _feature_group_js(maps.build_choropleth_layer(features, _cells(buurten, [1.0, 2.0, 8.0, None, 9.0])))
    assert features.replace("</", "<\\/") in js
    assert "case " not in js and "switch" not in js


def test_one_style_per_class_and_one_cell_per_buurt(buurten):
    cells = _cells(buurten, [1.0, 2.0, None, None, 9.0])
    js = _feature_group_js(maps.build_choropleth_layer(to_feature_collection(buurten, []), cells))
    styles, table = _table(js, "styles"), _table(js, "cells")
    assert sorted(table) == sorted(cells)
    for code, cell in cells.items():
        style = styles[table[code][0]]
        assert style["fillColor"] == cell.fill
        assert ("dashArray" in style) == cell.dashed
        assert style["color"] == maps.OUTLINE
    assert len(styles) == len({(c.fill, c.dashed) for c in cells.values()})
    assert styles[table["BU00010003"][0]] == {"fillColor": maps.MISSING_FILL, "color": maps.OUTLINE, "weight": 0.8,
                                              "fillOpacity": 0.8, "dashArray": "4 3"}
    assert styles[table["BU00010004"][0]]["fillColor"] == maps.WATER_FILL


def test_shared_tooltip_words_are_sent_once_and_rebuild_the_tooltip(buurten):
    cells = _cells(buurten, [1.0, 2.0, 8.0, None, 9.0])
    js = _feature_group_js(maps.build_choropleth_layer(to_feature_collection(buurten, []), cells))
    words, table = _table(js, "words"), _table(js, "cells")
    assert words.count("Centrum") == 1 and words.count("Huur &lt;b&gt;") == 1
    for code, (_, name, wijk, label, value) in table.items():
        # the same composition as the layer's JS tooltip function (checked in a browser in tests/e2e)
        rebuilt = (f"<b>{name}</b>" + (f"<br><span style='color:#555'>{words[wijk]}</span>" if wijk >= 0 else "")
                   + f"<br>{words[label]}: <b>{value}</b>")
        assert rebuilt == cells[code].tooltip_html


def test_no_wijk_name_means_no_wijk_line(buurten):
    cells = _cells(buurten, [1.0, 2.0, 8.0, None, 9.0], wijk=None)
    assert all(cell.wijk_html is None and "<span" not in cell.tooltip_html for cell in cells.values())
    table = _table(_feature_group_js(maps.build_choropleth_layer(to_feature_collection(buurten, []), cells)),
                   "cells")
    assert {entry[2] for entry in table.values()} == {-1}


def test_nothing_from_the_data_closes_the_script_block(buurten):
    features = to_feature_collection(buurten, ["name"])  # names in the geometry string too
    assert "</script>" in features
    js = _feature_group_js(maps.build_choropleth_layer(features, _cells(buurten, [1.0, 2.0, 8.0, None, 9.0])))
    assert "</script" not in js and "<img" not in js
    js = _feature_group_js(maps.build_outline_layer(features))
    assert "</script" not in js


def test_layer_js_is_identical_across_reruns(buurten):
    features = to_feature_collection(buurten, [])
    first = _feature_group_js(maps.build_choropleth_layer(features, _cells(buurten, [1.0, 2.0, 8.0, None, 9.0])))
    second = _feature_group_js(maps.build_choropleth_layer(features, _cells(buurten, [1.0, 2.0, 8.0, None, 9.0])))
    assert first == second
    recoloured = _feature_group_js(maps.build_choropleth_layer(features, _cells(buurten, [9.0, 2.0, 8.0, None, 1.0])))
    assert recoloured != first


def test_outline_layer_has_one_fixed_style_and_is_not_interactive(buurten):
    js = _feature_group_js(maps.build_outline_layer(to_feature_collection(buurten, []), weight=3, colour="#123456"))
    options = json.loads(re.search(r"L\.geoJson\(null, (\{.*?\}\})\);", js).group(1))
    assert options == {"interactive": False, "style": {"color": "#123456", "fill": False, "weight": 3}}
    assert "case " not in js


@pytest.mark.parametrize("name", ["Park {{ 7*7 }}", "Park {% if true %}x{% endif %}", "Park {{", "Park {#"])
def test_jinja_syntax_in_names_is_neither_evaluated_nor_fatal(buurten, name):
    # branca compiles each element's rendered script as a template again; our layers opt out of that
    buurten = buurten.assign(name=[name] * len(buurten))
    features = to_feature_collection(buurten, ["name"])
    cells = _cells(buurten, [1.0, 2.0, 8.0, None, 9.0], wijk=name)
    layers = [maps.build_choropleth_layer(features, cells), maps.build_outline_layer(features)]
    js = "".join(_feature_group_js(layer) for layer in layers)  # the st_folium path
    assert js.count(name) >= 2 * len(buurten)
    base = maps.build_base_map([[52.0, 5.0], [52.1, 5.1]])
    for layer in [maps.build_choropleth_layer(features, cells), maps.build_outline_layer(features)]:
        layer.add_to(base)
    html = base.get_root().render()  # the standalone/export path
    assert html.count(name) >= 2 * len(buurten) and "Park 49" not in html
