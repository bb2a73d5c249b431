"""Vision board storage on both backends: themes from approved stories only, rename/soft delete, the dot budget
per visit (also with many taps at once from threads), a deleted theme refuses dots, actions validated, and one
audit row per act."""
import threading
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from domain.vision import VisionInputError, VoteRefused
from storage import sessions, vision
from storage.db import read_scope, write_scope
from storage.retry import retry_when_locked
from storage.seed import seed_demo
from storage.tables import AuditEventRow, StoryRow, VoteRow

NOW = datetime(2026, 11, 27, 20, 0, tzinfo=UTC)


@pytest.fixture
def demo(session_factory):
    """(session id, approved story ids, one pending story id) of a fresh session with dots_per_visit=3."""
    with write_scope(session_factory) as s:
        municipality = seed_demo(s, now=NOW)
        work = sessions.create_session(s, title="Visieavond", municipality_id=municipality.id,
                                       area_codes=["BU99990101", "BU99990102"], actor="fac", now=NOW)
        ids = []
        for i, status in enumerate(["approved", "approved", "approved", "pending"]):
            row = StoryRow(session_id=work.id, kind="idea", text=f"verhaal {i}", original_text=f"verhaal {i}",
                           themes=[], status=status, consent=True, is_demo=False, version=1, language="nl",
                           buurt_code="BU99990101", created_at=NOW, updated_at=NOW)
            s.add(row)
            s.flush()
            ids.append(row.id)
    return work.id, ids[:3], ids[3]


def audit_actions(factory, entity: str) -> list[str]:
    with read_scope(factory) as s:
        return list(s.scalars(select(AuditEventRow.action).where(AuditEventRow.entity == entity)
                              .order_by(AuditEventRow.id)))


def test_theme_holds_only_approved_stories_and_is_audited(session_factory, demo):
    session_id, approved, pending = demo
    with write_scope(session_factory) as s:
        theme = vision.create_theme(s, session_id, "  Groen   en spelen ", [*approved[:2], pending, 999999],
                                    actor="Anna", now=NOW)
    assert theme.name == "Groen en spelen" and theme.story_ids == tuple(sorted(approved[:2]))
    with write_scope(session_factory) as s:
        vision.rename_theme(s, theme.id, "Groen", actor="Anna", now=NOW)
        vision.delete_theme(s, theme.id, actor="Anna", now=NOW)
    with read_scope(session_factory) as s:
        assert vision.list_themes(s, session_id) == []
        assert [t.name for t in vision.list_themes(s, session_id, include_deleted=True)] == ["Groen"]
    assert audit_actions(session_factory, "theme") == ["create", "rename", "delete"]


def test_empty_theme_name_is_refused(session_factory, demo):
    with pytest.raises(VisionInputError), write_scope(session_factory) as s:
        vision.create_theme(s, demo[0], "   ", demo[1], actor="Anna", now=NOW)


def test_dot_budget_per_visit_and_ranking(session_factory, demo):
    session_id, approved, _ = demo
    with write_scope(session_factory) as s:
        a = vision.create_theme(s, session_id, "A", approved[:1], actor="Anna", now=NOW)
        b = vision.create_theme(s, session_id, "B", approved[1:], actor="Anna", now=NOW)
    left = []
    for theme in (b, b, a):
        with write_scope(session_factory) as s:
            left.append(vision.cast_dot(s, session_id, theme.id, "visit-1", now=NOW))
    assert left == [2, 1, 0]
    with pytest.raises(VoteRefused, match="al uw 3 stippen"), write_scope(session_factory) as s:
        vision.cast_dot(s, session_id, a.id, "visit-1", now=NOW)
    with write_scope(session_factory) as s:  # a new kiosk visit has its own dots
        assert vision.cast_dot(s, session_id, a.id, "visit-2", now=NOW) == 2
    from domain.vision import ranking

    with read_scope(session_factory) as s:
        assert [(t.name, t.votes) for t in ranking(vision.list_themes(s, session_id))] == [("A", 2), ("B", 2)]
    assert audit_actions(session_factory, "vote") == ["dot"] * 4


def test_dot_on_a_deleted_theme_is_refused(session_factory, demo):
    session_id, approved, _ = demo
    with write_scope(session_factory) as s:
        theme = vision.create_theme(s, session_id, "Weg", approved, actor="Anna", now=NOW)
        vision.delete_theme(s, theme.id, actor="Anna", now=NOW)
    with pytest.raises(VoteRefused, match="weggehaald"), write_scope(session_factory) as s:
        vision.cast_dot(s, session_id, theme.id, "visit-1", now=NOW)
    with read_scope(session_factory) as s:
        assert vision.dots_used(s, session_id, "visit-1") == 0


def test_many_taps_at_once_never_exceed_the_budget(session_factory, demo):
    session_id, approved, _ = demo
    with write_scope(session_factory) as s:
        theme = vision.create_theme(s, session_id, "Druk", approved, actor="Anna", now=NOW)
    outcomes, start = [], threading.Barrier(8)

    def tap():
        start.wait()

        def unit():
            with write_scope(session_factory) as s:
                return vision.cast_dot(s, session_id, theme.id, "visit-same", now=NOW)
        try:
            outcomes.append(retry_when_locked(unit))
        except VoteRefused:
            outcomes.append("refused")

    threads = [threading.Thread(target=tap) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(o for o in outcomes if o != "refused") == [0, 1, 2] and outcomes.count("refused") == 5
    with read_scope(session_factory) as s:
        assert s.scalar(select(func.count()).select_from(VoteRow)) == 3


def test_action_is_validated_and_audited(session_factory, demo):
    session_id, approved, _ = demo
    with write_scope(session_factory) as s:
        theme = vision.create_theme(s, session_id, "Groen", approved, actor="Anna", now=NOW)
        action = vision.add_action(s, session_id, what=" Geveltuintjes  aanleggen ", owner="Bewonersgroep",
                                   due_date=date(2027, 4, 1), buurt_codes=["BU99990101"], theme_ids=[theme.id],
                                   known_buurten={"BU99990101"}, actor="Anna", now=NOW)
    assert (action.what, action.theme_ids, action.buurt_codes) == ("Geveltuintjes aanleggen", (theme.id,),
                                                                   ("BU99990101",))
    with pytest.raises(VisionInputError, match="wie is de trekker"), write_scope(session_factory) as s:
        vision.add_action(s, session_id, what="Iets", owner="", due_date=None, buurt_codes=[], theme_ids=[],
                          known_buurten=set(), actor="Anna", now=NOW)
    with read_scope(session_factory) as s:
        assert [a.what for a in vision.list_actions(s, session_id)] == ["Geveltuintjes aanleggen"]
    assert audit_actions(session_factory, "action") == ["create"]
