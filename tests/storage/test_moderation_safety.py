"""Moderation safety on both backends: only approved stories are public (every status checked), two facilitators
acting at the same moment on one story (threads), an audit row for every act, and a story withdrawn while
it waits in the queue."""
import threading
from datetime import UTC, date, datetime

import pytest

from domain.moderation import APPROVED, HIDDEN, PENDING, WITHDRAWN, ConcurrentModeration, InvalidTransition
from domain.stories import ValidStory
from storage import audit, sessions, stories
from storage.db import read_scope, write_scope
from storage.seed import seed_demo
from storage.tables import StoryRow

NOW = datetime(2026, 11, 27, 20, 0, tzinfo=UTC)


def _valid(text="Mooi plein", **kw) -> ValidStory:
    base = dict(kind="proud", text=text, lat=None, lon=None, buurt_code="BU99990101", place_description=None,
                dimension=None, themes=(), age_band=None, relation=None, language="nl", submission_token=None,
                kiosk_id="kiosk-1")
    return ValidStory(**{**base, **kw})


@pytest.fixture
def two_sessions(session_factory):
    with write_scope(session_factory) as s:
        municipality = seed_demo(s, now=NOW)
        first = sessions.create_session(s, title="Avond 1", municipality_id=municipality.id,
                                        area_codes=["BU99990101"], actor="fac", now=NOW, session_date=date(2026, 12, 1))
        second = sessions.create_session(s, title="Avond 2", municipality_id=municipality.id,
                                         area_codes=["BU99990101"], actor="fac", now=NOW)
    return first, second


def _story_in(session_factory, work_session, status: str, text: str = "verhaal") -> int:
    """A story brought into `status` the way it happens in real life."""
    with write_scope(session_factory) as s:
        receipt = stories.submit_story(s, work_session, _valid(text=text), now=NOW)
    with write_scope(session_factory) as s:
        if status == APPROVED:
            stories.moderate(s, receipt.story_id, "approve", actor="anna", now=NOW, expected_version=1)
        elif status == HIDDEN:
            stories.moderate(s, receipt.story_id, "hide", actor="anna", now=NOW, expected_version=1, reason="spam")
        elif status == WITHDRAWN:
            stories.withdraw_story(s, receipt.code, now=NOW)
        elif status == "restored":
            hidden = stories.moderate(s, receipt.story_id, "hide", actor="anna", now=NOW, expected_version=1,
                                      reason="per ongeluk")
            stories.moderate(s, receipt.story_id, "restore", actor="anna", now=NOW, expected_version=hidden.version)
        elif status == "duplicate":
            other = stories.submit_story(s, work_session, _valid(text="eerder"), now=NOW)
            stories.moderate(s, receipt.story_id, "mark_duplicate", actor="anna", now=NOW, expected_version=1,
                             value=other.story_id, reason="dubbel")
        elif status == "redacted_pending":
            stories.moderate(s, receipt.story_id, "redact", actor="anna", now=NOW, expected_version=1,
                             value=text.split()[0])
    return receipt.story_id


@pytest.mark.parametrize(("status", "public"), [
    (PENDING, False), (APPROVED, True), (HIDDEN, False), (WITHDRAWN, False), ("restored", False),
    ("duplicate", False), ("redacted_pending", False),
])
def test_public_stories_show_approved_ones_only(session_factory, two_sessions, status, public):
    first, second = two_sessions
    story_id = _story_in(session_factory, first, status, text="geheim verhaal")
    _story_in(session_factory, second, APPROVED)  # another session's public story never leaks in
    with read_scope(session_factory) as s:
        shown = stories.public_stories(s, first.id)
    assert [x.id for x in shown] == ([story_id] if public else [])
    assert all(x.status == APPROVED for x in shown)


