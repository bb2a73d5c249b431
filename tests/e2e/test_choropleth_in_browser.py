"""The choropleth layer's JS in Chromium, without the app: fills, dashes, tooltips, highlight and reset,
skipped features and inert outlines, on a standalone map with Leaflet inlined from the local copy."""
import re

import geopandas as gpd
from shapely.geometry import box

from components import maps
from components.assets import install_local_assets, vendor_files
from domain.classification import classify
from domain.models import IndicatorMeta
from domain.spatial import to_feature_collection

META = IndicatorMeta("pct_huur", "Huur <b>", "Rent", "%", 0)

LAYERS = """() => {
    const out = {};
    window.map.eachLayer(layer => {
        if (!layer.feature) return;
        out[layer.feature.id + (layer.options.interactive === false ? ":outline" : "")] = {
            fill: layer.options.fillColor, dash: layer.options.dashArray || null,
            weight: layer.options.weight, interactive: layer.options.interactive};
    });
    return out;
}"""


def _standalone(base) -> str:
    html = base.get_root().render()
    files = vendor_files()
    html = re.sub(r'<script src="([^"]+)"></script>', lambda m: f"<script>{files[m.group(1)].read_text()}</script>",
                  html)
    html = re.sub(r'<link rel="stylesheet" href="([^"]+)"/>', lambda m: f"<style>{files[m.group(1)].read_text()}</style>",
                  html)
    return html.replace("</html>", f"<script>window.map = {base.get_name()};</script></html>")


def test_layer_draws_styles_tooltips_and_highlights_in_chromium(projector_page):
    install_local_assets()
    frame = gpd.GeoDataFrame(
        {"code": ["BU00010001", "BU00010002", "BU00010003", "BU00010004", "BU00010005"],
         "name": ["West", "<img src=x onerror=window.pwned=1>", "Noord", "Haven", "Buiten"],
         "parent_code": ["WK000100"] * 5, "is_water": [False, False, False, True, False]},
        geometry=[box(155000 + 1000 * i, 463000, 156000 + 1000 * i, 464000) for i in range(5)], crs=28992
    ).to_crs(4326)
    shown = frame.iloc[:4]  # BU00010005 is in the geometry but has no cell: it must not be drawn
    values = [1.0, 9.0, None, None]
    cells = maps.choropleth_cells(list(shown["code"]), list(shown["name"]), ["Centrum", "Centrum", None, "Centrum"],
                                  list(shown["is_water"]), values, classify(values, "quantiles", 2), META, "nl")
    base = maps.build_base_map([[52.0, 5.0], [52.1, 5.2]])
    features = to_feature_collection(frame, [])
    maps.build_choropleth_layer(features, cells).add_to(base)
    maps.build_outline_layer(features).add_to(base)

    page = projector_page
    page.set_content(_standalone(base))
    page.wait_for_function("() => window.map && document.querySelector('.leaflet-overlay-pane canvas')")

    drawn = page.evaluate(LAYERS)
    buurten = {k: v for k, v in drawn.items() if not k.endswith(":outline")}
    assert sorted(buurten) == sorted(cells)
    for code, cell in cells.items():
        assert buurten[code]["fill"] == cell.fill
        assert (buurten[code]["dash"] == "4 3") == cell.dashed
    assert len([k for k in drawn if k.endswith(":outline")]) == 5  # outlines keep every feature, inert
    assert all(v["interactive"] is False for k, v in drawn.items() if k.endswith(":outline"))

    tooltips = page.evaluate("""() => {
        const out = {};
        window.map.eachLayer(group => {
            if (!group.getTooltip || !group.getTooltip() || !group.eachLayer) return;
            group.eachLayer(layer => { out[layer.feature.id] = group.getTooltip()._content(layer); });
        });
        return out;
    }""")
    assert tooltips == {code: cell.tooltip_html for code, cell in cells.items()}

    highlighted = page.evaluate("""() => {
        let target = null;
        window.map.eachLayer(l => { if (l.feature && l.feature.id === "BU00010001" && l.options.interactive !== false) target = l; });
        target.fire("mouseover");
        const during = {weight: target.options.weight, color: target.options.color, fill: target.options.fillColor};
        target.fire("mouseout");
        return {during, after: {weight: target.options.weight, color: target.options.color, fill: target.options.fillColor}};
    }""")
    assert highlighted["during"] == {"weight": 3, "color": maps.WIJK_OUTLINE, "fill": cells["BU00010001"].fill}
    assert highlighted["after"] == {"weight": 0.8, "color": maps.OUTLINE, "fill": cells["BU00010001"].fill}

    assert page.evaluate("window.pwned") is None
    assert page.page_errors == []
    assert page.external_requests == []
