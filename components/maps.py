"""Folium map builders (pure: they return folium objects and never call `st.`) and the one renderer.

The base map is deliberately empty and deterministic, so its JS hash — streamlit-folium's component
key — only changes with the municipality; coloured layers travel in `feature_group_to_add` and can
change without remounting the iframe (which would flicker and lose the user's zoom).
"""
from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import folium
from branca.element import Element
from folium.elements import ElementAddToElement

from domain.classification import Classification
from domain.formatting import format_value
from domain.models import MISSING_LABEL, IndicatorMeta
from domain.text import safe_text

PAPER = "#f4f1ea"
MISSING_FILL = "#b7b7b7"
WATER_FILL = "#c6dbef"
OUTLINE = "#5b5b5b"
WIJK_OUTLINE = "#1d1d1b"

# ColorBrewer YlGnBu: colour-blind safe and still ordered when a projector washes it out.
SEQUENTIAL = {
    1: ["#41b6c4"],
    2: ["#a1dab4", "#2c7fb8"],
    3: ["#edf8b1", "#7fcdbb", "#2c7fb8"],
    4: ["#ffffcc", "#a1dab4", "#41b6c4", "#225ea8"],
    5: ["#ffffcc", "#a1dab4", "#41b6c4", "#2c7fb8", "#253494"],
    6: ["#ffffcc", "#c7e9b4", "#7fcdbb", "#41b6c4", "#2c7fb8", "#253494"],
    7: ["#ffffcc", "#c7e9b4", "#7fcdbb", "#41b6c4", "#1d91c0", "#225ea8", "#0c2c84"],
}
# Better/worse as blue/red (RdBu ends), neutral higher/lower as teal/brown (BrBG ends): both pairs stay
# apart for the common colour-vision deficiencies.
JUDGED = {-1: "#d6604d", 0: "#f7f7f7", 1: "#4393c3"}
NEUTRAL_DEVIATION = ["#a6611a", "#f7f7f7", "#018571"]


def class_colours(classification: Classification) -> list[str]:
    """Fill colour per class, in class order."""
    if classification.scheme == "deviation":
        if classification.classes[0].judgement is None:
            return list(NEUTRAL_DEVIATION)
        return [JUDGED[c.judgement] for c in classification.classes]
    return list(SEQUENTIAL[min(max(classification.k, 1), 7)])


def stabilise_ids(element, prefix: str) -> None:
    """Give an element tree fixed JS names instead of folium's random ones.

    streamlit-folium re-sends and re-draws a feature group whenever its JS text changes; with random
    ids it would change on every rerun, so the projector would redraw every few seconds.
    """
    counter = 0

    def walk(node) -> None:
        nonlocal counter
        for child in list(getattr(node, "_children", {}).values()):
            counter += 1
            child._id = f"{prefix}{counter}"
            walk(child)

    walk(element)


@dataclass(frozen=True)
class MapCell:
    """One buurt on the choropleth: its fill and the escaped parts of its tooltip.

    The tooltip travels in parts (the indicator label and wijk name are shared by many buurten, so the
    layer sends each only once); `tooltip_html` is the HTML the map shows.
    """

    fill: str
    name_html: str
    label_html: str
    value_html: str
    wijk_html: str | None = None
    dashed: bool = False

    @property
    def tooltip_html(self) -> str:
        lines = [f"<b>{self.name_html}</b>"]
        if self.wijk_html:
            lines.append(f"<span style='color:#555'>{self.wijk_html}</span>")
        lines.append(f"{self.label_html}: <b>{self.value_html}</b>")
        return "<br>".join(lines)


def choropleth_cells(codes: Sequence[str], names: Sequence[str], wijk_names: Sequence[str | None],
                     water: Sequence[bool], values: Sequence[float | None], classification: Classification,
                     meta: IndicatorMeta, lang: str) -> dict[str, MapCell]:
    """Fill colour and tooltip per buurt; `values`/`classification.class_of` align with `codes`."""
    colours = class_colours(classification)
    label = safe_text(meta.label(lang))
    wijk_html = {wijk: safe_text(wijk) for wijk in set(wijk_names) if wijk}
    cells: dict[str, MapCell] = {}
    for code, name, wijk, is_water, value, klass in zip(codes, names, wijk_names, water, values,
                                                         classification.class_of):
        parts = {"name_html": safe_text(name), "label_html": label,
                 "value_html": safe_text(format_value(value, meta.unit, meta.decimals, lang)),
                 "wijk_html": wijk_html.get(wijk)}
        if klass is None and is_water:
            cells[code] = MapCell(WATER_FILL, **parts)
        elif klass is None:
            cells[code] = MapCell(MISSING_FILL, **parts, dashed=True)
        else:
            cells[code] = MapCell(colours[klass], **parts)
    return cells


