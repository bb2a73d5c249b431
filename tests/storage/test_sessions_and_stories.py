"""Sessions and stories on both backends: submit (never into a closed session), idempotency, withdraw (what it
erases), moderation with audit rows, tags saved as one act, kind and dimension checked by the database,
concurrent moderation, and the public filter."""
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from domain.moderation import ConcurrentModeration, InvalidTransition
from domain.photos import ProcessedPhoto
from domain.sessions import SessionInputError, SessionSettings
from domain.stories import SubmissionRejected, ValidStory
from storage import audit, sessions, stories
from storage.db import read_scope, write_scope
from storage.seed import seed_demo
from storage.tables import AuditEventRow, PhotoRow, StoryRow

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


def _valid(text="Mooi plein", token=None, **kw) -> ValidStory:
    base = dict(kind="proud", text=text, lat=None, lon=None, buurt_code="BU99990101", place_description="Markt",
                dimension="voorzieningen", themes=(), age_band="25-44", relation="lives", language="nl",
                submission_token=token, kiosk_id="kiosk-1")
    base.update(kw)
    return ValidStory(**base)


@pytest.fixture
def work_session(session_factory):
    with write_scope(session_factory) as s:
        municipality = seed_demo(s, now=NOW)
        created = sessions.create_session(s, title="Wijkavond Kerkbuurt", municipality_id=municipality.id,
                                          area_codes=["BU99990101", "BU99990102"], actor="fac", now=NOW,
                                          session_date=date(2026, 12, 1))
    return created


def test_create_session_validates_and_audits(session_factory, work_session):
    assert len(work_session.code) == 6 and work_session.is_open
    assert work_session.settings.moderation == "pre"
    with read_scope(session_factory) as s:
        assert sessions.get_session_by_code(s, work_session.code.lower()).id == work_session.id
        assert [e.action for e in audit.trail(s, "session", work_session.id)] == ["create"]
    with pytest.raises(SessionInputError):
        with write_scope(session_factory) as s:
            sessions.create_session(s, title="  wijkavond  KERKBUURT ", municipality_id=work_session.municipality_id,
                                    area_codes=[], actor="fac", now=NOW)
    with pytest.raises(SessionInputError):
        with write_scope(session_factory) as s:
            sessions.create_session(s, title="   ", municipality_id=work_session.municipality_id, area_codes=[],
                                    actor="fac", now=NOW)


def test_close_duplicate_and_update(session_factory, work_session):
    with write_scope(session_factory) as s:
        closed = sessions.set_status(s, work_session.id, "closed", actor="fac", now=NOW)
        copy = sessions.duplicate_session(s, work_session.id, title="Vervolgavond", actor="fac", now=NOW)
        updated = sessions.update_session(s, copy.id, actor="fac", now=NOW,
                                          settings=SessionSettings(moderation="post", k=7))
    assert not closed.is_open and closed.closed_at == NOW
    assert copy.code != work_session.code and copy.area_codes == work_session.area_codes and copy.is_open
    assert updated.settings.moderation == "post" and updated.settings.k == 7


def test_submit_pre_moderated_story_is_pending_and_not_public(session_factory, work_session):
    with write_scope(session_factory) as s:
        receipt = stories.submit_story(s, work_session, _valid(), now=NOW)
    assert receipt.status == "pending" and len(receipt.code) == 6 and receipt.code[2] == "-"
    with read_scope(session_factory) as s:
        assert stories.public_stories(s, work_session.id) == []
        row = s.get(StoryRow, receipt.story_id)
        assert receipt.code not in (row.receipt_hash or "")  # only the hash is stored
        assert [e.action for e in audit.trail(s, "story", receipt.story_id)] == ["submit"]


def test_post_moderated_story_is_public_at_once(session_factory, work_session):
    with write_scope(session_factory) as s:
        post = sessions.update_session(s, work_session.id, actor="fac", now=NOW,
                                       settings=SessionSettings(moderation="post"))
        receipt = stories.submit_story(s, post, _valid(), now=NOW)
    with read_scope(session_factory) as s:
        assert [x.id for x in stories.public_stories(s, work_session.id)] == [receipt.story_id]


def test_double_submit_stores_one_story(session_factory, work_session):
    with write_scope(session_factory) as s:
        first = stories.submit_story(s, work_session, _valid(token="tok-1"), now=NOW)
    with write_scope(session_factory) as s:
        second = stories.submit_story(s, work_session, _valid(token="tok-1"), now=NOW)
    assert second.duplicate and second.story_id == first.story_id
    with read_scope(session_factory) as s:
        assert s.scalar(select(func.count()).select_from(StoryRow).where(StoryRow.session_id == work_session.id)) == 1


# Written out here, not taken from domain.moderation: what a withdrawal must erase is the promise under test.
PERSONAL_FIELDS = {"text": "", "original_text": "", "themes": [], "dimension": None, "lat": None, "lon": None,
                   "place_description": None, "age_band": None, "relation": None, "photo_id": None,
                   "receipt_hash": None}


