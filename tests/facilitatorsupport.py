"""Helpers for the facilitator tests (AppTest and browser): a signed-in AppTest of one page, stories put into a
session the way a kiosk would, and what the database holds afterwards."""
from __future__ import annotations

from datetime import UTC, datetime

from domain.stories import ValidStory
from storage import areas, audit, sessions, stories
from testsupport import reading, writing

NOW = datetime(2026, 11, 27, 10, 30, tzinfo=UTC)
DEMO_CODE = "DEMO01"
KERKBUURT = "BU99990102"
HTML_PAYLOAD = ("<script>alert('x')</script><img src=x onerror=alert(1)> **vet** [klik](http://example.org) "
                "![img](http://example.org/a.png) ${alert(2)} `code`")


def signed_in(app_env, page: str, *, role: str = "facilitator", actor: str = "Anna"):
    """An AppTest of `page` as if `actor` had signed in with `role` (the sign-in itself is tested elsewhere)."""
    at = app_env.app_test(page)
    at.session_state["auth.role"] = role
    at.session_state["auth.actor"] = actor
    return at


def submit(db_url: str, text: str, *, code: str = DEMO_CODE, kind: str = "concern", dimension: str | None = None,
           place: str | None = None, buurt: str = KERKBUURT, lat: float | None = None, lon: float | None = None,
           themes: tuple[str, ...] = ()) -> tuple[int, str]:
    """A story stored as the kiosk stores it; returns (story id, receipt code)."""
    with writing(db_url) as s:
        work_session = sessions.get_session_by_code(s, code)
        receipt = stories.submit_story(s, work_session, ValidStory(
            kind=kind, text=text, lat=lat, lon=lon, buurt_code=buurt, place_description=place,
            dimension=dimension, themes=themes, age_band="45-64", relation="lives", language="nl",
            submission_token=None, kiosk_id="kiosk-test"), now=NOW)
    return receipt.story_id, receipt.code


def story(db_url: str, story_id: int):
    with reading(db_url) as s:
        return stories.get_story(s, story_id)


def trail(db_url: str, entity: str, entity_id: int):
    with reading(db_url) as s:
        return audit.trail(s, entity, entity_id)


def moderate(db_url: str, story_id: int, action: str, *, actor: str, **kwargs):
    with writing(db_url) as s:
        current = stories.get_story(s, story_id)
        return stories.moderate(s, story_id, action, actor=actor, now=NOW, expected_version=current.version,
                                **kwargs)


def withdraw(db_url: str, receipt_code: str) -> bool:
    with writing(db_url) as s:
        return stories.withdraw_story(s, receipt_code, now=NOW)


def all_sessions(db_url: str):
    with reading(db_url) as s:
        return sessions.list_sessions(s)


def buurt_point(db_url: str, code: str) -> tuple[float, float]:
    """(lat, lon) of a point well inside buurt `code` of the active municipality."""
    with reading(db_url) as s:
        frame = areas.load_areas(s, areas.active_municipality(s).id, "buurt")
    point = frame.loc[frame["code"] == code, "geometry"].iloc[0].representative_point()
    return point.y, point.x


def buurten_of_wijk(db_url: str, wijk: str) -> list[str]:
    with reading(db_url) as s:
        frame = areas.load_areas(s, areas.active_municipality(s).id, "buurt")
    return list(frame.loc[frame["parent_code"] == wijk, "code"])


def public_ids(db_url: str, code: str = DEMO_CODE) -> list[int]:
    with reading(db_url) as s:
        return [x.id for x in stories.public_stories(s, sessions.get_session_by_code(s, code).id)]
