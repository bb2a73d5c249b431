"""Werksessies: create, find by join code, change, open/close and duplicate; every act audited."""
from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from domain.moderation import AuditEvent
from domain.sessions import (CLOSED, OPEN, SessionSettings, WorkSession, default_prompts, new_session_code,
                             normalise_code, session_themes, validate_settings, validate_title)
from storage import audit
from storage.tables import SessionRow


def _to_session(row: SessionRow) -> WorkSession:
    return WorkSession(id=row.id, code=row.code, title=row.title, session_date=row.session_date,
                       municipality_id=row.municipality_id, area_codes=tuple(row.area_codes or ()),
                       prompts=dict(row.prompts or {}), themes=tuple(row.themes or ()),
                       settings=SessionSettings.from_dict(row.settings), status=row.status,
                       is_demo=row.is_demo, created_at=row.created_at, closed_at=row.closed_at)


def _titles(session: Session, municipality_id: int, *, except_id: int | None = None) -> list[str]:
    query = select(SessionRow.title).where(SessionRow.municipality_id == municipality_id)
    if except_id is not None:
        query = query.where(SessionRow.id != except_id)
    return list(session.scalars(query))


def _unused_code(session: Session) -> str:
    for _ in range(20):
        code = new_session_code()
        if session.scalar(select(SessionRow.id).where(SessionRow.code == code)) is None:
            return code
    raise RuntimeError("could not find a free session code")  # 31^6 codes; unreachable in practice


def create_session(session: Session, *, title: str, municipality_id: int, area_codes: list[str], actor: str,
                   now: datetime, session_date: date | None = None, prompts: dict | None = None,
                   themes: list[str] | None = None, settings: SessionSettings | None = None) -> WorkSession:
    title = validate_title(title, _titles(session, municipality_id))
    settings = validate_settings(settings or SessionSettings())
    row = SessionRow(code=_unused_code(session), title=title, session_date=session_date,
                     municipality_id=municipality_id, area_codes=sorted(set(area_codes)),
                     prompts=prompts or default_prompts(), themes=session_themes(themes or []),
                     settings=settings.to_dict(), status=OPEN, is_demo=False, created_at=now)
    session.add(row)
    session.flush()
    audit.record(session, AuditEvent("session", row.id, "create", actor, now, detail={"title": title},
                                     session_id=row.id))
    return _to_session(row)


def get_session(session: Session, session_id: int) -> WorkSession | None:
    row = session.get(SessionRow, session_id)
    return _to_session(row) if row else None


def get_session_by_code(session: Session, code: str) -> WorkSession | None:
    row = session.scalar(select(SessionRow).where(SessionRow.code == normalise_code(code)))
    return _to_session(row) if row else None


def list_sessions(session: Session, municipality_id: int | None = None) -> list[WorkSession]:
    query = select(SessionRow).order_by(SessionRow.created_at.desc(), SessionRow.id.desc())
    if municipality_id is not None:
        query = query.where(SessionRow.municipality_id == municipality_id)
    return [_to_session(r) for r in session.scalars(query)]


def update_session(session: Session, session_id: int, *, actor: str, now: datetime, title: str | None = None,
                   session_date: date | None = None, area_codes: list[str] | None = None,
                   prompts: dict | None = None, themes: list[str] | None = None,
                   settings: SessionSettings | None = None) -> WorkSession:
    row = session.get(SessionRow, session_id, with_for_update=True)
    if row is None:
        raise LookupError(session_id)
    changed = []
    if title is not None and title != row.title:
        row.title = validate_title(title, _titles(session, row.municipality_id, except_id=row.id))
        changed.append("title")
    if session_date is not None and session_date != row.session_date:
        row.session_date = session_date
        changed.append("session_date")
    if area_codes is not None and sorted(set(area_codes)) != list(row.area_codes or []):
        row.area_codes = sorted(set(area_codes))
        changed.append("area_codes")
    if prompts is not None and prompts != row.prompts:
        row.prompts = prompts
        changed.append("prompts")
    if themes is not None and session_themes(themes) != list(row.themes or []):
        row.themes = session_themes(themes)
        changed.append("themes")
    if settings is not None and validate_settings(settings).to_dict() != row.settings:
        row.settings = settings.to_dict()
        changed.append("settings")
    if changed:
        audit.record(session, AuditEvent("session", row.id, "update", actor, now, detail={"fields": changed},
                                         session_id=row.id))
    session.flush()
    return _to_session(row)


def set_status(session: Session, session_id: int, status: str, *, actor: str, now: datetime) -> WorkSession:
    """Open or close a session; kiosks of a closed session say so politely and accept nothing."""
    if status not in (OPEN, CLOSED):
        raise ValueError(status)
    row = session.get(SessionRow, session_id, with_for_update=True)
    if row is None:
        raise LookupError(session_id)
    if row.status != status:
        row.status = status
        row.closed_at = now if status == CLOSED else None
        audit.record(session, AuditEvent("session", row.id, "close" if status == CLOSED else "open", actor, now,
                                         session_id=row.id))
    session.flush()
    return _to_session(row)


def duplicate_session(session: Session, session_id: int, *, title: str, actor: str, now: datetime,
                      session_date: date | None = None) -> WorkSession:
    """A follow-up meeting: same area, prompts, themes and settings; a new code and no stories."""
    source = get_session(session, session_id)
    if source is None:
        raise LookupError(session_id)
    copy = create_session(session, title=title, municipality_id=source.municipality_id,
                          area_codes=list(source.area_codes), actor=actor, now=now, session_date=session_date,
                          prompts=source.prompts, themes=list(source.themes), settings=replace(source.settings))
    audit.record(session, AuditEvent("session", copy.id, "duplicate", actor, now,
                                     detail={"from_session": source.id}, session_id=copy.id))
    return copy
