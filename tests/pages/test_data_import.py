"""AppTest tests of the import page: it renders, and upload → choose → import → summary works end to end.

Streamlit 1.67's AppTest can upload files (`file_uploader.set_value`); tests/storage covers the importer itself.
"""
from __future__ import annotations

import tempfile
from datetime import UTC, datetime

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from storage import areas, importer
from storage.db import make_session_factory, read_scope, write_scope
from testsupport import REPO_ROOT, SHARED_DATA, require_shared_data

PAGE = REPO_ROOT / "pages" / "data_import.py"
ERMELO_GPKG = SHARED_DATA / "cbs" / "buurten_2021_ermelo_GM0233.gpkg"
AMSTELVEEN_CSV = SHARED_DATA / "leefbaarometer" / "lbm_wijken_amstelveen_2014_2022.csv"


@pytest.fixture
def needs_data() -> None:
    require_shared_data(ERMELO_GPKG, AMSTELVEEN_CSV)


@pytest.fixture
def page_db(sqlite_db_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path) -> str:
    monkeypatch.setenv("APP_DB_URL", sqlite_db_url)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))    # uploads are saved under tmp_path
    monkeypatch.chdir(REPO_ROOT)
    st.cache_data.clear()
    st.cache_resource.clear()
    yield sqlite_db_url
    st.cache_data.clear()
    st.cache_resource.clear()


def run_page(lang: str = "nl", role: str | None = "facilitator") -> AppTest:
    at = AppTest.from_file(str(PAGE), default_timeout=60)
    at.session_state["app.lang"] = lang
    if role:
        at.session_state["auth.role"] = role
    return at.run()


def test_page_is_closed_without_signing_in(page_db):
    at = run_page(role=None)
    assert not at.exception
    assert at.title[0].value == "Deze pagina is alleen voor begeleiders of analisten"
    assert not at.get("file_uploader")


def test_analyst_may_import(page_db):
    at = run_page(role="analyst")
    assert not at.exception and at.get("file_uploader")


def test_page_renders_with_an_empty_database(page_db):
    at = run_page()
    assert not at.exception
    assert [title.value for title in at.title] == ["Gegevens importeren"]
    assert [tab.label for tab in at.tabs] == ["Wijk- en buurtkaart", "Indicatoren (CSV)", "Geladen gemeenten"]
    assert [uploader.key for uploader in at.get("file_uploader")] == ["import.kwb.file"]
    assert at.info[0].value.startswith("Er is nog geen gemeente geladen")


def test_page_in_english(page_db):
    at = run_page("en")
    assert not at.exception
    assert at.title[0].value == "Import data"
    assert [tab.label for tab in at.tabs] == ["Neighbourhood map", "Indicators (CSV)", "Loaded municipalities"]


def import_ermelo(url: str) -> None:
    with write_scope(make_session_factory(url)) as session:
        importer.import_kwb(session, ERMELO_GPKG, gemeente="GM0233", now=datetime(2026, 11, 27, tzinfo=UTC))


@pytest.mark.usefixtures("needs_data")
def test_csv_tab_targets_the_active_municipality(page_db):
    import_ermelo(page_db)
    at = run_page()
    assert not at.exception
    assert any("Ermelo (GM0233)" in caption.value for caption in at.caption)
    assert [uploader.key for uploader in at.get("file_uploader")] == ["import.kwb.file", "import.csv.file"]


def upload(at: AppTest, key: str, path_or_name, content: bytes | None = None) -> AppTest:
    name = path_or_name if content is not None else path_or_name.name
    data = content if content is not None else path_or_name.read_bytes()
    next(u for u in at.get("file_uploader") if u.key == key).set_value((name, data, "application/octet-stream"))
    return at.run()


@pytest.mark.usefixtures("needs_data")
def test_upload_and_import_a_wijk_en_buurtkaart(page_db):
    at = upload(run_page(), "import.kwb.file", ERMELO_GPKG)
    assert not at.exception and not at.error
    assert at.selectbox(key="import.kwb.gemeente").value == "GM0233"      # the only gemeente in the file
    assert any("GeoPackage · laag CBS_Buurten · 17 buurten · jaar 2021" == c.value for c in at.caption)
    at.checkbox(key="import.kwb.hide_water").check()
    at.button(key="import.kwb.submit").click().run()
    assert not at.exception and not at.error
    assert at.success[0].value == "Ermelo (GM0233) is geïmporteerd."
    metrics = {m.label: m.value for m in at.metric}
    assert (metrics["Buurten"], metrics["Wijken"], metrics["Waterbuurten"]) == ("16", "2", "1")
    skipped = at.dataframe[-1].value
    assert "BU02339997" in set(skipped["Wat"])
    with read_scope(make_session_factory(page_db)) as session:
        assert areas.active_municipality(session).code == "GM0233"


def test_unreadable_upload_shows_the_reason(page_db):
    at = upload(run_page(), "import.kwb.file", "kaart.gpkg", b"geen geopackage" * 100)
    assert not at.exception
    assert "'kaart.gpkg' kan niet worden gelezen als kaartbestand" in at.error[0].value
    assert not [b for b in at.button if b.key == "import.kwb.submit"]


@pytest.mark.usefixtures("needs_data")
def test_csv_of_another_gemeente_is_refused_on_the_page(page_db):
    import_ermelo(page_db)
    at = upload(run_page(), "import.csv.file", AMSTELVEEN_CSV)
    assert not at.exception and not at.error
    assert at.selectbox(key="import.csv.year").value == 2022
    at.button(key="import.csv.submit").click().run()
    assert "hoort bij de actieve gemeente Ermelo (GM0233)" in at.error[0].value
    assert "GM0362" in at.error[0].value


@pytest.mark.usefixtures("needs_data")
def test_upload_and_import_an_indicator_csv(page_db):
    import_ermelo(page_db)
    csv = "buurtcode;Groen per inwoner\nBU02330000;12,5\nBU02330001;x\n".encode("cp1252")
    at = upload(run_page(), "import.csv.file", "groen.csv", csv)
    assert not at.exception and not at.error
    at.button(key="import.csv.submit").click().run()
    assert not at.exception and not at.error
    assert at.success[0].value == "Ermelo (GM0233) is geïmporteerd."
    metrics = {m.label: m.value for m in at.metric}
    assert (metrics["Buurten"], metrics["Waarden"], metrics["Geheim/onbekend"]) == ("2", "1", "1")


@pytest.mark.usefixtures("needs_data")
def test_loaded_municipalities_can_be_switched(page_db):
    from datetime import UTC, datetime

    from storage.seed import seed_demo

    factory = make_session_factory(page_db)
    with write_scope(factory) as session:
        seed_demo(session, now=datetime(2026, 11, 27, tzinfo=UTC))
        importer.import_kwb(session, ERMELO_GPKG, gemeente="GM0233", now=datetime(2026, 11, 27, tzinfo=UTC))
    at = run_page()
    assert any("Ermelo" in m.value for m in at.markdown)
    at.button(key=next(b.key for b in at.button if b.key.startswith("import.loaded.activate."))).click().run()
    assert not at.exception
    with read_scope(factory) as session:
        assert areas.active_municipality(session).code == "GM9999"
