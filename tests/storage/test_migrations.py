"""Migrations carry existing data over, on both backends: a database at the previous revision, filled with what
could be stored then, upgraded to head."""
from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from domain.backup import read_backup
from domain.moderation import AuditEvent
from domain.stories import ValidStory
from storage import audit, backup, sessions, stories
from storage.db import make_session_factory, read_scope, run_migrations, write_scope
from storage.seed import seed_demo
from storage.tables import StoryRow
from testsupport import fresh_pg_database

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


@pytest.fixture
def unmigrated_url(db_backend: str, tmp_path, request) -> Iterator[str]:
    """An empty database of the current backend that no migration has touched yet."""
    if db_backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'old.db'}"
        return
    request.getfixturevalue("_pg_database")  # skips (or fails under CI=true) without a server
    with fresh_pg_database(os.environ["BUURTBEELD_TEST_PG_URL"], "buurtbeeld_mig") as url:
        yield url


def _story(session, work_session, text: str, **values) -> int:
    receipt = stories.submit_story(session, work_session, ValidStory(
        kind="proud", text=text, lat=None, lon=None, buurt_code="BU99990101", place_description=None,
        dimension=None, themes=(), age_band=None, relation=None, language="nl", submission_token=None,
        kiosk_id="kiosk"), now=NOW)
    if values:  # what an edit could store before revision 0002, the domain's checks bypassed
        session.execute(update(StoryRow).where(StoryRow.id == receipt.story_id).values(**values))
    return receipt.story_id


def _edit(session, story_id: int, action: str, old, new) -> None:
    audit.record(session, AuditEvent("story", story_id, action, "Anna", NOW, detail={"old": old, "new": new}))


def test_0002_repairs_unknown_kinds_and_dimensions_then_refuses_them(unmigrated_url):
    run_migrations(unmigrated_url, "0001")
    factory = make_session_factory(unmigrated_url)
    try:
        with write_scope(factory) as s:
            municipality = seed_demo(s, now=NOW)
            work = sessions.create_session(s, title="Avond", municipality_id=municipality.id,
                                           area_codes=["BU99990101"], actor="fac", now=NOW)
            none_kind = _story(s, work, "set_kind(None) stored 'None'", kind="None")
            _edit(s, none_kind, "set_kind", "concern", "None")
            typo_kind = _story(s, work, "never had a good kind", kind="banana")
            twice = _story(s, work, "two bad dimensions in a row", dimension="bananen")
            _edit(s, twice, "set_dimension", "voorzieningen", "appels")
            _edit(s, twice, "set_dimension", "appels", "bananen")
            empty = _story(s, work, "an empty dimension", dimension="")
            good = _story(s, work, "nothing wrong here", dimension="woningvoorraad")
        run_migrations(unmigrated_url)
        with read_scope(factory) as s:
            found = {i: stories.get_story(s, i) for i in (none_kind, typo_kind, twice, empty, good)}
            trails = {i: audit.trail(s, "story", i) for i in found}
        assert [(found[i].kind, found[i].dimension) for i in (none_kind, typo_kind, twice, empty, good)] == [
            ("concern", None), ("idea", None), ("proud", "voorzieningen"), ("proud", None),
            ("proud", "woningvoorraad")]
        repair = trails[twice][-1]
        assert (repair.action, repair.actor, repair.detail["old"], repair.detail["new"]) == (
            "set_dimension", "database-upgrade", "bananen", "voorzieningen")
        assert [found[i].version for i in (none_kind, typo_kind, twice, empty, good)] == [2, 2, 2, 2, 1]
        assert [e.action for e in trails[good]] == ["submit"]
        with pytest.raises(IntegrityError):
            with write_scope(factory) as s:
                s.execute(update(StoryRow).where(StoryRow.id == good).values(kind="None"))
        made = backup.make_backup(factory, work.code, actor="fac", now=lambda: NOW)  # refused before the repair
        assert read_backup(made.data).backup.counts()["stories"] == 5
    finally:
        factory.kw["bind"].dispose()


def test_the_database_accepts_every_kind_and_dimension_the_domain_knows(session_factory):
    """A kind or dimension added to domain/models.py needs a migration that widens the CHECK; this says so."""
    from domain.models import DIMENSIONS, STORY_KINDS

    with write_scope(session_factory) as s:
        municipality = seed_demo(s, now=NOW)
        work = sessions.create_session(s, title="Avond", municipality_id=municipality.id, area_codes=["BU99990101"],
                                       actor="fac", now=NOW)
        story_id = _story(s, work, "elke soort")
        for kind in STORY_KINDS:
            for dimension in (None, *DIMENSIONS):
                s.execute(update(StoryRow).where(StoryRow.id == story_id).values(kind=kind, dimension=dimension))
                s.flush()
