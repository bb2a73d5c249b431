"""Helpers for the kiosk tests (AppTest and browser): sessions with chosen settings, points inside and outside
the demo buurten, and the stories a test stored, all read straight from the test database."""
from __future__ import annotations

import io
from datetime import UTC, datetime

from PIL import Image
from sqlalchemy import select

from domain.sessions import SessionSettings
from domain.stories import receipt_hash
from storage import areas, sessions
from storage.tables import PhotoRow, StoryRow
from testsupport import reading, writing

NOW = datetime(2026, 11, 27, 10, 30, tzinfo=UTC)
OUTSIDE_VOORBEELDSTAD = (51.2, 3.6)  # in the sea off Zeeland, far from the demo municipality
ALL_LANGUAGES = ("nl", "en", "ar", "tr", "pl")


def make_session(db_url: str, title: str, *, languages=("nl", "en"), idle_seconds: int = 90, closed: bool = False,
                 area_codes=(), stats_indicator: str | None = None, themes=(), moderation: str = "pre",
                 max_chars: int = 1000, refresh_seconds: int = 5) -> str:
    """A werksessie in the active (demo) municipality; returns its join code. Browser tests that wait for the idle
    reset move the page's clock on (Playwright's `page.clock`) rather than waiting `idle_seconds`."""
    with writing(db_url) as s:
        municipality = areas.active_municipality(s)
        settings = SessionSettings(languages=tuple(languages), moderation=moderation, max_chars=max_chars,
                                   stats_indicator=stats_indicator, idle_seconds=idle_seconds,
                                   refresh_seconds=refresh_seconds)
        created = sessions.create_session(s, title=title, municipality_id=municipality.id,
                                          area_codes=list(area_codes), actor="test", now=NOW, themes=list(themes),
                                          settings=settings)
        if closed:
            sessions.set_status(s, created.id, "closed", actor="test", now=NOW)
    return created.code


def buurt_point(db_url: str, code: str) -> tuple[float, float]:
    """(lat, lon) of a point well inside buurt `code` of the active municipality."""
    with reading(db_url) as s:
        municipality = areas.active_municipality(s)
        frame = areas.load_areas(s, municipality.id, "buurt")
    point = frame.loc[frame["code"] == code, "geometry"].iloc[0].representative_point()
    return point.y, point.x


def buurt_name(db_url: str, code: str) -> str:
    with reading(db_url) as s:
        municipality = areas.active_municipality(s)
        frame = areas.load_areas(s, municipality.id, "buurt")
    return str(frame.loc[frame["code"] == code, "name"].iloc[0])


def buurt_at(db_url: str, lat: float, lon: float) -> str | None:
    from domain.spatial import area_at

    with reading(db_url) as s:
        municipality = areas.active_municipality(s)
        frame = areas.load_areas(s, municipality.id, "buurt")
    return area_at(frame, lat, lon)


def story_by_receipt(db_url: str, code: str) -> dict | None:
    with reading(db_url) as s:
        row = s.scalar(select(StoryRow).where(StoryRow.receipt_hash == receipt_hash(code)))
        if row is None:
            return None
        photo = s.get(PhotoRow, row.photo_id) if row.photo_id else None
        return {column: getattr(row, column) for column in (
            "id", "session_id", "kind", "text", "original_text", "lat", "lon", "buurt_code", "place_description",
            "dimension", "themes", "age_band", "relation", "language", "consent", "status", "kiosk_id",
            "submission_token", "photo_id", "receipt_hash")} | {"photo": photo.data if photo else None}


def story(db_url: str, story_id: int) -> dict:
    with reading(db_url) as s:
        row = s.get(StoryRow, story_id)
        return {"status": row.status, "text": row.text, "lat": row.lat, "photo_id": row.photo_id}


def stories_with_token(db_url: str, token: str) -> int:
    with reading(db_url) as s:
        return len(s.scalars(select(StoryRow.id).where(StoryRow.submission_token == token)).all())


def count_texts(db_url: str, text: str) -> int:
    with reading(db_url) as s:
        return len(s.scalars(select(StoryRow.id).where(StoryRow.text == text)).all())


def count_stories(db_url: str) -> int:
    with reading(db_url) as s:
        return len(s.scalars(select(StoryRow.id)).all())


def seeded_story_texts(db_url: str) -> dict[str, list[str]]:
    """Texts of the stories already in the database, by status."""
    with reading(db_url) as s:
        rows = s.execute(select(StoryRow.status, StoryRow.text)).all()
    found: dict[str, list[str]] = {}
    for status, text in rows:
        found.setdefault(status, []).append(text)
    return found


def open_kiosk_app(app_env, code: str | None = "DEMO01", **params):
    """AppTest of the app as a kiosk opens it (`?kiosk=1&session=CODE`, plus `params`), after its first run."""
    at = app_env.app_test()
    at.query_params["kiosk"] = "1"
    if code:
        at.query_params["session"] = code
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, at.exception
    return at


def jpeg_with_gps(size: tuple[int, int] = (80, 40), colour="red") -> bytes:
    """A landscape JPEG whose EXIF says "turn 90° clockwise" and carries a GPS position (to be stripped)."""
    image = Image.new("RGB", size, colour)
    exif = Image.Exif()
    exif[0x0112] = 6
    exif.get_ifd(0x8825).update({1: "N", 2: (52.0, 5.0, 30.0), 3: "E", 4: (5.0, 7.0, 12.0)})
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()
