"""The projector in Chromium at 1920×1080, offline: the staged reveal stepped with the keyboard (clicker keys),
and a story approved while the projector is open (submitted and approved through storage, as the kiosk and the
moderation page store them) appears within two refresh intervals while a marker set inside the map iframe
survives — the map was not re-mounted, and the zoom the facilitator chose stays."""
from __future__ import annotations

import time

from browsersteps import go_to, kiosk_map_settled, pick_session, sign_in
from conftest import E2E_FACILITATOR_PASSWORD
from facilitatorsupport import DEMO_CODE, moderate, submit
from playwright.sync_api import expect
from testsupport import wait_for_app_run, writing

MAP_IFRAME = 'iframe[title="streamlit_folium.st_folium"]'
REFRESH_S = 5  # SessionSettings.refresh_seconds default, used by the demo session
STORY = "Projectortest: de nieuwe moestuin achter de school is een droom"


def idle(page) -> None:
    wait_for_app_run(page, settle_ms=300, timeout=90_000)  # the shared CI box can be slow to start a run


def open_projector(page, app_server: str) -> None:
    sign_in(page, app_server, E2E_FACILITATOR_PASSWORD)
    go_to(page, "Projector")
    pick_session(page, DEMO_CODE)
    expect(page.frame_locator(MAP_IFRAME).locator(".leaflet-container")).to_be_visible(timeout=30_000)


def stage(page) -> str:
    return page.locator(".bb-stage").get_attribute("data-stage")


def map_frame(page):
    return page.locator(MAP_IFRAME).element_handle().content_frame()


def test_reveal_steps_with_clicker_keys(app_server, projector_page):
    page = projector_page
    open_projector(page, app_server)
    expect(page.get_by_test_id("stSidebar")).to_be_hidden()  # no Streamlit chrome on the projector
    seen = [stage(page)]
    for key in ["PageDown", "ArrowRight", "PageDown", "PageDown", "PageUp", "ArrowLeft"]:
        before = stage(page)
        page.locator(".bb-stage").click()  # focus on the page, not on a widget or inside the map
        page.keyboard.press(key)
        if not (before == "compare" and key in ("PageDown", "ArrowRight")):
            expect(page.locator(".bb-stage")).not_to_have_attribute("data-stage", before, timeout=20_000)
        idle(page)
        seen.append(stage(page))
    assert seen == ["numbers", "stories", "both", "compare", "compare", "both", "stories"]
    assert not page.page_errors and not page.external_requests


def test_approved_story_appears_live_without_remounting_the_map(app_server, app_server_db_url, projector_page):
    page = projector_page
    open_projector(page, app_server)
    page.locator(".bb-stage").click()
    page.keyboard.press("PageDown")  # stage 2: stories on the plain outlines
    expect(page.locator(".bb-stage")).to_have_attribute("data-stage", "stories", timeout=20_000)
    idle(page)
    frame = map_frame(page)
    frame.locator(".leaflet-control-zoom-in").click()
    page.wait_for_timeout(600)
    frame = map_frame(page)
    frame.evaluate("window.__mounted = 1")
    zoom = frame.evaluate("window.map.getZoom()")
    pins_before = frame.evaluate("document.querySelectorAll('.bb-kind, .marker-cluster').length")
    assert pins_before > 0

    story_id, _ = submit(app_server_db_url, STORY, kind="dream")
    moderate(app_server_db_url, story_id, "approve", actor="Anna")
    approved_at = time.monotonic()
    expect(page.get_by_text(STORY)).to_be_visible(timeout=2 * REFRESH_S * 1000 + 5_000)  # + slack for a busy CI box
    waited = time.monotonic() - approved_at

    frame = map_frame(page)
    assert frame.evaluate("window.__mounted") == 1, "the map iframe was re-mounted"
    assert frame.evaluate("window.map.getZoom()") == zoom
    assert waited <= 2 * REFRESH_S + 5
    assert not page.page_errors and not page.external_requests


def test_a_dot_from_a_kiosk_changes_the_ranking_on_the_projector(app_server, app_server_db_url, projector_page,
                                                                 tablet_page):
    from datetime import UTC, datetime

    from storage import sessions, vision

    story_id, _ = submit(app_server_db_url, "Projectortest: meer bomen langs de singel", kind="dream")
    moderate(app_server_db_url, story_id, "approve", actor="Anna")
    with writing(app_server_db_url) as s:
        session_id = sessions.get_session_by_code(s, DEMO_CODE).id
        vision.create_theme(s, session_id, "E2E bomen", [story_id], actor="Anna", now=datetime.now(UTC))

    open_projector(projector_page, app_server)
    expect(projector_page.get_by_text("E2E bomen —")).to_have_count(0)
    tablet_page.goto(f"{app_server}/?kiosk=1&session={DEMO_CODE}")
    kiosk_map_settled(tablet_page)  # a tap during the map's first rerun can go unanswered
    tablet_page.get_by_role("button", name="Stem op thema's").click()
    idle(tablet_page)
    expect(tablet_page.get_by_text("E2E bomen", exact=True)).to_be_visible()
    tablet_page.get_by_role("button", name="Stip op dit thema").first.click()  # the only theme in this session
    expect(tablet_page.get_by_text("Uw stip is geplaatst.")).to_be_visible(timeout=30_000)
    expect(projector_page.get_by_text("E2E bomen — 1", exact=False)).to_be_visible(timeout=2 * REFRESH_S * 1000 + 5_000)