def test_withdraw_erases_content_and_photo_and_keeps_a_contentless_audit(session_factory, work_session):
    photo = ProcessedPhoto(b"\xff\xd8jpeg", "image/jpeg", 10, 10)
    with write_scope(session_factory) as s:
        with_themes = sessions.update_session(s, work_session.id, actor="fac", now=NOW, themes=["Groen"])
        receipt = stories.submit_story(s, with_themes, _valid(text="Geheim verhaal", lat=52.1, lon=5.1,
                                                              themes=("Groen",)), now=NOW, photo=photo)
        row = s.get(StoryRow, receipt.story_id)
        assert all(getattr(row, name) not in (None, "", []) for name in PERSONAL_FIELDS), "fill every field first"
    with write_scope(session_factory) as s:
        assert stories.withdraw_story(s, receipt.code.lower().replace("-", " "), now=NOW + timedelta(minutes=1))
    with read_scope(session_factory) as s:
        row = s.get(StoryRow, receipt.story_id)
        assert {name: getattr(row, name) for name in PERSONAL_FIELDS} == PERSONAL_FIELDS
        assert (row.status, row.kind, row.buurt_code) == ("withdrawn", "proud", "BU99990101")  # counts stay honest
        assert s.scalar(select(func.count()).select_from(PhotoRow)) == 0
        events = s.scalars(select(AuditEventRow).where(AuditEventRow.entity_id == receipt.story_id)).all()
        assert [e.action for e in events] == ["submit", "withdraw"]
        assert all("Geheim" not in str(e.detail) and "Geheim" not in (e.reason or "") for e in events)
    with write_scope(session_factory) as s:
        assert not stories.withdraw_story(s, receipt.code, now=NOW)  # second time: nothing left to withdraw
        assert not stories.withdraw_story(s, "ZZ-ZZZ", now=NOW)


def test_moderation_writes_audit_rows_and_keeps_original(session_factory, work_session):
    with write_scope(session_factory) as s:
        receipt = stories.submit_story(s, work_session, _valid(text="Bel 0612345678 over het plein"), now=NOW)
    with write_scope(session_factory) as s:
        story = stories.moderate(s, receipt.story_id, "redact", actor="anna", now=NOW, expected_version=1,
                                 value="0612345678")
        story = stories.moderate(s, story.id, "approve", actor="anna", now=NOW, expected_version=story.version)
        story = stories.moderate(s, story.id, "hide", actor="bert", now=NOW, expected_version=story.version,
                                 reason="persoonlijke gegevens")
    assert story.text == "Bel [...] over het plein" and story.status == "hidden" and story.is_redacted
    with read_scope(session_factory) as s:
        assert stories.original_text(s, story.id) == "Bel 0612345678 over het plein"
        trail = audit.trail(s, "story", story.id)
        assert [(e.action, e.actor) for e in trail] == [("submit", "resident"), ("redact", "anna"),
                                                         ("approve", "anna"), ("hide", "bert")]
        assert trail[-1].reason == "persoonlijke gegevens"


def test_second_moderator_gets_a_clear_message_and_nothing_is_lost(session_factory, work_session):
    with write_scope(session_factory) as s:
        receipt = stories.submit_story(s, work_session, _valid(), now=NOW)
    with write_scope(session_factory) as s:
        stories.moderate(s, receipt.story_id, "approve", actor="anna", now=NOW, expected_version=1)
    with pytest.raises(ConcurrentModeration) as err:
        with write_scope(session_factory) as s:
            stories.moderate(s, receipt.story_id, "hide", actor="bert", now=NOW, expected_version=1, reason="x")
    assert "anna" in err.value.nl and "approve" in err.value.en
    with read_scope(session_factory) as s:
        assert stories.get_story(s, receipt.story_id).status == "approved"
        assert len(audit.trail(s, "story", receipt.story_id)) == 2


def test_invalid_transition_rolls_back(session_factory, work_session):
    with write_scope(session_factory) as s:
        receipt = stories.submit_story(s, work_session, _valid(), now=NOW)
    with pytest.raises(InvalidTransition):
        with write_scope(session_factory) as s:
            stories.moderate(s, receipt.story_id, "restore", actor="anna", now=NOW, expected_version=1)
    with read_scope(session_factory) as s:
        assert stories.get_story(s, receipt.story_id).version == 1


def test_bulk_approve_only_touches_pending(session_factory, work_session):
    with write_scope(session_factory) as s:
        a = stories.submit_story(s, work_session, _valid(text="a"), now=NOW)
        b = stories.submit_story(s, work_session, _valid(text="b"), now=NOW)
        c = stories.submit_story(s, work_session, _valid(text="c"), now=NOW)
        stories.moderate(s, c.story_id, "hide", actor="anna", now=NOW, expected_version=1, reason="spam")
    with write_scope(session_factory) as s:
        assert stories.approve_many(s, [a.story_id, b.story_id, c.story_id], actor="anna", now=NOW) == 2
    with read_scope(session_factory) as s:
        assert stories.count_by_status(s, work_session.id) == {"approved": 2, "hidden": 1}


