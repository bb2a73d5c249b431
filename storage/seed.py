"""The one seed builder: the demo municipality, its werksessie and stories, for `init`, AppTest and e2e fixtures."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from domain import demo
from domain.models import STORY_KINDS, Municipality
from storage.areas import replace_municipality
from storage.db import make_session_factory, run_migrations, write_scope
from storage.tables import ActionRow, AuditEventRow, SessionRow, StoryRow, ThemeRow, VoteRow

DEMO_SESSION_CODE = "DEMO01"
DEMO_SESSION_TITLE = "Demo: Wijkgesprek Voorbeeldstad (voorbeeldgegevens)"
DEMO_SESSION_SETTINGS = {"moderation": "pre", "generalise": "exact", "k": 5, "idle_seconds": 90,
                         "languages": ["nl", "en"]}
DEMO_KIOSK_ID = "demo"


def default_prompts() -> dict[str, dict[str, str]]:
    """The appreciative-inquiry prompts of STORY_KINDS, per kind and language."""
    return {kind: {"nl": spec["prompt_nl"], "en": spec["prompt_en"]} for kind, spec in STORY_KINDS.items()}


def seed_demo(session: Session, *, now: datetime, seed: int = demo.DEFAULT_SEED) -> Municipality:
    """Load (or reload) Voorbeeldstad, make it active, and replace its demo werksessie and stories."""
    areas = demo.build_demo_areas(seed)
    indicators, values = demo.build_demo_values(areas, seed)
    stories = demo.build_demo_stories(areas, values, seed)
    municipality = replace_municipality(
        session, code=demo.GEMEENTE_CODE, name=demo.GEMEENTE_NAME, source=demo.DEMO_SOURCE, year=demo.DEMO_YEAR,
        areas=areas, indicators=indicators, values=values, now=now, is_demo=True, activate=True)
    _delete_demo_sessions(session, municipality.id)

    opened = now - timedelta(minutes=max(s.created_offset_minutes for s in stories) + 30)
    werksessie = SessionRow(
        code=DEMO_SESSION_CODE, title=DEMO_SESSION_TITLE, session_date=now.date(), municipality_id=municipality.id,
        area_codes=sorted(areas.loc[areas["level"] == "buurt", "code"]), prompts=default_prompts(), themes=[],
        settings=dict(DEMO_SESSION_SETTINGS), status="open", is_demo=True, created_at=opened)
    session.add(werksessie)
    session.flush()
    for story in stories:
        created = now - timedelta(minutes=story.created_offset_minutes)
        session.add(StoryRow(
            session_id=werksessie.id, kind=story.kind, text=story.text, original_text=story.text,
            dimension=story.dimension, themes=[], lat=story.lat, lon=story.lon, buurt_code=story.buurt_code,
            place_description=story.place_description, age_band=story.age_band, relation=story.relation,
            language=story.language, consent=True, receipt_hash=None, status=story.status, kiosk_id=DEMO_KIOSK_ID,
            is_demo=True, created_at=created, updated_at=created))
    session.flush()
    return municipality


def _delete_demo_sessions(session: Session, municipality_id: int) -> None:
    # Explicit deletes rather than ON DELETE CASCADE: SQLite only cascades with the foreign_keys pragma on.
    # Audit rows go too, because SQLite may hand the freed session and story ids to the new demo rows.
    ids = list(session.scalars(select(SessionRow.id).where(
        SessionRow.municipality_id == municipality_id, SessionRow.is_demo.is_(True))))
    if not ids:
        return
    for table in (VoteRow, ThemeRow, ActionRow, StoryRow, AuditEventRow):
        session.execute(delete(table).where(table.session_id.in_(ids)))
    session.execute(delete(SessionRow).where(SessionRow.id.in_(ids)))


def write_fixture_database(url: str, *, now: datetime) -> None:
    """Migrate the database at `url` and seed the demo into it (README quick start, AppTest, Playwright)."""
    run_migrations(url)
    factory = make_session_factory(url)
    try:
        with write_scope(factory) as session:
            seed_demo(session, now=now)
    finally:
        factory.kw["bind"].dispose()
