"""Stories: submit from a kiosk, withdraw by receipt, moderate with an audit row in the same transaction.

Read-then-write units run in `write_scope` (BEGIN IMMEDIATE on SQLite) and lock the story row on
PostgreSQL (`SELECT … FOR UPDATE`, which storage/db.py makes re-read a row the session already holds), and every
moderation act names the version it saw, so two facilitators never overwrite each other silently.
"""
from __future__ import annotations

import secrets as _secrets
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from domain.moderation import (PENDING, PUBLIC_STATUSES, WITHDRAWN, AuditEvent, ConcurrentModeration,
                               InvalidTransition, StoryState, apply, erased_fields, initial_status,
                               refuse_if_withdrawn, tag_changes)
from domain.photos import ProcessedPhoto
from domain.sessions import SessionSettings, WorkSession, refuse_closed_session
from domain.stories import Receipt, Story, ValidStory, new_receipt_code, receipt_hash
from storage import audit
from storage.tables import AuditEventRow, PhotoRow, SessionRow, StoryRow


def _to_story(row: StoryRow) -> Story:
    return Story(id=row.id, session_id=row.session_id, kind=row.kind, text=row.text, status=row.status,
                 created_at=row.created_at, buurt_code=row.buurt_code, lat=row.lat, lon=row.lon,
                 place_description=row.place_description, dimension=row.dimension, themes=tuple(row.themes or ()),
                 photo_id=row.photo_id, age_band=row.age_band, relation=row.relation, language=row.language,
                 duplicate_of_id=row.duplicate_of_id, is_demo=row.is_demo, version=row.version,
                 is_redacted=row.text != row.original_text, kiosk_id=row.kiosk_id)


def submit_story(session: Session, work_session: WorkSession, story: ValidStory, *, now: datetime,
                 photo: ProcessedPhoto | None = None) -> Receipt:
    """Store a validated story; a repeated submission token returns the first story, not a second one. A closed
    session takes nothing, whoever calls (SubmissionRejected "closed")."""
    if story.submission_token and (existing := _by_token(session, story.submission_token)) is not None:
        return Receipt(existing.id, None, existing.status, duplicate=True)
    work_session = session_taking_stories(session, work_session)
    for attempt in range(3):
        try:
            with session.begin_nested():
                return _insert_story(session, work_session, story, now=now, photo=photo)
        except IntegrityError:
            # PostgreSQL lets two transactions pass the check above at once (a double tap reaching two
            # replicas); the second insert then hits the unique token, and the first story is the answer.
            # Otherwise two transactions drew the same receipt code: draw again (issue 7).
            if story.submission_token and (existing := _by_token(session, story.submission_token)) is not None:
                return Receipt(existing.id, None, existing.status, duplicate=True)
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def session_taking_stories(session: Session, work_session: WorkSession) -> WorkSession:
    """The session as it is now; SubmissionRejected ("closed") when it is closed. For every writer of new stories. FOR SHARE on PostgreSQL: closing (FOR UPDATE in
    sessions.set_status) waits for the stories being stored, and a story waits for a close, so none slips in after
    it; SQLite's write lock does the same. The moderation mode is read here too, for the same reason."""
    found = session.execute(select(SessionRow.status, SessionRow.settings).where(SessionRow.id == work_session.id)
                            .with_for_update(read=True)).first()
    if found is None:
        raise LookupError(work_session.id)
    refuse_closed_session(found.status)
    return replace(work_session, status=found.status, settings=SessionSettings.from_dict(found.settings))


def _by_token(session: Session, token: str) -> StoryRow | None:
    return session.scalar(select(StoryRow).where(StoryRow.submission_token == token))