def build_base_map(bounds: list[list[float]], *, tile_url: str | None = None, attribution: str = "",
                   scroll_wheel_zoom: bool = True) -> folium.Map:
    """An empty map fitted to the area: no tiles by default (the outlines are the basemap)."""
    m = folium.Map(location=[(bounds[0][0] + bounds[1][0]) / 2, (bounds[0][1] + bounds[1][1]) / 2],
                   zoom_start=13, tiles=None, prefer_canvas=True, control_scale=True,
                   scrollWheelZoom=scroll_wheel_zoom, zoom_snap=0.25)
    if tile_url:
        folium.TileLayer(tiles=tile_url, attr=attribution or " ", name="basemap", max_zoom=19).add_to(m)
    m.get_root().header.add_child(folium.Element(
        f"<style>.leaflet-container{{background:{PAPER};font-size:15px}}"
        ".leaflet-tooltip{font-size:15px;line-height:1.35}</style>"))
    m.fit_bounds(bounds)
    return m


class _RenderedJs(Element):
    """JS that is already rendered and must not pass through Jinja again."""

    def __init__(self, js: str):
        super().__init__()
        self._js = js

    def render(self, **kwargs) -> str:
        return self._js


class _DataLayer(folium.map.Layer):
    """A layer whose rendered script is added to the page as it is.

    branca's MacroElement.render wraps each element's rendered script in a new `Element(...)`, which
    compiles it as a Jinja template again: for megabytes of embedded GeoJSON that lexing is most of the
    Python time of a national map, and `{{ … }}` / `{% … %}` in a buurt name would be evaluated or raise.
    """

    def render(self, **kwargs):
        if self.show:
            self.add_child(ElementAddToElement(element_name=self.get_name(),
                                               element_parent_name=self._parent.get_name()),
                           name=self.get_name() + "_add")
        self.get_root().script.add_child(_RenderedJs(self._template.module.script(self, kwargs)),
                                         name=self.get_name())
        for child in self._children.values():
            child.render(**kwargs)


def _script_json(value) -> str:
    """Compact, deterministic JSON that is safe inside an HTML <script> block."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, sort_keys=True).replace("</", "<\\/")


class _ChoroplethGeoJson(_DataLayer):
    """A Leaflet GeoJSON layer coloured by a small JS style function instead of folium's per-feature switch.

    folium.GeoJson with a `style_function` writes `case "BU…":` for every feature, re-serialises the whole
    geometry on each rerun (with spaces and `\\u003c` escapes) and, with a GeoJsonTooltip, repeats the
    tooltip markup per feature. Here the cached geometry string goes in verbatim, and per buurt only
    `[style, name, wijk, label, value]` travels (styles and repeated strings once, by index).
    `feature.id` stays the buurt code, and the style function sets `fillColor` on each layer's options.
    """

    _template = folium.template.Template("""{% macro script(this, kwargs) %}
