"""Self-test of the browser setup: the app loads in Chromium without internet, and the offline guard
really catches a request that leaves the machine (otherwise "0 external requests" proves nothing)."""
from playwright.sync_api import expect

from testsupport import wait_for_app_run


def test_app_loads_offline_on_the_projector(app_server, projector_page):
    page = projector_page
    page.goto(app_server)
    wait_for_app_run(page)
    # Component iframes (the map) load after the script run; let them finish before counting requests.
    page.wait_for_load_state("networkidle")

    expect(page.get_by_test_id("stApp")).to_be_visible()
    expect(page.get_by_test_id("stMain")).to_be_visible()
    assert page.external_requests == []
    assert page.page_errors == []
    expect(page.get_by_test_id("stException")).to_have_count(0)


def test_offline_guard_records_and_blocks_external_requests(app_server, tablet_page):
    page = tablet_page
    page.goto(app_server)
    wait_for_app_run(page)

    outcome = page.evaluate("""async () => {
        const ws = new WebSocket("wss://tiles.example.org/socket");
        await new Promise(done => { ws.onclose = done; ws.onerror = done; setTimeout(done, 3000); });
        try { await fetch("https://cdn.example.org/leaflet.js"); return "fetched"; }
        catch (err) { return "blocked"; }
    }""")

    assert outcome == "blocked"
    assert {"wss://tiles.example.org/socket", "https://cdn.example.org/leaflet.js"} <= set(page.external_requests)
    assert page.viewport_size == {"width": 768, "height": 1024}
    assert page.evaluate("navigator.maxTouchPoints") > 0
