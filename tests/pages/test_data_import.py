"""AppTest smoke tests of the import page; uploads cannot be driven here, tests/storage covers the import."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

# Importing geopandas (via storage.importer) before the page runs matters: AppTest puts pages/ on sys.path,
# where pages/statistics.py would shadow the stdlib `statistics` that geopandas.explore imports.
from storage import importer
from storage.db import make_session_factory, write_scope
from testsupport import REPO_ROOT

PAGE = REPO_ROOT / "pages" / "data_import.py"
ERMELO_GPKG = REPO_ROOT.parent / "shared" / "data" / "cbs" / "buurten_2021_ermelo_GM0233.gpkg"


@pytest.fixture
def page_db(sqlite_db_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("APP_DB_URL", sqlite_db_url)
    monkeypatch.chdir(REPO_ROOT)
    st.cache_data.clear()
    st.cache_resource.clear()
    yield sqlite_db_url
    st.cache_data.clear()
    st.cache_resource.clear()


def run_page(lang: str = "nl") -> AppTest:
    at = AppTest.from_file(str(PAGE), default_timeout=60)
    at.session_state["app.lang"] = lang
    return at.run()


def test_page_renders_with_an_empty_database(page_db):
    at = run_page()
    assert not at.exception
    assert [title.value for title in at.title] == ["Gegevens importeren"]
    assert [tab.label for tab in at.tabs] == ["Wijk- en buurtkaart", "Indicatoren (CSV)"]
    assert [uploader.key for uploader in at.get("file_uploader")] == ["import.kwb.file"]
    assert at.info[0].value.startswith("Er is nog geen gemeente geladen")


def test_page_in_english(page_db):
    at = run_page("en")
    assert not at.exception
    assert at.title[0].value == "Import data"
    assert [tab.label for tab in at.tabs] == ["Neighbourhood map", "Indicators (CSV)"]


def test_csv_tab_targets_the_active_municipality(page_db):
    if not ERMELO_GPKG.exists():
        pytest.skip(f"shared data file missing: {ERMELO_GPKG}")
    with write_scope(make_session_factory(page_db)) as session:
        importer.import_kwb(session, ERMELO_GPKG, gemeente="GM0233", now=datetime(2026, 11, 27, tzinfo=UTC))
    at = run_page()
    assert not at.exception
    assert any("Ermelo (GM0233)" in caption.value for caption in at.caption)
    assert [uploader.key for uploader in at.get("file_uploader")] == ["import.kwb.file", "import.csv.file"]
