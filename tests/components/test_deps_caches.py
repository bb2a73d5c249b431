"""Caches across replicas (issue 7): `st.cache_data` lives in one process, so what another replica writes must
change the cache key (the municipality's version, read fresh on every run) — here "replica A" is a plain
storage write that clears no cache, and this process plays replica B."""
from dataclasses import replace

import pytest

from components import deps
from domain import demo
from storage import areas
from storage.db import make_session_factory, write_scope
from testsupport import FIXTURE_NOW


@pytest.fixture
def replica_b(app_env):
    """This process as replica B on the seeded demo database (caches cleared by app_env)."""
    return app_env.db_url


def _import_elsewhere(url: str, indicators) -> None:
    """Replica A imports another gemeente with the given indicator metadata, without touching B's caches."""
    built = demo.build_demo_areas()
    _, values = demo.build_demo_values(built)
    values = values[values["key"].isin([m.key for m in indicators])]
    factory = make_session_factory(url)
    try:
        with write_scope(factory) as s:
            areas.replace_municipality(s, code="GM9997", name="Anderstad", source="test", year=2025, areas=built,
                                       indicators=indicators, values=values, now=FIXTURE_NOW, activate=False)
    finally:
        factory.kw["bind"].dispose()


def _metas(url: str) -> dict:
    municipality, version = deps.active_municipality()  # per run, as every page does
    return {m.key: m for m in deps.indicator_table(url, municipality.id, version)[0]}


CHANGES = [
    ("label", lambda m: replace(m, label_nl="Nieuwe naam"), True),
    ("direction", lambda m: replace(m, direction=-m.direction or -1), True),
    ("year and source", lambda m: replace(m, year=2031, source="CBS KWB 2031"), True),
    ("nothing", lambda m: m, False),  # the same metadata again: the cached table stays valid
]


@pytest.mark.parametrize(("change", "picked_up"), [c[1:] for c in CHANGES], ids=[c[0] for c in CHANGES])
def test_indicator_metadata_changed_by_another_replica_shows_on_the_next_run(replica_b, change, picked_up):
    before = _metas(replica_b)
    key = next(iter(before))
    with write_scope(deps.session_factory()) as s:
        version_before = areas.municipality_version(s, areas.active_municipality(s).id)

    _import_elsewhere(replica_b, [change(before[key])])  # shared metadata: one row per key for all gemeenten

    after = _metas(replica_b)
    assert after[key] == (change(before[key]) if picked_up else before[key])
    with write_scope(deps.session_factory()) as s:
        bumped = areas.municipality_version(s, areas.active_municipality(s).id) > version_before
    assert bumped is picked_up
