"""The resident kiosk in Chromium on a 768×1024 touch screen, offline: tap the map inside the iframe, nudge the
pin by dragging the map with a finger, fill the form with a photo, submit, read the receipt, and find the story
in the database with the right buurt; the no-map path; the idle reset; withdrawal; Arabic right-to-left; markup
that never runs; one story for a double tap; no way out of the kiosk; an accessibility scan and touch targets.

Each test works in its own werksessie so the demo session other browser tests look at stays as it was."""
from __future__ import annotations

import io
import os
import re

import pytest
from PIL import Image
from playwright.sync_api import expect

from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from browsersteps import (MAP_AT_REST, MAP_IFRAME, fill_and_send, kept_after_idle_time, kiosk_map_settled, map_frame,
                          no_map, open_kiosk, pass_idle_time, receipt_on_screen, story_box)
from kiosksupport import (ALL_LANGUAGES, buurt_at, buurt_name, buurt_point, count_texts, jpeg_with_gps, make_session,
                          story, story_by_receipt, stories_with_token)
from testsupport import wait_for_app_run

KERKBUURT = "BU99990102"


# ---------------------------------------------------------------- helpers

pytestmark = pytest.mark.usefixtures("patient_expect")


def screen_point(page, frame, lat: float, lon: float) -> tuple[float, float]:
    """Where (lat, lon) is on the page, for a finger."""
    inner = frame.evaluate("([lat, lon]) => window.map.latLngToContainerPoint([lat, lon])", [lat, lon])
    box = page.locator(MAP_IFRAME).bounding_box()
    return box["x"] + inner["x"], box["y"] + inner["y"]


def finger_drag(page, start: tuple[float, float], end: tuple[float, float], steps: int = 10) -> None:
    """A real one-finger drag (touch events through the DevTools protocol; Playwright has only `tap`)."""
    cdp = page.context.new_cdp_session(page)
    (x0, y0), (x1, y1) = start, end
    cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": x0, "y": y0}]})
    for i in range(1, steps + 1):
        point = {"x": x0 + (x1 - x0) * i / steps, "y": y0 + (y1 - y0) * i / steps}
        cdp.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [point]})
        page.wait_for_timeout(16)  # one touch move per frame, at the pace a finger sends them
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    cdp.detach()


def pin_state(frame) -> str:
    """The pin state the map applied last (components/maps.py writes it to `data-pin`), once it has applied one."""
    frame.wait_for_function("() => window.map.getContainer().hasAttribute('data-pin')")
    return frame.evaluate("() => window.map.getContainer().getAttribute('data-pin')")


def assert_offline_and_clean(page) -> None:
    assert page.external_requests == []
    assert page.page_errors == []
    expect(page.get_by_test_id("stException")).to_have_count(0)


# ---------------------------------------------------------------- the main flow

