"""AppTest of the exports page on the seeded demo: closed to visitors; an analyst gets the werksessie report and
the data files, and what the buttons would hand over (captured from Streamlit's media store) holds only approved
stories, escaped in the report and neutralised in the CSV; all sessions at once; the empty states; English."""
from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime

import geopandas as gpd
from facilitatorsupport import DEMO_CODE, HTML_PAYLOAD, moderate, submit
from kiosksupport import make_session
from sqlalchemy import delete

from storage import sessions, vision
from storage.db import make_session_factory, write_scope
from storage.tables import SessionRow, StoryRow
from testsupport import writing

PAGE = "pages/exports.py"
NOW = datetime(2026, 11, 27, 21, 0, tzinfo=UTC)
PENDING_WERFKADE = "bewonersvereniging"  # a demo story that is still pending (tests/pages/test_analysis_page.py)


def run(app_env, role="analyst", lang="nl"):
    at = app_env.app_test(PAGE, timeout=120)
    at.session_state["app.lang"] = lang
    if role:
        at.session_state["auth.role"] = role
        at.session_state["auth.actor"] = "Ada"
    return at.run()


def vision_board(db_url: str) -> None:
    """A theme with a resident's markup as its name and three dots, one without dots, and an agreed action."""
    story_id, _ = submit(db_url, HTML_PAYLOAD, kind="idea")
    moderate(db_url, story_id, "approve", actor="Anna")
    with writing(db_url) as s:
        work = sessions.get_session_by_code(s, DEMO_CODE)
        first = vision.create_theme(s, work.id, "Stille straten", [story_id], actor="Anna", now=NOW)
        second = vision.create_theme(s, work.id, "<b>Groen</b> =1+1", [story_id], actor="Anna", now=NOW)
        for _ in range(3):
            vision.cast_dot(s, work.id, second.id, "bezoek-1", now=NOW)
        vision.add_action(s, work.id, what="=Geveltuintjes aanleggen", owner="Bewonersgroep Kerkbuurt",
                          due_date=date(2027, 4, 1), buurt_codes=["BU99990102"], theme_ids=[second.id, first.id],
                          known_buurten={"BU99990102"}, actor="Anna", now=NOW)


def csv_rows(payload: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(payload.decode("utf-8-sig"), newline=""), delimiter=";"))


def test_visitor_does_not_get_the_page(app_env, downloads):
    at = app_env.app_test(timeout=60).run()
    at.switch_page(PAGE).run()
    assert not at.exception
    assert at.title[0].value == "Deze pagina is alleen voor begeleiders of analisten"
    assert not at.get("download_button") and not downloads


def test_analyst_finds_the_page_in_the_menu(app_env):
    at = app_env.app_test(timeout=120)
    at.session_state["auth.role"] = "analyst"
    at.run().switch_page(PAGE).run()
    assert not at.exception
    assert at.title[0].value == "Exporteren"