def test_filters_and_order(session_factory, work_session):
    with write_scope(session_factory) as s:
        for i, kind in enumerate(["proud", "concern", "concern"]):
            stories.submit_story(s, work_session, _valid(text=f"t{i}", kind=kind), now=NOW + timedelta(minutes=i))
    with read_scope(session_factory) as s:
        concerns = stories.list_stories(s, work_session.id, stories.StoryFilter(kinds=("concern",)))
    assert [x.text for x in concerns] == ["t2", "t1"]


def test_a_closed_session_takes_no_story_from_any_caller(session_factory, work_session):
    """The rule lives in storage: a caller holding the session from before it was closed (a kiosk page, the
    command line, an import) is refused as well, and nothing is stored."""
    with write_scope(session_factory) as s:
        sessions.set_status(s, work_session.id, "closed", actor="fac", now=NOW)
    assert work_session.is_open  # what the caller still holds
    with pytest.raises(SubmissionRejected) as err:
        with write_scope(session_factory) as s:
            stories.submit_story(s, work_session, _valid(), now=NOW)
    assert err.value.key == "closed" and "gesloten" in err.value.nl
    with read_scope(session_factory) as s:
        assert stories.count_by_status(s, work_session.id) == {}
    with write_scope(session_factory) as s:  # reopened: stories are welcome again
        reopened = sessions.set_status(s, work_session.id, "open", actor="fac", now=NOW)
        assert stories.submit_story(s, reopened, _valid(), now=NOW).status == "pending"


def test_a_story_takes_the_moderation_mode_the_session_has_now(session_factory, work_session):
    with write_scope(session_factory) as s:
        sessions.update_session(s, work_session.id, actor="fac", now=NOW, settings=SessionSettings(moderation="post"))
    with write_scope(session_factory) as s:
        assert stories.submit_story(s, work_session, _valid(), now=NOW).status == "approved"


def test_saving_tags_is_one_act_all_or_nothing(session_factory, work_session):
    with write_scope(session_factory) as s:
        receipt = stories.submit_story(s, work_session, _valid(), now=NOW)
    with pytest.raises(InvalidTransition):  # a valid kind with an unknown dimension: neither is stored
        with write_scope(session_factory) as s:
            stories.set_tags(s, receipt.story_id, kind="idea", dimension="bananen", themes=(), actor="anna", now=NOW,
                             expected_version=1)
    with read_scope(session_factory) as s:
        assert (stories.get_story(s, receipt.story_id).kind, len(audit.trail(s, "story", receipt.story_id))) == (
            "proud", 1)
    with write_scope(session_factory) as s:
        story, acts = stories.set_tags(s, receipt.story_id, kind="idea", dimension=None, themes=["Groen"],
                                       actor="anna", now=NOW, expected_version=1)
    assert acts == ["set_kind", "set_dimension", "set_themes"]
    assert (story.kind, story.dimension, story.themes, story.version) == ("idea", None, ("Groen",), 4)
    with write_scope(session_factory) as s:
        _, acts = stories.set_tags(s, receipt.story_id, kind="idea", dimension="", themes=("Groen",), actor="anna",
                                   now=NOW, expected_version=4)
    assert acts == []  # nothing changed, nothing written
    with read_scope(session_factory) as s:
        assert [e.action for e in audit.trail(s, "story", receipt.story_id)] == [
            "submit", "set_kind", "set_dimension", "set_themes"]
    with pytest.raises(ConcurrentModeration):
        with write_scope(session_factory) as s:
            stories.set_tags(s, receipt.story_id, kind="dream", dimension=None, themes=(), actor="bert", now=NOW,
                             expected_version=1)


@pytest.mark.parametrize(("column", "value"), [("kind", "banana"), ("kind", "None"), ("dimension", "bananen"),
                                               ("dimension", "")])
def test_the_database_refuses_an_unknown_kind_or_dimension(session_factory, work_session, column, value):
    """The CHECK constraints of migration 0002: a write that goes around the domain cannot store one either."""
    with write_scope(session_factory) as s:
        receipt = stories.submit_story(s, work_session, _valid(), now=NOW)
    with pytest.raises(IntegrityError):
        with write_scope(session_factory) as s:
            s.execute(update(StoryRow).where(StoryRow.id == receipt.story_id).values({column: value}))
    with write_scope(session_factory) as s:  # what the domain allows still goes in
        s.execute(update(StoryRow).where(StoryRow.id == receipt.story_id).values(kind="dream", dimension=None))
