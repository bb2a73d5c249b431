"""Choropleth cost: naive folium against Buurtbeeld's pipeline, in the same run, on three sizes.

    .venv/bin/python bench/bench_choropleth.py                      # demo, utrecht, national; 5 repeats
    .venv/bin/python bench/bench_choropleth.py --cases national --repeat 3 --no-browser

For each case and approach it measures
  * payload: bytes streamlit-folium would send to the iframe (html + header + map JS + feature-group JS,
    from the same functions st_folium calls);
  * python first: CPU seconds from the GeoDataFrame to those strings with nothing cached (our pipeline
    includes `to_feature_collection`); python rerun: the same with the cached features string in hand
    (what a Streamlit rerun pays; naive approaches have no cache, so they redo everything);
  * browser: ms from navigation start until the layers are added and two animation frames have passed
    (Leaflet's canvas renderer paints on the first), and the renderer's main-thread task time (CDP
    Performance.TaskDuration), in headless Debian chromium on a standalone `m.get_root().render()` file
    with Leaflet inlined from static/vendor.

Approaches:
  naive     folium.GeoJson(gdf.to_json(), style_function=…, tooltip=GeoJsonTooltip([name, value])),
            folium defaults otherwise (SVG renderer), fitted to the same bounds
  explore   gdf.explore(column=…, scheme="quantiles") (national case only; its branca legend needs d3 from
            a CDN, so the legend is removed before rendering — slightly in explore's favour)
  v1        our previous pipeline: to_feature_collection + folium.GeoJson with a per-feature style_function
            + GeoJsonTooltip of a pre-escaped `tip` (kept here verbatim as the "before")
  ours      components.maps.build_choropleth_layer / build_outline_layer as they are now, 5 m tolerance
  ours_coarse  the same with --national-tolerance (default 100 m) and 4 decimals (~7-11 m) for the
            national case, where one screen pixel is hundreds of metres

Every approach classifies with domain.classification (quantiles, 5 classes), so that cost is in all of them.
Timings are medians over --repeat runs; approaches are interleaved inside each run, in an order
that rotates from run to run.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
warnings.filterwarnings("ignore")

import folium
import geopandas as gpd
import pandas as pd

from components import maps
from components.assets import install_local_assets, vendor_files
from domain import spatial
from domain.classification import classify
from domain.models import IndicatorMeta

SHARED = REPO.parent / "shared" / "data"
NATIONAL_BUURTEN = SHARED / "cbs" / "buurten_2014_nl_q1e3.topojson"
NATIONAL_WIJKEN = SHARED / "cbs" / "wijken_2014_nl_q1e3.topojson"
UTRECHT = SHARED / "derived" / "utrecht_buurten_2014geom_kwb_lbm.gpkg"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


# ------------------------------------------------------------------------------------------------ data

@dataclass
class Case:
    name: str
    buurten: gpd.GeoDataFrame  # code, name, parent_code, is_water, geometry (EPSG:4326)
    wijken: gpd.GeoDataFrame  # code, name, geometry
    values: list[float | None]  # aligned with buurten
    meta: IndicatorMeta
    tolerance_m: float = 5.0  # the app's default (storage.config.Settings.simplify_tolerance_m)
    coarse_tolerance_m: float = 0.0
    note: str = ""


def _repair(frame: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, int]:
    """Valid polygons only; returns the frame without rows that have no area left, and how many were dropped."""
    if hasattr(spatial, "repair_geometries"):
        geoms, _ = spatial.repair_geometries(frame.geometry)
        frame = frame.set_geometry(geoms)
        keep = ~frame.geometry.is_empty
    else:  # older domain.spatial
        frame = frame.set_geometry([spatial.repair_polygonal(g) for g in frame.geometry], crs=frame.crs)
        keep = frame.geometry.notna() & ~frame.geometry.is_empty
    return frame[keep].reset_index(drop=True), int((~keep).sum())


def demo_case() -> Case:
    from domain.demo import build_demo_areas, build_demo_values

    areas = build_demo_areas()
    metas, values = build_demo_values(areas)
    meta = next(m for m in metas if m.key == "lbm_score")
    buurten = areas[areas["level"] == "buurt"].reset_index(drop=True)
    wijken = areas[areas["level"] == "wijk"].reset_index(drop=True)
    by_code = values[values["key"] == meta.key].set_index("code")["value"]
    numbers = [None if pd.isna(v := by_code.get(c)) else float(v) for c in buurten["code"]]
    return Case("demo", buurten, wijken, numbers, meta)


def utrecht_case() -> Case:
    raw = gpd.read_file(UTRECHT).to_crs(4326)
    # valid, but make_valid left lines and collections (8 GeometryCollections, 3 lines): the importer keeps
    # only the polygonal part, so do the same
    frame, dropped = _repair(raw)
    buurten = gpd.GeoDataFrame({"code": frame["statcode"], "name": frame["statnaam"],
                                "parent_code": frame["wijkcode"], "is_water": False},
                               geometry=frame.geometry.values, crs=4326)
    wijken = buurten.dissolve(by="parent_code", as_index=False)[["parent_code", "geometry"]]
    wijken = wijken.rename(columns={"parent_code": "code"}).assign(name=lambda f: f["code"])
    # the source CSV put 0 where a value was unknown (data/SOURCES.md): 0 is missing here
    values = [None if pd.isna(v) or v == 0 else float(v) for v in frame["leefbarometer_score"]]
    meta = IndicatorMeta("lbm_score", "Leefbaarometer", "Leefbaarometer", "", 1, decimals=2)
    note = f"{len(raw)} buurten in the file, {dropped} without area after repair"
    return Case("utrecht", buurten, wijken, values, meta, note=note)


def national_case(tolerance_m: float) -> Case:
    raw = gpd.read_file(f"TopoJSON:{NATIONAL_BUURTEN}").set_crs(4326, allow_override=True)
    repaired, dropped = _repair(raw)
    buurten = gpd.GeoDataFrame({"code": repaired["statcode"], "name": repaired["statnaam"],
                                "parent_code": "WK" + repaired["statcode"].str[2:8], "is_water": False},
                               geometry=repaired.geometry.values, crs=4326)
    raw_w = gpd.read_file(f"TopoJSON:{NATIONAL_WIJKEN}").set_crs(4326, allow_override=True)
    wijken, _ = _repair(raw_w)
    wijken = gpd.GeoDataFrame({"code": wijken["statcode"], "name": wijken["statnaam"]},
                              geometry=wijken.geometry.values, crs=4326)
    # The 2014 file carries no indicator; land area (km², computed) is a real, skewed quantity, and every
    # 17th buurt is made "unknown" so the dashed missing style is exercised too.
    area_km2 = buurten.to_crs(spatial.RD_NEW).area / 1e6
    values = [None if i % 17 == 0 else round(float(a), 2) for i, a in enumerate(area_km2)]
    meta = IndicatorMeta("opp_km2", "Oppervlakte", "Area", "km²", 0, decimals=2)
    note = (f"{len(raw)} buurten in the file, {dropped} have no area left after repair "
            f"(quantised away), {len(buurten)} drawn; {len(wijken)} wijken")
    return Case("national", buurten, wijken, values, meta, coarse_tolerance_m=tolerance_m, note=note)


# ------------------------------------------------------------------------------------------- approaches

def _cells(case: Case):
    classification = classify(case.values, "quantiles", 5, direction=case.meta.direction,
                              decimals=case.meta.decimals)
    wijk_names = dict(zip(case.wijken["code"], case.wijken["name"]))
    return maps.choropleth_cells(list(case.buurten["code"]), list(case.buurten["name"]),
                                 [wijk_names.get(p) for p in case.buurten["parent_code"]],
                                 list(case.buurten["is_water"]), case.values, classification, case.meta, "nl")


def build_naive(case: Case, cached: dict) -> tuple[folium.Map, list]:
    classification = classify(case.values, "quantiles", 5, decimals=case.meta.decimals)
    colours = maps.class_colours(classification)
    fill = {code: (maps.MISSING_FILL if k is None else colours[k])
            for code, k in zip(case.buurten["code"], classification.class_of)}
    frame = case.buurten[["code", "name", "geometry"]].assign(value=case.values)
    bounds = spatial.bounds_latlon(case.buurten)
    m = folium.Map(location=[(bounds[0][0] + bounds[1][0]) / 2, (bounds[0][1] + bounds[1][1]) / 2], tiles=None)
    folium.GeoJson(frame.to_json(), style_function=lambda f: {
        "fillColor": fill[f["properties"]["code"]], "color": "#555", "weight": 0.8, "fillOpacity": 0.8},
        tooltip=folium.GeoJsonTooltip(fields=["name", "value"])).add_to(m)
    m.fit_bounds(bounds)
    return m, []


def build_explore(case: Case, cached: dict) -> tuple[folium.Map, list]:
    frame = case.buurten[["code", "name", "geometry"]].assign(value=case.values)
    m = frame.explore(column="value", scheme="quantiles", k=5, tiles=None)
    for key, child in list(m._children.items()):  # the branca legend needs d3 from a CDN
        if type(child).__module__.startswith("branca.colormap"):
            del m._children[key]
    return m, []


def _features(case: Case, cached: dict, level: str, tolerance: float, precision: int) -> str:
    key = (level, tolerance, precision)
    if key not in cached:
        frame = case.buurten if level == "buurt" else case.wijken
        cached[key] = spatial.to_feature_collection(frame, [], tolerance_m=tolerance, precision=precision)
    return cached[key]


def _v1_choropleth_layer(features_json: str, cells, *, name: str = "statistics", fill_opacity: float = 0.8):
    """components.maps.build_choropleth_layer as of commit ea1d59d (before this benchmark)."""
    collection = json.loads(features_json)
    features = []
    for feature in collection["features"]:
        cell = cells.get(feature["id"])
        if cell is None:
            continue
        features.append({**feature, "properties": {"tip": cell.tooltip_html}})
    styles = {code: {"fillColor": cell.fill, "color": maps.OUTLINE, "weight": 0.8, "fillOpacity": fill_opacity,
                     "dashArray": "4 3" if cell.dashed else None} for code, cell in cells.items()}
    group = folium.FeatureGroup(name=name)
    folium.GeoJson(
        {"type": "FeatureCollection", "features": features},
        style_function=lambda f: {k: v for k, v in styles[f["id"]].items() if v is not None},
        highlight_function=lambda f: {"weight": 3, "color": maps.WIJK_OUTLINE},
        tooltip=folium.GeoJsonTooltip(fields=["tip"], labels=False, sticky=True),
        name=name,
    ).add_to(group)
    maps.stabilise_ids(group, name)
    return group


def _v1_outline_layer(features_json: str, *, name: str = "wijken", weight: float = 2.5,
                      colour: str = maps.WIJK_OUTLINE):
    group = folium.FeatureGroup(name=name)
    folium.GeoJson(json.loads(features_json), name=name, interactive=False,
                   style_function=lambda f: {"fill": False, "color": colour, "weight": weight}).add_to(group)
    maps.stabilise_ids(group, name)
    return group


def _pipeline(choropleth, outline, *, coarse: bool = False):
    def build(case: Case, cached: dict) -> tuple[folium.Map, list]:
        tolerance, precision = (case.coarse_tolerance_m, 4) if coarse else (case.tolerance_m, 5)
        buurt_json = _features(case, cached, "buurt", tolerance, precision)
        wijk_json = _features(case, cached, "wijk", tolerance, precision)
        layers = [choropleth(buurt_json, _cells(case)), outline(wijk_json)]
        return maps.build_base_map(spatial.bounds_latlon(case.buurten)), layers
    return build


APPROACHES: dict[str, Callable] = {
    "naive": build_naive,
    "explore": build_explore,
    "v1": _pipeline(_v1_choropleth_layer, _v1_outline_layer),
    "ours": _pipeline(maps.build_choropleth_layer, maps.build_outline_layer),
    "ours_coarse": _pipeline(maps.build_choropleth_layer, maps.build_outline_layer, coarse=True),
}
NATIONAL_ONLY = {"explore", "ours_coarse"}


def _has_matplotlib() -> bool:
    import importlib.util

    return importlib.util.find_spec("matplotlib") is not None  # explore() needs it; the app does not


# ------------------------------------------------------------------------------------------- measuring

def st_folium_strings(m: folium.Map, layers: list) -> dict[str, str]:
    """What st_folium computes before it hands the component its arguments (streamlit-folium 0.27)."""
    from streamlit_folium import (
        _get_feature_group_string,
        _get_header,
        _get_html,
        _get_map_string,
    )

    m.get_root().render()
    m.render()
    out = {"html": _get_html(m), "header": _get_header(m), "script": _get_map_string(m)}
    out["feature_group"] = "".join(_get_feature_group_string(fg, m, i) for i, fg in enumerate(layers))
    return out


def standalone_html(m: folium.Map, layers: list) -> str:
    for layer in layers:
        layer.add_to(m)
    return m.get_root().render()


def inline_assets(html: str) -> str:
    """Local Leaflet/jQuery inlined; any other external script or stylesheet (CDNs) dropped."""
    files = vendor_files()

    def script(match: re.Match) -> str:
        path = files.get(match.group(1))
        return f"<script>{path.read_text()}</script>" if path else ""

    def style(match: re.Match) -> str:
        path = files.get(match.group(1))
        return f"<style>{path.read_text()}</style>" if path else ""

    html = re.sub(r'<script src="([^"]+)"></script>', script, html)
    return re.sub(r'<link rel="stylesheet" href="([^"]+)"/>', style, html)


DRAWN_MARKER = """<script>
window.map = window.{map_name};
requestAnimationFrame(function () {{ requestAnimationFrame(function () {{
    window.__drawn = performance.now();
}}); }});
</script>
</html>"""


def browser_file(m: folium.Map, html: str, directory: Path, label: str) -> Path:
    html = inline_assets(html)  # folium puts the map script after </body>; the marker goes after it
    cut = html.rindex("</html>")
    html = html[:cut] + DRAWN_MARKER.format(map_name=m.get_name()) + html[cut + len("</html>"):]
    path = directory / f"{label}.html"
    path.write_text(html)
    return path


@dataclass
class Row:
    case: str
    approach: str
    payload: int = 0
    first: list[float] = field(default_factory=list)  # CPU s
    rerun: list[float] = field(default_factory=list)  # CPU s
    wall: list[float] = field(default_factory=list)  # wall s, first and rerun
    browser: list[float] = field(default_factory=list)  # ms until drawn
    busy: list[float] = field(default_factory=list)  # ms of renderer main-thread tasks
    paths: int = 0
    errors: int = 0


def measure_python(case: Case, approach: str, row: Row) -> tuple[folium.Map, list]:
    """CPU seconds of this process (wall seconds are kept too): other work on a shared 2-core machine
    inflates wall time much more than CPU time."""
    build = APPROACHES[approach]
    cached: dict = {}
    for times in (row.first, row.rerun):  # the second pass finds the features strings cached (ours/v1)
        wall, cpu = time.perf_counter(), time.process_time()
        m, layers = build(case, cached)
        strings = st_folium_strings(m, layers)
        times.append(time.process_time() - cpu)
        row.wall.append(time.perf_counter() - wall)
    row.payload = sum(len(s.encode()) for s in strings.values())
    return build(case, cached)


def measure_browser(browser, path: Path, row: Row) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    cdp = page.context.new_cdp_session(page)
    cdp.send("Performance.enable")
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(path.as_uri(), wait_until="commit", timeout=300_000)
    page.wait_for_function(
        "() => window.__drawn && window.map && "
        "document.querySelector('.leaflet-overlay-pane canvas, .leaflet-overlay-pane svg path')",
        timeout=300_000, polling=50)
    row.browser.append(page.evaluate("window.__drawn"))
    metrics = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
    row.busy.append(metrics["TaskDuration"] * 1000)  # main-thread task time, ms
    row.paths = page.evaluate("""() => { let n = 0; window.map.eachLayer(l => { if (l.feature) n++; }); return n; }""")
    row.errors = len(errors)
    if errors:
        print(f"    page errors ({row.case}/{row.approach}): {errors[:2]}", file=sys.stderr)
    page.close()


def run(cases: list[str], repeat: int, browser_cases: set[str], national_tolerance: float) -> list[Row]:
    install_local_assets()
    builders = {"demo": demo_case, "utrecht": utrecht_case, "national": lambda: national_case(national_tolerance)}
    rows: list[Row] = []
    tmp = Path(tempfile.mkdtemp(prefix="bench_choropleth_"))
    pw = browser = None
    if browser_cases:
        from playwright.sync_api import sync_playwright

        pw = sync_playwright().start()
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    try:
        for name in cases:
            case = builders[name]()
            print(f"== {name}: {len(case.buurten)} buurten. {case.note}",
                  file=sys.stderr)
            approaches = [a for a in APPROACHES if a not in NATIONAL_ONLY or name == "national"]
            if "explore" in approaches and not _has_matplotlib():
                print("   explore skipped: needs matplotlib (pip install matplotlib into .venv, not requirements)",
                      file=sys.stderr)
                approaches.remove("explore")
            case_rows = {a: Row(name, a) for a in approaches}
            for approach in approaches:  # warm-up, not timed: imports (mapclassify, pyproj) and first calls
                measure_python(case, approach, Row(name, approach))
            for i in range(repeat):
                for approach in approaches[i % len(approaches):] + approaches[:i % len(approaches)]:  # rotate
                    row = case_rows[approach]
                    m, layers = measure_python(case, approach, row)
                    if name in browser_cases:
                        html = standalone_html(m, layers)
                        measure_browser(browser, browser_file(m, html, tmp, f"{name}_{approach}"), row)
                print(f"   run {i + 1}/{repeat} done, load average {os.getloadavg()[0]:.1f}", file=sys.stderr)
            rows += case_rows.values()
            print(f"   load average after {name}: {os.getloadavg()[0]:.1f} (on {os.cpu_count()} cores)",
                  file=sys.stderr)
    finally:
        if browser:
            browser.close()
            pw.stop()
    return rows


# ------------------------------------------------------------------------------------------- reporting

def _median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def _mb(n: int) -> str:
    return f"{n / 1e6:.2f} MB" if n >= 100_000 else f"{n / 1e3:.0f} kB"


def _s(x: float | None) -> str:
    return "–" if x is None else (f"{x:.3f} s" if x < 10 else f"{x:.1f} s")


def _ratio(ours: float | None, naive: float | None) -> str:
    return "–" if not ours or not naive else f"{ours / naive:.2f}"


def report(rows: list[Row], repeat: int) -> str:
    lines = [(f"medians of {repeat} runs; ratio = approach / naive in the same run (lower is better); "
              "python = CPU seconds from GeoDataFrame to st_folium strings; browser = ms from navigation "
              "start until drawn, and renderer main-thread busy ms"), "",
             ("| case | approach | payload | ratio | python first | ratio | python rerun | ratio "
              "| browser drawn | ratio | main thread | ratio | layers |"),
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    naive = {r.case: r for r in rows if r.approach == "naive"}
    for r in rows:
        n = naive[r.case]
        drawn, busy = _median(r.browser), _median(r.busy)
        lines.append(
            f"| {r.case} | {r.approach} | {_mb(r.payload)} | {_ratio(r.payload, n.payload)} "
            f"| {_s(_median(r.first))} | {_ratio(_median(r.first), _median(n.first))} "
            f"| {_s(_median(r.rerun))} | {_ratio(_median(r.rerun), _median(n.rerun))} "
            f"| {'–' if drawn is None else f'{drawn:.0f} ms'} | {_ratio(drawn, _median(n.browser))} "
            f"| {'–' if busy is None else f'{busy:.0f} ms'} | {_ratio(busy, _median(n.busy))} "
            f"| {r.paths or '–'}{' (page errors)' if r.errors else ''} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", nargs="+", default=["demo", "utrecht", "national"],
                        choices=["demo", "utrecht", "national"])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--browser", nargs="*", default=None,
                        help="cases to time in chromium (default: all chosen cases)")
    parser.add_argument("--no-browser", action="store_true")
    parser.add_argument("--national-tolerance", type=float, default=100.0,
                        help="coarse simplification tolerance (m) for the national case (default 100)")
    args = parser.parse_args(argv)
    browser_cases = set() if args.no_browser else set(args.browser if args.browser is not None else args.cases)
    rows = run(args.cases, args.repeat, browser_cases, args.national_tolerance)
    print(report(rows, args.repeat))


if __name__ == "__main__":
    main()
