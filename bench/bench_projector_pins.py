"""Projector pins at scale (issue 5.6): how long 1,000–20,000 approved stories take to build in Python and to
draw in Chromium, clustered (MarkerCluster below zoom 18, individual SVG pins from 18 on).

    .venv/bin/python bench/bench_projector_pins.py                  # 1000, 10000, 20000 pins; 3 repeats
    .venv/bin/python bench/bench_projector_pins.py --sizes 10000 --repeat 1 --no-browser

Each size is measured for our clustered layer and, in the same run, for the naive approach (one folium.Marker
per story, no clustering; in Python up to --naive-up-to pins, in the browser up to 1,000 — 10,000 loose
markers took 81 s to draw, see BENCHMARKS.md), and the ratios naive ÷ ours are printed at the end.

Per size:
  * python: CPU seconds for `components.projector.build_story_pins` plus the feature-group string st_folium
    builds from it (what every projector refresh pays when the pins changed), and its bytes;
  * browser (headless Debian chromium, standalone file, Leaflet + markercluster inlined from static/vendor,
    viewport 1920x1080): ms from navigation until pins or clusters are on screen and two frames passed;
    ms for a zoom step 13→14 and for 13→16 (street level, clusters breaking up) until two frames after
    `zoomend`; and the renderer's main-thread task time (CDP) for the whole run.
Medians over --repeat runs. Points are spread uniformly over the demo municipality's bounds (seed 7).
"""
from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path
from types import SimpleNamespace

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))
warnings.filterwarnings("ignore")

from bench_choropleth import CHROMIUM, CHROMIUM_ARGS, inline_assets, st_folium_strings

import folium

from components import maps, projector
from components.assets import install_local_assets
from domain.models import STORY_KINDS

BOUNDS = [[52.06, 5.06], [52.12, 5.16]]


def fake_stories(n: int) -> list:
    rnd = random.Random(7)
    kinds = list(STORY_KINDS)
    return [SimpleNamespace(id=i, kind=kinds[i % len(kinds)], status="approved", buurt_code=None,
                            lat=rnd.uniform(BOUNDS[0][0], BOUNDS[1][0]), lon=rnd.uniform(BOUNDS[0][1], BOUNDS[1][1]))
            for i in range(1, n + 1)]


def clustered_pins(stories):
    return projector.build_story_pins(stories, "exact", {})


def naive_pins(stories):
    """The first thing one would write: one folium.Marker per story, no clustering (same SVG look)."""
    group = folium.FeatureGroup(name="verhalen")
    for story in stories:
        folium.Marker([story.lat, story.lon], icon=folium.DivIcon(
            html=f"<div class='bb-kind bb-kind-{story.kind}'></div>", icon_size=(26, 26))).add_to(group)
    return group


APPROACHES = {"clustered (ours)": clustered_pins, "naive: a marker each": naive_pins}


def python_cost(stories, build) -> tuple[float, int]:
    cpu = time.process_time()
    base = maps.build_base_map(BOUNDS)
    layer = build(stories)
    strings = st_folium_strings(base, [layer])
    return time.process_time() - cpu, len(strings["feature_group"].encode())


DRAWN = """<script>
window.map = window.{name};
requestAnimationFrame(function () {{ requestAnimationFrame(function () {{ window.__drawn = performance.now(); }}); }});
window.__zoomTo = function (z) {{
  return new Promise(function (done) {{
    var t0 = performance.now();
    window.map.once('zoomend', function () {{
      requestAnimationFrame(function () {{ requestAnimationFrame(function () {{ done(performance.now() - t0); }}); }});
    }});
    window.map.setZoom(z, {{animate: false}});
  }});
}};
</script>
</html>"""


def browser_file(stories, build, directory: Path, label: str) -> Path:
    base = maps.build_base_map(BOUNDS)
    build(stories).add_to(base)
    base.options["maxZoom"] = 19
    html = inline_assets(base.get_root().render())
    cut = html.rindex("</html>")
    html = html[:cut] + DRAWN.format(name=base.get_name()) + html[cut + len("</html>"):]
    path = directory / f"{label}.html"
    path.write_text(html)
    return path


def browser_cost(browser, path: Path) -> dict:
    page = browser.new_page(viewport={"width": 1920, "height": 1080})
    cdp = page.context.new_cdp_session(page)
    cdp.send("Performance.enable")
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(path.as_uri(), wait_until="commit", timeout=300_000)
    page.wait_for_function("() => window.__drawn && document.querySelector('.marker-cluster, .bb-kind')",
                           timeout=300_000, polling=50)
    out = {"drawn": page.evaluate("window.__drawn"), "z14": page.evaluate("window.__zoomTo(14)")}
    page.evaluate("window.map.setZoom(13, {animate: false})")
    out["z16"] = page.evaluate("window.__zoomTo(16)")
    out["visible"] = page.evaluate("document.querySelectorAll('.bb-kind, .marker-cluster').length")
    metrics = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
    out["busy"] = metrics["TaskDuration"] * 1000
    out["errors"] = len(errors)
    page.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 20000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-browser", action="store_true")
    parser.add_argument("--naive-up-to", type=int, default=10000,
                        help="measure the naive approach for sizes up to this (in Python; in the browser up to 1000)")
    args = parser.parse_args()
    install_local_assets()
    browser = None
    if not args.no_browser:
        from playwright.sync_api import sync_playwright

        pw = sync_playwright().start()
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    print("| pins | approach | python CPU s | feature-group bytes | browser: on screen ms | zoom 13→14 ms "
          "| zoom 13→16 ms | markers+clusters at z16 | renderer busy ms | JS errors |")
    print("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    ratios = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.sizes:
            stories = fake_stories(n)
            measured = {}
            for label, build in APPROACHES.items():
                if build is naive_pins and n > args.naive_up_to:
                    continue
                py = [python_cost(stories, build) for _ in range(args.repeat)]
                cpu, size = statistics.median(p[0] for p in py), py[0][1]
                cells = ["–"] * 6
                drawn = None
                if browser and (build is clustered_pins or n <= 1000):
                    path = browser_file(stories, build, Path(tmp), f"pins{n}-{build.__name__}")
                    runs = [browser_cost(browser, path) for _ in range(args.repeat)]
                    med = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
                    drawn = med["drawn"]
                    cells = [f"{med['drawn']:.0f}", f"{med['z14']:.0f}", f"{med['z16']:.0f}",
                             f"{med['visible']:.0f}", f"{med['busy']:.0f}", f"{max(r['errors'] for r in runs)}"]
                measured[build] = (cpu, size, drawn)
                print(f"| {n:,} | {label} | {cpu:.2f} | {size:,} | " + " | ".join(cells) + " |", flush=True)
            if naive_pins in measured:
                ours, naive = measured[clustered_pins], measured[naive_pins]
                ratios.append((n, naive[0] / max(ours[0], 1e-9), naive[1] / ours[1],
                               naive[2] / ours[2] if naive[2] and ours[2] else None))
    print("\n| pins | naive ÷ ours: python CPU | bytes | browser on screen |")
    print("|---:|---:|---:|---:|")
    for n, cpu_ratio, size_ratio, drawn_ratio in ratios:
        drawn_cell = f"{drawn_ratio:.1f}×" if drawn_ratio else "–"
        print(f"| {n:,} | {cpu_ratio:.1f}× | {size_ratio:.1f}× | {drawn_cell} |")
    if browser:
        browser.close()
        pw.stop()


if __name__ == "__main__":
    main()