def _insert_story(session: Session, work_session: WorkSession, story: ValidStory, *, now: datetime,
                  photo: ProcessedPhoto | None) -> Receipt:
    photo_id = None
    if photo is not None:
        photo_id = _secrets.token_hex(16)
        session.add(PhotoRow(id=photo_id, mime=photo.mime, width=photo.width, height=photo.height, data=photo.data,
                             created_at=now))
    code = _unused_receipt(session)
    row = StoryRow(session_id=work_session.id, kind=story.kind, text=story.text, original_text=story.text,
                   dimension=story.dimension, themes=list(story.themes), lat=story.lat, lon=story.lon,
                   buurt_code=story.buurt_code, place_description=story.place_description, photo_id=photo_id,
                   age_band=story.age_band, relation=story.relation, language=story.language, consent=True,
                   receipt_hash=receipt_hash(code), submission_token=story.submission_token,
                   status=initial_status(work_session.settings.moderation), kiosk_id=story.kiosk_id,
                   is_demo=False, version=1, created_at=now, updated_at=now)
    session.add(row)
    session.flush()
    audit.record(session, AuditEvent("story", row.id, "submit", "resident", now,
                                     detail={"status": row.status, "kiosk": story.kiosk_id or ""},
                                     session_id=work_session.id))
    session.flush()
    return Receipt(row.id, code, row.status)


def _unused_receipt(session: Session) -> str:
    for _ in range(50):
        code = new_receipt_code()
        if session.scalar(select(StoryRow.id).where(StoryRow.receipt_hash == receipt_hash(code))) is None:
            return code
    raise RuntimeError("receipt code space exhausted")  # 31^5 ≈ 28.6 million codes


def withdraw_story(session: Session, code: str, *, now: datetime) -> bool:
    """The one real delete (GDPR): text, photo and profile are erased; an audit row without content stays."""
    row = session.scalar(select(StoryRow).where(StoryRow.receipt_hash == receipt_hash(code)).with_for_update())
    if row is None or row.status == WITHDRAWN:
        return False
    state, event = apply(_state(row), "withdraw", actor="resident", now=now)
    photo_id = row.photo_id
    for name, value in erased_fields().items():
        setattr(row, name, value)
    row.status, row.version, row.updated_at = state.status, state.version, now
    if photo_id:
        session.execute(delete(PhotoRow).where(PhotoRow.id == photo_id))
    audit.record(session, AuditEvent("story", row.id, "withdraw", "resident", now,
                                     detail={"from_status": event.detail["from_status"]}, session_id=row.session_id))
    session.flush()
    return True


def _state(row: StoryRow) -> StoryState:
    return StoryState(id=row.id, status=row.status, text=row.text, original_text=row.original_text, kind=row.kind,
                      dimension=row.dimension, themes=tuple(row.themes or ()), duplicate_of_id=row.duplicate_of_id,
                      version=row.version)


def _locked_story(session: Session, story_id: int, expected_version: int) -> StoryRow:
    """The story row, locked, as it is now; refused when withdrawn or changed since `expected_version`."""
    row = session.get(StoryRow, story_id, with_for_update=True)
    if row is None:
        raise LookupError(story_id)
    refuse_if_withdrawn(row.status)
    if row.version != expected_version:
        last = session.scalar(select(AuditEventRow).where(AuditEventRow.entity == "story",
                                                          AuditEventRow.entity_id == story_id)
                              .order_by(AuditEventRow.id.desc()).limit(1))
        who = last.actor if last else "?"
        raise ConcurrentModeration(
            f"Dit verhaal is intussen al behandeld door {who} ({last.action if last else '?'}). "
            "Bekijk het opnieuw; er is niets overschreven.",
            f"This story was already handled by {who} ({last.action if last else '?'}) in the meantime. "
            "Please look again; nothing was overwritten.")
    return row


def _write_state(session: Session, row: StoryRow, state: StoryState, events: list[AuditEvent], now: datetime) -> None:
    row.status, row.text, row.kind, row.dimension = state.status, state.text, state.kind, state.dimension
    row.themes, row.duplicate_of_id, row.version, row.updated_at = list(state.themes), state.duplicate_of_id, \
        state.version, now
    for event in events:
        audit.record(session, AuditEvent(event.entity, event.entity_id, event.action, event.actor, event.created_at,
                                         event.reason, event.detail, session_id=row.session_id))
    session.flush()


