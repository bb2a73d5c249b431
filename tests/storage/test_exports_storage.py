"""The exports' read on both backends: only approved stories (as moderated: redacted text, never the original),
themes with their dots (deleted ones too, for the actions that name them), actions, and nothing of other
sessions."""
from datetime import UTC, date, datetime

import pytest

from domain.sessions import SessionSettings
from domain.stories import ValidStory
from storage import exports, sessions, stories, vision
from storage.db import read_scope, write_scope
from storage.seed import seed_demo

NOW = datetime(2026, 11, 27, 20, 0, tzinfo=UTC)


def _valid(text: str) -> ValidStory:
    return ValidStory(kind="concern", text=text, lat=None, lon=None, buurt_code="BU99990101", place_description=None,
                      dimension=None, themes=(), age_band="25-44", relation="lives", language="nl",
                      submission_token=None, kiosk_id="kiosk-1")


@pytest.fixture
def filled(session_factory):
    """(session id, other session id, {label: story id}) with a story in every status."""
    with write_scope(session_factory) as s:
        municipality = seed_demo(s, now=NOW)
        work = sessions.create_session(s, title="Exportavond", municipality_id=municipality.id,
                                       area_codes=["BU99990101", "BU99990102"], actor="fac", now=NOW,
                                       settings=SessionSettings(moderation="pre", dots_per_visit=5))
        other = sessions.create_session(s, title="Andere avond", municipality_id=municipality.id, area_codes=[],
                                        actor="fac", now=NOW, settings=SessionSettings(moderation="post"))
        ids, codes = {}, {}
        for label in ("approved", "redacted", "pending", "hidden", "withdrawn"):
            receipt = stories.submit_story(s, work, _valid(f"{label} verhaal met 0612345678"), now=NOW)
            ids[label], codes[label] = receipt.story_id, receipt.code
        ids["other"] = stories.submit_story(s, other, _valid("verhaal van de andere avond"), now=NOW).story_id
        for label in ("approved", "redacted", "hidden", "withdrawn"):
            stories.moderate(s, ids[label], "approve", actor="fac", now=NOW, expected_version=1)
        stories.moderate(s, ids["redacted"], "redact", actor="fac", now=NOW, expected_version=2, value="0612345678")
        stories.moderate(s, ids["hidden"], "hide", actor="fac", now=NOW, expected_version=2, reason="naam")
        stories.withdraw_story(s, codes["withdrawn"], now=NOW)
        kept = vision.create_theme(s, work.id, "Verkeer", [ids["approved"], ids["redacted"]], actor="fac", now=NOW)
        gone = vision.create_theme(s, work.id, "Weg", [ids["approved"]], actor="fac", now=NOW)
        for _ in range(3):
            vision.cast_dot(s, work.id, kept.id, "visit-1", now=NOW)
        vision.cast_dot(s, work.id, gone.id, "visit-1", now=NOW)
        vision.add_action(s, work.id, what="Drempels", owner="Gemeente", due_date=date(2027, 2, 1),
                          buurt_codes=["BU99990101"], theme_ids=[kept.id, gone.id], known_buurten={"BU99990101"},
                          actor="fac", now=NOW)
        vision.delete_theme(s, gone.id, actor="fac", now=NOW)
    return work.id, other.id, ids


def test_only_approved_stories_of_the_chosen_session(session_factory, filled):
    session_id, _, ids = filled
    with read_scope(session_factory) as s:
        data = exports.load_export_data(s, [session_id])
    assert [w.id for w in data.sessions] == [session_id]
    assert [story.id for story in data.stories] == [ids["approved"], ids["redacted"]]
    assert {story.status for story in data.stories} == {"approved"}
    redacted = next(story for story in data.stories if story.id == ids["redacted"])
    assert redacted.text == "redacted verhaal met [...]" and redacted.is_redacted
    assert not any("verhaal van de andere avond" in story.text for story in data.stories)


def test_themes_with_dots_and_actions(session_factory, filled):
    session_id, _, _ = filled
    with read_scope(session_factory) as s:
        data = exports.load_export_data(s, [session_id])
    assert [(t.name, t.votes, t.is_deleted) for t in data.themes] == [("Verkeer", 3, False), ("Weg", 1, True)]
    [action] = data.actions
    assert (action.what, action.owner, action.due_date, action.buurt_codes) == (
        "Drempels", "Gemeente", date(2027, 2, 1), ("BU99990101",))


def test_several_sessions_unknown_ids_and_none(session_factory, filled):
    session_id, other_id, ids = filled
    with read_scope(session_factory) as s:
        both = exports.load_export_data(s, [other_id, session_id, session_id, 999_999])
        empty = exports.load_export_data(s, [])
    assert [w.id for w in both.sessions] == [other_id, session_id]
    assert [story.id for story in both.stories] == [ids["other"], ids["approved"], ids["redacted"]]
    assert empty.sessions == () and empty.stories == () and empty.themes == () and empty.actions == ()
