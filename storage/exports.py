"""Reads for the exports page: sessions with their approved stories, themes and actions, as plain data."""
from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from domain.exports import ExportData
from domain.moderation import PUBLIC_STATUSES
from storage.sessions import get_session
from storage.stories import StoryFilter, list_stories
from storage.vision import list_actions, list_themes


def load_export_data(session: Session, session_ids: Sequence[int]) -> ExportData:
    """The given sessions (unknown ids are skipped), only their approved stories, their themes including
    deleted ones (an action may still name one; the ranking leaves them out) and their actions."""
    found = [w for w in (get_session(session, int(i)) for i in dict.fromkeys(session_ids)) if w is not None]
    ids = [w.id for w in found]
    approved = StoryFilter(statuses=tuple(PUBLIC_STATUSES))
    return ExportData(
        sessions=tuple(found),
        stories=tuple(s for i in ids for s in list_stories(session, i, approved, newest_first=False)),
        themes=tuple(t for i in ids for t in list_themes(session, i, include_deleted=True)),
        actions=tuple(a for i in ids for a in list_actions(session, i)))
