"""The vision board in Chromium at 1920×1080, offline: a facilitator selects approved stories, groups them as a
named theme, sees it in the live ranking, and records an agreed action (what, who, by when, buurten, themes)
that then appears in the list; a theme name with markup stays text. And on a kiosk tablet: the idle reset ends
a voting visit, so the next resident gets fresh dots (components/kiosk_vote.py).

Each test works in a werksessie of its own, so the demo session other browser tests look at stays as it was."""
from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from browsersteps import go_to, kiosk_map_settled, pass_idle_time, pick_session, settle, sign_in
from conftest import E2E_FACILITATOR_PASSWORD
from facilitatorsupport import KERKBUURT, moderate, submit
from kiosksupport import buurt_name, make_session
from playwright.sync_api import expect
from testsupport import reading, writing

from storage import sessions, vision

THEME = "<b>Groen</b> & spelen"
STORIES = ("Visiebordtest: een moestuin op het braakliggende veld", "Visiebordtest: bankjes bij de speeltuin")
ACTION = "Visiebordtest: geveltuintjes aanleggen met de bewoners"
OWNER = "Bewonersgroep <i>Kerkbuurt</i>"
DUE = date(2027, 3, 15)

pytestmark = pytest.mark.usefixtures("patient_expect")


def session_with_stories(db_url: str, title: str, texts, **settings) -> tuple[str, int, list[int]]:
    """(join code, session id, story ids) of a new session whose stories are approved."""
    code = make_session(db_url, title, **settings)
    story_ids = []
    for text in texts:
        story_id, _ = submit(db_url, text, code=code, kind="idea", buurt=KERKBUURT)
        moderate(db_url, story_id, "approve", actor="Anna")
        story_ids.append(story_id)
    with reading(db_url) as s:
        session_id = sessions.get_session_by_code(s, code).id
    return code, session_id, story_ids


def open_vision_board(page, app_server: str, code: str) -> None:
    sign_in(page, app_server, E2E_FACILITATOR_PASSWORD)
    go_to(page, "Visiebord")
    expect(page.get_by_role("heading", name="Visiebord: samen aan de slag")).to_be_visible()
    pick_session(page, code)


def pick(page, widget: str, option: str) -> None:
    """Choose `option` in the multiselect labelled `widget`: typed to filter, as the long list only draws the
    options in view (the list is a popover outside the widget)."""
    box = page.get_by_test_id("stMultiSelect").filter(has_text=widget).get_by_role("combobox")
    box.click()
    box.fill(option)
    page.get_by_role("option").filter(has_text=option).click()
    page.keyboard.press("Escape")
    expect(page.get_by_test_id("stMultiSelect").filter(has_text=widget)).to_contain_text(option)


