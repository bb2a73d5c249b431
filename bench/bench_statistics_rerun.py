"""What a rerun of the statistics page costs on the seeded demo, and what dominates it (AppTest, no browser).

    .venv/bin/python bench/bench_statistics_rerun.py                 # 7 repeats + a cProfile of each kind
    .venv/bin/python bench/bench_statistics_rerun.py --repeat 3 --no-profile

Kinds of run, each timed as wall and CPU seconds of `at.run()` (medians over --repeat):
  cold      a fresh AppTest after st.cache_data / st.cache_resource are cleared: migrations check, area and
            indicator loads, to_feature_collection, classification, layers, st_folium strings
  data-cold st.cache_data cleared but the engine (cache_resource) kept: what the first visitor after an
            import pays
  rerun     the same AppTest run again with nothing changed (a widget-less rerun, as a fragment or a click
            elsewhere on the page would trigger)
  recolour  another indicator picked: classification, cells and the choropleth layer are rebuilt, the
            geometry strings come from the cache
The first AppTest of the process is not counted (imports). The DB is storage.seed.write_fixture_database.
"""
from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import statistics
import sys
import tempfile
import time
import warnings
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
warnings.filterwarnings("ignore")

INDICATOR_KEY = "stats.indicator"  # components.state.STATS_INDICATOR
OTHER_INDICATORS = ("pct_huurwoningen", "woz")
NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


def _clear(resources: bool) -> None:
    import streamlit as st

    st.cache_data.clear()
    if resources:
        st.cache_resource.clear()


def _timed(callable_) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    callable_()
    return time.perf_counter() - wall, time.process_time() - cpu


def _app():
    from streamlit.testing.v1 import AppTest

    return AppTest.from_file(str(REPO / "app.py"), default_timeout=120)


def _check(at) -> None:
    if at.exception:
        raise SystemExit(f"the page raised: {at.exception[0].message}")
    if not at.get("component_instance"):
        raise SystemExit("no map on the page: is the statistics page still the default page?")


def measure(repeat: int) -> dict[str, list[tuple[float, float]]]:
    results: dict[str, list[tuple[float, float]]] = {k: [] for k in ("cold", "data-cold", "rerun", "recolour")}
    warm = _app()
    warm.run()
    _check(warm)  # imports and first-call costs, not counted
    for i in range(repeat):
        for kind, resources in (("cold", True), ("data-cold", False)):
            _clear(resources)
            at = _app()
            results[kind].append(_timed(at.run))
            _check(at)
        results["rerun"].append(_timed(at.run))
        _check(at)
        at.selectbox(key=INDICATOR_KEY).set_value(OTHER_INDICATORS[i % 2])
        results["recolour"].append(_timed(at.run))
        _check(at)
    return results


def profile(kind: str, top: int) -> str:
    """cProfile of one run of `kind`. AppTest executes the script in its own thread, so the profiler is
    switched on inside ScriptRunner._run_script (cProfile only sees the thread that enabled it)."""
    from streamlit.runtime.scriptrunner import script_runner

    at = _app()
    at.run()
    if kind == "cold":
        _clear(True)
        at = _app()
    elif kind == "recolour":
        at.selectbox(key=INDICATOR_KEY).set_value(OTHER_INDICATORS[0])
    profiler = cProfile.Profile()
    original = script_runner.ScriptRunner._run_script

    def profiled(self, rerun_data):
        profiler.enable()
        try:
            return original(self, rerun_data)
        finally:
            profiler.disable()

    script_runner.ScriptRunner._run_script = profiled
    try:
        at.run()
    finally:
        script_runner.ScriptRunner._run_script = original
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out).sort_stats("cumulative")
    stats.print_stats(r"(/(components|domain|storage|pages)/[a-z_]+\.py|streamlit_folium|folium/features|"
                      r"mapclassify|branca/element|jinja2/environment|sqlalchemy/orm/session|pyogrio|"
                      r"caching/cache_utils|alembic/command|geopandas/io)", top)
    keep = [line for line in out.getvalue().splitlines()
            if line.strip() and not line.startswith(("   Ordered", "   List"))]
    return "\n".join(line.replace(str(REPO) + "/", "").replace(sys.prefix, "<venv>") for line in keep)


def _median(pairs: list[tuple[float, float]], index: int) -> float:
    return statistics.median(p[index] for p in pairs)


def report(results: dict[str, list[tuple[float, float]]], repeat: int) -> str:
    cold = _median(results["cold"], 1)
    lines = [f"medians of {repeat}; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores", "",
             "| run | wall | CPU | CPU ratio to cold |", "|---|---|---|---|"]
    for kind, pairs in results.items():
        lines.append(f"| {kind} | {_median(pairs, 0):.3f} s | {_median(pairs, 1):.3f} s "
                     f"| {_median(pairs, 1) / cold:.2f} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--no-profile", action="store_true")
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args(argv)

    from storage.seed import write_fixture_database

    directory = Path(tempfile.mkdtemp(prefix="bench_rerun_"))
    url = f"sqlite:///{directory / 'demo.db'}"
    write_fixture_database(url, now=NOW)
    os.environ["APP_DB_URL"] = url
    os.chdir(REPO)
    results = measure(args.repeat)
    print(report(results, args.repeat))
    if not args.no_profile:
        for kind in ("cold", "rerun", "recolour"):
            print(f"\n### cProfile, one {kind} run (cumulative seconds; filtered to our code and the libraries it calls)\n")
            print(profile(kind, args.top))


if __name__ == "__main__":
    main()
