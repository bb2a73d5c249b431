"""Browser tests: one `streamlit run app.py` per test run on a copy of the seeded demo DB, Debian's
Chromium through Playwright, pages that may only talk to localhost, and a screenshot when a test fails.
"""
from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlparse

import pytest

from testsupport import REPO_ROOT, copy_sqlite, free_port, skip_or_fail, start_app_server, tail

E2E_DIR = Path(__file__).resolve().parent
ARTIFACTS_DIR = REPO_ROOT / "test-artifacts"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-quic", "--no-first-run", "--disable-component-update", "--disable-sync"]
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}
PAGE_FIXTURES = ("projector_page", "tablet_page", "page")
SERVER_START_TIMEOUT_S = 60
E2E_ANALYST_PASSWORD = "e2e-analist-wachtwoord"  # test-only: the app server gets its hash
E2E_FACILITATOR_PASSWORD = "e2e-begeleider-wachtwoord"  # test-only, likewise
SERVER_LOG_KEY = pytest.StashKey[Path]()
SERVER_DB_KEY = pytest.StashKey[str]()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if E2E_DIR in item.path.parents:
            item.add_marker(pytest.mark.e2e)


# ---------------------------------------------------------------- the app server

@pytest.fixture(scope="session")
def app_server(request: pytest.FixtureRequest, seeded_db_url: str,
               tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URL (http://127.0.0.1:<port>) of app.py served on a private copy of the seeded DB."""
    workdir = tmp_path_factory.mktemp("app-server")
    db_url = copy_sqlite(seeded_db_url, workdir / "e2e.db")
    log = workdir / "streamlit.log"
    request.config.stash[SERVER_LOG_KEY] = log
    request.config.stash[SERVER_DB_KEY] = db_url
    port = free_port()
    from domain.auth import hash_password

    env = {**os.environ, "APP_DB_URL": db_url,
           "BUURTBEELD_ANALYST_PASSWORD_HASH": hash_password(E2E_ANALYST_PASSWORD),
           "BUURTBEELD_FACILITATOR_PASSWORD_HASH": hash_password(E2E_FACILITATOR_PASSWORD)}
    with start_app_server(env, port, log=log, timeout=SERVER_START_TIMEOUT_S) as url:  # no file watcher
        yield url


@pytest.fixture(scope="session")
def app_server_db_url(app_server: str, request: pytest.FixtureRequest) -> str:
    """URL of the SQLite database the `app_server` uses: read it to check what a flow stored, or add a
    session a test needs (the server reads sessions and stories fresh on every run)."""
    return request.config.stash[SERVER_DB_KEY]


# ---------------------------------------------------------------- the browser

def chromium_executable() -> str:
    path = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        skip_or_fail(f"browser tests need Chromium at {path} (apt-get install chromium, "
                     "or set CHROMIUM_PATH); `playwright install` is not used here")
    return path


@pytest.fixture(scope="session")
def browser(playwright, browser_type_launch_args: dict):
    """Debian's Chromium, launched once per run (pytest-playwright's `playwright` and CLI options such
    as --headed/--slowmo still apply)."""
    launch_args = {**browser_type_launch_args, "executable_path": chromium_executable(),
                   "args": [*browser_type_launch_args.get("args", []), *CHROMIUM_ARGS]}
    if not launch_args.get("headless", True):
        launch_args["args"].remove("--headless")
    instance = playwright.chromium.launch(**launch_args)
    yield instance
    instance.close()


def is_local_url(url: str) -> bool:
    parsed = urlparse(url)
    if parsed.scheme in {"data", "blob", "about", "javascript"}:
        return True
    return (parsed.hostname or "") in LOCAL_HOSTS


@contextmanager
def offline_page(browser, **context_args):
    """A page in its own context where any non-localhost request is aborted and recorded in
    `page.external_requests`; uncaught JS errors land in `page.page_errors`."""
    context = browser.new_context(service_workers="block", **context_args)
    external: list[str] = []

    def guard(route):
        if is_local_url(route.request.url):
            route.continue_()
        else:
            external.append(route.request.url)
            route.abort("blockedbyclient")

    def guard_socket(ws):
        external.append(ws.url)
        ws.close()

    context.route("**/*", guard)
    context.route_web_socket(lambda url: not is_local_url(url), guard_socket)
    page = context.new_page()
    page.external_requests = external
    page.page_errors = []
    page.on("pageerror", lambda err: page.page_errors.append(f"{err.name}: {err.message}"))
    page.set_default_timeout(20_000)
    try:
        yield page
    finally:
        context.close()


@pytest.fixture
def projector_page(browser):
    """1920×1080, as on the facilitator's projector."""
    with offline_page(browser, viewport={"width": 1920, "height": 1080}) as page:
        yield page


TABLET = {"viewport": {"width": 768, "height": 1024}, "has_touch": True, "is_mobile": True}


@pytest.fixture
def tablet_page(browser):
    """768×1024 touch screen, as on the resident kiosk tablet."""
    with offline_page(browser, **TABLET) as page:
        yield page


@pytest.fixture
def two_tablet_pages(browser):
    """Two kiosk tablets in one room: separate browser contexts, so separate app sessions."""
    with offline_page(browser, **TABLET) as first, offline_page(browser, **TABLET) as second:
        yield first, second


@pytest.fixture(scope="module")
def patient_expect():
    """`expect` waits 30 s instead of 5 (a module asks with `pytestmark = pytest.mark.usefixtures(...)`): every step
    is a Streamlit rerun, and on a busy CI machine one can take several seconds."""
    from playwright.sync_api import expect

    expect.set_options(timeout=30_000)
    yield
    expect.set_options(timeout=5_000)


# ---------------------------------------------------------------- evidence on failure

@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    outcome = yield
    report = outcome.get_result()
    if report.when not in {"setup", "call"} or not report.failed or E2E_DIR not in item.path.parents:
        return
    slug = re.sub(r"[^A-Za-z0-9_.-]+", "_", item.nodeid.split("::", 1)[-1])[:120]
    for name in PAGE_FIXTURES:
        page = getattr(item, "funcargs", {}).get(name)
        if page is None or page.is_closed():
            continue
        ARTIFACTS_DIR.mkdir(exist_ok=True)
        target = ARTIFACTS_DIR / f"{slug}-{name}.png"
        try:
            page.screenshot(path=str(target), full_page=True, timeout=10_000)
            report.sections.append(("screenshot", str(target)))
        except Exception as err:  # a failed screenshot must not hide the test's own failure
            report.sections.append(("screenshot", f"could not save {target}: {err}"))
    log = item.config.stash.get(SERVER_LOG_KEY, None)
    if log is not None:
        report.sections.append(("streamlit server output (tail)", tail(log, 40)))