var {{ this.get_name() }}_styles = {{ this.styles_js }};
var {{ this.get_name() }}_words = {{ this.words_js }};
var {{ this.get_name() }}_cells = {{ this.cells_js }};
var {{ this.get_name() }} = L.geoJson(null, {
    filter: function (feature) {
        return Object.prototype.hasOwnProperty.call({{ this.get_name() }}_cells, feature.id);
    },
    style: function (feature) {
        return {{ this.get_name() }}_styles[{{ this.get_name() }}_cells[feature.id][0]];
    },
    onEachFeature: function (feature, layer) {
        layer.on({
            mouseover: function (e) { e.target.setStyle({{ this.highlight_js }}); },
            mouseout: function (e) { {{ this.get_name() }}.resetStyle(e.target); }
        });
    }
});
{{ this.get_name() }}.bindTooltip(function (layer) {
    var cell = {{ this.get_name() }}_cells[layer.feature.id], words = {{ this.get_name() }}_words;
    return "<b>" + cell[1] + "</b>"
        + (cell[2] >= 0 ? "<br><span style='color:#555'>" + words[cell[2]] + "</span>" : "")
        + "<br>" + words[cell[3]] + ": <b>" + cell[4] + "</b>";
}, {"sticky": true, "className": "foliumtooltip"});
{{ this.get_name() }}.addData({{ this.data_js }});
{% endmacro %}""")

    def __init__(self, features_json: str, cells: Mapping[str, MapCell], *, name: str, fill_opacity: float):
        super().__init__(name=name, overlay=True)
        self._name = "ChoroplethGeoJson"
        styles: dict[tuple[str, bool], int] = {}
        words: dict[str, int] = {}
        table = {}
        for code, cell in cells.items():
            style = styles.setdefault((cell.fill, cell.dashed), len(styles))
            wijk = words.setdefault(cell.wijk_html, len(words)) if cell.wijk_html else -1
            label = words.setdefault(cell.label_html, len(words))
            table[code] = [style, cell.name_html, wijk, label, cell.value_html]
        self.styles_js = _script_json([
            {"fillColor": fill, "color": OUTLINE, "weight": 0.8, "fillOpacity": fill_opacity,
             **({"dashArray": "4 3"} if dashed else {})} for fill, dashed in styles])
        self.words_js = _script_json(list(words))
        self.cells_js = _script_json(table)
        self.highlight_js = _script_json({"weight": 3, "color": WIJK_OUTLINE})
        self.data_js = features_json.replace("</", "<\\/")


class _OutlineGeoJson(_DataLayer):
    """Lines only, one fixed style for all features, the cached geometry string embedded as it is."""

    _template = folium.template.Template("""{% macro script(this, kwargs) %}