def moderate(session: Session, story_id: int, action: str, *, actor: str, now: datetime, expected_version: int,
             reason: str | None = None, value=None) -> Story:
    """One moderation act. Raises ConcurrentModeration when the story changed since `expected_version`,
    InvalidTransition when the act is not allowed (a withdrawn story takes none)."""
    row = _locked_story(session, story_id, expected_version)
    if action == "mark_duplicate" and value is not None:
        original = session.get(StoryRow, int(value))
        if original is None or original.session_id != row.session_id:
            raise InvalidTransition("Dat verhaal bestaat niet in deze sessie.", "That story is not in this session.")
    state, event = apply(_state(row), action, actor=actor, now=now, reason=reason, value=value)
    _write_state(session, row, state, [event], now)
    return _to_story(row)


def set_tags(session: Session, story_id: int, *, kind: str, dimension: str | None, themes: Iterable[str],
             actor: str, now: datetime, expected_version: int) -> tuple[Story, list[str]]:
    """Kind, dimension and themes as one save: each change is its own audited act, all in this transaction or
    none. Returns the story and the acts applied (none when nothing changed)."""
    row = _locked_story(session, story_id, expected_version)
    state, events = _state(row), []
    for action, value in tag_changes(state, kind=kind, dimension=dimension, themes=themes):
        state, event = apply(state, action, actor=actor, now=now, value=value)
        events.append(event)
    if events:
        _write_state(session, row, state, events, now)
    return _to_story(row), [event.action for event in events]


@dataclass(frozen=True)
class StoryFilter:
    statuses: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    dimensions: tuple[str, ...] = ()
    buurt_codes: tuple[str, ...] = ()


def list_stories(session: Session, session_id: int, story_filter: StoryFilter | None = None, *,
                 newest_first: bool = True, limit: int | None = None) -> list[Story]:
    f = story_filter or StoryFilter()
    query = select(StoryRow).where(StoryRow.session_id == session_id)
    if f.statuses:
        query = query.where(StoryRow.status.in_(f.statuses))
    if f.kinds:
        query = query.where(StoryRow.kind.in_(f.kinds))
    if f.dimensions:
        query = query.where(StoryRow.dimension.in_(f.dimensions))
    if f.buurt_codes:
        query = query.where(StoryRow.buurt_code.in_(f.buurt_codes))
    order = (StoryRow.created_at.desc(), StoryRow.id.desc()) if newest_first else (StoryRow.created_at, StoryRow.id)
    query = query.order_by(*order)
    if limit:
        query = query.limit(limit)
    return [_to_story(r) for r in session.scalars(query)]


def public_stories(session: Session, session_id: int, *, limit: int | None = None) -> list[Story]:
    """Only approved stories: what kiosks, projector and public exports may show (privacy by default)."""
    return list_stories(session, session_id, StoryFilter(statuses=tuple(PUBLIC_STATUSES)), limit=limit)


def get_story(session: Session, story_id: int) -> Story | None:
    row = session.get(StoryRow, story_id)
    return _to_story(row) if row else None


def original_text(session: Session, story_id: int) -> str | None:
    """The unredacted text, for the facilitator's audit view only."""
    return session.scalar(select(StoryRow.original_text).where(StoryRow.id == story_id))


def get_photo(session: Session, photo_id: str) -> tuple[bytes, str] | None:
    row = session.get(PhotoRow, photo_id)
    return (row.data, row.mime) if row else None


def count_by_status(session: Session, session_id: int) -> dict[str, int]:
    return dict(session.execute(select(StoryRow.status, func.count()).where(StoryRow.session_id == session_id)
                                .group_by(StoryRow.status)).all())


def approve_many(session: Session, story_ids: Iterable[int], *, actor: str, now: datetime) -> int:
    """Bulk approve the pending ones among `story_ids`; hidden or withdrawn ones are left as they are."""
    rows = list(session.scalars(select(StoryRow).where(StoryRow.id.in_(list(story_ids)),
                                                       StoryRow.status == PENDING).with_for_update()))
    for row in rows:
        moderate(session, row.id, "approve", actor=actor, now=now, expected_version=row.version)
    return len(rows)
