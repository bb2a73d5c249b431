"""Vision board storage: themes (soft delete), dot votes within a per-visit budget, agreed actions — each act
audited in the same transaction.

The budget check reads, then writes: callers run it in `write_scope` (BEGIN IMMEDIATE on SQLite), and on
PostgreSQL the session row is locked (`FOR UPDATE`), so two taps at once from one kiosk visit, even through
two replicas, are counted one after the other and never exceed the budget.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from domain.moderation import AuditEvent
from domain.sessions import SessionSettings
from domain.vision import (
    Action,
    Theme,
    VoteRefused,
    check_dot,
    clean_action,
    clean_theme_name,
)
from storage import audit
from storage.tables import ActionRow, SessionRow, StoryRow, ThemeRow, VoteRow


def _theme(row: ThemeRow, votes: int = 0) -> Theme:
    return Theme(row.id, row.session_id, row.name, tuple(row.story_ids or ()), bool(row.is_deleted), votes)


def create_theme(session: Session, session_id: int, name: str, story_ids: Iterable[int], *, actor: str,
                 now: datetime) -> Theme:
    """Group approved stories of this session under a name (other stories are left out)."""
    from domain.moderation import PUBLIC_STATUSES

    wanted = sorted({int(i) for i in story_ids})
    kept = sorted(session.scalars(select(StoryRow.id).where(StoryRow.id.in_(wanted), StoryRow.session_id == session_id,
                                                            StoryRow.status.in_(tuple(PUBLIC_STATUSES)))))
    row = ThemeRow(session_id=session_id, name=clean_theme_name(name), story_ids=kept, is_deleted=False,
                   created_at=now)
    session.add(row)
    session.flush()
    audit.record(session, AuditEvent("theme", row.id, "create", actor, now, detail={"name": row.name,
                                                                                     "story_ids": kept},
                                     session_id=session_id))
    session.flush()
    return _theme(row)


def _locked_theme(session: Session, theme_id: int) -> ThemeRow:
    row = session.get(ThemeRow, theme_id, with_for_update=True)
    if row is None:
        raise LookupError(theme_id)
    return row


def rename_theme(session: Session, theme_id: int, name: str, *, actor: str, now: datetime) -> Theme:
    row = _locked_theme(session, theme_id)
    old, row.name = row.name, clean_theme_name(name)
    audit.record(session, AuditEvent("theme", row.id, "rename", actor, now, detail={"from": old, "to": row.name},
                                     session_id=row.session_id))
    session.flush()
    return _theme(row)


def delete_theme(session: Session, theme_id: int, *, actor: str, now: datetime) -> Theme:
    """Soft delete: the theme and its votes stay for the record, but it leaves the ranking and takes no dots."""
    row = _locked_theme(session, theme_id)
    row.is_deleted = True
    audit.record(session, AuditEvent("theme", row.id, "delete", actor, now, session_id=row.session_id))
    session.flush()
    return _theme(row)


def list_themes(session: Session, session_id: int, *, include_deleted: bool = False) -> list[Theme]:
    votes = dict(session.execute(select(VoteRow.theme_id, func.count()).where(VoteRow.session_id == session_id)
                                 .group_by(VoteRow.theme_id)).all())
    query = select(ThemeRow).where(ThemeRow.session_id == session_id).order_by(ThemeRow.id)
    if not include_deleted:
        query = query.where(ThemeRow.is_deleted.is_(False))
    return [_theme(r, votes.get(r.id, 0)) for r in session.scalars(query)]


def dots_used(session: Session, session_id: int, voter_token: str) -> int:
    return session.scalar(select(func.count()).select_from(VoteRow).where(VoteRow.session_id == session_id,
                                                                          VoteRow.voter_token == voter_token)) or 0


def cast_dot(session: Session, session_id: int, theme_id: int, voter_token: str, *, now: datetime) -> int:
    """Place one dot; returns the dots this visit has left. Raises VoteRefused (budget, deleted theme)."""
    work = session.get(SessionRow, session_id, with_for_update=True)  # serialises this session's votes
    if work is None:
        raise LookupError(session_id)
    if work.status != "open":
        raise VoteRefused("closed", "Deze sessie is gesloten; stemmen kan niet meer.",
                          "This session is closed; voting has ended.")
    budget = SessionSettings.from_dict(work.settings).dots_per_visit
    theme = session.get(ThemeRow, theme_id, with_for_update=True)
    deleted = None if theme is None or theme.session_id != session_id else bool(theme.is_deleted)
    used = dots_used(session, session_id, voter_token)
    check_dot(used=used, budget=budget, theme_deleted=deleted)
    row = VoteRow(session_id=session_id, theme_id=theme_id, voter_token=voter_token, created_at=now)
    session.add(row)
    session.flush()
    audit.record(session, AuditEvent("vote", row.id, "dot", "resident", now, detail={"theme_id": theme_id},
                                     session_id=session_id))
    session.flush()
    return budget - used - 1


def add_action(session: Session, session_id: int, *, what: str, owner: str, due_date: date | None,
               buurt_codes: Iterable[str], theme_ids: Iterable[int], known_buurten: set[str], actor: str,
               now: datetime) -> Action:
    live = {t.id: t.name for t in list_themes(session, session_id)}
    what, owner, due, codes, themes = clean_action(what, owner, due_date, buurt_codes, theme_ids,
                                                   known_buurten=known_buurten, live_themes=live)
    row = ActionRow(session_id=session_id, what=what, owner=owner, due_date=due, buurt_codes=list(codes),
                    theme_ids=list(themes), created_at=now)
    session.add(row)
    session.flush()
    audit.record(session, AuditEvent("action", row.id, "create", actor, now,
                                     detail={"owner": owner, "due": due.isoformat() if due else None},
                                     session_id=session_id))
    session.flush()
    return _action(row)


def _action(row: ActionRow) -> Action:
    return Action(row.id, row.session_id, row.what, row.owner, row.due_date, tuple(row.buurt_codes or ()),
                  tuple(row.theme_ids or ()))


def list_actions(session: Session, session_id: int) -> list[Action]:
    return [_action(r) for r in session.scalars(select(ActionRow).where(ActionRow.session_id == session_id)
                                                .order_by(ActionRow.id))]


__all__ = ["VoteRefused", "add_action", "cast_dot", "create_theme", "delete_theme", "dots_used", "list_actions",
           "list_themes", "rename_theme"]
