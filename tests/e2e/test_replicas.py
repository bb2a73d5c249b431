"""Two app replicas on one PostgreSQL database (issue 7): a resident's story sent from the kiosk on replica A
reaches the facilitator's moderation queue on replica B, which is already open and notices the new story on
its own (the queue's 10-second check), without sharing anything but the database."""
from __future__ import annotations

import os
import re
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
from storage.db import make_session_factory, read_scope, write_scope
from storage.seed import write_fixture_database
from storage.tables import StoryRow
from testsupport import (FIXTURE_NOW, fresh_pg_database, free_port, skip_or_fail, start_app_server,
                         wait_for_app_run)

PG_URL_ENV = "BUURTBEELD_TEST_PG_URL"
PASSWORD = "replica-begeleider-wachtwoord"  # test-only; the replicas get its hash
STORY = "Replica-test: de bankjes bij de vijver zijn kapot"
RECEIPT = re.compile(r"^[2-9A-Z]{2}-[2-9A-Z]{3}$")


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
                                              session_date=date(2026, 12, 1), settings=SessionSettings())
        return created.code
    finally:
        factory.kw["bind"].dispose()


def _stored(db_url: str, code: str) -> tuple[int, str] | None:
    factory = make_session_factory(db_url)
    try:
        with read_scope(factory) as s:
            row = s.scalar(select(StoryRow).where(StoryRow.receipt_hash == receipt_hash(code)))
            return (row.id, row.text) if row else None
    finally:
        factory.kw["bind"].dispose()


def sign_in_and_open_queue(page, base: str) -> None:
    page.goto(base)
    wait_for_app_run(page)
    page.get_by_test_id("stSidebar").get_by_role("link", name="Inloggen").click()
    wait_for_app_run(page)
    main = page.get_by_test_id("stMain")
    main.get_by_role("textbox", name="Uw naam (voor het logboek)").fill("Anna")
    main.get_by_role("textbox", name="Wachtwoord").fill(PASSWORD)
    main.get_by_role("button", name="Inloggen").click()
    expect(page.get_by_text("Ingelogd als Anna (Begeleider)").first).to_be_visible(timeout=20_000)
    page.get_by_test_id("stSidebar").get_by_role("link", name="Moderatie").click()  # same websocket session
    wait_for_app_run(page, settle_ms=300)


def send_story_from_kiosk(page, base: str, code: str) -> str:
    """The kiosk's no-map path, by touch, as in test_kiosk.py; returns the receipt code on screen."""
    page.goto(f"{base}/?kiosk=1&session={code}")
    wait_for_app_run(page)
    page.get_by_text("Ik gebruik liever geen kaart").tap()
    wait_for_app_run(page)
    page.get_by_test_id("stSelectbox").filter(has_text="Uw buurt").click()
    page.keyboard.type("Kerkbuurt")
    page.get_by_role("option", name="Kerkbuurt", exact=True).click()
    wait_for_app_run(page)
    page.get_by_text("Wat kan beter?", exact=True).tap()
    wait_for_app_run(page)
    box = page.get_by_role("textbox", name="Schrijf uw verhaal")
    box.fill(STORY)
    box.blur()
    wait_for_app_run(page)
    page.get_by_text("Ik heb dit gelezen en doe mee").tap()
    wait_for_app_run(page)
    page.get_by_role("button", name="Verhaal versturen").tap()
    expect(page.get_by_role("heading", name="Dank u wel!")).to_be_visible(timeout=20_000)
    receipt = page.locator(".bb-receipt").inner_text().strip()
    assert RECEIPT.match(receipt), receipt
    return receipt


def test_a_story_sent_on_replica_a_reaches_the_open_queue_on_replica_b(replicas, projector_page, tablet_page):
    facilitator, kiosk = projector_page, tablet_page
    sign_in_and_open_queue(facilitator, replicas.b)
    expect(facilitator.get_by_role("combobox", name="Sessie")).to_have_value(
        re.compile(re.escape(replicas.session_code)), timeout=20_000)
    expect(facilitator.get_by_text(STORY)).to_have_count(0)

    receipt = send_story_from_kiosk(kiosk, replicas.a, replicas.session_code)
    stored = _stored(replicas.db_url, receipt)
    assert stored is not None and stored[1] == STORY

    # Replica B learns of it from the database within one check interval (10 s), without a reload.
    expect(facilitator.get_by_text("Er zijn 1 nieuwe verhalen binnengekomen.")).to_be_visible(timeout=25_000)
    facilitator.get_by_role("button", name="Vernieuwen").click()
    card = facilitator.locator('[class*="st-key-moderation-card-"]').filter(has_text=STORY)
    expect(card).to_be_visible(timeout=20_000)
    assert f"#{stored[0]}" in card.inner_text()
    for page in (facilitator, kiosk):
        assert page.external_requests == [] and page.page_errors == []
