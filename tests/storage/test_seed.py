"""storage.seed: the demo lands as an active municipality with its werksessie and stories, and reseeding replaces it."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from domain import demo
from domain.models import STORY_KINDS
from storage import areas, seed
from storage.db import make_session_factory, read_scope, write_scope
from storage.tables import IndicatorValueRow, MunicipalityRow, SessionRow, StoryRow

NOW = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)


def expected_stories() -> list[demo.DemoStory]:
    built = demo.build_demo_areas()
    return demo.build_demo_stories(built, demo.build_demo_values(built)[1])


def counts(session) -> dict[str, int]:
    return {table.__tablename__: session.scalar(select(func.count()).select_from(table))
            for table in (MunicipalityRow, SessionRow, StoryRow, IndicatorValueRow)}


def test_seeding_a_fresh_database_loads_the_active_demo(session_factory):
    with write_scope(session_factory) as session:
        returned = seed.seed_demo(session, now=NOW)

    with read_scope(session_factory) as session:
        active = areas.active_municipality(session)
        buurten = areas.load_areas(session, active.id, "buurt")
        wijken = areas.load_areas(session, active.id, "wijk")
        values = areas.load_values(session, active.id)
        indicators = areas.load_indicators(session, active.id)
        gemeente_values = areas.load_values(session, active.id, "gemeente")

    assert active.id == returned.id
    assert (active.code, active.name, active.is_demo, active.year) == ("GM9999", "Voorbeeldstad", True, 2024)
    assert len(buurten) == 59 and len(wijken) == 5
    assert buurten.is_valid.all() and buurten["is_water"].sum() == 2
    assert set(values["code"]) == set(buurten["code"])
    assert {m.source for m in indicators} == {demo.DEMO_SOURCE}
    secret = values[values["missing_reason"] == "secret"]
    assert len(secret) > 0 and secret["value"].isna().all()
    assert gemeente_values.set_index("key").loc["aantal_inwoners", "value"] == \
        values[values["key"] == "aantal_inwoners"]["value"].sum()


def test_the_demo_session_and_its_stories(session_factory):
    with write_scope(session_factory) as session:
        seed.seed_demo(session, now=NOW)

    with read_scope(session_factory) as session:
        werksessie = session.scalars(select(SessionRow)).one()
        stories = session.scalars(select(StoryRow).order_by(StoryRow.id)).all()
        buurt_codes = sorted(areas.load_areas(session, werksessie.municipality_id)["code"])

    assert (werksessie.code, werksessie.status, werksessie.is_demo) == ("DEMO01", "open", True)
    assert "voorbeeldgegevens" in werksessie.title
    assert werksessie.area_codes == buurt_codes
    assert set(werksessie.prompts) == set(STORY_KINDS)
    assert werksessie.prompts["proud"]["nl"] == STORY_KINDS["proud"]["prompt_nl"]
    assert werksessie.settings == seed.DEMO_SESSION_SETTINGS and werksessie.themes == []

    expected = expected_stories()
    assert [(s.kind, s.text, s.buurt_code, s.status, s.lat) for s in stories] == \
        [(e.kind, e.text, e.buurt_code, e.status, e.lat) for e in expected]
    for row, story in zip(stories, expected):
        assert row.is_demo and row.consent and row.kiosk_id == "demo" and row.receipt_hash is None
        assert row.original_text == row.text
        assert row.created_at.replace(tzinfo=UTC) == NOW - timedelta(minutes=story.created_offset_minutes)
        assert row.updated_at == row.created_at
    assert werksessie.created_at.replace(tzinfo=UTC) < min(s.created_at.replace(tzinfo=UTC) for s in stories)


def test_seeding_twice_replaces_the_demo_and_keeps_real_sessions(session_factory):
    with write_scope(session_factory) as session:
        municipality = seed.seed_demo(session, now=NOW)
        once = counts(session)
        real = SessionRow(code="ECHT01", title="Echte bewonersavond", municipality_id=municipality.id,
                          area_codes=[], prompts={}, themes=[], settings={}, status="open", is_demo=False,
                          created_at=NOW)
        session.add(real)
        session.flush()
        session.add(StoryRow(session_id=real.id, kind="proud", text="Echt verhaal", original_text="Echt verhaal",
                             language="nl", consent=True, status="pending", created_at=NOW, updated_at=NOW))

    with write_scope(session_factory) as session:
        again = seed.seed_demo(session, now=NOW + timedelta(hours=1))
        twice = counts(session)
        demo_sessions = session.scalars(select(SessionRow.code).where(SessionRow.is_demo.is_(True))).all()
        real_stories = session.scalar(select(func.count()).select_from(StoryRow).where(StoryRow.is_demo.is_(False)))

    assert again.id == municipality.id
    assert demo_sessions == ["DEMO01"]
    assert real_stories == 1
    assert twice == {**once, "sessions": once["sessions"] + 1, "stories": once["stories"] + 1}


def test_write_fixture_database_builds_a_seeded_sqlite_file(tmp_path):
    url = f"sqlite:///{tmp_path / 'fixture.db'}"
    seed.write_fixture_database(url, now=NOW)

    factory = make_session_factory(url)
    try:
        with read_scope(factory) as session:
            active = areas.active_municipality(session)
            assert active is not None and active.is_demo
            assert areas.count_areas(session, active.id) == {"gemeente": 1, "wijk": 5, "buurt": 59}
            assert session.scalar(select(func.count()).select_from(StoryRow)) == len(expected_stories())
    finally:
        factory.kw["bind"].dispose()
