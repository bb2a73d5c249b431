"""Reads for the analysis page (stories as a frame), re-linking stories after a boundary import, and
storing generated test stories."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

import pandas as pd
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from domain.analysis import RelinkPlan, link_stories, plan_from_links
from domain.moderation import APPROVED, WITHDRAWN, AuditEvent
from domain.sessions import WorkSession
from domain.story_generator import GENERATED_KIOSK, GeneratedSet
from storage import audit, postgis
from storage.areas import load_areas
from storage.stories import session_taking_stories
from storage.tables import AreaRow, SessionRow, StoryRow

STORY_COLUMNS = ["id", "session_id", "kind", "text", "dimension", "lat", "lon", "buurt_code", "place_description",
                 "age_band", "relation", "language", "created_at", "is_demo", "kiosk_id"]


def story_frame(session: Session, session_ids: Sequence[int], statuses: Sequence[str] = (APPROVED,)) -> pd.DataFrame:
    """Stories of the given sessions with the given statuses (approved only by default), one row each."""
    if not session_ids:
        return pd.DataFrame(columns=STORY_COLUMNS)
    columns = [getattr(StoryRow, name) for name in STORY_COLUMNS]
    rows = session.execute(select(*columns).where(StoryRow.session_id.in_(list(session_ids)),
                                                  StoryRow.status.in_(list(statuses)))
                           .order_by(StoryRow.created_at.desc(), StoryRow.id.desc())).all()
    frame = pd.DataFrame(rows, columns=STORY_COLUMNS)
    return frame.astype({"lat": "float64", "lon": "float64"})


def relink_stories(session: Session, municipality_id: int, *, now: datetime, actor: str) -> RelinkPlan:
    """After new boundaries were imported: give every pinned story the buurt its pin lies in now.

    Pins outside every buurt keep their old code and are reported; withdrawn stories have no pin.
    One audit row per session that changed. On PostgreSQL with PostGIS the pins are matched in the
    database (storage/postgis.py), with the same result.
    """
    codes = list(session.scalars(select(AreaRow.code).where(AreaRow.municipality_id == municipality_id,
                                                            AreaRow.level == "buurt")))
    session_ids = list(session.scalars(select(SessionRow.id).where(SessionRow.municipality_id == municipality_id)))
    if not session_ids or not codes:
        return RelinkPlan((), ())
    rows = session.execute(select(StoryRow.id, StoryRow.session_id, StoryRow.lat, StoryRow.lon, StoryRow.buurt_code)
                           .where(StoryRow.session_id.in_(session_ids), StoryRow.status != WITHDRAWN)).all()
    stories = pd.DataFrame(rows, columns=["id", "session_id", "lat", "lon", "buurt_code"]).astype(
        {"lat": "float64", "lon": "float64"})
    if postgis.postgis_available(session):
        linked = postgis.link_stories(session, stories, municipality_id, "buurt", codes=codes)
    else:
        linked = link_stories(stories, load_areas(session, municipality_id, "buurt"))
    plan = plan_from_links(linked)
    session_of = dict(zip(stories["id"], stories["session_id"]))
    by_session: dict[int, list] = {}
    for story_id, old, new in plan.changes:
        session.execute(update(StoryRow).where(StoryRow.id == story_id).values(buurt_code=new))
        by_session.setdefault(int(session_of[story_id]), []).append([story_id, old, new])
    outside_by_session: dict[int, list[int]] = {}
    for story_id in plan.outside:
        outside_by_session.setdefault(int(session_of[story_id]), []).append(story_id)
    for session_id in sorted(set(by_session) | set(outside_by_session)):
        audit.record(session, AuditEvent("session", session_id, "relink", actor, now,
                                         detail={"changed": by_session.get(session_id, []),
                                                 "outside": outside_by_session.get(session_id, [])},
                                         session_id=session_id))
    session.flush()
    return plan


def add_generated_stories(session: Session, work_session: WorkSession, generated: GeneratedSet, *,
                          now: datetime, actor: str = "generator") -> int:
    """Store generated stories in a session, marked as demo data from kiosk "generated"; a closed session takes
    none (SubmissionRejected), as from a kiosk."""
    work_session = session_taking_stories(session, work_session)
    for story in generated.stories:
        created = now - timedelta(minutes=story.created_offset_minutes)
        session.add(StoryRow(
            session_id=work_session.id, kind=story.kind, text=story.text, original_text=story.text,
            dimension=story.dimension, themes=[], lat=story.lat, lon=story.lon, buurt_code=story.buurt_code,
            place_description=story.place_description, age_band=story.age_band, relation=story.relation,
            language=story.language, consent=True, receipt_hash=None, status=story.status,
            kiosk_id=GENERATED_KIOSK, is_demo=True, version=1, created_at=created, updated_at=created))
    session.flush()
    audit.record(session, AuditEvent("session", work_session.id, "generate_stories", actor, now,
                                     detail={"count": len(generated.stories),
                                             "mismatches": dict(generated.mismatches)},
                                     session_id=work_session.id))
    return len(generated.stories)
