"""What the kiosk needs from storage: a submission retried while another connection holds SQLite's write lock
(stored once, not lost), a lock that lasts too long (nothing stored, the error reaches the page), and on both
backends a retried submit with the same token that stays one story, two kiosks drawing the same receipt code, and a
withdraw from any session."""
from __future__ import annotations

import sqlite3
import threading
from datetime import UTC, datetime

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.exc import IntegrityError, OperationalError

from domain.stories import ValidStory
from storage import sessions, stories
from storage.db import make_session_factory, read_scope, write_scope
from storage.retry import retry_when_locked
from storage.seed import seed_demo
from storage.tables import StoryRow

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


def valid(text: str = "Bankjes bij de kerk", token: str | None = "kiosk-token-1") -> ValidStory:
    return ValidStory(kind="proud", text=text, lat=None, lon=None, buurt_code="BU99990102", place_description=None,
                      dimension=None, themes=(), age_band=None, relation=None, language="nl",
                      submission_token=token, kiosk_id="kiosk")


def open_session(factory):
    with write_scope(factory) as s:
        municipality = seed_demo(s, now=NOW)
        return sessions.create_session(s, title="Kioskavond", municipality_id=municipality.id,
                                       area_codes=["BU99990102"], actor="fac", now=NOW)


def count(factory) -> int:
    with read_scope(factory) as s:
        return s.scalar(select(func.count()).select_from(StoryRow).where(StoryRow.is_demo.is_(False)))


@pytest.fixture
def impatient_factory(sqlite_db_url):
    """A factory whose connections wait only 50 ms for a lock (the app waits 10 s), so a test can make
    SQLite say "database is locked" quickly."""
    factory = make_session_factory(sqlite_db_url)

    @event.listens_for(factory.kw["bind"], "connect")
    def _short_wait(dbapi_conn, _record):
        dbapi_conn.execute("PRAGMA busy_timeout=50")

    yield factory
    factory.kw["bind"].dispose()


def hold_write_lock(db_url: str, seconds: float) -> threading.Thread:
    """Another connection takes SQLite's write lock and keeps it for `seconds`."""
    locked = threading.Event()

    def run():
        conn = sqlite3.connect(db_url.removeprefix("sqlite:///"), isolation_level=None)
        conn.execute("BEGIN IMMEDIATE")
        locked.set()
        threading.Event().wait(seconds)
        conn.execute("ROLLBACK")
        conn.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    assert locked.wait(5)
    return thread


def submit_unit(factory, work_session, story):
    def unit():
        with write_scope(factory) as s:
            return stories.submit_story(s, work_session, story, now=NOW)
    return unit


def test_a_submission_waits_out_a_short_lock_and_is_stored_once(impatient_factory, sqlite_db_url):
    work_session = open_session(impatient_factory)
    pauses: list[float] = []
    holder = hold_write_lock(sqlite_db_url, 0.6)
    receipt = retry_when_locked(submit_unit(impatient_factory, work_session, valid()), delays=(0.2, 0.3, 0.5, 1.0),
                                sleep=lambda s: (pauses.append(s), threading.Event().wait(s)))
    holder.join()
    assert pauses, "the first attempt should have met the lock"
    assert receipt.code and not receipt.duplicate
    assert count(impatient_factory) == 1


def test_a_lock_that_outlasts_the_retries_stores_nothing_and_reaches_the_caller(impatient_factory, sqlite_db_url):
    work_session = open_session(impatient_factory)
    holder = hold_write_lock(sqlite_db_url, 1.5)
    with pytest.raises(OperationalError, match="database is locked"):
        retry_when_locked(submit_unit(impatient_factory, work_session, valid()), delays=(0.05, 0.05))
    holder.join()
    assert count(impatient_factory) == 0


def test_other_database_errors_are_not_retried(impatient_factory):
    calls = []

    def broken():
        calls.append(1)
        raise OperationalError("SELECT", {}, Exception("no such table: stories"))

    with pytest.raises(OperationalError, match="no such table"):
        retry_when_locked(broken, delays=(0.01, 0.01), sleep=lambda s: None)
    assert calls == [1]


def test_a_retried_submit_with_the_same_token_is_one_story(session_factory):
    work_session = open_session(session_factory)
    first = retry_when_locked(submit_unit(session_factory, work_session, valid(token="same")))
    again = retry_when_locked(submit_unit(session_factory, work_session, valid(token="same")))
    assert again.duplicate and again.story_id == first.story_id and again.code is None
    other = retry_when_locked(submit_unit(session_factory, work_session, valid(token="next")))
    assert other.story_id != first.story_id
    assert count(session_factory) == 2


def test_withdraw_works_from_any_session_with_the_code(session_factory):
    work_session = open_session(session_factory)
    receipt = retry_when_locked(submit_unit(session_factory, work_session, valid(text="<b>Weg</b> ${ermee}")))
    with write_scope(session_factory) as s:
        assert stories.withdraw_story(s, f"  {receipt.code.lower()} ", now=NOW)
    with read_scope(session_factory) as s:
        row = s.get(StoryRow, receipt.story_id)
        assert (row.status, row.text, row.receipt_hash) == ("withdrawn", "", None)
    with write_scope(session_factory) as s:
        assert not stories.withdraw_story(s, receipt.code, now=NOW)


def test_two_kiosks_drawing_the_same_receipt_code_both_store_with_different_codes(session_factory, monkeypatch):
    """The receipt-collision path of submit_story: the code was free when checked, but another kiosk's story took
    it before this insert (two transactions at once). The unique index refuses the insert, the savepoint rolls it
    back, and a new code is drawn; three collisions in a row reach the caller, with nothing stored."""
    work_session = open_session(session_factory)
    taken = retry_when_locked(submit_unit(session_factory, work_session, valid(text="eerste", token=None)))
    draws = iter([taken.code, "ZZ-ZZZ"])
    monkeypatch.setattr(stories, "_unused_receipt", lambda session: next(draws))
    second = retry_when_locked(submit_unit(session_factory, work_session, valid(text="tweede", token=None)))
    assert (second.code, count(session_factory)) == ("ZZ-ZZZ", 2)
    monkeypatch.setattr(stories, "_unused_receipt", lambda session: taken.code)
    with pytest.raises(IntegrityError):
        retry_when_locked(submit_unit(session_factory, work_session, valid(text="derde", token=None)))
    assert count(session_factory) == 2
    with write_scope(session_factory) as s:  # each code still reaches its own story
        assert stories.withdraw_story(s, taken.code, now=NOW) and stories.withdraw_story(s, second.code, now=NOW)
    with read_scope(session_factory) as s:
        assert sorted(s.scalars(select(StoryRow.text).where(StoryRow.is_demo.is_(False)))) == ["", ""]