def test_tap_nudge_photo_submit_receipt_and_stored_with_its_buurt(app_server, app_server_db_url, tablet_page):
    page = tablet_page
    code = make_session(app_server_db_url, "E2E kiosk: tik en schuif")
    open_kiosk(page, app_server, code)
    frame = map_frame(page)
    assert pin_state(frame) == "none"

    # tap inside Kerkbuurt
    lat, lon = buurt_point(app_server_db_url, KERKBUURT)
    x, y = screen_point(page, frame, lat, lon)
    page.touchscreen.tap(x, y)
    expect(page.get_by_text("De speld staat in Kerkbuurt.")).to_be_visible()
    frame.wait_for_function("() => window.map.getContainer().classList.contains('bb-pin-inside')")
    frame.wait_for_function("() => window.map.getZoom() === 15")

    # nudge: drag the map with a finger; the spot under the centre pin moves
    wait_for_app_run(page)
    before = frame.evaluate("() => window.map.getCenter()")
    for _attempt in range(3):  # a drag that starts while Leaflet still animates the centring is ignored
        frame.wait_for_function(MAP_AT_REST)
        frame.evaluate("() => { window.__bbMoved = false; "
                       "window.map.once('moveend', () => { window.__bbMoved = true; }); }")
        box = page.locator(MAP_IFRAME).bounding_box()
        middle = (box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        finger_drag(page, middle, (middle[0] + 70, middle[1] - 50))
        try:  # a drag Leaflet took ends in a moveend at once; a refused one never does
            frame.wait_for_function("() => window.__bbMoved", timeout=3_000)
            break
        except PlaywrightTimeoutError:
            continue
    frame.wait_for_function(MAP_AT_REST)
    centre = frame.evaluate("() => window.map.getCenter()")
    assert centre != before, "dragging the map with a finger did not move it"
    nudged_buurt = buurt_at(app_server_db_url, centre["lat"], centre["lng"])
    assert nudged_buurt is not None
    expect(page.get_by_text(f"De speld staat in {buurt_name(app_server_db_url, nudged_buurt)}.")).to_be_visible()
    wait_for_app_run(page)
    assert frame.evaluate("() => window.map.getZoom()") == 15  # the map stayed where the resident put it

    # the form, with a photo that carries GPS in its EXIF
    page.get_by_text("Waar bent u trots op?", exact=True).tap()
    wait_for_app_run(page)
    story_box(page).fill("De nieuwe bankjes bij de kerk zijn een succes.")
    expect(page.locator(".bb-count")).to_have_text("46 / 1000 tekens")  # live, before the box is left
    story_box(page).blur()
    wait_for_app_run(page)
    page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(
        files=[{"name": "bankjes.jpg", "mimeType": "image/jpeg", "buffer": jpeg_with_gps((1200, 800), (40, 120, 60))}])
    expect(page.get_by_text("Zo wordt uw foto opgeslagen.")).to_be_visible()
    page.get_by_role("radio", name="65 of ouder").tap()
    wait_for_app_run(page)
    page.get_by_role("radio", name="hier woont").tap()
    wait_for_app_run(page)
    page.get_by_text("Ik heb dit gelezen en doe mee").tap()
    wait_for_app_run(page)
    page.get_by_role("button", name="Verhaal versturen").tap()
    receipt = receipt_on_screen(page)

    stored = story_by_receipt(app_server_db_url, receipt)
    assert stored["buurt_code"] == nudged_buurt
    assert abs(stored["lat"] - centre["lat"]) < 1e-6 and abs(stored["lon"] - centre["lng"]) < 1e-6
    assert (stored["kind"], stored["age_band"], stored["relation"], stored["status"]) == \
        ("proud", "65+", "lives", "pending")
    with Image.open(io.BytesIO(stored["photo"])) as photo:
        assert photo.size == (800, 1200) and dict(photo.getexif()) == {}  # upright, no GPS

    # a clean start for the next resident
    page.get_by_role("button", name="Nog een verhaal vertellen").tap()
    expect(story_box(page)).to_have_value("")
    wait_for_app_run(page)
    frame = map_frame(page)
    assert pin_state(frame) == "none"
    expect(page.get_by_text("De speld staat in")).to_have_count(0)
    assert_offline_and_clean(page)


def test_a_tap_outside_the_area_is_refused(app_server, app_server_db_url, tablet_page):
    page = tablet_page
    code = make_session(app_server_db_url, "E2E kiosk: alleen de Binnenstad", area_codes=["WK999901"])
    open_kiosk(page, app_server, code)
    frame = map_frame(page)
    lat, lon = buurt_point(app_server_db_url, "BU99990301")  # in another wijk: on the map's paper, not the area
    page.touchscreen.tap(*screen_point(page, frame, lat, lon))
    expect(page.get_by_text("Die plek ligt buiten het gebied")).to_be_visible()
    assert pin_state(frame) == "none"
    assert_offline_and_clean(page)


def test_the_no_map_path(app_server, app_server_db_url, tablet_page):
    page = tablet_page
    code = make_session(app_server_db_url, "E2E kiosk: zonder kaart")
    open_kiosk(page, app_server, code)
    no_map(page, "Kerkbuurt", "Het bankje bij de kerk")
    expect(page.locator(MAP_IFRAME)).to_have_count(0)
    fill_and_send(page, "Hier zit ik graag.", kind="Waar bent u trots op?")
    stored = story_by_receipt(app_server_db_url, receipt_on_screen(page))
    assert (stored["buurt_code"], stored["lat"], stored["lon"], stored["place_description"]) == \
        (KERKBUURT, None, None, "Het bankje bij de kerk")
    assert_offline_and_clean(page)


def test_bad_input_keeps_the_draft(app_server, app_server_db_url, tablet_page):
    page = tablet_page
    code = make_session(app_server_db_url, "E2E kiosk: te lang", max_chars=30)
    open_kiosk(page, app_server, code)
    no_map(page, "Kerkbuurt")
    text = "Dit verhaal is echt veel langer dan dertig tekens."
    fill_and_send(page, text)
    expect(page.get_by_text("Uw verhaal is 50 tekens; het mag er 30 zijn")).to_be_visible()
    expect(page.locator(".bb-count")).to_have_class(re.compile("bb-over"))
    expect(story_box(page)).to_have_value(text)
    expect(page.get_by_role("radio", name="Wat kan beter?")).to_be_checked()
    assert_offline_and_clean(page)


@pytest.fixture
def camera_tablet_page(browser, playwright, app_server):
    """A tablet whose camera is Chromium's fake device (its own browser: the flags are launch-wide)."""
    camera_flags = ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream"]
    instance = playwright.chromium.launch(executable_path=os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"),
                                          args=["--headless", "--no-sandbox", "--disable-gpu", *camera_flags])
    context = instance.new_context(viewport={"width": 768, "height": 1024}, has_touch=True, is_mobile=True,
                                   permissions=["camera"], service_workers="block")
    external: list[str] = []
    local = (app_server, "data:", "blob:")
    context.route("**/*", lambda route: route.continue_() if route.request.url.startswith(local)
                  else (external.append(route.request.url), route.abort()))
    page = context.new_page()
    page.external_requests, page.page_errors = external, []
    page.on("pageerror", lambda err: page.page_errors.append(str(err)))
    page.set_default_timeout(30_000)
    yield page
    context.close()
    instance.close()


def test_a_photo_from_the_camera(app_server, app_server_db_url, camera_tablet_page):
    page = camera_tablet_page
    code = make_session(app_server_db_url, "E2E kiosk: camera")
    open_kiosk(page, app_server, code)
    no_map(page, "Kerkbuurt")
    page.get_by_text("Foto maken met de camera").tap()
    wait_for_app_run(page)
    camera = page.get_by_test_id("stCameraInput")
    expect(camera.locator("video")).to_be_visible()
    # the fake camera needs a moment before its first frame; a shot taken before that is empty
    camera.locator("video").evaluate("v => new Promise(ok => { const check = () => v.readyState >= 2 && "
                                     "v.videoWidth > 0 ? ok() : setTimeout(check, 100); check(); })")
    camera.get_by_role("button", name="Take Photo").tap()
    expect(camera.get_by_role("button", name="Clear photo")).to_be_visible()
    expect(page.get_by_text("Zo wordt uw foto opgeslagen.")).to_be_visible(timeout=45_000)
    fill_and_send(page, "Foto van het plein")
    stored = story_by_receipt(app_server_db_url, receipt_on_screen(page))
    with Image.open(io.BytesIO(stored["photo"])) as photo:
        assert photo.format == "JPEG" and max(photo.size) <= 2048 and dict(photo.getexif()) == {}
    assert_offline_and_clean(page)


# ---------------------------------------------------------------- idle reset

def test_an_idle_kiosk_forgets_the_draft(app_server, app_server_db_url, tablet_page):
    page = tablet_page
    page.clock.install()  # the idle time passes on the page's clock, not the test's
    code = make_session(app_server_db_url, "E2E kiosk: snel vergeten", idle_seconds=20)
    open_kiosk(page, app_server, code)
    kiosk_map_settled(page)
    page.evaluate("() => { window.__stillHere = true; }")
    assert kept_after_idle_time(page, 21)  # an untouched kiosk is left alone (no reload every idle period)
    assert page.evaluate("() => window.__stillHere === true")
    # a half-typed story (not even sent to the server yet) is wiped after the idle time
    story_box(page).fill("Half verhaal dat niemand mag zien")
    pass_idle_time(page, 21)
    page.wait_for_function("() => window.__stillHere !== true")
    wait_for_app_run(page)
    expect(story_box(page)).to_have_value("")
    assert page.url.endswith(f"?kiosk=1&session={code}")
    assert_offline_and_clean(page)


def test_an_idle_kiosk_hides_the_receipt_and_forgets_the_language(app_server, app_server_db_url, tablet_page):
    page = tablet_page
    page.clock.install()
    code = make_session(app_server_db_url, "E2E kiosk: bon weg", idle_seconds=20)
    open_kiosk(page, app_server, code)
    page.get_by_role("radio", name="English").tap()
    wait_for_app_run(page)
    expect(page.get_by_role("heading", name="Tell us about your neighbourhood")).to_be_visible()
    page.get_by_role("radio", name="Nederlands").tap()
    wait_for_app_run(page)
    no_map(page, "Kerkbuurt")
    fill_and_send(page, "Bon moet weg als ik wegloop")
    receipt_on_screen(page)
    wait_for_app_run(page)
    page.evaluate("() => { window.__stillHere = true; }")
    pass_idle_time(page, 21)
    page.wait_for_function("() => window.__stillHere !== true")
    wait_for_app_run(page)
    expect(page.get_by_role("heading", name="Vertel over uw buurt")).to_be_visible()
    expect(page.locator(".bb-receipt")).to_have_count(0)
    assert page.evaluate("() => document.documentElement.lang") == "nl"


# ---------------------------------------------------------------- withdraw

def test_withdraw_by_receipt_code(app_server, app_server_db_url, tablet_page):
    page = tablet_page
    code = make_session(app_server_db_url, "E2E kiosk: intrekken")
    open_kiosk(page, app_server, code)
    no_map(page, "Kerkbuurt")
    fill_and_send(page, "Dit trek ik later in.")
    receipt = receipt_on_screen(page)
    story_id = story_by_receipt(app_server_db_url, receipt)["id"]
    # later, at another kiosk
    open_kiosk(page, app_server, make_session(app_server_db_url, "E2E kiosk: andere kiosk"))
    kiosk_map_settled(page)  # typed text sent during the map's first rerun was lost on a loaded CI box
    page.get_by_text("Verhaal intrekken").tap()
    wait_for_app_run(page, settle_ms=300)  # opening the expander is a rerun of its own
    page.get_by_role("textbox", name="Uw code").fill(receipt.lower())
    page.get_by_role("textbox", name="Uw code").press("Enter")  # commit the code before the tap (a loaded box races)
    wait_for_app_run(page, settle_ms=300)
    expect(page.get_by_role("textbox", name="Uw code")).to_have_value(receipt.lower())
    page.get_by_role("button", name="Intrekken", exact=True).tap()
    expect(page.get_by_text("Uw verhaal is ingetrokken en gewist.")).to_be_visible()
    assert story(app_server_db_url, story_id)["status"] == "withdrawn"
    assert_offline_and_clean(page)


# ---------------------------------------------------------------- languages

def test_arabic_is_laid_out_right_to_left(app_server, app_server_db_url, tablet_page):
    page = tablet_page
    code = make_session(app_server_db_url, "E2E kiosk: meertalig", languages=ALL_LANGUAGES)
    open_kiosk(page, app_server, code)
    map_frame(page)
    page.get_by_role("radio", name="العربية").tap()
    wait_for_app_run(page)
    heading = page.get_by_role("heading", name="حدّثنا عن حيّك")
    expect(heading).to_be_visible()
    page.wait_for_function("() => document.documentElement.dir === 'rtl' && document.documentElement.lang === 'ar'")
    assert heading.evaluate("e => getComputedStyle(e).direction") == "rtl"
    # the text really sits on the right: its right edge lines up with the content column's
    column = page.get_by_test_id("stMainBlockContainer").bounding_box()
    text_box = heading.locator("span").first.bounding_box()
    assert abs((text_box["x"] + text_box["width"]) - (column["x"] + column["width"])) < 60
    assert text_box["x"] > column["x"] + column["width"] / 3
    page.get_by_role("radio", name="Nederlands").tap()
    page.wait_for_function("() => document.documentElement.dir === 'ltr'")
    assert_offline_and_clean(page)


# ---------------------------------------------------------------- safety

def test_markup_in_a_story_never_runs(app_server, app_server_db_url, tablet_page):
    page = tablet_page
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    payload = "<img src=x onerror=alert(1)> ${alert(2)} <script>alert(3)</script> `${alert(4)}`"
    code = make_session(app_server_db_url, f"E2E kiosk {payload}")
    open_kiosk(page, app_server, code)
    expect(page.get_by_text(f"E2E kiosk {payload}", exact=True)).to_be_visible()  # the title, as text
    no_map(page, "Kerkbuurt", payload)
    fill_and_send(page, payload)
    receipt = receipt_on_screen(page)
    assert story_by_receipt(app_server_db_url, receipt)["text"] == payload
    page.get_by_role("button", name="Nog een verhaal vertellen").tap()
    expect(story_box(page)).to_have_value("")  # the next resident's form is drawn: any alert would have come
    wait_for_app_run(page)
    assert dialogs == []
    assert page.locator("img[src='x']").count() == 0
    assert_offline_and_clean(page)


def test_a_double_tap_on_send_stores_one_story(app_server, app_server_db_url, tablet_page):
    page = tablet_page
    code = make_session(app_server_db_url, "E2E kiosk: dubbel tikken")
    open_kiosk(page, app_server, code)
    no_map(page, "Kerkbuurt")
    page.get_by_text("Wat kan beter?", exact=True).tap()
    story_box(page).fill("Eén keer, ook als je twee keer tikt.")
    story_box(page).blur()
    page.get_by_text("Ik heb dit gelezen en doe mee").tap()
    wait_for_app_run(page)
    page.get_by_role("button", name="Verhaal versturen").evaluate("b => { b.click(); b.click(); }")
    stored = story_by_receipt(app_server_db_url, receipt_on_screen(page))
    wait_for_app_run(page, settle_ms=300)  # every run the two taps asked for has finished
    assert stories_with_token(app_server_db_url, stored["submission_token"]) == 1
    assert count_texts(app_server_db_url, "Eén keer, ook als je twee keer tikt.") == 1


# Controls the ordinary app shows on a tablet that lead elsewhere: the sidebar's "open" button and the toolbar in
# the header (Streamlit 1.67's test ids; tests/components/test_streamlit_test_ids.py checks they exist).
WAYS_OUT = ("stExpandSidebarButton", "stToolbar", "stHeader")


def test_the_kiosk_has_no_way_out(app_server, app_server_db_url, tablet_page):
    page = tablet_page
    page.goto(app_server)  # first the ordinary app on the same tablet: there the ways out are on screen
    wait_for_app_run(page)
    for test_id in WAYS_OUT:
        expect(page.get_by_test_id(test_id)).to_be_visible()
    code = make_session(app_server_db_url, "E2E kiosk: afgesloten")
    open_kiosk(page, app_server, code)
    map_frame(page)
    for test_id in (*WAYS_OUT, "stSidebar", "stSidebarNav", "stMainMenu"):
        expect(page.get_by_test_id(test_id)).not_to_be_visible()
    expect(page.get_by_test_id("stHeader")).to_have_count(1)  # there, and hidden by the kiosk's own CSS
    assert page.locator("a[href*='inloggen'], a[href*='import']").count() == 0
    # another page's URL with the kiosk flag still shows only the kiosk
    page.goto(f"{app_server}/inloggen?kiosk=1&session={code}")
    wait_for_app_run(page)
    expect(page.get_by_role("heading", name="Vertel over uw buurt")).to_be_visible()
    expect(page.get_by_text("Wachtwoord")).to_have_count(0)


# ---------------------------------------------------------------- accessibility

def axe_problems(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    # Scan the page at rest: while a rerun finishes, Streamlit dims the previous screen's elements
    # (data-stale), and dimmed text fails the contrast check without being what anyone reads.
    wait_for_app_run(page, settle_ms=300)
    page.wait_for_function("() => !document.querySelector('[data-stale=\"true\"]')")
    results = Axe().run(page, options={"resultTypes": ["violations"]})
    return [f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:5]}"
            for v in results.response["violations"] if v["impact"] in ("serious", "critical")]


