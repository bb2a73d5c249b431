"""Folium builders rendered to HTML without a browser: colours, escaping, local assets, stable JS."""
import re

import geopandas as gpd
import pytest
from shapely.geometry import box

from components import maps
from components.assets import URL_PREFIX, use_local_assets
from domain.classification import classify
from domain.models import IndicatorMeta
from domain.spatial import to_feature_collection

PAYLOAD = "<img src=x onerror=alert(1)>${alert(2)}`"
META = IndicatorMeta("pct_uitkering", "Uitkering <b>", "Benefits", "%", -1)


@pytest.fixture
def buurten():
    frame = gpd.GeoDataFrame(
        {"code": ["BU00010001", "BU00010002", "BU00010003", "BU00010004"],
         "name": ["West", PAYLOAD, "Noord", "Haven"], "parent_code": ["WK000100"] * 4,
         "is_water": [False, False, False, True]},
        geometry=[box(155000, 463000, 156000, 464000), box(156000, 463000, 157000, 464000),
                  box(155000, 464000, 157000, 465000), box(157000, 463000, 158000, 465000)], crs=28992)
    return frame.to_crs(4326)


def _layer_html(buurten, values, scheme="quantiles", k=2):
    classification = classify(values, scheme, k, direction=META.direction)
    cells = maps.choropleth_cells(list(buurten["code"]), list(buurten["name"]), ["Centrum"] * 4,
                                  list(buurten["is_water"]), values, classification, META, "nl")
    features = to_feature_collection(buurten, [])
    base = maps.build_base_map([[52.0, 5.0], [52.1, 5.1]])
    maps.build_choropleth_layer(features, cells).add_to(base)
    return base.get_root().render(), cells, classification


def test_fill_colours_follow_classes_and_missing_is_grey(buurten):
    html, cells, classification = _layer_html(buurten, [1.0, 9.0, None, None])
    colours = maps.class_colours(classification)
    assert cells["BU00010001"].fill == colours[0]
    assert cells["BU00010002"].fill == colours[1]
    assert cells["BU00010003"].fill == maps.MISSING_FILL and cells["BU00010003"].dashed
    assert cells["BU00010004"].fill == maps.WATER_FILL
    for colour in (colours[0], colours[1], maps.MISSING_FILL, maps.WATER_FILL):
        assert colour in html


def test_tooltip_escapes_script_payloads(buurten):
    html, cells, _ = _layer_html(buurten, [1.0, 9.0, None, None])
    assert "<img src=x" not in html and "${alert(2)}" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;&#36;&#123;alert(2)&#125;&#96;" in cells["BU00010002"].tooltip_html
    assert "Uitkering &lt;b&gt;" in cells["BU00010001"].tooltip_html
    assert "geheim/onbekend" in cells["BU00010003"].tooltip_html


def test_deviation_colours_say_better_and_worse(buurten):
    _, cells, classification = _layer_html(buurten, [1.0, 50.0, 2.0, None], scheme="deviation")
    # higher is worse for benefits: 50 is clearly worse (red), 1 and 2 are below the band (better, blue)
    assert cells["BU00010002"].fill == maps.JUDGED[-1]
    assert cells["BU00010001"].fill == maps.JUDGED[+1]


def test_map_uses_only_local_assets(buurten):
    use_local_assets()
    html, _, _ = _layer_html(buurten, [1.0, 9.0, 3.0, None])
    urls = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert urls, "expected script/link tags"
    assert all(u.startswith(URL_PREFIX) for u in urls), urls
    assert "d3js.org" not in html and "cdn" not in html.lower()


def test_layer_js_is_identical_across_builds(buurten):
    # a stable feature-group script is what keeps streamlit-folium from re-drawing on every rerun
    first = maps.build_outline_layer(to_feature_collection(buurten, []))
    second = maps.build_outline_layer(to_feature_collection(buurten, []))
    base1, base2 = maps.build_base_map([[52, 5], [52.1, 5.1]]), maps.build_base_map([[52, 5], [52.1, 5.1]])
    first.add_to(base1)
    second.add_to(base2)
    script = lambda m: re.sub(r"(map|feature_group)_[0-9a-f]{32}", "X", m.get_root().render())  # noqa: E731
    assert script(base1) == script(base2)


def test_legend_lists_classes_missing_and_water_and_escapes(buurten):
    classification = classify([1.0, 9.0, None, None], "quantiles", 2)
    entries = maps.legend_entries(classification, "nl", water_count=1)
    assert [e.label for e in entries][-2:] == ["geheim/onbekend", "water"]
    assert entries[-2].count == 1 and entries[-2].dashed
    html = maps.build_legend_html("Titel <script>", "Eenheid: %", entries)
    assert "<script>" not in html and "Titel &lt;script&gt;" in html
    assert maps.MISSING_FILL in html and "dashed" in html


def test_outline_layer_is_not_interactive(buurten):
    base = maps.build_base_map([[52, 5], [52.1, 5.1]])
    maps.build_outline_layer(to_feature_collection(buurten, [])).add_to(base)
    assert '"interactive": false' in base.get_root().render()


def test_base_map_has_no_tiles_and_prefers_canvas():
    html = maps.build_base_map([[52, 5], [52.1, 5.1]]).get_root().render()
    assert "tileLayer" not in html
    assert '"preferCanvas": true' in html


JINJA_PAYLOAD = "{{ 'inj' ~ 'ected' }}{% if true %}ran{% endif %}"


def test_data_is_never_evaluated_as_a_template(buurten):
    # branca compiles rendered output as Jinja; a buurt name must stay text, in layers and in the base map
    named = buurten.assign(name=[JINJA_PAYLOAD] * 4)
    html, _, _ = _layer_html(named, [1.0, 9.0, None, None])
    kiosk = maps.build_kiosk_base_map([[52.0, 5.0], [52.1, 5.1]], to_feature_collection(named, []),
                                      fills={}, labels=[(JINJA_PAYLOAD, 52.05, 5.05)])
    for rendered in (html, kiosk.get_root().render()):
        assert "injected" not in rendered and ">ran<" not in rendered