def test_analyst_downloads_the_report_and_the_data(app_env, downloads, tmp_path):
    vision_board(app_env.db_url)
    at = run(app_env)
    assert not at.exception, at.exception
    assert [b.label for b in at.get("download_button") if not b.key.startswith("exports.download.map_")] == [
        "Verslag downloaden (HTML)", "Verhalen (CSV)", "Verhalen (GeoJSON)", "Kaartlagen (GeoPackage)",
        "Thema's en stemmen (CSV)", "Afspraken (CSV)"]  # the map section: tests/pages/test_map_exports_page.py
    assert at.caption[0].value == "Goedgekeurde verhalen: 51 · thema's: 2 · afspraken: 1"
    stem = f"buurtbeeld-{DEMO_CODE}"
    assert set(downloads) == {f"{stem}-verslag.html", f"{stem}-verhalen.csv", f"{stem}-verhalen.geojson",
                              f"{stem}.gpkg", f"{stem}-themas-stemmen.csv", f"{stem}-afspraken.csv"}

    html = downloads[f"{stem}-verslag.html"][0].decode()
    assert "<script" not in html and "<b>" not in html
    assert "Graag &lt;b&gt;meer fietsenrekken&lt;/b&gt; bij de kerk! Als ik hier &#36;&#123;1+1&#125; typ" in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html
    assert PENDING_WERFKADE not in html
    ranking = html.split("id=themes")[1].split("</section>")[0]
    assert ranking.index("&lt;b&gt;Groen&lt;/b&gt; =1+1") < ranking.index("Stille straten")
    assert "01-04-2027" in html and "Bewonersgroep Kerkbuurt" in html

    stories = csv_rows(downloads[f"{stem}-verhalen.csv"][0])
    assert len(stories) == 51 and not any(PENDING_WERFKADE in r["text"] for r in stories)
    assert downloads[f"{stem}-verhalen.csv"][1].startswith("text/csv")
    features = json.loads(downloads[f"{stem}-verhalen.geojson"][0])["features"]
    assert sorted(f["id"] for f in features) == sorted(int(r["story_id"]) for r in stories)
    [action] = csv_rows(downloads[f"{stem}-afspraken.csv"][0])
    assert action["what"] == "'=Geveltuintjes aanleggen" and action["themes"] == "<b>Groen</b> =1+1, Stille straten"
    themes = csv_rows(downloads[f"{stem}-themas-stemmen.csv"][0])
    assert [(t["rank"], t["votes"]) for t in themes] == [("1", "3"), ("2", "0")]
    path = tmp_path / "page.gpkg"
    path.write_bytes(downloads[f"{stem}.gpkg"][0])
    assert len(gpd.read_file(path, layer="stories")) == 51
    assert "aantal_inwoners" in gpd.read_file(path, layer="buurten").columns


def test_all_sessions_at_once(app_env, downloads):
    make_session(app_env.db_url, "Tweede avond")
    at = run(app_env, role="facilitator")
    at.selectbox(key="exports.scope").set_value("all").run()
    assert not at.exception
    assert "Het verslag is er per werksessie" in at.info[0].value
    assert "Verslag downloaden (HTML)" not in [b.label for b in at.get("download_button")]
    assert any(name.startswith("buurtbeeld-GM9999-alle-sessies") and name.endswith(".csv") for name in downloads)


def test_a_failing_geopackage_is_explained_and_the_other_files_still_work(app_env, downloads, monkeypatch):
    def broken(*args, **kwargs):
        raise OSError("No space left on device")

    monkeypatch.setattr(gpd.GeoDataFrame, "to_file", broken)
    at = run(app_env)
    assert not at.exception
    assert at.error[0].value.startswith("Het GeoPackage kon niet worden gemaakt.")
    assert "*The GeoPackage could not be built." in at.error[0].value
    labels = [b.label for b in at.get("download_button")]
    assert "Kaartlagen (GeoPackage)" not in labels and "Verhalen (CSV)" in labels
    assert not any(name.endswith(".gpkg") for name in downloads)


def test_empty_state_without_sessions(app_env):
    factory = make_session_factory(app_env.db_url)
    with write_scope(factory) as s:
        s.execute(delete(StoryRow))
        s.execute(delete(SessionRow))
    factory.kw["bind"].dispose()
    at = run(app_env)
    assert not at.exception
    assert at.info[0].value.startswith("Voor deze gemeente zijn nog geen werksessies")
    assert not at.get("download_button")


def test_empty_state_without_a_municipality(app_env, sqlite_db_url, monkeypatch):
    monkeypatch.setenv("APP_DB_URL", sqlite_db_url)
    at = run(app_env)
    assert not at.exception
    assert at.info[0].value.startswith("Er is nog geen gemeente geladen")


def test_english(app_env, downloads):
    at = run(app_env, lang="en")
    assert not at.exception and at.title[0].value == "Export"
    assert at.get("download_button")[0].label == "Download report (HTML)"
    html = downloads[f"buurtbeeld-{DEMO_CODE}-verslag.html"][0].decode()
    assert "<html lang=en>" in html and "Who spoke" in html
