"""The facilitator in Chromium, offline: sign in, create a pre-moderated session and read its join code, a resident
submits a story on the kiosk (a second browser context, from the session's own kiosk address), the story is not
public (not on the projector, a third context, nor in `public_stories`), the facilitator redacts and approves it
in the queue, it appears on the projector by itself, redacted, and the audit trail shows every act; and a
facilitator page typed in without signing in shows the sign-in, not the page."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from browsersteps import MAP_IFRAME, go_to, pick_session, settle, sign_in
from conftest import E2E_FACILITATOR_PASSWORD
from facilitatorsupport import public_ids, story

TITLE = "E2E: wijkavond Kerkbuurt"
STORY = "De speeltuin is mooi, maar bel Jan op 0612345678 als het hek weer openstaat"
REDACTED = STORY.replace("0612345678", "[...]")
REFRESH_S = 5  # SessionSettings.refresh_seconds default: the projector reads the database this often


def create_session(page) -> str:
    go_to(page, "Werksessies")
    page.get_by_test_id("stMain").get_by_text("Nieuwe sessie", exact=True).click()
    settle(page)
    page.get_by_role("textbox", name="Titel").fill(TITLE)
    page.get_by_role("textbox", name="Titel").press("Tab")
    settle(page)
    page.get_by_role("button", name="Sessie maken").click()
    expect(page.get_by_text(re.compile(r'Sessie "E2E: wijkavond Kerkbuurt" is gemaakt'))).to_be_visible(timeout=20_000)
    code = page.get_by_test_id("stMetricValue").first.inner_text().strip()
    assert re.fullmatch(r"[2-9A-Z]{6}", code), code
    kiosk_url = page.get_by_test_id("stCode").first.inner_text().strip()
    assert kiosk_url.endswith(f"/?kiosk=1&session={code}")
    expect(page.get_by_test_id("stImage").first).to_be_visible()  # the QR code
    return code


def submit_on_kiosk(page, app_server: str, code: str) -> None:
    page.goto(f"{app_server}/?kiosk=1&session={code}")
    settle(page)
    page.get_by_text("Ik gebruik liever geen kaart").click()
    settle(page)
    page.get_by_test_id("stSelectbox").filter(has_text="Uw buurt").click()
    page.keyboard.type("Kerkbuurt")
    page.get_by_role("option", name="Kerkbuurt", exact=True).click()
    settle(page)
    page.get_by_text("Wat kan beter?", exact=True).click()
    settle(page)
    box = page.get_by_role("textbox", name="Schrijf uw verhaal")
    box.fill(STORY)
    box.blur()
    settle(page)
    page.get_by_text("Ik heb dit gelezen en doe mee").click()
    settle(page)
    page.get_by_role("button", name="Verhaal versturen").click()
    expect(page.get_by_role("heading", name="Dank u wel!")).to_be_visible(timeout=20_000)


def open_projector(page, app_server: str, code: str) -> None:
    """The room's screen: the session's projector view at the stage that shows stories."""
    sign_in(page, app_server, E2E_FACILITATOR_PASSWORD)
    go_to(page, "Projector")
    pick_session(page, code)
    page.locator(".bb-stage").click()
    page.keyboard.press("PageDown")
    expect(page.locator(".bb-stage")).to_have_attribute("data-stage", "stories", timeout=20_000)
    settle(page)
    expect(page.frame_locator(MAP_IFRAME).locator(".leaflet-container")) \
        .to_be_visible(timeout=30_000)


def test_kiosk_story_is_public_only_after_the_facilitator_approves_it(app_server, app_server_db_url, browser):
    from conftest import offline_page

    with offline_page(browser, viewport={"width": 1920, "height": 1080}) as facilitator, \
            offline_page(browser, viewport={"width": 768, "height": 1024}) as kiosk, \
            offline_page(browser, viewport={"width": 1920, "height": 1080}) as projector:
        sign_in(facilitator, app_server, E2E_FACILITATOR_PASSWORD)
        code = create_session(facilitator)
        submit_on_kiosk(kiosk, app_server, code)
        open_projector(projector, app_server, code)  # drawn after the story came in: it would show if public
        expect(projector.get_by_text(STORY)).to_have_count(0)

        go_to(facilitator, "Moderatie")  # opens on the session just created
        expect(facilitator.get_by_role("combobox", name="Sessie")).to_have_value(re.compile(code))
        card = facilitator.locator('[class*="st-key-moderation-card-"]').filter(has_text=STORY)
        expect(card).to_be_visible(timeout=20_000)
        story_id = int(re.search(r"#(\d+)", card.inner_text()).group(1))
        assert story(app_server_db_url, story_id).status == "pending"
        assert story_id not in public_ids(app_server_db_url, code)  # pre-moderation: nothing public yet
        expect(card.get_by_text("Voorstel: Voorzieningen (op grond van: speeltuin)")).to_be_visible()

        card.get_by_text("Inkorten, labelen, dubbel markeren").click()
        card.get_by_role("textbox", name="Stuk tekst om weg te laten").fill("0612345678")
        card.get_by_role("button", name="Weglaten").click()
        settle(facilitator)
        expect(facilitator.get_by_text(f"In verhaal #{story_id} is het stuk tekst weggelaten.")).to_be_visible()
        assert story_id not in public_ids(app_server_db_url, code)  # redacting is not approving

        card.get_by_role("button", name="Goedkeuren").click()
        settle(facilitator)
        expect(facilitator.get_by_text(f"Verhaal #{story_id} is goedgekeurd.")).to_be_visible(timeout=20_000)
        assert public_ids(app_server_db_url, code) == [story_id]
        # the projector picks it up by itself, redacted; the removed number never reaches the room
        expect(projector.get_by_text(REDACTED)).to_be_visible(timeout=2 * REFRESH_S * 1000 + 10_000)
        expect(projector.get_by_text("0612345678")).to_have_count(0)
        approved = story(app_server_db_url, story_id)
        assert approved.status == "approved" and "0612345678" not in approved.text and "[...]" in approved.text

        # the full audit trail, oldest first, with the original text for the facilitator only
        facilitator.get_by_role("combobox", name="Status").click()
        facilitator.get_by_role("option", name="Goedgekeurd").click()
        facilitator.keyboard.press("Escape")
        settle(facilitator)
        card = facilitator.locator('[class*="st-key-moderation-card-"]').filter(has_text="[...]")
        card.get_by_text("Logboek (3)").click()
        expect(card.get_by_text(STORY, exact=True)).to_be_visible()
        for page in (facilitator, kiosk, projector):
            assert page.external_requests == [] and page.page_errors == []


def test_a_facilitator_page_typed_in_without_signing_in_shows_the_sign_in(app_server, projector_page):
    page = projector_page
    for path in ("moderatie", "sessies"):
        page.goto(f"{app_server}/{path}")
        settle(page)
        main = page.get_by_test_id("stMain")
        expect(main.get_by_role("heading", name="Deze pagina is alleen voor begeleiders of analisten")).to_be_visible()
        expect(main.get_by_role("button", name="Inloggen")).to_be_visible()
        for text in ("Wacht op beoordeling", "Deelcode", "Goedkeuren"):
            expect(main.get_by_text(text)).to_have_count(0)
        expect(page.get_by_test_id("stSidebar").get_by_role("link", name="Moderatie")).to_have_count(0)