@pytest.mark.parametrize("lang", ["nl", "ar"])
def test_axe_finds_no_serious_problems(app_server, app_server_db_url, tablet_page, lang):
    page = tablet_page
    code = make_session(app_server_db_url, f"E2E kiosk: toegankelijk {lang}", languages=ALL_LANGUAGES)
    open_kiosk(page, app_server, code, lang=lang)
    map_frame(page).wait_for_function(MAP_AT_REST)
    assert axe_problems(page) == []
    if lang == "nl":  # and the no-map form and the thank-you screen
        no_map(page, "Kerkbuurt")
        assert axe_problems(page) == []
        fill_and_send(page, "Toegankelijk genoeg?")
        receipt_on_screen(page)
        assert axe_problems(page) == []


def test_touch_targets_are_at_least_44_px(app_server, app_server_db_url, tablet_page):
    page = tablet_page
    code = make_session(app_server_db_url, "E2E kiosk: grote knoppen", languages=ALL_LANGUAGES)
    open_kiosk(page, app_server, code)
    map_frame(page)
    page.get_by_text("Verhaal intrekken").tap()
    wait_for_app_run(page)
    small = page.evaluate("""() => {
        const main = document.querySelector('[data-testid="stMain"]');
        const targets = main.querySelectorAll('button, [role="radio"], label:has(input[type="checkbox"]),' +
            'label:has(input[type="radio"]), summary, [data-testid="stSelectbox"] [role="group"],' +
            '[data-testid="stTextInputRootElement"]');
        // a select's own arrow button sits inside the (larger) select field, which is the target
        return Array.from(targets).filter(e => e.offsetParent !== null
                                               && !(e.tagName === 'BUTTON' && e.closest('[data-testid="stSelectbox"]'))).map(e => {
            const r = e.getBoundingClientRect();
            return {text: (e.innerText || e.getAttribute('aria-label') || '').slice(0, 30), w: r.width, h: r.height};
        }).filter(r => r.h < 44 || r.w < 44);
    }""")
    assert small == []
