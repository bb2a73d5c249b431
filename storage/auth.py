"""Sign-in attempts in the database, so the slow-down after failures holds across browser tabs and replicas."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from domain.auth import FAILURE_WINDOW
from storage.tables import LoginAttemptRow


def record_attempt(session: Session, role: str, *, succeeded: bool, now: datetime) -> None:
    session.add(LoginAttemptRow(role=role, succeeded=succeeded, created_at=now))


def recent_failures(session: Session, role: str, *, now: datetime) -> list[datetime]:
    """Failed attempts inside the window and after the last successful sign-in for this role."""
    since = now - FAILURE_WINDOW
    last_success = session.scalar(select(LoginAttemptRow.created_at).where(
        LoginAttemptRow.role == role, LoginAttemptRow.succeeded.is_(True), LoginAttemptRow.created_at >= since)
        .order_by(LoginAttemptRow.created_at.desc()).limit(1))
    query = select(LoginAttemptRow.created_at).where(
        LoginAttemptRow.role == role, LoginAttemptRow.succeeded.is_(False),
        LoginAttemptRow.created_at >= (last_success or since))
    return list(session.scalars(query))