def test_group_stories_into_a_theme_and_record_an_action(app_server, app_server_db_url, projector_page):
    page = projector_page
    code, session_id, story_ids = session_with_stories(app_server_db_url, "E2E visiebord", STORIES)
    open_vision_board(page, app_server, code)
    main = page.get_by_test_id("stMain")
    expect(main.get_by_text("Nog geen thema's.", exact=False)).to_be_visible()

    # group: select both stories, name the theme (with markup), "Groepeer als thema"
    for text in STORIES:
        pick(page, "Kies goedgekeurde verhalen", text)
    main.get_by_role("textbox", name="Naam van het thema").fill(THEME)
    main.get_by_role("button", name="Groepeer als thema").click()
    expect(main.get_by_text("Het thema is gemaakt.")).to_be_visible()
    settle(page)

    ranking = page.locator(".st-key-vision-ranking")
    expect(ranking.get_by_text(f"1. {THEME} — 0 stippen", exact=True)).to_be_visible()
    expect(ranking.locator("b")).to_have_count(0)  # the name is text, not markup
    with reading(app_server_db_url) as s:
        [theme] = vision.list_themes(s, session_id)
    assert (theme.name, sorted(theme.story_ids)) == (THEME, sorted(story_ids))

    # the agreed action: what, who, by when, which buurten, which themes
    main.get_by_role("tab", name="Afspraken").click()
    main.get_by_role("textbox", name="Wat gaan we doen?").fill(ACTION)
    main.get_by_role("textbox", name="Wie trekt het?").fill(OWNER)
    due = main.get_by_test_id("stDateInput").filter(has_text="Wanneer klaar?")
    due.get_by_role("spinbutton").first.click()
    page.keyboard.type(DUE.strftime("%d%m%Y"))  # DD-MM-YYYY; each segment moves on when it is full
    page.keyboard.press("Escape")  # close the calendar
    expect(due.get_by_role("spinbutton")).to_have_text([f"{DUE:%d}", f"{DUE:%m}", f"{DUE:%Y}"])
    kerkbuurt = buurt_name(app_server_db_url, KERKBUURT)
    pick(page, "Welke buurten?", kerkbuurt)
    pick(page, "Bij welke thema's?", THEME)
    main.get_by_role("button", name="Afspraak vastleggen").click()
    expect(main.get_by_text("De afspraak is vastgelegd.")).to_be_visible()
    settle(page)

    main.get_by_role("tab", name="Afspraken").click()
    listed = main.get_by_test_id("stVerticalBlock").filter(has=page.get_by_text(ACTION, exact=True)).last
    expect(listed).to_contain_text(f"Wie trekt het?: {OWNER}")
    expect(listed).to_contain_text(f"Wanneer klaar?: {DUE:%d-%m-%Y}")
    expect(listed).to_contain_text(kerkbuurt)
    expect(listed).to_contain_text(THEME)
    expect(main.locator("b, i")).to_have_count(0)
    with reading(app_server_db_url) as s:
        [action] = vision.list_actions(s, session_id)
    assert (action.what, action.owner, action.due_date, action.buurt_codes, action.theme_ids) == (
        ACTION, OWNER, DUE, (KERKBUURT,), (theme.id,))
    assert page.page_errors == [] and page.external_requests == []


def test_the_idle_reset_gives_the_next_resident_fresh_dots(app_server, app_server_db_url, tablet_page):
    page = tablet_page
    page.clock.install()  # the idle time passes on the page's clock when the test says so, never by itself
    code, session_id, story_ids = session_with_stories(app_server_db_url, "E2E visiebord: kiosk vergeet stippen",
                                                       ["Visiebordtest: meer licht op het pad"], idle_seconds=20)
    with writing(app_server_db_url) as s:
        vision.create_theme(s, session_id, "Licht", story_ids, actor="Anna", now=datetime.now(UTC))
    page.goto(f"{app_server}/?kiosk=1&session={code}")
    kiosk_map_settled(page)
    page.get_by_role("button", name="Stem op thema's").tap()
    expect(page.get_by_text("Stippen die u nog kunt geven: 3")).to_be_visible()
    settle(page)  # a tap while the vote screen is still being drawn can be lost
    page.get_by_role("button", name="Stip op dit thema").tap()
    expect(page.get_by_text("Stippen die u nog kunt geven: 2")).to_be_visible()

    # the resident walks away without "Klaar met stemmen"
    settle(page)
    page.evaluate("() => { window.__stillHere = true; }")
    pass_idle_time(page, 21)
    page.wait_for_function("() => window.__stillHere !== true")
    kiosk_map_settled(page)
    page.get_by_role("button", name="Stem op thema's").tap()
    expect(page.get_by_text("Stippen die u nog kunt geven: 3")).to_be_visible()
    settle(page)  # a tap while the vote screen is still being drawn can be lost
    page.get_by_role("button", name="Stip op dit thema").tap()
    expect(page.get_by_text("Stippen die u nog kunt geven: 2")).to_be_visible()
    with reading(app_server_db_url) as s:
        assert [t.votes for t in vision.list_themes(s, session_id)] == [2]
    assert page.page_errors == [] and page.external_requests == []
