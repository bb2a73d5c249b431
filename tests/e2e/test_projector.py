"""The projector in Chromium at 1920×1080, offline: the staged reveal stepped with the keyboard (clicker keys),
and a story approved while the projector is open (submitted and approved through storage, as the kiosk and the
moderation page store them) appears by itself while a marker set inside the map iframe survives — the map was
not re-mounted, and the zoom the facilitator chose stays; a dot from a kiosk changes the room's ranking.

Each test works in a werksessie of its own, so the demo session other browser tests look at stays as it was."""
from __future__ import annotations

from datetime import UTC, datetime

from browsersteps import MAP_AT_REST, MAP_IFRAME, go_to, kiosk_map_settled, map_frame, pick_session, settle, sign_in
from conftest import E2E_FACILITATOR_PASSWORD
from facilitatorsupport import moderate, submit
from kiosksupport import make_session
from playwright.sync_api import expect
from testsupport import reading, writing

from storage import sessions, vision

REFRESH_S = 2  # the sessions below refresh their projector this often (the form's minimum)
STORY = "Projectortest: de nieuwe moestuin achter de school is een droom"


def open_projector(page, app_server: str, code: str) -> None:
    sign_in(page, app_server, E2E_FACILITATOR_PASSWORD)
    go_to(page, "Projector")
    pick_session(page, code)
    expect(page.frame_locator(MAP_IFRAME).locator(".leaflet-container")).to_be_visible(timeout=30_000)


def session_with_a_story(db_url: str, title: str, text: str) -> tuple[str, int]:
    """A werksessie of its own with one approved story; returns (join code, story id)."""
    code = make_session(db_url, title, refresh_seconds=REFRESH_S)
    story_id, _ = submit(db_url, text, code=code, kind="dream")
    moderate(db_url, story_id, "approve", actor="Anna")
    return code, story_id


def stage(page) -> str:
    return page.locator(".bb-stage").get_attribute("data-stage")


def test_reveal_steps_with_clicker_keys(app_server, app_server_db_url, projector_page):
    page = projector_page
    code, _ = session_with_a_story(app_server_db_url, "E2E projector: stappen", "Projectortest: een pin")
    open_projector(page, app_server, code)
    expect(page.get_by_test_id("stSidebar")).to_be_hidden()  # no Streamlit chrome on the projector
    seen = [stage(page)]
    for key in ["PageDown", "ArrowRight", "PageDown", "PageDown", "PageUp", "ArrowLeft"]:
        before = stage(page)
        page.locator(".bb-stage").click()  # focus on the page, not on a widget or inside the map
        page.keyboard.press(key)
        if not (before == "compare" and key in ("PageDown", "ArrowRight")):
            expect(page.locator(".bb-stage")).not_to_have_attribute("data-stage", before, timeout=20_000)
        settle(page)
        seen.append(stage(page))
    assert seen == ["numbers", "stories", "both", "compare", "compare", "both", "stories"]
    assert not page.page_errors and not page.external_requests


def test_approved_story_appears_live_without_remounting_the_map(app_server, app_server_db_url, projector_page):
    page = projector_page
    code, _ = session_with_a_story(app_server_db_url, "E2E projector: live", "Projectortest: er staat al een pin")
    open_projector(page, app_server, code)
    page.locator(".bb-stage").click()
    page.keyboard.press("PageDown")  # stage 2: stories on the plain outlines
    expect(page.locator(".bb-stage")).to_have_attribute("data-stage", "stories", timeout=20_000)
    settle(page)
    frame = map_frame(page)
    zoom = frame.evaluate("window.map.getZoom()")
    frame.locator(".leaflet-control-zoom-in").click()
    frame.wait_for_function(f"() => window.map.getZoom() > {zoom} && ({MAP_AT_REST})()")
    zoom = frame.evaluate("window.map.getZoom()")
    frame.evaluate("window.__mounted = 1")
    pins_before = frame.evaluate("document.querySelectorAll('.bb-kind, .marker-cluster').length")
    assert pins_before > 0

    story_id, _ = submit(app_server_db_url, STORY, code=code, kind="dream")
    moderate(app_server_db_url, story_id, "approve", actor="Anna")
    expect(page.get_by_text(STORY)).to_be_visible(timeout=30_000)  # nobody touches the page: its own refresh

    frame = map_frame(page)
    assert frame.evaluate("window.__mounted") == 1, "the map iframe was re-mounted"
    assert frame.evaluate("window.map.getZoom()") == zoom
    assert not page.page_errors and not page.external_requests


def test_a_dot_from_a_kiosk_changes_the_ranking_on_the_projector(app_server, app_server_db_url, projector_page,
                                                                 tablet_page):
    code, story_id = session_with_a_story(app_server_db_url, "E2E projector: stippen",
                                          "Projectortest: meer bomen langs de singel")
    with writing(app_server_db_url) as s:
        session_id = sessions.get_session_by_code(s, code).id
        vision.create_theme(s, session_id, "E2E bomen", [story_id], actor="Anna", now=datetime.now(UTC))

    open_projector(projector_page, app_server, code)
    expect(projector_page.get_by_text("E2E bomen —")).to_have_count(0)
    tablet_page.goto(f"{app_server}/?kiosk=1&session={code}")
    kiosk_map_settled(tablet_page)  # a tap during the map's first rerun can go unanswered
    tablet_page.get_by_role("button", name="Stem op thema's").click()
    settle(tablet_page)
    expect(tablet_page.get_by_text("E2E bomen", exact=True)).to_be_visible()
    tablet_page.get_by_role("button", name="Stip op dit thema").first.click()  # the only theme in this session
    expect(tablet_page.get_by_text("Uw stip is geplaatst.")).to_be_visible(timeout=30_000)
    expect(projector_page.get_by_text("E2E bomen — 1", exact=False)).to_be_visible(timeout=30_000)
    with reading(app_server_db_url) as s:
        assert [t.votes for t in vision.list_themes(s, session_id)] == [1]
