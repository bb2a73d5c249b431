"""storage.analysis on SQLite and PostgreSQL, and the realistic run of issue 6: Utrecht with a few hundred
generated stories, analysed as an analyst would."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest
from shapely.affinity import translate
from sqlalchemy import func, select
from testsupport import SHARED_DATA, skip_or_fail

from domain import analysis, demo
from domain.profile import wide_values
from domain.sessions import SessionSettings
from domain.story_generator import GENERATED_KIOSK, GENERATED_PREFIX, generate_stories
from storage import analysis as analysis_store
from storage import areas, cli, importer, sessions
from storage.db import read_scope, write_scope
from storage.seed import DEMO_SESSION_CODE, seed_demo
from storage.tables import AuditEventRow, StoryRow

NOW = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)
UTRECHT_GPKG = SHARED_DATA / "derived" / "utrecht_buurten_2014geom_kwb_lbm.gpkg"


@pytest.fixture
def demo_db(session_factory):
    with write_scope(session_factory) as session:
        municipality = seed_demo(session, now=NOW)
    return session_factory, municipality


def test_story_frame_has_only_approved_stories(demo_db):
    factory, _ = demo_db
    with read_scope(factory) as session:
        work_session = sessions.get_session_by_code(session, DEMO_SESSION_CODE)
        frame = analysis_store.story_frame(session, [work_session.id])
        statuses = dict(session.execute(select(StoryRow.id, StoryRow.status)).all())
    assert len(frame) and {statuses[i] for i in frame["id"]} == {"approved"}
    assert sum(1 for s in statuses.values() if s == "approved") == len(frame)
    assert analysis_store.story_frame(session, []).empty


def test_relink_after_new_boundaries_moves_pins_keeps_outside_and_audits(demo_db):
    factory, municipality = demo_db
    with write_scope(factory) as session:
        work_session = sessions.get_session_by_code(session, DEMO_SESSION_CODE)
        assert analysis_store.relink_stories(session, municipality.id, now=NOW, actor="t").changes == ()
        # "New boundaries": every buurt shifted 300 m east, as a re-import of another year might do.
        shifted = demo.build_demo_areas()
        shifted = shifted.set_geometry(shifted.to_crs(28992).geometry.apply(lambda g: translate(g, 300, 0))
                                       ).to_crs(4326)
        indicators, values = demo.build_demo_values(demo.build_demo_areas())
        areas.replace_municipality(session, code=demo.GEMEENTE_CODE, name=demo.GEMEENTE_NAME, source="t",
                                   year=2025, areas=shifted, indicators=indicators, values=values, now=NOW,
                                   is_demo=True)
        plan = analysis_store.relink_stories(session, municipality.id, now=NOW, actor="t")
        stored = {r.id: r.buurt_code for r in session.scalars(select(StoryRow))}
        audit_rows = list(session.scalars(select(AuditEventRow).where(AuditEventRow.action == "relink")))
    assert plan.changes, "shifting every buurt 300 m must move some pins into a neighbour"
    for story_id, _old, new in plan.changes:
        assert stored[story_id] == new
    assert audit_rows and audit_rows[0].session_id == work_session.id
    assert {tuple(c) for row in audit_rows for c in row.detail["changed"]} == {tuple(c) for c in plan.changes}
    # stories now outside every buurt keep their old code: hidden from the tables, never deleted
    for story_id in plan.outside:
        assert stored[story_id] is not None


def test_generated_stories_are_stored_as_demo_and_marked(demo_db):
    factory, municipality = demo_db
    with write_scope(factory) as session:
        work_session = sessions.get_session_by_code(session, DEMO_SESSION_CODE)
        buurten = areas.load_areas(session, municipality.id)
        numbers, _ = wide_values(areas.load_values(session, municipality.id))
        generated = generate_stories(buurten, 40, seed=2, numbers=numbers)
        assert analysis_store.add_generated_stories(session, work_session, generated, now=NOW) == 40
    with read_scope(factory) as session:
        rows = list(session.scalars(select(StoryRow).where(StoryRow.kiosk_id == GENERATED_KIOSK)))
    assert len(rows) == 40 and all(r.is_demo and r.text.startswith(GENERATED_PREFIX) for r in rows)
    assert all(r.receipt_hash is None for r in rows)


def test_a_closed_session_takes_no_generated_stories_either(demo_db, capsys):
    factory, _ = demo_db
    with write_scope(factory) as session:
        work_session = sessions.get_session_by_code(session, DEMO_SESSION_CODE)
        sessions.set_status(session, work_session.id, "closed", actor="fac", now=NOW)
        before = session.scalar(select(func.count()).select_from(StoryRow))
    url = factory.kw["bind"].url.render_as_string(hide_password=False)
    assert cli.main(["--database-url", url, "generate-stories", "--session", DEMO_SESSION_CODE, "--count", "5"]) == 2
    assert "gesloten" in capsys.readouterr().err
    with read_scope(factory) as session:
        assert session.scalar(select(func.count()).select_from(StoryRow)) == before


# ---------------------------------------------------------------- the realistic run (issue 6, "done when")

@pytest.fixture
def utrecht(session_factory):
    """Utrecht imported, one city-wide session with 400 generated stories (SQLite and PostgreSQL)."""
    if not UTRECHT_GPKG.exists():
        skip_or_fail(f"the shared Utrecht file is missing at {UTRECHT_GPKG}")
    with write_scope(session_factory) as session:
        importer.import_kwb(session, UTRECHT_GPKG, gemeente="Utrecht", now=NOW)
        municipality = areas.active_municipality(session)
        buurten = areas.load_areas(session, municipality.id)
        work_session = sessions.create_session(session, title="Wijkgesprek Utrecht (test)",
                                               municipality_id=municipality.id, area_codes=list(buurten["code"]),
                                               actor="test", now=NOW, settings=SessionSettings(k=5))
    assert cli.main(["--database-url", session_factory.kw["bind"].url.render_as_string(hide_password=False),
                     "generate-stories", "--session", work_session.code, "--count", "400", "--seed", "1"]) == 0
    with read_scope(session_factory) as session:
        stories = analysis_store.story_frame(session, [work_session.id])
        numbers, reasons = wide_values(areas.load_values(session, municipality.id))
        metas = {m.key: m for m in areas.load_indicators(session, municipality.id)}
    land = buurten[~buurten["is_water"]]
    mismatches = generate_stories(land, 400, seed=1, numbers=numbers).mismatches
    return land, stories, numbers, reasons, metas, mismatches


def test_utrecht_divergence_names_buurten_with_a_defensible_reason(utrecht):
    land, stories, numbers, reasons, metas, mismatches = utrecht
    assert 300 <= len(stories) <= 400  # pending and hidden generated stories do not count
    linked = analysis.link_stories(stories, land)
    assert linked["linked_code"].notna().all()  # every generated pin lies inside a real polygon
    table, priors = analysis.count_table(linked, land, numbers)
    meta = metas["lbm_score"]
    pair = analysis.pair_for(meta)
    frame = analysis.divergence_table(table, priors[pair.dimension], numbers, meta, pair, reasons=reasons)
    ranked = frame[frame["status"] == "ranked"]
    top = ranked.head(5)
    # the buurten whose stories were made to contradict their figures come out on top
    assert set(mismatches) <= set(top["code"])
    for row in top.itertuples():
        assert row.score > 0 and row.direction in {"figures_better", "stories_better"}
        assert row.n >= analysis.MIN_STORIES
        assert ", maar " in row.sentence_nl and f"van de {row.n} verhalen" in row.sentence_nl
        assert ", but " in row.sentence_en
        # the reason matches the numbers: good figures with more concerns than overall, or the reverse
        if row.direction == "figures_better":
            assert row.stat_z > 0 and row.shrunk_share > row.overall_share
        else:
            assert row.stat_z < 0 and row.shrunk_share < row.overall_share
    # small buurten are not over-interpreted: below the threshold nothing is ranked, and shrinkage keeps
    # every ranked share between the raw share and the overall share
    assert (frame.loc[frame["n"] < analysis.MIN_STORIES, "status"] != "ranked").all()
    for row in ranked.itertuples():
        low, high = sorted((row.concern_share, row.overall_share))
        assert low - 1e-9 <= row.shrunk_share <= high + 1e-9
    # a missing figure never ranks
    assert (frame.loc[frame["value"].isna(), "status"] != "ranked").all()


def test_utrecht_who_spoke_never_shows_a_group_below_k(utrecht):
    land, stories, numbers, *_ = utrecht
    linked = analysis.link_stories(stories, land)
    k = 5
    everyone = analysis.who_spoke(linked, list(land["code"]), numbers, k)
    shown = 0
    for who in everyone.values():
        for row in (*who.ages, *who.relations):
            assert row.count is None or row.count == 0 or row.count >= k
            shown += row.count is not None and row.count >= k
        if 0 < who.total < k:  # a buurt with a few stories shows nothing about who told them
            assert all(r.count is None for r in (*who.ages, *who.relations))
    assert shown > 0
    # Utrecht's file has only pct_25_45 of the CBS age profile: no population shares are invented
    assert all(r.population_share is None for r in everyone[None].ages)


def test_utrecht_two_halves_compare(utrecht):
    land, stories, *_ = utrecht
    linked = analysis.link_stories(stories, land)
    half = len(linked) // 2
    frame = analysis.compare_sessions(linked.iloc[:half], linked.iloc[half:]).set_index("dimension")
    assert frame.loc[analysis.ALL, "n_a"] + frame.loc[analysis.ALL, "n_b"] == \
        int(linked["kind"].isin(["proud", "concern"]).sum())
    row = frame.loc[analysis.ALL]
    assert row["difference_low"] <= row["difference"] <= row["difference_high"]
