"""Linking pins to buurten: the geopandas path (load_areas + link_stories) against the PostGIS path
(storage.postgis.link_stories), same pins, same stored areas, same run; checks the links are equal.

    .venv/bin/python bench/bench_relink_postgis.py      # BUURTBEELD_TEST_PG_URL, or --pg-url postgresql+psycopg://…
    .venv/bin/python bench/bench_relink_postgis.py --pg-url … --pins 1000 10000 --repeat 5

Makes a fresh database next to the URL's (the role needs CREATEDB) from template1, which must have PostGIS
(scripts/test_postgres.sh puts it there), and drops it afterwards. Wall-clock seconds, medians: the PostGIS
work runs in the server process, so CPU seconds of this process would miss it. ratio = PostGIS / geopandas.
Pins: uniform over each area set's bounding box (about half land in a buurt for Utrecht).
"""
from __future__ import annotations

import argparse
import os
import secrets
import statistics
import sys
import time
import warnings
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
warnings.filterwarnings("ignore")

import numpy as np
import pandas as pd
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

from domain import analysis
from storage import areas, importer, postgis
from storage.db import make_session_factory, read_scope, run_migrations, write_scope
from storage.seed import seed_demo

NOW = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)
UTRECHT_GPKG = Path(__file__).resolve().parents[2] / "shared" / "data" / "derived" / \
    "utrecht_buurten_2014geom_kwb_lbm.gpkg"


def _wall(callable_):
    start = time.perf_counter()
    result = callable_()
    return time.perf_counter() - start, result


def _pins(buurten, n: int, seed: int) -> pd.DataFrame:
    minx, miny, maxx, maxy = buurten.total_bounds
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"id": np.arange(n), "lon": rng.uniform(minx, maxx, n), "lat": rng.uniform(miny, maxy, n),
                         "buurt_code": None})


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg-url", default=os.environ.get("BUURTBEELD_TEST_PG_URL"))
    parser.add_argument("--pins", type=int, nargs="+", default=[1000, 10000, 50000])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    if not args.pg_url:
        parser.error("--pg-url (or BUURTBEELD_TEST_PG_URL) is required")
    name = f"buurtbeeld_bench_{os.getpid()}_{secrets.token_hex(3)}"
    admin = create_engine(args.pg_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = make_url(args.pg_url).set(database=name).render_as_string(hide_password=False)
    factory = None
    try:
        run_migrations(url)
        factory = make_session_factory(url)
        sets = []
        with write_scope(factory) as session:
            if not postgis.postgis_available(session):
                sys.exit("PostGIS is not installed in template1 of that server: nothing to compare")
            sets.append(("demo", seed_demo(session, now=NOW).id))
        if UTRECHT_GPKG.exists():
            with write_scope(factory) as session:
                importer.import_kwb(session, UTRECHT_GPKG, gemeente="Utrecht", now=NOW)
                sets.append(("Utrecht", areas.active_municipality(session).id))
        print(f"load average {os.getloadavg()[0]:.1f}; wall seconds, medians of {args.repeat}; "
              "ratio = PostGIS / geopandas\n")
        print("| areas | buurten | pins | geopandas (load_areas + link_stories) | PostGIS | ratio | same links |")
        print("|---|---|---|---|---|---|---|")
        for label, municipality_id in sets:
            with read_scope(factory) as session:
                buurten = areas.load_areas(session, municipality_id, "buurt")
                postgis.link_stories(session, _pins(buurten, 10, 0), municipality_id)  # loads PostGIS in the backend
                for n in args.pins:
                    pins = _pins(buurten, n, n)
                    ours, theirs, same = [], [], True
                    for _ in range(args.repeat):
                        t, by_geopandas = _wall(lambda p=pins, m=municipality_id: analysis.link_stories(
                            p, areas.load_areas(session, m, "buurt")))
                        theirs.append(t)
                        t, in_database = _wall(lambda p=pins, m=municipality_id: postgis.link_stories(session, p, m))
                        ours.append(t)
                        same &= by_geopandas[["linked_code", "link"]].equals(in_database[["linked_code", "link"]])
                    a, b = statistics.median(theirs), statistics.median(ours)
                    print(f"| {label} | {len(buurten)} | {n:,} | {a:.3f} s | {b:.3f} s | {b / a:.2f} | "
                          f"{'yes' if same else 'NO'} |")
        print(f"\nload average {os.getloadavg()[0]:.1f}")
    finally:
        if factory is not None:
            factory.kw["bind"].dispose()
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


if __name__ == "__main__":
    main()