var {{ this.get_name() }} = L.geoJson(null, {{ this.options_js }});
{{ this.get_name() }}.addData({{ this.data_js }});
{% endmacro %}""")

    def __init__(self, features_json: str, *, name: str, weight: float, colour: str):
        super().__init__(name=name, overlay=True)
        self._name = "OutlineGeoJson"
        # default separators: the options read as folium writes them ('"interactive": false')
        self.options_js = json.dumps({"interactive": False,
                                      "style": {"fill": False, "color": colour, "weight": weight}}, sort_keys=True)
        self.data_js = features_json.replace("</", "<\\/")


def build_choropleth_layer(features_json: str, cells: Mapping[str, MapCell], *, name: str = "statistics",
                           fill_opacity: float = 0.8) -> folium.FeatureGroup:
    """Buurt polygons coloured per `cells`, with a hover tooltip; features without a cell are skipped.

    `features_json` is embedded as it is (no parse and re-dump per rerun): pass the cached string from
    `domain.spatial.to_feature_collection`, whose feature ids are the buurt codes.
    """
    group = folium.FeatureGroup(name=name)
    _ChoroplethGeoJson(features_json, cells, name=name, fill_opacity=fill_opacity).add_to(group)
    stabilise_ids(group, name)
    return group


def build_outline_layer(features_json: str, *, name: str = "wijken", weight: float = 2.5,
                        colour: str = WIJK_OUTLINE) -> folium.FeatureGroup:
    """Wijk boundaries on top: no fill and not interactive, so clicks reach the buurten below."""
    group = folium.FeatureGroup(name=name)
    _OutlineGeoJson(features_json, name=name, weight=weight, colour=colour).add_to(group)
    stabilise_ids(group, name)
    return group


@dataclass(frozen=True)
class LegendEntry:
    colour: str
    label: str
    count: int | None = None
    dashed: bool = False


def legend_entries(classification: Classification, lang: str, *, water_count: int = 0) -> list[LegendEntry]:
    colours = class_colours(classification)
    entries = [LegendEntry(colours[i], c.label(lang), c.count) for i, c in enumerate(classification.classes)]
    missing = classification.missing_count - water_count
    entries.append(LegendEntry(MISSING_FILL, MISSING_LABEL.get(lang, MISSING_LABEL["nl"]), max(missing, 0),
                               dashed=True))
    if water_count:
        entries.append(LegendEntry(WATER_FILL, "water", water_count))
    return entries


def build_legend_html(title: str, subtitle: str, entries: Sequence[LegendEntry], *, count_word: str = "buurten",
                      font_px: int = 15) -> str:
    """Legend as our own small HTML block; every text part is escaped."""
    rows = []
    for e in entries:
        border = "2px dashed #555" if e.dashed else "1px solid #555"
        count = f" <span style='color:#666'>({e.count} {safe_text(count_word)})</span>" if e.count is not None else ""
        rows.append(
            f"<div style='display:flex;align-items:center;gap:.5em;margin:.25em 0'>"
            f"<span style='display:inline-block;width:1.6em;height:1.1em;background:{safe_text(e.colour)};"
            f"border:{border};flex:none'></span><span>{safe_text(e.label)}{count}</span></div>")
    return (f"<div class='bb-legend' role='group' aria-label='{safe_text(title)}' style='font-size:{font_px}px'>"
            f"<div style='font-weight:600;margin-bottom:.2em'>{safe_text(title)}</div>"
            f"<div style='color:#555;margin-bottom:.4em'>{safe_text(subtitle)}</div>{''.join(rows)}</div>")


def render_map(base: folium.Map, layers: Sequence[folium.FeatureGroup], *, key: str, height: int = 620,
               returned_objects: Sequence[str] = ("last_object_clicked",)) -> dict:
    """Draw the map; the only place that calls st_folium."""
    from streamlit_folium import st_folium

    return st_folium(base, key=key, height=height, use_container_width=True,
                     feature_group_to_add=list(layers), returned_objects=list(returned_objects)) or {}


# --- Resident kiosk: tap to pin, pan to nudge -------------------------------------------------------------
# Fingers are imprecise and a dragged marker hides under the finger, so after a tap the map centres on the
# tapped spot and a pin drawn at the map's centre (CSS, not a Leaflet layer) marks it; panning the map moves
# the spot under the pin (mysociety/fixmystreet #4176). streamlit-folium returns the map `center`, which is
# the nudged position. The pin layer only toggles a class on the map container, so the base map (and the
# iframe) never changes while a resident works.

KIOSK_AREA_FILL = "#cfe3f1"
KIOSK_AREA_OUTLINE = "#1f5f8b"
PIN_SVG = ("<svg xmlns='http://www.w3.org/2000/svg' width='44' height='60' viewBox='0 0 44 60'>"
           "<path d='M22 58C22 58 4 34 4 21a18 18 0 0 1 36 0c0 13-18 37-18 37z' fill='%23c2410c' "
           "stroke='white' stroke-width='3'/><circle cx='22' cy='21' r='7' fill='white'/></svg>")
PIN_SVG_OUTSIDE = PIN_SVG.replace("%23c2410c", "%236b7280")
KIOSK_MAP_CSS = (
    "<style>"
    f".leaflet-container{{background:{PAPER};font-size:15px}}"
    ".bb-pin{position:absolute;left:50%;top:50%;width:44px;height:60px;margin:-59px 0 0 -22px;z-index:650;"
    f"pointer-events:none;display:none;background:url(\"data:image/svg+xml;utf8,{PIN_SVG}\") no-repeat}}"
    ".bb-pin::after{content:'';position:absolute;left:17px;top:54px;width:10px;height:10px;border-radius:50%;"
    "background:rgba(0,0,0,.25)}"
    ".bb-pin-inside .bb-pin,.bb-pin-outside .bb-pin{display:block}"
    f".bb-pin-outside .bb-pin{{background-image:url(\"data:image/svg+xml;utf8,{PIN_SVG_OUTSIDE}\")}}"
    ".bb-label{font:600 13px/1.2 system-ui,sans-serif;color:#1d1d1b;text-align:center;white-space:nowrap;"
    "text-shadow:0 0 3px #fff,0 0 3px #fff,0 0 3px #fff;pointer-events:none;transform:translate(-50%,-50%)}"
    ".bb-zoomed-out .bb-label{display:none}"
    ".leaflet-control-zoom a{width:44px!important;height:44px!important;line-height:44px!important;"
    "font-size:24px!important}"
    "</style>")


class _KioskMapScript(folium.MacroElement):
    """The centre pin element and the buurt names (shown from `label_zoom` on), written as plain JS so no
    default marker image is ever requested. Names are HTML-escaped, then JSON-encoded."""

    _template = folium.template.Template("""{% macro script(this, kwargs) %}
