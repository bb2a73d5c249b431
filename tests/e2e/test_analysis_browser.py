"""The analysis page in Chromium at 1920×1080, offline: sign in as analyst, pick an indicator, read the
divergence table, click a row and a scatter point, and get that buurt's stories."""
import re

import pytest
from browsersteps import MAP_IFRAME, settle
from conftest import E2E_ANALYST_PASSWORD
from facilitatorsupport import DEMO_CODE
from playwright.sync_api import expect
from testsupport import wait_for_app_run

pytestmark = pytest.mark.usefixtures("patient_expect")


def _sign_in_as_analyst(page, base_url: str) -> None:
    page.goto(base_url)
    wait_for_app_run(page, timeout=90_000)  # the first run builds the cached map layers
    page.get_by_test_id("stSidebarNav").get_by_text("Inloggen").click()
    wait_for_app_run(page)
    page.get_by_test_id("stRadioOption").get_by_text("Analist").click()
    page.get_by_label("Wachtwoord").fill(E2E_ANALYST_PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    expect(page.get_by_text("Ingelogd als")).to_be_visible(timeout=20_000)


def _choose(page, label: str, option: str) -> None:
    page.get_by_test_id("stSelectbox").filter(has_text=label).first.click()
    page.keyboard.type(option)  # the option list is virtualised; typing filters it
    page.get_by_role("option", name=option, exact=True).click()
    wait_for_app_run(page)


def _only_the_demo_session(page) -> None:
    """The page starts on the newest session, which another browser test may have made; the counts below are the
    demo session's. Added first and the others removed after, so the choice is never empty (an empty choice stops
    the page, and the widgets below it would forget their values)."""
    picker = page.get_by_test_id("stMultiSelect").filter(has_text="Werksessie(s)")
    chosen = picker.get_by_role("group", name="Selected values")
    if chosen.inner_text().strip().endswith(f"({DEMO_CODE})"):
        return
    picker.get_by_role("combobox").fill(DEMO_CODE)
    page.get_by_role("option").filter(has_text=DEMO_CODE).click()
    page.keyboard.press("Escape")
    settle(page)
    others = picker.get_by_role("button", name=re.compile(rf"^Remove (?!.*\({DEMO_CODE}\)$)"))
    while others.count():
        others.first.click()
        settle(page)
    expect(picker.get_by_role("button", name=re.compile("^Remove "))).to_have_count(1)
    expect(chosen).to_contain_text(f"({DEMO_CODE})")
    expect(page.get_by_text("50 goedgekeurde verhalen in 1 sessie(s)", exact=False)).to_be_visible(timeout=30_000)
    settle(page)


def _click_table_row(page, row: int) -> None:
    """Glide's grid is a canvas: click the selection column of data row `row` (35 px rows under a header)."""
    grid = page.get_by_test_id("stDataFrame").first
    grid.scroll_into_view_if_needed()
    box = grid.bounding_box()
    page.mouse.click(box["x"] + 18, box["y"] + 35 + 35 * row + 17)


def test_analyst_reads_divergence_and_opens_a_buurts_stories(app_server, projector_page):
    page = projector_page
    _sign_in_as_analyst(page, app_server)
    page.get_by_test_id("stSidebarNav").get_by_text("Cijfers en verhalen").click()
    wait_for_app_run(page)
    expect(page.get_by_role("heading", name="Cijfers en verhalen per buurt · Voorbeeldstad")).to_be_visible()
    _only_the_demo_session(page)
    expect(page.locator(MAP_IFRAME)).to_have_count(1, timeout=30_000)  # both maps live in one component
    expect(page.frame_locator(MAP_IFRAME).locator(".leaflet-container")).to_have_count(2, timeout=30_000)
    frame = page.locator(MAP_IFRAME).element_handle().content_frame()
    frame.wait_for_function("() => window.map_div && window.map_div2", timeout=30_000)

    # the maps move together: zoom the stories map and the statistics map follows, and the other way round
    frame.evaluate("() => map_div2.setView([52.0, 5.1], 15, {animate: false})")
    assert frame.evaluate("() => [map_div.getZoom(), map_div.getCenter().lat.toFixed(4)]") == [15, "52.0000"]
    frame.evaluate("() => map_div.fitBounds(map_div2.getBounds().pad(2), {animate: false})")
    assert frame.evaluate("() => map_div2.getZoom() === map_div.getZoom()")

    # a click on a buurt in the right-hand (stories) map opens its stories
    page.locator(MAP_IFRAME).scroll_into_view_if_needed()
    frame.evaluate("""() => {
        map_div2.eachLayer(l => { if (l.feature && l.feature.id === "BU99990102" && l.getBounds)
            map_div2.fitBounds(l.getBounds(), {animate: false, maxZoom: 15}); });
    }""")
    wait_for_app_run(page, settle_ms=1000)
    inner = frame.evaluate("""() => {
        const p = map_div2.latLngToContainerPoint(map_div2.getCenter());
        const box = map_div2.getContainer().getBoundingClientRect();
        return {x: box.left + p.x, y: box.top + p.y};
    }""")
    outer = page.locator(MAP_IFRAME).bounding_box()
    page.mouse.click(outer["x"] + inner["x"], outer["y"] + inner["y"])
    expect(page.get_by_role("heading", name="Goedgekeurde verhalen uit Kerkbuurt")).to_be_visible(timeout=20_000)

    # a neutral indicator gets its paired topic and an explicit reading; then back to the overall score
    _choose(page, "Indicator", "Gemiddelde WOZ-waarde")
    expect(page.get_by_role("combobox", name="Vergelijken met verhalen over")).to_have_value("Woningvoorraad")
    _choose(page, "Indicator", "Leefbaarometer: totaalscore")
    expect(page.get_by_text("De grootste verschillen in gewone taal")).to_be_visible(timeout=20_000)
    grid = page.get_by_test_id("stDataFrame").first
    expect(grid.get_by_test_id("glide-cell-2-0")).to_have_text("Tarwestraat e.o.")  # Buurt column, rank 1
    expect(grid.get_by_test_id("glide-cell-2-1")).to_have_text("Werfkade")

    _click_table_row(page, 0)  # rank 1: Tarwestraat e.o.
    expect(page.get_by_role("heading", name="Goedgekeurde verhalen uit Tarwestraat e.o. (5)")).to_be_visible(
        timeout=20_000)
    expect(page.get_by_text("Iedereen kent iedereen in de Tarwestraat", exact=False)).to_be_visible()

    # the scatter tells the same story: click Werfkade's point (ranked, far right at 100 % concerns)
    wait_for_app_run(page, settle_ms=1000)
    expect(page.get_by_test_id("stPlotlyChart")).to_have_count(1, timeout=20_000)
    chart = page.get_by_test_id("stPlotlyChart")
    chart.scroll_into_view_if_needed()
    point = chart.locator(".scatterlayer .trace").first.locator("path.point")
    expect(point).to_have_count(2)
    boxes = [point.nth(i).bounding_box() for i in range(2)]
    right = max(boxes, key=lambda b: b["x"])
    page.mouse.click(right["x"] + right["width"] / 2, right["y"] + right["height"] / 2)
    expect(page.get_by_role("heading", name="Goedgekeurde verhalen uit Werfkade (4)")).to_be_visible(timeout=20_000)
    expect(page.get_by_text("racebaan", exact=False)).to_be_visible()

    assert page.external_requests == []
    assert page.page_errors == []
    expect(page.get_by_test_id("stException")).to_have_count(0)
