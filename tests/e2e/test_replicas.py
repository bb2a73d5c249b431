"""Two app replicas on one PostgreSQL database (issue 7): a resident's story sent from the kiosk on replica A
appears on the projector that is already open on replica B (post-moderated session, so it is public at once;
the projector refreshes itself), and in B's moderation queue; the replicas share nothing but the database."""
from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import date

import pytest
from playwright.sync_api import expect
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError

from domain.auth import hash_password
from domain.sessions import SessionSettings
from domain.stories import receipt_hash
from storage import areas, sessions
from storage.config import redact_url
from storage.db import make_session_factory, write_scope
from storage.seed import write_fixture_database
from storage.tables import StoryRow
from browsersteps import (MAP_IFRAME, fill_and_send, go_to, no_map, open_kiosk, pick_session, receipt_on_screen,
                          sign_in)
from testsupport import (FIXTURE_NOW, free_port, fresh_pg_database, reading, skip_or_fail, start_app_server,
                         wait_for_app_run)

PG_URL_ENV = "BUURTBEELD_TEST_PG_URL"
PASSWORD = "replica-begeleider-wachtwoord"  # test-only; the replicas get its hash
STORY = "Replica-test: de bankjes bij de vijver zijn kapot"
REFRESH_S = 5  # SessionSettings.refresh_seconds default: the projector's own refresh


@dataclass(frozen=True)
class Replicas:
    db_url: str
    session_code: str
    a: str
    b: str


@pytest.fixture(scope="module")
def replicas(browser, tmp_path_factory) -> Iterator[Replicas]:
    """A fresh PostgreSQL database with the demo seed and one open werksessie, served by two app processes."""
    base_url = os.environ.get(PG_URL_ENV)
    if not base_url:
        skip_or_fail(f"the replica test needs PostgreSQL: set {PG_URL_ENV} (scripts/test_postgres.sh start)")
    workdir = tmp_path_factory.mktemp("replicas")
    with ExitStack() as stack:
        try:
            db_url = stack.enter_context(fresh_pg_database(base_url, "buurtbeeld_r"))
        except DBAPIError as err:
            skip_or_fail(f"PostgreSQL at {redact_url(base_url)} is not usable: {err.orig}")
        write_fixture_database(db_url, now=FIXTURE_NOW)
        code = _open_session(db_url)
        env = {**os.environ, "APP_DB_URL": db_url, "BUURTBEELD_FACILITATOR_PASSWORD_HASH": hash_password(PASSWORD)}
        a = stack.enter_context(start_app_server(env, free_port(), log=workdir / "replica-a.log"))
        b = stack.enter_context(start_app_server(env, free_port(), log=workdir / "replica-b.log"))
        yield Replicas(db_url, code, a, b)


def _open_session(db_url: str) -> str:
    factory = make_session_factory(db_url)
    try:
        with write_scope(factory) as s:
            municipality = areas.active_municipality(s)
            created = sessions.create_session(s, title="Replica-test: wijkavond", municipality_id=municipality.id,
                                              area_codes=[], actor="test", now=FIXTURE_NOW,
                                              session_date=date(2026, 12, 1),
                                              settings=SessionSettings(moderation="post"))
        return created.code
    finally:
        factory.kw["bind"].dispose()


def _stored(db_url: str, code: str) -> tuple[int, str] | None:
    with reading(db_url) as s:
        row = s.scalar(select(StoryRow).where(StoryRow.receipt_hash == receipt_hash(code)))
        return (row.id, row.text) if row else None


def open_projector(page, code: str) -> None:
    """Sidebar link (same websocket session, so still signed in), pick the session, show the stories stage."""
    go_to(page, "Projector")
    pick_session(page, code)
    expect(page.frame_locator(MAP_IFRAME).locator(".leaflet-container")).to_be_visible(timeout=30_000)
    page.get_by_role("button", name="▶").click()  # from the numbers to the stories stage
    expect(page.locator(".bb-stage")).to_have_attribute("data-stage", "stories", timeout=20_000)
    wait_for_app_run(page, settle_ms=300)


def send_story_from_kiosk(page, base: str, code: str) -> str:
    """The kiosk's no-map path, by touch; returns the receipt code on screen."""
    open_kiosk(page, base, code)
    no_map(page, "Kerkbuurt")
    fill_and_send(page, STORY)
    return receipt_on_screen(page)


def test_a_story_sent_on_replica_a_shows_on_the_open_projector_of_replica_b(replicas, projector_page, tablet_page):
    projector, kiosk = projector_page, tablet_page
    sign_in(projector, replicas.b, PASSWORD)
    open_projector(projector, replicas.session_code)
    expect(projector.get_by_text(STORY)).to_have_count(0)

    receipt = send_story_from_kiosk(kiosk, replicas.a, replicas.session_code)
    stored = _stored(replicas.db_url, receipt)
    assert stored is not None and stored[1] == STORY

    # Replica B reads it from the database on its own refresh (every 5 s), without a reload or a touch.
    expect(projector.get_by_text(STORY)).to_be_visible(timeout=2 * REFRESH_S * 1000 + 10_000)
    for page in (projector, kiosk):
        assert page.external_requests == [] and page.page_errors == []