(function () {
    var map = {{ this._parent.get_name() }};
    var box = map.getContainer();
    if (!box.querySelector('.bb-pin')) {
        var pin = document.createElement('div');
        pin.className = 'bb-pin';
        pin.setAttribute('aria-hidden', 'true');
        box.appendChild(pin);
    }
    {{ this.labels_json }}.forEach(function (label) {
        L.marker([label[1], label[2]], {interactive: false, keyboard: false, icon: L.divIcon({
            html: '<div class="bb-label">' + label[0] + '</div>', className: 'bb-label-icon', iconSize: [0, 0]})
        }).addTo(map);
    });
    function labels() { box.classList.toggle('bb-zoomed-out', map.getZoom() < {{ this.label_zoom }}); }
    map.on('zoomend', labels);
    labels();
})();
{% endmacro %}""")

    def __init__(self, labels: Sequence[tuple[str, float, float]], label_zoom: float):
        super().__init__()
        self._name = "KioskMapScript"
        self.label_zoom = float(label_zoom)
        self.labels_json = json.dumps([[safe_text(name), round(float(lat), 6), round(float(lon), 6)]
                                       for name, lat, lon in labels])


class _PinState(folium.MacroElement):
    """Shows the centre pin (`inside`/`outside` the area) or hides it (`none`); `data-pin` on the map says which
    state was applied last, for the browser tests to wait on."""

    _template = folium.template.Template("""{% macro script(this, kwargs) %}
(function () {
    var box = window.map && window.map.getContainer();
    if (!box) { return; }
    box.classList.remove('bb-pin-inside', 'bb-pin-outside');
    {% if this.pin_state != 'none' %}box.classList.add('bb-pin-{{ this.pin_state }}');{% endif %}
    box.setAttribute('data-pin', '{{ this.pin_state }}');
})();
{% endmacro %}""")

    def __init__(self, pin_state: str):
        super().__init__()
        self._name = "PinState"
        self.pin_state = pin_state


def build_kiosk_base_map(bounds: list[list[float]], area_json: str, *, fills: Mapping[str, str] | None = None,
                         labels: Sequence[tuple[str, float, float]] = (), label_zoom: float = 14,
                         tile_url: str | None = None, attribution: str = "") -> folium.Map:
    """The session's buurten (optionally coloured by `fills`, code → colour) on an empty map, with their
    names at `labels` (name, lat, lon) from `label_zoom` on. Polygons are not interactive, so a tap always
    reaches the map itself."""
    m = folium.Map(location=[(bounds[0][0] + bounds[1][0]) / 2, (bounds[0][1] + bounds[1][1]) / 2],
                   zoom_start=13, tiles=None, prefer_canvas=True, control_scale=True, scrollWheelZoom=False,
                   zoom_snap=0.25, tap_tolerance=20)
    if tile_url:
        folium.TileLayer(tiles=tile_url, attr=attribution or " ", name="basemap", max_zoom=19).add_to(m)
    m.get_root().header.add_child(folium.Element(KIOSK_MAP_CSS))
    styles = {code: {"fillColor": colour, "fillOpacity": 0.75} for code, colour in (fills or {}).items()}
    folium.GeoJson(json.loads(area_json), name="area", interactive=False,
                   style_function=lambda f: {"color": KIOSK_AREA_OUTLINE, "weight": 1.5,
                                             **styles.get(f["id"], {"fillColor": KIOSK_AREA_FILL,
                                                                    "fillOpacity": 0.45})}).add_to(m)
    _KioskMapScript(labels, label_zoom).add_to(m)
    m.fit_bounds(bounds)
    return m


def build_pin_layer(pin_state: str) -> folium.FeatureGroup:
    """The dynamic part of the kiosk map: `none`, `inside` or `outside` (the pin itself is CSS)."""
    if pin_state not in ("none", "inside", "outside"):
        raise ValueError(pin_state)
    group = folium.FeatureGroup(name="pin")
    _PinState(pin_state).add_to(group)
    stabilise_ids(group, "pin")
    return group


def render_pin_map(base: folium.Map, layers: Sequence[folium.FeatureGroup], *, key: str, height: int,
                   center: tuple[float, float] | None = None, zoom: int | None = None) -> dict:
    """Draw the kiosk map; returns the last tap (`last_clicked`) and the map centre (`center`).

    `center` and `zoom` move the map only when they differ from the last ones passed, so a resident's own
    panning and zooming survive reruns."""
    from streamlit_folium import st_folium

    return st_folium(base, key=key, height=height, use_container_width=True, feature_group_to_add=list(layers),
                     returned_objects=["last_clicked", "center"],
                     center=[center[0], center[1]] if center else None, zoom=zoom if center else None) or {}
