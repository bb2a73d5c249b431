"""The statistics page in Chromium, offline: every demo buurt drawn on a canvas, recolouring, and a click
on the map opening that buurt's profile. Nothing may leave localhost."""
from playwright.sync_api import expect

from browsersteps import MAP_IFRAME
from testsupport import wait_for_app_run

DEMO_BUURTEN = 59

FILLS_BY_BUURT = """() => {
    const fills = {};
    window.map.eachLayer(layer => {
        if (layer.feature && String(layer.feature.id).startsWith("BU") && layer.options.fill !== false) {
            fills[layer.feature.id] = layer.options.fillColor;
        }
    });
    return fills;
}"""


def _map_frame(page):
    expect(page.locator(MAP_IFRAME)).to_be_visible(timeout=30_000)
    frame = page.locator(MAP_IFRAME).element_handle().content_frame()
    frame.wait_for_function("() => window.map && document.querySelector('.leaflet-overlay-pane canvas')",
                            timeout=30_000)
    frame.wait_for_function(f"() => Object.keys(({FILLS_BY_BUURT})()).length === {DEMO_BUURTEN}", timeout=30_000)
    return frame


def _choose(page, label: str, option: str) -> None:
    page.get_by_test_id("stSelectbox").filter(has_text=label).click()
    page.keyboard.type(option)  # the option list is virtualised; typing filters it
    page.get_by_role("option", name=option, exact=True).click()


def test_statistics_map_draws_recolours_and_opens_a_profile(app_server, projector_page):
    page = projector_page
    page.goto(app_server)  # the statistics page is the default page
    wait_for_app_run(page)

    frame = _map_frame(page)
    before = frame.evaluate(FILLS_BY_BUURT)
    assert len(before) == DEMO_BUURTEN
    assert len(set(before.values())) >= 5  # five classes plus missing and water

    _choose(page, "Indicator", "Huurwoningen")
    frame.wait_for_function(f"before => JSON.stringify(({FILLS_BY_BUURT})()) !== JSON.stringify(before)",
                            arg=before, timeout=30_000)
    after = frame.evaluate(FILLS_BY_BUURT)
    assert len(after) == DEMO_BUURTEN and after != before

    # click in the middle of one buurt, as a facilitator would
    point = frame.evaluate("""() => {
        let target = null;
        window.map.eachLayer(l => { if (l.feature && l.feature.id === "BU99990102" && l.getBounds) target = l; });
        const p = window.map.latLngToContainerPoint(target.getCenter());
        return {x: p.x, y: p.y};
    }""")
    page.locator(MAP_IFRAME).click(position=point)
    expect(page.get_by_text("Buurtprofiel: Kerkbuurt")).to_be_visible(timeout=20_000)
    expect(page.get_by_test_id("stPlotlyChart")).to_be_visible(timeout=30_000)

    assert page.external_requests == []
    assert page.page_errors == []
    expect(page.get_by_test_id("stException")).to_have_count(0)
