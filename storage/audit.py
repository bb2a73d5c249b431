"""The audit trail: one row per act, written in the caller's transaction."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from domain.moderation import AuditEvent
from storage.tables import AuditEventRow


def record(session: Session, event: AuditEvent) -> None:
    session.add(AuditEventRow(entity=event.entity, entity_id=event.entity_id, session_id=event.session_id,
                              action=event.action, actor=event.actor, reason=event.reason,
                              detail=dict(event.detail), created_at=event.created_at))


def trail(session: Session, entity: str, entity_id: int) -> list[AuditEvent]:
    """Oldest first, as the story of what happened."""
    rows = session.scalars(select(AuditEventRow).where(AuditEventRow.entity == entity,
                                                       AuditEventRow.entity_id == entity_id)
                           .order_by(AuditEventRow.created_at, AuditEventRow.id))
    return [AuditEvent(r.entity, r.entity_id, r.action, r.actor, r.created_at, r.reason, dict(r.detail or {}),
                       r.session_id) for r in rows]


def session_trail(session: Session, session_id: int, limit: int = 200) -> list[AuditEvent]:
    rows = session.scalars(select(AuditEventRow).where(AuditEventRow.session_id == session_id)
                           .order_by(AuditEventRow.created_at.desc(), AuditEventRow.id.desc()).limit(limit))
    return [AuditEvent(r.entity, r.entity_id, r.action, r.actor, r.created_at, r.reason, dict(r.detail or {}),
                       r.session_id) for r in rows]