def test_two_facilitators_at_the_same_moment_one_wins_and_the_other_is_told_who(session_factory, two_sessions):
    first, _ = two_sessions
    story_id = _story_in(session_factory, first, PENDING)
    start = threading.Barrier(2)
    outcomes: dict[str, object] = {}

    def act(actor: str, action: str, reason: str | None) -> None:
        start.wait()
        try:
            with write_scope(session_factory) as s:
                outcomes[actor] = stories.moderate(s, story_id, action, actor=actor, now=NOW, expected_version=1,
                                                   reason=reason)
        except ConcurrentModeration as err:
            outcomes[actor] = err

    threads = [threading.Thread(target=act, args=("Anna", "approve", None)),
               threading.Thread(target=act, args=("Bert", "hide", "scheldwoord"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    errors = {actor: o for actor, o in outcomes.items() if isinstance(o, ConcurrentModeration)}
    winners = {actor: o for actor, o in outcomes.items() if not isinstance(o, Exception)}
    assert len(winners) == 1 and len(errors) == 1, outcomes
    [(winner, result)] = winners.items()
    [(loser, error)] = errors.items()
    assert winner in error.nl and winner in error.en and "al behandeld" in error.nl
    with read_scope(session_factory) as s:
        assert stories.get_story(s, story_id).status == result.status
        assert [(e.action, e.actor) for e in audit.trail(s, "story", story_id)][1:] == [
            ({"Anna": "approve", "Bert": "hide"}[winner], winner)]


ACTS = [
    ("approve", {}, None),
    ("hide", {"reason": "reclame"}, "reclame"),
    ("redact", {"value": "Jan"}, None),
    ("set_kind", {"value": "concern"}, None),
    ("set_dimension", {"value": "voorzieningen"}, None),
    ("set_themes", {"value": ["Groen"]}, None),
    ("mark_duplicate", {"reason": "twee keer"}, "twee keer"),
]


@pytest.mark.parametrize(("action", "kwargs", "reason"), ACTS, ids=[a[0] for a in ACTS])
def test_every_act_writes_one_audit_row_in_the_same_transaction(session_factory, two_sessions, action, kwargs, reason):
    first, _ = two_sessions
    story_id = _story_in(session_factory, first, PENDING, text="Jan zegt: mooi plein")
    original_id = _story_in(session_factory, first, PENDING, text="eerder")
    if action == "mark_duplicate":
        kwargs = {**kwargs, "value": original_id}
    with write_scope(session_factory) as s:
        stories.moderate(s, story_id, action, actor="Anna", now=NOW, expected_version=1, **kwargs)
    with read_scope(session_factory) as s:
        trail = audit.trail(s, "story", story_id)
    assert [e.action for e in trail] == ["submit", action]
    assert (trail[-1].actor, trail[-1].reason, trail[-1].session_id) == ("Anna", reason, first.id)
    # a refused act (here: based on the version before this one) leaves neither a change nor an audit row
    with pytest.raises(ConcurrentModeration):
        with write_scope(session_factory) as s:
            stories.moderate(s, story_id, "set_kind", actor="Bert", now=NOW, expected_version=1, value="idea")
    with read_scope(session_factory) as s:
        assert len(audit.trail(s, "story", story_id)) == 2


def test_a_look_inside_the_transaction_before_the_lock_does_not_hide_another_facilitators_act(
        session_factory, two_sessions, db_backend):
    """Issue 21, bug 1: Anna's transaction loads the story row and holds on to it, Bert hides the story from
    another connection, then Anna's approve takes the row lock. On PostgreSQL the plain read took no lock, so
    Bert's hide is committed first and the lock must see it: SQLAlchemy would keep Anna's first copy of a row the
    session still holds, and storage/db.py makes a locking read refresh it. On SQLite Anna's BEGIN IMMEDIATE makes
    Bert wait, so Anna is first. Either way one wins, the other is told who, and nothing is overwritten."""
    first, _ = two_sessions
    story_id = _story_in(session_factory, first, PENDING)
    outcomes: dict[str, object] = {}

    def act(actor: str, action: str, session, **kwargs) -> None:
        try:
            outcomes[actor] = stories.moderate(session, story_id, action, actor=actor, now=NOW, expected_version=1,
                                               **kwargs)
        except ConcurrentModeration as err:
            outcomes[actor] = err

    def bert() -> None:
        with write_scope(session_factory) as s:
            act("Bert", "hide", s, reason="scheldwoord")

    with write_scope(session_factory) as s:
        held = s.get(StoryRow, story_id)  # any code between the look and the act that keeps the row
        assert held.version == 1
        other = threading.Thread(target=bert)
        other.start()
        if db_backend == "postgresql":
            other.join(timeout=30)  # nothing of Anna's blocks Bert: his hide is committed before her lock
        act("Anna", "approve", s)
    other.join(timeout=30)
    winner, loser = ("Bert", "Anna") if db_backend == "postgresql" else ("Anna", "Bert")
    assert isinstance(outcomes[loser], ConcurrentModeration) and winner in outcomes[loser].nl, outcomes
    with read_scope(session_factory) as s:
        assert stories.get_story(s, story_id).status == outcomes[winner].status
        assert [(e.action, e.actor) for e in audit.trail(s, "story", story_id)][1:] == [
            ({"Anna": "approve", "Bert": "hide"}[winner], winner)]


def test_a_story_withdrawn_while_in_the_queue_cannot_be_moderated(session_factory, two_sessions):
    first, _ = two_sessions
    with write_scope(session_factory) as s:
        receipt = stories.submit_story(s, first, _valid(text="Ik wil dit toch niet delen"), now=NOW)
    with write_scope(session_factory) as s:  # the facilitator saw version 1; then the resident withdraws
        assert stories.withdraw_story(s, receipt.code, now=NOW)
    for seen_version in (1, 2):  # with the version seen before, or a fresh look: nothing left to moderate
        for action, kwargs in [("approve", {}), ("set_kind", {"value": "idea"})]:
            with pytest.raises(InvalidTransition) as err:
                with write_scope(session_factory) as s:
                    stories.moderate(s, receipt.story_id, action, actor="Anna", now=NOW,
                                     expected_version=seen_version, **kwargs)
            assert "door de inzender ingetrokken" in err.value.nl
    with pytest.raises(InvalidTransition):
        with write_scope(session_factory) as s:
            stories.set_tags(s, receipt.story_id, kind="idea", dimension=None, themes=(), actor="Anna", now=NOW,
                             expected_version=2)
    with read_scope(session_factory) as s:
        current = stories.get_story(s, receipt.story_id)
        assert [e.action for e in audit.trail(s, "story", receipt.story_id)] == ["submit", "withdraw"]
    assert (current.status, current.text, current.version) == (WITHDRAWN, "", 2)
