"""Steps shared by the browser tests (importable as `browsersteps`: pytest puts tests/e2e/ on sys.path for the
tests in it): the map iframe, a finished script run, a facilitator signing in and moving between pages, and the
resident kiosk's steps by touch, with its idle time passed on the page's own clock."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from testsupport import wait_for_app_run

RECEIPT = re.compile(r"^[2-9A-Z]{2}-[2-9A-Z]{3}$")
MAP_IFRAME = 'iframe[title="streamlit_folium.st_folium"]'
MAP_AT_REST = "() => !window.map._animatingZoom && !(window.map._panAnim && window.map._panAnim._inProgress)"


def settle(page) -> None:
    """The script run has finished (generous: a cold server's first map page is slow on a busy machine)."""
    wait_for_app_run(page, settle_ms=300, timeout=90_000)


def map_frame(page):
    """The streamlit-folium map's frame once Leaflet has drawn its layers (`window.map` is the map)."""
    expect(page.locator(MAP_IFRAME)).to_be_visible(timeout=30_000)
    frame = page.locator(MAP_IFRAME).element_handle().content_frame()
    frame.wait_for_function("() => window.map && document.querySelector("
                            "'.leaflet-overlay-pane canvas, .leaflet-overlay-pane svg')", timeout=30_000)
    return frame


# ---------------------------------------------------------------- facilitator


def go_to(page, link: str) -> None:
    """A sidebar link: same websocket session, so still signed in."""
    page.get_by_test_id("stSidebar").get_by_role("link", name=link).click()
    settle(page)


def sign_in(page, base: str, password: str, *, name: str = "Anna") -> None:
    """Sign in as facilitator from the start page."""
    page.goto(base)
    settle(page)
    go_to(page, "Inloggen")
    main = page.get_by_test_id("stMain")
    main.get_by_role("textbox", name="Uw naam (voor het logboek)").fill(name)
    main.get_by_role("textbox", name="Wachtwoord").fill(password)
    main.get_by_role("button", name="Inloggen").click()
    expect(page.get_by_text(f"Ingelogd als {name} (Begeleider)").first).to_be_visible(timeout=30_000)



def pick_session(page, code: str) -> None:
    """Choose werksessie `code` in the page's session picker (labelled "Sessie"; shown or collapsed)."""
    box = page.get_by_role("combobox", name="Sessie")
    expect(box).to_be_visible(timeout=30_000)
    if code not in (box.input_value() or ""):
        box.click()
        page.get_by_role("option").filter(has_text=code).first.click()
        settle(page)
    expect(box).to_have_value(re.compile(re.escape(code)))


# ---------------------------------------------------------------- resident kiosk


def open_kiosk(page, app_server: str, code: str, **params) -> None:
    query = "&".join(f"{k}={v}" for k, v in {"kiosk": 1, "session": code, **params}.items())
    page.goto(f"{app_server}/?{query}")
    wait_for_app_run(page)


def story_box(page):
    return page.get_by_role("textbox", name="Schrijf uw verhaal")


def fill_and_send(page, text: str, *, kind: str = "Wat kan beter?", consent: bool = True) -> None:
    page.get_by_text(kind, exact=True).tap()
    wait_for_app_run(page)
    story_box(page).fill(text)
    story_box(page).blur()
    wait_for_app_run(page)
    if consent:
        page.get_by_text("Ik heb dit gelezen en doe mee").tap()
        wait_for_app_run(page)
    page.get_by_role("button", name="Verhaal versturen").tap()


def receipt_on_screen(page, timeout: float = 30_000) -> str:
    """The receipt code on the thank-you screen (a send is one rerun: slow on a busy machine)."""
    expect(page.get_by_role("heading", name="Dank u wel!")).to_be_visible(timeout=timeout)
    code = page.locator(".bb-receipt").inner_text().strip()
    assert RECEIPT.match(code), code
    return code


def kiosk_map_settled(page) -> None:
    """The kiosk's start screen once its map has reported its centre (drawn as the "pin here" button, in any
    language): a tap or typed text sent while that report's rerun is on its way can be lost on a loaded machine."""
    expect(page.locator('[class*="st-key-kiosk-pin_here"]')).to_be_visible(timeout=30_000)
    wait_for_app_run(page, settle_ms=300)


def pass_idle_time(page, seconds: float) -> None:
    """Move the page's clock `seconds` on, as if nobody touched the kiosk meanwhile (`page.clock.install()` before
    the kiosk was opened); the kiosk's idle check then runs once, on the new time."""
    page.clock.fast_forward(int(seconds * 1000))


def kept_after_idle_time(page, seconds: float) -> bool:
    """pass_idle_time, then wait for the kiosk's idle check to decide (components/kiosk.py sets
    `__bbKiosk.idleCheck`); True when it keeps the page as it is rather than starting afresh."""
    before = page.evaluate("() => Date.now()")
    pass_idle_time(page, seconds)
    page.wait_for_function("t => ((window.__bbKiosk || {}).idleCheck || {at: 0}).at > t", arg=before)
    return not page.evaluate("() => window.__bbKiosk.idleCheck.reset")


def no_map(page, buurt: str, place: str = "") -> None:
    kiosk_map_settled(page)
    page.get_by_text("Ik gebruik liever geen kaart").tap()
    wait_for_app_run(page)
    page.get_by_test_id("stSelectbox").filter(has_text="Uw buurt").click()
    page.keyboard.type(buurt)
    page.get_by_role("option", name=buurt, exact=True).click()
    wait_for_app_run(page)
    if place:
        page.get_by_role("textbox", name="Straat of plek (mag u leeg laten)").fill(place)
        page.keyboard.press("Tab")
        wait_for_app_run(page)
